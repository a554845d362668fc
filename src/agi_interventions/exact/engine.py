"""Exact conditional means, Sobol indices and value of information from the model's structure.

With independent inputs and every output a sum of products of single-parameter factors,
``Y = sum_t c_t prod_j f_tj(theta_j)``:

* ``E[Y | theta_S] = sum_t c_t prod_{j in S} f_tj(theta_j) prod_{j not in S} m_j[f_tj]``;
* ``Var(E[Y | theta_i]) = sum_{t,t'} c_t c_t' C_i[f_ti, f_t'i] prod_{j != i} m_j[f_tj] m_j[f_t'j]``
  (first order);
* ``E[Var(Y | theta_~i)] = sum_{t,t'} c_t c_t' C_i[f_ti, f_t'i] prod_{j != i} G_j[f_tj, f_t'j]``
  (total), with ``G = C + m m^T``;
* ``Var(Y) = sum_k sum_{t,t'} c_t c_t' (prod_{j<k} G_j) C_k (prod_{j>k} m_j m_j)`` (a
  telescoping sum in which every part is a covariance, so nothing cancels).

``m``, ``C`` are the one-dimensional factor moments of :mod:`agi_interventions.exact.moments`.
Every quadratic form is a Hadamard product of positive semi-definite matrices, so every
variance is non-negative and ``0 <= S1 <= ST <= 1`` up to rounding.

Value of information. With ``mu_k(theta_S) = E[V_k | theta_S]`` and ``k0`` the option with
the highest mean, ``EVPPI(S) = E[max_k mu_k(theta_S) - mu_k0(theta_S)]``: exact for one
parameter (piecewise integration between the crossings of the conditional means), with a
Monte Carlo outer expectation for a group. The engine supplies the conditional means; the
crossings and integrals are in :mod:`agi_interventions.exact.evppi`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from agi_interventions.exact.evppi import (
    Crossing,
    Piece,
    best_pieces,
    monte_carlo_evppi,
    piecewise_evppi,
    switches,
)
from agi_interventions.exact.moments import FactorMoments, factor_moments
from agi_interventions.exact.outputs import model_outputs
from agi_interventions.exact.terms import Factor, ProductSum, Signature, evaluate_factor
from agi_interventions.priors import Worldview

logger = logging.getLogger(__name__)


class NotApplicable(ValueError):
    """The exact engine does not apply to this worldview (the reason is the message)."""


def applicability(worldview: Worldview) -> str | None:
    """Return why the exact engine does not apply to a worldview, or None if it does.

    Parameters
    ----------
    worldview
        Validated priors.

    Returns
    -------
    str or None
        A sentence for the report, or None when every active variant of the worldview's
        structure has a sum-of-products form, so that every output is a sum of products of
        functions of single independent inputs.
    """
    return worldview.structure.product_form_reason()


def structure_outputs(worldview: Worldview) -> dict[str, ProductSum]:
    """Every output as a sum of products of the worldview's inputs.

    The canonical outputs (:func:`agi_interventions.exact.outputs.model_outputs`) with every
    parameter a variant derives replaced by the variant's declared form
    (:meth:`agi_interventions.structure.Structure.substitutions`).
    """
    outputs = dict(model_outputs())
    for name, form in worldview.structure.substitutions().items():
        outputs = {key: value.substitute(name, form) for key, value in outputs.items()}
    return outputs


@dataclass(frozen=True)
class _Layout:
    """An output's terms as arrays: coefficients and, per parameter, factor indices."""

    coef: np.ndarray  # (T,)
    index: dict[str, np.ndarray]  # parameter -> (T,) index into that parameter's factors


class ExactEngine:
    """Exact moments, Sobol indices and value of information for one worldview.

    Parameters
    ----------
    worldview
        Validated priors in the ``fractions`` parametrisation.
    outputs
        Output name to its sum of products; default: every output of the model
        (:func:`agi_interventions.exact.outputs.model_outputs`).
    moment_cache
        Factor moments already computed, keyed by the prior's ``id`` and the factors; engines
        of worldviews that share prior objects (e.g. one prior swapped at a time) pass the
        same dictionary, which must not outlive those priors.

    Raises
    ------
    NotApplicable
        If the worldview's outputs are not sums of products of independent parameters.
    """

    def __init__(
        self,
        worldview: Worldview,
        outputs: Mapping[str, ProductSum] | None = None,
        moment_cache: dict[tuple[int, tuple[Factor, ...]], FactorMoments] | None = None,
    ) -> None:
        reason = applicability(worldview)
        if reason is not None:
            raise NotApplicable(reason)
        self.worldview = worldview
        self.outputs = dict(structure_outputs(worldview) if outputs is None else outputs)
        self.parameters: tuple[str, ...] = tuple(worldview.priors)
        unknown = {p for o in self.outputs.values() for p in o.parameters} - set(self.parameters)
        if unknown:
            raise ValueError(f"outputs use parameters without a prior: {sorted(unknown)}")
        factors: dict[str, set[Factor]] = {p: {()} for p in self.parameters}
        for output in self.outputs.values():
            for name in output.parameters:
                factors[name].update(output.factors(name))
        cache = {} if moment_cache is None else moment_cache
        self.moments: dict[str, FactorMoments] = {}
        for name, found in factors.items():
            prior = worldview.priors[name]
            ordered = tuple(sorted(found, key=lambda f: (len(f), f)))
            key = (id(prior), ordered)
            if key not in cache:
                cache[key] = factor_moments(prior, ordered)
            self.moments[name] = cache[key]
        self._layout_cache: dict[str, _Layout] = {}
        self._position = {
            name: {f: i for i, f in enumerate(m.factors)} for name, m in self.moments.items()
        }

    @property
    def uncertain(self) -> list[str]:
        """Uncertain parameters (not ``fixed``), in canonical order."""
        return self.worldview.uncertain

    def _layout(self, output: str) -> _Layout:
        terms = self.outputs[output].terms
        coef = np.array(list(terms.values()), dtype=np.float64)
        index = {
            name: np.array(
                [self._position[name][dict(s).get(name, ())] for s in terms], dtype=np.intp
            )
            for name in self.parameters
        }
        return _Layout(coef, index)

    def _layouts(self, output: str) -> _Layout:
        if output not in self._layout_cache:
            self._layout_cache[output] = self._layout(output)
        return self._layout_cache[output]

    # ------------------------------------------------------------------ moments

    def _term_means(self, layout: _Layout, name: str) -> np.ndarray:
        return self.moments[name].mean[layout.index[name]]

    def mean(self, output: str) -> float:
        """Return ``E[output]`` under the prior."""
        layout = self._layouts(output)
        product = layout.coef.copy()
        for name in self.parameters:
            product *= self._term_means(layout, name)
        return float(product.sum())

    def _matrices(self, layout: _Layout, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-term-pair ``m m^T``, ``G`` and ``C`` of one parameter."""
        moments = self.moments[name]
        idx = layout.index[name]
        mean = moments.mean[idx]
        cov = moments.cov[np.ix_(idx, idx)]
        outer = np.outer(mean, mean)
        return outer, cov + outer, cov

    def variance_parts(self, output: str) -> dict[str, np.ndarray | float]:
        """Exact total variance and first-order and total partial variances.

        Parameters
        ----------
        output
            Output name.

        Returns
        -------
        dict
            ``variance`` (float), ``first`` and ``total`` (arrays over :attr:`uncertain`):
            ``Var(E[Y | theta_i])`` and ``E[Var(Y | theta_~i)]``.
        """
        layout = self._layouts(output)
        c = layout.coef
        names = list(self.parameters)
        mats = [self._matrices(layout, name) for name in names]
        size = len(c)
        ones = np.ones((size, size))
        # prefix/suffix Hadamard products of m m^T and of G
        prefix_mm, prefix_g = [ones], [ones]
        for outer, gram, _ in mats:
            prefix_mm.append(prefix_mm[-1] * outer)
            prefix_g.append(prefix_g[-1] * gram)
        suffix_mm, suffix_g = [ones], [ones]
        for outer, gram, _ in reversed(mats):
            suffix_mm.append(suffix_mm[-1] * outer)
            suffix_g.append(suffix_g[-1] * gram)
        suffix_mm.reverse()
        suffix_g.reverse()
        variance = 0.0
        first, total = {}, {}
        for k, name in enumerate(names):
            cov = mats[k][2]
            variance += float(c @ (prefix_g[k] * cov * suffix_mm[k + 1]) @ c)
            first[name] = float(c @ (prefix_mm[k] * cov * suffix_mm[k + 1]) @ c)
            total[name] = float(c @ (prefix_g[k] * cov * suffix_g[k + 1]) @ c)
        return {
            "variance": variance,
            "first": np.array([first[n] for n in self.uncertain]),
            "total": np.array([total[n] for n in self.uncertain]),
        }

    def sobol(self, output: str) -> tuple[np.ndarray, np.ndarray]:
        """Exact first-order and total Sobol indices of one output.

        Parameters
        ----------
        output
            Output name.

        Returns
        -------
        tuple of numpy.ndarray
            S1 and ST over :attr:`uncertain` (zeros for an output with no variance).
        """
        parts = self.variance_parts(output)
        variance = float(parts["variance"])
        if variance <= 0.0:
            zeros = np.zeros(len(self.uncertain))
            return zeros, zeros.copy()
        return parts["first"] / variance, parts["total"] / variance

    # ------------------------------------------------------------------ conditional means

    def conditional_weights(self, output: str, given: Sequence[str]) -> dict[Signature, float]:
        """``E[output | theta_given]`` as weights of products of the given parameters' factors.

        Parameters
        ----------
        output
            Output name.
        given
            Parameters conditioned on.

        Returns
        -------
        dict
            Signature over ``given`` (``((name, factor), ...)``) to weight; the conditional
            mean is ``sum_s weight_s prod_{(name, f) in s} f(theta_name)``.
        """
        given_set = set(given)
        weights: dict[Signature, float] = {}
        for signature, coef in self.outputs[output].terms.items():
            kept = tuple((n, f) for n, f in signature if n in given_set)
            value = coef
            for name, factor in signature:
                if name not in given_set:
                    value *= float(self.moments[name].mean[self._position[name][factor]])
            weights[kept] = weights.get(kept, 0.0) + value
        return weights

    def conditional_mean(self, output: str, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """Evaluate ``E[output | theta_S = values]`` (S = the keys of ``values``).

        Parameters
        ----------
        output
            Output name.
        values
            Parameter name to values (arrays broadcast against each other).

        Returns
        -------
        numpy.ndarray
            The conditional mean at each point.
        """
        total: np.ndarray | float = 0.0
        for signature, weight in self.conditional_weights(output, list(values)).items():
            product: np.ndarray | float = weight
            for name, factor in signature:
                product = product * evaluate_factor(factor, values[name])
            total = total + product
        shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()))
        return np.broadcast_to(np.asarray(total, dtype=np.float64), shape).copy()

    def option_weights(self, options: Sequence[str], name: str) -> np.ndarray:
        """Weights of the options' conditional means on one parameter's factors.

        Parameters
        ----------
        options
            Output names.
        name
            Parameter.

        Returns
        -------
        numpy.ndarray
            ``w[k, a]`` with ``E[V_k | theta] = sum_a w[k, a] f_a(theta)``, the factors
            ``f_a`` being ``self.moments[name].factors``.
        """
        factors = self.moments[name].factors
        w = np.zeros((len(options), len(factors)))
        for k, option in enumerate(options):
            for signature, weight in self.conditional_weights(option, [name]).items():
                factor = dict(signature).get(name, ())
                w[k, self._position[name][factor]] += weight
        return w

    # ------------------------------------------------------------------ value of information

    def best_option(self, options: Sequence[str]) -> int:
        """Index of the option with the highest exact mean (first one on a tie)."""
        return int(np.argmax([self.mean(o) for o in options]))

    def _pieces(self, options: Sequence[str], name: str) -> tuple[np.ndarray, list[Piece]]:
        """Split the support of ``name`` where the best conditional mean changes."""
        w = self.option_weights(options, name)
        return w, best_pieces(self.worldview.priors[name], self.moments[name].factors, w)

    def evppi_parameter(self, options: Sequence[str], name: str) -> float:
        """Exact EVPPI of one parameter.

        Parameters
        ----------
        options
            Output names of the options (e.g. the three interventions).
        name
            Parameter.

        Returns
        -------
        float
            ``E[max_k E[V_k | theta] - E[V_k0 | theta]]`` by exact piecewise integration
            (0 for a fixed parameter).
        """
        prior = self.worldview.priors[name]
        if prior.is_fixed:
            return 0.0
        k0 = self.best_option(options)
        if prior.is_discrete:  # a sum over the atoms
            atoms, probabilities = prior.atoms()
            means = np.column_stack([self.conditional_mean(o, {name: atoms}) for o in options])
            gain = means.max(axis=1) - means[:, k0]
            return max(float(probabilities @ gain), 0.0)
        w, pieces = self._pieces(options, name)
        return piecewise_evppi(prior, self.moments[name].factors, w, pieces, k0)

    def crossings(self, options: Sequence[str], name: str) -> list[Crossing]:
        """Exact switching values: where the best conditional mean changes along ``name``.

        Parameters
        ----------
        options
            Output names of the options.
        name
            Parameter.

        Returns
        -------
        list of Crossing
            In increasing parameter value; empty for a fixed or discrete input (a structure
            switch has no values between its two) or no switch.
        """
        prior = self.worldview.priors[name]
        if prior.is_fixed or prior.is_discrete:
            return []
        _, pieces = self._pieces(options, name)
        return switches(prior, pieces, options)

    def evppi_group(
        self,
        options: Sequence[str],
        names: Sequence[str],
        *,
        n_draws: int | None = None,
        seed: int | None = None,
        draws: Mapping[str, np.ndarray] | None = None,
    ) -> tuple[float, float]:
        """EVPPI of a group: exact conditional means, Monte Carlo outer expectation.

        Parameters
        ----------
        options
            Output names of the options.
        names
            Parameters of the group (fixed ones are ignored).
        n_draws, seed
            Independent draws of the group's parameters to make (when ``draws`` is None).
        draws
            Independent prior draws of (at least) the group's parameters, to share between
            groups.

        Returns
        -------
        tuple of float
            The estimate and its Monte Carlo standard error.
        """
        names = [n for n in names if not self.worldview.priors[n].is_fixed]
        if not names:
            return 0.0, 0.0
        if draws is None:
            if n_draws is None or seed is None:
                raise ValueError("give draws, or n_draws and seed")
            draws = self.draw(names, n_draws, seed)
        values = {n: draws[n] for n in names}
        k0 = self.best_option(options)
        means = np.column_stack([self.conditional_mean(o, values) for o in options])
        return monte_carlo_evppi(means, k0)

    def gains(
        self, options: Sequence[str], names: Sequence[str], draws: Mapping[str, np.ndarray]
    ) -> np.ndarray:
        """Per-draw gain of learning a group: ``max_k mu_k(theta_S) - mu_k0(theta_S)``.

        Parameters
        ----------
        options
            Output names of the options.
        names
            The group (fixed parameters are ignored).
        draws
            Independent prior draws of (at least) the group's uncertain parameters.

        Returns
        -------
        numpy.ndarray
            One gain per draw (zeros for a group without uncertain parameters).
        """
        names = [n for n in names if not self.worldview.priors[n].is_fixed]
        size = len(next(iter(draws.values())))
        if not names:
            return np.zeros(size)
        k0 = self.best_option(options)
        values = {n: draws[n] for n in names}
        means = np.column_stack([self.conditional_mean(o, values) for o in options])
        return means.max(axis=1) - means[:, k0]

    def generators(self, seed: int) -> dict[str, np.random.Generator]:
        """One generator per parameter, from the streams :meth:`draw` uses."""
        streams = np.random.SeedSequence(seed).spawn(len(self.parameters))
        return {
            name: np.random.default_rng(stream)
            for name, stream in zip(self.parameters, streams, strict=True)
        }

    def draw(self, names: Sequence[str], n_draws: int, seed: int) -> dict[str, np.ndarray]:
        """Independent prior draws of some parameters, each from its own derived stream."""
        streams = np.random.SeedSequence(seed).spawn(len(self.parameters))
        position = {name: i for i, name in enumerate(self.parameters)}
        return {
            name: self.worldview.priors[name].sample(
                n_draws, np.random.default_rng(streams[position[name]])
            )
            for name in names
        }
