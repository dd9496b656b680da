"""The parse cache: an unchanged seed file is read from the cache (the same entries and warnings as a parse), a
changed or damaged one is parsed again, and pruning keeps only the parses in use."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import index.parse_cache
from index.corpus import load_corpus
from index.parse_cache import ParseCache
from index.parsers import SeedError
from tests.helpers import SEEDS

LIBRARY = "001_0afc165511f16759.txt"  # states 212 papers, holds fewer: a seed warning
DAILY = "002_5ebcb6642b623e7b.txt"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    for name in (LIBRARY, DAILY):
        shutil.copyfile(SEEDS / name, folder / name)
    return folder


def _no_parsing(*args: object, **kwargs: object) -> None:
    raise AssertionError("a seed file was parsed")


def test_cached_parse_equals_a_fresh_parse(seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = load_corpus(seeds)
    cache = ParseCache(tmp_path / "cache")
    first = load_corpus(seeds, cache=cache)
    assert cache.misses == 2 and cache.hits == 0
    monkeypatch.setattr(index.parse_cache, "parse_seed_file", _no_parsing)
    again = load_corpus(seeds, cache=ParseCache(tmp_path / "cache"))
    for corpus in (first, again):
        assert [e.model_dump() for e in corpus.entries] == [e.model_dump() for e in plain.entries]
        assert corpus.warnings == plain.warnings and corpus.warnings
        assert [(r.file, r.format) for r in corpus.files] == [(r.file, r.format) for r in plain.files]


def test_only_the_changed_file_is_parsed_and_prune_drops_its_old_parse(seeds: Path, tmp_path: Path) -> None:
    load_corpus(seeds, cache=ParseCache(tmp_path / "cache"))
    daily = seeds / DAILY
    daily.write_text(
        daily.read_text() + "\nA Freshly Added Paper\n\nOne more abstract.\n\n  • 3 authors\n·\nMar 3, 2025\n"
    )
    cache = ParseCache(tmp_path / "cache")
    corpus = load_corpus(seeds, cache=cache)
    assert (cache.hits, cache.misses) == (1, 1)
    assert "A Freshly Added Paper" in {e.title for e in corpus.entries}
    assert len(list((tmp_path / "cache").glob("*.json"))) == 3
    cache.prune()
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2


def test_damaged_cache_file_is_parsed_again(seeds: Path, tmp_path: Path) -> None:
    load_corpus(seeds, cache=ParseCache(tmp_path / "cache"))
    for path in (tmp_path / "cache").glob("*.json"):
        path.write_bytes(path.read_bytes()[:200])
    cache = ParseCache(tmp_path / "cache")
    assert len(load_corpus(seeds, cache=cache).entries) == len(load_corpus(seeds).entries)
    assert cache.misses == 2


def test_a_bad_seed_file_is_never_cached(seeds: Path, tmp_path: Path) -> None:
    (seeds / "003_bad.txt").write_text("nothing any parser knows\n")
    cache = ParseCache(tmp_path / "cache")
    for _ in range(2):
        with pytest.raises(SeedError):
            load_corpus(seeds, cache=cache)
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2


def test_the_key_moves_with_name_bytes_and_limits(tmp_path: Path) -> None:
    from index.parsers import SeedLimits

    cache, limits = ParseCache(tmp_path), SeedLimits()
    base = cache.key(Path("a.txt"), b"x", limits)
    assert base == cache.key(Path("a.txt"), b"x", limits)
    assert base != cache.key(Path("b.txt"), b"x", limits)
    assert base != cache.key(Path("a.txt"), b"y", limits)
    assert base != cache.key(Path("a.txt"), b"x", SeedLimits(max_entries=5))
