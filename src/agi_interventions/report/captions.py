"""Names and captions of the report figures (no plotting library: the HTML step reads them)."""

from __future__ import annotations

#: File names (without .png) of the core figures and of the decision-analysis figures.
FIGURE_SETS: dict[str, tuple[str, ...]] = {
    "core": ("marginal_values", "p_best", "sobol", "alignment_channels", "priors", "risk"),
    "decision": ("sobol_decision", "evppi", "switching"),
}
FIGURE_NAMES = FIGURE_SETS["core"] + FIGURE_SETS["decision"]

SOBOL_DECISION_CAPTION = (
    "Sobol indices of the choice: of the indicator that the winner by mean is the per-draw "
    "best and of the relative differences of the marginal values (difference over the sum of "
    "magnitudes, in which factors common to both cancel); 95% bootstrap intervals."
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
    "priors": (
        "The worldview's prior on each uncertain belief: its density between the 0.5% and 99.5% "
        "quantiles (log axis where they span over two orders of magnitude), the 5%–95% range "
        "shaded; a structure switch as the probabilities that its variant does and does not "
        "hold."
    ),
    "risk": (
        "Each intervention under the risk-attitude rules, scaled by the largest absolute value "
        "under each rule (1: the best); outlined: the rule's winner."
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
        "Value of information: what learning a belief (or a group of beliefs) exactly before "
        "choosing would be worth, in marginal-value units, by the method the table names "
        "(exact, nested Monte Carlo or regression); whiskers: 95% intervals of estimates; pale: "
        "not resolved. Dashed line: EVPI, the value of learning everything."
    ),
    "switching": (
        "Conditional mean marginal value of each intervention as one parameter moves across "
        "its prior (equal-count bins of the sample, 95% Monte Carlo bands; dashed: exact "
        "conditional means where available). Vertical lines: switching values, where the "
        "intervention with the highest conditional mean changes (exact where available)."
    ),
}
