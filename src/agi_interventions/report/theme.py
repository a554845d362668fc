"""The one place where the report's plotting theme is set.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot state, no GUI
backend needed); this module only sets the seaborn theme and the shared colours.
"""

from __future__ import annotations

import seaborn as sns

from agi_interventions.parameters import ALIGNMENT_CHANNELS, INTERVENTIONS

#: Resolution of the PNG files embedded in the report.
DPI = 110

_PALETTE = sns.color_palette("colorblind")

#: One colour per intervention, the same in every figure.
INTERVENTION_COLORS: dict[str, tuple[float, float, float]] = {
    key: _PALETTE[i] for i, key in enumerate(INTERVENTIONS)
}

#: One colour per channel of the alignment value.
CHANNEL_COLORS: dict[str, tuple[float, float, float]] = {
    key: _PALETTE[i + 3] for i, key in enumerate(ALIGNMENT_CHANNELS)
}

#: Colours of first-order and total Sobol indices.
SOBOL_COLORS: dict[str, tuple[float, float, float]] = {"S1": _PALETTE[0], "ST": _PALETTE[1]}


def apply_theme() -> None:
    """Set the seaborn theme used by every report figure.

    Idempotent; the figure functions call it before building a figure.
    """
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=_PALETTE,
        font_scale=0.9,
        rc={
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "axes.titlesize": "medium",
            "axes.titleweight": "bold",
            # titles at the top of the axes, not moved above top-side tick labels (none of
            # the figures has any): matplotlib measures every tick label to check, per draw
            "axes.titley": 1.0,
        },
    )
