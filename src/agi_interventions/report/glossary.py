"""The report's fixed prose: the glossary of methods and what a unit of effort is.

Everything else the report says about results is generated from the tables
(:mod:`agi_interventions.narrative`); these texts define terms and do not change with them.
"""

from __future__ import annotations

#: Term to definition, in the order shown.
GLOSSARY: dict[str, str] = {
    "Marginal value": (
        "The expected utility gained per unit of effort spent on an intervention (dU/da in "
        "the model, docs/model.md)."
    ),
    "Mean, P(best)": (
        "The mean is the marginal value averaged over the worldview's prior draws: what a "
        "risk-neutral allocator compares. P(best) is the share of draws in which an "
        "intervention has the highest value."
    ),
    "Exact": (
        "Computed from the model's structure (sums of products of one-parameter factors), "
        "with no Monte Carlo error; available where every structural variant has that form."
    ),
    "95% interval (Monte Carlo)": (
        "The sampling error of an estimate from this many draws; it shrinks with more draws. "
        "Not the spread of the beliefs themselves (5%–95% of draws)."
    ),
    "Heavy tail, k̂, †": (
        "k̂ is the Pareto shape of a sample's tail (Vehtari et al., Pareto smoothed importance "
        "sampling). Where it is at or above the threshold for the number of draws, a mean's "
        "interval cannot be trusted; such intervals are marked †."
    ),
    "Value of information (EVPI, EVPPI)": (
        "What learning a belief (EVPPI) or everything (EVPI) before choosing would gain on "
        "average, in marginal-value units: exact, by nested Monte Carlo, or by regression, as "
        "the table says."
    ),
    "Resolved": (
        "A value whose estimate can be quoted: exact, or with an interval that excludes zero "
        "and is not much wider than the value."
    ),
    "Switching value": (
        "A value of one belief at which the intervention with the highest conditional mean "
        "changes, with the share of the prior below it."
    ),
    "Sobol S1, ST": (
        "Shares of an output's variance due to one belief alone (S1) and with all its "
        "interactions (ST)."
    ),
    "Relative difference": (
        "(a − b) / (|a| + |b|) of two marginal values: scale-free, so a factor that "
        "multiplies both (such as F_I) cancels; its Sobol indices show what moves the choice."
    ),
    "PAWN": (
        "A moment-independent sensitivity index: how much the distribution of an output "
        "shifts when one belief is fixed within a slice (Kolmogorov–Smirnov distance)."
    ),
    "PRIM": (
        "Patient rule induction: a box of beliefs in which one intervention is the per-draw "
        "best. Density: its share of wins inside the box; coverage: the share of all its wins "
        "that the box holds."
    ),
    "Plug-in, policy": (
        "The two regression estimates that bracket an EVPPI: the plug-in (fitted conditional "
        "means, biased up) and the policy value (out-of-sample value of the fitted rule, "
        "biased down)."
    ),
    "Risk-weighted expected utility (REU), WLU, ambiguity": (
        "Risk-averse decision rules on the per-draw values: REU weights outcomes by rank "
        "(r(P) = P^a), weighted linear utility down-weights large values, ambiguity aversion "
        "puts more weight on the worst draws (README, docs/risk.md)."
    ),
    "Impossible population": (
        "A draw whose fractions would need the rest of the world to hold a negative share "
        "(docs/model.md); counted, never dropped."
    ),
}

#: What a unit of effort is (README and docs/model.md say the same).
UNIT_OF_EFFORT = (
    "A unit of effort is whatever amount of work moves an intervention's probability by its "
    "tractability: one unit of alignment work raises p_V by dp_V/da_V, one unit of cooperation "
    "work raises p_C|V (or p_C|¬V) by its tractability. The comparison assumes the three units "
    "cost the same (the same researcher-years, say); a worldview that finds one kind of work "
    "cheaper says so through a larger tractability. The tractability priors are therefore "
    "where the cost of effort enters, and their value of information is the value of "
    "learning it."
)
