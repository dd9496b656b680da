"""Summary answers: which retrieved entries a summary draws on, and how it is laid out (hand-made entries)."""

from __future__ import annotations

from assistant.retrieve import Passage
from assistant.summaries import (
    SummaryItem,
    render_summary_intro,
    render_summary_item,
    summary_entries,
)
from index.entries import Entry


def _entry(n: int, kind: str = "paper") -> Entry:
    return Entry(id=f"e{n}", kind=kind, title=f"Entry {n}", text=f"Text of entry {n}.")


def _passage(entry: Entry, dense: float) -> Passage:
    return Passage(entry.id, entry.title, entry.kind, "s.txt", entry.text, 1.0, dense_score=dense, entry=entry)


def test_a_summary_takes_the_entries_close_to_the_best_one() -> None:
    entries = [_entry(i) for i in range(5)]
    passages = [_passage(e, d) for e, d in zip(entries, (0.70, 0.66, 0.60, 0.40, 0.20), strict=True)]
    chosen = summary_entries(passages, min_relevance=0.3)
    assert [e.id for e in chosen] == ["e0", "e1", "e2"]


def test_a_summary_has_no_entry_below_the_relevance_floor_and_each_entry_once() -> None:
    one = _entry(1)
    passages = [_passage(one, 0.35), _passage(one, 0.34), _passage(_entry(2), 0.25)]
    assert [e.id for e in summary_entries(passages, min_relevance=0.3)] == ["e1"]
    assert summary_entries([_passage(_entry(3), 0.1)], min_relevance=0.3) == []


def test_a_summary_is_capped() -> None:
    passages = [_passage(_entry(i), 0.8) for i in range(10)]
    assert len(summary_entries(passages, min_relevance=0.3)) == 6


def test_summary_lines_name_kind_title_people_and_quote() -> None:
    talk = Entry(id="t", kind="talk", title="On sparse codes", speaker="Ada Quill")
    items = [SummaryItem(talk, "Sparse codes emerge."), SummaryItem(_entry(1), "A quoted sentence.")]
    assert render_summary_intro(items) == "The corpus has 1 talk and 1 paper on this:"
    assert render_summary_item(items[0]) == "- Talk “On sparse codes” (Ada Quill): “Sparse codes emerge.”"
