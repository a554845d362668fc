r"""Value of information by nested and multilevel Monte Carlo, for a model that costs little.

With options ``k``, values ``V_k`` and independent inputs ``X``,
``EVPI = E[max_k V_k] - max_k E[V_k]`` and, for a set ``S`` of inputs,
``EVPPI(S) = E[max_k E[V_k | X_S]] - max_k E[V_k]``. The regression estimators of
:mod:`agi_interventions.voi.estimators` work from a fixed sample; the estimators here draw what
they need instead, which pays when one model evaluation costs nanoseconds.

The problem is described by a :class:`NestedProblem` (how to draw inputs, their quantile
functions, the atoms of discrete inputs and the option values), nothing else;
:func:`problem_from_worldview` builds one from a worldview and a completion function.

Every estimate starts from a **pool**: independent joint prior draws of all inputs, with their
option values, split into independent replicate pools.

* **EVPI** is the plain Monte Carlo mean of ``max_k V_k - V_k0`` over the pool (``k0`` the
  option with the highest pooled mean), with the usual standard error.
* **One input** (:func:`evppi_parameter`): ``EVPPI = E_theta[max_k mu_k(theta)] - max_k
  E_theta[mu_k(theta)]`` with ``mu_k(theta) = E[V_k | theta]``. The outer expectation is a
  quadrature in the input's normal score ``z`` (``theta = ppf(Phi(z))``, so heavy tails are
  integrable on ``[-z_max, z_max]``): Gauss–Kronrod (7/15) panels, split at every point where
  the best estimated conditional mean changes (found by root finding on the estimated
  means), so that every panel integrates a smooth function; panels whose Kronrod–Gauss
  difference is large are bisected. The inner means ``mu_k(theta)`` are averages over the
  same ``M`` pool draws of the other inputs at every node (common random numbers), so they
  are smooth in ``theta`` and their crossings can be found exactly. A discrete input (atoms)
  gets an exact sum over its atoms instead of the quadrature.

  Bias. The maximum of noisy means is biased upwards: where the two best options cross at
  ``z_c`` with slope ``delta'`` of their difference, by ``phi(z_c) s_c^2 / (2 M |delta'|)``
  to first order (``s_c^2`` the variance of the difference of their values there; the
  integral over ``x`` of ``E[(x + e)^+] - x^+`` is ``E[e^2] / 2`` for any zero-mean ``e``),
  so the bias is ``c / M``. The antithetic correction of Giles & Goda removes it: with
  ``Q_M`` from all inner draws and ``Q_a``, ``Q_b`` from each half (each with its own
  crossings and panels), the estimate is ``2 Q_M - (Q_a + Q_b) / 2``.

  Error. The estimate is a smooth functional of the ``M`` inner draws; its first-order
  (delta-method) error is the mean over draws of
  ``h(y) = sum_i w_i (V_best(i)(theta_i, y) - V_k0(theta_i, y))``, so the inner standard error
  is ``sd(h) / sqrt(M)``. The quadrature error is bounded by the sum over panels of
  ``|Kronrod - Gauss|``, and half the bias correction is counted as its uncertainty; the three
  add in quadrature.

  The rule's value. The quadrature's best option as a step function of the input is a
  decision rule; its value ``E[V_rule(theta) - V_k0]`` is a plain mean, one evaluation per
  row, over pool rows the inner draws did not use (the input stratified over the ranges
  where the rule differs from ``k0``), with its loss against the best rule removed by the
  same antithetic step (the halves' rules). Its error (rows, the halves' spread, half the
  correction) is independent of the inner one, and the two estimates are pooled by inverse
  variance.

  More inner draws. Where the pooled error is still above a fifth of the estimate (or of 2%
  of EVPI, if more), both the quadrature and the rule are limited by how well ``M`` draws
  place the switching points: the input is estimated again, from ``max_inner`` inner draws
  (four times as many by default, at most half the pool), and that estimate is reported.
* **A group, and EVPI** (:func:`evppi_group`): the multilevel Monte Carlo estimator of Giles &
  Goda (2019, "Decision-making under uncertainty: using MLMC for efficient estimation of
  EVPPI", Statistics and Computing 29) for ``D(S) = EVPI - EVPPI(S) =
  E_X[E[max_k V_k | X] - max_k E[V_k | X]]`` (``X = X_S``). On level ``l`` an outer draw
  ``X`` gets ``M_l = 2^l`` inner draws of the other inputs and contributes the antithetic
  difference ``Z_l = (max_k a_k + max_k b_k) / 2 - max_k (a_k + b_k) / 2`` of the means
  ``a``, ``b`` over the two halves (``Z_l >= 0``; level 0, one inner draw, is exactly 0). The
  number of levels and the samples per level follow Giles' MLMC driver for a target
  root-mean-square error ``eps``: ``N_l`` proportional to ``sqrt(V_l / C_l)``, variance
  ``(1 - theta) eps^2`` and levels added until the estimated remaining bias
  ``m_L / (2^alpha - 1)`` is below ``sqrt(theta) eps`` (``theta = 1/4``; ``alpha``, ``beta``
  by regression on the levels), and not before the level means have passed their peak (they
  first grow with ``l`` in this model). ``EVPPI(S) = EVPI - sum_l mean(Z_l)``, with the
  pool's EVPI as level 0, or ``EVPPI(S) = E[P_b] - sum_{l>b} mean(Z_l)`` from a sampled
  base level ``b`` (``P_b = max_k mu_k - mu_k0`` of the means over ``2^b`` inner draws),
  whichever base needs fewer evaluations for the target: a group worth little of EVPI gets
  a sampled base, as its gains are near zero once a few inner draws are averaged. The
  geometric tail of the levels is subtracted too, and its size counted in the standard
  error. Where the target costs more than the budget, the levels are found first and the
  rest of the budget spent after. Inner and outer draws are random rows of the replicate
  pools; the standard error is the spread of the replicate estimates, so it includes the
  variability of the pools. Where inputs are heavy-tailed (tilted, below) the levels'
  differences are skewed, and the driver, which sizes each level by its own draws, biases
  their means low; there the estimate is made from levels drawn afresh, as many per level as
  the driver chose (about twice the cost). See ``docs/nested_evppi.md``.

Heavy tails. An input whose prior is a lognormal with ``sigma >= 1`` has a mean carried by
rare draws. The pool draws such inputs from a defensive mixture of the prior and the
size-biased prior (:class:`Tilt`, importance sampling) and every mean over pool rows, inner or
outer, is weighted by ``p / q`` (the weights are folded into the option values of the rows
that drew the input; an input held at a quadrature node has weight 1). This leaves every
estimator unbiased and bounds the terms the tail makes heavy.

Reliability flag. Every estimate is a mean of per-draw quantities: the gains
``max_k V_k - V_k0`` (EVPI, and a group's base: the pool, or a sampled level's ``P_b``), the
antithetic differences ``Z_l`` of each level, or ``h`` (one input). Where the right tail of
those draws is too heavy for a mean to be estimated from them (the Pareto ``k_hat`` of
:mod:`agi_interventions.tails` at or above :func:`agi_interventions.tails.khat_threshold`, 0.7
from about 2,000 draws on), the estimate's ``flag`` says so and it must not support a
statement; see :func:`_tail_check`.

Every function takes a seed and returns the same bytes for the same seed. Costs are counted
in model evaluations (rows passed to the problem's ``values``).
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats
from scipy.optimize import brentq

from agi_interventions.tails import NEGLIGIBLE_SPREAD, khat_threshold, pareto_khat

logger = logging.getLogger(__name__)

#: Options of the project's model, in table order.
DEFAULT_OPTIONS: tuple[str, ...] = ("a_V", "a_CV", "a_CnotV")
#: Columns of :func:`nested_value_of_information_table`.
NESTED_COLUMNS = ["name", "kind", "value", "se", "ci_low", "ci_high", "method", "cost", "flag"]
#: Two-sided 95% normal quantile.
Z95 = float(stats.norm.ppf(0.975))
#: Rows per call of the problem's ``values`` in the multilevel estimator.
CHUNK_ROWS = 1 << 16
#: Smallest width in normal scores to which a crossing of two options' conditional means is
#: located (otherwise 1% of the bracket between the two nodes, see ``_crossing``).
CROSSING_XTOL = 1e-5
#: A change of the best option between two quadrature nodes is located and the panel split
#: there only if misplacing it could move the integral by more than this share of the inner
#: standard error (:func:`_misplaced_best_bound`); the bound of every change left is added
#: to the quadrature error.
IMMATERIAL_CROSSING = 0.01
#: Share of EVPI below which a single input's error targets stop shrinking with its value.
MATERIAL_SHARE = 0.02
#: Fewest pool rows left after a single input's inner draws for its rule to be valued on.
MIN_RULE_ROWS = 1 << 12
#: Fewest non-zero antithetic differences of a multilevel level for its tail to be judged.
#: Below this the Pareto fit rests on a few dozen draws and its ``k_hat`` scatters widely
#: (light-tailed worldviews give values above 1 on levels with ~100 non-zero draws); such
#: levels carry little of the estimate, and the pool's gains are always judged (a sampled
#: base's gains with fewer non-zero draws than this take the pool's verdict).
MIN_LEVEL_TAIL_DRAWS = 1000

#: Lognormal inputs with at least this ``sigma`` are drawn from a :class:`Tilt` (relative
#: variance ``exp(sigma^2) - 1`` of 1.7 and more: their means rest on rare draws).
TILT_SIGMA = 1.0
#: Share of the size-biased component in a :class:`Tilt` (a defensive mixture: the weights
#: are at most ``1 / (1 - share)``).
TILT_SHARE = 0.5

SampleFn = Callable[[Sequence[str], int, np.random.Generator], Mapping[str, np.ndarray]]
PpfFn = Callable[[str, np.ndarray], np.ndarray]
ValuesFn = Callable[[Mapping[str, np.ndarray]], np.ndarray]
#: ``capture(inputs)``: the option values and the costly derived columns of these rows.
CaptureFn = Callable[[Mapping[str, np.ndarray]], tuple[np.ndarray, Mapping[str, np.ndarray]]]
#: ``reuse(inputs, derived)``: the option values, the costly derivation taken from ``derived``.
ReuseFn = Callable[[Mapping[str, np.ndarray], Mapping[str, np.ndarray]], np.ndarray]

# Gauss–Kronrod 7/15 on [-1, 1]: Kronrod nodes (the Gauss nodes are the odd-indexed ones).
_XGK = np.array(
    [
        0.991455371120812639206854697526329,
        0.949107912342758524526189684047851,
        0.864864423359769072789712788640926,
        0.741531185599394439863864773280788,
        0.586087235467691130294144845693013,
        0.405845151377397166906606412076961,
        0.207784955007898467600689403773245,
        0.0,
    ]
)
_WGK = np.array(
    [
        0.022935322010529224963732008058970,
        0.063092092629978553290700663189204,
        0.104790010322250183839876322541518,
        0.140653259715525918745189590510238,
        0.169004726639267902826583426598550,
        0.190350578064785409913256402421014,
        0.204432940075298892414161999234649,
        0.209482141084727828012999174891714,
    ]
)
_WG = np.array(
    [
        0.129484966168869693270611432679082,
        0.279705391489276667901467771423780,
        0.381830050505118944950369775488975,
        0.417959183673469387755102040816327,
    ]
)
#: 15 Kronrod nodes on [-1, 1], ascending.
KRONROD_NODES = np.concatenate([-_XGK[:-1], _XGK[::-1]])
#: Their Kronrod weights.
KRONROD_WEIGHTS = np.concatenate([_WGK[:-1], _WGK[::-1]])
#: Weights of the embedded 7-point Gauss rule at the same 15 nodes (0 at the others).
GAUSS_WEIGHTS = np.zeros(15)
GAUSS_WEIGHTS[[1, 3, 5, 13, 11, 9]] = np.concatenate([_WG[:3], _WG[:3]])
GAUSS_WEIGHTS[7] = _WG[3]


# --------------------------------------------------------------------------- the problem


@dataclass(frozen=True)
class Tilt:
    """Importance sampling of a positive input with a heavy right tail (Hesterberg, 1995).

    The input is drawn from the defensive mixture ``q = (1 - share) p + share p*`` of its
    prior ``p`` and the size-biased prior ``p*(x) = x p(x) / mean``, so draws from the tail,
    which carry its mean, come often; every mean over draws is then a mean of the values
    times the weight ``p / q = 1 / ((1 - share) + share x / mean)``. The weight is at most
    ``1 / (1 - share)`` (an input that does not matter costs little variance) and a value
    proportional to ``x`` times its weight is at most ``mean / share`` (a term linear in the
    input loses its tail).

    Attributes
    ----------
    scale
        A draw of ``p*`` is ``scale`` times a draw of ``p`` (a lognormal with ``sigma``:
        ``exp(sigma^2)``).
    mean
        The prior mean of the input.
    share
        Weight of ``p*`` in the mixture, in (0, 1).
    """

    scale: float
    mean: float
    share: float = TILT_SHARE

    def __post_init__(self) -> None:
        if not (self.scale >= 1.0 and self.mean > 0.0 and 0.0 < self.share < 1.0):
            raise ValueError("Tilt: need scale >= 1, mean > 0 and 0 < share < 1")

    def draw(self, prior_draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Turn prior draws into draws of the mixture (each scaled with probability share)."""
        scaled = rng.random(prior_draws.shape) < self.share
        return np.where(scaled, prior_draws * self.scale, prior_draws)

    def log_weight(self, x: np.ndarray) -> np.ndarray:
        """Return ``log(p / q)`` at draws ``x`` of the mixture."""
        return -np.log((1.0 - self.share) + self.share * (x / self.mean))


def lognormal_tilt(sigma: float, mean: float) -> Tilt | None:
    """Return the :class:`Tilt` of a lognormal input with ``sigma >= TILT_SIGMA``, else None."""
    if not (math.isfinite(sigma) and sigma >= TILT_SIGMA and math.isfinite(mean) and mean > 0):
        return None
    return Tilt(scale=math.exp(sigma * sigma), mean=mean)


@dataclass(frozen=True)
class NestedProblem:
    """A decision problem with independent uncertain inputs, as the estimators see it.

    Attributes
    ----------
    names
        The uncertain inputs (each independent of the others).
    sample
        ``sample(names, n, rng)``: ``n`` independent prior draws of each named input, as a
        mapping name to array; the draws of different inputs are independent.
    ppf
        ``ppf(name, u)``: the quantile function of a continuous input at ``u`` in (0, 1).
    values
        ``values(inputs)``: every input in :attr:`names` to ``n`` values each, returning the
        ``(n, K)`` option values. Must be a pure, vectorised function.
    atoms
        Discrete inputs (e.g. a Bernoulli switch): name to ``(values, probabilities)``. Their
        EVPPI is an exact sum over the atoms; every other input is continuous.
    options
        Names of the ``K`` options (for messages; default ``option0``, ...).
    batched
        Inputs for which one call of ``values`` on many values of the input (the other
        inputs repeated) is cheaper than a call per value: those read by a costly step that
        remembers its last results (the derived game). For the others, a call per value
        lets that step reuse its result, since its own inputs do not change.
    capture, reuse
        Optional, together: ``capture`` evaluates rows and also returns what the costly
        step derived for them (columns of one length); ``reuse`` evaluates rows given those
        columns instead of deriving again. Valid for rows whose :attr:`batched` inputs are
        those of the captured rows: a group without any of them takes them, with the
        derived columns, from the pool's inner rows.
    tilts
        Continuous inputs the pool draws by importance sampling (:class:`Tilt`), when
        :attr:`NestedSettings.tilt` is on; every estimate weights its draws accordingly.
    """

    names: tuple[str, ...]
    sample: SampleFn
    ppf: PpfFn
    values: ValuesFn
    atoms: Mapping[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    options: tuple[str, ...] = ()
    batched: frozenset[str] = frozenset()
    capture: CaptureFn | None = None
    reuse: ReuseFn | None = None
    tilts: Mapping[str, Tilt] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = tuple(str(n) for n in self.names)
        if not names:
            raise ValueError("NestedProblem: no uncertain inputs")
        if len(set(names)) != len(names):
            raise ValueError(f"NestedProblem: duplicate input names in {names}")
        unknown = sorted(set(self.atoms) - set(names))
        if unknown:
            raise ValueError(f"NestedProblem: atoms given for unknown inputs {unknown}")
        atoms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in names:
            if name not in self.atoms:
                continue
            support, probabilities = (np.asarray(a, dtype=np.float64) for a in self.atoms[name])
            if support.ndim != 1 or support.shape != probabilities.shape or support.size < 1:
                raise ValueError(f"NestedProblem: atoms of {name} need equal-length 1-D arrays")
            if np.any(probabilities < 0) or not math.isclose(
                float(probabilities.sum()), 1.0, abs_tol=1e-9
            ):
                raise ValueError(f"NestedProblem: probabilities of {name} must sum to 1")
            support.setflags(write=False)
            probabilities.setflags(write=False)
            atoms[name] = (support, probabilities)
        wrong = sorted(set(self.tilts) - (set(names) - set(self.atoms)))
        if wrong:
            raise ValueError(f"NestedProblem: tilts given for {wrong}, not continuous inputs")
        object.__setattr__(self, "tilts", MappingProxyType(dict(self.tilts)))
        if (self.capture is None) != (self.reuse is None):
            raise ValueError("NestedProblem: give capture and reuse together, or neither")
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "atoms", MappingProxyType(atoms))
        object.__setattr__(self, "options", tuple(str(o) for o in self.options))

    def option_name(self, k: int) -> str:
        """Return the name of option ``k``."""
        return self.options[k] if k < len(self.options) else f"option{k}"

    def evaluate(self, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        """Call :attr:`values` and check the result: ``(n, K)`` finite float64."""
        return self._checked(self.values(inputs), len(next(iter(inputs.values()))))

    def evaluate_capturing(
        self, inputs: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Like :meth:`evaluate`, also returning the derived columns (:attr:`capture`)."""
        if self.capture is None:
            raise ValueError("NestedProblem: no capture function")
        values, derived = self.capture(inputs)
        n = len(next(iter(inputs.values())))
        return self._checked(values, n), {k: np.asarray(v, np.float64) for k, v in derived.items()}

    def evaluate_reusing(
        self, inputs: Mapping[str, np.ndarray], derived: Mapping[str, np.ndarray]
    ) -> np.ndarray:
        """Like :meth:`evaluate`, the costly step's columns given (:attr:`reuse`)."""
        if self.reuse is None:
            raise ValueError("NestedProblem: no reuse function")
        return self._checked(self.reuse(inputs, derived), len(next(iter(inputs.values()))))

    @staticmethod
    def _checked(values: np.ndarray, n: int) -> np.ndarray:
        out = np.asarray(values, dtype=np.float64)
        if out.ndim != 2 or out.shape[0] != n:
            raise ValueError(f"values returned shape {out.shape}; expected ({n}, K)")
        if not np.all(np.isfinite(out)):
            bad = int(np.count_nonzero(~np.all(np.isfinite(out), axis=1)))
            raise ValueError(f"values returned non-finite option values in {bad} of {n} rows")
        # column-major: the estimators reduce over rows, option by option
        return np.asfortranarray(out)


def problem_from_worldview(
    worldview: Any,
    complete: Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]],
    options: Sequence[str] = DEFAULT_OPTIONS,
) -> NestedProblem:
    """Build a :class:`NestedProblem` from a worldview's priors and a completion function.

    Only the priors are read: ``worldview.priors`` (name to prior with ``is_fixed``,
    ``sample(n, rng)``, ``ppf(u)``, and for discrete inputs ``is_discrete`` and ``atoms()``).

    Parameters
    ----------
    worldview
        Validated priors (:class:`agi_interventions.priors.Worldview`).
    complete
        Turns every input (uncertain and fixed, ``n`` values each) into every canonical
        parameter of :func:`agi_interventions.model.marginal_values`: the identity for a
        ``fractions`` worldview, the inputs plus
        :func:`agi_interventions.population.fractions_from_rest_of_world` for a
        ``rest_of_world`` one; ``worldview.complete`` does either.
    options
        Outputs of the model that are the options.

    Returns
    -------
    NestedProblem
        Inputs: the worldview's uncertain inputs; fixed ones are filled in before completion.
        Lognormal inputs with ``sigma >= TILT_SIGMA`` get a :class:`Tilt`
        (:func:`lognormal_tilt`).
    """
    from agi_interventions.model import marginal_values

    priors = dict(worldview.priors)
    names = tuple(name for name, prior in priors.items() if not prior.is_fixed)
    fixed = {name: float(prior.value) for name, prior in priors.items() if prior.is_fixed}
    atoms = {
        name: priors[name].atoms() for name in names if getattr(priors[name], "is_discrete", False)
    }
    options = tuple(options)

    def sample(which: Sequence[str], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {name: np.asarray(priors[name].sample(n, rng), np.float64) for name in which}

    def ppf(name: str, u: np.ndarray) -> np.ndarray:
        return np.asarray(priors[name].ppf(u), dtype=np.float64)

    def columns_of(inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        n = len(next(iter(inputs.values())))
        return {**inputs, **{name: np.full(n, value) for name, value in fixed.items()}}

    def values(inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        out = marginal_values(complete(columns_of(inputs)))
        return np.column_stack([out[o] for o in options])

    tilts = {}
    for name in names:
        prior = priors[name]
        if getattr(prior, "family", "") == "lognormal":
            tilt = lognormal_tilt(float(prior.dist.kwds["s"]), float(prior.dist.mean()))
            if tilt is not None:
                tilts[name] = tilt
    structure = getattr(worldview, "structure", None)
    batched = structure.costly_inputs & set(names) if structure is not None else frozenset()
    own = getattr(worldview, "complete", None)
    if structure is None or not structure.derivations_reusable or complete != own:
        return NestedProblem(names, sample, ppf, values, atoms, options, batched, tilts=tilts)

    def capture(inputs: Mapping[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        derived: dict[str, dict[str, np.ndarray]] = {}
        out = marginal_values(structure.complete(columns_of(inputs), capture=derived))
        flat = {f"{v}:{k}": column for v, cols in derived.items() for k, column in cols.items()}
        return np.column_stack([out[o] for o in options]), flat

    def reuse(inputs: Mapping[str, np.ndarray], derived: Mapping[str, np.ndarray]) -> np.ndarray:
        given: dict[str, dict[str, np.ndarray]] = {}
        for key, column in derived.items():
            variant, _, name = key.partition(":")
            given.setdefault(variant, {})[name] = column
        out = marginal_values(structure.complete(columns_of(inputs), given=given))
        return np.column_stack([out[o] for o in options])

    return NestedProblem(
        names, sample, ppf, values, atoms, options, batched, capture, reuse, tilts
    )


# --------------------------------------------------------------------------- settings, results


@dataclass(frozen=True)
class NestedSettings:
    """Accuracy and cost settings of the nested estimators.

    Attributes
    ----------
    pool
        Joint prior draws in the pool (EVPI sample and source of every inner draw).
    replicates
        Independent replicate pools (the pool is split among them); the multilevel standard
        error is the spread of the replicate estimates.
    inner
        Inner draws ``M`` of the single-input estimator (the first ``M`` rows of the pool).
    z_max
        The single-input quadrature covers normal scores in ``[-z_max, z_max]``.
    breaks
        Interior panel ends of the first quadrature pass, in normal scores.
    refinements
        Rounds of bisection of quadrature panels whose error estimate is large.
    target
        Target root-mean-square error of a group's EVPPI, relative to the estimated EVPI.
    max_cost
        Most model evaluations the multilevel driver spends on one group (beyond the pool;
        where the levels are drawn afresh, :attr:`fresh_levels`, as many again); if the
        target needs more, the samples are scaled down and the achieved error is reported.
    min_level, max_level
        Levels of the multilevel estimator (inner sample ``2^l``): the first pass samples
        levels ``1..min_level``; the top level is at most ``max_level`` and at most the
        binary logarithm of the rows of one replicate pool (inner draws are pool rows).
    initial
        Samples per level in the first multilevel pass.
    theta
        Share of the mean square error allowed for bias (Giles' ``theta``).
    tilt
        Draw the problem's tilted inputs (:attr:`NestedProblem.tilts`) by importance
        sampling; off, every input is drawn from its prior.
    rule_rows, max_rule_rows
        Pool rows (after the inner draws) on which a single input's decision rule is valued
        first, and at most (never more than the pool has).
    rule_target
        Rows are added to the first ones until the pooled single-input error would be at
        most this share of the estimate (or of 2% of EVPI, if more).
    max_inner, inner_target
        A single input whose error is still above ``inner_target`` times its estimate (or
        2% of EVPI, if more) is estimated once more from ``max_inner`` inner draws (at most
        half the pool, so that rows are left for its rule; never fewer than ``inner``).
    fresh_levels
        Make a group's multilevel estimate from draws taken afresh, as many per level as
        the driver chose (:func:`_redrawn`): unbiased where the levels' differences are
        skewed, at about twice the group's cost. None: where the pool draws any input by
        importance sampling (:attr:`tilt` and a heavy-tailed input), whose levels are
        skewed.
    """

    pool: int = 1 << 18
    replicates: int = 8
    inner: int = 1 << 15
    z_max: float = 7.5
    breaks: tuple[float, ...] = (-1.5, 1.5)
    refinements: int = 3
    target: float = 0.02
    max_cost: int = 1 << 22
    min_level: int = 2
    max_level: int = 15
    initial: int = 512
    theta: float = 0.25
    tilt: bool = True
    rule_rows: int = 1 << 16
    max_rule_rows: int = 1 << 18
    rule_target: float = 0.1
    max_inner: int = 1 << 17
    inner_target: float = 0.2
    fresh_levels: bool | None = None

    def __post_init__(self) -> None:
        if self.replicates < 2:
            raise ValueError("replicates must be at least 2")
        if self.pool < 2 * self.replicates or self.pool % self.replicates:
            raise ValueError("pool must be a multiple of replicates, at least 2 rows each")
        if not 2 <= self.inner <= self.pool:
            raise ValueError("inner must lie between 2 and pool")
        if self.max_inner < 2 or not self.inner_target > 0.0:
            raise ValueError("need max_inner >= 2 and inner_target > 0")
        if not 1 <= self.min_level <= self.max_level:
            raise ValueError("need 1 <= min_level <= max_level")
        if not 1 <= self.rule_rows <= self.max_rule_rows or self.rule_target <= 0.0:
            raise ValueError("need 1 <= rule_rows <= max_rule_rows and rule_target > 0")
        if not 0.0 < self.theta < 1.0 or self.target <= 0.0 or self.z_max <= 0.0:
            raise ValueError("need 0 < theta < 1, target > 0 and z_max > 0")
        if any(abs(b) >= self.z_max for b in self.breaks) or list(self.breaks) != sorted(
            self.breaks
        ):
            raise ValueError("breaks must be increasing and inside (-z_max, z_max)")


#: Fewest draws of a sampled base level of the multilevel estimator: its gains are mostly
#: near zero with rare large ones, and a mean (and variance) of fewer misses them.
MIN_BASE_DRAWS = 1 << 12


#: Relative cost of a model evaluation (closed form = 1) the default settings are sized for:
#: a model up to this many times dearer than the closed form keeps the defaults.
COST_ALLOWANCE = 4.0


def budget_settings(relative_cost: float, *, allowance: float = COST_ALLOWANCE) -> NestedSettings:
    """Default settings, scaled down where one model evaluation costs more than the closed form.

    A variant that derives inputs from a game (:mod:`agi_interventions.game`) makes each
    evaluation several times dearer; the pool, the inner sample, the rows that value a single
    input's rule and the multilevel budget shrink by the ratio over ``allowance`` (in powers
    of two, never below :data:`MIN_POOL` pool rows), and no single input is estimated a
    second time from more inner draws, so the step's time stays near that of the closed
    form and the standard errors, which the table states, grow instead. The cost
    is the one the structure declares
    (:attr:`agi_interventions.structure.Structure.relative_cost`), never a timing, so the
    same configuration always gives the same settings and tables.

    Parameters
    ----------
    relative_cost
        Cost of one model evaluation relative to the closed form's.
    allowance
        Relative cost the defaults are sized for.

    Returns
    -------
    NestedSettings
        The defaults, or scaled-down settings.
    """
    cost = relative_cost / allowance
    defaults = NestedSettings()
    shrink = int(np.floor(np.log2(max(cost, 1.0))))
    if shrink <= 0:
        return defaults
    pool = max(defaults.pool >> shrink, MIN_POOL)
    shrink = int(np.log2(defaults.pool // pool))
    per_replicate = pool // defaults.replicates
    logger.info(
        "model evaluations cost about %.0fx the closed form: nested sizes divided by %d",
        relative_cost,
        1 << shrink,
    )
    # the quadrature's node count does not shrink with the sizes: shrink the rest further
    return NestedSettings(
        pool=pool,
        inner=max(defaults.inner >> (shrink + 2), 1 << 8),
        # no second pass of a single input: its cost is what the sizes were cut for
        max_inner=max(defaults.inner >> (shrink + 2), 1 << 8),
        refinements=1,
        max_cost=max(defaults.max_cost >> (shrink + 2), 1 << 16),
        max_level=min(defaults.max_level, int(np.log2(per_replicate))),
        initial=max(defaults.initial >> shrink, 64),
        rule_rows=max(defaults.rule_rows >> (shrink + 2), 1 << 10),
        max_rule_rows=max(defaults.max_rule_rows >> (shrink + 2), 1 << 12),
    )


#: Fewest pool rows of :func:`budget_settings`.
MIN_POOL = 1 << 13


@dataclass(frozen=True)
class NestedEstimate:
    """A value-of-information estimate with its error.

    Attributes
    ----------
    value
        The estimate (clipped at 0).
    se
        Standard error.
    ci_low, ci_high
        95% interval (``ci_low`` clipped at 0).
    cost
        Model evaluations spent on this estimate (the pool's included).
    details
        Parts of the error and what the method chose (e.g. ``inner_se``, ``bias_correction``,
        ``levels``), and the tail diagnostic ``khat`` (see :func:`_tail_check`).
    flag
        Why the estimate and its interval cannot be trusted (the draws it is the mean of have
        a heavy right tail); empty when they can.
    """

    value: float
    se: float
    ci_low: float
    ci_high: float
    cost: int
    details: Mapping[str, float] = field(default_factory=dict)
    flag: str = ""


def _estimate(
    raw: float, se: float, cost: int, quantile: float = Z95, flag: str = "", **details: float
) -> NestedEstimate:
    return NestedEstimate(
        value=max(raw, 0.0),
        se=se,
        ci_low=max(raw - quantile * se, 0.0),
        ci_high=max(raw + quantile * se, 0.0),
        cost=int(cost),
        details=MappingProxyType({"raw": raw, **details}),
        flag=flag,
    )


def _tail_check(draws: np.ndarray, what: str, *, nonzero: bool) -> tuple[float, float, str]:
    """Judge the right tail of the draws whose mean an estimate is.

    The Pareto ``k_hat`` of the right tail (:func:`agi_interventions.tails.pareto_khat`) is
    compared with :func:`agi_interventions.tails.khat_threshold` of the number of draws
    fitted (0.7 from about 2,000 draws on): at or above it, a mean of these draws is not
    reliable (Vehtari et al., 2024) and neither is its standard error.

    The right tail is the one judged: it holds the rare large gains from information that a
    sample misses (the gains and the antithetic differences are non-negative; ``h`` of one
    input has a left tail too, from draws where the option best at a node does worse than
    ``k0``, which is not judged). For non-negative draws (``nonzero``) only the non-zero ones
    are fitted: the tail's shape does not depend on the mass at zero, but a tail window that
    reaches into it would be fitted as part of the tail.

    Parameters
    ----------
    draws
        The draws (any shape).
    what
        What they are, for the flag (e.g. ``the per-draw gains``).
    nonzero
        Fit only draws above :data:`agi_interventions.tails.NEGLIGIBLE_SPREAD` times the
        largest.

    Returns
    -------
    tuple
        ``k_hat`` (NaN when fewer than 25 draws or no spread), the threshold it was compared
        with, and the flag (empty when below it).
    """
    x = np.asarray(draws, dtype=np.float64).reshape(-1)
    if nonzero and x.size:
        x = x[x > NEGLIGIBLE_SPREAD * max(float(x.max()), 0.0)]
    if x.size < 25 or not np.ptp(x) > 0:
        return math.nan, math.nan, ""
    khat = float(pareto_khat(x, "right"))
    limit = khat_threshold(x.size)
    if not khat >= limit:
        return khat, limit, ""
    count = f"{x.size} non-zero draws" if nonzero else f"{x.size} draws"
    flag = f"heavy right tail of {what} (k_hat {khat:.2f} >= {limit:.2f}, {count})"
    logger.info("nested estimate flagged: %s", flag)
    return khat, limit, flag


# --------------------------------------------------------------------------- the pool


@dataclass(frozen=True)
class Pool:
    """Independent joint prior draws and their option values, in replicate blocks.

    Attributes
    ----------
    inputs
        Input name to ``(R, n)`` draws (row ``r``: replicate ``r``).
    option_values
        ``(R, n, K)`` option values, times the draw's importance weight where inputs are
        tilted (so that every mean over draws is the prior mean).
    best
        Index of the option with the highest mean over the whole pool.
    derived
        What the problem's costly step derived for each draw (name to ``(R, n)``), where
        the problem can reuse it (:attr:`NestedProblem.capture`); else empty.
    log_weights
        For each tilted input (:class:`Tilt`), ``log(p / q)`` of its draws, ``(R, n)``; empty
        when no input is tilted.
    """

    inputs: Mapping[str, np.ndarray]
    option_values: np.ndarray
    best: int
    derived: Mapping[str, np.ndarray] = field(default_factory=dict)
    log_weights: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def replicates(self) -> int:
        """Number of replicate pools."""
        return int(self.option_values.shape[0])

    @property
    def rows(self) -> int:
        """Draws per replicate pool."""
        return int(self.option_values.shape[1])

    @property
    def size(self) -> int:
        """Draws in the whole pool."""
        return self.replicates * self.rows

    @functools.cached_property
    def gains(self) -> np.ndarray:
        """Per draw, ``max_k V_k - V_k0`` (``k0`` the pool's best option): ``(R, n)``."""
        gains = self.option_values.max(axis=2) - self.option_values[:, :, self.best]
        gains.setflags(write=False)
        return gains

    def flat(self, name: str, m: int) -> np.ndarray:
        """Return the first ``m`` draws of an input over the pool (replicates in order)."""
        return self.inputs[name].reshape(-1)[:m]

    def weights(self, names: Sequence[str], replicate: int, rows: np.ndarray) -> np.ndarray | None:
        """Return the importance weights of some rows of a replicate for ``names``.

        The product over the tilted ones among ``names``; None when none is (every weight 1).
        """
        return self._weights(names, lambda log_w: log_w[replicate][rows])

    def flat_weights(self, names: Sequence[str], stop: int, start: int = 0) -> np.ndarray | None:
        """Return the importance weights of draws ``start:stop`` in :meth:`flat` order."""
        return self._weights(names, lambda log_w: log_w.reshape(-1)[start:stop])

    def _weights(
        self, names: Sequence[str], rows: Callable[[np.ndarray], np.ndarray]
    ) -> np.ndarray | None:
        tilted = [n for n in names if n in self.log_weights]
        if not tilted:
            return None
        return np.exp(sum(rows(self.log_weights[n]) for n in tilted))


def draw_pool(problem: NestedProblem, settings: NestedSettings, seed: int) -> Pool:
    """Draw the pool: ``settings.pool`` joint draws in ``settings.replicates`` blocks.

    Parameters
    ----------
    problem
        The decision problem.
    settings
        Pool size and replicates.
    seed
        Seed; replicate ``r`` draws from ``SeedSequence([seed, 0, r])``.

    Returns
    -------
    Pool
        The draws and their option values. Where the problem tilts inputs and
        ``settings.tilt`` is on, those are drawn from their :class:`Tilt` (the same prior
        draws, some scaled) and the option values carry the importance weights.
    """
    replicates, rows = settings.replicates, settings.pool // settings.replicates
    tilts = problem.tilts if settings.tilt else {}
    blocks: dict[str, list[np.ndarray]] = {name: [] for name in problem.names}
    log_weights: dict[str, list[np.ndarray]] = {name: [] for name in tilts}
    values = []
    derived: dict[str, list[np.ndarray]] = {}
    for r in range(replicates):
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0, r]))
        drawn = problem.sample(problem.names, rows, rng)
        for name in problem.names:
            column = np.asarray(drawn[name], dtype=np.float64)
            if column.shape != (rows,):
                raise ValueError(f"sample returned shape {column.shape} for {name}; ({rows},)")
            if name in tilts:
                column = tilts[name].draw(column, rng)
                log_weights[name].append(tilts[name].log_weight(column))
            blocks[name].append(column)
        block_values, block_derived = _evaluate_chunked(
            problem, {n: blocks[n][-1] for n in problem.names}
        )
        if tilts:
            block_values = block_values * np.exp(sum(w[-1] for w in log_weights.values()))[:, None]
        values.append(block_values)
        for name, column in block_derived.items():
            derived.setdefault(name, []).append(column)
    inputs = {name: np.stack(blocks[name]) for name in problem.names}
    stacked = np.stack(values)
    best = int(np.argmax(stacked.reshape(-1, stacked.shape[-1]).mean(axis=0)))
    kept = {name: np.stack(columns) for name, columns in derived.items()}
    weights = {name: np.stack(columns) for name, columns in log_weights.items()}
    return Pool(
        MappingProxyType(inputs),
        stacked,
        best,
        MappingProxyType(kept),
        MappingProxyType(weights),
    )


def _evaluate_chunked(
    problem: NestedProblem, inputs: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Option values of many rows, a chunk at a time, and what the costly step derived."""
    n = len(next(iter(inputs.values())))
    parts, derived = [], {}
    for start in range(0, n, CHUNK_ROWS):
        chunk = {k: v[start : start + CHUNK_ROWS] for k, v in inputs.items()}
        if problem.capture is None:
            parts.append(problem.evaluate(chunk))
            continue
        values, columns = problem.evaluate_capturing(chunk)
        parts.append(values)
        for name, column in columns.items():
            derived.setdefault(name, []).append(column)
    return np.concatenate(parts), {k: np.concatenate(v) for k, v in derived.items()}


# --------------------------------------------------------------------------- EVPI


def evpi_from_pool(pool: Pool) -> NestedEstimate:
    """EVPI as the mean of ``max_k V_k - V_k0`` over the pool, with its standard error.

    Parameters
    ----------
    pool
        Joint prior draws (:func:`draw_pool`).

    Returns
    -------
    NestedEstimate
        Plain Monte Carlo: standard error ``sd / sqrt(n)``; ``details`` has the replicate
        estimates' standard error too (``replicate_se``) and ``khat`` of the gains' right
        tail; flagged where that tail is too heavy for the mean (:func:`_tail_check`).
    """
    gains = pool.gains
    flat = gains.reshape(-1)
    n = flat.size
    raw = float(flat.mean())
    se = float(flat.std(ddof=1) / math.sqrt(n))
    per_replicate = gains.mean(axis=1)
    replicate_se = float(per_replicate.std(ddof=1) / math.sqrt(pool.replicates))
    khat, _, flag = _tail_check(flat, "the per-draw gains", nonzero=True)
    return _estimate(raw, se, n, flag=flag, replicate_se=replicate_se, khat=khat)


def evpi(
    problem: NestedProblem, *, seed: int, settings: NestedSettings | None = None
) -> NestedEstimate:
    """Estimate EVPI by plain Monte Carlo over a fresh pool.

    Parameters
    ----------
    problem
        The decision problem.
    seed
        Seed of the pool.
    settings
        Pool size (default :class:`NestedSettings`).

    Returns
    -------
    NestedEstimate
        The estimate, its standard error and its cost (the pool).
    """
    settings = settings or NestedSettings()
    return evpi_from_pool(draw_pool(problem, settings, seed))


# --------------------------------------------------------------------------- one input


@dataclass
class _Panel:
    """A quadrature panel in normal scores and what its nodes contributed for one subset."""

    low: float
    high: float
    z: np.ndarray  # (15,) nodes
    means: np.ndarray  # (15, K) estimated conditional means at the nodes
    kronrod: np.ndarray  # (K,) Kronrod integral of each option's conditional mean
    gauss: np.ndarray  # (K,) embedded Gauss integral
    h_all: np.ndarray  # (m, K) sum_i w_i V_k(theta_i, y_j)
    h_best: np.ndarray  # (m,) sum_i w_i V_best(i)(theta_i, y_j)

    @property
    def best(self) -> np.ndarray:
        """Best option at each node."""
        return np.argmax(self.means, axis=1)


def _nodes(low: float, high: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gauss–Kronrod nodes of ``[low, high]`` and the Kronrod and Gauss weights times phi."""
    half, centre = 0.5 * (high - low), 0.5 * (high + low)
    z = centre + half * KRONROD_NODES
    density = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return z, half * KRONROD_WEIGHTS * density, half * GAUSS_WEIGHTS * density


def _make_panel(low: float, high: float, values: Sequence[np.ndarray]) -> _Panel:
    """Sum a subset's option values ``(m, K)`` at the 15 nodes of ``[low, high]``."""
    z, wk, wg = _nodes(low, high)
    means = np.array([f.mean(axis=0) for f in values])
    h_all = np.zeros_like(values[0])
    h_best = np.zeros(values[0].shape[0])
    for i, f in enumerate(values):
        h_all += wk[i] * f
        h_best += wk[i] * f[:, int(np.argmax(means[i]))]
    return _Panel(low, high, z, means, wk @ means, wg @ means, h_all, h_best)


class _SingleInput:
    """One input's inner draws, split into the whole sample and its two halves."""

    def __init__(self, problem: NestedProblem, pool: Pool, name: str, m: int) -> None:
        self.problem = problem
        self.name = name
        self.m = m - m % 2
        others = {n: pool.flat(n, self.m) for n in problem.names if n != name}
        half = self.m // 2
        self.subsets = [slice(0, self.m), slice(0, half), slice(half, self.m)]
        self.others = [{n: v[rows] for n, v in others.items()} for rows in self.subsets]
        # importance weights of the inner draws (the input itself sits at quadrature nodes)
        weights = pool.flat_weights(list(others), self.m)
        self.weights = [None if weights is None else weights[rows, None] for rows in self.subsets]
        self.cost = 0

    def at(self, theta: float, subset: int = 0) -> np.ndarray:
        """Option values ``(m, K)`` of a subset's inner draws with the input at ``theta``."""
        inputs = dict(self.others[subset])
        rows = self.subsets[subset]
        size = rows.stop - rows.start
        inputs[self.name] = np.full(size, theta)
        self.cost += size
        return self._weighted(self.problem.evaluate(inputs), subset)

    def _weighted(self, f: np.ndarray, subset: int) -> np.ndarray:
        """Option values of a subset's draws times their importance weights."""
        weights = self.weights[subset]
        return f if weights is None else f * weights

    def at_many(self, thetas: np.ndarray, subset: int = 0) -> list[np.ndarray]:
        """:meth:`at` at several values of the input: the same values, fewer model calls.

        One call on every value (the other inputs repeated) for an input in
        ``problem.batched``; a call per value otherwise.
        """
        if self.name not in self.problem.batched:
            return [self.at(float(t), subset) for t in thetas]
        rows = self.subsets[subset]
        size = rows.stop - rows.start
        count = len(thetas)
        inputs = {n: np.tile(v, count) for n, v in self.others[subset].items()}
        inputs[self.name] = np.repeat(np.asarray(thetas, dtype=np.float64), size)
        self.cost += size * count
        f = self.problem.evaluate(inputs)
        return [self._weighted(f[i * size : (i + 1) * size], subset) for i in range(count)]

    def theta(self, z: np.ndarray) -> np.ndarray:
        """Return the input at normal scores ``z``: ``ppf(Phi(z))``."""
        u = np.where(z <= 0, special.ndtr(z), 1.0 - special.ndtr(-z))
        return self.problem.ppf(self.name, u)

    def panel(self, low: float, high: float, subset: int) -> _Panel:
        """Evaluate a subset at the nodes of ``[low, high]``."""
        z, _, _ = _nodes(low, high)
        return _make_panel(low, high, self.at_many(self.theta(z), subset))

    def panels_all(self, low: float, high: float) -> list[_Panel]:
        """Evaluate every draw at the nodes of ``[low, high]``: a panel per subset."""
        z, _, _ = _nodes(low, high)
        values = self.at_many(self.theta(z))
        return [_make_panel(low, high, [f[rows] for f in values]) for rows in self.subsets]


def evppi_parameter(
    problem: NestedProblem,
    name: str,
    *,
    seed: int | None = None,
    settings: NestedSettings | None = None,
    pool: Pool | None = None,
) -> NestedEstimate:
    """EVPPI of one input: quadrature over its quantiles, common-random-number inner means.

    Parameters
    ----------
    problem
        The decision problem.
    name
        One of ``problem.names``.
    seed
        Seed of the pool, when ``pool`` is not given.
    settings
        Inner draws and quadrature settings (default :class:`NestedSettings`).
    pool
        A pool to take the inner draws from (its first ``settings.inner`` rows).

    Returns
    -------
    NestedEstimate
        ``2 Q_M - (Q_a + Q_b) / 2`` (antithetic bias correction, ``Q_a``, ``Q_b`` from the two
        halves of the inner draws), whose error adds the inner (delta-method), quadrature
        and bias-correction errors in quadrature, pooled by inverse variance with the value
        of the quadrature's decision rule on pool rows the inner draws did not use
        (:func:`_rule_value`). ``details`` has each part (``nested``, ``nested_se``,
        ``rule_value``, ``rule_uncorrected``, ``rule_se``, ``rule_rows``, ``rule_weight``,
        ``rule_khat``) and ``khat`` of the right tail of ``h`` (the per-inner-draw terms whose
        mean is ``Q_M``); flagged where that tail is too heavy for the mean
        (:func:`_tail_check`), and where the rule's gains are too, if pooled (a flagged rule
        value is not pooled with an unflagged quadrature estimate). Where the error is above
        :attr:`NestedSettings.inner_target` times the estimate (or 2% of EVPI, if more), all
        of this again from :attr:`NestedSettings.max_inner` inner draws (``details["inner"]``
        is the number used; ``cost`` counts both passes).
    """
    settings = settings or NestedSettings()
    if name not in problem.names:
        raise ValueError(f"{name} is not an uncertain input of the problem")
    if pool is None:
        if seed is None:
            raise ValueError("give a seed or a pool")
        pool = draw_pool(problem, settings, seed)
    first = _single_estimate(problem, pool, name, min(settings.inner, pool.size), settings)
    more = min(settings.max_inner, pool.size // 2)
    scale = _error_scale(first.details["raw"], pool)
    if more <= first.details["inner"] or first.se <= settings.inner_target * scale:
        return first
    # the error exceeds its target share: once more, from more inner draws (the first pass's
    # evaluations are counted, its estimate not used: the rule it found is the noisier one)
    logger.info(
        "EVPPI %s: se %.3g is %.0f%% of max(estimate, 2%% of EVPI); again with %d inner draws",
        name,
        first.se,
        100.0 * first.se / scale,
        more,
    )
    again = _single_estimate(problem, pool, name, more, settings)
    return replace(again, cost=again.cost + first.cost)


def _single_estimate(
    problem: NestedProblem, pool: Pool, name: str, m: int, settings: NestedSettings
) -> NestedEstimate:
    """:func:`evppi_parameter` from the first ``m`` pool rows as inner draws."""
    state = _SingleInput(problem, pool, name, m)
    parts = _integrals(state, settings)
    full, half_a, half_b = parts
    correction = full.value - 0.5 * (half_a.value + half_b.value)
    corrected = full.value + correction
    inner_se = float(np.std(full.h, ddof=1) / math.sqrt(state.m))
    se = math.sqrt(inner_se**2 + full.quadrature**2 + (0.5 * correction) ** 2)
    nested, nested_se = corrected, se
    khat, _, flag = _tail_check(full.h, "the per-inner-draw gains h", nonzero=False)
    # the rule's value only where the quadrature alone misses the target
    target = _rule_target(nested, nested_se, pool, settings)
    rule = _rule_value(state, pool, parts, settings, target) if target > 0 else None
    pooled: dict[str, float] = {}
    if rule is not None:
        state.cost += rule.rows
        pooled = {"rule_value": rule.value, "rule_se": rule.se, "rule_rows": float(rule.rows)}
        pooled |= {"rule_uncorrected": rule.uncorrected, "rule_khat": rule.khat}
        if rule.flag and not flag:
            # a reliable nested estimate is not pooled with an unreliable one
            logger.info("EVPPI %s: the rule's value is not used (%s)", name, rule.flag)
        elif rule.se > 0 and nested_se > 0:
            weight = nested_se**2 / (nested_se**2 + rule.se**2)
            corrected = (1.0 - weight) * nested + weight * rule.value
            se = 1.0 / math.sqrt(1.0 / nested_se**2 + 1.0 / rule.se**2)
            pooled["rule_weight"] = weight
            flag = "; ".join(f for f in (flag, rule.flag) if f)
    logger.debug(
        "EVPPI %s: %.4g (uncorrected %.4g), se %.3g (inner %.3g, quadrature %.3g), "
        "crossings at z = %s",
        name,
        corrected,
        full.value,
        se,
        inner_se,
        full.quadrature,
        ", ".join(f"{z:.3f}" for z in full.crossings),
    )
    return _estimate(
        corrected,
        se,
        state.cost,
        flag=flag,
        khat=khat,
        uncorrected=full.value,
        inner_se=inner_se,
        quadrature_error=full.quadrature,
        bias_correction=correction,
        halves_se=0.5 * abs(half_a.value - half_b.value),
        crossings=float(len(full.crossings)),
        nested=nested,
        nested_se=nested_se,
        inner=float(state.m),
        **pooled,
    )


def _error_scale(estimate: float, pool: Pool) -> float:
    """Return what a single input's error targets are shares of.

    The estimate, or :data:`MATERIAL_SHARE` of the pool's EVPI if that is more (an input
    worth less is not worth a precise estimate).
    """
    return max(estimate, MATERIAL_SHARE * float(pool.gains.mean()))


def _rule_target(nested: float, nested_se: float, pool: Pool, settings: NestedSettings) -> float:
    """Return the standard error the rule's value needs for the pooled one's target.

    The target is :attr:`NestedSettings.rule_target` times the nested estimate, or times 2%
    of the pool's EVPI if that is more; 0 when the nested estimate meets it alone.
    """
    goal = settings.rule_target * _error_scale(nested, pool)
    if goal >= nested_se:
        return 0.0
    return 1.0 / math.sqrt(1.0 / goal**2 - 1.0 / nested_se**2)


@dataclass(frozen=True)
class _Segment:
    """A range of the input (or an atom) on which every subset's rule is constant.

    ``width`` is its prior probability, ``best`` the option of the rule of each subset
    (whole, halves) on it, ``where`` the atom or the range's ends in normal scores.
    """

    width: float
    best: np.ndarray
    where: float | tuple[float, float]


def _segments(
    problem: NestedProblem, name: str, parts: Sequence[_Integral], k0: int
) -> list[_Segment]:
    """Return the segments of the input on which some subset's rule differs from ``k0``."""
    if name in problem.atoms:
        support, probs = problem.atoms[name]
        found = [
            _Segment(float(p), np.array([part.rule[i] for part in parts]), float(v))
            for i, (v, p) in enumerate(zip(support, probs, strict=True))
            if p > 0
        ]
    else:
        ends = np.unique(np.concatenate([part.rule.ends for part in parts]))
        bounds = np.concatenate([[-np.inf], ends, [np.inf]])
        found = []
        for lo, hi in itertools.pairwise(bounds):
            inside = np.array([_inside(float(lo), float(hi))])
            best = np.array([int(part.rule(inside)[0]) for part in parts])
            # an upper tail's probability from the upper side: no cancellation far out
            width = (
                special.ndtr(-lo) - special.ndtr(-hi)
                if lo > 0
                else special.ndtr(hi) - special.ndtr(lo)
            )
            found.append(_Segment(float(width), best, (float(lo), float(hi))))
    return [seg for seg in found if seg.width > 0 and np.any(seg.best != k0)]


def _inside(low: float, high: float) -> float:
    """Return a point of ``(low, high)`` (either end may be infinite)."""
    if math.isinf(low) and math.isinf(high):
        return 0.0
    if math.isinf(low):
        return high - 1.0
    if math.isinf(high):
        return low + 1.0
    return 0.5 * (low + high)


def _segment_gains(
    problem: NestedProblem,
    pool: Pool,
    name: str,
    segments: Sequence[_Segment],
    counts: np.ndarray,
    k0: int,
    start: int,
) -> list[np.ndarray]:
    """Per segment, the gains ``V_rule - V_k0`` of each subset's rule, ``(count, 3)``.

    The input is placed at the midpoints of ``count`` equal-probability strata of its
    segment (an atom: at the atom); the other inputs are those of the pool's rows from
    ``start`` on (flat order), importance-weighted where tilted.
    """
    others = [n for n in problem.names if n != name]
    rows = slice(start, start + int(counts.sum()))
    inputs = {n: pool.inputs[n].reshape(-1)[rows] for n in others}
    thetas = []
    for segment, count in zip(segments, counts, strict=True):
        if isinstance(segment.where, float):
            thetas.append(np.full(count, segment.where))
            continue
        low = segment.where[0]
        offsets = (np.arange(count) + 0.5) / count * segment.width
        if low > 0:  # from the upper side, as the width
            thetas.append(problem.ppf(name, 1.0 - (special.ndtr(-low) - offsets)))
        else:
            thetas.append(problem.ppf(name, special.ndtr(low) + offsets))
    inputs[name] = np.concatenate(thetas)
    if problem.reuse is not None and pool.derived and name not in problem.batched:
        # the costly step reads only the other inputs, which are the pool rows': reuse it
        derived = {n: column.reshape(-1)[rows] for n, column in pool.derived.items()}
        values = problem.evaluate_reusing(inputs, derived)
    else:
        values, _ = _evaluate_chunked(problem, inputs)
    weights = pool.flat_weights(others, rows.stop, rows.start)
    if weights is not None:
        values = values * weights[:, None]
    out, first = [], 0
    for segment, count in zip(segments, counts, strict=True):
        f = values[first : first + count]
        first += count
        out.append(f[:, segment.best] - f[:, [k0]])
    return out


@dataclass(frozen=True)
class _RuleValue:
    """The quadrature's decision rule valued on pool rows the inner draws did not use."""

    value: float  # 2 P - (P_a + P_b) / 2, P the value of a subset's rule
    se: float  # the rows', the halves' spread and half the loss correction, in quadrature
    uncorrected: float  # P of the whole sample's rule
    rows: int
    khat: float
    flag: str


def _rule_value(
    state: _SingleInput,
    pool: Pool,
    parts: Sequence[_Integral],
    settings: NestedSettings,
    target: float,
) -> _RuleValue | None:
    """Value the decision rules the quadrature found on rows it did not use.

    ``P = E[V_rule(theta) - V_k0]`` (``k0`` the pool's best option) by stratified sampling of
    the input over the segments where a rule differs from ``k0`` and the other inputs from
    the pool's rows after the inner draws: first :attr:`NestedSettings.rule_rows` rows (at
    most half of those left), then, where the standard error exceeds ``target``, as many
    more as it needs, up to :attr:`NestedSettings.max_rule_rows` and the rows left. A rule
    from ``M`` inner draws loses ``c / M`` against the best, so ``2 P - (P_a + P_b) / 2``
    (the halves' rules) removes the loss as the antithetic correction removes the bias;
    the spread ``|P_a - P_b| / sqrt(2)`` of the halves' values measures how much a rule's
    value varies with the draws it was found from. None where no rule differs from ``k0``,
    or fewer than :data:`MIN_RULE_ROWS` rows are left.
    """
    problem, name = state.problem, state.name
    k0 = pool.best
    segments = _segments(problem, name, parts, k0)
    available = pool.size - state.m - 2 * len(segments)
    if not segments or available < MIN_RULE_ROWS:
        return None
    widths = np.array([seg.width for seg in segments])

    def counts(rows: int) -> np.ndarray:
        return np.maximum(np.floor(rows * widths / widths.sum()).astype(int), 2)

    gains = _segment_gains(
        problem, pool, name, segments, counts(min(settings.rule_rows, available // 2)), k0, state.m
    )
    used = sum(len(g) for g in gains)
    _, se = _stratified(widths, [_antithetic(g) for g in gains])
    needed = math.ceil(used * (se / target) ** 2) if target > 0 else 0
    extra = min(needed, settings.max_rule_rows, available) - used
    if se > target and extra >= used:
        more = _segment_gains(problem, pool, name, segments, counts(extra), k0, state.m + used)
        gains = [np.concatenate(pair) for pair in zip(gains, more, strict=True)]
    draws = [_antithetic(g) for g in gains]
    value, rows_se = _stratified(widths, draws)
    whole, half_a, half_b = (_stratified(widths, [g[:, i] for g in gains])[0] for i in range(3))
    correction = whole - 0.5 * (half_a + half_b)
    spread = abs(half_a - half_b) / math.sqrt(2.0)
    se = math.sqrt(rows_se**2 + spread**2 + (0.5 * correction) ** 2)
    khat, _, flag = _tail_check(np.concatenate(draws), "the rule's gains", nonzero=False)
    return _RuleValue(value, se, whole, sum(len(d) for d in draws), khat, flag)


def _antithetic(gains: np.ndarray) -> np.ndarray:
    """``2 g - (g_a + g_b) / 2`` of per-row gains ``(n, 3)`` of the whole and the halves."""
    return 2.0 * gains[:, 0] - 0.5 * (gains[:, 1] + gains[:, 2])


def _stratified(widths: np.ndarray, draws: Sequence[np.ndarray]) -> tuple[float, float]:
    """Stratified mean ``sum_s width_s mean_s`` of per-segment draws and its standard error."""
    means = np.array([d.mean() for d in draws])
    variances = np.array([d.var(ddof=1) / len(d) for d in draws])
    return float(widths @ means), float(math.sqrt(widths**2 @ variances))


def _integrals(state: _SingleInput, settings: NestedSettings) -> list[_Integral]:
    """Return the integrals of the inner draws and of each half (atoms: exact sums)."""
    problem, name = state.problem, state.name
    if name in problem.atoms:
        return _atoms(state, *problem.atoms[name])
    ends = [-settings.z_max, *settings.breaks, settings.z_max]
    first = [state.panels_all(lo, hi) for lo, hi in itertools.pairwise(ends)]
    return [
        _quadrature(state, [p[subset] for p in first], subset, settings.refinements)
        for subset in range(3)
    ]


@dataclass(frozen=True)
class _Rule:
    """The best estimated option as a step function of one input's normal score.

    ``best[i]`` on ``(ends[i - 1], ends[i]]`` (``ends`` increasing), ``best[0]`` below
    ``ends[0]`` and ``best[-1]`` above ``ends[-1]``.
    """

    ends: np.ndarray
    best: np.ndarray

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Best option at each normal score."""
        return self.best[np.searchsorted(self.ends, z, side="left")]


@dataclass(frozen=True)
class _Integral:
    """``Q = integral of max_k mu_k - max_k integral of mu_k`` for one subset of inner draws."""

    value: float
    h: np.ndarray  # per inner draw: sum_i w_i (V_best(i) - V_k0)(theta_i, y_j)
    quadrature: float
    crossings: tuple[float, ...]
    rule: _Rule | np.ndarray  # the best option: of the normal score, or at each atom


def _atoms(state: _SingleInput, support: np.ndarray, probs: np.ndarray) -> list[_Integral]:
    """Exact sums over the atoms of a discrete input, for the draws and their halves."""
    values = [state.at(float(v)) if p > 0 else None for v, p in zip(support, probs, strict=True)]
    out = []
    for rows in state.subsets:
        h_all: np.ndarray | float = 0.0
        h_best: np.ndarray | float = 0.0
        for f, p in zip(values, probs, strict=True):
            if f is None:
                continue
            part = f[rows]
            h_all = h_all + p * part
            h_best = h_best + p * part[:, int(np.argmax(part.mean(axis=0)))]
        assert isinstance(h_all, np.ndarray) and isinstance(h_best, np.ndarray)
        k0 = int(np.argmax(h_all.mean(axis=0)))
        h = h_best - h_all[:, k0]
        out.append(_Integral(float(h.mean()), h, 0.0, (), _atom_rule(values, rows)))
    return out


def _atom_rule(values: Sequence[np.ndarray | None], rows: slice) -> np.ndarray:
    """Return the best option at each atom (mean over the subset's rows; -1 if not drawn)."""
    return np.array([-1 if f is None else int(np.argmax(f[rows].mean(axis=0))) for f in values])


def _crossing(
    state: _SingleInput,
    subset: int,
    z_lo: float,
    z_hi: float,
    a: int,
    b: int,
    gap_lo: float,
    gap_hi: float,
) -> float:
    """Find the normal score in ``[z_lo, z_hi]`` where a subset's means of a and b cross.

    ``gap_lo`` and ``gap_hi`` are ``mu_a - mu_b`` at the ends (the panels' nodes, already
    evaluated). Located to 1% of the bracket (at least ``CROSSING_XTOL``): the crossing only
    places a panel's end, and a kink left that close to an end perturbs the panel's
    Gauss–Kronrod sum by an amount of order ``(1%)^2`` of the kink's scale (an order of
    magnitude, not a measured bound); the panels' Kronrod–Gauss differences, part of the
    stated error, measure what is left.
    """

    def gap(z: float) -> float:
        if z == z_lo:
            return gap_lo
        if z == z_hi:
            return gap_hi
        mu = state.at(float(state.theta(np.array([z]))[0]), subset).mean(axis=0)
        return float(mu[a] - mu[b])

    if gap_lo == 0.0:
        return z_lo
    if gap_hi == 0.0 or np.sign(gap_lo) == np.sign(gap_hi):
        return z_hi
    xtol = max(CROSSING_XTOL, 0.01 * (z_hi - z_lo))
    return float(brentq(gap, z_lo, z_hi, xtol=xtol, rtol=1e-12, maxiter=60))


def _best_changes(
    panels: list[_Panel], cuts: Sequence[float]
) -> list[tuple[float, float, int, int, float, float]]:
    """Adjacent nodes whose best option differs, with no known crossing between them.

    Each as ``(z_lo, z_hi, a, b, gap_lo, gap_hi)``: the nodes, the best options at them and
    ``mu_a - mu_b`` at each.
    """
    z = np.concatenate([p.z for p in panels])
    means = np.concatenate([p.means for p in panels])
    best = np.argmax(means, axis=1)
    changes = []
    for i in range(len(z) - 1):
        if best[i] != best[i + 1] and not any(z[i] < c < z[i + 1] for c in cuts):
            a, b = int(best[i]), int(best[i + 1])
            gaps = means[i, a] - means[i, b], means[i + 1, a] - means[i + 1, b]
            changes.append((float(z[i]), float(z[i + 1]), a, b, float(gaps[0]), float(gaps[1])))
    return changes


def _quadrature(
    state: _SingleInput, panels: list[_Panel], subset: int, refinements: int
) -> _Integral:
    """Piecewise Gauss–Kronrod quadrature of a subset, split at its crossings, refined."""
    cuts: list[float] = []
    # a change of the best option between two nodes whose gap is too small to matter is
    # left inside its panel: its largest effect on the integral is added to the error
    scale = IMMATERIAL_CROSSING * _inner_se(panels)
    for _ in range(8):  # crossings found in subpanels can reveal further ones
        changes = [c for c in _best_changes(panels, cuts) if _misplaced_best_bound(*c) > scale]
        if not changes:
            break
        cuts = sorted(cuts + [_crossing(state, subset, *change) for change in changes])
        panels = _split(state, panels, cuts, subset)
    # every change still between two nodes of the final panels, counted once
    immaterial = sum(_misplaced_best_bound(*c) for c in _best_changes(panels, cuts))
    inner_se = 0.0
    for round_ in range(refinements + 1):
        k0 = int(np.argmax(sum(p.kronrod for p in panels)))
        errors = [_panel_error(p, k0) for p in panels]
        h = sum(p.h_best for p in panels) - sum(p.h_all for p in panels)[:, k0]
        inner_se = float(np.std(h, ddof=1) / math.sqrt(len(h)))
        coarse = {i for i, e in enumerate(errors) if e > 0.1 * inner_se / len(panels)}
        if round_ == refinements or not coarse or sum(errors) <= 0.1 * inner_se:
            break
        refined: list[_Panel] = []
        for i, p in enumerate(panels):
            if i in coarse:
                middle = 0.5 * (p.low + p.high)
                refined += [
                    state.panel(p.low, middle, subset),
                    state.panel(middle, p.high, subset),
                ]
            else:
                refined.append(p)
        panels = refined
    k0 = int(np.argmax(sum(p.kronrod for p in panels)))
    h_all = sum(p.h_all for p in panels)
    h = sum(p.h_best for p in panels) - h_all[:, k0]
    quadrature = float(sum(_panel_error(p, k0) for p in panels)) + immaterial
    rule = _quadrature_rule(panels, cuts)
    return _Integral(float(h.mean()), h, quadrature, tuple(cuts), rule)


def _quadrature_rule(panels: list[_Panel], cuts: Sequence[float]) -> _Rule:
    """Return the best option at the quadrature's nodes as a step function of the normal score.

    Between two nodes whose best options differ the step is at the located crossing where
    there is one, else half-way in normal scores (a change too small to matter, see
    :func:`_quadrature`).
    """
    z = np.concatenate([p.z for p in panels])
    best = np.concatenate([p.best for p in panels])
    ends = []
    for i in np.flatnonzero(best[1:] != best[:-1]):
        inside = [c for c in cuts if z[i] <= c <= z[i + 1]]
        ends.append(inside[0] if inside else 0.5 * (z[i] + z[i + 1]))
    keep = np.concatenate([[0], np.flatnonzero(best[1:] != best[:-1]) + 1])
    return _Rule(np.array(ends, dtype=np.float64), best[keep])


def _inner_se(panels: list[_Panel]) -> float:
    """Return the standard error of the mean of ``h`` over the inner draws of these panels."""
    k0 = int(np.argmax(sum(p.kronrod for p in panels)))
    h = sum(p.h_best for p in panels) - sum(p.h_all for p in panels)[:, k0]
    return float(np.std(h, ddof=1) / math.sqrt(len(h)))


def _misplaced_best_bound(
    z_lo: float, z_hi: float, a: int, b: int, gap_lo: float, gap_hi: float
) -> float:
    """Largest error of integrating ``max_k mu_k`` without locating a crossing of a and b.

    Between the two nodes only the assignment of the best option can be wrong, by at most
    ``|mu_a - mu_b|`` times the normal density over the bracket; the gap is taken to stay
    within its values at the nodes (the means are smooth in the input at the nodes'
    spacing: common random numbers).
    """
    nearest = 0.0 if z_lo <= 0.0 <= z_hi else min(abs(z_lo), abs(z_hi))
    density = math.exp(-0.5 * nearest * nearest) / math.sqrt(2.0 * math.pi)
    return (z_hi - z_lo) * max(abs(gap_lo), abs(gap_hi)) * density


def _panel_error(panel: _Panel, k0: int) -> float:
    """``|Kronrod - Gauss|`` of the gain integrand ``mu_best - mu_k0`` on a panel."""
    best = panel.best
    if np.all(best == k0):
        return 0.0
    diff = panel.kronrod - panel.gauss
    # the best option is constant on a panel once it is split at the crossings
    b = int(np.bincount(best).argmax())
    return float(abs(diff[b] - diff[k0]))


def _split(
    state: _SingleInput, panels: list[_Panel], cuts: Sequence[float], subset: int
) -> list[_Panel]:
    """Split every panel that contains a cut into subpanels at its cuts."""
    out: list[_Panel] = []
    for p in panels:
        inside = [c for c in cuts if p.low < c < p.high]
        if not inside:
            out.append(p)
            continue
        ends = [p.low, *inside, p.high]
        out += [state.panel(lo, hi, subset) for lo, hi in itertools.pairwise(ends)]
    return out


# --------------------------------------------------------------------------- groups: MLMC


def _group_seed(seed: int, members: Sequence[str]) -> np.random.SeedSequence:
    """Return the stream of a group's multilevel draws (from the seed and the members)."""
    return np.random.SeedSequence([seed, 1, zlib.crc32("\x1f".join(members).encode())])


class _Levels:
    """Antithetic level differences of Giles & Goda for one group, over the replicate pools."""

    def __init__(self, problem: NestedProblem, pool: Pool, members: Sequence[str]) -> None:
        self.problem = problem
        self.pool = pool
        self.members = list(members)
        self.others = [n for n in problem.names if n not in set(members)]
        self.cost = 0
        # a group without any input of the costly step takes every one of them from the
        # inner rows, so what the step derived for those pool rows holds for the new rows
        self.reuse = (
            problem.reuse is not None
            and bool(pool.derived)
            and problem.batched.isdisjoint(members)
        )

    def sample(
        self, level: int, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` draws of ``Z_l`` and of ``P_l`` in each replicate pool: two ``(R, n)`` arrays.

        ``Z_l`` is the antithetic difference; ``P_l = max_k mu_k - mu_k0`` the gain of the
        means ``mu`` over all ``2^l`` inner draws of the same outer draw (``k0`` the pool's
        best option). Every replicate's draws of a chunk go to the model in one call (a model
        with a fixed cost per call, such as a derived game, pays it once per chunk).
        """
        m = 1 << level
        replicates = self.pool.replicates
        per_chunk = max(1, CHUNK_ROWS // (m * replicates))
        z = np.empty((replicates, n))
        p = np.empty((replicates, n))
        for start in range(0, n, per_chunk):
            count = min(per_chunk, n - start)
            z[:, start : start + count], p[:, start : start + count] = self._chunk(m, count, rng)
        return z, p

    def _chunk(self, m: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``Z_l`` and ``P_l`` of ``n`` outer draws in every replicate, from one model call."""
        rows = self.pool.rows
        replicates = self.pool.replicates
        picks = [
            (rng.integers(rows, size=n), rng.integers(rows, size=n * m)) for _ in range(replicates)
        ]
        inputs = {
            name: np.concatenate(
                [
                    np.repeat(self.pool.inputs[name][r][outer], m)
                    for r, (outer, _) in enumerate(picks)
                ]
            )
            for name in self.members
        }
        for name in self.others:
            inputs[name] = np.concatenate(
                [self.pool.inputs[name][r][inner] for r, (_, inner) in enumerate(picks)]
            )
        if self.reuse:
            derived = {
                name: np.concatenate([column[r][inner] for r, (_, inner) in enumerate(picks)])
                for name, column in self.pool.derived.items()
            }
            f = self.problem.evaluate_reusing(inputs, derived)
        else:
            f = self.problem.evaluate(inputs)
        if self.pool.log_weights:
            # an outer draw's weight (its tilted members) times each inner draw's (the others')
            weights = np.concatenate(
                [
                    np.repeat(self._weight(self.members, r, outer), m)
                    * self._weight(self.others, r, inner)
                    for r, (outer, inner) in enumerate(picks)
                ]
            )
            f = f * weights[:, None]
        self.cost += replicates * n * m
        parts = [
            self._differences(f[r * n * m : (r + 1) * n * m], m, n, self.pool.best)
            for r in range(replicates)
        ]
        return np.vstack([z for z, _ in parts]), np.vstack([p for _, p in parts])

    def _weight(self, names: Sequence[str], replicate: int, rows: np.ndarray) -> np.ndarray:
        weights = self.pool.weights(names, replicate, rows)
        return np.ones(rows.size) if weights is None else weights

    @staticmethod
    def _differences(f: np.ndarray, m: int, n: int, best: int) -> tuple[np.ndarray, np.ndarray]:
        """``Z_l`` and ``P_l`` of ``n`` outer draws from their ``(n m, K)`` values."""
        k = f.shape[1]
        half = m // 2
        blocks = f.reshape(n, m, k) if f.flags.c_contiguous else f.T.reshape(k, n, m)
        if f.flags.c_contiguous:
            a = blocks[:, :half].mean(axis=1)
            b = blocks[:, half:].mean(axis=1)
            axis = 1
        else:
            a = blocks[:, :, :half].mean(axis=2)
            b = blocks[:, :, half:].mean(axis=2)
            axis = 0
        both = 0.5 * (a + b)
        top = both.max(axis=axis)
        z = 0.5 * (a.max(axis=axis) + b.max(axis=axis)) - top
        p = top - (both[:, best] if axis == 1 else both[best])
        return z, p


def _regression_rate(values: np.ndarray, levels: np.ndarray) -> float:
    """``-slope`` of ``log2(values)`` against the levels (at least 0.5, as in Giles' driver)."""
    keep = values > 0
    if np.count_nonzero(keep) < 2:
        return 0.5
    slope = np.polyfit(levels[keep], np.log2(values[keep]), 1)[0]
    return max(0.5, float(-slope))


def evppi_group(
    problem: NestedProblem,
    members: Sequence[str],
    *,
    seed: int,
    settings: NestedSettings | None = None,
    pool: Pool | None = None,
    singles: Mapping[str, NestedEstimate] | None = None,
) -> NestedEstimate:
    """EVPPI of a group of inputs by antithetic multilevel nested Monte Carlo.

    Parameters
    ----------
    problem
        The decision problem.
    members
        Inputs of the group (names not in ``problem.names`` are an error).
    seed
        Seed of the multilevel draws (and of the pool, when ``pool`` is not given).
    settings
        Target error, levels and cost cap (default :class:`NestedSettings`).
    pool
        The pool (level 0, EVPI, and the source of every inner and outer draw).
    singles
        Single-input estimates already made with this pool (:func:`evppi_parameter`), by
        input name; only read for :ref:`bounds <group-bounds>`, which compute any member
        missing here.

    Returns
    -------
    NestedEstimate
        ``B - sum_l mean(Z_l)`` with the top level extrapolated, where the base ``B`` is the
        pool's EVPI or the mean of a sampled level's gains ``P_b`` (see :func:`_mlmc`);
        ``se`` is the spread of the replicate estimates and the interval uses Student's t
        with ``R - 1`` degrees of freedom; ``details`` has the base level (``base_level``,
        0 for the pool), the levels, rates, the remaining-bias estimate, the level-variance
        standard error (``mlmc_se``), ``khat`` of the base's gains (the pool's where the
        base is the pool or a sampled base has too few non-zero gains to judge) and the
        largest ``khat_levels`` of the levels with at least :data:`MIN_LEVEL_TAIL_DRAWS`
        non-zero differences (NaN if none), and ``fresh_levels`` (1 where the levels were
        drawn afresh, :attr:`NestedSettings.fresh_levels`). Flagged where the base's gains
        or any such level's differences have too heavy a tail for their mean
        (:func:`_tail_check`).

    Notes
    -----
    .. _group-bounds:

    Every level shares the base. Where the base's gains have a right tail too heavy for
    their mean (the pool's: the EVPI row is flagged), the replicate spread misses the tail
    and the extrapolated remainder is fitted to levels that have not yet met it, so the
    multilevel interval is not reported. The interval becomes two bounds that need neither:
    below, the largest lower end of the members' single-input intervals (EVPPI does not
    shrink when inputs join a group) and 0; above, the upper end of the estimate truncated
    at the top level without extrapolation (with ``2^L`` inner draws the nested estimate is
    biased up: ``E max`` of a mean of ``2m`` draws is at most that of ``m``). The value is
    the multilevel estimate clipped to the bounds, ``se`` half the interval's width over
    the t quantile, and ``details["bounded"]`` is 1.
    """
    settings = settings or NestedSettings()
    unknown = [m for m in members if m not in problem.names]
    if unknown:
        raise ValueError(f"group members {unknown} are not uncertain inputs of the problem")
    members = [n for n in problem.names if n in set(members)]
    if pool is None:
        pool = draw_pool(problem, settings, seed)
    base = evpi_from_pool(pool)
    if not members:
        return _estimate(0.0, 0.0, 0)
    if len(members) == len(problem.names):
        return base
    gains = pool.gains
    evpi_r = gains.mean(axis=1)
    if base.details["raw"] <= 0.0:  # one option is best in every draw
        return _estimate(0.0, 0.0, pool.size)
    rng = np.random.default_rng(_group_seed(seed, members))
    levels = _Levels(problem, pool, members)
    result = _mlmc(
        levels,
        settings,
        rng,
        float(gains.reshape(-1).var(ddof=1)),
        pool.size,
        settings.target * base.details["raw"],
    )
    start = evpi_r if result.base == 0 else result.start
    per_replicate = start - result.correction
    raw = float(per_replicate.mean())
    replicates = pool.replicates
    replicate_se = float(per_replicate.std(ddof=1) / math.sqrt(replicates))
    # the extrapolated remainder is uncertain by about its own size
    se = math.hypot(replicate_se, result.remainder)
    quantile = float(stats.t.ppf(0.975, replicates - 1))
    # the base's gains: the pool's, or a sampled level's where enough of them can be judged
    # (they are means of the same values over more inner draws: else the pool's verdict holds)
    judged = result.base > 0 and math.isfinite(result.base_khat)
    heavy = result.base_flag if judged else base.flag
    flag = "; ".join(f for f in (heavy, result.flag) if f)
    details = {
        "khat": result.base_khat if judged else base.details["khat"],
        "khat_levels": result.khat,
        "evpi": base.details["raw"],
        "base_level": float(result.base),
        "levels": float(result.levels),
        "alpha": result.alpha,
        "beta": result.beta,
        "remainder": result.remainder,
        "replicate_se": replicate_se,
        "mlmc_se": result.mlmc_se,
        "target": result.target,
        "fresh_levels": float(result.fresh),
    }
    if not heavy:
        return _estimate(
            raw, se, pool.size + levels.cost, quantile, flag=flag, bounded=0.0, **details
        )
    known = dict(singles or {})
    extra = 0  # evaluations of the single-input estimates made here
    for name in members:
        if name not in known:
            known[name] = evppi_parameter(problem, name, settings=settings, pool=pool)
            extra += known[name].cost - pool.size
    truncated = start - result.truncated
    low = max(0.0, *(known[name].ci_low for name in members))
    high = float(truncated.mean() + quantile * truncated.std(ddof=1) / math.sqrt(replicates))
    high = max(high, low)
    logger.info(
        "EVPPI of %s: bounds [%.3g, %.3g] instead of the multilevel interval",
        ", ".join(members),
        low,
        high,
    )
    return NestedEstimate(
        value=min(max(raw, low), high),
        se=max(se, (high - low) / (2.0 * quantile)),
        ci_low=low,
        ci_high=high,
        cost=pool.size + levels.cost + extra,
        details=MappingProxyType({"raw": raw, "bounded": 1.0, **details}),
        flag=f"{flag}; the interval is bounds that do not rely on the tail",
    )


@dataclass(frozen=True)
class _MLMCResult:
    base: int  # 0: the pool's EVPI is the base; l > 0: the sampled P_l is
    start: np.ndarray  # (R,) per replicate: mean of the sampled base level (0 for the pool)
    base_khat: float  # k_hat of a sampled base's gains (NaN: the pool, or too few to judge)
    base_flag: str  # a sampled base's gains have too heavy a tail
    correction: np.ndarray  # (R,) per replicate: sum of level means, top level extrapolated
    truncated: np.ndarray  # (R,) per replicate: sum of level means up to the top, as drawn
    levels: int
    alpha: float
    beta: float
    remainder: float
    mlmc_se: float
    target: float
    khat: float  # largest k_hat of the levels judged (NaN if none)
    flag: str  # the level whose tail is heaviest beyond its threshold, if any
    fresh: bool  # the estimate is from draws taken afresh (:func:`_redrawn`)


def _mlmc(
    levels: _Levels,
    settings: NestedSettings,
    rng: np.random.Generator,
    v0: float,
    n0: int,
    eps: float,
) -> _MLMCResult:
    """Giles' MLMC driver for a group's EVPPI, from the pool's EVPI or from a sampled base.

    Follows ``mlmc.m`` / ``mlmc.py`` (Giles) and the EVPPI driver of Goda's group: samples
    per level ``N_l = sqrt(V_l / C_l) sum sqrt(V C) / var``, the regression estimates of
    ``alpha`` and ``beta``, the fix-up of small level means and variances, and a new level
    while the remaining bias ``max_i m_{L-i} 2^{-i alpha} / (2^alpha - 1)`` exceeds
    ``sqrt(theta) eps``.

    Budget. Where the samples the target asks of the levels so far cost more than the
    evaluations left (``max_cost``), a new level gets a first sample of ``initial`` draws
    instead, until the remaining bias is below its share or the top level is reached; only
    then is the rest of the budget spent on the allocation, scaled down. (Spent level by
    level as the target asks, the budget of a group whose levels decay slowly ran out before
    its remainder could be judged.)

    Base. Every draw on level ``l`` gives both the antithetic difference ``Z_l`` and the gain
    ``P_l = max_k mu_k - mu_k0`` of the means over all its ``2^l`` inner draws. Once the
    levels are known, the base is chosen (:func:`_choose_base`): the pool (level 0, its
    ``EVPI`` already paid for, with the fixed variance ``v0 / n0``; the levels get what the
    target leaves beside it, or as much as it has if it alone exceeds the target), or a level
    ``b`` whose ``P_b`` is sampled like the levels above it, at least
    :data:`MIN_BASE_DRAWS` times (``EVPPI = E[P_b] - sum_{l>b} E[Z_l]``), whichever needs
    the fewest further evaluations for the target, or comes nearest to it within the cost
    cap. A group worth little of EVPI has gains near zero once a few inner draws are
    averaged, so a sampled base can have a small fraction of the variance of the pool's
    gains; a group worth most of EVPI keeps the pool. Draws of levels below the base are not
    used.

    Fresh draws. Where ``settings.fresh_levels`` (by default: where the pool has tilted
    inputs), the base and the levels above it are drawn again, as many times each as the
    driver drew them, and the estimate is made from those draws only (:func:`_redrawn`).

    Tails. The non-zero draws of every level of differences used are kept, and the right tail
    of each level with at least :data:`MIN_LEVEL_TAIL_DRAWS` of them is judged
    (:func:`_tail_check`); the flag names the level furthest beyond its threshold. A sampled
    base's gains are judged apart (``base_khat``, ``base_flag``; NaN and empty where fewer
    than :data:`MIN_LEVEL_TAIL_DRAWS` are non-zero).
    """
    replicates = levels.pool.replicates
    theta = settings.theta
    max_level = min(settings.max_level, int(math.log2(levels.pool.rows)))
    level = min(settings.min_level, max_level)
    count = np.zeros(level + 1, dtype=np.int64)  # per replicate
    # per level: sums over the draws of Z_l (kind 0) and of P_l (kind 1)
    sums = np.zeros((2, replicates, level + 1))
    squares = np.zeros((2, level + 1))
    first = -(-settings.initial // replicates)
    todo = np.zeros(level + 1, dtype=np.int64)
    todo[1:] = first
    alpha = beta = 0.5
    base, chosen, final, converged = 0, False, False, False
    eps_eff = tolerance = eps
    nonzero: dict[tuple[int, int], list[np.ndarray]] = {}  # (kind, level): non-zero draws
    for _ in range(400):
        # a hard cap on the evaluations: scale what is still to do down to what is left
        planned = float(np.sum(todo * replicates * 2.0 ** np.arange(level + 1)))
        left = settings.max_cost - levels.cost
        if planned > left:
            todo = np.floor(todo * max(left, 0.0) / planned).astype(np.int64)
        for ell in range(1, level + 1):
            if todo[ell] > 0:
                _draw_level(levels, ell, int(todo[ell]), rng, sums, squares, nonzero)
                count[ell] += todo[ell]
        if final:
            break
        n_total = count * replicates
        moments = _level_moments(sums, squares, n_total)
        for ell in range(1, level + 1):  # a level without samples yet
            if n_total[ell] == 0:
                moments[2, ell] = moments[2, ell - 1] / 2.0**beta
                moments[3, ell] = moments[3, ell - 1]
        level0 = 0.0 if base else v0 / n0
        lowest = base + 1
        ml, vl = _base_levels(moments, base)
        ml, vl = _fixed_up(ml, lowest, alpha), _fixed_up(vl, lowest, beta)
        ells = np.arange(level + 1)
        upper = ells[max(lowest, level - 3) :]
        # the weak rate: at most 1, the rate Giles & Goda prove for the antithetic estimator
        # (a larger regression estimate on a few noisy levels would shrink the remainder)
        alpha = min(_regression_rate(ml[upper], upper.astype(float)), 1.0)
        beta = _regression_rate(vl[upper], upper.astype(float))
        var_levels = max((1.0 - theta) * eps**2 - level0, level0)
        eps_eff = math.sqrt((level0 + var_levels) / (1.0 - theta))
        cost = 2.0**ells
        todo = np.maximum(0, _allocation(vl, cost, var_levels, replicates) - count)
        todo[0] = 0
        if base:  # a sampled base has at least its fewest draws
            todo[base] = max(todo[base], -(-MIN_BASE_DRAWS // replicates) - count[base])
        # the asymptotic regime has begun where the level means have passed their peak and
        # fallen clearly below half of it (before, the remainder cannot be extrapolated)
        rem = _remaining_bias(ml, base, level, alpha)
        means = moments[0]
        noise = math.sqrt(moments[2, level] / max(n_total[level], 1))
        decaying = (
            n_total[level] > 0
            and means[level] < means[level - 1]
            and means[level] + 2.0 * noise <= 0.5 * float(np.max(means[1:level], initial=0.0))
        )
        tolerance = math.sqrt(theta) * eps_eff
        converged = decaying and rem <= tolerance
        left = settings.max_cost - levels.cost
        idle = bool(np.all(todo <= 0.01 * count))
        over = float(np.sum(todo * replicates * cost)) > left
        if left <= 0:
            break
        if not (idle or over):
            continue
        if not (converged or level == max_level):
            # a new level; where the budget cannot pay for the target at these levels, it
            # gets a first sample and the budget waits for the levels to be known
            level += 1
            count = np.append(count, 0)
            sums = np.concatenate([sums, np.zeros((2, replicates, 1))], axis=2)
            squares = np.column_stack([squares, np.zeros(2)])
            if over:
                todo = np.zeros(level + 1, dtype=np.int64)
                todo[level] = first
            else:
                vl = np.append(vl, vl[-1] / 2.0**beta)
                todo = np.maximum(
                    0, _allocation(vl, 2.0 ** np.arange(level + 1), var_levels, replicates) - count
                )
                todo[0] = 0
            continue
        if not chosen:
            # the levels are known: the base, chosen once, for the rest of the budget
            chosen = True
            new = _choose_base(
                moments[2], moments[3], n_total, v0 / n0, (1.0 - theta) * eps**2, left
            )
            if new != base:
                base = new
                todo[:] = 0
                continue
        if idle:
            break
        final = True  # spend what is left on the allocation, scaled down
    if not converged:
        logger.warning(
            "MLMC EVPPI of %s: remaining bias not shown below %.3g at the top level %d "
            "(%d of %d evaluations)",
            ", ".join(levels.members),
            tolerance,
            level,
            levels.cost,
            settings.max_cost,
        )
    lowest = base + 1
    level0 = 0.0 if base else v0 / n0
    # the top level is the highest one with samples (a level added at the cost cap has none)
    top = max([ell for ell in range(lowest, len(count)) if count[ell] > 0], default=base)
    fresh = settings.fresh_levels
    if fresh is None:
        fresh = bool(levels.pool.log_weights)
    if fresh:
        count, sums, squares, nonzero = _redrawn(levels, rng, count[: top + 1], base)
    n_total = count[: top + 1] * replicates
    per_replicate = sums[:, :, : top + 1] / count[: top + 1].clip(min=1)
    start = per_replicate[1, :, base] if base else np.zeros(replicates)
    means = per_replicate[0].copy()  # the level differences' means per replicate
    means[:, :lowest] = 0.0
    moments = _level_moments(sums[:, :, : top + 1], squares[:, : top + 1], n_total)
    _, level_vars = _base_levels(moments, base)
    factor = 2.0**alpha / (2.0**alpha - 1.0)
    correction = means[:, :top].sum(axis=1) + factor * means[:, top]
    mlmc_var = level0 + float(np.sum(level_vars[1:] / n_total[1:].clip(min=1)))
    # Giles' estimate of the remaining bias, from the last levels' (fixed-up) means
    remainder = _remaining_bias(
        _fixed_up(np.abs(means.mean(axis=0)), lowest, alpha), base, top, alpha
    )
    khat, flag, excess = math.nan, "", -math.inf
    for ell in range(lowest, top + 1):
        draws = np.concatenate(nonzero.get((0, ell), [np.empty(0)]))
        if draws.size < MIN_LEVEL_TAIL_DRAWS:
            continue
        k, limit, why = _tail_check(draws, f"the level-{ell} differences", nonzero=True)
        if math.isfinite(k):
            khat = k if math.isnan(khat) else max(khat, k)
            if why and k - limit > excess:
                flag, excess = why, k - limit
    base_khat, base_flag = math.nan, ""
    if base:
        draws = np.concatenate(nonzero[(1, base)])
        if draws.size >= MIN_LEVEL_TAIL_DRAWS:
            base_khat, _, base_flag = _tail_check(draws, f"the level-{base} gains", nonzero=True)
        logger.info(
            "MLMC EVPPI of %s: base level %d (2^%d inner draws)",
            ", ".join(levels.members),
            base,
            base,
        )
    return _MLMCResult(
        base,
        start,
        base_khat,
        base_flag,
        correction,
        means.sum(axis=1),
        top,
        alpha,
        beta,
        remainder,
        math.sqrt(mlmc_var),
        eps_eff,
        khat,
        flag,
        fresh,
    )


def _redrawn(
    levels: _Levels, rng: np.random.Generator, count: np.ndarray, base: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[tuple[int, int], list[np.ndarray]]]:
    """Draw the base and the levels above it afresh, as many times as the driver did.

    The driver sizes each level by its own draws: a level whose differences are skewed gets
    more draws after a rare large one (its variance jumps, and more draws dilute it) and
    stops early before one, so the mean of the draws it ends with is biased low, and the
    group's EVPPI high. These draws' number is fixed before they are drawn, so their means
    are unbiased. Levels below the base get none (they are not used).

    Returns
    -------
    tuple
        Draws per replicate per level (as ``count``), the sums ``(2, R, L + 1)`` and squares
        ``(2, L + 1)`` of ``Z_l`` and ``P_l``, and the non-zero draws by ``(kind, level)``.
    """
    replicates = levels.pool.replicates
    count = count.copy()
    count[: max(base, 1)] = 0
    sums = np.zeros((2, replicates, len(count)))
    squares = np.zeros((2, len(count)))
    nonzero: dict[tuple[int, int], list[np.ndarray]] = {}
    for ell in np.flatnonzero(count):
        _draw_level(levels, int(ell), int(count[ell]), rng, sums, squares, nonzero)
    return count, sums, squares, nonzero


def _draw_level(
    levels: _Levels,
    level: int,
    n: int,
    rng: np.random.Generator,
    sums: np.ndarray,
    squares: np.ndarray,
    nonzero: dict[tuple[int, int], list[np.ndarray]],
) -> None:
    """Draw ``n`` of ``Z_l`` and ``P_l`` per replicate; add them to the running sums.

    ``sums`` ``(2, R, L + 1)`` and ``squares`` ``(2, L + 1)`` (kinds ``Z``, ``P``) gain the
    draws' sums and sums of squares, ``nonzero[(kind, level)]`` their non-zero values.
    """
    for kind, d in enumerate(levels.sample(level, n, rng)):
        nonzero.setdefault((kind, level), []).append(d[d > 0.0])
        sums[kind, :, level] += d.sum(axis=1)
        squares[kind, level] += float((d * d).sum())


def _fixed_up(values: np.ndarray, lowest: int, rate: float) -> np.ndarray:
    """Giles' fix-up: above ``lowest``, each level at least half the one below over ``2^rate``."""
    out = values.copy()
    for ell in range(lowest + 1, len(out)):
        out[ell] = max(out[ell], 0.5 * out[ell - 1] / 2**rate)
    return out


def _remaining_bias(means: np.ndarray, base: int, top: int, alpha: float) -> float:
    """Giles' remaining bias ``max_{i<3} m_{L-i} 2^(-i alpha) / (2^alpha - 1)`` above ``base``."""
    span = np.arange(min(3, top - base))
    largest = float(np.max(means[top - span] / 2.0 ** (span * alpha), initial=0.0))
    return largest / (2.0**alpha - 1.0)


def _base_levels(moments: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Level means and variances the driver works with for a base (0: the pool).

    The means are those of the differences above the base; the variances those of the
    differences above it and, at a sampled base ``b``, of ``P_b``.
    """
    ml, vl = moments[0].copy(), moments[2].copy()
    ml[: base + 1], vl[: base + 1] = 0.0, 0.0
    if base:
        vl[base] = moments[3, base]
    return ml, vl


def _level_moments(sums: np.ndarray, squares: np.ndarray, n_total: np.ndarray) -> np.ndarray:
    """``|mean|`` of ``Z_l`` and ``P_l``, then their variances: ``(4, L + 1)`` (0 where unsampled).

    ``sums`` is ``(2, R, L + 1)`` (kinds, replicates, levels), ``squares`` ``(2, L + 1)`` and
    ``n_total`` the draws per level over the replicates.
    """
    n = np.maximum(n_total, 1)
    mean = np.abs(sums.sum(axis=1) / n)
    var = np.maximum(squares / n - mean**2, 0.0) * n / np.maximum(n - 1, 1)
    out = np.vstack([mean, var])
    out[:, n_total == 0] = 0.0
    return out


def _choose_base(
    var_differences: np.ndarray,
    var_gains: np.ndarray,
    done: np.ndarray,
    fixed: float,
    target: float,
    budget: float,
) -> int:
    """Return the base of the multilevel estimator: 0 for the pool, else the level ``b``.

    A base uses the levels of differences above it and, if it is a level ``b``, the gains
    ``P_b`` (variance ``Var(P_b)``, cost ``C_b = 2^b``); with ``S = sum_l sqrt(V_l C_l)`` over
    those, the optimal allocation ``N_l = sqrt(V_l / C_l) S / (target - fixed)`` reaches the
    variance ``target`` (``fixed`` is the pool's variance, 0 for a sampled base). The base
    chosen needs the fewest evaluations beyond those ``done`` to get there within the
    ``budget``; if none can, it is the one with the least variance ``fixed + S^2 / C`` for
    ``C`` the evaluations its levels have had and the budget. A level needs two levels of
    differences above it; ties go to the pool.

    Parameters
    ----------
    var_differences, var_gains
        Variances of ``Z_l`` and ``P_l`` on levels ``0..L`` (entry 0 unused).
    done
        Draws made on each level.
    fixed
        Variance of the pool's EVPI.
    target
        Variance the levels are sized for.
    budget
        Evaluations left.

    Returns
    -------
    int
        0 or the level.
    """
    top = len(var_differences) - 1
    cost = 2.0 ** np.arange(top + 1)

    def plan(var: np.ndarray, floor: float, base: int) -> tuple[int, float]:
        spread = float(np.sqrt(var * cost).sum())
        left = target - floor
        least = np.zeros(top + 1)
        least[base] = MIN_BASE_DRAWS if base else 0.0
        if left > 0.0:
            wanted = np.maximum(np.sqrt(var / cost) * spread / left, least)
            extra = float(np.sum(np.maximum(wanted - done, 0.0) * cost))
            if extra <= budget:
                return 0, extra
        if float(np.sum(np.maximum(least - done, 0.0) * cost)) > budget:
            return 2, math.inf
        spent = float(np.sum(done * cost * (var > 0.0)))
        return 1, floor + spread**2 / max(budget + spent, 1.0)

    pooled = var_differences.copy()
    pooled[0] = 0.0
    plans = {0: plan(pooled, fixed, 0)}
    for b in range(1, top - 1):
        var = var_differences.copy()
        var[:b] = 0.0
        var[b] = var_gains[b]
        plans[b] = plan(var, 0.0, b)
    return min(plans, key=plans.__getitem__)


def _allocation(
    vl: np.ndarray, cost: np.ndarray, var_levels: float, replicates: int
) -> np.ndarray:
    """Return samples per replicate on each level for a variance ``var_levels`` (not level 0)."""
    weights = np.sqrt(vl[1:] * cost[1:])
    total = float(weights.sum())
    if not (math.isfinite(total) and total > 0.0 and var_levels > 0.0):
        return np.zeros(len(vl), dtype=np.int64)
    n = np.sqrt(vl[1:] / cost[1:]) * total / var_levels
    per_replicate = np.ceil(n / replicates).astype(np.int64)
    return np.concatenate([[0], per_replicate])


# --------------------------------------------------------------------------- the table


def nested_value_of_information_table(
    problem: NestedProblem,
    groups: Mapping[str, Sequence[str]],
    *,
    seed: int,
    settings: NestedSettings | None = None,
) -> pd.DataFrame:
    """EVPI, every input's EVPPI and every group's EVPPI by nested Monte Carlo, in one table.

    Parameters
    ----------
    problem
        The decision problem.
    groups
        Group name to input names; names that are not uncertain inputs are skipped and a
        group with none left is left out (logged).
    seed
        Seed of the pool and of every group's multilevel draws.
    settings
        Accuracy and cost settings (default :class:`NestedSettings`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NESTED_COLUMNS`: EVPI (kind ``evpi``), one row per input (kind
        ``parameter``) and one per group (kind ``group``); ``method`` is ``nested``,
        ``cost`` the model evaluations behind the row (the pool, shared by every row, is
        counted in the EVPI and group rows) and ``flag`` why the row cannot be trusted (heavy
        tails, :func:`_tail_check`; empty when it can).
    """
    settings = settings or NestedSettings()
    pool = draw_pool(problem, settings, seed)
    rows = [("EVPI", "evpi", evpi_from_pool(pool))]
    singles = {
        name: evppi_parameter(problem, name, settings=settings, pool=pool)
        for name in problem.names
    }
    rows += [(name, "parameter", estimate) for name, estimate in singles.items()]
    known = set(problem.names)
    for group, members in groups.items():
        present = [m for m in dict.fromkeys(members) if m in known]
        if not present:
            logger.info("group %r left out: none of %s is an uncertain input", group, members)
            continue
        estimate = evppi_group(
            problem, present, seed=seed, settings=settings, pool=pool, singles=singles
        )
        rows.append((str(group), "group", estimate))
    table = pd.DataFrame(
        [
            (name, kind, e.value, e.se, e.ci_low, e.ci_high, "nested", e.cost, e.flag)
            for name, kind, e in rows
        ],
        columns=NESTED_COLUMNS,
    )
    logger.info(
        "nested value of information: %d estimates, %d model evaluations",
        len(table),
        int(table["cost"].sum() - (len(table) - len(problem.names) - 1) * pool.size),
    )
    return table
