"""Names of a package that load their module on first use (PEP 562).

A package whose submodules import heavy dependencies (scipy.stats, scikit-learn) lists where
each public name lives; a job then imports only what it touches.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(
    namespace: dict[str, Any], home: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a package's ``__getattr__`` and ``__dir__`` for names imported on first use.

    Parameters
    ----------
    namespace
        The package's ``globals()``: a loaded name is stored there, so it loads once.
    home
        Public name to the absolute name of the module that defines it.

    Returns
    -------
    tuple of callable
        ``__getattr__`` (raises :class:`AttributeError` for a name not in ``home``) and
        ``__dir__`` (the namespace's names and ``home``'s).
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home[name]), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*namespace, *home])

    return __getattr__, __dir__
