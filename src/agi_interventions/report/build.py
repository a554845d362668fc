"""Assemble one worldview's report from its results.

:func:`draw_figures` draws a set of figures as PNG bytes and :func:`build_report` returns the
self-contained HTML page; both take a :class:`agi_interventions.results.WorldviewResults`, read
from a result folder (the pipeline) or returned by :func:`agi_interventions.api.analyse`.
Sentences come from :mod:`agi_interventions.narrative`, table builders from
:mod:`agi_interventions.report.tables`, the page from :mod:`agi_interventions.report.html`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd

from agi_interventions import narrative
from agi_interventions.parameters import display as display_name
from agi_interventions.report import display
from agi_interventions.report.captions import (
    DECISION_FIGURE_CAPTIONS,
    FIGURE_CAPTIONS,
    FIGURE_NAMES,
    FIGURE_SETS,
    SOBOL_DECISION_CAPTION,
)
from agi_interventions.report.html import ReportContext, ReportSection, render_report
from agi_interventions.report.tables import (
    Table,
    diagnostics_table,
    frame_table,
    pairwise_tables,
    prior_rows,
    prior_table,
)
from agi_interventions.results import WorldviewResults

logger = logging.getLogger(__name__)

__all__ = ["FIGURE_NAMES", "FIGURE_SETS", "build_report", "draw_figures", "figures_of"]


def draw_figures(results: WorldviewResults, which: str = "core") -> dict[str, bytes]:
    """Draw one set of report figures as PNG bytes.

    Parameters
    ----------
    results
        A worldview's results.
    which
        ``core`` (distributions, P(best), Sobol, alignment channels) or ``decision`` (Sobol
        of the choice, EVPPI, switching curves; needs the decision tables).

    Returns
    -------
    dict of str to bytes
        Figure name to PNG, for every name in ``FIGURE_SETS[which]``.
    """
    # plotting libraries load here, not with the module: the HTML step needs none of them
    from agi_interventions.report.decision_figures import evppi_bars, switching_curves
    from agi_interventions.report.figures import (
        figure_png,
        prior_marginals,
        report_figures,
        risk_bars,
        sobol_bars,
    )

    tables = results.tables
    if which == "core":
        figures = report_figures(results.draws, tables["sobol"], tables["ranking"])
        figures["priors"] = figure_png(prior_marginals(results.worldview.priors))
        figures["risk"] = figure_png(risk_bars(tables["risk"]))
        return figures
    if which == "decision":
        choice = tables["sobol_decision"]
        outputs = [o for o in choice["output"].unique() if o.startswith(("best_is_", "rel:"))]
        return {
            "sobol_decision": figure_png(sobol_bars(choice, outputs=outputs, max_parameters=8)),
            "evppi": figure_png(evppi_bars(tables["value_of_information"])),
            "switching": figure_png(
                switching_curves(tables["switching_curves"], tables["switching"])
            ),
        }
    raise ValueError(f"unknown figure set {which!r} (known: {', '.join(FIGURE_SETS)})")


def figures_of(results: WorldviewResults) -> dict[str, bytes]:
    """Every figure the report shows, drawing those not yet drawn."""
    figures = dict(results.figures)
    for which in ("core", "decision") if results.decision else ("core",):
        if not set(FIGURE_SETS[which]) <= set(figures):
            figures.update(draw_figures(results, which))
    return figures


def _reason(view) -> str:
    from agi_interventions.exact import applicability

    return applicability(view) or ""


def decision_sections(
    results: WorldviewResults, figures: Mapping[str, bytes], rank_shift: int
) -> list[ReportSection]:
    """Build "What would change the choice" and "Which beliefs move the choice"."""
    tables = results.tables
    ranking, voi = tables["ranking"], tables["value_of_information"]
    switching, boxes = tables["switching"], tables["prim_boxes"]
    threshold = float(boxes["threshold"].iloc[0]) if len(boxes) else 1.0
    win = narrative.winner(ranking)
    key = "mean_exact" if narrative.has_exact(ranking, "mean_exact") else "mean"
    runner = str(ranking.sort_values(key, ascending=False)["intervention"].iloc[1])
    change = ReportSection(
        title="What would change the choice",
        paragraphs=[
            *narrative.value_of_information_sentences(voi, ranking, _reason(results.worldview)),
            *narrative.switching_sentences(switching, voi),
        ],
        tables=[
            display.voi_display(voi),
            *([display.switching_display(switching, voi)] if len(switching) else []),
        ],
        figures={
            DECISION_FIGURE_CAPTIONS["evppi"]: figures["evppi"],
            DECISION_FIGURE_CAPTIONS["switching"]: figures["switching"],
        },
        details=[
            frame_table(tables["expected_loss"], "Expected loss of committing to each now"),
        ],
    )
    scenarios = ReportSection(
        title="Where in the space of beliefs each intervention is best",
        paragraphs=[
            *narrative.scenario_sentences(boxes, threshold),
            narrative.subsample_sentence(
                int(boxes["rows"].iloc[0]) if len(boxes) else 0,
                int(ranking["n"].iloc[0]),
                "PRIM",
            ),
        ],
        tables=[display.prim_display(boxes)] if len(boxes) else [],
    )
    choice = ReportSection(
        title="Which beliefs move the choice",
        paragraphs=narrative.choice_sentences(
            tables["sobol_decision"], tables["sobol"], voi, win, runner
        ),
        figures={SOBOL_DECISION_CAPTION: figures["sobol_decision"]},
        details=[
            display.sobol_display(
                tables["sobol_decision"].loc[
                    tables["sobol_decision"]["output"].str.startswith(("best_is_", "rel:"))
                ]
            )
        ],
    )
    return [change, choice, scenarios]


def robustness_section(tables: Mapping[str, pd.DataFrame], rank_shift: int) -> ReportSection:
    """Build "Tail-robust sensitivity": ranks by Sobol ST, ST of asinh and PAWN."""
    asinh = tables["sobol_asinh"]
    scales = asinh.drop_duplicates("output").set_index("output")["asinh_scale"]
    pawn = tables["pawn"]
    total = int(tables["ranking"]["n"].iloc[0])
    return ReportSection(
        title="Tail-robust sensitivity",
        paragraphs=[
            narrative.asinh_scale_sentence(scales),
            narrative.subsample_sentence(int(pawn["rows"].iloc[0]), total, "PAWN"),
            *narrative.robustness_sentences(tables["method_comparison"], rank_shift),
        ],
        tables=[display.comparison_display(tables["method_comparison"])],
    )


def structure_section(view, tables: Mapping[str, pd.DataFrame]) -> ReportSection:
    """Build "Does the model's structure decide it?" (worldviews with structural variants)."""
    structure = tables.get("structure", pd.DataFrame())
    return ReportSection(
        title="Does the model's structure decide it?",
        paragraphs=narrative.structure_sentences(
            structure,
            view.structure.always,
            tables.get("value_of_information"),
            tables.get("sobol_decision"),
            narrative.winner(tables["ranking"]),
        ),
        tables=[display.structure_display(structure)] if not structure.empty else [],
    )


def game_section(results: WorldviewResults) -> ReportSection:
    """Build "The bargaining game": its inputs, settings and the utilities it derives.

    The derived utilities are shown beside the ranges a user would otherwise have guessed
    (:func:`agi_interventions.narrative.game.guessed_ranges`: the worldview's own priors for
    them, else the baseline worldview's, read now); without either, beside nothing.
    """
    from agi_interventions.narrative.game import (
        DERIVED,
        VARIANT,
        comparison_sentence,
        derived_draws,
        derived_quantiles,
        game_sentences,
        guessed_note,
        guessed_ranges,
        input_rows,
        missing_derived_note,
    )
    from agi_interventions.report.formatting import fmt_num

    view = results.worldview
    frame, where = derived_draws(view, results.draws)
    derived = derived_quantiles(frame) if frame is not None else {}
    guessed = guessed_ranges(view) if frame is not None else None
    headers = ["Derived input", "5%", "50%", "95%"]
    if guessed is not None:
        headers += ["Guessed 5%", "Guessed 50%", "Guessed 95%"]
    rows = []
    for name in DERIVED:
        if name not in derived:
            continue
        row = [display_name(name), *(fmt_num(v) for v in derived[name])]
        if guessed is not None:
            row += [fmt_num(v) for v in guessed.quantiles[name]]
        rows.append(row)
    caption = f"The utilities the game derives, {where}"
    if guessed is not None:
        caption += f", beside {guessed.short}"
    table = Table(headers, rows, [False] + [True] * (len(headers) - 1), caption=caption)
    inputs = Table(
        ["Game input", "Meaning", "5%", "50%", "95%"],
        input_rows(view),
        [False, False, True, True, True],
        caption="The game's inputs and the quantiles of this worldview's priors for them",
    )
    paragraphs = game_sentences(
        view.structure.settings.get(VARIANT, {}), frame if frame is not None else pd.DataFrame()
    )
    if frame is None:
        paragraphs.append(missing_derived_note())
    else:
        paragraphs.append(guessed_note(guessed))
    if guessed is not None and frame is not None:
        sentence = comparison_sentence(derived, guessed.quantiles, guessed.short)
        if sentence:
            paragraphs.append(sentence)
    return ReportSection(
        title="The bargaining game",
        paragraphs=paragraphs,
        tables=[inputs, table] if rows else [inputs],
    )


def ranking_section(
    tables: Mapping[str, pd.DataFrame], figures: Mapping[str, bytes]
) -> ReportSection:
    """Build "Ranking": the table, P(best), pairwise comparisons."""
    ranking = tables["ranking"]
    order = list(
        ranking.sort_values(
            "mean_exact" if narrative.has_exact(ranking, "mean_exact") else "mean",
            ascending=False,
            kind="stable",
        )["intervention"]
    )
    return ReportSection(
        title="Ranking",
        paragraphs=narrative.headline_sentences(ranking, tables["pairwise"]),
        tables=[display.ranking_display(ranking)],
        figures={FIGURE_CAPTIONS["p_best"]: figures["p_best"]},
        details=pairwise_tables(tables["pairwise"], order),
    )


def risk_section(
    tables: Mapping[str, pd.DataFrame], figures: Mapping[str, bytes], values: pd.DataFrame
) -> ReportSection:
    """Build "Does the choice survive risk aversion?"."""
    from agi_interventions.narrative.risk import risk_sentences

    return ReportSection(
        title="Does the choice survive risk aversion?",
        paragraphs=risk_sentences(tables["risk"], values),
        tables=[display.risk_display(tables["risk"])],
        figures={FIGURE_CAPTIONS["risk"]: figures["risk"]},
    )


def budget_section(tables: Mapping[str, pd.DataFrame]) -> ReportSection:
    """Build the Monte Carlo error budget section: does N resolve what the report leads with."""
    return ReportSection(
        title="Monte Carlo error budget",
        paragraphs=narrative.resolution_sentences(tables["resolution"]),
        tables=[display.resolution_display(tables["resolution"])],
        details=[frame_table(tables["mc_error"], "Every headline number's 95% half-width")],
    )


def build_report(results: WorldviewResults, rank_shift: int) -> str:
    """Render one worldview's self-contained HTML report.

    Parameters
    ----------
    results
        The worldview's results (figures are drawn if missing).
    rank_shift
        Rank shift beyond which the method comparison flags a parameter.

    Returns
    -------
    str
        The HTML document.
    """
    from agi_interventions.report.formatting import fmt_count
    from agi_interventions.report.glossary import GLOSSARY, UNIT_OF_EFFORT

    view = results.worldview
    tables = results.tables
    figures = figures_of(results)
    ranking = tables["ranking"]
    voi = tables.get("value_of_information")
    card = narrative.decision_card(
        ranking,
        tables["pairwise"],
        tables["diagnostics"],
        voi,
        tables.get("switching"),
        consistent_by_construction=view.structure.consistent_by_construction,
    )
    sections: list[ReportSection] = []
    if results.decision:
        sections += decision_sections(results, figures, rank_shift)[:2]
    if view.structure.variants:
        sections.append(structure_section(view, tables))
    if any(spec.group == "bargaining_game" for spec in view.specs.values()):
        sections.append(game_section(results))
    sections.append(ranking_section(tables, figures))
    sections.append(risk_section(tables, figures, results.draws))
    if results.decision:
        sections.append(decision_sections(results, figures, rank_shift)[2])
    sections.append(
        ReportSection(
            title="Distributions of the marginal values",
            paragraphs=narrative.channel_sentences(results.draws),
            figures={
                FIGURE_CAPTIONS["marginal_values"]: figures["marginal_values"],
                FIGURE_CAPTIONS["alignment_channels"]: figures["alignment_channels"],
            },
        )
    )
    sections.append(
        ReportSection(
            title="What drives the size of each value (not the choice)",
            paragraphs=[
                "These indices split the variance of each marginal value over the beliefs. A "
                "belief that scales all three values alike can dominate them without changing "
                "which is largest; the sections above measure the choice itself.",
                *narrative.sobol_sentences(tables["sobol"]),
            ],
            figures={FIGURE_CAPTIONS["sobol"]: figures["sobol"]},
            details=[display.sobol_display(tables["sobol"])],
        )
    )
    if results.decision:
        sections.append(robustness_section(tables, rank_shift))
    sections.append(budget_section(tables))
    sections.append(
        ReportSection(
            title="Priors of this worldview",
            paragraphs=[derived_note(view)] if derived_note(view) else [],
            tables=[prior_table(prior_rows(view))],
            figures={FIGURE_CAPTIONS["priors"]: figures["priors"]},
        )
    )
    sections.append(
        ReportSection(
            title="Possible and impossible populations",
            paragraphs=narrative.diagnostics_sentences(
                tables["diagnostics"], ranking, view.structure.consistent_by_construction
            ),
            tables=[diagnostics_table(tables["diagnostics"])],
        )
    )
    sections.append(ReportSection(title="What a unit of effort is", paragraphs=[UNIT_OF_EFFORT]))
    n_draws = int(ranking["n"].iloc[0])
    provenance = dict(results.provenance)
    provenance["prior file sha256 (now)"] = file_sha256(view.path)
    context = ReportContext(
        title=f"Where should the next unit of effort go? Worldview “{view.name}”",
        subtitle=(
            f"Structure: {view.structure.describe()} · {fmt_count(n_draws)} prior draws "
            f"(N = {fmt_count(results.design['n_base'])})"
        ),
        description=view.description,
        card_title=card.title,
        card_lines=card.lines,
        cruxes=card.cruxes,
        card_notes=card.notes,
        sections=sections,
        glossary=GLOSSARY,
        provenance=provenance,
    )
    return render_report(context)


def derived_note(view) -> str:
    """Say which canonical parameters the worldview's structure derives rather than samples."""
    from agi_interventions.parameters import PARAMETER_NAMES

    derived = [name for name in PARAMETER_NAMES if name not in view.priors]
    if not derived:
        return ""
    parts = [f"{display_name(name)} ({view.structure.why_replaced(name)})" for name in derived]
    return "Not sampled but derived: " + "; ".join(parts) + "."


def file_sha256(path) -> str:
    """SHA-256 of a file, or a note if it cannot be read."""
    import hashlib
    from pathlib import Path

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as err:
        return f"unreadable ({err.strerror})"
