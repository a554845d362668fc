"""Tests of the report layer: number formatting, figures and the self-contained HTML page."""

from __future__ import annotations

import math
import re
import textwrap

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from agi_interventions.narrative import diagnostics_sentences, headline_sentences
from agi_interventions.parameters import INTERVENTIONS, PARAMETER_NAMES
from agi_interventions.priors import load_worldview
from agi_interventions.report.captions import FIGURE_CAPTIONS
from agi_interventions.report.figures import (
    alignment_channels,
    figure_png,
    marginal_value_distributions,
    p_best_bars,
    report_figures,
    sobol_bars,
    symlog_threshold,
)
from agi_interventions.report.formatting import fmt_count, fmt_num, fmt_pct
from agi_interventions.report.html import ReportContext, ReportSection, render_report
from agi_interventions.report.tables import diagnostics_table, prior_rows

N_INCONSISTENT = 1234

WORLDVIEW_YAML = textwrap.dedent(
    """\
    description: "Test worldview <script>alert(1)</script>"
    parametrisation: fractions
    parameters:
      U_B: {dist: uniform, low: 1, high: 3, note: "NOTE-UB-good-bargaining"}
      U_notB: {dist: normal, mean: 0, sd: 0.5}
      b: {dist: beta, a: 2, b: 2, note: "NOTE-b-coin-flip"}
      dUB_dFV: {dist: normal, ci90: [-0.5, 2]}
      dUnotB_dFV: {dist: normal, ci90: [-0.5, 1]}
      db_dFV: {dist: uniform, low: -0.2, high: 0.5}
      db_dFCV: {dist: loguniform, low: 0.01, high: 1}
      db_dFCnotV: {dist: loguniform, low: 0.01, high: 1}
      F_V: {dist: loguniform, low: 0.01, high: 0.5}
      F_CV: {dist: beta, a: 3, b: 2}
      F_CnotV: {dist: beta, a: 2, b: 3}
      F_I: {dist: uniform, low: 0.001, high: 0.2}
      p_V: {dist: beta, a: 2, b: 2}
      p_CV: {dist: triangular, low: 0, mode: 0.7, high: 1}
      p_CnotV: {dist: pert, low: 0, mode: 0.3, high: 1}
      dpV_daV: {dist: lognormal, ci90: [0.001, 0.1]}
      dpCV_daCV: {dist: lognormal, ci90: [0.001, 0.1]}
      dpCnotV_daCnotV: {dist: fixed, value: 0.01, note: "NOTE-fixed-tractability"}
    """
)


@pytest.fixture(scope="module")
def worldview(tmp_path_factory):
    path = tmp_path_factory.mktemp("wv") / "test_view.yaml"
    path.write_text(WORLDVIEW_YAML, encoding="utf-8")
    return load_worldview(path)


@pytest.fixture(scope="module")
def values() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 300
    bargaining = rng.normal(0.0, 1.0, n) * 10.0 ** rng.uniform(-6, -2, n)
    success = 10.0 ** rng.uniform(-5, -3, n)
    failure = -(10.0 ** rng.uniform(-6, -4, n))
    a_cnotv = 10.0 ** rng.uniform(-7, -4, n)
    a_cnotv[:3] = np.nan
    return pd.DataFrame(
        {
            "a_V": bargaining + success + failure,
            "a_CV": 10.0 ** rng.uniform(-6, -2, n),
            "a_CnotV": a_cnotv,
            "a_V_bargaining": bargaining,
            "a_V_success_shift": success,
            "a_V_failure_shift": failure,
        }
    )


def make_ranking(p_best=(0.55, 0.35, 0.10)) -> pd.DataFrame:
    """Ranking in the DESIGN.md format; Cooperation, aligned wins by mean."""
    return pd.DataFrame(
        {
            "intervention": ["a_CV", "a_V", "a_CnotV"],
            "mean": [1.3e-2, 1.7e-3, 2.5e-4],
            "mean_ci_low": [1.1e-2, -1.8e-4, 2.3e-4],
            "mean_ci_high": [1.6e-2, 3.6e-3, 2.7e-4],
            "median": [8.2e-4, 3.7e-4, 7.5e-5],
            "q05": [1.1e-5, -6.0e-3, 2.9e-6],
            "q95": [5.1e-2, 1.5e-2, 1.1e-3],
            "p_best": list(p_best),
            "p_best_ci_low": [p - 0.02 for p in p_best],
            "p_best_ci_high": [p + 0.02 for p in p_best],
            "label": [INTERVENTIONS[k] for k in ("a_CV", "a_V", "a_CnotV")],
        }
    )


def make_pairwise(with_difference: bool = True) -> pd.DataFrame:
    means = dict(zip(make_ranking()["intervention"], make_ranking()["mean"], strict=True))
    rows = []
    for first in INTERVENTIONS:
        for second in INTERVENTIONS:
            if first == second:
                continue
            p = 0.8 if means[first] > means[second] else 0.2
            diff = means[first] - means[second]
            rows.append([first, second, p, p - 0.03, p + 0.03, diff, diff - 1e-3, diff + 1e-3])
    frame = pd.DataFrame(
        rows,
        columns=[
            "intervention",
            "other",
            "p_beats",
            "p_beats_ci_low",
            "p_beats_ci_high",
            "mean_difference",
            "mean_difference_ci_low",
            "mean_difference_ci_high",
        ],
    )
    return frame if with_difference else frame.iloc[:, :5]


def make_sobol(outputs=("a_V", "a_CV", "a_CnotV"), params=PARAMETER_NAMES[:8]) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for output in outputs:
        st = rng.uniform(0.0, 0.6, len(params))
        st[0] = 1.7  # a noisy estimate beyond the axis range
        for param, total in zip(params, st, strict=True):
            rows.append([output, param, 0.5 * total, 0.05, total, 0.08])
    return pd.DataFrame(rows, columns=["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"])


def make_diagnostics(nonfinite: int = 0) -> pd.DataFrame:
    total = 4096
    rows = [
        ["independent draws", "inconsistent", "any consistency condition violated"],
        ["independent draws", "violates:rest_aligned_share_positive", "F_V - F_I p_V > 0"],
        ["independent draws", "nonfinite:a_V", "a_V is NaN or infinite"],
    ]
    counts = [N_INCONSISTENT, 1000, nonfinite]
    return pd.DataFrame(
        [[*row, count, total, count / total] for row, count in zip(rows, counts, strict=True)],
        columns=["scope", "check", "description", "count", "total", "share"],
    )


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.0, "0"),
        (1.23456e-5, "1.23×10⁻⁵"),
        (-2.5e7, "-2.50×10⁷"),
        (0.5, "0.500"),
        (0.0012345, "0.00123"),
        (1234.5, "1,230"),
        (99999.9, "1.00×10⁵"),
        (float("nan"), "n/a"),
        (float("inf"), "∞"),
    ],
)
def test_fmt_num(x, expected):
    assert fmt_num(x) == expected


def test_fmt_pct_and_count():
    assert fmt_pct(0.6234) == "62.3%"
    assert fmt_pct(1.0) == "100%"
    assert fmt_count(1234) == "1,234"


def test_symlog_threshold_is_power_of_ten_below_low_quantile():
    x = np.concatenate([10.0 ** np.linspace(-4, 2, 101), -(10.0 ** np.linspace(-3, 1, 50))])
    t = symlog_threshold([x, np.array([np.nan, 0.0, 5.0])])
    q = np.quantile(np.abs(x), 0.05)
    assert math.log10(t) == round(math.log10(t))
    assert q / 10 < t <= q
    assert symlog_threshold([np.zeros(3)]) == 1.0


# --------------------------------------------------------------------------- figures


def test_figures_have_expected_axes(values):
    ranking = make_ranking()
    assert len(marginal_value_distributions(values).axes) == 3
    assert len(alignment_channels(values).axes) == 2
    assert len(p_best_bars(ranking).axes) == 1
    three = sobol_bars(make_sobol())
    assert isinstance(three, Figure)
    assert len(three.axes) == 3
    five = sobol_bars(make_sobol(outputs=("a_V", "a_CV", "a_CnotV", "a_V_bargaining", "U")))
    assert len(five.axes) == 5  # the empty sixth grid cell is removed


def test_sobol_panels_sorted_by_total_index():
    sobol = make_sobol(outputs=("a_V",))
    fig = sobol_bars(sobol, max_parameters=4)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    expected = sobol.sort_values("ST", ascending=False)["parameter"].head(4)
    from agi_interventions.parameters import symbol

    assert labels == [symbol(p) for p in expected]


def test_marginal_value_figure_requires_columns(values):
    with pytest.raises(KeyError, match="a_CnotV"):
        marginal_value_distributions(values.drop(columns="a_CnotV"))


def _inside_and_apart(fig: Figure) -> None:
    """Every artist inside the canvas; no panel's labels on another panel."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas_agg = FigureCanvasAgg(fig)
    canvas_agg.draw()
    renderer = canvas_agg.get_renderer()
    canvas = fig.bbox
    whole = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)  # pixels
    assert whole.x0 >= -1 and whole.y0 >= -1, whole
    assert whole.x1 <= canvas.width + 1 and whole.y1 <= canvas.height + 1, whole
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert overlap_x <= 1 or overlap_y <= 1, (a, b)


def test_fixed_margin_figures_keep_their_labels_inside_and_apart(values, worldview):
    """The figures drawn without a layout engine: nothing cut off, no labels overlapping."""
    from agi_interventions.report.decision_figures import switching_curves
    from agi_interventions.report.figures import prior_marginals

    _inside_and_apart(marginal_value_distributions(values))
    _inside_and_apart(prior_marginals(worldview.priors))
    rows = []
    for k, name in enumerate(["dpCV_daCV", "k_C", "F_V", "db_dFV"]):
        for q in np.linspace(0.02, 0.98, 20):
            for j, intervention in enumerate(INTERVENTIONS):
                mean = -0.0153 * (j + 1) * q if k % 2 else 12345.0 * q
                rows.append((name, q, -0.258 + q * 10 ** (k - 3), intervention, mean, 1e-3))
    columns = ["parameter", "quantile_mid", "x_mid", "intervention", "mean", "half_width"]
    curves = pd.DataFrame(rows, columns=columns)
    switching = pd.DataFrame(
        {
            "parameter": ["dpCV_daCV", "db_dFV"],
            "switch_value": [0.0739, 0.36412],
            "switch_quantile": [0.9, 0.995],  # a label at the right edge stays inside
            "from": ["a_V", "a_V"],
            "to": ["a_CV", "a_CV"],
        }
    )
    _inside_and_apart(switching_curves(curves, switching))


def test_constrained_figures_keep_their_labels_inside_the_canvas(values):
    """Long axis labels are broken, and a power of ten goes into the label, not by it."""
    from agi_interventions.report.decision_figures import evppi_bars
    from agi_interventions.report.figures import alignment_channels

    _inside_and_apart(alignment_channels(values))
    _inside_and_apart(p_best_bars(make_ranking()))
    from agi_interventions.report.figures import risk_bars
    from agi_interventions.risk import risk_table

    risk = risk_bars(risk_table(values[list(INTERVENTIONS)], seed=1, n_bootstrap=20))
    _inside_and_apart(risk)
    renderer = risk.canvas.get_renderer()
    (ax,) = risk.axes
    legend = risk.legends[0].get_window_extent(renderer)
    assert legend.y0 >= ax.get_window_extent(renderer).y1 - 1  # above the bars, not on them
    names = ["EVPI", "tractabilities", "landscape", "F_V", "p_V", "dpCV_daCV"]
    value = np.array([1.84e-4, 5.9e-5, 4.2e-5, 2.7e-5, 5.2e-6, 3.4e-5])
    voi = pd.DataFrame(
        {
            "name": names,
            "kind": ["evpi", "group", "group", "parameter", "parameter", "parameter"],
            "headline": value,
            "headline_low": value * 0.9,
            "headline_high": value * 1.1,
            "method": "exact",
            "resolved": True,
        }
    )
    fig = evppi_bars(voi)
    _inside_and_apart(fig)
    for ax in fig.axes:
        assert ax.get_xlabel() == "value of information (×10⁻⁴ marginal-value units)"
        assert ax.xaxis.get_offset_text().get_text() == ""
    widths = [p.get_width() for ax in fig.axes for p in ax.patches]
    assert max(widths) == pytest.approx(0.59) and min(widths) == pytest.approx(0.052)
    voi["headline"] = voi["headline_low"] = voi["headline_high"] = value * 1e4
    assert evppi_bars(voi).axes[0].get_xlabel() == "value of information (marginal-value units)"


def test_figure_png_is_png():
    assert figure_png(p_best_bars(make_ranking())).startswith(b"\x89PNG\r\n\x1a\n")


# --------------------------------------------------------------------------- html pieces


def test_prior_rows(worldview):
    rows = {r.parameter: r for r in prior_rows(worldview)}
    assert list(rows) == list(PARAMETER_NAMES)
    ub = rows["U_B"]
    assert ub.prior == "uniform(low=1, high=3)"
    assert (ub.q05, ub.q50, ub.q95) == pytest.approx((1.1, 2.0, 2.9))
    assert ub.note == "NOTE-UB-good-bargaining"
    fixed = rows["dpCnotV_daCnotV"]
    assert fixed.fixed
    assert fixed.q05 == fixed.q95 == 0.01
    assert rows["U_notB"].symbol == "U_¬B"


def test_headline_uses_paired_difference_interval():
    text = " ".join(headline_sentences(make_ranking(), make_pairwise()))
    assert text.startswith(
        "By mean in the sample, Cooperation, aligned (0.0130, 95% interval [0.0110, 0.0160]) "
        "leads Alignment (0.00170"
    )
    assert "paired difference is 0.0113 (95% interval [0.0103, 0.0123])" in text
    assert "excludes zero" in text
    assert "55.0% of prior draws" in text
    assert "disagree" not in text  # the winner by mean is also the most often best


def test_headline_says_when_the_paired_interval_includes_zero():
    pairwise = make_pairwise()
    lead = (pairwise["intervention"] == "a_CV") & (pairwise["other"] == "a_V")
    pairwise.loc[lead, "mean_difference_ci_low"] = -1e-3
    text = " ".join(headline_sentences(make_ranking(), pairwise))
    assert "[-0.00100, 0.0123]" in text
    assert "includes zero: this sample cannot order the two means" in text
    assert "excludes zero" not in text


def test_headline_falls_back_to_mean_intervals_and_flags_disagreement():
    ranking = make_ranking(p_best=(0.30, 0.60, 0.10))
    text = " ".join(headline_sentences(ranking, None))  # no paired differences
    # both means with their own intervals: [0.011, 0.016] vs [-1.8e-4, 3.6e-3]
    assert "Cooperation, aligned (0.0130, 95% interval [0.0110, 0.0160])" in text
    assert "Alignment (0.00170, [-1.80×10⁻⁴, 0.00360])" in text
    assert "paired difference" not in text
    assert "disagree: Alignment is best in the largest share of draws, 60.0%" in text


def test_diagnostics_reports_nonfinite_and_nothing_dropped():
    ranking = make_ranking().assign(n=4090)
    sentences = diagnostics_sentences(make_diagnostics(nonfinite=6), ranking, "fractions")
    table = diagnostics_table(make_diagnostics(nonfinite=6))
    text = " ".join(sentences)
    assert "1,234 of 4,096 independent draws" in text
    assert "Nothing was dropped" in text
    assert "Alignment 6" in text
    assert "4,090 draws" in text
    assert len(table.rows) == 3
    assert table.highlight == frozenset({0, 2})


# --------------------------------------------------------------------------- full page


@pytest.fixture(scope="module")
def report_html(worldview, values):
    from agi_interventions.narrative import headline_title, sobol_sentences
    from agi_interventions.report.figures import prior_marginals, risk_bars
    from agi_interventions.report.glossary import GLOSSARY
    from agi_interventions.report.tables import frame_table, prior_table
    from agi_interventions.risk import risk_table

    sobol = make_sobol()
    ranking = make_ranking()
    figures = report_figures(values, sobol, ranking)
    figures["priors"] = figure_png(prior_marginals(worldview.priors))
    risk = risk_table(values[list(INTERVENTIONS)], seed=1, n_bootstrap=20)
    figures["risk"] = figure_png(risk_bars(risk))
    assert set(figures) == set(FIGURE_CAPTIONS)
    captions = {name: FIGURE_CAPTIONS[name] for name in figures}
    context = ReportContext(
        title=f"Worldview {worldview.name}",
        subtitle=f"Structure: {worldview.structure.describe()}",
        description=worldview.description,
        card_title=headline_title(ranking),
        card_lines=["CARD-LINE <i>escaped</i>"],
        cruxes=["CRUX-ONE"],
        card_notes=["CARD-NOTE"],
        sections=[
            ReportSection(
                "Ranking",
                paragraphs=headline_sentences(ranking, make_pairwise()),
                tables=[ranking],
                figures={captions["p_best"]: figures["p_best"]},
            ),
            ReportSection(
                "Value of information",
                paragraphs=["VOI paragraph <b>escaped</b>"],
                tables=[frame_table(pd.DataFrame({"parameter": ["U_B"], "evppi": [1.2e-5]}))],
                details=[pd.DataFrame({"detail": ["DETAIL-ROW"]})],
                notes=["VOI-NOTE"],
            ),
            ReportSection(
                "Sensitivity",
                paragraphs=sobol_sentences(sobol),
                figures={
                    captions[n]: figures[n]
                    for n in ("sobol", "marginal_values", "alignment_channels", "risk")
                },
            ),
            ReportSection(
                "Priors of this worldview",
                tables=[prior_table(prior_rows(worldview))],
                figures={captions["priors"]: figures["priors"]},
            ),
            ReportSection(
                "Possible and impossible populations",
                paragraphs=diagnostics_sentences(make_diagnostics(), ranking, False),
                tables=[diagnostics_table(make_diagnostics())],
            ),
        ],
        glossary=GLOSSARY,
        provenance={"seed": 42, "N": 256, "packages": {"numpy": np.__version__}},
    )
    return render_report(context)


def test_report_is_self_contained(report_html):
    assert report_html.lstrip().startswith("<!DOCTYPE html>")
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", report_html)
    assert external == []
    assert "<link" not in report_html
    assert "<script" not in report_html  # the description's script tag is escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report_html
    assert report_html.count('src="data:image/png;base64,') == len(FIGURE_CAPTIONS)


def test_report_content(report_html):
    # the decision card leads, before the navigation and every section
    card = re.search(r'<section id="decision" class="card">.*?</section>', report_html, re.S)
    assert card is not None
    assert report_html.index(card.group(0)) < report_html.index("<nav>")
    card_html = card.group(0)
    assert "Highest mean marginal value: Cooperation, aligned" in card_html
    assert "CARD-LINE &lt;i&gt;escaped&lt;/i&gt;" in card_html
    assert "CRUX-ONE" in card_html and "CARD-NOTE" in card_html
    for note in ("NOTE-UB-good-bargaining", "NOTE-b-coin-flip", "NOTE-fixed-tractability"):
        assert note in report_html
    assert f"{N_INCONSISTENT:,}" in report_html
    assert "Nothing was dropped" in report_html
    # every section is linked from the navigation, then the glossary and provenance
    for section_id in (
        "ranking",
        "value-of-information",
        "sensitivity",
        "priors-of-this-worldview",
        "possible-and-impossible-populations",
        "glossary",
        "provenance",
    ):
        assert f'<a href="#{section_id}">' in report_html
        assert f'id="{section_id}"' in report_html
    assert "Marginal value" in report_html.split('id="glossary"')[1]  # a glossary term
    # extra section: paragraphs escaped, tables formatted, details and notes shown
    assert "VOI paragraph &lt;b&gt;escaped&lt;/b&gt;" in report_html
    assert "1.20×10⁻⁵" in report_html
    assert "DETAIL-ROW" in report_html.split("<summary>More</summary>")[1]
    assert "VOI-NOTE" in report_html
    # Sobol sentences generated from the numbers: a_V's ST of 1.7 cannot be, so it is not
    # quoted, while the estimates that can be are
    assert "(ST 0." in report_html
    assert "U_B (ST 1.70" not in report_html
    assert "numpy " + np.__version__ in report_html


def test_ranking_table_shows_the_tail_diagnostic_of_flagged_means():
    """A flagged mean gets a dagger, and the caption gives its k_hat (from the table)."""
    from agi_interventions.report.display import DAGGER, ranking_display

    ranking = pd.DataFrame(
        {
            "intervention": ["a_V", "a_CV", "a_CnotV"],
            "mean": [3.0, 2.0, 1.0],
            "mean_ci_low": [1.0, 1.5, 0.5],
            "mean_ci_high": [5.0, 2.5, 1.5],
            "p_best": [0.5, 0.4, 0.1],
            "p_best_ci_low": [0.45, 0.35, 0.05],
            "p_best_ci_high": [0.55, 0.45, 0.15],
            "q05": [0.0, 0.0, 0.0],
            "q95": [9.0, 4.0, 2.0],
            "khat": [0.8312, 0.31, 0.2],
            "mean_ci_flag": ["left tail k_hat 0.83 >= 0.70", "", ""],
        }
    )
    table = ranking_display(ranking)
    assert table.rows[0][2].endswith(DAGGER) and not table.rows[1][2].endswith(DAGGER)
    assert "(Pareto k̂ of the heavier tail: Alignment 0.83; 0.7 or more)" in table.caption
    assert "0.31" not in table.caption  # unflagged means are not listed
