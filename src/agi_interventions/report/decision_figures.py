"""Figures of the decision analysis: value of information and switching values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from agi_interventions.parameters import INTERVENTIONS, display
from agi_interventions.report.axes import fixed_grid, power_of_ten
from agi_interventions.report.formatting import fmt_num, superscript
from agi_interventions.report.theme import INTERVENTION_COLORS, apply_theme


def evppi_bars(voi: pd.DataFrame, top: int = 15) -> Figure:
    """Bar chart of the value of information per belief and per group, EVPI as a line.

    Parameters
    ----------
    voi
        ``value_of_information.csv`` with its headline columns (``headline``,
        ``headline_low``, ``headline_high``, ``method``, ``resolved``).
    top
        Largest number of single beliefs shown (groups are always shown).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: groups (left) and single beliefs (right), sorted by value; whiskers for
        estimates (none for exact values); values that are not resolved drawn pale and
        hatched.
    """
    apply_theme()
    evpi_rows = voi.loc[voi["kind"] == "evpi", "headline"]
    evpi = float(evpi_rows.iloc[0]) if len(evpi_rows) else np.nan
    panels = [
        ("Groups of beliefs", voi.loc[voi["kind"] == "group"]),
        ("Single beliefs", voi.loc[voi["kind"] == "parameter"]),
    ]
    panels = [
        (title, frame.sort_values("headline", ascending=False, kind="stable").head(top))
        for title, frame in panels
    ]
    height = 0.32 * max(max(len(frame) for _, frame in panels), 1) + 1.6
    fig = Figure(figsize=(10.5, height), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True)
    # values in units of a power of ten named in the axis label (no offset text by the label)
    exponent = power_of_ten([evpi, *voi["headline"].to_numpy(dtype=np.float64)])
    scale = 10.0**exponent
    unit = "marginal-value units"
    if exponent:
        unit = f"×10{superscript(exponent)} {unit}"
    for ax, (title, frame) in zip(axes, panels, strict=True):
        y = np.arange(len(frame))
        value = frame["headline"].to_numpy(dtype=np.float64) / scale
        low = frame["headline_low"].to_numpy(dtype=np.float64) / scale
        high = np.minimum(frame["headline_high"].to_numpy(dtype=np.float64), 10 * max(evpi, 0))
        high = high / scale
        whiskers = np.vstack([np.clip(value - low, 0, None), np.clip(high - value, 0, None)])
        resolved = frame["resolved"].astype(bool).to_numpy()
        ax.barh(
            y,
            value,
            xerr=whiskers,
            color=["0.35" if r else "0.8" for r in resolved],
            hatch=None,
            height=0.6,
            error_kw={"ecolor": "0.1", "elinewidth": 1.0, "capsize": 2},
        )
        ax.set_yticks(y, labels=[display(n) for n in frame["name"]])
        ax.set_ylim(len(frame) - 0.5, -0.5)
        if np.isfinite(evpi):
            ax.axvline(evpi / scale, color="C3", linestyle="--", linewidth=1.2)
            ax.text(
                evpi / scale,
                0.01,
                f"EVPI {fmt_num(evpi)} ",
                color="C3",
                ha="right",
                va="bottom",
                fontsize="small",
                transform=ax.get_xaxis_transform(),
            )
        ax.set_title(title)
        ax.set_xlabel(f"value of information ({unit})")
        ax.grid(axis="y", visible=False)
    return fig


def switching_curves(curves: pd.DataFrame, switching: pd.DataFrame) -> Figure:
    """Conditional means of each intervention along the top parameters' priors.

    Parameters
    ----------
    curves
        ``switching_curves.csv``: ``parameter, quantile_mid, x_mid, intervention, mean,
        half_width`` per bin.
    switching
        ``switching.csv``: ``parameter, switch_value, switch_quantile, from, to``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per parameter; the x axis is the prior quantile, with the parameter's value
        at a few quantiles printed under it.
    """
    apply_theme()
    parameters = list(dict.fromkeys(curves["parameter"]))
    n = max(len(parameters), 1)
    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(5.4 * cols, 3.4 * rows))
    # equal panels (title and exponent above, two-line ticks and a label below): fixed margins
    margins = {"top": 0.4, "bottom": 0.75, "left": 1.0, "right": 0.3}
    axes = fixed_grid(fig, rows, cols, **margins, row_gap=1.15, column_gap=1.15).ravel()
    for ax, name in zip(axes, parameters, strict=False):
        block = curves.loc[curves["parameter"] == name]
        for intervention in INTERVENTIONS:
            part = block.loc[block["intervention"] == intervention]
            if part.empty:
                continue
            q = part["quantile_mid"].to_numpy()
            m = part["mean"].to_numpy()
            h = part["half_width"].to_numpy()
            color = INTERVENTION_COLORS.get(intervention)
            ax.plot(q, m, color=color, label=display(intervention), linewidth=1.6)
            ax.fill_between(q, m - h, m + h, color=color, alpha=0.2, linewidth=0)
            if "mean_exact" in part and part["mean_exact"].notna().all():
                ax.plot(q, part["mean_exact"], color=color, linestyle="--", linewidth=1.2)
        shown = switching.loc[switching["parameter"] == name]
        if "method" in shown and (shown["method"] == "exact").any():
            shown = shown.loc[shown["method"] == "exact"]
        for _, row in shown.iterrows():
            ax.axvline(row["switch_quantile"], color="0.2", linestyle=":", linewidth=1.2)
            # the value beside its line, on the side with room (near the right edge: left)
            left = row["switch_quantile"] > 0.8
            value = fmt_num(row["switch_value"])
            ax.text(
                row["switch_quantile"],
                1.0,
                f"{value} " if left else f" {value}",
                transform=ax.get_xaxis_transform(),
                ha="right" if left else "left",
                va="top",
                fontsize="small",
            )
        first = block.drop_duplicates("quantile_mid").sort_values("quantile_mid")
        picks = first.iloc[np.linspace(0, len(first) - 1, min(5, len(first))).astype(int)]
        ax.set_xticks(
            picks["quantile_mid"],
            labels=[
                f"{q:.0%}\n{fmt_num(x)}"
                for q, x in zip(picks["quantile_mid"], picks["x_mid"], strict=True)
            ],
        )
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"prior quantile (and value) of {display(name)}")
        ax.set_ylabel("conditional mean value")
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
        ax.set_title(display(name))
    for ax in axes[len(parameters) :]:
        ax.set_visible(False)
    if parameters:
        axes[0].legend(loc="best", fontsize="small")
    return fig
