"""The one list of a worldview's outputs: file, producing step, core or decision, columns.

The Snakemake rules, the report's file list and the README's output table are all derived
from :data:`OUTPUTS` (a test checks the README against :func:`markdown_table`). This module
imports nothing heavy, so the Snakefile can read it at parse time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """A column of an output table.

    Attributes
    ----------
    name
        Column name in the file.
    header
        Header shown in the report.
    """

    name: str
    header: str


@dataclass(frozen=True)
class Output:
    """One output file of a worldview.

    Attributes
    ----------
    name
        Key (file name without extension, or ``figure:<name>``).
    file
        Path inside ``results/<worldview>/``.
    step
        The step (and :mod:`agi_interventions.steps` function) that writes it: its own rule
        with several chunks; with one chunk the ``tables`` rule runs it (:data:`TABLE_STEPS`).
    kind
        ``core`` (always written) or ``decision`` (only with ``decision_analysis: true``).
    content
        What it holds, for the README.
    columns
        Columns of a table, with their report headers.
    caption
        Caption file (``report/<caption>.rst``) for ``snakemake --report``; empty if the file
        is not in that report.
    category
        Subcategory in ``snakemake --report``.
    """

    name: str
    file: str
    step: str
    kind: str
    content: str
    columns: tuple[Column, ...] = ()
    caption: str = ""
    category: str = ""

    @property
    def is_table(self) -> bool:
        """Whether the output is a CSV table."""
        return self.file.endswith(".csv")

    def headers(self) -> dict[str, str]:
        """Column name to report header."""
        return {c.name: c.header for c in self.columns}


def _cols(*specs: str) -> tuple[Column, ...]:
    """Columns from ``"name=Header"`` strings."""
    return tuple(Column(*spec.split("=", 1)) for spec in specs)


_SOBOL = (
    "output=Output",
    "parameter=Parameter",
    "S1=S1",
    "S1_conf=S1 ± (95%)",
    "ST=ST",
    "ST_conf=ST ± (95%)",
)

_TAIL = ("khat_square=Tail k̂ of square", "tail_flag=Tail flag")

OUTPUTS: tuple[Output, ...] = (
    Output(
        "draws",
        "draws.parquet",
        "design",
        "core",
        "the 2N independent prior draws (the design's A and B rows, interleaved per base "
        "point): `base_index`, `matrix` (`A`/`B`), every input, every output (`a_V`, `a_CV`, "
        "`a_CnotV`, the three alignment channels, `U`) and `consistent`",
    ),
    Output(
        "design",
        "design.json",
        "design",
        "core",
        "the design's settings (N, seed, parameters, blocks, chunks) and the reference values "
        "of the chunked steps (winner by mean, output means, asinh scales)",
    ),
    Output(
        "sobol",
        "sobol.csv",
        "summary",
        "core",
        "Sobol S1 and ST of `a_V`, `a_CV`, `a_CnotV` with 95% bootstrap half-widths (`_conf`), "
        "the exact indices where the model's structure gives them (`S1_exact`, `ST_exact`), "
        "`khat_square` (Pareto shape of the output's squared tail), `tail_flag` (why the "
        "output's intervals cannot be trusted) and `flag` for an estimate that cannot be "
        "(outside [0, 1], ST below S1, or a heavy tail)",
        _cols(*_SOBOL, "S1_exact=S1 exact", "ST_exact=ST exact", *_TAIL, "flag=Flag"),
        "sobol",
        "Sensitivity",
    ),
    Output(
        "sobol_decision",
        "sobol_decision.csv",
        "summary",
        "core",
        "as `sobol.csv` for the pairwise differences `a_CnotV-a_V`, `a_CV-a_V`, "
        "`a_CnotV-a_CV`, their relative versions `rel:<difference>` (the difference over the "
        "sum of the two magnitudes: scale-free, factors common to both cancel) and the "
        "indicator `best_is_<winner>`",
        _cols(*_SOBOL, "S1_exact=S1 exact", "ST_exact=ST exact", *_TAIL, "flag=Flag"),
        "sobol_decision",
        "Decision",
    ),
    Output(
        "sobol_asinh",
        "sobol_asinh.csv",
        "summary",
        "core",
        "as `sobol.csv` for `asinh(value / asinh_scale)` (scale: median absolute value)",
        _cols(*_SOBOL, "asinh_scale=Scale", *_TAIL, "flag=Flag"),
        "robust",
        "Sensitivity",
    ),
    Output(
        "ranking",
        "ranking.csv",
        "summary",
        "core",
        "one row per intervention, ordered by exact mean where the exact engine applies, else "
        "by mean: mean with 95% MC interval (tail-fitted where a tail is heavy), median, "
        "5%/95% quantiles, P(best) with Wilson interval, `mean_se`, `n` (draws used), `label`, "
        "`khat` (Pareto shape of the heavier tail), `mean_ci_method`, `mean_ci_flag` (why the "
        "interval cannot be trusted; empty if it can), the share of each mean carried by "
        "impossible populations (`inconsistent_share_of_mean`), mean and P(best) among "
        "consistent draws (`mean_consistent`, its interval, `p_best_consistent`, "
        "`n_consistent`) and `mean_exact`",
        _cols(
            "intervention=Intervention",
            "mean=Mean",
            "mean_ci_low=Mean, 95% low",
            "mean_ci_high=Mean, 95% high",
            "median=Median",
            "q05=5%",
            "q95=95%",
            "p_best=P(best)",
            "p_best_ci_low=P(best), 95% low",
            "p_best_ci_high=P(best), 95% high",
            "mean_se=SE of mean",
            "n=Draws used",
            "label=Label",
            "khat=Tail k̂",
            "mean_ci_method=Interval method",
            "mean_ci_flag=Interval flag",
            "inconsistent_share_of_mean=Share of mean from impossible draws",
            "mean_consistent=Mean, consistent draws",
            "mean_consistent_ci_low=Mean consistent, 95% low",
            "mean_consistent_ci_high=Mean consistent, 95% high",
            "p_best_consistent=P(best), consistent draws",
            "n_consistent=Consistent draws",
            "mean_exact=Exact mean",
        ),
        "ranking",
        "Ranking",
    ),
    Output(
        "pairwise",
        "pairwise.csv",
        "summary",
        "core",
        "P(intervention beats other), ties counting one half, and the paired mean "
        "difference, each with a 95% interval, and `mean_difference_flag` where heavy tails "
        "make the difference's interval unreliable",
        _cols(
            "intervention=Intervention",
            "other=Other",
            "p_beats=P(beats)",
            "p_beats_ci_low=P(beats), 95% low",
            "p_beats_ci_high=P(beats), 95% high",
            "mean_difference=Mean difference",
            "mean_difference_ci_low=Difference, 95% low",
            "mean_difference_ci_high=Difference, 95% high",
            "mean_difference_flag=Interval flag",
        ),
        "pairwise",
        "Ranking",
    ),
    Output(
        "structure",
        "structure.csv",
        "summary",
        "core",
        "for each discrete structural input (a variant's switch; the bargaining theory), the "
        "ranking for each of its values: `input`, `value`, `state` (e.g. holds, does not hold; "
        "coco), `probability`, each intervention's mean with its 95% MC interval, its exact "
        "conditional mean (`mean_exact`, where the engine applies), P(best) with its interval, "
        "draws used `n` and the `winner`; no rows without such inputs",
        _cols(
            "input=Input",
            "value=Value",
            "state=State",
            "probability=Probability",
            "intervention=Intervention",
            "mean=Mean",
            "mean_ci_low=Mean, 95% low",
            "mean_ci_high=Mean, 95% high",
            "mean_exact=Mean (exact)",
            "p_best=P(best)",
            "p_best_ci_low=P(best), 95% low",
            "p_best_ci_high=P(best), 95% high",
            "n=Draws",
            "winner=Winner",
        ),
        "structure",
        "Structure",
    ),
    Output(
        "risk",
        "risk.csv",
        "summary",
        "core",
        "each intervention under every risk-attitude rule at its presets (expected value, "
        "tail-trimmed EV, risk-weighted expected utility, weighted linear utility, ambiguity "
        "aversion; README): `rule`, `setting`, `setting_value`, `value` with a 95% bootstrap "
        "interval (`ci_low`, `ci_high`, `se`), the `winner` for that rule and setting, `n`, "
        "and `flag` where the intervention's tail is too heavy for the interval to hold",
        _cols(
            "rule=Rule",
            "setting=Setting",
            "setting_value=Setting value",
            "intervention=Intervention",
            "value=Value",
            "ci_low=95% low",
            "ci_high=95% high",
            "se=SE",
            "winner=Winner",
            "n=Draws",
            "flag=Flag",
        ),
        "risk",
        "Risk",
    ),
    Output(
        "diagnostics",
        "diagnostics.csv",
        "summary",
        "core",
        "inconsistent inputs (each condition of `docs/model.md`) and non-finite outputs, over "
        "all N(D+2) evaluations and over the independent draws",
        _cols(
            "scope=Scope",
            "check=Check",
            "description=Condition",
            "count=Count",
            "total=Total",
            "share=Share",
        ),
        "diagnostics",
        "Diagnostics",
    ),
    Output(
        "resolution",
        "resolution.csv",
        "resolution",
        "core",
        "the error budget: for the ranking (by mean, by P(best)), the order of the top EVPPI "
        "parameters and the top Sobol driver of each output, whether N resolves it, and which N "
        "would (`method`: `exact` where exact values decide it)",
        _cols(
            "criterion=What",
            "first=First",
            "second=Second",
            "first_estimate=First's value",
            "second_estimate=Second's value",
            "gap=Gap",
            "half_width=95% half-width",
            "resolved=Resolved",
            "n_base=N",
            "n_base_needed=N needed",
            "n_base_needed_low=N needed, low",
            "n_base_needed_high=N needed, high",
            "method=Method",
            "note=Note",
        ),
        "mc_error",
        "Ranking",
    ),
    Output(
        "mc_error",
        "mc_error.csv",
        "resolution",
        "core",
        "every headline number with its 95% Monte Carlo half-width",
        _cols(
            "quantity=Quantity",
            "estimate=Estimate",
            "half_width=95% half-width",
            "relative=Relative",
        ),
        "mc_error",
        "Ranking",
    ),
    Output(
        "provenance",
        "provenance.json",
        "provenance",
        "core",
        "configuration and prior-file SHA-256, seed, N, chunks, package versions, Python, "
        "platform, UTC time",
    ),
    Output(
        "pawn",
        "pawn.csv",
        "decision",
        "decision",
        "PAWN indices (median KS over slices), `index_max`, `noise_floor` (the level an inert "
        "parameter stays below), `rows` (draws used)",
        _cols(
            "output=Output",
            "parameter=Parameter",
            "index=PAWN",
            "index_conf=PAWN ± (95%)",
            "index_max=Largest slice KS",
            "noise_floor=Noise floor",
            "rows=Draws used",
        ),
        "robust",
        "Sensitivity",
    ),
    Output(
        "method_comparison",
        "method_comparison.csv",
        "decision",
        "decision",
        "each parameter's rank by Sobol ST, Sobol ST of asinh, and PAWN; flagged where the "
        "ranks differ by more than `rank_shift` places",
        _cols(
            "output=Output",
            "parameter=Parameter",
            "rank_sobol_ST=Rank, Sobol ST",
            "rank_sobol_ST_asinh=Rank, ST of asinh",
            "rank_pawn=Rank, PAWN",
            "mean_rank=Mean rank",
            "rank_spread=Spread",
            "flagged=Flagged",
        ),
        "robust",
        "Sensitivity",
    ),
    Output(
        "value_of_information",
        "value_of_information.csv",
        "decision",
        "decision",
        "EVPI, EVPPI per parameter and per group: the regression estimate (`value`, `se`, 95% "
        "interval `ci_low`-`ci_high`, its `plugin` and `policy` ends, `rows` used) and, where "
        "the model's structure allows, `value_exact` (`se_exact`: Monte Carlo error of the "
        "outer average for groups and EVPI, 0 for single parameters), otherwise the nested "
        "Monte Carlo estimate (`nested_value`, `nested_se`, `nested_flag`: why it cannot be "
        "trusted, a heavy tail of the draws it is the mean of); the number the report quotes "
        "is `headline`, with `flag` saying why it is not `resolved`",
        _cols(
            "name=Name",
            "kind=Kind",
            "value=Estimate",
            "se=SE",
            "ci_low=95% low",
            "ci_high=95% high",
            "plugin=Plug-in",
            "policy=Policy",
            "rows=Draws used",
            "value_exact=Exact",
            "se_exact=Exact ± (SE)",
            "nested_value=Nested",
            "nested_se=Nested ± (SE)",
            "nested_flag=Nested flag",
            "headline=Headline",
            "flag=Flag",
        ),
        "value_of_information",
        "Decision",
    ),
    Output(
        "expected_loss",
        "expected_loss.csv",
        "decision",
        "decision",
        "expected loss of committing to each intervention now, with its standard error",
        _cols("intervention=Intervention", "expected_loss=Expected loss", "se=SE"),
        "expected_loss",
        "Decision",
    ),
    Output(
        "switching",
        "switching.csv",
        "decision",
        "decision",
        "switching values: `method` (`exact` or `monte carlo`), parameter, value and prior "
        "quantile of the switch, from and to which intervention; for Monte Carlo switches the "
        "quantiles of the decided points around it (`bracket_low`, `bracket_high`) and `rows`",
        _cols(
            "method=Method",
            "parameter=Parameter",
            "switch_value=Value",
            "switch_quantile=Quantile",
            "from=From",
            "to=To",
            "bracket_low=Between quantile",
            "bracket_high=and",
            "rows=Draws used",
        ),
        "switching",
        "Decision",
    ),
    Output(
        "switching_curves",
        "switching_curves.csv",
        "decision",
        "decision",
        "binned conditional means along the top-EVPPI parameters (`mean_exact`: the exact "
        "conditional mean at the bin's median)",
        _cols(
            "parameter=Parameter",
            "bin=Bin",
            "quantile_low=Quantile from",
            "quantile_high=Quantile to",
            "quantile_mid=Quantile",
            "x_low=Value from",
            "x_high=Value to",
            "x_mid=Value",
            "intervention=Intervention",
            "mean=Mean",
            "half_width=95% half-width",
            "mean_exact=Exact mean",
        ),
    ),
    Output(
        "prim_boxes",
        "prim_boxes.csv",
        "decision",
        "decision",
        "PRIM boxes where each intervention is the per-draw best: coverage, density, mass, "
        "each restricted parameter's limits next to its prior range, `rows` (draws PRIM ran "
        "on), `threshold` (required density)",
        _cols(
            "intervention=Intervention",
            "box=Box",
            "coverage=Coverage",
            "density=Density",
            "mass=Mass",
            "parameter=Parameter",
            "low=From",
            "high=To",
            "prior_low=Prior from",
            "prior_high=Prior to",
            "rows=Draws used",
            "threshold=Required density",
        ),
        "prim_boxes",
        "Decision",
    ),
    *(
        Output(
            f"figure:{name}",
            f"figures/{name}.png",
            "report",
            kind,
            text,
            caption=f"figure_{name}",
            category="Figures",
        )
        for name, kind, text in (
            ("marginal_values", "core", "distributions of the marginal values"),
            ("p_best", "core", "P(best) with intervals"),
            ("sobol", "core", "Sobol indices, exact values marked"),
            ("alignment_channels", "core", "the three channels of the alignment value"),
            ("priors", "core", "the prior of each uncertain belief"),
            ("risk", "core", "the interventions under each risk-attitude rule"),
            ("sobol_decision", "decision", "Sobol indices of the choice"),
            ("evppi", "decision", "EVPPI with intervals, exact values marked"),
            ("switching", "decision", "conditional means along the top-EVPPI parameters"),
        )
    ),
    Output(
        "report",
        "report.html",
        "report",
        "core",
        "the self-contained report",
        caption="report",
        category="Report",
    ),
)

#: Outputs by name.
BY_NAME: dict[str, Output] = {o.name: o for o in OUTPUTS}

#: Intermediate files of the chunk with index ``chunk`` (inside ``results/<worldview>/``):
#: its Sobol sums and its diagnostic counts.
CHUNK_SUMS = "chunks/sums_{chunk}.npz"
CHUNK_COUNTS = "chunks/counts_{chunk}.json"

#: The steps the ``tables`` rule runs in one process when the evaluation is a single chunk,
#: in order (``decision`` only with the decision analysis).
TABLE_STEPS = ("design", "chunk", "summary", "decision", "resolution")

#: Folder of the comparison of worldviews, inside ``results/``. Not a valid worldview name
#: would make it clash: the configuration refuses a worldview called ``comparison``.
COMPARISON_FOLDER = "comparison"

#: Outputs of the comparison of worldviews (``compare`` rule; paths in ``results/comparison/``).
COMPARISON_OUTPUTS: tuple[Output, ...] = (
    Output(
        "comparison",
        "comparison.csv",
        "compare",
        "comparison",
        "one row per worldview: `credence`, `structure`, `winner` (highest mean, exact where "
        "available), `mean_method`, per intervention `mean_<k>` with `mean_<k>_low`/"
        "`mean_<k>_high` and `p_best_<k>`, `evpi` with its interval and method, and the top "
        "drivers `driver_<i>` with `driver_<i>_value` (highest resolved EVPPI)",
    ),
    Output(
        "pooled",
        "pooled.csv",
        "compare",
        "comparison",
        "the credence-weighted mixture of the worldviews, one row per intervention: `mean` "
        "with its 95% interval and `mean_method` (exact when every worldview's means are), "
        "`p_best` with its interval, `variance`, `between_share` (the share of the variance "
        "between worldviews) and `flag`",
    ),
    Output(
        "pooled_value_of_information",
        "pooled_value_of_information.csv",
        "compare",
        "comparison",
        "value of information under the pooled belief: `EVPI`, the worldview label (`which "
        "worldview is right`) and every parameter all worldviews share: `value`, `low`, `high`, "
        "`method` (exact, monte carlo or regression), `flag`, `share_of_evpi`",
    ),
    Output(
        "decision_rules",
        "decision_rules.csv",
        "compare",
        "comparison",
        "the choice under pooled expected value, the favourite worldview, maximin and minimax "
        "regret: `choice`, `criterion` and the runner-up's, `detail` (the worldview concerned) "
        "and `method`",
    ),
    Output(
        "pooled_risk",
        "pooled_risk.csv",
        "compare",
        "comparison",
        "every risk-attitude rule at its presets applied to the pooled draws (a sample of the "
        "credence-weighted mixture), with the columns of `risk.csv`",
    ),
    Output(
        "swaps",
        "swaps.csv",
        "compare",
        "comparison",
        "each worldview against the reference: every differing belief (prior or variant) "
        "swapped alone into the reference, with the means (`mean_<k>`), `winner`, the lead of "
        "`lead_pair` (difference, `ratio`, `relative_lead`) and its Shapley share "
        "(`shapley_lead`, `shapley_relative_lead`, with standard errors) and `method`",
    ),
    *(
        Output(
            f"figure:{name}",
            f"figures/{name}.png",
            "compare",
            "comparison",
            text,
        )
        for name, text in (
            ("p_best", "P(best) by worldview and pooled (heatmap)"),
            ("priors", "the priors of the beliefs that matter most, overlaid"),
            ("shapley", "Shapley shares of the change in the relative lead"),
        )
    ),
    Output("report", "report.html", "compare", "comparison", "the comparison report"),
)

#: Comparison outputs by name.
COMPARISON_BY_NAME: dict[str, Output] = {o.name: o for o in COMPARISON_OUTPUTS}


def outputs(step: str | None = None, kind: str | None = None) -> list[Output]:
    """Return the outputs written by a step and/or of a kind, in registry order."""
    return [
        o for o in OUTPUTS if (step is None or o.step == step) and (kind is None or o.kind == kind)
    ]


def final(decision: bool) -> list[Output]:
    """Return every output of a run (with or without the decision analysis)."""
    return [o for o in OUTPUTS if decision or o.kind == "core"]


def markdown_table() -> str:
    """Return the README's table of outputs, generated from the registry."""
    lines = ["| file | step | kind | content |", "|---|---|---|---|"]
    for o in OUTPUTS:
        lines.append(f"| `{o.file}` | `{o.step}` | {o.kind} | {o.content} |")
    lines += [
        f"| `../{COMPARISON_FOLDER}/{o.file}` | `{o.step}` | {o.kind} | {o.content} |"
        for o in COMPARISON_OUTPUTS
    ]
    return "\n".join(lines)
