"""The scaled corpus generator: deterministic, read by the real parsers, no entry the merger would collapse, and
distractors that never reuse a seed title, person or (day, time) slot."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.bench.scale_corpus import main, write_scaled_corpus
from index.corpus import load_corpus
from index.text import normalize_title
from tests.helpers import SEEDS


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scaled") / "seeds"
    write_scaled_corpus(SEEDS, out, 3, seed=7)
    return out


def _raw_entries(folder: Path) -> int:
    corpus = load_corpus(folder)
    return sum(len(f.entries) for f in corpus.files)


def test_factor_three_parses_into_three_times_the_entries_without_merges(scaled: Path) -> None:
    seed = load_corpus(SEEDS)
    corpus = load_corpus(scaled)
    assert len(corpus.entries) == 3 * len(seed.entries)
    copies = [f for f in corpus.files if not f.file.startswith("c000_")]
    assert {f.format for f in copies} == {f.format for f in seed.files}  # every format is written and read back
    # Within the generated copies nothing merges: as many raw entries as merged ones.
    assert sum(len(f.entries) for f in copies) == 2 * len(seed.entries)
    assert not [w for w in corpus.warnings if w.file.startswith(("c001", "c002"))]


def test_copies_reuse_no_seed_title_person_or_talk_slot(scaled: Path) -> None:
    seed = load_corpus(SEEDS)
    copies = [e for e in load_corpus(scaled).entries if not e.source.startswith("c000_")]
    seed_titles = {normalize_title(e.title) for e in seed.entries}
    assert all(normalize_title(e.title) not in seed_titles for e in copies)
    assert not {p for e in seed.entries for p in e.people} & {p for e in copies for p in e.people}
    seed_slots = {(e.day, e.time) for e in seed.entries if e.kind == "talk"}
    assert not seed_slots & {(e.day, e.time) for e in copies if e.kind == "talk"}
    talks = [e for e in copies if e.kind == "talk"]
    assert talks and all(e.speaker and e.day and e.time and e.affiliation for e in talks)


def test_abstracts_are_made_of_seed_sentences(scaled: Path) -> None:
    seed_text = " ".join(e.text for e in load_corpus(SEEDS).entries)
    copy = next(e for e in load_corpus(scaled).entries if e.source.startswith("c001") and len(e.text) > 200)
    first_sentence = copy.text.split(". ")[0]
    assert first_sentence and first_sentence in seed_text


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, scaled: Path) -> None:
    again = write_scaled_corpus(SEEDS, tmp_path / "again", 3, seed=7)
    for path in again:
        assert path.read_bytes() == (scaled / path.name).read_bytes(), path.name
    other = write_scaled_corpus(SEEDS, tmp_path / "other", 3, seed=8)
    assert any(p.read_bytes() != (scaled / p.name).read_bytes() for p in other)


def test_factor_one_is_the_seed_corpus(tmp_path: Path) -> None:
    write_scaled_corpus(SEEDS, tmp_path / "one", 1)
    assert _raw_entries(tmp_path / "one") == _raw_entries(SEEDS)


def test_a_bad_factor_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--factor", "0", "--out", str(tmp_path / "x")]) == 1
    assert "--factor must be at least 1" in capsys.readouterr().err
    with pytest.raises(ValueError, match="factor must be at least 1"):
        write_scaled_corpus(SEEDS, tmp_path / "y", 0)
