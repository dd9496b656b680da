"""Citation numbering: markers in order of first use, every span kept per entry, markers placed before the stop."""

from __future__ import annotations

from assistant.cite import Citer
from index.entries import Entry, SourceRef


def _entry(n: int) -> Entry:
    return Entry(id=f"e{n}", kind="paper", title=f"Paper {n}", text="x", sources=[SourceRef(file="f.txt", line=n)])


def test_markers_follow_first_use_and_spans_accumulate() -> None:
    citer = Citer()
    first = citer.sentence("It works.", [(_entry(2), "span a")])
    second = citer.sentence("It also scales", [(_entry(1), "span b"), (_entry(2), "span c")])
    assert first.text == "It works [1]." and second.text == "It also scales [2][1]."
    assert [c.entry_id for c in citer.citations] == ["e2", "e1"]
    assert citer.citations[0].quote == "span a" and citer.citations[0].quotes == ["span a", "span c"]
    assert [r.marker for r in second.spans] == [2, 1] and second.claim == "It also scales"
    assert second.to_dict()["spans"][1] == {"marker": 1, "entry_id": "e2", "quote": "span c"}


def test_same_span_twice_is_quoted_once() -> None:
    citer = Citer()
    citer.sentence("A.", [(_entry(1), "s")])
    citer.sentence("B?", [(_entry(1), "s")])
    assert citer.citations[0].quotes == ["s"] and len(citer.citations) == 1
