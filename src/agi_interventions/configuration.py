"""Checks of the pipeline configuration that its JSON schema cannot state clearly.

The schema (:data:`SCHEMA`, shipped with the package) validates types and ranges and holds
every default (:func:`defaults` applies them outside Snakemake). This module adds what needs
a clear sentence or another reading of the file: configuration files read strictly
(:mod:`agi_interventions.documents`: duplicate keys, non-text keys, aliases) and the rule for
worldview names, which become folder names.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
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
#: Parameter-group names: the same characters as worldview names.
GROUP_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
GROUP_RULE = (
    "group names are 1 to 64 characters: a letter or digit, then letters, digits, '_', '.' or '-'"
)


#: The configuration schema (JSON Schema in YAML): types, ranges and every default.
SCHEMA: Path = Path(str(resources.files("agi_interventions") / "schema" / "config.schema.yaml"))
#: Largest number of chunks (the design's blocks; see :mod:`agi_interventions.design`).
MAX_CHUNKS = 1024


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


def _walk(value: Any, path: tuple[str, ...] = ()):
    """Yield ``(path, value)`` for every leaf of a configuration."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, (*path, str(i)))
    else:
        yield path, value


def value_problems(config: Mapping[str, Any], source: str) -> list[str]:
    """Check what the schema cannot: finite numbers, known group members, clean text.

    Parameters
    ----------
    config
        The loaded configuration (schema-validated or not).
    source
        The configuration file(s), for messages.

    Returns
    -------
    list of str
        One message per problem, naming the key.
    """
    from agi_interventions.structure import known_names

    problems = []
    for path, value in _walk(config):
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(
                f"{source}: {'.'.join(path)}: must be a finite number (got {quote(value)})"
            )
    decision = config.get("decision") if isinstance(config, Mapping) else None
    decision = decision if isinstance(decision, Mapping) else {}
    samples, bins = config.get("samples"), decision.get("switching_bins")
    if isinstance(samples, int | float) and isinstance(bins, int | float) and bins > samples / 2:
        problems.append(
            f"{source}: decision.switching_bins: {bins} bins need N >= {2 * int(bins)} "
            f"(two draws of the 2N per bin at least, and more for smooth curves); got "
            f"samples {samples}: use fewer bins or a larger N"
        )
    problems.extend(comparison_problems(config, source))
    groups = decision.get("groups")
    if isinstance(groups, Mapping):
        known = known_names()
        for group, members in groups.items():
            where = f"{source}: decision.groups.{group}"
            if not isinstance(group, str) or not GROUP_PATTERN.fullmatch(group):
                problems.append(
                    f"{source}: decision.groups: group name {quote(group)} is not allowed: "
                    f"{GROUP_RULE}"
                )
                continue
            if not isinstance(members, list) or not members:
                problems.append(f"{where}: must be a non-empty list of parameter names")
                continue
            unknown = [m for m in members if not isinstance(m, str) or m not in known]
            if unknown:
                problems.append(
                    f"{where}: unknown parameter(s) {', '.join(quote(m) for m in unknown)}; "
                    f"members must be parameter names, one per list item (known: "
                    f"{', '.join(known)})"
                )
            if len(set(map(str, members))) != len(members):
                problems.append(f"{where}: a parameter is listed twice")
    return problems


def comparison_problems(config: Mapping[str, Any], source: str) -> list[str]:
    """Check the credences and the comparison's reference against the configured worldviews.

    Parameters
    ----------
    config
        The loaded configuration.
    source
        The configuration file(s), for messages.

    Returns
    -------
    list of str
        A credence for a worldview that is not configured, credences that are all zero, or a
        reference that is not configured.
    """
    worldviews = config.get("worldviews") if isinstance(config, Mapping) else None
    names = list(worldviews) if isinstance(worldviews, Mapping) else []
    problems = []
    credences = config.get("credences")
    if isinstance(credences, Mapping) and credences:
        unknown = [n for n in credences if n not in names]
        if unknown:
            verb = "is not a configured worldview" if len(unknown) == 1 else "are not configured"
            problems.append(
                f"{source}: credences: {', '.join(quote(n) for n in unknown)} {verb} "
                f"(configured: {', '.join(names)})"
            )
        values = [v for n, v in credences.items() if n in names]
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if numbers and not any(v > 0 for v in values):
            problems.append(
                f"{source}: credences: at least one configured worldview needs a credence above 0"
            )
    reference = config.get("comparison_reference")
    if isinstance(reference, str) and reference and reference not in names:
        problems.append(
            f"{source}: comparison_reference: {quote(reference)} is not a configured worldview "
            f"(configured: {', '.join(names)})"
        )
    return problems


def _integer_paths(schema: Mapping[str, Any], path: tuple[str, ...] = ()):
    """Yield the key paths of integer settings in the schema."""
    for name, sub in schema.get("properties", {}).items():
        here = (*path, name)
        types = [sub.get("type")] + [alt.get("type") for alt in sub.get("oneOf", [])]
        if "integer" in types:
            yield here
        if sub.get("type") == "object":
            yield from _integer_paths(sub, here)


@functools.cache
def _parsed_schema() -> dict[str, Any]:
    import yaml

    # the package's own file (trusted): libyaml's parser where PyYAML has it, about 10 times
    # faster than the pure-Python one; every command checks its settings against it
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(SCHEMA.read_text(encoding="utf-8"), Loader=loader)


def load_schema() -> dict[str, Any]:
    """Return the configuration schema (a copy: the file is parsed once per process).

    Returns
    -------
    dict
        The parsed ``config.schema.yaml``.
    """
    return copy.deepcopy(_parsed_schema())


def normalised(config: Mapping[str, Any]) -> dict[str, Any]:
    """Return the configuration with integers written as ``1.0`` turned into ``1``.

    JSON Schema's ``integer`` accepts ``1.0``; every step then sees a true integer.
    """
    schema = load_schema()
    result = copy.deepcopy(dict(config))
    for path in _integer_paths(schema):
        holder: Any = result
        for key in path[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(holder, dict):
            value = holder.get(path[-1])
            if isinstance(value, float) and value.is_integer():
                holder[path[-1]] = int(value)
    return result


def check_setting(path: Sequence[str], value: Any) -> None:
    """Validate one setting against its schema entry (for the command line's arguments).

    Parameters
    ----------
    path
        Key path, e.g. ``("decision", "evppi_bootstrap")``.
    value
        The value given.

    Raises
    ------
    ConfigError
        Naming the setting and the schema's reason.
    """
    import jsonschema

    schema = load_schema()
    sub = schema
    for key in path:
        sub = sub["properties"][key]
    sub = {k: v for k, v in sub.items() if k != "default"}
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{'.'.join(path)}: must be a finite number (got {value})")
    try:
        jsonschema.validate(value, sub)
    except jsonschema.ValidationError as err:
        raise ConfigError(f"{'.'.join(path)}: {err.message}") from None


def defaults(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Apply the schema's defaults to a configuration, as Snakemake's ``validate`` does.

    Parameters
    ----------
    config
        A (partial) configuration; not modified.

    Returns
    -------
    dict
        A copy with every missing setting set to its schema default, nested ones included.
    """
    import jsonschema

    schema = load_schema()
    base = jsonschema.Draft202012Validator

    def set_defaults(validator, properties, instance, schema_):
        for name, sub in properties.items():
            if "default" in sub and isinstance(instance, dict):
                instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from base.VALIDATORS["properties"](validator, properties, instance, schema_)

    validator = jsonschema.validators.extend(base, {"properties": set_defaults})
    result = copy.deepcopy(dict(config or {}))
    validator(schema).validate(result)
    return result


def _default_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"`{k}`" for k in value) if value else "{}"
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value}"


def markdown_table() -> str:
    """Return the README's table of configuration keys, generated from the schema.

    Returns
    -------
    str
        One row per key (nested ``decision`` keys as ``decision.<key>``): its description and
        its default (``required`` for keys without one).
    """
    schema = load_schema()
    lines = ["| key | meaning | default |", "|---|---|---|"]

    def rows(properties: Mapping[str, Any], prefix: str, required: Sequence[str]) -> None:
        for name, sub in properties.items():
            key = prefix + name
            if sub.get("type") == "object" and "properties" in sub:
                rows(sub["properties"], key + ".", sub.get("required", []))
                continue
            text = " ".join(str(sub.get("description", "")).split())
            if name in required:
                default = "required"
            else:
                default = _default_text(sub.get("default", ""))
            lines.append(f"| `{key}` | {text} | {default} |")

    rows(schema["properties"], "", schema.get("required", []))
    return "\n".join(lines)


def chunk_count(setting: int | str, n_base: int) -> int:
    """Return the number of evaluation chunks for a ``chunks`` setting and base size N.

    ``auto`` gives one chunk per 2^16 base points, at most 16; every count is capped at the
    design's number of blocks, ``min(N, 1024)``.
    """
    chunks = max(1, min(16, n_base // 2**16)) if setting == "auto" else int(setting)
    return min(chunks, n_base, MAX_CHUNKS)


@dataclass(frozen=True)
class DecisionSettings:
    """Settings of the decision analysis (defaults live in the configuration schema).

    Attributes
    ----------
    groups
        Parameter groups for group EVPPI.
    evppi_bootstrap
        Bootstrap refits of the regression EVPPI and switching curves.
    exact_draws
        Outer Monte Carlo draws of the exact group EVPPI and EVPI.
    switching_bins
        Equal-count bins of the conditional-mean curves in the figures.
    top_parameters
        Parameters (by EVPPI) whose conditional-mean curves are drawn.
    prim_threshold
        Minimum PRIM box density.
    prim_peel_alpha
        Share of draws PRIM peels per step.
    regression_evppi
        Also estimate EVPPI by regression beside the exact or nested values.
    rank_shift
        Rank difference between sensitivity methods beyond which a parameter is flagged.
    """

    groups: Mapping[str, Sequence[str]]
    evppi_bootstrap: int
    exact_draws: int
    switching_bins: int
    top_parameters: int
    prim_threshold: float
    prim_peel_alpha: float
    rank_shift: int
    regression_evppi: bool

    @classmethod
    def from_config(cls, decision: Mapping[str, Any]) -> DecisionSettings:
        """Build the settings from the ``decision`` section of a configuration with defaults.

        Parameters
        ----------
        decision
            ``defaults(config)["decision"]``: every key present.

        Returns
        -------
        DecisionSettings
        """
        return cls(**{name: decision[name] for name in cls.__dataclass_fields__})

    @classmethod
    def default(cls) -> DecisionSettings:
        """Return the schema's default settings."""
        minimal = {"worldviews": {"default": "-"}, "samples": 64, "seed": 0}
        return cls.from_config(defaults(minimal)["decision"])
