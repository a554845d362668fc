"""Report layer: figures, number formatting, HTML assembly and the per-worldview build.

Modules: :mod:`.figures` and :mod:`.decision_figures` (matplotlib figures),
:mod:`.formatting` (numbers), :mod:`.html` (tables and the page), :mod:`.build` (one
worldview's report from its result files). Nothing is imported here, so that the light
modules stay light.
"""
