"""Figures of the comparison report: P(best) across worldviews, priors overlaid, Shapley shares."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from agi_interventions.parameters import INTERVENTIONS, display, label
from agi_interventions.report.theme import apply_theme

#: Line styles cycled over worldviews where colours run out.
_STYLES = ("-", "--", ":", "-.")


def p_best_heatmap(comparison: pd.DataFrame, pooled: pd.DataFrame | None = None) -> Figure:
    """P(best) of each intervention under each worldview (and pooled), as an annotated heatmap.

    Parameters
    ----------
    comparison
        ``comparison.csv``.
    pooled
        ``pooled.csv`` (adds a last row, "pooled").

    Returns
    -------
    matplotlib.figure.Figure
        Rows: worldviews; columns: interventions; the worldview's winner by mean outlined.
    """
    import seaborn as sns

    apply_theme()
    options = list(INTERVENTIONS)
    frame = pd.DataFrame(
        [[float(r[f"p_best_{o}"]) for o in options] for _, r in comparison.iterrows()],
        index=list(comparison["worldview"]),
        columns=[label(o).replace(", ", ",\n") for o in options],
    )
    winners = [options.index(str(w)) for w in comparison["winner"]]
    if pooled is not None:
        by = pooled.set_index("intervention")
        frame.loc["pooled"] = [float(by.loc[o, "p_best"]) for o in options]
        winners.append(options.index(str(pooled["intervention"].iloc[0])))
    fig = Figure(figsize=(6.4, 0.5 * len(frame) + 1.4), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(
        frame,
        ax=ax,
        annot=True,
        fmt=".0%",
        vmin=0.0,
        vmax=1.0,
        cmap="Blues",
        cbar_kws={"label": "P(best)"},
        linewidths=0.5,
        linecolor="white",
    )
    for row, col in enumerate(winners):
        ax.add_patch(Rectangle((col, row), 1, 1, fill=False, edgecolor="black", lw=2))
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelrotation=0)
    ax.set_title("P(best) by worldview (outlined: highest mean)", loc="left")
    return fig


def prior_overlays(worldviews: Sequence, names: Sequence[str], *, columns: int = 3) -> Figure:
    """Each named belief's prior under every worldview, overlaid.

    Parameters
    ----------
    worldviews
        :class:`agi_interventions.priors.Worldview` objects.
    names
        Inputs to draw (those missing from a worldview are skipped for it).
    columns
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per input: each worldview's density between the 0.5% and 99.5% quantiles of
        all of them (log axis where they span more than two orders of magnitude of one sign),
        a fixed value as a vertical line, a discrete prior as dodged bars.
    """
    import seaborn as sns

    apply_theme()
    colours = sns.color_palette("colorblind", len(worldviews))
    rows = max(1, math.ceil(len(names) / columns))
    fig = Figure(figsize=(2.9 * columns, 1.9 * rows + 0.8), layout="constrained")
    grid = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in grid[len(names) :]:
        fig.delaxes(ax)
    for ax, name in zip(grid, names, strict=False):
        ax.set_title(display(name), loc="left", fontsize="small")
        ax.set_yticks([])
        ax.grid(visible=False)
        priors = [(i, v.priors[name]) for i, v in enumerate(worldviews) if name in v.priors]
        continuous = [(i, p) for i, p in priors if not (p.is_fixed or p.is_discrete)]
        lows, highs = [], []
        for _, p in continuous:
            lo, hi = (float(q) for q in p.quantiles([0.005, 0.995]))
            lows.append(lo)
            highs.append(hi)
        for _, p in priors:
            if p.is_fixed:
                lows.append(float(p.value))
                highs.append(float(p.value))
        if not lows:
            width = 0.8 / max(len(priors), 1)
            for j, (i, p) in enumerate(priors):
                atoms, probs = p.atoms()
                ax.bar(
                    atoms + (j - (len(priors) - 1) / 2) * width,
                    probs,
                    width=width,
                    color=colours[i],
                )
            ax.set_ylim(0, 1)
            continue
        low, high = min(lows), max(highs)
        if high <= low:
            high = low + 1.0
        log = low > 0 and high / low > 100
        x = np.geomspace(low, high, 300) if log else np.linspace(low, high, 300)
        if log:
            ax.set_xscale("log")
        for j, (i, p) in enumerate(priors):
            style = _STYLES[j // len(colours) % len(_STYLES)] if len(colours) else "-"
            if p.is_fixed:
                ax.axvline(float(p.value), color=colours[i], lw=1.5, ls=style)
                continue
            if p.is_discrete:
                atoms, probs = p.atoms()
                ax.vlines(atoms, 0, probs, color=colours[i], lw=2)
                continue
            with np.errstate(all="ignore"):
                density = np.asarray(p.dist.pdf(x), dtype=np.float64)
            density = np.where(np.isfinite(density), density, 0.0)
            if log:
                density = density * x
            peak = float(density.max()) or 1.0
            ax.plot(x, density / peak, color=colours[i], lw=1.4, ls=style)
        ax.tick_params(axis="x", labelsize="x-small")
    handles = [
        Line2D([], [], color=colours[i], lw=2, label=v.name) for i, v in enumerate(worldviews)
    ]
    fig.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 5), fontsize="small"
    )
    fig.suptitle(
        "Priors across worldviews (each scaled to its peak; vertical line: fixed)",
        fontsize="medium",
    )
    return fig


def shapley_bars(swaps: pd.DataFrame) -> Figure:
    """Shapley shares of the change in the relative lead, per worldview against the reference.

    Parameters
    ----------
    swaps
        ``swaps.csv``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per compared worldview: a bar per swapped item (its share of the change in
        the relative lead, with its 95% error where Monte Carlo), items in the table's order.
    """
    apply_theme()
    items = swaps[swaps["kind"].isin(["parameter", "variant"])]
    worldviews = list(dict.fromkeys(items["worldview"]))
    heights = [max(len(items[items["worldview"] == w]), 1) for w in worldviews]
    fig = Figure(
        figsize=(7.0, 0.32 * sum(heights) + 1.0 * len(worldviews) + 0.6), layout="constrained"
    )
    axes = fig.subplots(
        len(worldviews), 1, squeeze=False, gridspec_kw={"height_ratios": heights}
    ).ravel()
    for ax, name in zip(axes, worldviews, strict=True):
        sub = items[items["worldview"] == name]
        values = sub["shapley_relative_lead"].to_numpy(dtype=float)
        errors = 1.96 * np.nan_to_num(sub["shapley_relative_lead_se"].to_numpy(dtype=float))
        y = np.arange(len(sub))
        colours = ["#3a7" if v >= 0 else "#c44" for v in np.nan_to_num(values)]
        ax.barh(y, np.nan_to_num(values), xerr=errors, color=colours)
        ax.set_yticks(
            y,
            labels=[
                f"{i.split(':', 1)[1]} (variant)" if i.startswith("structure:") else display(i)
                for i in sub["item"]
            ],
        )
        ax.set_ylim(len(sub) - 0.5, -0.5)
        ax.axvline(0.0, color="0.3", lw=0.8)
        pair = str(sub["lead_pair"].iloc[0]).split("-", 1) if len(sub) else ["", ""]
        ax.set_title(
            f"{name}: {label(pair[0])} over {label(pair[1])}", loc="left", fontsize="small"
        )
        if np.isnan(values).all():
            ax.text(0.5, 0.5, "not attributed", transform=ax.transAxes, ha="center")
    axes[-1].set_xlabel("Shapley share of the change in (x − y) / (|x| + |y|)")
    return fig


def comparison_figures(
    tables: Mapping[str, pd.DataFrame], worldviews: Sequence, overlay: Sequence[str]
) -> dict[str, Figure]:
    """Every figure of the comparison report.

    Parameters
    ----------
    tables
        The comparison tables.
    worldviews
        The compared worldviews.
    overlay
        Inputs whose priors are overlaid.

    Returns
    -------
    dict
        ``p_best`` (heatmap), ``priors`` (overlays) and, with swaps, ``shapley``.
    """
    figures = {
        "p_best": p_best_heatmap(tables["comparison"], tables.get("pooled")),
        "priors": prior_overlays(worldviews, overlay),
    }
    swaps = tables.get("swaps")
    if swaps is not None and not swaps.empty:
        figures["shapley"] = shapley_bars(swaps)
    return figures
