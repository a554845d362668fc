"""Pipeline steps: one function per Snakemake rule, from inputs and settings to tables.

The functions take data already read and return tables or records; reading and writing files
is the command line's job (:mod:`agi_interventions.cli`). The design and the chunked steps work
on ranges of blocks (:mod:`agi_interventions.design`), so that memory scales with a chunk.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agi_interventions.consistency import add_counts, check_counts
from agi_interventions.parameters import INTERVENTIONS, OUTPUTS, PARAMETER_NAMES, REST_OF_WORLD
from agi_interventions.population import fractions_from_rest_of_world
from agi_interventions.seeds import derive_seed
from agi_interventions.simulation import evaluate
from agi_interventions.store import ab_column

if TYPE_CHECKING:
    from agi_interventions.design import SobolDesign

logger = logging.getLogger(__name__)

#: Pairwise differences whose indices say which beliefs move the choice.
DIFFERENCES: tuple[tuple[str, str], ...] = (
    ("a_CnotV", "a_V"),
    ("a_CV", "a_V"),
    ("a_CnotV", "a_CV"),
)

#: Base points per batch of the design and the chunked steps (bounds their memory).
DESIGN_BATCH = 2**15
BATCH_POINTS = 2**15
#: Most rows used by the methods whose cost grows faster than the number of draws
#: (regression EVPPI and switching, PAWN); larger samples are subsampled.
SUBSAMPLE_ROWS = 2**16


def difference_name(first: str, second: str) -> str:
    """Return the output name of ``first - second``, e.g. ``a_CnotV-a_V``."""
    return f"{first}-{second}"


def indicator_name(winner: str) -> str:
    """Return the output name of the indicator that ``winner`` is the per-draw best."""
    return f"best_is_{winner}"


class Progress:
    """Log rows done, rate and time left of a long loop, at most every ``interval`` seconds."""

    def __init__(self, what: str, total: int, interval: float = 10.0) -> None:
        self.what, self.total, self.interval = what, total, interval
        self.start = self.last = time.perf_counter()
        self.done = 0

    def advance(self, rows: int) -> None:
        """Count ``rows`` more rows and log if the interval has passed or the loop is done."""
        self.done += rows
        now = time.perf_counter()
        if now - self.last < self.interval and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        logger.info(
            "%s: %d of %d rows (%.0f%%), %.3g rows/s, %.0f s left",
            self.what,
            self.done,
            self.total,
            100.0 * self.done / self.total,
            rate,
            left,
        )


# ----------------------------------------------------------------------------- design


def input_columns(design: SobolDesign) -> list[str]:
    """Input columns stored with the draws: canonical parameters, then rest-of-world ones."""
    extra = [name for name in design.worldview.priors if name in REST_OF_WORLD]
    return [*PARAMETER_NAMES, *extra]


def draw_design(design: SobolDesign) -> Iterator[pd.DataFrame]:
    """Map the design's ``A`` and ``B`` rows through the priors and evaluate the model.

    Parameters
    ----------
    design
        The worldview's design.

    Yields
    ------
    pandas.DataFrame
        Batches of independent draws, interleaved per base point (``A_i, B_i``): ``base_index``,
        ``matrix`` (``A`` or ``B``), every input, every output and ``consistent``.
    """
    n = design.n_base
    columns = input_columns(design)
    progress = Progress(f"{design.worldview.name}: design", 2 * n)
    for start in range(0, n, DESIGN_BATCH):
        stop = min(n, start + DESIGN_BATCH)
        unit_a, unit_b = design.unit(start, stop)
        inputs_a, inputs_b = design.map_unit(unit_a), design.map_unit(unit_b)
        out_a, out_b = evaluate(inputs_a), evaluate(inputs_b)
        size = stop - start
        frame: dict[str, np.ndarray] = {
            "base_index": np.repeat(np.arange(start, stop, dtype=np.int64), 2),
            "matrix": np.tile(np.array(["A", "B"], dtype=object), size),
        }
        for name in columns:
            frame[name] = _interleave(inputs_a[name], inputs_b[name])
        for name in (*OUTPUTS, "consistent"):
            frame[name] = _interleave(out_a[name], out_b[name])
        progress.advance(2 * size)
        yield pd.DataFrame(frame)


def _interleave(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(2 * a.size, dtype=np.result_type(a, b))
    out[0::2], out[1::2] = a, b
    return out


def design_record(design: SobolDesign, values: pd.DataFrame, chunks: int) -> dict:
    """Record the design's settings and the reference values the streamed steps need.

    Parameters
    ----------
    design
        The worldview's design.
    values
        The interventions' values at the ``2N`` independent draws.
    chunks
        Number of chunks of the evaluation.

    Returns
    -------
    dict
        Settings (N, seed, parameters, blocks, chunks), the winner by mean, the mean of every
        Sobol output over the independent draws (``shift``) and the asinh scales.
    """
    from agi_interventions.robust import asinh_scale
    from agi_interventions.stats import winner_by_mean

    winner = winner_by_mean(values)
    scales = {o: asinh_scale(values[o].to_numpy()) for o in INTERVENTIONS}
    outputs = sobol_outputs({o: values[o].to_numpy() for o in INTERVENTIONS}, winner, scales)
    shift = {}
    for key, y in outputs.items():
        finite = y[np.isfinite(y)]
        shift[key] = float(finite.mean()) if finite.size else 0.0
    return {
        "worldview": design.worldview.name,
        "parametrisation": design.worldview.parametrisation,
        "n_base": design.n_base,
        "seed": design.seed,
        "design_seed": design.design_seed,
        "parameters": design.parameters,
        "inputs": list(design.worldview.priors),
        "n_blocks": design.n_blocks,
        "block_size": design.block_size,
        "chunks": chunks,
        "n_evaluations": design.n_evaluations,
        "winner": winner,
        "asinh_scale": scales,
        "shift": shift,
    }


def chunk_blocks(record: Mapping, chunk: int) -> tuple[int, int]:
    """Blocks ``[first, stop)`` of one chunk."""
    per_chunk = record["n_blocks"] // record["chunks"]
    if not 0 <= chunk < record["chunks"]:
        raise ValueError(f"chunk {chunk} outside [0, {record['chunks']})")
    return chunk * per_chunk, (chunk + 1) * per_chunk


# ----------------------------------------------------------------------------- chunks


def evaluate_chunk(
    record: Mapping, draws: pd.DataFrame, start: int, stop: int
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Evaluate the ``AB_j`` rows of base points ``[start, stop)`` by column swap.

    Parameters
    ----------
    record
        The design record (:func:`design_record`): parameters, inputs, parametrisation.
    draws
        The worldview's sampled inputs at the independent draws of those base points
        (rows ``2 start .. 2 stop``, interleaved ``A``, ``B``).
    start, stop
        Base points.

    Returns
    -------
    tuple
        The interventions' values at every ``AB_j`` row (one row per base point, one column
        per intervention and parameter, :func:`agi_interventions.store.ab_column`) and the
        diagnostic counts over those rows.
    """
    inputs_a = {k: draws[k].to_numpy()[0::2] for k in record["inputs"]}
    inputs_b = {k: draws[k].to_numpy()[1::2] for k in record["inputs"]}
    frame: dict[str, np.ndarray] = {"base_index": np.arange(start, stop, dtype=np.int64)}
    counts: dict[str, int] = {}
    progress = Progress(
        f"{record['worldview']}: AB rows", (stop - start) * len(record["parameters"])
    )
    for parameter in record["parameters"]:
        inputs = dict(inputs_a)
        inputs[parameter] = inputs_b[parameter]
        if record["parametrisation"] == "rest_of_world":
            inputs.update(fractions_from_rest_of_world(inputs))
        outputs = evaluate(inputs)
        for output in INTERVENTIONS:
            frame[ab_column(output, parameter)] = outputs[output]
        counts = add_counts(counts, check_counts(inputs, outputs, OUTPUTS))
        progress.advance(stop - start)
    return pd.DataFrame(frame), counts


def sobol_outputs(
    values: Mapping[str, np.ndarray], winner: str, scales: Mapping[str, float]
) -> dict[str, np.ndarray]:
    """Every output with Sobol indices, from the interventions' values at some rows.

    Keys are ``raw:<intervention>``, ``decision:<difference>``,
    ``decision:best_is_<winner>`` (1 where the winner's value is the largest, ties count,
    NaN where a value is not finite) and ``asinh:<intervention>``.
    """
    out = {f"raw:{o}": np.asarray(values[o], dtype=np.float64) for o in INTERVENTIONS}
    for first, second in DIFFERENCES:
        out[f"decision:{difference_name(first, second)}"] = values[first] - values[second]
    stacked = np.column_stack([values[o] for o in INTERVENTIONS])
    with np.errstate(invalid="ignore"):
        best = (values[winner] >= stacked.max(axis=1)).astype(np.float64)
    best[~np.isfinite(stacked).all(axis=1)] = np.nan
    out[f"decision:{indicator_name(winner)}"] = best
    for o in INTERVENTIONS:
        out[f"asinh:{o}"] = np.arcsinh(np.asarray(values[o]) / scales[o])
    return out


def sobol_chunk(
    record: Mapping,
    batches: Iterable[tuple[int, int, pd.DataFrame, pd.DataFrame]],
    resamples: int,
) -> dict[str, np.ndarray]:
    """Saltelli/Jansen sums of every Sobol output over one chunk's blocks.

    Parameters
    ----------
    record
        The design record (:func:`design_record`).
    batches
        In block order, runs of whole blocks: ``(first_block, stop_block, draws, ab)`` with
        the interventions' values at those blocks' independent draws (interleaved A, B) and
        at their ``AB_j`` rows (:func:`evaluate_chunk`).
    resamples
        Bootstrap resamples.

    Returns
    -------
    dict of str to numpy.ndarray
        Per Sobol output, its summed statistics over the chunk (``(R + 1, 5 + 3 D)``), and
        ``level``: log2 of the number of blocks summed.
    """
    from agi_interventions.sensitivity import (
        TreeSum,
        block_sums,
        block_terms,
        bootstrap_weights,
    )

    size = record["block_size"]
    seed = derive_seed(record["seed"], "sobol-bootstrap")
    winner, scales = record["winner"], record["asinh_scale"]
    trees: dict[str, TreeSum] = {}
    for first, stop, draws, ab in batches:
        outs_a = sobol_outputs(
            {o: draws[o].to_numpy()[0::2] for o in INTERVENTIONS}, winner, scales
        )
        outs_b = sobol_outputs(
            {o: draws[o].to_numpy()[1::2] for o in INTERVENTIONS}, winner, scales
        )
        outs_ab = [
            sobol_outputs(
                {o: ab[ab_column(o, p)].to_numpy() for o in INTERVENTIONS}, winner, scales
            )
            for p in record["parameters"]
        ]
        weights = np.stack(
            [bootstrap_weights(size, resamples, seed, block) for block in range(first, stop)]
        )
        for key in outs_a:
            ab_matrix = np.column_stack([o[key] for o in outs_ab])
            terms = block_terms(outs_a[key], outs_b[key], ab_matrix, record["shift"][key])
            tree = trees.setdefault(key, TreeSum())
            for sums in block_sums(terms, weights):
                tree.add(sums)
    result = {}
    level = 0
    for key, tree in trees.items():
        level, result[key] = tree.result()
    result["level"] = np.array(level)
    return result


def block_batches(record: Mapping, chunk: int) -> list[tuple[int, int]]:
    """Split one chunk into runs of whole blocks, each at most :data:`BATCH_POINTS` base points."""
    first, stop = chunk_blocks(record, chunk)
    per_batch = max(1, BATCH_POINTS // record["block_size"])
    return [(b, min(stop, b + per_batch)) for b in range(first, stop, per_batch)]


# ----------------------------------------------------------------------------- Sobol tables


def merge_sobol(record: Mapping, chunks: Sequence[Mapping[str, np.ndarray]]) -> dict[str, dict]:
    """Add the chunks' sums in the design's fixed tree and compute every output's indices."""
    from agi_interventions.sensitivity import TreeSum, indices_from_sums

    trees: dict[str, TreeSum] = {}
    for part in chunks:
        level = int(part["level"])
        for key, sums in part.items():
            if key != "level":
                trees.setdefault(key, TreeSum()).add(sums, level)
    return {key: indices_from_sums(tree.result()[1]) for key, tree in trees.items()}


def sobol_tables(
    record: Mapping, chunks: Sequence[Mapping[str, np.ndarray]], exact: object | None
) -> dict[str, pd.DataFrame]:
    """Compute the three Sobol tables from the chunks' sums.

    Parameters
    ----------
    record
        The design record.
    chunks
        Every chunk's sums, in chunk order (:func:`sobol_chunk`).
    exact
        The worldview's :class:`agi_interventions.exact.ExactEngine`, or None.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``sobol`` (the interventions), ``sobol_decision`` (pairwise differences and the
        winner indicator) and ``sobol_asinh`` (``asinh(value / scale)``, with the scale):
        columns ``output, parameter, S1, S1_conf, ST, ST_conf, S1_exact, ST_exact, flag``
        (``S1_exact``, ``ST_exact``: exact indices where the model's structure gives them,
        else empty; ``flag``: a Monte Carlo index that cannot be).
    """
    from agi_interventions.sensitivity import flag_indices, sobol_frame

    results = merge_sobol(record, chunks)
    parameters = record["parameters"]
    exact_frame = None
    if exact is not None:
        from agi_interventions.exact.tables import exact_sobol

        names = [*INTERVENTIONS, *(difference_name(a, b) for a, b in DIFFERENCES)]
        exact_frame = exact_sobol(exact, names)
    tables: dict[str, list[pd.DataFrame]] = {"raw": [], "decision": [], "asinh": []}
    for key, result in results.items():
        kind, _, output = key.partition(":")
        frame = sobol_frame(output, parameters, result)
        if kind == "asinh":
            frame["asinh_scale"] = record["asinh_scale"][output]
        elif exact_frame is not None:
            frame = frame.merge(exact_frame, on=["output", "parameter"], how="left")
        if kind != "asinh":
            for column in ("S1_exact", "ST_exact"):
                if column not in frame:
                    frame[column] = np.nan
        frame["flag"] = flag_indices(frame)
        tables[kind].append(frame)
    return {
        "sobol": pd.concat(tables["raw"], ignore_index=True),
        "sobol_decision": pd.concat(tables["decision"], ignore_index=True),
        "sobol_asinh": pd.concat(tables["asinh"], ignore_index=True),
    }


# ----------------------------------------------------------------------------- draws-based


def finite_draws(inputs: pd.DataFrame, values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave out the draws with a non-finite value (logged; counted in the diagnostics)."""
    from agi_interventions.stats import finite_mask

    finite = finite_mask(values)
    if finite.all():
        return inputs, values
    logger.warning(
        "%d draws with non-finite values left out of the decision analysis (counted in "
        "diagnostics.csv)",
        int((~finite).sum()),
    )
    return inputs.loc[finite].reset_index(drop=True), values.loc[finite].reset_index(drop=True)


def subsample(n: int, limit: int, seed: int) -> np.ndarray:
    """Row indices of a uniform subsample of at most ``limit`` of ``n`` rows (sorted)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


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


def exact_engine(worldview) -> tuple[object | None, str]:
    """Build the worldview's exact engine, or return None and the reason it does not apply.

    Parameters
    ----------
    worldview
        Validated priors.

    Returns
    -------
    tuple
        :class:`agi_interventions.exact.ExactEngine` (or None) and a sentence: empty when
        the engine applies, else why not.
    """
    from agi_interventions.exact import ExactEngine, applicability
    from agi_interventions.exact.moments import MomentError

    reason = applicability(worldview)
    if reason is not None:
        return None, reason
    try:
        return ExactEngine(worldview), ""
    except MomentError as err:
        return None, f"a prior moment the exact engine needs is not finite ({err})"


def rank_tables(values: pd.DataFrame, exact: object | None = None) -> dict[str, pd.DataFrame]:
    """Ranking (means, P(best)) and pairwise comparisons from the independent draws.

    Parameters
    ----------
    values
        The interventions' values at the independent draws.
    exact
        The exact engine, or None; it adds each intervention's exact mean.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``ranking`` (with ``mean_exact``, empty without the engine) and ``pairwise``.
    """
    from agi_interventions.ranking import pairwise_comparisons, rank_interventions

    ranking = rank_interventions(values)
    ranking["mean_exact"] = [
        exact.mean(o) if exact is not None else np.nan for o in ranking["intervention"]
    ]
    return {"ranking": ranking, "pairwise": pairwise_comparisons(values)}


def diagnostics_tables(
    draw_batches: Iterable[pd.DataFrame], chunk_counts: Sequence[Mapping[str, int]]
) -> pd.DataFrame:
    """Inconsistent inputs and non-finite outputs over all evaluations and the draws.

    Parameters
    ----------
    draw_batches
        The independent draws (the consistency inputs and the outputs), in batches of rows.
    chunk_counts
        The counts over every chunk's ``AB_j`` rows (:func:`evaluate_chunk`).

    Returns
    -------
    pandas.DataFrame
        See :func:`agi_interventions.consistency.diagnostics_table`.
    """
    from agi_interventions.consistency import diagnostics_table

    independent: dict[str, int] = {}
    for batch in draw_batches:
        independent = add_counts(independent, check_counts(batch, batch, OUTPUTS))
    return diagnostics_table(
        {
            "all evaluations": add_counts(independent, *chunk_counts),
            "independent draws": independent,
        }
    )


def robustness_tables(
    inputs: pd.DataFrame,
    values: pd.DataFrame,
    sobol: pd.DataFrame,
    sobol_asinh: pd.DataFrame,
    *,
    seed: int,
    rank_shift: int,
) -> dict[str, pd.DataFrame]:
    """PAWN indices and the comparison of parameter ranks across sensitivity methods.

    Parameters
    ----------
    inputs
        Uncertain inputs at the independent draws.
    values
        The interventions' values there.
    sobol, sobol_asinh
        Sobol indices of the raw and asinh-transformed values.
    seed
        Configuration seed.
    rank_shift
        Rank difference beyond which a parameter is flagged.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``pawn`` (with ``rows``, the draws used: at most :data:`SUBSAMPLE_ROWS`) and
        ``method_comparison``.
    """
    from agi_interventions.robust import compare_rankings, moment_independent_indices

    keep = subsample(len(inputs), SUBSAMPLE_ROWS, derive_seed(seed, "pawn-subsample"))
    inputs, values = inputs.iloc[keep], values.iloc[keep]
    pawn_frames, comparisons = [], []
    for output in INTERVENTIONS:
        logger.info("PAWN indices for %s on %d draws", output, len(keep))
        pawn = moment_independent_indices(
            inputs, values[output].to_numpy(), seed=derive_seed(seed, f"pawn:{output}")
        )
        pawn.insert(0, "output", output)
        pawn["rows"] = len(keep)
        pawn_frames.append(pawn)
        importances = {
            "sobol_ST": sobol.loc[sobol["output"] == output].set_index("parameter")["ST"],
            "sobol_ST_asinh": sobol_asinh.loc[sobol_asinh["output"] == output].set_index(
                "parameter"
            )["ST"],
            "pawn": pawn.set_index("parameter")["index"],
        }
        comparison = compare_rankings(importances, max_rank_shift=rank_shift)
        comparison.insert(0, "output", output)
        comparisons.append(comparison)
    return {
        "pawn": pd.concat(pawn_frames, ignore_index=True),
        "method_comparison": pd.concat(comparisons, ignore_index=True),
    }


def resolve_groups(
    groups: Mapping[str, Sequence[str]], inputs: Sequence[str]
) -> dict[str, list[str]]:
    """Map parameter groups onto the uncertain inputs actually sampled.

    Under the rest-of-world parametrisation ``R_V``, ``R_CV`` and ``R_CnotV`` stand in for
    ``F_V``, ``F_CV`` and ``F_CnotV``; fixed parameters are dropped, and a group left empty is
    dropped (logged).

    Parameters
    ----------
    groups
        Group name to parameter names.
    inputs
        Names of the uncertain inputs.

    Returns
    -------
    dict of str to list of str
        Group name to the uncertain inputs it covers.
    """
    stand_in = {"F_V": "R_V", "F_CV": "R_CV", "F_CnotV": "R_CnotV"}
    available = set(inputs)
    resolved: dict[str, list[str]] = {}
    for name, members in groups.items():
        mapped: list[str] = []
        for member in members:
            if member not in available and stand_in.get(member) in available:
                member = stand_in[member]
            if member in available and member not in mapped:
                mapped.append(member)
        if mapped:
            resolved[name] = mapped
        else:
            logger.info("group %s has no uncertain inputs; left out", name)
    return resolved


def decision_tables(
    worldview,
    inputs: pd.DataFrame,
    values: pd.DataFrame,
    settings: DecisionSettings,
    *,
    seed: int,
    exact: object | None,
) -> dict[str, pd.DataFrame]:
    """Value of information, expected loss and switching values.

    Parameters
    ----------
    worldview
        Validated priors.
    inputs
        Uncertain inputs at the independent draws.
    values
        The interventions' values there.
    settings
        Decision-analysis settings.
    seed
        Configuration seed.
    exact
        The exact engine, or None.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``value_of_information``, ``expected_loss``, ``switching`` and
        ``switching_curves``; where the exact engine applies, exact values stand beside the Monte
        Carlo estimates (``value_exact``, ``se_exact``; ``method`` rows of switching values;
        ``mean_exact`` of the curves).
    """
    from agi_interventions.switching import conditional_means, switching_table
    from agi_interventions.voi import expected_loss_table, value_of_information_table

    inputs, values = finite_draws(inputs, values)
    keep = subsample(len(values), SUBSAMPLE_ROWS, derive_seed(seed, "decision-subsample"))
    groups = resolve_groups(settings.groups, list(inputs.columns))
    logger.info("value of information on %d of %d draws", len(keep), len(values))
    voi = value_of_information_table(
        values.iloc[keep],
        inputs.iloc[keep],
        groups,
        n_bootstrap=settings.evppi_bootstrap,
        seed=derive_seed(seed, "voi"),
    )
    switching = switching_table(
        inputs.iloc[keep],
        values.iloc[keep],
        n_bootstrap=settings.evppi_bootstrap,
        seed=derive_seed(seed, "switching"),
    )
    switching.insert(0, "method", "monte carlo")
    switching["rows"] = len(keep)
    if exact is not None:
        from agi_interventions.exact.tables import exact_switching, exact_value_of_information

        exact_voi = exact_value_of_information(
            exact, list(INTERVENTIONS), groups, n_draws=settings.exact_draws, seed=seed
        )
        voi = voi.merge(exact_voi, on=["name", "kind"], how="left")
        exact_switches = exact_switching(exact, list(INTERVENTIONS))
        exact_switches.insert(0, "method", "exact")
        switching = pd.concat([exact_switches, switching], ignore_index=True)
    else:
        voi["value_exact"] = np.nan
        voi["se_exact"] = np.nan
    ranked = voi.loc[voi["kind"] == "parameter"].assign(
        order=lambda t: t["value_exact"].fillna(t["value"])
    )
    top = ranked.sort_values("order", ascending=False, kind="stable")["name"].head(
        settings.top_parameters
    )
    curves = []
    for name in top:
        frame = conditional_means(inputs[name].to_numpy(), values, n_bins=settings.switching_bins)
        frame.insert(0, "parameter", name)
        if exact is not None:
            frame["mean_exact"] = [
                float(exact.conditional_mean(o, {name: np.array([x])})[0])
                for o, x in zip(frame["intervention"], frame["x_mid"], strict=True)
            ]
        else:
            frame["mean_exact"] = np.nan
        curves.append(frame)
    return {
        "value_of_information": voi,
        "expected_loss": expected_loss_table(values),
        "switching": switching,
        "switching_curves": pd.concat(curves, ignore_index=True),
    }


def scenario_tables(
    inputs: pd.DataFrame, values: pd.DataFrame, settings: DecisionSettings, *, seed: int
) -> dict[str, pd.DataFrame]:
    """PRIM boxes: regions of belief where each intervention is the per-draw best.

    Parameters
    ----------
    inputs
        Uncertain inputs at the independent draws.
    values
        The interventions' values there.
    settings
        Decision-analysis settings (PRIM threshold and peeling fraction).
    seed
        Configuration seed.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``prim_boxes`` (PRIM runs on at most :data:`SUBSAMPLE_ROWS` draws; column ``rows``).
    """
    from agi_interventions.scenarios import prim_boxes

    inputs, values = finite_draws(inputs, values)
    logger.info("PRIM scenario discovery")
    boxes = prim_boxes(
        inputs,
        values.idxmax(axis=1).to_numpy(),
        threshold=settings.prim_threshold,
        peel_alpha=settings.prim_peel_alpha,
        max_rows=SUBSAMPLE_ROWS,
        seed=derive_seed(seed, "prim"),
    )
    return {"prim_boxes": boxes}
