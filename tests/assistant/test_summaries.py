"""Summary answers: how a summary is laid out (hand-made entries); which entries it draws on is tested end to end."""

from __future__ import annotations

from assistant.evidence import SentenceScorer
from assistant.summaries import (
    SummaryItem,
    render_summary_intro,
    render_summary_item,
    summary_items,
)
from index.embed import HashingEmbedder
from index.entries import Entry


def _entry(n: int, kind: str = "paper") -> Entry:
    return Entry(id=f"e{n}", kind=kind, title=f"Entry {n}", text=f"Text of entry {n}.")


def test_summary_lines_name_kind_title_people_and_quote() -> None:
    talk = Entry(id="t", kind="talk", title="On sparse codes", speaker="Ada Quill")
    items = [SummaryItem(talk, "Sparse codes emerge."), SummaryItem(_entry(1), "A quoted sentence.")]
    assert render_summary_intro(items) == "The corpus has 1 talk and 1 paper on this:"
    assert render_summary_item(items[0]) == "- Talk “On sparse codes” (Ada Quill): “Sparse codes emerge.”"


def test_an_entry_without_text_is_listed_from_its_record_not_quoted() -> None:
    bare = Entry(id="u", kind="tutorial", title="Proofs for all", presenters=["Bo Lind"], text="")
    written = Entry(id="w", kind="paper", title="Proof search", text="We search for proofs. It works.")
    items = summary_items("proof search", ("proof", "search"), [written, bare], SentenceScorer(HashingEmbedder()))
    assert [(it.entry.id, it.from_record) for it in items] == [("w", False), ("u", True)]
    assert render_summary_item(items[1]) == "- Tutorial “Proofs for all” (Bo Lind): listed without an abstract."


def test_a_summary_without_topic_words_quotes_each_entrys_opening_sentence() -> None:
    talk = Entry(
        id="t",
        kind="talk",
        title="On sparse codes",
        speaker="Ada Quill",
        text="Sparse codes emerge. The main themes of Tuesday talks are joint work with Bo.",
    )
    items = summary_items(
        "what are the main themes of the Tuesday talks?", (), [talk], SentenceScorer(HashingEmbedder())
    )
    assert [it.quote for it in items] == ["Sparse codes emerge."]
