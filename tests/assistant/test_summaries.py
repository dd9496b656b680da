"""Summary answers: how a summary is laid out (hand-made entries); which entries it draws on is tested end to end."""

from __future__ import annotations

from assistant.summaries import (
    SummaryItem,
    render_summary_intro,
    render_summary_item,
)
from index.entries import Entry


def _entry(n: int, kind: str = "paper") -> Entry:
    return Entry(id=f"e{n}", kind=kind, title=f"Entry {n}", text=f"Text of entry {n}.")


def test_summary_lines_name_kind_title_people_and_quote() -> None:
    talk = Entry(id="t", kind="talk", title="On sparse codes", speaker="Ada Quill")
    items = [SummaryItem(talk, "Sparse codes emerge."), SummaryItem(_entry(1), "A quoted sentence.")]
    assert render_summary_intro(items) == "The corpus has 1 talk and 1 paper on this:"
    assert render_summary_item(items[0]) == "- Talk “On sparse codes” (Ada Quill): “Sparse codes emerge.”"
