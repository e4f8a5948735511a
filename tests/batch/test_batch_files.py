"""Batch inputs and outputs: naming, lazy reading, atomic writes that never overwrite a proof."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from zkcollat.batch import BatchError, OutputDir, count_inputs, iter_inputs


def test_folder_inputs_by_stem_in_order(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text('{"x": "1"}')
    (tmp_path / "a.json").write_text('{"x": "2"}')
    (tmp_path / "notes.txt").write_text("not an input")
    (tmp_path / ".hidden.json").write_text("{}")
    (tmp_path / "a.proof.json").write_text("{}")  # outputs in the same folder are not inputs
    (tmp_path / "a.public.json").write_text("[]")
    items = list(iter_inputs(tmp_path))
    assert [(i.name, i.inputs) for i in items] == [("a", {"x": "2"}), ("b", {"x": "1"})]
    assert count_inputs(tmp_path) == 2


def test_jsonl_names_by_line_and_bad_lines_are_items_with_reasons(tmp_path: Path) -> None:
    f = tmp_path / "locks.jsonl"
    f.write_text('{"x": "1"}\n\n{not json\n[1, 2]\n{"x": "3"}\n')
    items = list(iter_inputs(f))
    assert [i.name for i in items] == [
        "locks-000001", "locks-000003", "locks-000004", "locks-000005"]
    assert items[0].inputs == {"x": "1"} and items[0].source.endswith("locks.jsonl:1")
    assert items[1].inputs is None and "not valid JSON" in (items[1].error or "")
    assert items[2].inputs is None and "got list" in (items[2].error or "")
    assert items[3].inputs == {"x": "3"}
    assert count_inputs(f) == 4


def test_hostile_lines_and_files_are_items_with_reasons(tmp_path: Path) -> None:
    f = tmp_path / "h.jsonl"
    f.write_bytes(b"[" * 100_000 + b"\n" + b'{"x": "\xff"}\n' + b'{"x": ' + b"9" * 5000
                  + b'}\n{"x": "4"}\n')
    items = list(iter_inputs(f))
    assert [i.inputs is None for i in items] == [True, True, True, False]
    assert "nested deeper" in (items[0].error or "")
    assert "UTF-8" in (items[1].error or "")
    assert "digits" in (items[2].error or "")
    assert items[3].inputs == {"x": "4"}
    d = tmp_path / "folder"
    d.mkdir()
    (d / "a.json").write_bytes(b"\xfe\xff{}")
    (d / "b.json").write_text('{"x": "2"}')
    got = list(iter_inputs(d))
    assert got[0].inputs is None and "UTF-8" in (got[0].error or "")
    assert got[1].inputs == {"x": "2"}


def test_unreadable_inputs_are_refused_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match="no such file"):
        list(iter_inputs(tmp_path / "missing.jsonl"))
    (tmp_path / "x.csv").write_text("a,b")
    with pytest.raises(BatchError, match="expected a folder of .json files or a .jsonl"):
        list(iter_inputs(tmp_path / "x.csv"))


def test_results_written_once_public_first(tmp_path: Path) -> None:
    out = OutputDir(tmp_path / "out")
    assert not out.is_done("a")
    out.write_failure("a", "first try failed")
    assert out.error_path("a").read_text() == "first try failed\n"
    out.write_result("a", {"pi_a": ["1"]}, ["5"])
    assert out.is_done("a")
    assert json.loads(out.proof_path("a").read_text()) == {"pi_a": ["1"]}
    assert json.loads(out.public_path("a").read_text()) == ["5"]
    assert not out.error_path("a").exists()  # a success clears the old reason
    with pytest.raises(BatchError, match="already exists"):
        out.write_result("a", {"pi_a": ["2"]}, ["5"])
    assert json.loads(out.proof_path("a").read_text()) == {"pi_a": ["1"]}  # not overwritten
    assert sorted(os.listdir(out.path)) == ["a.proof.json", "a.public.json"]  # no temp files


def test_proof_without_public_is_not_done_and_is_removed(tmp_path: Path) -> None:
    out = OutputDir(tmp_path)
    out.proof_path("a").write_text("{}")
    assert not out.is_done("a")
    assert not out.proof_path("a").exists()
    out.write_result("a", {"pi_a": ["1"]}, ["5"])
    assert out.is_done("a")


def test_output_must_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(BatchError, match="cannot be created|is not a folder"):
        OutputDir(tmp_path / "file")
