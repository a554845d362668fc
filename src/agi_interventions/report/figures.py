"""Report figures: each function takes DataFrames and returns a matplotlib Figure.

Figures are built on :class:`matplotlib.figure.Figure` (no pyplot, no global figure state,
no GUI backend); the caller saves them, e.g. with :func:`figure_png`. Marginal values can
span many orders of magnitude and both signs, so their distributions are drawn on a
symmetric-log axis whose linear threshold is chosen from the data and stated in the label.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator, PercentFormatter

from agi_interventions.parameters import (
    ALIGNMENT_CHANNELS,
    INTERVENTIONS,
    OUTPUTS,
    display,
    label,
)
from agi_interventions.report.axes import (
    LINSCALE,
    finite,
    fixed_grid,
    interval_plot,
    label_clipped,
    mean_interval_plot,
    require_columns,
    symlog_edges,
    symlog_label,
    symlog_threshold,
    symlog_ticks,
    wrap,
)
from agi_interventions.report.formatting import fmt_interval, fmt_num, fmt_pct
from agi_interventions.report.theme import (
    CHANNEL_COLORS,
    DPI,
    INTERVENTION_COLORS,
    SOBOL_COLORS,
    apply_theme,
)

logger = logging.getLogger(__name__)


#: x range of every Sobol panel; values beyond it are printed at the edge.
SOBOL_XLIM = (-0.1, 1.1)


def marginal_value_distributions(
    values: pd.DataFrame, *, bins: int = 60, quantile: float = 0.05
) -> Figure:
    """Histogram of each intervention's marginal value on a shared symmetric-log axis.

    Parameters
    ----------
    values
        Independent prior draws with columns ``a_V``, ``a_CV``, ``a_CnotV`` (others ignored).
        Non-finite values are left out of the histogram and their number is stated.
    bins
        Number of bins, equally wide on the symmetric-log axis.
    quantile
        Quantile of ``|value|`` used for the linear threshold (:func:`symlog_threshold`).

    Returns
    -------
    matplotlib.figure.Figure
        One panel (axes) per intervention, sharing the x axis; the mean (solid) and median
        (dashed) are marked and the panel text gives mean, median and P(value > 0).

    """
    keys = list(INTERVENTIONS)
    require_columns(values, keys, "marginal_value_distributions")
    apply_theme()
    series = {k: finite(values[k]) for k in keys}
    threshold = symlog_threshold(series.values(), quantile)
    edges = symlog_edges(list(series.values()), threshold, bins)
    fig = Figure(figsize=(8.0, 1.9 * len(keys) + 1.0))
    # equal panels, a title above each, percentages left, one axis below: fixed margins
    margins = {"top": 0.3, "bottom": 0.8, "left": 0.85, "right": 0.3}
    axes = fixed_grid(fig, len(keys), 1, **margins, row_gap=0.35, sharex=True)[:, 0]
    for ax, key in zip(axes, keys, strict=True):
        x = series[key]
        n_bad = len(values) - x.size
        color = INTERVENTION_COLORS[key]
        ax.set_xscale("symlog", linthresh=threshold, linscale=LINSCALE)
        ax.axvline(0.0, color="0.4", lw=0.8, zorder=1)
        if x.size:
            counts, _ = np.histogram(x, edges)
            share = counts / x.size
            ax.stairs(share, edges, fill=True, color=color, alpha=0.55, zorder=2)
            ax.stairs(share, edges, color=color, lw=1.0, zorder=3)
            mean, median = float(x.mean()), float(np.median(x))
            ax.axvline(mean, color="black", lw=1.8, zorder=4)
            ax.axvline(median, color="black", lw=1.2, ls="--", zorder=4)
            text = (
                f"mean {fmt_num(mean)}\nmedian {fmt_num(median)}\n"
                f"P(value > 0) {fmt_pct(float(np.mean(x > 0)))}"
            )
        else:
            text = "no finite values"
        if n_bad:
            text += f"\n{n_bad} non-finite not shown"
        ax.text(
            0.01,
            0.95,
            text,
            transform=ax.transAxes,
            va="top",
            ha="left",
            fontsize="small",
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.8", "alpha": 0.9},
        )
        ax.set_title(label(key), loc="left")
        ax.set_ylabel("share of draws")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylim(bottom=0.0)
    handles = [
        Line2D([], [], color="black", lw=1.8, label="mean"),
        Line2D([], [], color="black", lw=1.2, ls="--", label="median"),
    ]
    axes[0].legend(handles=handles, loc="upper right", fontsize="small")
    symlog_ticks(axes[-1], threshold, float(edges[0]), float(edges[-1]))
    axes[-1].set_xlabel(symlog_label("marginal value dU/da", threshold))
    return fig


def _ordered_outputs(outputs: Iterable[str]) -> list[str]:
    unique = list(dict.fromkeys(outputs))
    rank = {name: i for i, name in enumerate(OUTPUTS)}
    return sorted(unique, key=lambda o: rank.get(o, len(rank)))


def sobol_bars(
    sobol: pd.DataFrame,
    *,
    outputs: Sequence[str] | None = None,
    max_parameters: int | None = 10,
) -> Figure:
    """First-order and total Sobol indices per parameter, one panel per output.

    Parameters
    ----------
    sobol
        Tidy table with columns ``output, parameter, S1, S1_conf, ST, ST_conf`` (conf = 95%
        half-width).
    outputs
        Outputs to draw, in this order; default all outputs in the table (canonical order).
    max_parameters
        Draw only this many parameters per output, those with the largest ST (None: all).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per output (two columns), parameters sorted by ST (largest on top), S1 and
        ST bars with interval whiskers. All panels share the x range ``SOBOL_XLIM``; an
        estimate or whisker outside it (noisy estimates can leave [0, 1]) is cut at the edge
        and its value printed there.

    """
    require_columns(sobol, ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"], "sobol_bars")
    apply_theme()
    outputs = list(outputs) if outputs is not None else _ordered_outputs(sobol["output"])
    if not outputs:
        raise ValueError("sobol_bars: no output to draw")
    n_params = int(sobol.groupby("output")["parameter"].nunique().max())
    shown = n_params if max_parameters is None else min(n_params, max_parameters)
    ncols = 1 if len(outputs) == 1 else 2
    nrows = math.ceil(len(outputs) / ncols)
    fig = Figure(figsize=(5.4 * ncols, (0.26 * shown + 1.3) * nrows + 0.5), layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in grid[len(outputs) :]:
        fig.delaxes(ax)
    lo, hi = SOBOL_XLIM
    for ax, output in zip(grid, outputs, strict=False):
        sub = sobol.loc[sobol["output"] == output]
        ax.set_xlim(lo, hi)
        ax.axvline(0.0, color="0.4", lw=0.8)
        ax.set_xlabel("Sobol index")
        if sub.empty or sub[["S1", "ST"]].isna().all().all():
            ax.set_title(wrap(display(output), 48), loc="left")
            reason = "no indices" if sub.empty else "indices unavailable (non-finite outputs)"
            ax.text(0.5, 0.5, reason, transform=ax.transAxes, ha="center", va="center")
            ax.set_yticks([])
            continue
        key = "ST_exact" if "ST_exact" in sub and sub["ST_exact"].notna().all() else "ST"
        sub = sub.sort_values(key, ascending=False, na_position="last", kind="stable")
        ax.set_title(wrap(display(output), 48), loc="left")
        sub = sub.iloc[:shown]
        y = np.arange(len(sub))
        for offset, index in ((-0.2, "S1"), (0.2, "ST")):
            est = sub[index].fillna(0.0).to_numpy(dtype=np.float64)
            half = sub[f"{index}_conf"].fillna(0.0).to_numpy(dtype=np.float64)
            ax.barh(
                y + offset,
                est,
                height=0.4,
                xerr=half,
                color=SOBOL_COLORS[index],
                error_kw={"ecolor": "0.2", "elinewidth": 0.8, "capsize": 2},
            )
            label_clipped(ax, y + offset, est, half, index, (lo, hi))
        if "ST_exact" in sub and sub["ST_exact"].notna().all():
            for offset, index in ((-0.2, "S1"), (0.2, "ST")):
                ax.plot(
                    np.clip(sub[f"{index}_exact"], lo, hi),
                    y + offset,
                    "D",
                    color="black",
                    markersize=4,
                    zorder=4,
                )
        ax.set_yticks(y, labels=[display(p) for p in sub["parameter"]])
        ax.set_ylim(len(sub) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
    fig.legend(
        handles=[
            Patch(color=SOBOL_COLORS["S1"], label="first order S1"),
            Patch(color=SOBOL_COLORS["ST"], label="total ST"),
            Line2D([], [], color="0.2", lw=0.8, label="95% bootstrap interval"),
            *(
                [Line2D([], [], color="black", marker="D", lw=0, label="exact")]
                if "ST_exact" in sobol and sobol["ST_exact"].notna().any()
                else []
            ),
        ],
        loc="outside upper center",
        ncols=4,
        frameon=False,
        title=f"{shown} parameters with the largest ST per output (of {n_params})"
        if shown < n_params
        else None,
    )
    return fig


def alignment_channels(channels: pd.DataFrame) -> Figure:
    """Mean and spread of the three channels of the alignment value.

    Parameters
    ----------
    channels
        Independent prior draws with columns ``a_V_bargaining``, ``a_V_success_shift``,
        ``a_V_failure_shift``; when an ``a_V`` column is present it is drawn as the total.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: means with 95% Monte Carlo intervals (linear axis, values printed), and
        the 5-95% / 25-75% ranges, median and mean of each channel (symmetric-log axis).

    """
    keys = list(ALIGNMENT_CHANNELS)
    require_columns(channels, keys, "alignment_channels")
    apply_theme()
    rows: list[tuple[str, np.ndarray, tuple[float, float, float]]] = [
        (label(k), finite(channels[k]), CHANNEL_COLORS[k]) for k in keys
    ]
    if "a_V" in channels.columns:
        rows.append(("Alignment, total", finite(channels["a_V"]), INTERVENTION_COLORS["a_V"]))
    fig = Figure(figsize=(11.0, 0.75 * len(rows) + 2.0), layout="constrained")
    ax_mean, ax_spread = fig.subplots(1, 2, sharey=True)
    mean_interval_plot(ax_mean, rows)
    ax_mean.set_title("Mean", loc="left", pad=22)
    interval_plot(ax_spread, rows)
    ax_spread.grid(axis="y", visible=False)
    ax_spread.set_title("Spread over prior draws", loc="left", pad=22)
    return fig


def p_best_bars(ranking: pd.DataFrame) -> Figure:
    """Probability that each intervention is best, with its Monte Carlo interval.

    Parameters
    ----------
    ranking
        Ranking table with columns ``intervention, p_best, p_best_ci_low, p_best_ci_high``
        (``label`` used when present).

    Returns
    -------
    matplotlib.figure.Figure
        One axes: horizontal bars sorted by P(best), whiskers for the interval, values
        printed.

    """
    require_columns(
        ranking, ["intervention", "p_best", "p_best_ci_low", "p_best_ci_high"], "p_best_bars"
    )
    apply_theme()
    table = ranking.sort_values("p_best", ascending=False, kind="stable")
    names = [
        row["label"] if "label" in table.columns and isinstance(row["label"], str) else None
        for _, row in table.iterrows()
    ]
    names = [n or label(k) for n, k in zip(names, table["intervention"], strict=True)]
    p = table["p_best"].to_numpy(dtype=np.float64)
    low = np.clip(p - table["p_best_ci_low"].to_numpy(dtype=np.float64), 0.0, None)
    high = np.clip(table["p_best_ci_high"].to_numpy(dtype=np.float64) - p, 0.0, None)
    fig = Figure(figsize=(7.5, 0.55 * len(table) + 1.3), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(table))
    colors = [INTERVENTION_COLORS.get(k, (0.5, 0.5, 0.5)) for k in table["intervention"]]
    ax.barh(
        y,
        p,
        xerr=np.vstack([low, high]),
        color=colors,
        height=0.6,
        error_kw={"ecolor": "0.2", "elinewidth": 1.0, "capsize": 3},
    )
    for i, row in enumerate(table.itertuples(index=False)):
        ax.text(
            row.p_best_ci_high + 0.015,
            i,
            f"{fmt_pct(row.p_best)}  "
            + fmt_interval(row.p_best_ci_low, row.p_best_ci_high, percent=True),
            va="center",
            fontsize="small",
        )
    ax.set_yticks(y, labels=names)
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(0.0, 1.32)
    ax.set_xticks(np.linspace(0.0, 1.0, 6))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("P(best): share of prior draws in which\nthe intervention has the highest value")
    return fig


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """Render a figure to PNG bytes.

    Parameters
    ----------
    fig
        The figure.
    dpi
        Resolution.

    Returns
    -------
    bytes
        The PNG file contents.

    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)  # the constrained layout leaves no overflow
    return buffer.getvalue()


def prior_marginals(priors: dict, *, columns: int = 4) -> Figure:
    """Small multiples of a worldview's prior marginals: densities, and bars for switches.

    Parameters
    ----------
    priors
        Input name to :class:`agi_interventions.priors.Prior` (fixed ones are left out).
    columns
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per uncertain input: the density between its 0.5% and 99.5% quantiles (on
        a log axis where they span more than two orders of magnitude of one sign), the
        5%–95% range shaded; a switch's two probabilities as bars.
    """
    apply_theme()
    names = [n for n, p in priors.items() if not p.is_fixed]
    rows = max(1, math.ceil(len(names) / columns))
    fig = Figure(figsize=(2.6 * columns, 1.6 * rows + 0.3))
    # every panel has a title above and one row of tick labels below: fixed margins
    margins = {"top": 0.55, "bottom": 0.3, "left": 0.15, "right": 0.15}
    grid = fixed_grid(fig, rows, columns, **margins, row_gap=0.55, column_gap=0.3).ravel()
    for ax in grid[len(names) :]:
        fig.delaxes(ax)
    for ax, name in zip(grid, names, strict=False):
        prior = priors[name]
        ax.set_title(display(name), loc="left", fontsize="small")
        ax.set_yticks([])
        ax.grid(visible=False)
        if prior.is_discrete:
            atoms, probs = prior.atoms()
            names = ["no", "yes"] if len(atoms) == 2 else [f"{a:g}" for a in atoms]
            ax.bar(names, probs, color=INTERVENTION_COLORS["a_V"])
            ax.set_ylim(0, 1)
            continue
        low, high = (float(q) for q in prior.quantiles([0.005, 0.995]))
        q05, q95 = (float(q) for q in prior.quantiles([0.05, 0.95]))
        log = low > 0 and high / low > 100
        x = np.geomspace(low, high, 200) if log else np.linspace(low, high, 200)
        with np.errstate(all="ignore"):
            density = np.asarray(prior.dist.pdf(x), dtype=np.float64)
        density = np.where(np.isfinite(density), density, 0.0)
        if log:  # density of log(x): the shape a log axis shows
            density = density * x
            ax.set_xscale("log")
        ax.plot(x, density, color="0.2", lw=1.0)
        inside = (x >= q05) & (x <= q95)
        ax.fill_between(x, 0, density, where=inside, color=INTERVENTION_COLORS["a_V"], alpha=0.35)
        ax.tick_params(axis="x", labelsize="x-small")
        # few ticks, no minor ones: a small panel shows the range, and tick layout is most of
        # the figure's drawing time
        if log:
            ax.xaxis.set_major_locator(LogLocator(numticks=4))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
        ax.xaxis.set_minor_locator(NullLocator())
    fig.suptitle("Prior of each uncertain belief (shaded: 5%–95%)", fontsize="medium")
    return fig


def risk_bars(risk: pd.DataFrame) -> Figure:
    """Each intervention's value under each risk rule, scaled by the best value of that rule.

    Parameters
    ----------
    risk
        ``risk.csv``.

    Returns
    -------
    matplotlib.figure.Figure
        One row per rule and setting; each bar is the value divided by the largest absolute
        value under that rule (so 1 is the best), the winner's bar outlined.
    """
    from agi_interventions.narrative.budget import RISK_RULES, RISK_SETTINGS

    apply_theme()
    groups = list(risk.groupby(["rule", "setting_value"], sort=False, dropna=False))
    fig = Figure(figsize=(7.5, 0.42 * len(groups) * 1.3 + 1.4), layout="constrained")
    ax = fig.subplots()
    height = 0.8 / len(INTERVENTIONS)
    labels = []
    for i, ((rule, setting), sub) in enumerate(groups):
        by = sub.set_index("intervention")
        scale = float(np.max(np.abs(by["value"]))) or 1.0
        name = RISK_RULES.get(rule, rule)
        if not (isinstance(setting, float) and math.isnan(setting)):
            name += f" ({RISK_SETTINGS.get(rule, 'setting')} = {setting:g})"
        labels.append(name)
        for j, option in enumerate(INTERVENTIONS):
            if option not in by.index:
                continue
            winner = option == sub["winner"].iloc[0]
            ax.barh(
                i + (j - 1) * height,
                by.loc[option, "value"] / scale,
                height=height,
                color=INTERVENTION_COLORS[option],
                edgecolor="black" if winner else "none",
                linewidth=1.2 if winner else 0,
            )
    ax.set_yticks(np.arange(len(groups)), labels=labels)
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.axvline(0.0, color="0.4", lw=0.8)
    ax.set_xlabel("value ÷ largest absolute value under the rule\n(outlined: the rule's winner)")
    # above the panel, across the figure: inside, it covered the bars of the last rules
    fig.legend(
        handles=[Patch(color=INTERVENTION_COLORS[o], label=label(o)) for o in INTERVENTIONS],
        loc="outside upper center",
        ncols=len(INTERVENTIONS),
        fontsize="small",
        frameon=False,
    )
    ax.grid(axis="y", visible=False)
    return fig


def report_figures(
    values: pd.DataFrame, sobol: pd.DataFrame, ranking: pd.DataFrame
) -> dict[str, bytes]:
    """Draw every standard report figure and return them as PNG bytes.

    Parameters
    ----------
    values
        Independent prior draws with the intervention columns and the three channel columns
        (e.g. the ``A``/``B`` rows of ``samples.parquet``).
    sobol
        Tidy Sobol table (``sobol.csv``).
    ranking
        Ranking table (``ranking.csv``).

    Returns
    -------
    dict of str to bytes
        PNG per name of :data:`FIGURE_CAPTIONS`.

    """
    figures = {
        "marginal_values": marginal_value_distributions(values),
        "p_best": p_best_bars(ranking),
        "sobol": sobol_bars(sobol),
        "alignment_channels": alignment_channels(values),
    }
    return {name: figure_png(fig) for name, fig in figures.items()}
