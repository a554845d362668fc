"""Several worldviews at once: pooled by credence, compared, and swapped belief by belief.

* :mod:`~agi_interventions.compare.pool`: credences, the pooled ranking, the value of learning
  which worldview is right, and rules for disagreement (favourite worldview, maximin,
  minimax regret);
* :mod:`~agi_interventions.compare.mixture`: the value of information about a shared parameter
  under the mixture of worldviews (exact from the components' engines, else by regression);
* :mod:`~agi_interventions.compare.swaps`: what moves the answer from one worldview to
  another: beliefs swapped one at a time and their Shapley shares.

:func:`agi_interventions.steps.compare` puts them together from the worldviews' results.
"""
