"""Marginal value of alignment versus cooperation work under uncertain beliefs.

The package evaluates the closed-form model of ``docs/model.md`` (see the README) on samples
drawn from prior distributions, and provides the sensitivity, ranking and decision analyses
that the Snakemake pipeline wires together.
"""

from __future__ import annotations

__version__ = "0.1.0"
