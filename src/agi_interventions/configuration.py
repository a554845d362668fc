"""Checks of the pipeline configuration that its JSON schema cannot state clearly.

The schema (``config/schema/config.schema.yaml``) validates types, ranges and defaults. This
module adds what needs a clear sentence or another reading of the file: configuration files
read strictly (:mod:`agi_interventions.documents`: duplicate keys, non-text keys, aliases)
and the rule for worldview names, which become folder names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from agi_interventions.documents import DocumentError, quote, read_yaml

#: Worldview names: a letter or digit, then letters, digits, '_', '.' or '-'.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
#: Longest worldview name (it becomes a folder name and part of every output path).
MAX_NAME_LENGTH = 64
#: Names reserved for results that are not a worldview's.
RESERVED_NAMES = frozenset({"comparison"})
NAME_RULE = (
    f"names are 1 to {MAX_NAME_LENGTH} characters: a letter or digit, then letters, digits, "
    f"'_', '.' or '-'; {', '.join(sorted(RESERVED_NAMES))} is reserved"
)


class ConfigError(ValueError):
    """The configuration is invalid; the message names the file(s), key and problem."""


def file_problems(paths: Iterable[str]) -> list[str]:
    """Read every configuration file strictly and list the problems found.

    Parameters
    ----------
    paths
        The configuration files in use.

    Returns
    -------
    list of str
        One message per problem, each naming its file.
    """
    problems = []
    for path in paths:
        try:
            data = read_yaml(path, "configuration file")
        except DocumentError as err:
            problems.extend(err.problems)
            continue
        if not isinstance(data, Mapping):
            problems.append(f"{path}: expected a mapping of settings, got {quote(data)}")
    return problems


def name_problems(config: Mapping[str, Any], source: str) -> list[str]:
    """Check the worldview names against :data:`NAME_RULE`.

    Parameters
    ----------
    config
        The loaded configuration.
    source
        The configuration file(s), for messages.

    Returns
    -------
    list of str
        One message per bad name.
    """
    worldviews = config.get("worldviews")
    if not isinstance(worldviews, Mapping):
        return []
    problems = []
    for name in worldviews:
        text = str(name)
        if (
            not isinstance(name, str)
            or len(text) > MAX_NAME_LENGTH
            or not NAME_PATTERN.fullmatch(text)
            or text in RESERVED_NAMES
        ):
            problems.append(
                f"{source}: worldviews: name {quote(name)} ({len(text)} characters) is not "
                f"allowed: {NAME_RULE}"
            )
    return problems
