"""Read YAML documents strictly: every malformed document becomes a list of clear problems.

PyYAML's safe loader accepts things a hand-edited prior or configuration file should never
contain, and fails on others with raw Python exceptions. :func:`read_yaml` reads a document
with a loader that

* rejects duplicate keys (PyYAML keeps the last one silently, so an edit could be lost);
* rejects keys that are not text (``0: x``), naming their line;
* rejects anchors and aliases (``&a``, ``*a``): a few kilobytes of aliases can expand to
  billions of items;
* rejects documents larger than :data:`MAX_BYTES` or nested deeper than :data:`MAX_DEPTH`,
  and paths that are not regular files (a device such as ``/dev/zero``, a pipe);

and turns every YAML error into a :class:`DocumentError` that names the file and the line.
:func:`quote` shortens values for messages, so that no message repeats a huge value.
"""

from __future__ import annotations

import math
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode

#: Largest document read (bytes).
MAX_BYTES = 1_000_000
#: Deepest nesting of mappings and lists.
MAX_DEPTH = 50
#: Longest quoted value in a message (characters).
QUOTE_LIMIT = 40


class DocumentError(ValueError):
    """A YAML document cannot be read; ``problems`` holds one message per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """Return a short, printable rendering of a value for an error message."""
    try:
        text = repr(value)
    except Exception:  # pragma: no cover - repr of a YAML value does not fail
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def content_fingerprint(document: Any, ignore: tuple[str, ...] = ("note", "description")) -> str:
    """Hash what a document says, leaving out free-text keys (notes, descriptions).

    Parameters
    ----------
    document
        A document as :func:`read_yaml` returns it.
    ignore
        Keys left out at any depth.

    Returns
    -------
    str
        SHA-256 of the document's canonical JSON (sorted keys, numbers as floats), so that
        ``1`` and ``1.0`` and a reordering of keys give the same fingerprint.
    """
    import hashlib
    import json

    def canonical(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): canonical(v) for k, v in value.items() if k not in ignore}
        if isinstance(value, list):
            return [canonical(v) for v in value]
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float):
            return float(value) if math.isfinite(float(value)) else str(value)
        return str(value)

    text = json.dumps(canonical(document), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def is_number(value: Any) -> bool:
    """Whether a value is a finite number that float64 can hold (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer too large for a float
        return False


def looks_like_number(value: Any) -> bool:
    """Whether a text reads as a number (e.g. ``1e-3``, which YAML 1.1 keeps as text)."""
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses aliases, non-text and duplicate keys and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise ConstructorError(
                None,
                None,
                "anchors and aliases (&name, *name) are not allowed; write the values out",
                event.start_mark,
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ConstructorError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark
            )
        try:
            return Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                shown = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                raise ConstructorError(
                    None,
                    None,
                    f"key {quote(shown)} is not text (keys are parameter names, argument "
                    "names or setting names)",
                    key_node.start_mark,
                )
            key = key_node.value
            if key in seen:
                raise ConstructorError(
                    None,
                    None,
                    f"key {quote(key)} appears twice (lines {seen[key]} and {line}); "
                    "the second would silently replace the first",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    "tag:yaml.org,2002:map",
    lambda loader, node: loader.construct_mapping(node, deep=True),
)


def _mark(err: yaml.MarkedYAMLError) -> str:
    mark = err.problem_mark or err.context_mark
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"


def read_yaml(path: str | Path, what: str = "file") -> Any:
    """Read a YAML document strictly.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (e.g. ``prior file``).

    Returns
    -------
    object
        The document (mappings, lists, text, numbers, booleans, None).

    Raises
    ------
    DocumentError
        Naming the file, the position and the problem.
    """
    path = Path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(str(path))
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(
                [f"{path}: not a regular file (a device, pipe or socket); give a {what}"]
            )
        if info.st_size > MAX_BYTES:
            raise DocumentError(
                [f"{path}: {what} is {info.st_size:,} bytes; at most {MAX_BYTES:,} are read"]
            )
        with path.open("rb") as handle:  # never more than the limit, whatever stat said
            data = handle.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise DocumentError([f"{path}: {what} is larger than {MAX_BYTES:,} bytes"])
        text = data.decode("utf-8")
    except FileNotFoundError as err:
        raise DocumentError([f"{path}: {what} not found"]) from err
    except IsADirectoryError as err:
        raise DocumentError([f"{path}: is a folder, not a {what}"]) from err
    except UnicodeDecodeError as err:
        raise DocumentError(
            [f"{path}: not UTF-8 text ({err.reason} at byte {err.start})"]
        ) from err
    except OSError as err:
        raise DocumentError([f"{path}: cannot read {what}: {err.strerror}"]) from err
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except ConstructorError as err:
        problem = err.problem or err.context or "not allowed"
        if "could not determine a constructor" in problem:
            tag = problem.rsplit("'", 2)[-2] if problem.count("'") >= 2 else "this tag"
            problem = (
                f"the tag {quote(tag, 60)} is not allowed: write plain numbers, text, lists "
                "and mappings"
            )
        raise DocumentError([f"{path}: {_mark(err)}: {problem}"]) from err
    except yaml.MarkedYAMLError as err:
        problem = err.problem or err.context or "syntax error"
        raise DocumentError([f"{path}: not valid YAML at {_mark(err)}: {problem}"]) from err
    except yaml.YAMLError as err:
        raise DocumentError([f"{path}: not valid YAML ({quote(str(err), 80)})"]) from err
    except RecursionError as err:
        raise DocumentError([f"{path}: nested too deeply"]) from err
