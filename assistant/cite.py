"""Citations: the code, not the model, decides what is cited. Markers are numbered here in order of first use, each
answer sentence keeps the evidence span that supports it, and a citation quotes the spans taken from its entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.entries import Entry


@dataclass
class Citation:
    """A marker in the answer text and the entry (and evidence spans) it stands for."""

    marker: int
    entry_id: str
    title: str
    kind: str
    source: str
    quote: str
    sentence: str = ""
    quotes: list[str] = field(default_factory=list)
    speaker: str | None = None
    affiliation: str | None = None
    presenters: list[str] = field(default_factory=list)
    day: str | None = None
    date: str | None = None
    time: str | None = None
    authors_count: int | None = None
    line: int = 0
    page: int | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None

    @classmethod
    def of(cls, marker: int, entry: Entry, quote: str, sentence: str) -> Citation:
        """A citation carrying the entry's people and date fields, and for an added PDF the page quoted (its source
        is then that PDF)."""
        page = entry.page_of(quote)
        return cls(
            marker=marker,
            entry_id=entry.id,
            title=entry.title,
            kind=entry.kind,
            source=entry.document if page is not None and entry.document else entry.source,
            quote=quote,
            sentence=sentence,
            quotes=[quote],
            speaker=entry.speaker,
            affiliation=entry.affiliation,
            presenters=list(entry.presenters),
            day=entry.day,
            date=entry.date,
            time=entry.time,
            authors_count=entry.authors_count,
            line=entry.line,
            page=page,
            authors=list(entry.authors),
            year=entry.year,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (empty fields omitted)."""
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], "")}


@dataclass(frozen=True)
class SpanRef:
    """The span one answer sentence rests on: its citation marker, entry and quoted text."""

    marker: int
    entry_id: str
    quote: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {"marker": self.marker, "entry_id": self.entry_id, "quote": self.quote}


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer as shown (with markers), the claim it makes, and the spans that support it."""

    text: str
    claim: str
    spans: tuple[SpanRef, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {"text": self.text, "claim": self.claim, "spans": [s.to_dict() for s in self.spans]}


class Citer:
    """Numbers cited entries in order of first use and records, per entry, every span quoted from it."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._by_entry: dict[str, int] = {}

    def cite(self, entry: Entry, quote: str, sentence: str) -> int:
        """The marker of ``entry`` (new if first cited), with ``quote`` added to its quotes."""
        if entry.id not in self._by_entry:
            marker = len(self.citations) + 1
            self._by_entry[entry.id] = marker
            self.citations.append(Citation.of(marker, entry, quote, sentence))
            return marker
        citation = self.citations[self._by_entry[entry.id] - 1]
        if quote and quote not in citation.quotes:
            citation.quotes.append(quote)
        return citation.marker

    def sentence(self, claim: str, supports: list[tuple[Entry, str]]) -> AnswerSentence:
        """The shown sentence for a claim supported by (entry, span) pairs: markers placed before its final stop."""
        refs = tuple(SpanRef(self.cite(entry, span, claim), entry.id, span) for entry, span in supports)
        markers = "".join(f"[{m}]" for m in dict.fromkeys(r.marker for r in refs))
        body, stop = (claim[:-1], claim[-1]) if claim[-1:] in ".!?" else (claim, ".")
        return AnswerSentence(f"{body} {markers}{stop}" if markers else claim, claim, refs)


def led(sentence: AnswerSentence, lead: str) -> AnswerSentence:
    """The sentence as shown with ``lead`` before it ("Yes.", "Not on Tuesday:", "From <title>:"): words decided by
    code from the records, while the claim verified and its spans stay the sentence's own."""
    if not lead:
        return sentence
    return AnswerSentence(f"{lead} {sentence.text}", sentence.claim, sentence.spans)
