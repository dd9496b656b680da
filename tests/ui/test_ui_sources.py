"""The source viewer: a quote found at its own line in the seed file (not the record's line), markup between its
words skipped, the span marked; a record quote points at the row; an added document shows its page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.ui.sources import find_quote, quote_line, render_source, tokenize
from index.entries import Entry, SourceRef
from index.parsers import parse_seed_file
from index.settings import IndexSettings

ROOT = Path(__file__).resolve().parents[2]
NEURON = "What does the neuron do? A new model for neuroscience and AI"
QUOTE = (
    "For instance, the foundational McCulloch-Pitts-Rosenblatt unit of ANNs drastically oversimplifies the "
    "complexity of real neurons."
)


@pytest.fixture(scope="module")
def entries() -> dict[str, Entry]:
    found = [e for f in sorted((ROOT / "seeds").glob("*.txt")) for e in parse_seed_file(f).entries]
    return {e.title: e for e in found}


@pytest.fixture
def settings(tmp_path: Path) -> IndexSettings:
    return IndexSettings(data_dir=tmp_path, seeds_dir=ROOT / "seeds")


def test_a_talk_quote_is_at_its_abstract_line_not_the_schedule_row(entries: dict[str, Entry], settings: Any) -> None:
    talk = entries[NEURON]
    assert talk.line == 84
    assert quote_line(talk, QUOTE, settings) == 235
    html = render_source(talk, {talk.source: "Symposium agenda (Rovinj 2024)"}, settings, QUOTE)
    assert "quoted from Symposium agenda (Rovinj 2024), line 235" in html
    assert '<tr data-line="84">' in html and '<tr data-line="235">' in html  # the record row and the quote
    assert "<mark>For instance, the foundational McCulloch-Pitts-Rosenblatt" in html and "&lt;b&gt;" not in html


def test_a_record_quote_names_the_row_and_no_quote_opens_the_text(entries: dict[str, Entry], settings: Any) -> None:
    talk = entries[NEURON]
    record = talk.metadata_line()  # begins with the title: found on the schedule row
    assert quote_line(talk, record, settings) == 84
    made_up = "Speaker: somebody who is nowhere in the agenda at all, on no day of the week at any hour."
    assert quote_line(talk, made_up, settings) is None
    assert "line 84 (the quote is the entry's record" in render_source(talk, {}, settings, made_up)
    opened = render_source(talk, {}, settings)
    assert "text at" in opened and '<tr data-line="235">' in opened and "<mark>" not in opened


def test_words_are_matched_in_order_across_markup_and_lines() -> None:
    lines = ["intro", "**Probabilistic numerical** methods", "attempt to *capture* this."]
    span = find_quote(tokenize(lines), "Probabilistic numerical methods attempt to capture this.")
    assert span is not None and (span.first, span.last) == (1, 7)
    assert find_quote(tokenize(lines), "methods that never appear") is None


def test_an_added_pdf_shows_its_text_and_page(tmp_path: Path) -> None:
    doc = Entry(
        id="doc-1",
        kind="paper",
        title="Deep Nets",
        text="Page one text.\nPage two says deep nets learn features.",
        sources=[SourceRef(file="deep-nets.pdf", line=1)],
        page_starts=[0, 15],
    )
    html = render_source(doc, {}, IndexSettings(data_dir=tmp_path), "deep nets learn features.")
    assert "deep-nets.pdf, page 2" in html and "<mark>deep nets learn features</mark>" in html
