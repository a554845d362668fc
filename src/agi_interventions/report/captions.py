"""Names and captions of the report figures (no plotting library: the HTML step reads them)."""

from __future__ import annotations

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

#: Names of the standard report figures, with their captions.
FIGURE_CAPTIONS: dict[str, str] = {
    "marginal_values": (
        "Distribution of each intervention's marginal value over independent prior draws "
        "(symmetric-log axis). Solid line: mean; dashed line: median."
    ),
    "p_best": (
        "Probability that each intervention has the highest marginal value, with 95% "
        "Monte Carlo intervals."
    ),
    "sobol": (
        "Sobol indices per output: first-order (S1, share of variance due to the parameter "
        "alone) and total (ST, including interactions), with 95% bootstrap intervals; "
        "parameters sorted by ST. Black diamonds: exact values where the model's structure "
        "gives them. An estimate outside the axis range (noisy estimates can leave [0, 1]) is "
        "cut at the edge and its value printed there."
    ),
    "alignment_channels": (
        "The three channels of the alignment value. Left: mean with 95% Monte Carlo interval "
        "(linear axis; the channel means add up to the mean alignment value). Right: spread "
        "over prior draws (symmetric-log axis)."
    ),
}

#: Captions of the decision figures.
DECISION_FIGURE_CAPTIONS: dict[str, str] = {
    "evppi": (
        "Expected value of partial perfect information: what learning a parameter (or a group "
        "of parameters) exactly would be worth, in marginal-value units. Bars and whiskers: the "
        "regression estimate from the sample and its 95% interval; black diamonds: exact values "
        "where the model's structure gives them. Dashed line: EVPI, the value of learning "
        "everything."
    ),
    "switching": (
        "Conditional mean marginal value of each intervention as one parameter moves across "
        "its prior (equal-count bins of the sample, 95% Monte Carlo bands; dashed: exact "
        "conditional means where available). Vertical lines: switching values, where the "
        "intervention with the highest conditional mean changes (exact where available)."
    ),
}
