"""Axis, scale and panel helpers shared by the report figures.

This module owns the axis and panel drawing that the figure functions of
:mod:`agi_interventions.report.figures` share or delegate, so that module keeps only the
layout of each figure:

* the symmetric-log axis: its data-driven linear threshold (:func:`symlog_threshold`), its
  axis label, its major ticks and histogram bin edges equally spaced on it;
* input hygiene: dropping non-finite values and checking that a table has the columns a
  figure needs;
* text helpers: wrapping long labels, printing the value of a bar cut at the axis edge;
* the mean panel: each row's mean with its 95% Monte Carlo interval, values printed;
* the interval panel: 5-95% and 25-75% ranges, median and mean per row on a symmetric-log
  axis;
* a grid of equal panels with margins in inches (:func:`fixed_grid`), for small multiples
  whose decorations are the same in every panel.

Everything works on the :class:`matplotlib.figure.Figure` or
:class:`matplotlib.axes.Axes` given by the caller; nothing here creates a figure.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.scale import SymmetricalLogTransform
from matplotlib.ticker import MaxNLocator

from agi_interventions.report.formatting import fmt_num
from agi_interventions.stats import Z95

#: ``linscale`` of every symmetric-log axis: the linear part spans one decade.
LINSCALE = 1.0
#: Most decades a symmetric-log axis shows below its largest value.
MAX_DECADES = 12


def symlog_threshold(arrays: Iterable[np.ndarray], quantile: float = 0.05) -> float:
    """Choose the linear threshold of a symmetric-log axis from the data.

    Parameters
    ----------
    arrays
        One array of values per plotted series.
    quantile
        The threshold is this quantile of the non-zero finite absolute values of each series,
        the smallest over the series, rounded down to a power of ten; but never more than
        :data:`MAX_DECADES` decades below the largest value (values spanning hundreds of
        orders of magnitude would make the axis' transform overflow).

    Returns
    -------
    float
        A power of ten; 1.0 when no series has a non-zero finite value.

    """
    candidates, largest = [], 0.0
    for values in arrays:
        x = np.abs(np.asarray(values, dtype=np.float64))
        x = x[np.isfinite(x) & (x > 0)]
        if x.size:
            candidates.append(float(np.quantile(x, quantile)))
            largest = max(largest, float(x.max()))
    if not candidates:
        return 1.0
    floor = math.floor(math.log10(largest)) - MAX_DECADES
    return float(10.0 ** max(math.floor(math.log10(min(candidates))), floor))


def symlog_label(what: str, threshold: float, *, narrow: bool = False) -> str:
    """Axis label stating that the axis is symmetric-log, and its linear range.

    Parameters
    ----------
    what
        What the axis shows.
    threshold
        Linear threshold of the axis.
    narrow
        Break the scale over two lines, for a panel too narrow for it on one (a label wider
        than its figure is cut off at the canvas's edge).

    Returns
    -------
    str
        ``what`` and, on the next line or two, the scale.

    """
    scale = f"(symmetric-log axis: linear within ±{fmt_num(threshold, 1)},"
    return f"{what}\n{scale}{chr(10) if narrow else ' '}logarithmic beyond)"


def power_of_ten(values: Iterable[float], limits: tuple[int, int] = (-3, 3)) -> int:
    """Exponent to show values in, like matplotlib's scientific tick labels, or 0.

    Where the largest finite magnitude lies outside ``10^limits[0]`` to ``10^limits[1]``,
    the axis shows the values divided by ``10^exponent`` and its label says so, instead of
    matplotlib's offset text, which sits where a long axis label ends.

    Parameters
    ----------
    values
        The values the axis shows.
    limits
        Exponents between which values are shown as they are.

    Returns
    -------
    int
        ``floor(log10(max |value|))`` outside the limits; 0 inside them or without values.
    """
    finite = [abs(v) for v in values if math.isfinite(v) and v != 0.0]
    if not finite:
        return 0
    exponent = math.floor(math.log10(max(finite)))
    return exponent if not limits[0] <= exponent < limits[1] else 0


def symlog_ticks(ax: Axes, threshold: float, lo: float, hi: float, max_ticks: int = 11) -> None:
    """Put major ticks at 0 and at every k-th power of ten so that labels do not collide.

    Parameters
    ----------
    ax
        Axes whose x axis is symmetric-log with linear threshold ``threshold``.
    threshold
        Linear threshold (a power of ten).
    lo, hi
        Data range to cover.
    max_ticks
        Largest number of major ticks.

    """
    k0 = round(math.log10(threshold))
    k_pos = math.ceil(math.log10(hi)) if hi > threshold else k0
    k_neg = math.ceil(math.log10(-lo)) if lo < -threshold else k0
    n_ticks = (k_pos - k0 + 1) * (hi > 0) + (k_neg - k0 + 1) * (lo < 0) + 1
    step = max(1, math.ceil(n_ticks / max_ticks))
    ticks = [0.0]
    if hi > 0:
        ticks += [10.0**k for k in range(k0, k_pos + 1, step)]
    if lo < 0:
        ticks += [-(10.0**k) for k in range(k0, k_neg + 1, step)]
    ax.set_xticks(sorted(ticks))


def symlog_edges(series: Sequence[np.ndarray], threshold: float, bins: int) -> np.ndarray:
    """Bin edges equally spaced on the symmetric-log axis, covering all finite values.

    Parameters
    ----------
    series
        Finite values of each series (all series share the edges).
    threshold
        Linear threshold of the axis.
    bins
        Number of bins.

    Returns
    -------
    numpy.ndarray
        ``bins + 1`` increasing edges.

    """
    pooled = np.concatenate([s for s in series if s.size] or [np.zeros(1)])
    transform = SymmetricalLogTransform(10.0, threshold, LINSCALE)
    lo, hi = transform.transform(np.array([pooled.min(), pooled.max()]))
    if hi <= lo:
        lo, hi = lo - 1.0, hi + 1.0
    edges = transform.inverted().transform(np.linspace(lo, hi, bins + 1))
    edges[0] = min(edges[0], pooled.min())
    edges[-1] = max(edges[-1], pooled.max())
    return edges


def finite(x: pd.Series | np.ndarray) -> np.ndarray:
    """Return the finite values of ``x`` as a float array."""
    x = np.asarray(x, dtype=np.float64)
    return x[np.isfinite(x)]


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise ``KeyError`` naming ``what`` if ``frame`` lacks any of ``columns``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{what}: missing column(s) {', '.join(missing)}")


def wrap(text: str, width: int = 26) -> str:
    """Wrap a label onto lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(text, width)) or text


def mean_ci(x: np.ndarray, z: float = Z95) -> tuple[float, float]:
    """Mean and the half-width of its normal interval (NaN half-width below two values).

    Parameters
    ----------
    x
        Finite values.
    z
        Normal quantile of the interval (default: 95%).

    Returns
    -------
    tuple of float
        The mean (NaN for no value) and ``z`` standard errors.

    """
    if x.size < 2:
        return (float(x.mean()) if x.size else math.nan), math.nan
    return float(x.mean()), float(z * x.std(ddof=1) / math.sqrt(x.size))


def label_clipped(
    ax: Axes,
    y: np.ndarray,
    estimates: np.ndarray,
    half_widths: np.ndarray,
    name: str,
    xlim: tuple[float, float],
) -> None:
    """Print each horizontal bar that leaves the x range at the edge it crosses.

    Parameters
    ----------
    ax
        Axes with the bars.
    y
        Positions of the bars.
    estimates, half_widths
        Value and interval half-width of each bar.
    name
        What the values are (printed as ``name = value ± half-width``).
    xlim
        The axes' x range.

    """
    lo, hi = xlim
    for yi, e, h in zip(y, estimates, half_widths, strict=True):
        if e > hi or e < lo:
            ax.text(
                hi if e > hi else lo,
                yi,
                f"{name} = {fmt_num(e, 2)} ± {fmt_num(h, 2)}",
                ha="right" if e > hi else "left",
                va="center",
                fontsize="x-small",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
            )


def mean_interval_plot(
    ax: Axes, rows: Sequence[tuple[str, np.ndarray, tuple[float, float, float]]]
) -> None:
    """Draw the mean of each row with its 95% Monte Carlo interval on a linear axis.

    Parameters
    ----------
    ax
        Axes to draw on; row ``i`` is drawn at ``y = i`` and labelled with its wrapped name.
    rows
        Per row: its name, its finite values and its colour.

    Notes
    -----
    The mean and half-width (:func:`mean_ci`) are printed next to each bar; the x range is
    symmetric about 0 and leaves room for the printed values.

    """
    y = np.arange(len(rows))
    stats = [mean_ci(x) for _, x, _ in rows]
    means = np.array([m for m, _ in stats])
    halves = np.nan_to_num(np.array([h for _, h in stats]))
    ax.barh(
        y,
        np.nan_to_num(means),
        xerr=halves,
        color=[c for _, _, c in rows],
        height=0.6,
        error_kw={"ecolor": "0.2", "elinewidth": 1.0, "capsize": 3},
    )
    ax.axvline(0.0, color="0.4", lw=0.8)
    span = np.nanmax(np.abs(np.concatenate([means - halves, means + halves, [0.0]])))
    span = span if span > 0 else 1.0
    ax.set_xlim(-1.45 * span, 1.45 * span)
    for i, (m, h) in enumerate(stats):
        ax.text(
            -1.42 * span if m >= 0 else 1.42 * span,
            i,
            f"{fmt_num(m)} ± {fmt_num(h)}",
            ha="left" if m >= 0 else "right",
            va="center",
            fontsize="small",
        )
    ax.set_yticks(y, labels=[wrap(name) for name, _, _ in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, symmetric=True))
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
    ax.set_xlabel("mean value per unit of alignment effort\n(linear axis; ± 95% MC interval)")


def interval_plot(
    ax: Axes, rows: Sequence[tuple[str, np.ndarray, tuple[float, float, float]]]
) -> float:
    """Draw 5-95% and 25-75% ranges, median and mean per row on a symlog axis.

    Parameters
    ----------
    ax
        Axes to draw on; row ``i`` is drawn at ``y = i``.
    rows
        Per row: its name, its finite values and its colour.

    Returns
    -------
    float
        The linear threshold of the axis.

    """
    threshold = symlog_threshold([x for _, x, _ in rows])
    ax.set_xscale("symlog", linthresh=threshold, linscale=LINSCALE)
    ax.axvline(0.0, color="0.4", lw=0.8)
    lo, hi = 0.0, 0.0
    for i, (_, x, color) in enumerate(rows):
        if not x.size:
            continue
        q05, q25, q50, q75, q95 = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95])
        lo, hi = min(lo, q05, x.mean()), max(hi, q95, x.mean())
        ax.hlines(i, q05, q95, color=color, lw=2.0)
        ax.hlines(i, q25, q75, color=color, lw=7.0)
        ax.plot([q50], [i], "o", color="white", mec="black", ms=6, zorder=5)
        ax.plot([x.mean()], [i], "D", color="black", ms=5, zorder=6)
    symlog_ticks(ax, threshold, lo, hi, max_ticks=9)
    ax.set_xlabel(symlog_label("value per unit of alignment effort", threshold, narrow=True))
    ax.legend(
        handles=[
            Line2D([], [], color="0.3", lw=2.0, label="5%–95%"),
            Line2D([], [], color="0.3", lw=7.0, label="25%–75%"),
            Line2D([], [], ls="", marker="o", color="white", mec="black", label="median"),
            Line2D([], [], ls="", marker="D", color="black", label="mean"),
        ],
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=4,
        fontsize="small",
        frameon=False,
    )
    return threshold


def fixed_grid(
    fig: Figure,
    rows: int,
    columns: int,
    *,
    top: float,
    bottom: float,
    left: float,
    right: float,
    row_gap: float = 0.0,
    column_gap: float = 0.0,
    sharex: bool = False,
) -> np.ndarray:
    """Add a grid of equal axes whose margins and gaps are given in inches.

    Constrained layout measures every tick label two times over before the figure is drawn
    (most of a small-multiples figure's drawing time); where every panel has the same
    decorations (a title above, one row of tick labels below), fixed margins do the same
    job.

    Parameters
    ----------
    fig
        A figure without a layout engine.
    rows, columns
        The grid's shape.
    top, bottom, left, right
        Margins around the grid (inches).
    row_gap, column_gap
        Space between rows and between columns (inches).
    sharex
        Whether the panels share their x axis.

    Returns
    -------
    numpy.ndarray
        The axes, shape ``(rows, columns)``.

    Raises
    ------
    ValueError
        If the margins and gaps leave no room for the panels.
    """
    width, height = fig.get_size_inches()
    panel_width = (width - left - right - column_gap * (columns - 1)) / columns
    panel_height = (height - top - bottom - row_gap * (rows - 1)) / rows
    if panel_width <= 0 or panel_height <= 0:
        raise ValueError(f"a {rows} x {columns} grid leaves no room in {width} x {height} in")
    return fig.subplots(
        rows,
        columns,
        squeeze=False,
        sharex=sharex,
        gridspec_kw={
            "left": left / width,
            "right": 1 - right / width,
            "top": 1 - top / height,
            "bottom": bottom / height,
            "wspace": column_gap / panel_width,
            "hspace": row_gap / panel_height,
        },
    )
