"""Tests of the bargaining game (``agi_interventions.game``).

Every expected value comes from outside the module: a payoff table written out from the
specification, ``scipy.optimize.linprog`` (zero-sum values, correlated equilibria), ``nashpy``
(Nash equilibria), brute-force vertex enumeration, hand computation, or finite differences.
"""

from __future__ import annotations

import itertools
import warnings

import nashpy
import numpy as np
import pytest
from scipy.optimize import linprog

from agi_interventions import game

N_PER_SETTING = 250  # random games per punish setting: 4 x 250 = 1,000 per theory
LP_TOL = 1e-7


# --------------------------------------------------------------------------------------------
# independent helpers


def spec_payoffs(w, g, t, c, gamma, k, h, punish):
    """The payoff table of one game, written out from the specification (scalars, loops)."""
    q = w**gamma / (w**gamma + (1 - w) ** gamma)
    base = {
        ("C", "C"): (w * (1 + g), (1 - w) * (1 + g)),
        ("C", "D"): ((1 - t) * w, (1 - w) + t * w),
        ("D", "C"): (w + t * (1 - w), (1 - t) * (1 - w)),
        ("D", "D"): (q * (1 - c), (1 - q) * (1 - c)),
    }
    rows = ["C", "D", "P"] if punish in ("V", "both") else ["C", "D"]
    cols = ["C", "D", "P"] if punish in ("notV", "both") else ["C", "D"]
    xv = np.zeros((len(rows), len(cols)))
    xn = np.zeros((len(rows), len(cols)))
    for i, a in enumerate(rows):
        for j, b in enumerate(cols):
            # each P counts as C for the outcome; the punisher loses k, the other side h
            vx, nx = base[("C" if a == "P" else a, "C" if b == "P" else b)]
            if a == "P":
                vx, nx = vx - k, nx - h
            if b == "P":
                vx, nx = vx - h, nx - k
            xv[i, j], xn[i, j] = vx, nx
    return xv, xn


def random_parameters(rng, n):
    """Parameters over their ranges, with exact k = 0 and exact h = k on some draws."""
    k = rng.uniform(0.0, 0.5, n)
    k[rng.random(n) < 0.25] = 0.0
    h = rng.uniform(0.0, 1.5, n)
    tie = rng.random(n) < 0.1
    h[tie] = k[tie]
    return {
        "F_V": rng.uniform(0.02, 0.98, n),
        "g": rng.uniform(0.0, 2.0, n),
        "t": rng.uniform(0.0, 1.0, n),
        "c": rng.uniform(0.0, 1.0, n),
        "gamma": np.exp(rng.uniform(np.log(0.2), np.log(5.0), n)),
        "k": k,
        "h": h,
        "lam": rng.uniform(0.0, 1.0, n),
    }


def draw(params, i):
    return tuple(params[key][i] for key in ("F_V", "g", "t", "c", "gamma", "k", "h"))


def game_args(params):
    return tuple(params[key] for key in ("F_V", "g", "t", "c", "gamma", "k", "h"))


def zero_sum_value(m):
    """Value of the zero-sum game ``m`` (row maximises) by linprog."""
    rows, cols = m.shape
    # variables (x_1..x_rows, v); maximise v s.t. x^T m_j >= v, sum x = 1, x >= 0
    res = linprog(
        c=np.r_[np.zeros(rows), -1.0],
        A_ub=np.c_[-m.T, np.ones(cols)],
        b_ub=np.zeros(cols),
        A_eq=np.r_[np.ones(rows), 0.0][None],
        b_eq=[1.0],
        bounds=[(0, None)] * rows + [(None, None)],
        method="highs",
    )
    assert res.status == 0
    return -res.fun


def optimal_strategies(m):
    """Value and extreme optimal strategies of the row player (maximiser) of ``m``.

    Brute force over the vertices of the LP polyhedron {(x, v): x >= 0, sum x = 1,
    v <= (x^T m)_j}: the optimal strategies' extreme points are its vertices with the largest v.
    """
    rows, cols = m.shape
    g = np.r_[np.c_[-np.eye(rows), np.zeros(rows)], np.c_[-m.T, np.ones(cols)]]
    points = []
    for active in itertools.combinations(range(rows + cols), rows):
        system = np.r_[g[list(active)], np.r_[np.ones(rows), 0.0][None]]
        if abs(np.linalg.det(system)) < 1e-12:
            continue
        z = np.linalg.solve(system, np.r_[np.zeros(rows), 1.0])
        if np.all(g @ z <= 1e-12):
            points.append(z)
    value = max(z[-1] for z in points)
    return value, [z[:-1] for z in points if z[-1] >= value - 1e-11]


def least_destructive_joint(xv, xn):
    """Largest joint payoff over pairs of optimal threat strategies (and the game's value)."""
    m = xv - xn
    value, xs = optimal_strategies(m)
    value_col, ys = optimal_strategies(-m.T)
    assert value == pytest.approx(-value_col, abs=1e-10)
    return value, max(xa @ (xv + xn) @ yb for xa in xs for yb in ys)


def is_nash(play, xv, xn, tol=1e-8):
    x, y = play.sum(axis=1), play.sum(axis=0)
    return (xv @ y).max() <= x @ xv @ y + tol and (x @ xn).max() <= x @ xn @ y + tol


def is_correlated(play, xv, xn, tol=1e-8):
    for i, i2 in itertools.permutations(range(xv.shape[0]), 2):
        if play[i] @ (xv[i2] - xv[i]) > tol:
            return False
    for j, j2 in itertools.permutations(range(xv.shape[1]), 2):
        if play[:, j] @ (xn[:, j2] - xn[:, j]) > tol:
            return False
    return True


def objectives(selection, dv, dn):
    """Primary and secondary objective, both maximised (ties go to the larger d_notV)."""
    return {
        "worst_for_V": (-dv, dn),
        "best_for_V": (dv, dn),
        "utilitarian": (dv + dn, dn),
    }[selection]


def correlated_lp(xv, xn, selection):
    """Lexicographically optimal correlated equilibrium payoffs by two linprog calls."""
    m, n = xv.shape
    rows = []
    for i, i2 in itertools.permutations(range(m), 2):
        row = np.zeros((m, n))
        row[i] = xv[i2] - xv[i]
        rows.append(row.ravel())
    for j, j2 in itertools.permutations(range(n), 2):
        row = np.zeros((m, n))
        row[:, j] = xn[:, j2] - xn[:, j]
        rows.append(row.ravel())
    a_ub, b_ub = np.array(rows), np.zeros(len(rows))
    first, second = objectives(selection, xv.ravel(), xn.ravel())
    common = {"A_eq": np.ones((1, m * n)), "b_eq": [1.0], "bounds": (0, None)}
    res = linprog(-first, A_ub=a_ub, b_ub=b_ub, method="highs", **common)
    assert res.status == 0
    res2 = linprog(
        -second,
        A_ub=np.r_[a_ub, -first[None]],
        b_ub=np.r_[b_ub, res.fun + 1e-9],  # first >= optimum - 1e-9
        method="highs",
        **common,
    )
    assert res2.status == 0
    mu = res2.x
    return mu @ xv.ravel(), mu @ xn.ravel()


def nash_equilibria(xv, xn):
    """All extreme Nash equilibria found by nashpy's vertex enumeration.

    The games with ``k = 0`` are degenerate (P duplicates C for the punisher), where support
    enumeration misses equilibria; vertex enumeration lists the extreme equilibria of
    degenerate games too, and for nondegenerate games (``k > 0``) support enumeration must
    agree with it.
    """
    # nashpy's best-response polytopes need strictly positive payoffs (a game with a zero
    # row or column, e.g. t = c = 1, otherwise gives no vertices); adding a constant to a
    # player's payoffs does not change the equilibria
    found = list(nashpy.Game(xv + 1 - xv.min(), xn + 1 - xn.min()).vertex_enumeration())
    assert found
    return found


@pytest.fixture(scope="module")
def random_games():
    rng = np.random.default_rng(20240611)
    return {punish: random_parameters(rng, N_PER_SETTING) for punish in game.PUNISH}


# --------------------------------------------------------------------------------------------
# payoffs


@pytest.mark.parametrize("punish", game.PUNISH)
def test_payoffs_match_the_specification_table(random_games, punish):
    params = random_games[punish]
    xv, xn = game.payoffs(*game_args(params), punish)
    for i in range(0, N_PER_SETTING, 7):
        ev, en = spec_payoffs(*draw(params, i), punish)
        np.testing.assert_allclose(xv[i], ev, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(xn[i], en, rtol=1e-12, atol=1e-14)


def test_payoffs_by_hand_with_both_punishing():
    # w = 0.5, gamma = 1 -> q = 0.5; g = 1, t = 0.5, c = 0.5, k = 0.1, h = 0.3
    xv, xn = game.payoffs(0.5, 1.0, 0.5, 0.5, 1.0, 0.1, 0.3, "both")
    assert xv.shape == (1, 3, 3)
    expected_v = [
        [1.0, 0.25, 1.0 - 0.3],
        [0.75, 0.25, 0.75 - 0.3],
        [1.0 - 0.1, 0.25 - 0.1, 1.0 - 0.4],
    ]
    expected_n = [
        [1.0, 0.75, 1.0 - 0.1],
        [0.25, 0.25, 0.25 - 0.1],
        [1.0 - 0.3, 0.75 - 0.3, 1.0 - 0.4],
    ]
    np.testing.assert_allclose(xv[0], expected_v, atol=1e-15)
    np.testing.assert_allclose(xn[0], expected_n, atol=1e-15)


def test_contest_success_is_stable_at_extreme_decisiveness():
    xv, xn = game.payoffs([1e-9, 0.5, 1 - 1e-9], 0.0, 0.0, 0.0, 200.0, 0.0, 0.0, "none")
    q = xv[:, 1, 1]
    np.testing.assert_allclose(q, [0.0, 0.5, 1.0], atol=1e-300)
    np.testing.assert_allclose(xv[:, 1, 1] + xn[:, 1, 1], 1.0)


# --------------------------------------------------------------------------------------------
# 1. against general solvers


@pytest.mark.parametrize("punish", game.PUNISH)
def test_coco_threat_point_against_linprog(random_games, punish):
    params = random_games[punish]
    res = game.disagreement(*game_args(params), theory="coco", punish=punish)
    for i in range(N_PER_SETTING):
        xv, xn = spec_payoffs(*draw(params, i), punish)
        m, joint = xv - xn, xv + xn
        value = zero_sum_value(m)
        play = res.play[i]
        x, y = play.sum(axis=1), play.sum(axis=0)
        np.testing.assert_allclose(play, np.outer(x, y), atol=1e-12)
        assert res.d_V[i] == pytest.approx(x @ xv @ y, abs=1e-12)
        assert res.d_notV[i] == pytest.approx(x @ xn @ y, abs=1e-12)
        # the pair is a pair of optimal strategies of the zero-sum game ...
        assert res.d_V[i] - res.d_notV[i] == pytest.approx(value, abs=LP_TOL)
        assert (x @ m).min() >= value - LP_TOL
        assert (m @ y).max() <= value + LP_TOL
        # ... and the least destructive one: the joint payoff is the largest over all pairs
        # of extreme optimal strategies (brute-force vertices of both optimal sets)
        value_bf, best = least_destructive_joint(xv, xn)
        assert value_bf == pytest.approx(value, abs=LP_TOL)
        assert res.d_V[i] + res.d_notV[i] == pytest.approx(best, abs=1e-8)
        assert res.surplus[i] == pytest.approx(joint.max(), abs=1e-12)


@pytest.mark.parametrize("punish", game.PUNISH)
def test_nash_selection_against_nashpy(random_games, punish):
    params = random_games[punish]
    results = {
        sel: game.disagreement(
            *game_args(params), theory="nash", punish=punish, nash_selection=sel
        )
        for sel in game.SELECTIONS
    }
    for i in range(N_PER_SETTING):
        xv, xn = spec_payoffs(*draw(params, i), punish)
        equilibria = nash_equilibria(xv, xn)
        eq_dv = np.array([sx @ xv @ sy for sx, sy in equilibria])
        eq_dn = np.array([sx @ xn @ sy for sx, sy in equilibria])
        if params["k"][i] > 0:
            # nondegenerate: support enumeration finds the same equilibria
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                support = list(nashpy.Game(xv, xn).support_enumeration())
            assert len(support) == len(equilibria)
        for sel, res in results.items():
            play = res.play[i]
            assert is_nash(play, xv, xn), (sel, i)
            x, y = play.sum(axis=1), play.sum(axis=0)
            assert res.d_V[i] == pytest.approx(x @ xv @ y, abs=1e-12)
            first, second = objectives(sel, eq_dv, eq_dn)
            mine_first, mine_second = objectives(sel, res.d_V[i], res.d_notV[i])
            assert mine_first == pytest.approx(first.max(), abs=1e-8), (sel, i)
            tied = first >= first.max() - 1e-8
            assert mine_second == pytest.approx(second[tied].max(), abs=1e-8), (sel, i)


@pytest.mark.parametrize("punish", game.PUNISH)
def test_correlated_selection_against_linprog(random_games, punish):
    params = random_games[punish]
    for sel in game.SELECTIONS:
        res = game.disagreement(
            *game_args(params), theory="correlated", punish=punish, correlated_selection=sel
        )
        for i in range(N_PER_SETTING):
            xv, xn = spec_payoffs(*draw(params, i), punish)
            assert is_correlated(res.play[i], xv, xn), (sel, i)
            assert res.play[i].sum() == pytest.approx(1.0)
            assert res.play[i].min() >= -1e-12
            assert res.d_V[i] == pytest.approx((res.play[i] * xv).sum(), abs=1e-12)
            dv, dn = correlated_lp(xv, xn, sel)
            assert res.d_V[i] == pytest.approx(dv, abs=1e-6), (sel, i)
            assert res.d_notV[i] == pytest.approx(dn, abs=1e-6), (sel, i)


def test_degenerate_parameter_grid_against_solvers():
    # parameters at the ends of their ranges (g = 0, t and c in {0, 1}, k = 0, h = 0, h = k,
    # w = 1/2) make ties, duplicate strategies, zero rows and continua of equilibria
    grid = list(
        itertools.product(
            [0.25, 0.5], [0.0, 0.5], [0.0, 1.0], [0.0, 1.0], [1.0], [0.0, 0.2], [0.0, 0.2]
        )
    )
    keys = ("F_V", "g", "t", "c", "gamma", "k", "h")
    params = {key: np.array([point[i] for point in grid]) for i, key in enumerate(keys)}
    for punish in game.PUNISH:
        nash = {
            sel: game.disagreement(
                *game_args(params), theory="nash", punish=punish, nash_selection=sel
            )
            for sel in game.SELECTIONS
        }
        correlated = {
            sel: game.disagreement(
                *game_args(params), theory="correlated", punish=punish, correlated_selection=sel
            )
            for sel in game.SELECTIONS
        }
        coco = game.disagreement(*game_args(params), theory="coco", punish=punish)
        for i in range(len(grid)):
            xv, xn = spec_payoffs(*draw(params, i), punish)
            equilibria = nash_equilibria(xv, xn)
            eq_dv = np.array([sx @ xv @ sy for sx, sy in equilibria])
            eq_dn = np.array([sx @ xn @ sy for sx, sy in equilibria])
            for sel in game.SELECTIONS:
                res = nash[sel]
                assert is_nash(res.play[i], xv, xn), (punish, sel, grid[i])
                first, second = objectives(sel, eq_dv, eq_dn)
                mine_first, mine_second = objectives(sel, res.d_V[i], res.d_notV[i])
                assert mine_first == pytest.approx(first.max(), abs=1e-8), (punish, sel, grid[i])
                tied = first >= first.max() - 1e-8
                assert mine_second == pytest.approx(second[tied].max(), abs=1e-8)
                res = correlated[sel]
                assert is_correlated(res.play[i], xv, xn), (punish, sel, grid[i])
                dv, dn = correlated_lp(xv, xn, sel)
                assert (res.d_V[i], res.d_notV[i]) == (
                    pytest.approx(dv, abs=1e-6),
                    pytest.approx(dn, abs=1e-6),
                )
            value, best = least_destructive_joint(xv, xn)
            assert value == pytest.approx(zero_sum_value(xv - xn), abs=LP_TOL)
            assert coco.d_V[i] - coco.d_notV[i] == pytest.approx(value, abs=1e-9)
            assert coco.d_V[i] + coco.d_notV[i] == pytest.approx(best, abs=1e-8)


@pytest.mark.parametrize("kind", ["continuous", "integer", "chicken"])
def test_solve_bimatrix_on_random_games_against_solvers(kind):
    # general 2x2 games reach parts of the solvers this game's payoffs rarely do (every
    # vertex type of the correlated-equilibrium polytope); small integer payoffs give ties,
    # dominated duplicates and continua of equilibria
    # ("chicken": perturbed Chicken games with rows and columns relabelled at random, where
    # each of the four three-cell vertices is in turn the utilitarian correlated equilibrium)
    rng = np.random.default_rng({"continuous": 3, "integer": 4, "chicken": 5}[kind])
    n = 120
    if kind == "continuous":
        a, b = rng.normal(size=(n, 2, 2)), rng.normal(size=(n, 2, 2))
    elif kind == "integer":
        a, b = rng.integers(0, 3, (n, 2, 2)).astype(float), rng.integers(0, 3, (n, 2, 2)) * 1.0
    else:
        chicken = np.array([[6.0, 2.0], [7.0, 0.0]])
        a = chicken + rng.uniform(-0.9, 0.9, (n, 2, 2))
        b = np.swapaxes(chicken + rng.uniform(-0.9, 0.9, (n, 2, 2)), 1, 2)
        flip_rows, flip_cols = rng.random(n) < 0.5, rng.random(n) < 0.5
        a[flip_rows], b[flip_rows] = a[flip_rows, ::-1], b[flip_rows, ::-1]
        a[flip_cols], b[flip_cols] = a[flip_cols, :, ::-1], b[flip_cols, :, ::-1]
    coco = game.solve_bimatrix(a, b, theory="coco")
    for sel in game.SELECTIONS:
        nash = game.solve_bimatrix(a, b, theory="nash", selection=sel)
        correlated = game.solve_bimatrix(a, b, theory="correlated", selection=sel)
        for i in range(n):
            equilibria = nash_equilibria(a[i], b[i])
            eq_dv = np.array([sx @ a[i] @ sy for sx, sy in equilibria])
            eq_dn = np.array([sx @ b[i] @ sy for sx, sy in equilibria])
            assert is_nash(nash[2][i], a[i], b[i])
            first, second = objectives(sel, eq_dv, eq_dn)
            mine_first, mine_second = objectives(sel, nash[0][i], nash[1][i])
            assert mine_first == pytest.approx(first.max(), abs=1e-8), (sel, i)
            tied = first >= first.max() - 1e-8
            assert mine_second == pytest.approx(second[tied].max(), abs=1e-8), (sel, i)
            assert is_correlated(correlated[2][i], a[i], b[i])
            dv, dn = correlated_lp(a[i], b[i], sel)
            assert correlated[0][i] == pytest.approx(dv, abs=1e-6), (sel, i)
            assert correlated[1][i] == pytest.approx(dn, abs=1e-6), (sel, i)
    for i in range(n):
        value, best = least_destructive_joint(a[i], b[i])
        assert value == pytest.approx(zero_sum_value(a[i] - b[i]), abs=LP_TOL)
        assert coco[0][i] - coco[1][i] == pytest.approx(value, abs=1e-9)
        assert coco[0][i] + coco[1][i] == pytest.approx(best, abs=1e-8)


def test_coco_prefers_the_least_destructive_optimal_threats():
    # a - b = 0: every pair is optimal; row 1 / column 1 is the only cell with joint 2
    a = np.array([[0.0, 0.0], [0.0, 1.0]])
    dv, dn, play = game.solve_bimatrix(a, a.copy(), theory="coco")
    assert (dv[0], dn[0]) == (1.0, 1.0)
    np.testing.assert_array_equal(play[0], [[0.0, 0.0], [0.0, 1.0]])


def test_degenerate_games_by_hand():
    # g = 0 and t = 0, w = 0.5, gamma = 1, c = 0.5: every cell gives (0.5, 0.5) except D/D,
    # which gives (0.25, 0.25). Against C each side is indifferent between C and D; against
    # D, C is strictly better. So C is weakly dominant for both: the Nash equilibria are the
    # continua {V plays C, notV anything} and {notV plays C, V anything}, all worth
    # (0.5, 0.5); a correlated equilibrium must put no weight on D/D ("told D" would deviate)
    # and is worth (0.5, 0.5) too. A degenerate game with a continuum of equilibria.
    args = (0.5, 0.0, 0.0, 0.5, 1.0, 0.2, 0.2)
    for theory in ("nash", "correlated"):
        for sel in game.SELECTIONS:
            kw = {"nash_selection": sel} if theory == "nash" else {"correlated_selection": sel}
            res = game.disagreement(*args, theory=theory, punish="none", **kw)
            xv, xn = spec_payoffs(*args, "none")
            np.testing.assert_allclose(xv, [[0.5, 0.5], [0.5, 0.25]])
            np.testing.assert_allclose(xn, [[0.5, 0.5], [0.5, 0.25]])
            assert res.d_V[0] == pytest.approx(0.5)
            assert res.d_notV[0] == pytest.approx(0.5)
    # a zero-sum game with identical rows: every strategy of V is optimal; the least
    # destructive pair avoids D/D (joint 0.5 instead of 1)
    res = game.disagreement(*args, theory="coco", punish="none")
    assert res.d_V[0] - res.d_notV[0] == pytest.approx(0.0)
    assert res.d_V[0] + res.d_notV[0] == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------
# k = 0: P is payoff-equivalent to C for the punisher


@pytest.mark.parametrize("punish", ["notV", "both"])
def test_zero_cost_punishment_is_an_equilibrium_threat_for_worst_for_V(punish):
    # with k = 0 notV can punish at no cost, so the worst equilibrium for V has notV play
    # P wherever it would play C; with any k > 0 P is strictly dominated and never played
    args = dict(w=0.4, g=0.5, t=0.3, c=0.4, gamma=1.0, h=0.25)
    for theory in ("nash", "correlated"):
        kw = {"nash_selection": "worst_for_V", "correlated_selection": "worst_for_V"}
        zero = game.disagreement(**args, k=0.0, theory=theory, punish=punish, **kw)
        small = game.disagreement(**args, k=1e-6, theory=theory, punish=punish, **kw)
        none = game.disagreement(**args, k=0.0, theory=theory, punish="none", **kw)
        np.testing.assert_allclose(small.d_V, none.d_V)
        np.testing.assert_allclose(small.d_notV, none.d_notV)
        p_mass = small.play[0, :, 2].sum()
        assert p_mass == 0.0
        c_mass = none.play[0, :, 0].sum()
        assert c_mass > 0.5
        assert zero.d_V[0] == pytest.approx(none.d_V[0] - 0.25 * c_mass)
        assert zero.d_notV[0] == pytest.approx(none.d_notV[0])
        assert zero.play[0, :, 2].sum() == pytest.approx(c_mass)
        for sel in ("best_for_V", "utilitarian"):
            kw = {"nash_selection": sel, "correlated_selection": sel}
            other = game.disagreement(**args, k=0.0, theory=theory, punish=punish, **kw)
            base = game.disagreement(**args, k=0.0, theory=theory, punish="none", **kw)
            np.testing.assert_allclose(other.d_V, base.d_V)
            np.testing.assert_allclose(other.d_notV, base.d_notV)


# --------------------------------------------------------------------------------------------
# 2. textbook values


def test_chicken_correlated_equilibria():
    # Aumann (1974); the Wikipedia article "Correlated equilibrium" uses these payoffs and
    # the CE (1/3, 1/3, 1/3, 0) worth 5 each. By hand: with mu_DD = 0, mu_CD = mu_DC = x,
    # mu_CC = 1 - 2x, "told C" requires 6(1 - 2x) + 2x >= 7(1 - 2x), i.e. x >= 1/4, and
    # each player gets 6 - 3x: the utilitarian CE is (1/2, 1/4, 1/4, 0) worth 5.25 each.
    a = np.array([[6.0, 2.0], [7.0, 0.0]])
    b = a.T.copy()
    dv, dn, play = game.solve_bimatrix(a, b, theory="correlated", selection="utilitarian")
    assert (dv[0], dn[0]) == (pytest.approx(5.25), pytest.approx(5.25))
    np.testing.assert_allclose(play[0], [[0.5, 0.25], [0.25, 0.0]], atol=1e-12)
    # the same game with rows and/or columns relabelled: the answer moves with the labels
    for rows, cols in (
        (slice(None, None, -1), slice(None)),
        (slice(None), slice(None, None, -1)),
        (slice(None, None, -1), slice(None, None, -1)),
    ):
        dv, dn, play = game.solve_bimatrix(
            a[rows, cols], b[rows, cols], theory="correlated", selection="utilitarian"
        )
        assert (dv[0], dn[0]) == (pytest.approx(5.25), pytest.approx(5.25))
        expected = np.array([[0.5, 0.25], [0.25, 0.0]])[rows, cols]
        np.testing.assert_allclose(play[0], expected, atol=1e-12)
    assert correlated_lp(a, b, "utilitarian") == (pytest.approx(5.25), pytest.approx(5.25))
    dv, dn, _ = game.solve_bimatrix(a, b, theory="correlated", selection="worst_for_V")
    assert (dv[0], dn[0]) == (pytest.approx(2.0), pytest.approx(7.0))
    dv, dn, _ = game.solve_bimatrix(a, b, theory="correlated", selection="best_for_V")
    assert (dv[0], dn[0]) == (pytest.approx(7.0), pytest.approx(2.0))
    # Nash: (C, D), (D, C) and the mixed one (C with 2/3) worth 14/3 each
    dv, dn, play = game.solve_bimatrix(a, b, theory="nash", selection="utilitarian")
    assert (dv[0], dn[0]) == (pytest.approx(14 / 3), pytest.approx(14 / 3))
    np.testing.assert_allclose(play[0], np.outer([2 / 3, 1 / 3], [2 / 3, 1 / 3]))
    dv, dn, _ = game.solve_bimatrix(a, b, theory="nash", selection="worst_for_V")
    assert (dv[0], dn[0]) == (pytest.approx(2.0), pytest.approx(7.0))


def coco_value(a, b):
    """CoCo value from the module's threat point: d plus half the surplus over d."""
    dv, dn, _ = game.solve_bimatrix(a, b, theory="coco")
    s = (a + b).max()
    return dv[0] + (s - dv[0] - dn[0]) / 2, dn[0] + (s - dv[0] - dn[0]) / 2


def test_coco_values_by_hand():
    # Kalai & Kalai's (2013) worked examples could not be retrieved here; these are
    # hand-computed games. CoCo value = (S/2 + v/2, S/2 - v/2), v the value of a - b.
    # (i) The bargaining post's threat: a costless action that costs the other side 1000
    # lets its owner demand 500. Row "threat" gives (0, -1000), everything else (0, 0).
    a = np.array([[0.0, 0.0], [0.0, 0.0]])
    b = np.array([[0.0, 0.0], [-1000.0, -1000.0]])
    assert coco_value(a, b) == (pytest.approx(500.0), pytest.approx(-500.0))
    # (ii) Prisoner's dilemma (3,3),(0,5),(5,0),(1,1): a - b = [[0,-5],[5,0]] has the saddle
    # point D/D with value 0, S = 6 -> (3, 3); the threat point is D/D = (1, 1).
    a = np.array([[3.0, 0.0], [5.0, 1.0]])
    dv, dn, play = game.solve_bimatrix(a, a.T.copy(), theory="coco")
    assert (dv[0], dn[0]) == (pytest.approx(1.0), pytest.approx(1.0))
    assert coco_value(a, a.T.copy()) == (pytest.approx(3.0), pytest.approx(3.0))
    # (iii) no saddle point: a = [[2,0],[0,1]], b = [[0,1],[3,0]], a - b = [[2,-1],[-3,1]].
    # Row mixes p = 4/7 on row 0 (2p - 3(1-p) = -p + (1-p)), value -1/7; column mixes
    # r = 2/7 on column 0; S = 3, so the CoCo value is (3/2 - 1/14, 3/2 + 1/14).
    a = np.array([[2.0, 0.0], [0.0, 1.0]])
    b = np.array([[0.0, 1.0], [3.0, 0.0]])
    assert coco_value(a, b) == (pytest.approx(10 / 7), pytest.approx(11 / 7))
    _, _, play = game.solve_bimatrix(a, b, theory="coco")
    np.testing.assert_allclose(play[0], np.outer([4 / 7, 3 / 7], [2 / 7, 5 / 7]))
    assert zero_sum_value(a - b) == pytest.approx(-1 / 7)


def test_coco_payoff_equals_half_surplus_plus_half_value(random_games):
    params = random_games["both"]
    utilities = game.derive_utilities({**params, "lam": 0.0}, theory="coco", punish="both")
    for i in range(0, N_PER_SETTING, 5):
        xv, xn = spec_payoffs(*draw(params, i), "both")
        expected = (xv + xn).max() / 2 + zero_sum_value(xv - xn) / 2
        assert utilities["U_B"][i] == pytest.approx(expected, abs=LP_TOL)


# --------------------------------------------------------------------------------------------
# 3. the post's claim about threats


def threat_threshold(m0):
    """Smallest h - k above which adding P (C's row + (h - k)) raises V's zero-sum value.

    phi(p) = min_j (p m0[C, j] + (1 - p) m0[D, j]) is concave with maximum v. If some optimal
    strategy puts weight p0 > 0 on C, any h - k > 0 helps (phi(p0) + p0 (h - k) > v).
    Otherwise the gain is max_p phi(p) + p (h - k) - phi(0) > 0 iff h - k > -phi'(0+), the
    largest m0[D, j] - m0[C, j] over the columns j that attain min_j m0[D, j].
    """
    v = zero_sum_value(m0)
    # largest optimal weight on C: maximise p subject to p m0[C] + (1 - p) m0[D] >= v
    res = linprog(
        c=[-1.0],
        A_ub=-(m0[0] - m0[1])[:, None],
        b_ub=m0[1] - v + 1e-12,
        bounds=[(0, 1)],
        method="highs",
    )
    assert res.status == 0
    if res.x[0] > 1e-9:
        return 0.0
    active = m0[1] <= m0[1].min() + 1e-12
    return float(np.max((m0[1] - m0[0])[active]))


def test_punish_raises_coco_payoff_exactly_when_the_threat_pays():
    rng = np.random.default_rng(7)
    n = 300
    params = random_parameters(rng, n)
    params["k"] = rng.uniform(0.01, 0.3, n)
    m0 = [np.subtract(*spec_payoffs(*draw(params, i)[:5], 0.0, 0.0, "none")) for i in range(n)]
    threshold = np.array([threat_threshold(m) for m in m0])
    v0 = np.array([zero_sum_value(m) for m in m0])
    assert np.mean(threshold > 0.05) > 0.2  # often the threat must be strong to pay
    for margin in (0.05, -0.05):
        h = params["k"] + threshold + margin
        use = h >= 0
        sub = {**{key: value[use] for key, value in params.items()}, "h": h[use]}
        with_p = game.derive_utilities(sub, theory="coco", punish="V")
        without = game.derive_utilities(sub, theory="coco", punish="none")
        gain = (
            np.array(
                [
                    zero_sum_value(np.subtract(*spec_payoffs(*draw(sub, i), "V"))) / 2
                    for i in range(int(use.sum()))
                ]
            )
            - v0[use] / 2
        )  # V's CoCo payoff S/2 + v/2 rises by half the zero-sum gain
        # our utility at the bargain, (1 + lam) S / 2 + (1 - lam) (d_V - d_notV) / 2
        np.testing.assert_allclose(
            with_p["U_B"] - without["U_B"], (1 - sub["lam"]) * gain, atol=1e-7
        )
        if margin > 0:
            assert np.all(gain > 1e-8)
        else:
            np.testing.assert_allclose(gain, 0.0, atol=1e-8)
            assert use.sum() > 50
        # a strictly dominated action is never played in a Nash or correlated equilibrium
        for theory in ("nash", "correlated"):
            for sel in game.SELECTIONS:
                kw = {"nash_selection": sel, "correlated_selection": sel}
                a = game.disagreement(*game_args(sub), theory=theory, punish="V", **kw)
                b = game.disagreement(*game_args(sub), theory=theory, punish="none", **kw)
                np.testing.assert_array_equal(a.d_V, b.d_V)
                np.testing.assert_array_equal(a.d_notV, b.d_notV)
                assert np.all(a.play[:, 2, :] == 0.0)


# --------------------------------------------------------------------------------------------
# 4. derivatives and identities


@pytest.mark.parametrize("theory", game.THEORIES)
@pytest.mark.parametrize("punish", ["none", "both"])
def test_derivatives_match_finite_differences_at_smooth_points(theory, punish):
    rng = np.random.default_rng(11)
    params = random_parameters(rng, 400)
    # most draws inside, a quarter within a factor 500 of 0 or 1 (log-uniform F_V priors)
    edge = np.exp(rng.uniform(np.log(1e-4), np.log(0.05), 100))
    params["F_V"] = np.r_[rng.uniform(0.05, 0.95, 300), edge[:50], 1 - edge[50:]]
    base = game.derive_utilities(params, theory=theory, punish=punish)
    w = params["F_V"]
    solved = {key: value for key, value in params.items() if key not in ("F_V", "lam")}
    analytic = game.disagreement(w, **solved, theory=theory, punish=punish).analytic
    estimates = []
    for relative in (1e-3, 1e-4):
        step = relative * np.minimum(w, 1 - w)
        up = game.derive_utilities({**params, "F_V": w + step}, theory=theory, punish=punish)
        down = game.derive_utilities({**params, "F_V": w - step}, theory=theory, punish=punish)
        estimates.append({key: (up[key] - down[key]) / (2 * step) for key in ("U_B", "U_notB")})
    checked = 0
    for key, dkey in (("U_B", "dUB_dFV"), ("U_notB", "dUnotB_dFV")):
        coarse, fine = estimates[0][key], estimates[1][key]
        # smooth over w -+ 1e-3 min(w, 1 - w): both central differences agree closely
        smooth = np.abs(coarse - fine) <= 1e-6 * (1 + np.abs(fine))
        assert smooth.mean() > 0.9
        # and no change of branch within the window: there the slope is analytic
        smooth &= analytic
        np.testing.assert_allclose(base[dkey][smooth], fine[smooth], rtol=1e-5, atol=1e-6)
        checked += smooth.sum()
    assert checked > 700


def test_derivative_at_a_branch_change_is_the_stated_central_difference():
    # nash, worst_for_V: for these parameters the selected equilibrium jumps near w = 0.42
    # (the equilibrium set changes there); find that w by bisection on the jump
    args = dict(g=0.312, t=0.423, c=0.828, gamma=0.949, k=0.1, h=0.1)

    def d_v(w):
        return game.disagreement(w, **args, theory="nash", punish="none").d_V[0]

    grid = np.linspace(0.05, 0.95, 181)
    values = np.array([d_v(w) for w in grid])
    jumps = np.flatnonzero(np.abs(np.diff(values)) > 0.02)
    assert jumps.size >= 1
    lo, hi = grid[jumps[0]], grid[jumps[0] + 1]
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if abs(d_v(mid) - d_v(lo)) < abs(d_v(mid) - d_v(hi)):
            lo = mid
        else:
            hi = mid
    w0 = lo
    res = game.disagreement(w0, **args, theory="nash", punish="none")
    assert not res.analytic[0]
    step = game.FD_STEP
    up = game.disagreement(w0 + step, **args, theory="nash", punish="none").d_V[0]
    down = game.disagreement(w0 - step, **args, theory="nash", punish="none").d_V[0]
    assert res.dd_V_dw[0] == pytest.approx((up - down) / (2 * step), rel=1e-6)
    # farther from the switch than the window the derivative is analytic and one-sided
    # differences that stay on one side agree with it
    for w in (w0 - 1.5 * step, w0 + 1.5 * step):
        near = game.disagreement(w, **args, theory="nash", punish="none")
        assert near.analytic[0]
        side = np.sign(w - w0) * 1e-7
        fd = (d_v(w + side) - d_v(w)) / side
        assert near.dd_V_dw[0] == pytest.approx(fd, rel=1e-4, abs=1e-6)


def test_mean_slopes_count_the_jumps_of_the_disagreement_point():
    # The expected slope is d/de E[U(w + e)]: with F_V ~ Beta(a, b) (density zero at both
    # ends) integration by parts gives E[U'(w)] = E[(U(w) - U(w_ref)) s(w)], the score
    # s(w) = -d log p / dw, which never differentiates U and so counts the jumps of the
    # selected disagreement point as w crosses a switch (U(w_ref) is a control variate:
    # E[s | other inputs] = 0). Slopes that left out the jumps (analytic on every branch)
    # miss by 15 (dUnotB_dFV) to 100 (dUB_dFV) standard errors here; the stated window's
    # bias is below the noise.
    n, a, b = 1 << 19, 2.5, 4.0
    rng = np.random.default_rng(20261204)
    w = rng.beta(a, b, n)
    params = {
        "F_V": w,
        "g": rng.lognormal(np.log(0.3), 0.8, n),
        "t": rng.beta(2, 5, n),
        "c": rng.beta(2, 2, n),
        "gamma": rng.lognormal(0.0, 0.6, n),
        "k": rng.uniform(0.0, 0.05, n),
        "h": rng.uniform(0.0, 0.5, n),
        "lam": rng.beta(2, 2, n),
    }
    codes = rng.integers(0, 3, n)
    out = game.derive_utilities(params, theory=codes, punish="both")
    ref = game.derive_utilities({**params, "F_V": np.full(n, 0.3)}, theory=codes, punish="both")
    score = -((a - 1) / w - (b - 1) / (1 - w))
    for value, slope in (("U_B", "dUB_dFV"), ("U_notB", "dUnotB_dFV")):
        diff = out[slope] - (out[value] - ref[value]) * score
        se = diff.std(ddof=1) / np.sqrt(n)
        assert abs(diff.mean()) < 4 * se, (slope, diff.mean(), se)
        assert se < 0.02 * abs(out[slope].mean()), (slope, se)  # a sharp check


@pytest.mark.parametrize("theory", game.THEORIES)
def test_bargaining_gain_identity(random_games, theory):
    # U_B - U_notB = (1 + lam) / 2 (S - d_V - d_notV) >= 0, S from the specification table
    for punish in game.PUNISH:
        params = random_games[punish]
        out = game.derive_utilities(params, theory=theory, punish=punish)
        res = game.disagreement(*game_args(params), theory=theory, punish=punish)
        surplus = np.array(
            [sum(spec_payoffs(*draw(params, i), punish)).max() for i in range(N_PER_SETTING)]
        )
        lam = params["lam"]
        gap = (1 + lam) / 2 * (surplus - res.d_V - res.d_notV)
        np.testing.assert_allclose(out["U_B"] - out["U_notB"], gap, atol=1e-12)
        assert np.all(gap >= -1e-12)
        np.testing.assert_allclose(out["U_notB"], res.d_V + lam * res.d_notV, atol=1e-14)
        # S is the same for every w (all joint payoffs are constant in w), so the slopes obey
        np.testing.assert_allclose(
            out["dUB_dFV"] - out["dUnotB_dFV"],
            -(1 + lam) / 2 * (res.dd_V_dw + res.dd_notV_dw),
            atol=1e-9,
        )


# --------------------------------------------------------------------------------------------
# API


def test_theory_codes_per_draw_match_single_theories(random_games):
    params = random_games["V"]
    codes = np.arange(N_PER_SETTING) % 3
    mixed = game.derive_utilities(params, theory=codes, punish="V")
    for code, name in enumerate(game.THEORIES):
        single = game.derive_utilities(params, theory=name, punish="V")
        for key in game.OUTPUTS:
            np.testing.assert_array_equal(mixed[key][codes == code], single[key][codes == code])
    as_float = game.derive_utilities(params, theory=codes.astype(float), punish="V")
    np.testing.assert_array_equal(as_float["U_B"], mixed["U_B"])


def test_chunks_do_not_change_results(monkeypatch, random_games):
    params = random_games["both"]
    whole = game.derive_utilities(params, theory="correlated", punish="both")
    monkeypatch.setattr(game, "_CHUNK", 17)
    chunked = game.derive_utilities(params, theory="correlated", punish="both")
    for key in game.OUTPUTS:
        np.testing.assert_array_equal(whole[key], chunked[key])


VALID = dict(F_V=0.3, g=0.5, t=0.5, c=0.5, gamma=1.0, k=0.1, h=0.2, lam=0.5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"F_V": 0.0}, "F_V"),
        ({"F_V": 1.0}, "F_V"),
        ({"g": -0.1}, "g must"),
        ({"t": 1.5}, "t must"),
        ({"c": -1e-3}, "c must"),
        ({"gamma": -0.5}, "gamma"),
        ({"k": -1.0}, "k must"),
        ({"h": np.nan}, "non-finite"),
        ({"lam": 2.0}, "lam"),
        ({"F_V": np.ones((2, 2)) * 0.5}, "1-d"),
        ({"F_V": np.full(3, 0.5), "g": np.zeros(2)}, "broadcast"),
        ({"F_V": "x"}, "numeric"),
    ],
)
def test_invalid_inputs_raise(change, message):
    with pytest.raises(ValueError, match=message):
        game.derive_utilities({**VALID, **change}, theory="nash", punish="none")


def test_invalid_names_and_codes_raise():
    with pytest.raises(ValueError, match="missing input"):
        game.derive_utilities({"F_V": 0.3}, theory="nash", punish="none")
    with pytest.raises(ValueError, match="theory"):
        game.derive_utilities(VALID, theory="shapley", punish="none")
    with pytest.raises(ValueError, match="codes"):
        game.derive_utilities(VALID, theory=np.array([3]), punish="none")
    with pytest.raises(ValueError, match="codes"):
        game.derive_utilities(VALID, theory=np.array([0.5]), punish="none")
    with pytest.raises(ValueError, match="theory codes for"):
        game.derive_utilities(
            {**VALID, "F_V": np.full(3, 0.3)}, theory=np.array([0, 1]), punish="none"
        )
    with pytest.raises(ValueError, match="punish"):
        game.derive_utilities(VALID, theory="nash", punish="everyone")
    with pytest.raises(ValueError, match="nash_selection"):
        game.derive_utilities(VALID, theory="nash", punish="none", nash_selection="fair")
    with pytest.raises(ValueError, match="correlated_selection"):
        game.derive_utilities(VALID, theory="nash", punish="none", correlated_selection="x")
    with pytest.raises(ValueError, match="shape"):
        game.solve_bimatrix(np.zeros((3, 3)), np.zeros((3, 3)), theory="nash")


def test_scalar_inputs_and_empty_arrays():
    out = game.derive_utilities(VALID, theory="coco", punish="both")
    assert {key: value.shape for key, value in out.items()} == dict.fromkeys(game.OUTPUTS, (1,))
    empty = {key: np.zeros(0) for key in game.INPUTS}
    out = game.derive_utilities(empty, theory="nash", punish="none")
    assert all(value.shape == (0,) for value in out.values())


def test_module_imports_numpy_only():
    import subprocess
    import sys

    code = (
        "import sys; import agi_interventions.game; "
        "print(any(m == 'scipy' or m.startswith('scipy.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_zero_decisiveness_is_the_limit_of_small_decisiveness():
    """gamma = 0 (a conflict is a coin flip) is admissible and continuous with gamma -> 0+."""
    base = dict(
        F_V=np.array([0.2, 0.7]),
        g=np.array([0.5, 0.1]),
        t=np.array([0.3, 0.6]),
        c=np.array([0.2, 0.5]),
        k=np.array([0.1, 0.0]),
        h=np.array([0.2, 0.4]),
        lam=np.array([0.3, 0.9]),
    )
    for theory in game.THEORIES:
        at_zero = game.derive_utilities(
            {**base, "gamma": np.zeros(2)}, theory=theory, punish="both"
        )
        near = game.derive_utilities(
            {**base, "gamma": np.full(2, 1e-9)}, theory=theory, punish="both"
        )
        for key in at_zero:
            np.testing.assert_allclose(at_zero[key], near[key], rtol=1e-6, atol=1e-7)
