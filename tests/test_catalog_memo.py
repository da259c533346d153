"""The memo of the bundled rule files (catalog/memo.py): reused while their bytes stay the same,
rebuilt when a file changes or the memo is damaged, skipped when it cannot be kept."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

from linter.catalog.load import load_catalog
from linter.catalog.memo import memoised

SCHEMAS = ("rule.schema.json",)


def _rules(tmp_path: Path) -> tuple[Path, list[Path]]:
    directory = tmp_path / "rules"
    (directory / "sub").mkdir(parents=True)
    paths = [directory / "a.yaml", directory / "sub" / "b.yaml"]
    paths[0].write_text("id: XP001\nlist: [1, 2]\n")
    paths[1].write_text("id: XP002\nnested: {key: value}\n")
    return directory, paths


class Reader:
    """Reads a file's YAML and counts the files it was asked for."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def __call__(self, path: Path) -> Any:
        self.read.append(path.name)
        return yaml.safe_load(path.read_text())


def test_the_bundled_catalog_is_the_same_from_its_memo(tmp_path: Path) -> None:
    fresh = load_catalog(memo_dir=tmp_path / "memo")
    assert len(list((tmp_path / "memo").glob("*.json"))) == 1
    assert load_catalog(memo_dir=tmp_path / "memo") == fresh == load_catalog()


def test_a_memo_is_reused_until_a_file_changes(tmp_path: Path) -> None:
    directory, paths = _rules(tmp_path)
    memo = tmp_path / "memo"
    first = Reader()
    expected = [(paths[0], {"id": "XP001", "list": [1, 2]}), (paths[1], {"id": "XP002", "nested": {"key": "value"}})]
    assert memoised(directory, paths, SCHEMAS, memo, first) == expected
    assert first.read == ["a.yaml", "b.yaml"]

    again = Reader()
    assert memoised(directory, paths, SCHEMAS, memo, again) == expected
    assert again.read == []  # served from the memo

    paths[1].write_text("id: XP002\nnested: {key: other}\n")
    changed = Reader()
    assert memoised(directory, paths, SCHEMAS, memo, changed)[1] == (
        paths[1],
        {"id": "XP002", "nested": {"key": "other"}},
    )
    assert changed.read == ["a.yaml", "b.yaml"]
    assert len(list(memo.glob("*.json"))) == 2  # one per content


def test_a_damaged_memo_is_a_miss_and_is_rewritten(tmp_path: Path) -> None:
    directory, paths = _rules(tmp_path)
    memo = tmp_path / "memo"
    memoised(directory, paths, SCHEMAS, memo, Reader())
    (written,) = memo.glob("*.json")
    for damage in (b"{not json", b'{"a": 1}', b'[["a.yaml", {}]]', b'[["a.yaml"], ["sub/b.yaml"]]', b"[" * 100_000):
        written.write_bytes(damage)
        reader = Reader()
        assert memoised(directory, paths, SCHEMAS, memo, reader)[0] == (paths[0], {"id": "XP001", "list": [1, 2]})
        assert reader.read == ["a.yaml", "b.yaml"]
    rewritten = Reader()
    memoised(directory, paths, SCHEMAS, memo, rewritten)
    assert rewritten.read == []


def test_no_memo_when_it_cannot_be_written_or_json_would_change_the_data(tmp_path: Path) -> None:
    directory, paths = _rules(tmp_path)
    blocked = tmp_path / "file"
    blocked.write_text("a file where the memo directory would be")
    for _ in range(2):
        reader = Reader()
        assert len(memoised(directory, paths, SCHEMAS, blocked, reader)) == 2
        assert reader.read == ["a.yaml", "b.yaml"]

    paths[0].write_text("id: XP001\nsince: 2026-01-01\n")  # a date, which JSON would make a string
    memo = tmp_path / "memo"
    for _ in range(2):
        reader = Reader()
        assert memoised(directory, paths, SCHEMAS, memo, reader)[0][1] == {
            "id": "XP001",
            "since": datetime.date(2026, 1, 1),
        }
        assert reader.read == ["a.yaml", "b.yaml"]
    assert not memo.exists()
