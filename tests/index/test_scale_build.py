"""What keeps builds cheap on a large corpus: an up-to-date index is recognised without parsing the seeds, and a
build after one new entry chunks and tokenizes only that entry (hashing embedder, one small seed file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import index.bm25
import index.build
from index.build import build_index
from index.embed import HashingEmbedder
from index.manifest import read_manifest
from index.store import ChromaChunkStore
from tests.helpers import SEEDS, make_settings

LIBRARY = "001_0afc165511f16759.txt"  # states 212 papers, holds fewer: a seed warning
DAILY = "002_5ebcb6642b623e7b.txt"
NEW = "\nA Freshly Added Paper on Sparse Retrieval\n\nWe index one more abstract.\n\n  • 3 authors\n·\nMar 3, 2025\n"


@pytest.fixture
def settings(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copyfile(SEEDS / DAILY, seeds / DAILY)
    shutil.copyfile(SEEDS / LIBRARY, seeds / LIBRARY)
    return make_settings(tmp_path / "data", seeds)


def _build(settings, rebuild: bool = False):  # type: ignore[no-untyped-def]
    store = ChromaChunkStore(settings.index)
    return build_index(settings.index, HashingEmbedder(), store, show_progress=False, rebuild=rebuild)


def test_up_to_date_index_is_recognised_without_parsing(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _build(settings)
    assert not first.noop and first.warnings

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the seeds were parsed")

    monkeypatch.setattr(index.build, "load_corpus", no_parsing)
    again = _build(settings)
    assert again.noop and again.entries == first.entries and again.chunks == first.chunks
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]  # warnings are still reported
    monkeypatch.undo()
    path = settings.index.seeds_dir / DAILY
    path.write_text(path.read_text() + "\n")  # same entries, other bytes: parsed again, still nothing to do
    assert _build(settings).noop
    monkeypatch.setattr(index.build, "load_corpus", no_parsing)
    assert _build(settings).noop  # and that parse was recorded: the next build does not parse again


def test_one_new_entry_is_the_only_one_chunked_and_tokenized(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(settings)
    path = settings.index.seeds_dir / DAILY
    path.write_text(path.read_text() + NEW)
    chunked: list[str] = []
    tokenized: list[str] = []
    real_chunk, real_tokenize = index.build.chunk_entries, index.bm25.tokenize
    monkeypatch.setattr(
        index.build,
        "chunk_entries",
        lambda entries, *a: chunked.extend(e.title for e in entries) or real_chunk(entries, *a),
    )
    monkeypatch.setattr(index.bm25, "tokenize", lambda texts: tokenized.extend(texts) or real_tokenize(texts))
    report = _build(settings)
    assert chunked == ["A Freshly Added Paper on Sparse Retrieval"]
    assert len(tokenized) == report.embedded == 1
    manifest = read_manifest(settings.index.index_dir)
    assert manifest is not None and len(manifest["chunks"]) == report.chunks


def test_a_build_parses_only_the_seed_files_that_changed(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import index.parse_cache

    _build(settings)
    path = settings.index.seeds_dir / DAILY
    path.write_text(path.read_text() + NEW)
    parsed: list[str] = []
    real = index.parse_cache.parse_seed_file
    monkeypatch.setattr(index.parse_cache, "parse_seed_file", lambda p, *a: parsed.append(p.name) or real(p, *a))
    report = _build(settings)
    assert parsed == [DAILY] and report.embedded == 1
    assert len(list((settings.index.index_dir / "parse_cache").glob("*.json"))) == 2  # the old parse is pruned
    monkeypatch.undo()
    assert _build(settings, rebuild=True).embedded == report.chunks  # a rebuild parses and embeds everything
