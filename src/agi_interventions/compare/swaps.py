r"""What moves the answer from one worldview to another: swapped priors and their Shapley shares.

Two worldviews ``A`` (the reference) and ``B`` differ in a set of **items**: each parameter
whose prior differs, and each structural variant whose probability (or settings) differs. A
variant's own inputs travel with it. Swapping a subset ``S`` of the items from ``A`` to ``B``
gives a hybrid worldview (validated like a prior file: a variant's limits on its inputs and
the numerical bound on the outputs), whose option means are ``v(S)``; ``v(empty) = A`` and
``v(all) = B``.

The table gives every item swapped alone, and the **Shapley attribution** of the change in
the lead ``v(all) - v(empty)`` over the items: item ``i`` gets
``phi_i = sum_{S not containing i} |S|! (d - |S| - 1)! / d! (v(S + i) - v(S))``, the average
of its effect over every order of swapping, so that the shares add up to the whole change
(and an item that only matters together with another shares the credit with it).

Where every hybrid has the exact engine, every ``v(S)`` is an exact mean (the model's means
are sums of products of the parameters' factor moments, so each is a sum, not a sample) and
the attribution is exact: all ``2^d`` subsets for up to :data:`MAX_EXACT_ITEMS` items, else
:data:`ORDERINGS` random orderings of the items (an exact mean at each step; the standard
error is over orderings). Otherwise each ``v(S)`` is a Monte Carlo mean (the same seed for
every hybrid), for up to :data:`MAX_MONTE_CARLO_ITEMS` items, and the Shapley values carry
the propagated Monte Carlo error.

The **lead** is the difference of two options' means: ``A``'s winner against ``B``'s winner
when they differ, else the common winner against ``A``'s runner-up. Its ratio is given too,
and the **relative lead** ``(x - y) / (|x| + |y|)``, which a factor scaling both means (such
as the share of resources ``F_I``) leaves unchanged; both leads get a Shapley attribution, so
an item that only rescales the stakes shows up in the first and not in the second.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from agi_interventions.parameters import label
from agi_interventions.priors import (
    Prior,
    Worldview,
    assembly_problems,
    structure_priors,
)
from agi_interventions.structure import VARIANTS, Structure

logger = logging.getLogger(__name__)

#: Items up to which the exact attribution enumerates every subset (2^12 = 4096 hybrids).
MAX_EXACT_ITEMS = 12
#: Random orderings of the items beyond that.
ORDERINGS = 400
#: Items up to which Monte Carlo means are computed for every subset (2^6 = 64 hybrids).
MAX_MONTE_CARLO_ITEMS = 6
#: Independent draws per hybrid when its means are Monte Carlo.
SWAP_DRAWS = 2**15

#: Columns of the swap table (the option means follow as ``mean_<option>``).
SWAP_COLUMNS = (
    "reference",
    "worldview",
    "item",
    "kind",
    "before",
    "after",
    "winner",
    "lead_pair",
    "lead",
    "lead_change",
    "ratio",
    "relative_lead",
    "shapley_lead",
    "shapley_lead_se",
    "shapley_relative_lead",
    "shapley_relative_lead_se",
    "method",
    "note",
)


@dataclass(frozen=True)
class SwapItem:
    """Something that differs between two worldviews and can be swapped on its own.

    Attributes
    ----------
    name
        The parameter, or ``structure:<variant>``.
    kind
        ``parameter`` or ``variant``.
    before, after
        The item in the reference worldview and in the other one, in words.
    """

    name: str
    kind: str
    before: str
    after: str


def _own_inputs(view: Worldview) -> set[str]:
    return set(view.structure.switches) | set(view.structure.categorical())


def _same_prior(a: Prior, b: Prior) -> bool:
    return a.family == b.family and a.args == b.args


def _variant_text(structure: Structure, name: str) -> str:
    p = structure.probabilities.get(name, 0.0)
    settings = structure.settings.get(name)
    text = "never holds" if p == 0 else ("always holds" if p == 1 else f"holds with p = {p:g}")
    if settings:
        text += " (" + json.dumps(settings, sort_keys=True, default=str) + ")"
    return text


def swap_items(a: Worldview, b: Worldview) -> list[SwapItem]:
    """List what differs between two worldviews, variants first.

    Parameters
    ----------
    a
        The reference worldview.
    b
        The other worldview.

    Returns
    -------
    list of SwapItem
        Each variant whose probability or settings differ, in registry order, then each input
        of both whose prior differs, in ``a``'s design order.
    """
    items = []
    for name in VARIANTS:
        pa, pb = a.structure.probabilities.get(name, 0.0), b.structure.probabilities.get(name, 0.0)
        sa, sb = a.structure.settings.get(name), b.structure.settings.get(name)
        if pa != pb or (pa > 0 and pb > 0 and sa != sb):
            items.append(
                SwapItem(
                    f"structure:{name}",
                    "variant",
                    _variant_text(a.structure, name),
                    _variant_text(b.structure, name),
                )
            )
    own = _own_inputs(a) | _own_inputs(b)
    for name, prior in a.priors.items():
        if name in own or name not in b.priors:
            continue
        if not _same_prior(prior, b.priors[name]):
            items.append(SwapItem(name, "parameter", prior.describe(), b.priors[name].describe()))
    return items


class HybridError(ValueError):
    """A combination of swapped items that is not an admissible worldview."""


def hybrid(a: Worldview, b: Worldview, chosen: set[str]) -> Worldview:
    """Build the reference worldview with the chosen items taken from the other.

    Parameters
    ----------
    a, b
        The reference and the other worldview.
    chosen
        Item names (:attr:`SwapItem.name`) taken from ``b``.

    Returns
    -------
    Worldview
        Validated like a prior file; a variant's own inputs come from the worldview that has
        the variant (``a`` when both do, unless swapped).

    Raises
    ------
    HybridError
        When the combination is not admissible (the message says why).
    """
    probabilities, settings = {}, {}
    for name in VARIANTS:
        source = b if f"structure:{name}" in chosen else a
        p = source.structure.probabilities.get(name, 0.0)
        if p > 0:
            probabilities[name] = p
            if name in source.structure.settings:
                settings[name] = source.structure.settings[name]
    structure = Structure(probabilities, settings)
    own = set(structure.switches) | set(structure.categorical())
    own_a, own_b = _own_inputs(a), _own_inputs(b)
    given: dict[str, Prior] = {}
    for name in structure.input_specs():
        if name in own:
            continue
        in_a = name in a.priors and name not in own_a
        in_b = name in b.priors and name not in own_b
        if in_b and (name in chosen or not in_a):
            given[name] = b.priors[name]
        elif in_a:
            given[name] = a.priors[name]
        else:
            raise HybridError(f"no prior for {name} in either worldview")
    priors = structure_priors(structure, given)
    problems = assembly_problems(structure, priors, f"{a.name} with {sorted(chosen)} of {b.name}")
    if problems:
        raise HybridError("; ".join(problems))
    return replace(a, name=f"{a.name}+{b.name}", structure=structure, priors=priors)


class _Means:
    """Option means of hybrid worldviews: exact engines sharing a moment cache, or Monte Carlo."""

    def __init__(self, a: Worldview, b: Worldview, options: Sequence[str], seed: int) -> None:
        self.a, self.b, self.options, self.seed = a, b, tuple(options), seed
        self._moments: dict = {}
        self._outputs: dict[str, dict] = {}

    def exact(self, view: Worldview) -> np.ndarray | None:
        """Exact option means, or None without the exact engine."""
        from agi_interventions.exact.engine import ExactEngine, applicability, structure_outputs

        if applicability(view) is not None:
            return None
        key = json.dumps(view.structure.record(), sort_keys=True, default=str)
        if key not in self._outputs:
            outputs = structure_outputs(view)
            self._outputs[key] = {o: outputs[o] for o in self.options}
        engine = ExactEngine(view, self._outputs[key], moment_cache=self._moments)
        return np.array([engine.mean(o) for o in self.options])

    def monte_carlo(self, view: Worldview) -> tuple[np.ndarray, np.ndarray]:
        """Monte Carlo option means and their standard errors (the same seed every time)."""
        from agi_interventions.montecarlo import summarise

        table = summarise(view, SWAP_DRAWS, self.seed).set_index("intervention")
        return (
            table.loc[list(self.options), "mean"].to_numpy(),
            table.loc[list(self.options), "mean_se"].to_numpy(),
        )


def _shapley_weights(d: int) -> np.ndarray:
    """``|S|! (d - |S| - 1)! / d!`` by subset size ``|S|`` (0 .. d - 1)."""
    return np.array(
        [math.factorial(s) * math.factorial(d - s - 1) / math.factorial(d) for s in range(d)]
    )


def shapley_from_subsets(values: np.ndarray, d: int) -> np.ndarray:
    """Shapley values of ``d`` players from a game's value on every subset.

    Parameters
    ----------
    values
        ``(2^d, ...)``: the value of each subset, indexed by its bit mask (player ``i`` is bit
        ``i``); trailing dimensions are separate games.
    d
        Number of players.

    Returns
    -------
    numpy.ndarray
        ``(d, ...)``: each player's Shapley value; they add up to ``values[-1] - values[0]``.
    """
    values = np.asarray(values, dtype=np.float64)
    masks = np.arange(2**d)
    sizes = np.array([bin(m).count("1") for m in masks])
    weights = _shapley_weights(d) if d else np.zeros(0)
    out = np.zeros((d, *values.shape[1:]))
    for i in range(d):
        without = masks[(masks >> i) & 1 == 0]
        gain = values[without | (1 << i)] - values[without]
        out[i] = np.tensordot(weights[sizes[without]], gain, axes=1)
    return out


def _lead_pair(means_a: np.ndarray, means_b: np.ndarray) -> tuple[int, int]:
    order_a = np.argsort(-means_a, kind="stable")
    winner_a, winner_b = int(order_a[0]), int(np.argmax(means_b))
    if winner_a != winner_b:
        return winner_a, winner_b
    return winner_a, int(order_a[1])


def compare_worldviews(
    a: Worldview, b: Worldview, options: Sequence[str], seed: int
) -> pd.DataFrame:
    """Swap each item from ``b`` into ``a`` alone, and attribute the change in the lead.

    Parameters
    ----------
    a
        The reference worldview.
    b
        The other worldview.
    options
        Output names of the options (e.g. the three interventions).
    seed
        Seed of the Monte Carlo means (hybrids without the exact engine) and of the sampled
        orderings (more than :data:`MAX_EXACT_ITEMS` items).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SWAP_COLUMNS` and ``mean_<option>``: a row ``(none)`` (the reference),
        one row per item swapped alone, and a row ``(all)`` (the other worldview). ``lead``
        and ``ratio`` are the first of ``lead_pair`` minus (over) the second;
        ``shapley_lead`` is the item's share of the change in the lead, with its standard
        error (0 when exact); ``method`` says how the means were obtained; ``note`` why a
        swap alone is not admissible.
    """
    options = tuple(options)
    items = swap_items(a, b)
    d = len(items)
    means = _Means(a, b, options, seed)
    names = [item.name for item in items]

    def view_of(mask: int) -> Worldview:
        return hybrid(a, b, {names[i] for i in range(d) if mask >> i & 1})

    end_a, end_b = means.exact(a), means.exact(b)
    singles = [1 << i for i in range(d)]
    exact_everywhere = end_a is not None and end_b is not None
    values: dict[int, np.ndarray] = {}
    errors: dict[int, np.ndarray] = {}
    notes: dict[int, str] = {}
    shapley = np.full((d, 2), np.nan)  # lead, relative lead
    shapley_se = np.full((d, 2), np.nan)
    method = "exact"

    def evaluate(mask: int) -> None:
        if mask in values or mask in notes:
            return
        try:
            view = view_of(mask)
        except HybridError as err:
            notes[mask] = str(err)
            return
        exact = means.exact(view) if exact_everywhere else None
        if exact is not None:
            values[mask], errors[mask] = exact, np.zeros(len(options))
        else:
            values[mask], errors[mask] = means.monte_carlo(view)

    for mask in (0, 2**d - 1):
        evaluate(mask)
    if 0 not in values or (2**d - 1) not in values:
        raise HybridError("the two worldviews themselves must be admissible")
    first, second = _lead_pair(values[0], values[2**d - 1])

    def leads(mask: int) -> tuple[np.ndarray, np.ndarray]:
        """Lead and relative lead at a subset, and their error variances."""
        v, e = values[mask], errors[mask]
        x, y = v[first], v[second]
        scale = abs(x) + abs(y)
        relative = (x - y) / scale if scale > 0 else 0.0
        # delta method for independent errors of x and y
        dx = (scale - (x - y) * np.sign(x)) / scale**2 if scale > 0 else 0.0
        dy = (-scale - (x - y) * np.sign(y)) / scale**2 if scale > 0 else 0.0
        var = np.array(
            [e[first] ** 2 + e[second] ** 2, (dx * e[first]) ** 2 + (dy * e[second]) ** 2]
        )
        return np.array([x - y, relative]), var

    if exact_everywhere and d <= MAX_EXACT_ITEMS:
        full = True
    elif exact_everywhere:
        full = False
        method = "exact means, sampled orderings"
        shapley, shapley_se = _sampled_shapley(d, evaluate, leads, notes, seed)
    else:
        full = d <= MAX_MONTE_CARLO_ITEMS
        method = "monte carlo"
    for mask in range(2**d) if full else [0, *singles, 2**d - 1]:
        evaluate(mask)
    if full and not any(m in notes for m in range(2**d)):
        pairs = [leads(m) for m in range(2**d)]
        shapley = shapley_from_subsets(np.stack([p[0] for p in pairs]), d)
        shapley_se = np.sqrt(shapley_from_subsets_variance(np.stack([p[1] for p in pairs]), d))
    elif full:
        method += " (no attribution: a combination of swaps is not admissible)"
    rows = []

    def row(item: str, kind: str, before: str, after: str, mask: int, k: int | None) -> None:
        v = values.get(mask)
        lead, relative = leads(mask)[0] if v is not None else (math.nan, math.nan)
        lead0 = float(values[0][first] - values[0][second])
        record = {
            "reference": a.name,
            "worldview": b.name,
            "item": item,
            "kind": kind,
            "before": before,
            "after": after,
            "winner": options[int(np.argmax(v))] if v is not None else "",
            "lead_pair": f"{options[first]}-{options[second]}",
            "lead": float(lead),
            "lead_change": float(lead) - lead0,
            "ratio": float(v[first] / v[second]) if v is not None and v[second] > 0 else math.nan,
            "relative_lead": float(relative),
            "shapley_lead": float(shapley[k, 0]) if k is not None else math.nan,
            "shapley_lead_se": float(shapley_se[k, 0]) if k is not None else math.nan,
            "shapley_relative_lead": float(shapley[k, 1]) if k is not None else math.nan,
            "shapley_relative_lead_se": float(shapley_se[k, 1]) if k is not None else math.nan,
            "method": method,
            "note": notes.get(mask, ""),
        }
        for j, option in enumerate(options):
            record[f"mean_{option}"] = float(v[j]) if v is not None else math.nan
        rows.append(record)

    row("(none)", "reference", a.name, a.name, 0, None)
    for i, item in enumerate(items):
        row(item.name, item.kind, item.before, item.after, 1 << i, i)
    row("(all)", "worldview", a.name, b.name, 2**d - 1, None)
    columns = [*SWAP_COLUMNS, *(f"mean_{o}" for o in options)]
    return pd.DataFrame(rows, columns=columns)


def shapley_from_subsets_variance(variances: np.ndarray, d: int) -> np.ndarray:
    """Variance of the Shapley values when each subset's value has an independent error.

    Parameters
    ----------
    variances
        ``(2^d, ...)``: the error variance of each subset's value.
    d
        Number of players.

    Returns
    -------
    numpy.ndarray
        ``(d, ...)``: ``sum_S coef_iS^2 var_S`` with ``coef_iS`` the weight of subset ``S`` in
        player ``i``'s Shapley value.
    """
    variances = np.asarray(variances, dtype=np.float64)
    masks = np.arange(2**d)
    sizes = np.array([bin(m).count("1") for m in masks])
    weights = _shapley_weights(d)
    out = np.zeros((d, *variances.shape[1:]))
    for i in range(d):
        coef = np.zeros(2**d)
        without = masks[(masks >> i) & 1 == 0]
        coef[without | (1 << i)] += weights[sizes[without]]
        coef[without] -= weights[sizes[without]]
        out[i] = np.tensordot(coef**2, variances, axes=1)
    return out


def _sampled_shapley(d, evaluate, leads, notes, seed):
    """Shapley values of the two leads from random orderings (exact means at every step)."""
    rng = np.random.default_rng(seed)
    contributions = np.zeros((ORDERINGS, d, 2))
    for r in range(ORDERINGS):
        mask = 0
        for i in rng.permutation(d):
            nxt = mask | (1 << int(i))
            evaluate(nxt)
            if nxt in notes:
                return np.full((d, 2), np.nan), np.full((d, 2), np.nan)
            contributions[r, i] = leads(nxt)[0] - leads(mask)[0]
            mask = nxt
    return contributions.mean(axis=0), contributions.std(axis=0, ddof=1) / np.sqrt(ORDERINGS)


def pair_label(pair: str) -> str:
    """``a_CV-a_V`` to ``Cooperation, aligned over Alignment``."""
    first, second = pair.split("-", 1)
    return f"{label(first)} over {label(second)}"


__all__ = [
    "MAX_EXACT_ITEMS",
    "SWAP_COLUMNS",
    "HybridError",
    "SwapItem",
    "compare_worldviews",
    "hybrid",
    "shapley_from_subsets",
    "swap_items",
]
