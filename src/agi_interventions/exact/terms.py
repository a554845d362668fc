"""Sums of products of single-parameter factors: the algebra behind the exact engine.

Every output of the closed-form model (``docs/model.md``) is, in the ``fractions``
parametrisation, a finite sum of terms ``c * prod_j g_j(theta_j)`` in which each factor
``g_j`` depends on one parameter only. The factors are products of four elementary
functions of the parameter:

============  ==================
``x``         ``theta``
``1-x``       ``1 - theta``
``1/x``       ``1 / theta``
``1/(1-x)``   ``1 / (1 - theta)``
============  ==================

:class:`ProductSum` holds such a sum. It supports ``+``, ``-``, ``*`` (with another
``ProductSum`` or a number) and evaluation, and keeps like terms merged, so the model's
outputs are written once, in the notation of ``docs/model.md`` (see
:mod:`agi_interventions.exact.outputs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import Polynomial
from numpy.typing import ArrayLike

#: The elementary factor functions, by name.
KINDS: tuple[str, ...] = ("x", "1-x", "1/x", "1/(1-x)")

#: A factor: the sorted elementary functions whose product it is (empty: the constant 1).
Factor = tuple[str, ...]

#: A term's signature: (parameter, factor) pairs sorted by parameter, each parameter once.
Signature = tuple[tuple[str, Factor], ...]


def evaluate_factor(factor: Factor, theta: ArrayLike) -> np.ndarray:
    """Evaluate a factor (product of elementary functions) at parameter values.

    Parameters
    ----------
    factor
        Sorted names from :data:`KINDS`; empty for the constant 1.
    theta
        Parameter values.

    Returns
    -------
    numpy.ndarray
        The product of the elementary functions at ``theta`` (float64).
    """
    x = np.asarray(theta, dtype=np.float64)
    out = np.ones_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        for kind in factor:
            if kind == "x":
                out = out * x
            elif kind == "1-x":
                out = out * (1.0 - x)
            elif kind == "1/x":
                out = out / x
            elif kind == "1/(1-x)":
                out = out / (1.0 - x)
            else:  # pragma: no cover - guarded by ProductSum.parameter
                raise ValueError(f"unknown factor kind {kind!r}")
    return out


def is_polynomial(factor: Factor) -> bool:
    """Whether a factor is a polynomial in the parameter (no ``1/x`` or ``1/(1-x)``)."""
    return all(kind in ("x", "1-x") for kind in factor)


def rational_parts(factor: Factor) -> tuple[Polynomial, int, int]:
    """Write a factor as ``numerator(x) / (x**a (1 - x)**b)``.

    Parameters
    ----------
    factor
        Sorted elementary function names.

    Returns
    -------
    tuple
        The numerator polynomial and the powers ``a`` and ``b`` of the denominator.
    """
    numerator = Polynomial([1.0])
    power_x = power_one_minus = 0
    for kind in factor:
        if kind == "x":
            numerator = numerator * Polynomial([0.0, 1.0])
        elif kind == "1-x":
            numerator = numerator * Polynomial([1.0, -1.0])
        elif kind == "1/x":
            power_x += 1
        elif kind == "1/(1-x)":
            power_one_minus += 1
    return numerator, power_x, power_one_minus


#: Elementary functions whose product is 1 (``x / x``, ``(1 - x) / (1 - x)``).
_INVERSES = {"x": "1/x", "1/x": "x", "1-x": "1/(1-x)", "1/(1-x)": "1-x"}


def simplify_factor(kinds: Sequence[str]) -> Factor:
    """Cancel ``x`` against ``1/x`` and ``1-x`` against ``1/(1-x)``; return the sorted rest."""
    left = list(kinds)
    out: list[str] = []
    while left:
        kind = left.pop()
        if _INVERSES[kind] in left:
            left.remove(_INVERSES[kind])
        else:
            out.append(kind)
    return tuple(sorted(out))


def _merge(first: Signature, second: Signature) -> Signature:
    merged: dict[str, Factor] = dict(first)
    for name, factor in second:
        merged[name] = simplify_factor(merged.get(name, ()) + factor)
    return tuple(sorted((n, f) for n, f in merged.items() if f))


@dataclass(frozen=True)
class ProductSum:
    """A sum of terms ``coefficient * prod_j factor_j(theta_j)``.

    Attributes
    ----------
    terms
        Signature to coefficient; like terms are merged and zero coefficients dropped.
    """

    terms: Mapping[Signature, float]

    @classmethod
    def parameter(cls, name: str, kind: str = "x") -> ProductSum:
        """Return the single factor ``kind`` of parameter ``name`` (e.g. ``1/x`` of F_V)."""
        if kind not in KINDS:
            raise ValueError(f"unknown factor kind {kind!r} (known: {', '.join(KINDS)})")
        return cls({((name, (kind,)),): 1.0})

    @classmethod
    def constant(cls, value: float) -> ProductSum:
        """Return the constant ``value``."""
        return cls({(): float(value)} if value else {})

    @staticmethod
    def _collect(items: Iterable[tuple[Signature, float]]) -> dict[Signature, float]:
        out: dict[Signature, float] = {}
        for signature, coef in items:
            out[signature] = out.get(signature, 0.0) + coef
        return {s: c for s, c in sorted(out.items()) if c != 0.0}

    def __add__(self, other: ProductSum | float) -> ProductSum:
        other = other if isinstance(other, ProductSum) else ProductSum.constant(other)
        return ProductSum(self._collect([*self.terms.items(), *other.terms.items()]))

    __radd__ = __add__

    def __neg__(self) -> ProductSum:
        return ProductSum({s: -c for s, c in self.terms.items()})

    def __sub__(self, other: ProductSum | float) -> ProductSum:
        return self + (-(other if isinstance(other, ProductSum) else ProductSum.constant(other)))

    def __rsub__(self, other: float) -> ProductSum:
        return ProductSum.constant(other) - self

    def __mul__(self, other: ProductSum | float) -> ProductSum:
        if not isinstance(other, ProductSum):
            return ProductSum(self._collect((s, c * float(other)) for s, c in self.terms.items()))
        return ProductSum(
            self._collect(
                (_merge(s1, s2), c1 * c2)
                for s1, c1 in self.terms.items()
                for s2, c2 in other.terms.items()
            )
        )

    __rmul__ = __mul__

    def substitute(self, name: str, replacement: ProductSum) -> ProductSum:
        """Replace a parameter by a sum of products (all its occurrences at once).

        Parameters
        ----------
        name
            The parameter; its factors must be polynomial (``x`` and ``1-x`` only).
        replacement
            What it equals; it may contain ``name`` itself (the substitution is
            simultaneous).

        Returns
        -------
        ProductSum
            The sum with ``x -> replacement`` and ``1 - x -> 1 - replacement``.

        Raises
        ------
        ValueError
            If ``name`` appears with a reciprocal factor (``1/x`` or ``1/(1-x)``): the result
            would not be a sum of products.
        """
        out = ProductSum({})
        for signature, coef in self.terms.items():
            factor = dict(signature).get(name, ())
            if not is_polynomial(factor):
                raise ValueError(
                    f"{name} appears as {'·'.join(factor)}: substituting a sum for it does not "
                    "give a sum of products"
                )
            rest = ProductSum({tuple((n, f) for n, f in signature if n != name): coef})
            for kind in factor:
                rest = rest * (replacement if kind == "x" else 1.0 - replacement)
            out = out + rest
        return out

    @property
    def parameters(self) -> tuple[str, ...]:
        """Names of the parameters that appear in any term, sorted."""
        return tuple(sorted({name for s in self.terms for name, _ in s}))

    def factors(self, name: str) -> tuple[Factor, ...]:
        """Return the distinct factors of one parameter (``()`` in terms without it)."""
        found = {dict(s).get(name, ()) for s in self.terms}
        return tuple(sorted(found, key=lambda f: (len(f), f)))

    def evaluate(self, params: Mapping[str, ArrayLike]) -> np.ndarray:
        """Evaluate the sum at parameter values (arrays broadcast against each other).

        Parameters
        ----------
        params
            Parameter name to value(s); every parameter in :attr:`parameters` is needed.

        Returns
        -------
        numpy.ndarray
            The value of the sum.
        """
        total: np.ndarray | float = 0.0
        for signature, coef in self.terms.items():
            product: np.ndarray | float = coef
            for name, factor in signature:
                product = product * evaluate_factor(factor, params[name])
            total = total + product
        return np.asarray(total, dtype=np.float64)
