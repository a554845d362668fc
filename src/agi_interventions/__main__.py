"""Allow ``python -m agi_interventions``."""

from __future__ import annotations

import sys

from agi_interventions.cli import main

sys.exit(main())
