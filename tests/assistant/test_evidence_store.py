"""The evidence vector files: appended segments hold only new rows, compaction folds them into one base, and
unreadable files are skipped (the vectors are derived data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.evidence_store import VectorFiles


def _rows(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 4), dtype=np.float32)


def test_appends_write_only_new_rows_and_load_reads_them_all(tmp_path: Path) -> None:
    files = VectorFiles(tmp_path / "v.npz")
    cache = {"a@1": _rows(2, 1), "b@1": _rows(3, 2)}
    files.append(cache)
    assert (tmp_path / "v.npz").exists() and files.segments() == []
    base_bytes = (tmp_path / "v.npz").read_bytes()
    cache["c@1"] = _rows(1, 3)
    files.append(cache)
    assert (tmp_path / "v.npz").read_bytes() == base_bytes  # the base is not rewritten
    [segment] = files.segments()
    with np.load(segment) as data:
        assert list(data["keys"]) == ["c@1"]
    loaded = VectorFiles(tmp_path / "v.npz").load()
    assert sorted(loaded) == ["a@1", "b@1", "c@1"]
    for key, rows in cache.items():
        np.testing.assert_array_equal(loaded[key], rows)
    files.append(cache)  # nothing new: nothing written
    assert len(files.segments()) == 1


def test_many_segments_are_compacted_into_the_base(tmp_path: Path) -> None:
    files = VectorFiles(tmp_path / "v.npz", max_segments=2)
    cache = {"k0@1": _rows(1, 0)}
    files.append(cache)
    for n in range(1, 4):
        cache[f"k{n}@1"] = _rows(2, n)
        files.append(cache)
    assert len(files.segments()) <= 2
    loaded = VectorFiles(tmp_path / "v.npz").load()
    assert sorted(loaded) == sorted(cache)
    for n in range(4, 6):
        cache[f"k{n}@1"] = _rows(1, n)
        files.append(cache)
    assert len(files.segments()) <= 2 and sorted(VectorFiles(tmp_path / "v.npz").load()) == sorted(cache)


@pytest.mark.parametrize(
    "damage",
    [lambda data: b"not a numpy file", lambda data: data[: len(data) // 2]],
    ids=["garbage", "truncated"],
)
def test_an_unreadable_segment_is_skipped(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    files = VectorFiles(tmp_path / "v.npz")
    cache = {"a@1": _rows(1, 1)}
    files.append(cache)
    cache["b@1"] = _rows(1, 2)
    files.append(cache)
    segment = files.segments()[0]
    segment.write_bytes(damage(segment.read_bytes()))
    assert list(VectorFiles(tmp_path / "v.npz").load()) == ["a@1"]
    assert VectorFiles(tmp_path / "v.npz").saved_keys() == {"a@1"}
