"""The comparison's sentences and report against the tables they come from, and end to end.

Sentences are checked on small synthetic tables (each number they quote parses back; swapping
the inputs flips them), then the whole comparison runs in memory on two worldviews written
here and its report is checked against its own tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from agi_interventions import api
from agi_interventions.compare.pool import Component, decision_rules, pooled_ranking
from agi_interventions.narrative.comparison import (
    pooled_sentences,
    rule_sentences,
    swap_sentences,
    value_sentences,
    verdict_sentences,
)
from agi_interventions.parameters import INTERVENTIONS, label
from agi_interventions.report.formatting import fmt_num, fmt_pct

from .conftest import SIMPLE_PRIORS

OPTIONS = list(INTERVENTIONS)


def comparison_frame(winners: dict[str, str], exact: bool = True) -> pd.DataFrame:
    rows = []
    for name, winner in winners.items():
        row = {
            "worldview": name,
            "credence": 1 / len(winners),
            "winner": winner,
            "winner_label": label(winner),
            "mean_method": "exact" if exact else "monte carlo",
        }
        for o in OPTIONS:
            value = 2.0 if o == winner else 1.0
            row |= {
                f"mean_{o}": value,
                f"mean_{o}_low": value - 0.1,
                f"mean_{o}_high": value + 0.1,
                f"p_best_{o}": 0.8 if o == winner else 0.1,
            }
        rows.append(row)
    return pd.DataFrame(rows)


def test_verdict_counts_the_worldviews_each_option_wins() -> None:
    table = comparison_frame({"a": "a_CV", "b": "a_CV", "c": "a_V"})
    first = verdict_sentences(table)[0]
    assert "Cooperation, aligned is best under 2 of 3 (a and b)" in first
    assert "Alignment is best under 1 of 3 (c)" in first
    assert first.index("Cooperation, aligned") < first.index("Alignment is")
    flipped = verdict_sentences(comparison_frame({"a": "a_V", "b": "a_V", "c": "a_V"}))[0]
    assert flipped == "Alignment is best under all 3 worldviews."


def test_verdict_says_when_a_winner_is_within_monte_carlo_error() -> None:
    table = comparison_frame({"a": "a_CV", "b": "a_V"}, exact=False)
    assert not any("not settled" in s for s in verdict_sentences(table))
    table.loc[1, "mean_a_V_low"] = 0.5  # overlaps the runner-up's interval [0.9, 1.1]
    text = verdict_sentences(table)
    assert any(s.startswith("Under b the winner's lead is within Monte Carlo error") for s in text)


def _swaps(reference: str, other: str, winners: dict[str, str]) -> pd.DataFrame:
    rows = [
        {
            "reference": reference,
            "worldview": other,
            "item": "(none)",
            "kind": "reference",
            "winner": "a_CV",
        },
        *(
            {
                "reference": reference,
                "worldview": other,
                "item": item,
                "kind": "parameter",
                "winner": winner,
            }
            for item, winner in winners.items()
        ),
        {
            "reference": reference,
            "worldview": other,
            "item": "(all)",
            "kind": "worldview",
            "winner": "a_V",
        },
    ]
    return pd.DataFrame(rows)


def test_verdict_names_the_swaps_that_flip_the_winner() -> None:
    table = comparison_frame({"base": "a_CV", "other": "a_V"})
    swaps = _swaps("base", "other", {"F_V": "a_V", "U_B": "a_CV"})
    text = " ".join(verdict_sentences(table, swaps))
    assert "of its differences from base, F_V alone already makes Alignment best" in text
    none = _swaps("base", "other", {"F_V": "a_CV", "U_B": "a_CV"})
    text = " ".join(verdict_sentences(table, none))
    assert "no single difference from base makes it best on its own" in text


def _component(name, credence, mean, exact=True):
    mean = np.asarray(mean, dtype=float)
    return Component(
        name,
        credence,
        tuple(OPTIONS),
        mean,
        mean,
        mean,
        exact,
        np.ones(3),
        np.array([1 / 3] * 3),
        1000,
    )


def test_pooled_sentences_quote_the_pooled_table() -> None:
    comps = [_component("a", 0.8, [1.0, 2.0, 0.5]), _component("b", 0.2, [40.0, 1.0, 0.0])]
    pooled = pooled_ranking(comps)
    table = comparison_frame({"a": "a_CV", "b": "a_V"})
    for comp in comps:
        for j, o in enumerate(OPTIONS):
            table.loc[table["worldview"] == comp.name, f"mean_{o}"] = comp.mean[j]
    text = pooled_sentences(pooled, table, {"a": 0.8, "b": 0.2})
    top = pooled.iloc[0]
    assert top["intervention"] == "a_V"  # 0.8 + 8 beats 1.6 + 0.2
    assert (
        f"Alignment has the highest mean marginal value, {fmt_num(top['mean'])} (exact)" in text[0]
    )
    share = 0.2 * 40.0 / top["mean"]
    assert any(f"Of that pooled mean, {fmt_pct(share)} comes from b" in s for s in text)
    # without the large stakes of b, nothing dominates
    comps = [_component("a", 0.8, [1.0, 2.0, 0.5]), _component("b", 0.2, [1.5, 1.0, 0.0])]
    text = pooled_sentences(
        pooled_ranking(comps), table.assign(mean_a_V=[1.0, 1.5]), {"a": 0.8, "b": 0.2}
    )
    assert not any("Of that pooled mean" in s for s in text)  # a's share is its credence


def test_rule_sentences_name_each_rule_and_the_disagreement() -> None:
    m = np.array([[10.0, 6.0, 0.0], [-5.0, 2.0, 1.0]])
    rules = decision_rules([_component("w1", 0.7, m[0]), _component("w2", 0.3, m[1])])
    text = rule_sentences(rules)
    assert text[0].startswith("Pooled expected value chooses Alignment")
    assert "maximin (best worst case) chooses Cooperation, aligned" in text[0]
    assert "minimax regret chooses Cooperation, aligned" in text[0]
    assert any(
        "Maximin (best worst case) and minimax regret choose Cooperation, aligned rather than "
        "the pooled expected value's Alignment" in s
        for s in text
    )
    assert any(f"under w2, {fmt_num(2.0)}" in s for s in text)
    agree = decision_rules([_component("w1", 0.5, [1, 2, 0]), _component("w2", 0.5, [0, 3, 1])])
    assert any(s.startswith("Every rule agrees") for s in rule_sentences(agree))


def test_value_sentences_quote_only_values_distinguishable_from_zero() -> None:
    table = pd.DataFrame(
        [
            {
                "name": "EVPI",
                "kind": "evpi",
                "label": "everything",
                "value": 1.0,
                "low": 0.9,
                "high": 1.1,
                "method": "exact",
                "flag": "",
                "share_of_evpi": 1.0,
            },
            {
                "name": "worldview",
                "kind": "worldview",
                "label": "which worldview is right",
                "value": 0.4,
                "low": 0.4,
                "high": 0.4,
                "method": "exact",
                "flag": "",
                "share_of_evpi": 0.4,
            },
            {
                "name": "F_V",
                "kind": "parameter",
                "label": "F_V",
                "value": 0.3,
                "low": 0.2,
                "high": 0.4,
                "method": "regression",
                "flag": "",
                "share_of_evpi": 0.3,
            },
            {
                "name": "F_I",
                "kind": "parameter",
                "label": "F_I",
                "value": 0.35,
                "low": 0.0,
                "high": 0.7,
                "method": "regression",
                "flag": "",
                "share_of_evpi": 0.35,
            },
        ]
    )
    text = value_sentences(table)
    assert text[0] == (
        f"Learning which worldview is right is worth {fmt_num(0.4)} (exact), "
        f"{fmt_pct(0.4)} of the pooled EVPI."
    )
    assert f"F_V ({fmt_num(0.3)})" in text[1] and "F_I" not in text[1]
    table.loc[3, "low"] = 0.3
    assert f"F_I ({fmt_num(0.35)}) and F_V ({fmt_num(0.3)})" in value_sentences(table)[1]
    table.loc[1, "flag"] = "heavy tail"
    assert "cannot be trusted (heavy tail)" in value_sentences(table)[0]


def test_swap_sentences_rank_items_by_shapley_share_and_spot_pure_rescaling() -> None:
    rows = [
        {
            "reference": "a",
            "worldview": "b",
            "item": "(none)",
            "kind": "reference",
            "lead_pair": "a_CV-a_V",
            "ratio": 2.0,
            "relative_lead": 0.33,
        },
        {
            "reference": "a",
            "worldview": "b",
            "item": "F_V",
            "kind": "parameter",
            "ratio": 3.0,
            "shapley_lead": 0.1,
            "shapley_relative_lead": 0.3,
            "shapley_relative_lead_se": 0.0,
            "method": "exact",
        },
        {
            "reference": "a",
            "worldview": "b",
            "item": "F_I",
            "kind": "parameter",
            "ratio": 2.0,
            "shapley_lead": -0.5,
            "shapley_relative_lead": 0.0,
            "shapley_relative_lead_se": 0.0,
            "method": "exact",
        },
        {
            "reference": "a",
            "worldview": "b",
            "item": "structure:locality",
            "kind": "variant",
            "ratio": 1.5,
            "shapley_lead": -0.05,
            "shapley_relative_lead": -0.1,
            "shapley_relative_lead_se": 0.0,
            "method": "exact",
        },
        {
            "reference": "a",
            "worldview": "b",
            "item": "(all)",
            "kind": "worldview",
            "ratio": 2.5,
            "relative_lead": 0.53,
        },
    ]
    text = swap_sentences(pd.DataFrame(rows), "b")
    assert f"goes from {fmt_num(2.0)} to {fmt_num(2.5)}" in text[0]
    assert f"come from F_V ({fmt_num(0.3)}) and the locality variant ({fmt_num(-0.1)})" in text[1]
    assert text[2].startswith("F_I changes the size of the lead but not its relative size")
    rows[1]["shapley_relative_lead"] = -0.05
    text = swap_sentences(pd.DataFrame(rows), "b")
    assert (
        f"come from the locality variant ({fmt_num(-0.1)}) and F_V ({fmt_num(-0.05)})" in text[1]
    )


# ----------------------------------------------------------------------------- end to end

BASE = SIMPLE_PRIORS


@pytest.fixture(scope="module")
def two_worldviews(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("views")
    documents = {
        "near": {"parameters": BASE, "description": "exact engine applies"},
        "far": {
            "parameters": {
                **BASE,
                "dpV_daV": {"dist": "uniform", "low": 0.3, "high": 0.6},
                **{
                    n: {"dist": "uniform", "low": 0.1, "high": 0.5}
                    for n in ("R_V", "R_CV", "R_CnotV")
                },
            },
            "structure": {"rest_of_world": 0.5},
            "description": "no exact engine",
        },
    }
    results = []
    for name, document in documents.items():
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        results.append(
            api.analyse(path, samples=512, seed=3, name=name, decision={"evppi_bootstrap": 20})
        )
    return results


def test_pooled_tables_follow_from_the_worldviews(two_worldviews) -> None:
    near, far = two_worldviews
    credences = {"near": 3.0, "far": 1.0}
    tables = api.pool(two_worldviews, credences, seed=3)
    comparison = tables["comparison"].set_index("worldview")
    assert comparison.loc["near", "mean_method"] == "exact"
    assert comparison.loc["far", "mean_method"] == "monte carlo"
    for result in two_worldviews:
        ranking = result["ranking"].set_index("intervention")
        key = "mean_exact" if result.worldview.name == "near" else "mean"
        assert comparison.loc[result.worldview.name, "winner"] == ranking[key].idxmax()
    pooled = tables["pooled"].set_index("intervention")
    for o in OPTIONS:
        expected = (
            0.75 * comparison.loc["near", f"mean_{o}"] + 0.25 * comparison.loc["far", f"mean_{o}"]
        )
        assert pooled.loc[o, "mean"] == pytest.approx(expected, rel=1e-9)
    voi = tables["pooled_value_of_information"].set_index("name")
    assert set(voi.loc[voi["kind"] == "parameter", "method"]) == {"regression"}
    means = comparison[[f"mean_{o}" for o in OPTIONS]].to_numpy()
    c = np.array([0.75, 0.25])
    assert voi.loc["worldview", "value"] == pytest.approx(
        c @ means.max(axis=1) - (c @ means).max(), rel=1e-9, abs=1e-15
    )
    swaps = tables["swaps"]
    assert set(swaps["reference"]) == {"near"} and set(swaps["worldview"]) == {"far"}
    assert {"structure:rest_of_world", "dpV_daV"} <= set(swaps["item"])
    # the same pair through api.compare
    again = api.compare(near.worldview, far.worldview, seed=3)
    pd.testing.assert_frame_equal(
        again.reset_index(drop=True)[["item", "winner"]],
        swaps[["item", "winner"]].reset_index(drop=True),
    )


def test_comparison_report_says_what_its_tables_say(two_worldviews) -> None:
    credences = {"near": 3.0, "far": 1.0}
    tables = api.pool(two_worldviews, credences, seed=3)
    html = api.render_comparison(tables, two_worldviews, credences)
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text).replace("&#39;", "'")
    for sentence in verdict_sentences(tables["comparison"], tables["swaps"]):
        assert sentence in text
    top = tables["pooled"].iloc[0]
    assert f"{top['label']} has the highest mean marginal value, {fmt_num(top['mean'])}" in text
    for _, rule in tables["decision_rules"].iterrows():
        assert str(rule["label"]) in text
    assert "near 75.0%" in text and "far 25.0%" in text
    assert "http://" not in html and "https://" not in html.replace("https://json-schema", "")
    assert html.count("data:image/png;base64,") >= 3


def test_credences_naming_unknown_worldviews_are_refused(two_worldviews) -> None:
    with pytest.raises(ValueError, match="not a configured worldview"):
        api.pool(two_worldviews, {"nowhere": 1.0}, seed=1)
    with pytest.raises(ValueError, match="reference worldview 'x'"):
        api.pool(two_worldviews, None, seed=1, reference="x")


def test_the_comparison_is_deterministic(two_worldviews) -> None:
    first = api.pool(two_worldviews, {"near": 1, "far": 1}, seed=5)
    second = api.pool(two_worldviews, {"near": 1, "far": 1}, seed=5)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_results_folders_compare_from_the_command_line(two_worldviews, tmp_path: Path) -> None:
    """The `compare` command reads result folders whose names and paths hold shell characters."""
    from agi_interventions.cli import main

    args = []
    for result in two_worldviews:
        folder = tmp_path / f"res $(touch pwned); {result.worldview.name}"
        result.write(folder)
        args += ["--worldview", result.worldview.name, str(result.worldview.path), str(folder)]
    out = tmp_path / "comparison; rm -rf x"
    code = main(
        [
            "compare",
            *args,
            "--credence",
            "near=2",
            "--seed",
            "3",
            "--evppi-bootstrap",
            "20",
            "--out-dir",
            str(out),
        ]
    )
    assert code == 0
    assert (out / "report.html").exists() and (out / "swaps.csv").exists()
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    assert (
        main(
            ["compare", *args[:4], "--seed", "3", "--evppi-bootstrap", "20", "--out-dir", str(out)]
        )
        == 2
    )
    assert (
        main(
            [
                "compare",
                *args,
                "--credence",
                "near=-1",
                "--seed",
                "3",
                "--evppi-bootstrap",
                "20",
                "--out-dir",
                str(out),
            ]
        )
        == 2
    )


def test_results_write_the_report_and_figures_on_request(two_worldviews, tmp_path: Path) -> None:
    """`write(folder, report=True)` gives the pipeline's report and every figure it shows."""
    import dataclasses

    from agi_interventions import registry

    result = dataclasses.replace(two_worldviews[0], figures={})
    result.write(tmp_path / "plain")
    assert not (tmp_path / "plain" / "report.html").exists()
    result.write(tmp_path / "full", report=True)
    html = (tmp_path / "full" / "report.html").read_text(encoding="utf-8")
    assert html == api.render(result)
    figures = [o for o in registry.final(True) if o.name.startswith("figure:")]
    for output in figures:
        assert (tmp_path / "full" / output.file).stat().st_size > 0, output.file
    assert html.count('src="data:image/png;base64,') == len(figures)
