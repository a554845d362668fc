"""Every sentence of the report, generated from the numbers in the result tables.

Nothing here is written about a particular worldview: each function takes tables and returns
sentences whose every number, ratio, ordering and verdict is computed from them. Where the
exact engine (:mod:`agi_interventions.exact`) supplied exact values (``*_exact`` columns), the
sentences quote those; Monte Carlo estimates that cannot be (an index outside [0, 1]) are never
quoted as findings. Numbers use :mod:`agi_interventions.report.formatting`.

Submodules, one per part of the report:

- :mod:`.common`: shared helpers (:func:`join`, :func:`has_exact`, :func:`winner`,
  :func:`subsample_sentence`);
- :mod:`.ranking`: the headline, the lead over the runner-up, the alignment channels and the
  diagnostics;
- :mod:`.card`: the decision card (answer, margin, impossible populations, cruxes);
- :mod:`.sensitivity`: Sobol drivers, the beliefs that move the choice, the asinh scales and
  the agreement of sensitivity methods;
- :mod:`.decision`: value of information, switching values and PRIM scenarios;
- :mod:`.budget`: whether the Monte Carlo sample resolves what the report leads with;
- :mod:`.structure`: whether the model's structure (the structural variants) decides it;
- :mod:`.game`: the bargaining game's settings and the utilities it derives;
- :mod:`.risk`: the winner under each risk-attitude decision rule;
- :mod:`.comparison`: the comparison of worldviews (verdict, pooled belief, decision rules over
  worldviews, value of information, swaps).

The functions that build a section's sentences are re-exported here, so
``from agi_interventions.narrative import ...`` works for them; helpers stay in their module
(e.g. the bargaining game's tables in :mod:`.game`).
"""

from __future__ import annotations

from agi_interventions.narrative.budget import resolution_sentences
from agi_interventions.narrative.card import DecisionCard, decision_card
from agi_interventions.narrative.common import has_exact, join, subsample_sentence, winner
from agi_interventions.narrative.comparison import (
    pooled_sentences,
    rule_sentences,
    swap_sentences,
    value_sentences,
    verdict_sentences,
)
from agi_interventions.narrative.decision import (
    NEGLIGIBLE_SHARE,
    scenario_sentences,
    switching_sentences,
    value_of_information_sentences,
)
from agi_interventions.narrative.game import game_sentences
from agi_interventions.narrative.ranking import (
    channel_sentences,
    diagnostics_sentences,
    headline_sentences,
    headline_title,
    is_tie,
)
from agi_interventions.narrative.risk import risk_sentences
from agi_interventions.narrative.sensitivity import (
    ROUGH_SOBOL_CONF,
    asinh_scale_sentence,
    choice_sentences,
    robustness_sentences,
    sobol_sentences,
)
from agi_interventions.narrative.structure import structure_sentences

__all__ = [
    "NEGLIGIBLE_SHARE",
    "ROUGH_SOBOL_CONF",
    "DecisionCard",
    "asinh_scale_sentence",
    "channel_sentences",
    "choice_sentences",
    "decision_card",
    "diagnostics_sentences",
    "game_sentences",
    "has_exact",
    "headline_sentences",
    "headline_title",
    "is_tie",
    "join",
    "pooled_sentences",
    "resolution_sentences",
    "risk_sentences",
    "robustness_sentences",
    "rule_sentences",
    "scenario_sentences",
    "sobol_sentences",
    "structure_sentences",
    "subsample_sentence",
    "swap_sentences",
    "switching_sentences",
    "value_of_information_sentences",
    "value_sentences",
    "verdict_sentences",
    "winner",
]
