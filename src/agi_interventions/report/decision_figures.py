"""Figures of the decision analysis: value of information and switching values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from agi_interventions.parameters import INTERVENTIONS, label, symbol
from agi_interventions.report.formatting import fmt_num
from agi_interventions.report.theme import INTERVENTION_COLORS, apply_theme


def evppi_bars(voi: pd.DataFrame, top: int = 15) -> Figure:
    """Bar chart of EVPPI per parameter and per group, with EVPI as a reference line.

    Parameters
    ----------
    voi
        ``value_of_information.csv``: columns ``name, kind, value, ci_low, ci_high`` and,
        where the exact engine applied, ``value_exact``.
    top
        Largest number of parameters shown (groups are always shown).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: groups (left) and single parameters (right), sorted by EVPPI.
    """
    apply_theme()
    exact = "value_exact" in voi.columns and voi["value_exact"].notna().any()
    key = "value_exact" if exact else "value"
    evpi_rows = voi.loc[voi["kind"] == "evpi", key]
    evpi = float(evpi_rows.iloc[0]) if len(evpi_rows) else np.nan
    panels = [
        ("Parameter groups", voi.loc[voi["kind"] == "group"]),
        ("Single parameters", voi.loc[voi["kind"] == "parameter"]),
    ]
    panels = [
        (title, frame.sort_values(key, ascending=False, kind="stable").head(top))
        for title, frame in panels
    ]
    height = 0.32 * max(len(frame) for _, frame in panels) + 1.6
    fig = Figure(figsize=(10.5, height), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True)
    for ax, (title, frame) in zip(axes, panels, strict=True):
        y = np.arange(len(frame))
        names = [
            symbol(n) if kind == "parameter" else n
            for n, kind in zip(frame["name"], frame["kind"], strict=True)
        ]
        value = frame["value"].to_numpy(dtype=np.float64)
        whiskers = np.vstack(
            [
                np.clip(value - frame["ci_low"].to_numpy(dtype=np.float64), 0, None),
                np.clip(frame["ci_high"].to_numpy(dtype=np.float64) - value, 0, None),
            ]
        )
        ax.barh(
            y,
            value,
            xerr=whiskers,
            color="0.55" if title.startswith("Single") else "0.35",
            height=0.6,
            error_kw={"ecolor": "0.1", "elinewidth": 1.0, "capsize": 2},
        )
        if exact:
            ax.plot(frame["value_exact"], y, "D", color="black", markersize=5, zorder=4)
        ax.set_yticks(y, labels=names)
        ax.set_ylim(len(frame) - 0.5, -0.5)
        if np.isfinite(evpi):
            ax.axvline(evpi, color="C3", linestyle="--", linewidth=1.2)
            ax.text(
                evpi,
                0.01,
                f"EVPI {fmt_num(evpi)} ",
                color="C3",
                ha="right",
                va="bottom",
                fontsize="small",
                transform=ax.get_xaxis_transform(),
            )
        ax.set_title(title)
        ax.set_xlabel("EVPPI (marginal-value units)")
        ax.grid(axis="y", visible=False)
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 3))
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
    fig = Figure(figsize=(5.4 * cols, 3.4 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
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
            ax.plot(q, m, color=color, label=label(intervention), linewidth=1.6)
            ax.fill_between(q, m - h, m + h, color=color, alpha=0.2, linewidth=0)
            if "mean_exact" in part and part["mean_exact"].notna().all():
                ax.plot(q, part["mean_exact"], color=color, linestyle="--", linewidth=1.2)
        shown = switching.loc[switching["parameter"] == name]
        if "method" in shown and (shown["method"] == "exact").any():
            shown = shown.loc[shown["method"] == "exact"]
        for _, row in shown.iterrows():
            ax.axvline(row["switch_quantile"], color="0.2", linestyle=":", linewidth=1.2)
            ax.text(
                row["switch_quantile"],
                1.0,
                f" {fmt_num(row['switch_value'])}",
                transform=ax.get_xaxis_transform(),
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
        ax.set_xlabel(f"prior quantile (and value) of {symbol(name)}")
        ax.set_ylabel("conditional mean value")
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
        ax.set_title(symbol(name))
    for ax in axes[len(parameters) :]:
        ax.set_visible(False)
    if parameters:
        axes[0].legend(loc="best", fontsize="small")
    return fig
