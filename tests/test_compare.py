"""Worldviews pooled by credence, compared and swapped: against brute force and analytic truths.

The worldviews here are written by the tests (not the shipped, illustrative ones): every
check is an identity (a formula against brute-force Monte Carlo on the mixture, an exact
value against nested Monte Carlo, a Shapley attribution against its definition), never a
number pinned to a prior file.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from agi_interventions import api
from agi_interventions.compare.mixture import (
    mixture_evppi_exact,
    mixture_evppi_monte_carlo,
    shared_parameters,
    stratified_rows,
)
from agi_interventions.compare.pool import (
    Component,
    decision_rules,
    label_value,
    normalise_credences,
    pooled_ranking,
    worldview_label_value,
)
from agi_interventions.compare.swaps import (
    HybridError,
    compare_worldviews,
    hybrid,
    shapley_from_subsets,
    shapley_from_subsets_variance,
    swap_items,
)
from agi_interventions.configuration import value_problems
from agi_interventions.exact import engine_for
from agi_interventions.model import marginal_values
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.priors import load_worldview

from .conftest import SIMPLE_PRIORS

OPTIONS = list(INTERVENTIONS)

#: A worldview of the tests' own: every canonical parameter, simple priors.
BASE = SIMPLE_PRIORS


def write_view(
    folder: Path, name: str, changes: dict | None = None, structure: dict | None = None
) -> Path:
    """Write a prior file: BASE with some priors changed (and a structure)."""
    parameters = {**BASE, **(changes or {})}
    document: dict = {"description": f"test worldview {name}", "parameters": parameters}
    if structure:
        document["structure"] = structure
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def mixture_draws(views, credences, n: int, seed: int) -> tuple[np.ndarray, dict]:
    """Brute force: draw the worldview label by credence, then its priors; model values."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(len(views), size=n, p=np.asarray(credences))
    values = np.empty((n, len(OPTIONS)))
    for w, view in enumerate(views):
        rows = np.flatnonzero(labels == w)
        inputs = {name: p.sample(rows.size, rng) for name, p in view.priors.items()}
        out = marginal_values(view.complete(inputs))
        values[rows] = np.column_stack([out[o] for o in OPTIONS])
    return labels, values


# ----------------------------------------------------------------------------- credences


def test_credences_are_checked_and_scaled() -> None:
    names = ["a", "b", "c"]
    assert normalise_credences(None, names) == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    assert normalise_credences({"a": 2, "b": 6}, names) == pytest.approx(
        {"a": 0.25, "b": 0.75, "c": 0.0}
    )
    for bad, message in (
        ({"d": 1.0}, "not a configured worldview"),
        ({"a": -1.0}, "at least 0"),
        ({"a": math.nan}, "finite"),
        ({"a": math.inf}, "finite"),
        ({"a": 0.0, "b": 0}, "above 0"),
        ({"a": True}, "finite number"),
    ):
        with pytest.raises(ValueError, match=message):
            normalise_credences(bad, names)


def test_configuration_checks_credences_and_reference() -> None:
    config = {"worldviews": {"a": "a.yaml", "b": "b.yaml"}, "credences": {"a": 1, "z": 2}}
    assert any("'z' is not" in p for p in value_problems(config, "c.yaml"))
    config = {"worldviews": {"a": "a.yaml"}, "credences": {"a": 0}}
    assert any("above 0" in p for p in value_problems(config, "c.yaml"))
    config = {"worldviews": {"a": "a.yaml"}, "comparison_reference": "q"}
    assert any("comparison_reference" in p for p in value_problems(config, "c.yaml"))
    config = {"worldviews": {"a": "a.yaml"}, "credences": {"a": 1}, "comparison_reference": "a"}
    assert value_problems(config, "c.yaml") == []


# ----------------------------------------------------------------------------- pooling


def _component(name, credence, mean, var, p_best, n=10**6, exact=True, half=None):
    mean = np.asarray(mean, dtype=float)
    half = np.zeros(3) if half is None else np.asarray(half, dtype=float)
    return Component(
        name, credence, tuple(OPTIONS), mean, mean - half, mean + half, exact, var, p_best, n
    )


def test_pooled_ranking_matches_brute_force_on_the_mixture(tmp_path: Path) -> None:
    """Pooled means, P(best), variance and between-worldview share from a mixture sample."""
    views = [
        load_worldview(write_view(tmp_path, "a")),
        load_worldview(
            write_view(tmp_path, "b", {"F_V": {"dist": "uniform", "low": 0.4, "high": 0.9}})
        ),
    ]
    credences = [0.3, 0.7]
    comps = []
    for view, c in zip(views, credences, strict=True):
        engine, _ = engine_for(view)
        _, values = mixture_draws([view], [1.0], 200_000, seed=5)
        p_best = np.bincount(values.argmax(axis=1), minlength=3) / len(values)
        comps.append(
            _component(
                view.name,
                c,
                [engine.mean(o) for o in OPTIONS],
                [engine.variance_parts(o)["variance"] for o in OPTIONS],
                p_best,
                n=len(values),
            )
        )
    pooled = pooled_ranking(comps).set_index("intervention")
    labels, values = mixture_draws(views, credences, 800_000, seed=6)
    assert set(pooled["mean_method"]) == {"exact"}
    for j, option in enumerate(OPTIONS):
        x = values[:, j]
        se = x.std() / math.sqrt(len(x))
        assert abs(pooled.loc[option, "mean"] - x.mean()) < 4.5 * se
        # law of total variance against the sample variance of the mixture
        var_se = np.sqrt(np.mean((x - x.mean()) ** 4) - x.var() ** 2) / math.sqrt(len(x))
        assert abs(pooled.loc[option, "variance"] - x.var()) < 4.5 * var_se
        between = sum(c * (x[labels == w].mean() - x.mean()) ** 2 for w, c in enumerate(credences))
        assert pooled.loc[option, "between_share"] == pytest.approx(between / x.var(), rel=0.05)
    best = values.argmax(axis=1)
    for j, option in enumerate(OPTIONS):
        p = float(np.mean(best == j))
        assert (
            pooled.loc[option, "p_best_ci_low"] - 0.005
            <= p
            <= (pooled.loc[option, "p_best_ci_high"] + 0.005)
        )
    # ordered by pooled mean
    assert list(pooled["mean"]) == sorted(pooled["mean"], reverse=True)


def test_pooled_mean_intervals_add_errors_in_quadrature() -> None:
    a = _component("a", 0.5, [1.0, 2.0, 3.0], [1, 1, 1], [0, 0, 1], exact=False, half=[0.2] * 3)
    b = _component("b", 0.5, [3.0, 2.0, 1.0], [1, 1, 1], [1, 0, 0], exact=False, half=[0.4] * 3)
    pooled = pooled_ranking([a, b]).set_index("intervention")
    half = pooled["mean_ci_high"] - pooled["mean"]
    assert half.to_numpy() == pytest.approx(np.full(3, math.hypot(0.1, 0.2)))
    assert set(pooled["mean_method"]) == {"monte carlo"}
    # a zero-credence worldview with an infinite interval changes nothing
    c = _component("c", 0.0, [9.0, 9.0, 9.0], [1, 1, 1], [1, 0, 0], exact=False)
    c = Component(
        "c",
        0.0,
        tuple(OPTIONS),
        c.mean,
        c.mean - np.inf,
        c.mean + np.inf,
        False,
        c.variance,
        c.p_best,
        c.n,
    )
    again = pooled_ranking([a, b, c]).set_index("intervention")
    pd.testing.assert_series_equal(again["mean_ci_high"], pooled["mean_ci_high"])


def test_worldview_label_value_is_the_gain_from_learning_the_worldview() -> None:
    means = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    # choose after learning: 0.5 * 1 + 0.5 * 2; before: max(0.5, 1.0, 0)
    assert label_value(means, np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert label_value(means[[0, 0]], np.array([0.5, 0.5])) == 0.0
    # brute force: average of the best option per sampled worldview minus the pooled best
    rng = np.random.default_rng(3)
    for _ in range(5):
        m, c = rng.normal(size=(4, 3)), rng.dirichlet(np.ones(4))
        assert label_value(m, c) == pytest.approx(float(c @ m.max(axis=1)) - float(max(c @ m)))


def test_label_value_interval_covers_the_truth() -> None:
    """The parametric-bootstrap interval of the label value, over many noisy estimates."""
    truth_means = np.array([[1.0, 0.8, 0.1], [0.5, 1.2, 0.2], [0.2, 0.4, 0.9]])
    c = np.array([0.5, 0.3, 0.2])
    truth = label_value(truth_means, c)
    se = np.array([0.05, 0.08, 0.06])
    rng = np.random.default_rng(11)
    hits, runs = 0, 300
    for r in range(runs):
        noisy = truth_means + se[:, None] * rng.standard_normal(truth_means.shape)
        comps = [
            _component(
                f"w{i}",
                c[i],
                noisy[i],
                np.ones(3),
                [1 / 3] * 3,
                exact=False,
                half=[1.959963984540054 * se[i]] * 3,
            )
            for i in range(3)
        ]
        result = worldview_label_value(comps, seed=r, replicates=2000)
        hits += result["low"] <= truth <= result["high"]
    assert 0.90 <= hits / runs <= 0.99


def test_decision_rules_on_a_textbook_matrix() -> None:
    # option means under worldviews w1, w2 (rows) for options a_V, a_CV, a_CnotV
    m = np.array([[10.0, 6.0, 0.0], [-5.0, 2.0, 1.0]])
    comps = [
        _component("w1", 0.7, m[0], np.ones(3), [1, 0, 0]),
        _component("w2", 0.3, m[1], np.ones(3), [0, 1, 0]),
    ]
    rules = decision_rules(comps).set_index("rule")
    assert rules.loc["expected value", "choice"] == "a_V"  # 0.7*10 - 0.3*5 = 5.5 > 4.8
    assert rules.loc["favourite worldview", "choice"] == "a_V"
    assert rules.loc["favourite worldview", "detail"] == "w1"
    assert rules.loc["maximin", "choice"] == "a_CV"  # worst cases -5, 2, 0
    assert rules.loc["maximin", "criterion"] == 2.0
    # regrets: a_V (0, 7), a_CV (4, 0), a_CnotV (10, 1): largest 7, 4, 10
    assert rules.loc["minimax regret", "choice"] == "a_CV"
    assert rules.loc["minimax regret", "criterion"] == 4.0
    assert rules.loc["minimax regret", "detail"] == "w1"
    flipped = decision_rules([comps[0], Component(**{**comps[1].__dict__, "credence": 0.3})])
    assert list(flipped["choice"]) == list(rules["choice"])


# ----------------------------------------------------------------------------- mixture EVPPI


def test_one_component_mixture_is_the_engines_exact_evppi(tmp_path: Path) -> None:
    view = load_worldview(write_view(tmp_path, "a"))
    engine, _ = engine_for(view)
    for name in engine.uncertain:
        exact = engine.evppi_parameter(OPTIONS, name)
        assert mixture_evppi_exact([engine], [1.0], OPTIONS, name) == pytest.approx(
            exact, rel=1e-9, abs=1e-15
        )


def _nested_mixture_evppi(views, credences, name, outer: int, inner: int, seed: int):
    """Brute-force nested Monte Carlo of a shared parameter's EVPPI under the mixture.

    Outer draws of theta from the mixture; at each, every worldview's conditional means from
    ``inner`` draws of its other inputs, weighted by P(w | theta) from the prior densities.
    The antithetic correction of Giles & Goda removes the inner noise's first-order bias.
    """
    rng = np.random.default_rng(seed)
    labels = rng.choice(len(views), size=outer, p=credences)
    theta = np.empty(outer)
    for w, view in enumerate(views):
        rows = labels == w
        theta[rows] = view.priors[name].sample(int(rows.sum()), rng)
    density = np.array(
        [c * view.priors[name].dist.pdf(theta) for view, c in zip(views, credences, strict=True)]
    )
    posterior = density / density.sum(axis=0)
    halves = np.zeros((2, outer, len(OPTIONS)))
    for w, view in enumerate(views):
        inputs = {n: p.sample(outer * inner, rng) for n, p in view.priors.items()}
        inputs[name] = np.repeat(theta, inner)
        out = marginal_values(view.complete(inputs))
        vals = np.stack([out[o] for o in OPTIONS], axis=1).reshape(outer, inner, len(OPTIONS))
        half = inner // 2
        halves[0] += posterior[w][:, None] * vals[:, :half].mean(axis=1)
        halves[1] += posterior[w][:, None] * vals[:, half:].mean(axis=1)
    full = halves.mean(axis=0)
    k0 = int(np.argmax(full.mean(axis=0)))

    def gain(m):
        return m.max(axis=1) - m[:, k0]

    corrected = 2 * gain(full) - 0.5 * (gain(halves[0]) + gain(halves[1]))
    return float(corrected.mean()), float(corrected.std(ddof=1) / math.sqrt(outer))


def test_mixture_evppi_against_nested_monte_carlo(tmp_path: Path) -> None:
    """Two worldviews that disagree on F_V: learning F_V tells which one is right."""
    views = [
        load_worldview(write_view(tmp_path, "a")),
        load_worldview(
            write_view(
                tmp_path,
                "b",
                {
                    "F_V": {"dist": "uniform", "low": 0.3, "high": 0.9},
                    "p_V": {"dist": "uniform", "low": 0.0, "high": 0.3},
                },
            )
        ),
    ]
    credences = [0.5, 0.5]
    engines = [engine_for(v)[0] for v in views]
    exact = mixture_evppi_exact(engines, credences, OPTIONS, "F_V")
    estimate, se = _nested_mixture_evppi(views, credences, "F_V", 3000, 400, seed=9)
    assert se > 0
    assert abs(exact - estimate) < 4.5 * se + 0.02 * exact, (exact, estimate, se)
    assert exact > 6 * se  # the check is not vacuous


def test_a_fixed_component_contributes_at_its_point(tmp_path: Path) -> None:
    """A worldview that fixes the shared parameter: an atom in the mixture."""
    views = [
        load_worldview(write_view(tmp_path, "a")),
        load_worldview(
            write_view(
                tmp_path,
                "b",
                {"F_V": {"dist": "fixed", "value": 0.6}, "p_V": {"dist": "fixed", "value": 0.1}},
            )
        ),
    ]
    credences = [0.6, 0.4]
    engines = [engine_for(v)[0] for v in views]
    exact = mixture_evppi_exact(engines, credences, OPTIONS, "F_V")
    # brute force: at the atom only worldview b has mass; elsewhere only a
    rng = np.random.default_rng(2)
    theta = views[0].priors["F_V"].sample(4000, rng)
    m_a = np.column_stack([engines[0].conditional_mean(o, {"F_V": theta}) for o in OPTIONS])
    m_b = np.array([engines[1].mean(o) for o in OPTIONS])
    pooled = 0.6 * np.array([engines[0].mean(o) for o in OPTIONS]) + 0.4 * m_b
    k0 = int(np.argmax(pooled))
    gains = 0.6 * (m_a.max(axis=1) - m_a[:, k0])
    expected = gains.mean() + 0.4 * (m_b.max() - m_b[k0])
    se = 0.6 * (m_a.max(axis=1) - m_a[:, k0]).std() / math.sqrt(len(theta))
    assert abs(exact - expected) < 4.5 * se + 1e-15


def test_regression_mixture_evppi_covers_the_exact_value(tmp_path: Path) -> None:
    """The Monte Carlo path's interval, on many independent samples, against the exact value."""
    views = [
        load_worldview(write_view(tmp_path, "a")),
        load_worldview(
            write_view(
                tmp_path,
                "b",
                {
                    "F_V": {"dist": "uniform", "low": 0.3, "high": 0.9},
                    "p_V": {"dist": "uniform", "low": 0.0, "high": 0.3},
                },
            )
        ),
    ]
    credences = [0.4, 0.6]
    engines = [engine_for(v)[0] for v in views]
    exact = mixture_evppi_exact(engines, credences, OPTIONS, "F_V")
    hits, runs = 0, 24
    for seed in range(runs):
        rng = np.random.default_rng(100 + seed)
        inputs, values = [], []
        for view in views:
            draws = {n: p.sample(6000, rng) for n, p in view.priors.items()}
            out = marginal_values(view.complete(draws))
            inputs.append(draws["F_V"])
            values.append(np.column_stack([out[o] for o in OPTIONS]))
        estimate = mixture_evppi_monte_carlo(inputs, values, credences, n_bootstrap=40, seed=seed)
        hits += estimate.ci_low <= exact <= estimate.ci_high
    assert hits >= 0.8 * runs  # nominal 95%; binomial slack for 24 runs


def test_stratified_rows_follow_the_credences() -> None:
    assert stratified_rows([1000, 1000], [0.25, 0.75]) == [256, 768]  # 1333 -> 1024 rows
    assert stratified_rows([200, 150], [0.5, 0.5]) == [150, 150]  # fewer than 512 rows
    assert stratified_rows([1000, 500], [1.0, 0.0]) == [512, 0]
    rows = stratified_rows([32768] * 5, [0.4, 0.15, 0.15, 0.15, 0.15])
    assert sum(rows) % 512 == 0 and rows[0] == 32768
    assert rows[1:] == [rows[1]] * 4 and abs(rows[1] / sum(rows) - 0.15) < 1e-3


def test_shared_parameters_leave_out_structure_inputs(tmp_path: Path) -> None:
    a = load_worldview(write_view(tmp_path, "a"))
    b = load_worldview(
        write_view(
            tmp_path,
            "b",
            structure={"locality": 0.5},
            changes={
                "l": {"dist": "uniform", "low": 0.5, "high": 1.0},
                "k_C": {"dist": "uniform", "low": 0.0, "high": 1.0},
            },
        )
    )
    shared = shared_parameters([a, b])
    assert "locality" not in shared and "l" not in shared
    assert "F_V" in shared and set(shared) <= set(a.priors) & set(b.priors)


# ----------------------------------------------------------------------------- swaps


def test_shapley_values_of_known_games() -> None:
    # v(S) = sum of weights + an interaction of players 0 and 1 shared equally
    d, w, inter = 3, np.array([1.0, 2.0, -0.5]), 0.8
    values = np.array(
        [
            sum(w[i] for i in range(d) if m >> i & 1) + (inter if m & 3 == 3 else 0.0)
            for m in range(2**d)
        ]
    )
    phi = shapley_from_subsets(values, d)
    assert phi == pytest.approx(w + np.array([inter / 2, inter / 2, 0.0]))
    assert phi.sum() == pytest.approx(values[-1] - values[0])
    # variance: each v(S) with variance 1 -> sum of squared coefficients
    var = shapley_from_subsets_variance(np.ones(2**d), d)
    coef = np.zeros((d, 2**d))
    from math import factorial

    for i in range(d):
        for m in range(2**d):
            if m >> i & 1:
                continue
            s = bin(m).count("1")
            wgt = factorial(s) * factorial(d - s - 1) / factorial(d)
            coef[i, m | 1 << i] += wgt
            coef[i, m] -= wgt
    assert var == pytest.approx((coef**2).sum(axis=1))


def test_swaps_are_exact_means_of_the_hybrid_worldviews(tmp_path: Path) -> None:
    changes = {
        "F_V": {"dist": "uniform", "low": 0.3, "high": 0.9},
        "U_notB": {"dist": "uniform", "low": -0.9, "high": -0.1},
        "F_I": {"dist": "loguniform", "low": 1e-6, "high": 1e-4},
    }
    a = load_worldview(write_view(tmp_path, "a"))
    coalition = {
        "s": {"dist": "normal", "mean": 0.2, "sd": 0.4},
        "theta": {"dist": "uniform", "low": 0.1, "high": 0.5},
    }
    b = load_worldview(
        write_view(tmp_path, "b", {**changes, **coalition}, structure={"coalition_size": 0.5})
    )
    items = swap_items(a, b)
    assert [i.name for i in items] == ["structure:coalition_size", "U_notB", "F_V", "F_I"]
    table = compare_worldviews(a, b, OPTIONS, seed=1)
    assert set(table["method"]) == {"exact"}
    for _, row in table[table["kind"] == "parameter"].iterrows():
        # the same hybrid written as a prior file and read back by the loader
        own = load_worldview(
            write_view(tmp_path, f"one_{row['item']}", {row["item"]: changes[row["item"]]})
        )
        engine, _ = engine_for(own)
        for o in OPTIONS:
            assert row[f"mean_{o}"] == pytest.approx(engine.mean(o), rel=1e-12)
    ends = table.set_index("item")
    engine_b, _ = engine_for(b)
    for o in OPTIONS:
        assert ends.loc["(all)", f"mean_{o}"] == pytest.approx(engine_b.mean(o), rel=1e-12)
    # Shapley shares add up to the whole change, for the lead and the relative lead
    parts = table[table["kind"].isin(["parameter", "variant"])]
    assert parts["shapley_lead"].sum() == pytest.approx(ends.loc["(all)", "lead_change"], rel=1e-9)
    relative = ends.loc["(all)", "relative_lead"] - ends.loc["(none)", "relative_lead"]
    assert parts["shapley_relative_lead"].sum() == pytest.approx(relative, rel=1e-9, abs=1e-12)
    # F_I scales every value alike: no share of the relative lead, a large one of the lead
    f_i = parts.set_index("item").loc["F_I"]
    assert abs(f_i["shapley_relative_lead"]) < 1e-9
    assert abs(f_i["shapley_lead"]) > 0.1 * abs(parts["shapley_lead"]).max()
    assert (parts["shapley_lead_se"] == 0).all()


def test_an_exact_swap_agrees_with_plain_monte_carlo(tmp_path: Path) -> None:
    a = load_worldview(write_view(tmp_path, "a"))
    b = load_worldview(
        write_view(tmp_path, "b", {"dpV_daV": {"dist": "uniform", "low": 0.3, "high": 0.6}})
    )
    row = compare_worldviews(a, b, OPTIONS, seed=1).set_index("item").loc["dpV_daV"]
    draws = api.simulate(hybrid(a, b, {"dpV_daV"}), 400_000, seed=4, columns=OPTIONS)
    for o in OPTIONS:
        se = draws[o].std() / math.sqrt(len(draws))
        assert abs(row[f"mean_{o}"] - draws[o].mean()) < 4.5 * se


def test_sampled_orderings_agree_with_the_exact_attribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agi_interventions.compare import swaps

    changes = {
        "F_V": {"dist": "uniform", "low": 0.3, "high": 0.9},
        "U_notB": {"dist": "uniform", "low": -0.9, "high": -0.1},
        "b": {"dist": "beta", "a": 5, "b": 2},
        "p_V": {"dist": "uniform", "low": 0.0, "high": 0.3},
    }
    a = load_worldview(write_view(tmp_path, "a"))
    b = load_worldview(write_view(tmp_path, "b", changes))
    exact = compare_worldviews(a, b, OPTIONS, seed=1).set_index("item")
    monkeypatch.setattr(swaps, "MAX_EXACT_ITEMS", 2)
    sampled = compare_worldviews(a, b, OPTIONS, seed=1).set_index("item")
    assert set(sampled["method"]) == {"exact means, sampled orderings"}
    assert (sampled.loc[list(changes), "shapley_relative_lead_se"] > 0).any()
    for item in changes:
        se = sampled.loc[item, "shapley_relative_lead_se"]
        gap = abs(
            sampled.loc[item, "shapley_relative_lead"] - exact.loc[item, "shapley_relative_lead"]
        )
        assert gap < 4.5 * se + 1e-12


def test_a_swap_without_the_exact_engine_uses_common_monte_carlo(tmp_path: Path) -> None:
    a = load_worldview(write_view(tmp_path, "a"))
    b = load_worldview(
        write_view(
            tmp_path,
            "b",
            {
                "F_V": {"dist": "uniform", "low": 0.3, "high": 0.6},
                "R_V": {"dist": "uniform", "low": 0.1, "high": 0.5},
                "R_CV": {"dist": "uniform", "low": 0.1, "high": 0.5},
                "R_CnotV": {"dist": "uniform", "low": 0.1, "high": 0.5},
            },
            structure={"rest_of_world": 0.5},
        )
    )
    table = compare_worldviews(a, b, OPTIONS, seed=3)
    assert set(table["method"]) == {"monte carlo"}
    parts = table[table["kind"].isin(["parameter", "variant"])]
    ends = table.set_index("item")
    assert parts["shapley_lead"].sum() == pytest.approx(ends.loc["(all)", "lead_change"], rel=1e-9)
    assert (parts["shapley_lead_se"] > 0).all()
    # the (all) row is plain Monte Carlo on b with the same seed
    summary = api.summarise(b, 2**15, seed=3).set_index("intervention")
    for o in OPTIONS:
        assert ends.loc["(all)", f"mean_{o}"] == pytest.approx(summary.loc[o, "mean"], rel=1e-12)


def test_an_inadmissible_combination_is_named_not_guessed(tmp_path: Path) -> None:
    """rest_of_world needs F_I below 1: swapping it in alone, with F_I up to 1, is refused."""
    a = load_worldview(
        write_view(tmp_path, "a", {"F_I": {"dist": "uniform", "low": 0.5, "high": 1.0}})
    )
    rest = {n: {"dist": "uniform", "low": 0.1, "high": 0.5} for n in ("R_V", "R_CV", "R_CnotV")}
    b = load_worldview(
        write_view(
            tmp_path,
            "b",
            {**rest, "F_I": {"dist": "uniform", "low": 0.1, "high": 0.5}},
            structure={"rest_of_world": 0.5},
        )
    )
    with pytest.raises(HybridError, match="F_I"):
        hybrid(a, b, {"structure:rest_of_world"})
    table = compare_worldviews(a, b, OPTIONS, seed=2).set_index("item")
    alone = table.loc["structure:rest_of_world"]
    assert "F_I" in alone["note"] and math.isnan(alone["mean_a_V"])
    assert table["shapley_lead"].isna().all()
    assert "not admissible" in alone["method"]
    assert not math.isnan(table.loc["F_I", "mean_a_V"])  # the other swap is fine


def test_risk_rules_apply_to_the_pooled_draws_not_to_each_worldview():
    """A 50/50 mixture of 0 and 10 for sure: REU at a = 2 is 2.5 pooled first (not 5)."""
    from types import SimpleNamespace

    from agi_interventions.risk import rule_values
    from agi_interventions.steps.comparison import pooled_draws

    def view(value: float, n: int) -> SimpleNamespace:
        return SimpleNamespace(
            draws=pd.DataFrame({"a_V": np.full(n, value), "a_CV": 1.0, "a_CnotV": 0.5})
        )

    pooled = pooled_draws([view(0.0, 3000), view(10.0, 2048)], [0.5, 0.5])
    assert len(pooled) == 4096 and (pooled["a_V"] == 10.0).sum() == 2048
    reu = rule_values(pooled, "reu", a=2.0, seed=0, n_bootstrap=0).set_index("intervention")
    assert reu.loc["a_V", "value"] == pytest.approx(2.5)
    per_worldview = np.mean([0.0, 10.0])  # each worldview's REU is its sure value
    assert per_worldview == 5.0 and reu.loc["a_V", "value"] < per_worldview
