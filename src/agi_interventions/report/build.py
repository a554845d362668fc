"""Assemble one worldview's report from the pipeline's result files.

:func:`draw_figures` renders every figure to PNG files; :func:`build_report` reads the tables
and figures and returns the self-contained HTML page. Both take explicit paths, so the
Snakemake rules stay one call each.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from agi_interventions import narrative
from agi_interventions.parameters import ALIGNMENT_CHANNELS, INTERVENTIONS
from agi_interventions.priors import load_worldview
from agi_interventions.report.decision_figures import (
    DECISION_FIGURE_CAPTIONS,
    evppi_bars,
    switching_curves,
)
from agi_interventions.report.figures import figure_png, report_figures, sobol_bars
from agi_interventions.report.html import (
    ReportContext,
    ReportSection,
    prior_rows,
    render_report,
)

logger = logging.getLogger(__name__)

#: File names (without .png) of the core figures and of the decision-analysis figures.
FIGURE_SETS: dict[str, tuple[str, ...]] = {
    "core": ("marginal_values", "p_best", "sobol", "alignment_channels"),
    "decision": ("sobol_decision", "evppi", "switching"),
}
FIGURE_NAMES = FIGURE_SETS["core"] + FIGURE_SETS["decision"]

SOBOL_DECISION_CAPTION = (
    "Sobol indices of the choice: of the pairwise differences of marginal values and of the "
    "indicator that the winner by mean is the per-draw best (95% bootstrap intervals; "
    "diamonds: exact values where the model's structure gives them)."
)


@dataclass(frozen=True)
class ResultFiles:
    """Paths of one worldview's result files.

    Attributes
    ----------
    draws, design, sobol, sobol_decision, sobol_asinh, ranking, pairwise, diagnostics,
    resolution, mc_error, provenance
        Core outputs.
    pawn, method_comparison, value_of_information, expected_loss, switching,
    switching_curves, prim_boxes
        Decision-analysis outputs.
    """

    draws: Path
    design: Path
    sobol: Path
    sobol_decision: Path
    sobol_asinh: Path
    ranking: Path
    pairwise: Path
    diagnostics: Path
    resolution: Path
    mc_error: Path
    provenance: Path
    pawn: Path
    method_comparison: Path
    value_of_information: Path
    expected_loss: Path
    switching: Path
    switching_curves: Path
    prim_boxes: Path

    @classmethod
    def in_folder(cls, folder: str | Path) -> ResultFiles:
        """Return the standard file names inside a worldview's result folder."""
        folder = Path(folder)
        names = {
            "draws": "draws.parquet",
            "design": "design.json",
            "provenance": "provenance.json",
        }
        return cls(
            **{
                field: folder / names.get(field, f"{field}.csv")
                for field in cls.__dataclass_fields__
            }
        )


def _independent_values(draws: Path) -> pd.DataFrame:
    return pd.read_parquet(draws, columns=[*INTERVENTIONS, *ALIGNMENT_CHANNELS])


def draw_figures(files: ResultFiles, out_dir: str | Path, which: str = "core") -> dict[str, Path]:
    """Render one set of report figures to ``<out_dir>/<name>.png``.

    Parameters
    ----------
    files
        The worldview's result files.
    out_dir
        Folder of the PNG files.
    which
        ``core`` (distributions, P(best), Sobol, alignment channels; needs only the core
        tables) or ``decision`` (decision Sobol, EVPPI, switching curves).

    Returns
    -------
    dict of str to pathlib.Path
        Figure name to file, for every name in ``FIGURE_SETS[which]``.
    """
    from agi_interventions import io

    out_dir = Path(out_dir)
    if which == "core":
        pngs = report_figures(
            _independent_values(files.draws),
            pd.read_csv(files.sobol),
            pd.read_csv(files.ranking),
        )
    elif which == "decision":
        pngs = {
            "sobol_decision": figure_png(sobol_bars(pd.read_csv(files.sobol_decision))),
            "evppi": figure_png(evppi_bars(pd.read_csv(files.value_of_information))),
            "switching": figure_png(
                switching_curves(pd.read_csv(files.switching_curves), pd.read_csv(files.switching))
            ),
        }
    else:
        raise ValueError(f"unknown figure set {which!r} (known: {', '.join(FIGURE_SETS)})")
    paths = {}
    for name in FIGURE_SETS[which]:
        paths[name] = out_dir / f"{name}.png"
        io.write_bytes(pngs[name], paths[name])
        logger.info("wrote %s", paths[name])
    return paths


def _top_comparison(comparison: pd.DataFrame, per_output: int = 8) -> pd.DataFrame:
    order = {name: i for i, name in enumerate(INTERVENTIONS)}
    return (
        comparison.assign(_order=comparison["output"].map(order))
        .sort_values(["_order", "mean_rank"], kind="stable")
        .groupby("output", sort=False)
        .head(per_output)
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def budget_section(files: ResultFiles) -> ReportSection:
    """Build the Monte Carlo error budget section: does N resolve what the report leads with."""
    return ReportSection(
        title="Monte Carlo error budget",
        paragraphs=narrative.resolution_sentences(pd.read_csv(files.resolution)),
        tables=[
            ("Is N large enough for what the report leads with?", pd.read_csv(files.resolution)),
            (
                "Every headline number with its 95% Monte Carlo half-width",
                pd.read_csv(files.mc_error),
            ),
        ],
    )


def decision_sections(
    files: ResultFiles, figures: Mapping[str, Path], rank_shift: int, reason: str
) -> list[ReportSection]:
    """Build the report sections of the decision analysis.

    Parameters
    ----------
    files
        The worldview's result files.
    figures
        Figure name to PNG file (from :func:`draw_figures`).
    rank_shift
        Rank shift beyond which the method comparison flags a parameter.
    reason
        Why exact values are not available (empty when they are).

    Returns
    -------
    list of ReportSection
        "What would change our mind", sensitivity of the choice and tail-robust sensitivity.
    """
    ranking = pd.read_csv(files.ranking)
    voi = pd.read_csv(files.value_of_information)
    boxes = pd.read_csv(files.prim_boxes)
    switching = pd.read_csv(files.switching)
    comparison = pd.read_csv(files.method_comparison)
    pawn = pd.read_csv(files.pawn)
    sobol_decision = pd.read_csv(files.sobol_decision)
    asinh = pd.read_csv(files.sobol_asinh)
    scales = asinh.drop_duplicates("output").set_index("output")["asinh_scale"]
    winner = narrative.winner(ranking)
    total = int(ranking["n"].iloc[0])
    threshold = float(boxes["threshold"].iloc[0]) if len(boxes) else 1.0
    change_mind = ReportSection(
        title="What would change our mind",
        paragraphs=[
            *narrative.value_of_information_sentences(voi, ranking, reason),
            narrative.subsample_sentence(
                int(voi["rows"].iloc[0]), total, "The regression estimates of EVPPI"
            ),
            *narrative.switching_sentences(switching, voi),
            *narrative.scenario_sentences(boxes, threshold),
        ],
        figures={
            DECISION_FIGURE_CAPTIONS["evppi"]: figures["evppi"],
            DECISION_FIGURE_CAPTIONS["switching"]: figures["switching"],
        },
        tables=[
            ("Value of information (marginal-value units)", voi),
            ("Expected loss of committing to each intervention", pd.read_csv(files.expected_loss)),
            ("Switching values", switching),
            ("PRIM boxes: where each intervention is the per-draw best", boxes),
        ],
    )
    choice = ReportSection(
        title="Which beliefs move the choice (decision-focused Sobol)",
        paragraphs=[
            "Outputs: the pairwise differences of marginal values, and "
            f"{'best_is_' + winner}, the indicator that the winner by mean ({winner}) is the "
            "per-draw best.",
            *narrative.sobol_sentences(sobol_decision),
        ],
        figures={SOBOL_DECISION_CAPTION: figures["sobol_decision"]},
    )
    robust = ReportSection(
        title="Tail-robust sensitivity",
        paragraphs=[
            "Marginal values are products of uncertain factors and heavy-tailed, so variance-"
            "based indices can rest on a few draws. Each parameter is ranked by Sobol ST of "
            "the raw value, by Sobol ST of asinh(value / scale) with scale = "
            + ", ".join(f"{scales[o]:.3g} for {o}" for o in scales.index)
            + " (median absolute value), and by the PAWN moment-independent index.",
            narrative.subsample_sentence(int(pawn["rows"].iloc[0]), total, "PAWN"),
            *narrative.robustness_sentences(comparison, rank_shift),
        ],
        tables=[
            (
                "Parameter rank per method (top 8 per output by mean rank)",
                _top_comparison(comparison),
            )
        ],
    )
    return [change_mind, choice, robust]


def build_report(
    files: ResultFiles,
    figures: Mapping[str, Path],
    priors: str | Path,
    worldview: str,
    rank_shift: int = 2,
    decision: bool = True,
) -> str:
    """Read one worldview's results and render its self-contained HTML report.

    Parameters
    ----------
    files
        The worldview's result files.
    figures
        Figure name to PNG file (every name in :data:`FIGURE_NAMES`).
    priors
        The worldview's prior file.
    worldview
        Worldview name.
    rank_shift
        Rank shift beyond which the method comparison flags a parameter.
    decision
        Whether to include the decision-analysis sections (their files must exist).

    Returns
    -------
    str
        The HTML document.
    """
    from agi_interventions.exact import applicability

    view = load_worldview(priors, name=worldview)
    reason = applicability(view) or ""
    sections = decision_sections(files, figures, rank_shift, reason) if decision else []
    sections.append(budget_section(files))
    context = ReportContext(
        worldview=worldview,
        description=view.description,
        parametrisation=view.parametrisation,
        priors=prior_rows(view),
        ranking=pd.read_csv(files.ranking),
        pairwise=pd.read_csv(files.pairwise),
        diagnostics=pd.read_csv(files.diagnostics),
        sobol=pd.read_csv(files.sobol),
        figures={name: figures[name] for name in FIGURE_SETS["core"]},
        provenance=json.loads(Path(files.provenance).read_text(encoding="utf-8")),
        sections=sections,
        values=_independent_values(files.draws),
    )
    return render_report(context)
