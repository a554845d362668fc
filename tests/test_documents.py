"""Strict YAML reading: every malformed document gives the project's own error."""

from __future__ import annotations

import pytest

from agi_interventions.documents import (
    MAX_BYTES,
    DocumentError,
    is_number,
    looks_like_number,
    quote,
    read_yaml,
)


def _problem(tmp_path, text: str | bytes) -> str:
    path = tmp_path / "doc.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(DocumentError) as err:
        read_yaml(path, "prior file")
    (problem,) = err.value.problems
    assert str(path) in problem
    return problem


def test_duplicate_keys_are_rejected_with_both_lines(tmp_path):
    problem = _problem(tmp_path, "a: 1\nb: 2\na: 3\n")
    assert "'a' appears twice (lines 1 and 3)" in problem


def test_duplicate_keys_in_nested_mappings(tmp_path):
    problem = _problem(tmp_path, "parameters:\n  U_B: {dist: uniform, low: 0, low: 1}\n")
    assert "'low' appears twice" in problem


@pytest.mark.parametrize("key", ["0", "1.5", "null", "true", "[1, 2]", "{a: 1}"])
def test_keys_that_are_not_text(tmp_path, key):
    problem = _problem(tmp_path, f"parameters:\n  {key}: x\n")
    assert "is not text" in problem and "line 2" in problem


def test_aliases_are_rejected_before_expansion(tmp_path):
    bomb = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    problem = _problem(tmp_path, bomb)
    assert "anchors and aliases" in problem and "line 2" in problem


def test_oversized_and_deep_documents(tmp_path):
    assert "bytes; at most" in _problem(tmp_path, "a: " + "x" * (MAX_BYTES + 1))
    assert "nested deeper" in _problem(tmp_path, "a: " + "[" * 200 + "]" * 200)


def test_syntax_errors_and_encoding(tmp_path):
    assert "not valid YAML at line" in _problem(tmp_path, "a: {b: 1\n")
    assert "not UTF-8" in _problem(tmp_path, b"a: \xff\xfe\n")
    assert "not allowed" in _problem(tmp_path, "a: !!python/object:os.system x\n")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DocumentError, match="not found"):
        read_yaml(tmp_path / "missing.yaml")
    with pytest.raises(DocumentError, match="folder"):
        read_yaml(tmp_path)


def test_valid_documents_load():
    # plain mappings, lists and numbers load as PyYAML's safe loader would
    import yaml

    text = "a: 1\nb: [1.0e-3, x]\nc: {d: null}\n"
    assert read_yaml_text(text) == yaml.safe_load(text)


def read_yaml_text(text: str):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ok.yaml"
        path.write_text(text, encoding="utf-8")
        return read_yaml(path)


def test_quote_shortens_and_numbers_are_classified():
    assert quote("x" * 100).endswith("…") and len(quote("x" * 100)) == 40
    assert quote(3.5) == "3.5"
    assert is_number(1) and is_number(1.5) and not is_number(True)
    assert not is_number(float("nan")) and not is_number(10**400) and not is_number("1")
    assert looks_like_number("1e-3") and not looks_like_number("abc") and not looks_like_number(1)
