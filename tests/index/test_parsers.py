"""Seed parsing: counts, exact field values taken from the files, duplicates, chrome, format detection, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from index.corpus import load_corpus
from index.entries import Entry
from index.parsers import SeedError, detect_format, parse_seed_file
from tests.helpers import SEEDS

TUTORIALS, LIBRARY, DAILY_A, SYMPOSIUM, DAILY_B = sorted(p.name for p in SEEDS.glob("*.txt"))


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(SEEDS)


def by_title(corpus, title: str) -> Entry:
    matches = [e for e in corpus.entries if e.title == title]
    assert len(matches) == 1, f"{title!r}: {len(matches)} entries"
    return matches[0]


def test_counts_per_kind_and_file(corpus):
    stats = corpus.stats()
    assert stats["per_kind"] == {"paper": 241, "talk": 25, "tutorial": 10}
    assert stats["per_file"] == {TUTORIALS: 10, LIBRARY: 172, DAILY_A: 32, SYMPOSIUM: 25, DAILY_B: 38}
    assert stats["raw_per_file"][LIBRARY] == 194  # the library repeats 22 of its entries
    assert stats["formats"] == {
        TUTORIALS: "tutorials",
        LIBRARY: "paper-library",
        DAILY_A: "daily-papers",
        SYMPOSIUM: "symposium",
        DAILY_B: "daily-papers",
    }


def test_no_duplicate_titles_or_ids(corpus):
    titles = [e.title.lower() for e in corpus.entries]
    assert len(titles) == len(set(titles))
    assert len({e.id for e in corpus.entries}) == len(corpus.entries)


def test_talk_fields_from_agenda_and_abstract(corpus):
    talk = by_title(corpus, "What does the neuron do? A new model for neuroscience and AI")
    assert (talk.kind, talk.speaker, talk.affiliation) == (
        "talk",
        "Mitya Chklovskii",
        "Flatiron Institute/NYU Medical Center",
    )
    assert (talk.day, talk.date, talk.time) == ("Wednesday", "2024-10-02", "4:20 pm")
    assert talk.text.startswith("Modern Artificial Intelligence (AI) systems, such as ChatGPT")
    assert talk.location == "Rovinj, Croatia"
    kempe = by_title(corpus, "Synthetic Data – Friend or Foe in the Age of Scaling?")  # markdown agenda line
    assert (kempe.speaker, kempe.affiliation, kempe.day, kempe.time) == (
        "Julia Kempe",
        "New York University",
        "Monday",
        "8:30 am",
    )


def test_every_agenda_talk_once_including_those_without_abstract(corpus):
    talks = [e for e in corpus.entries if e.kind == "talk"]
    assert len(talks) == 25
    assert len({(t.day, t.time) for t in talks}) == 25
    brbic = by_title(corpus, "TBD — Maria Brbić")
    assert (brbic.speaker, brbic.affiliation, brbic.day, brbic.time, brbic.text) == (
        "Maria Brbić",
        "EPFL",
        "Monday",
        "11:30 am",
        "",
    )
    opening = by_title(corpus, "Opening remarks")
    assert (opening.speaker, opening.time) == ("Ivan Dokmanić", "8:20 am")
    assert all(t.speaker and t.day and t.time for t in talks)


def test_breaks_and_chrome_are_not_entries(corpus):
    banned = (
        "lunch",
        "coffee",
        "reception",
        "end of the day",
        "show more",
        "view full details",
        "subscribe",
        "successful page load",
        "daily papers",
    )
    for e in corpus.entries:
        assert not any(b in e.title.lower() for b in banned), e.title
        assert "Show more" not in e.text


def test_tutorial_presenters_and_show_more_dedup(corpus):
    assert by_title(corpus, "Unlearning Data at Scale").presenters == [
        "Vinith Suriyakumar",
        "Gautam Kamath",
        "Ashia Wilson",
    ]
    lean = by_title(corpus, "Proving Theorems with Lean and Machine Learning")
    assert lean.presenters == ["Rémy Degenne", "Wenda Li"]
    assert lean.text.count("The Lean theorem prover provides") == 1
    assert by_title(
        corpus, "Is numerical optimization theory irrelevant to machine learning practice in 2026?"
    ).presenters == ["Mark Schmidt"]


def test_daily_paper_fields(corpus):
    mixed = by_title(corpus, "Mixed Precision Training of Convolutional Neural Networks using Integer Operations")
    assert (mixed.authors_count, mixed.date, mixed.page_date) == (17, "Feb 3, 2018", "Jun 12")
    assert (
        by_title(corpus, "TabPFN: A Transformer That Solves Small Tabular Classification Problems in a Second").date
        == "Jul 5, 2022"
    )  # the trailing vote count is not part of the date
    kernel = by_title(corpus, "Dr. Kernel: Reinforcement Learning Done Right for Triton Kernel Generations")
    assert (kernel.authors_count, kernel.date) == (None, None)
    assert by_title(corpus, "Generalizing the Convolution Operator in Convolutional Neural Networks").authors_count == 1


def test_duplicates_merged_within_and_across_files(corpus):
    position = by_title(corpus, "Position: Categorical Deep Learning is an Algebraic Theory of All Architectures")
    assert [s.line for s in position.sources] == [11, 25, 107]
    exact = by_title(
        corpus,
        "Exact Learning of Permutations for Nonzero Binary Inputs with Logarithmic Training "
        "Size and Quadratic Ensemble Complexity",
    )
    assert {s.file for s in exact.sources} == {DAILY_A, DAILY_B}
    thinking = by_title(corpus, "On the Emergence of Thinking in LLMs I: Searching for the Right Intuition")
    assert thinking.text.startswith("Recent advancements in AI, such as OpenAI’s new o models")  # the longer one
    upper = [e for e in corpus.entries if e.title.lower().startswith("generalization through variance")]
    assert len(upper) == 1 and len(upper[0].sources) == 2


def test_format_is_detected_from_content_not_name(tmp_path: Path):
    renamed = tmp_path / "whatever.txt"
    renamed.write_bytes((SEEDS / SYMPOSIUM).read_bytes())
    assert parse_seed_file(renamed).format == "symposium"
    assert detect_format((SEEDS / DAILY_A).read_text(), "x") == "daily-papers"


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (b"", 1, "empty"),
        (b"   \n\n  \n", 1, "empty"),
        (b"Tutorials\nA title\n\x00\x01\x02binary", 3, "binary"),
        (b"caf\xe9 au lait\n", 1, "UTF-8"),
        (b"Just a shopping list\nmilk\neggs\n", 1, "unknown seed format"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path: Path, content: bytes, line: int, words: str):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(SeedError) as err:
        parse_seed_file(path)
    assert err.value.file == "bad.txt" and err.value.line == line
    assert words in str(err.value) and f"bad.txt:{line}:" in str(err.value)


def test_truncated_daily_page_warns_with_line(tmp_path: Path):
    lines = (SEEDS / DAILY_A).read_text().splitlines()
    cut = tmp_path / "cut.txt"
    cut.write_text("\n".join(lines[:254]))  # ends on the last paper's title line (253)
    result = parse_seed_file(cut)
    assert any(w.line == 253 and "cut off" in w.message for w in result.warnings)
    assert result.entries[-1].title.startswith("Learning Hierarchical Polynomials")


def test_truncated_library_warns_with_line(tmp_path: Path):
    lines = (SEEDS / LIBRARY).read_text().splitlines()
    cut = tmp_path / "cut.txt"
    cut.write_text("\n".join(lines[:9]))
    result = parse_seed_file(cut)
    assert [(w.file, w.line) for w in result.warnings if not w.loud] == [("cut.txt", 9)]
    # and loudly, because its header ("212 papers in library", line 2) states far more than were parsed
    assert [(w.file, w.line) for w in result.warnings if w.loud] == [("cut.txt", 2)]


def test_entries_cli_json_and_stats(capsys):
    assert main(["entries", "--json", "--kind", "talk"]) == 0
    talks = json.loads(capsys.readouterr().out)
    assert len(talks) == 25 and {t["kind"] for t in talks} == {"talk"}
    assert main(["entries", "--stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["per_kind"]["tutorial"] == 10
    assert main(["entries", "--source", TUTORIALS, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 10


def test_entries_cli_bad_seed_folder(tmp_path: Path, capsys):
    (tmp_path / "empty.txt").write_text("")
    assert main(["entries", "--seeds", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "empty.txt:1: file is empty" in err and "Traceback" not in err
