"""The answering pipeline: link entities, answer metadata questions from records, otherwise retrieve, ask the
model, verify and cite each sentence as it streams, and abstain when the evidence is not there."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.cite import SENTENCE_BOUNDARY, attribute, best_quote, select_sentences, split_sentences, strip_markers
from assistant.llm.base import ChatModel
from assistant.metadata_answers import answer_from_metadata
from assistant.prompts import PromptSet, SourceBlock
from assistant.retrieve import Filters, HybridRetriever, Passage
from index.entries import Entry

ABSTAIN_TEXT = "The corpus does not say."
_DONT_KNOW = re.compile(
    r"\b(i don'?t know|do not know|not (mentioned|stated|specified|provided|given|included) in|"
    r"(sources|corpus|context) (do|does) not|no information|cannot (answer|determine|find)|"
    r"unable to (answer|determine|find))\b",
    re.I,
)
_CONTEXT_PASSAGES = 3
_CONTEXT_WORDS = 45


@dataclass
class Citation:
    """A marker in the answer text and the entry (and passage words) it stands for."""

    marker: int
    entry_id: str
    title: str
    kind: str
    source: str
    quote: str
    sentence: str = ""
    speaker: str | None = None
    affiliation: str | None = None
    presenters: list[str] = field(default_factory=list)
    day: str | None = None
    date: str | None = None
    time: str | None = None
    authors_count: int | None = None
    line: int = 0

    @classmethod
    def of(cls, marker: int, entry: Entry, quote: str, sentence: str) -> Citation:
        """A citation carrying the entry's people and date fields."""
        return cls(
            marker=marker,
            entry_id=entry.id,
            title=entry.title,
            kind=entry.kind,
            source=entry.source,
            quote=quote,
            sentence=sentence,
            speaker=entry.speaker,
            affiliation=entry.affiliation,
            presenters=list(entry.presenters),
            day=entry.day,
            date=entry.date,
            time=entry.time,
            authors_count=entry.authors_count,
            line=entry.line,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (empty fields omitted)."""
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], "")}


@dataclass
class Answer:
    """A finished answer."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    contexts: list[Passage] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    route: str = ""
    seconds: float = 0.0
    first_token_seconds: float | None = None
    prompt: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form of everything above."""
        return {
            "question": self.question,
            "text": self.text,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "contexts": [p.to_dict() for p in self.contexts],
            "dropped_sentences": self.dropped,
            "route": self.route,
            "seconds": round(self.seconds, 3),
            "first_token_seconds": None if self.first_token_seconds is None else round(self.first_token_seconds, 3),
        }


@dataclass
class AnswerEvent:
    """A streamed piece: kind "text" carries verified answer text; kind "final" carries the Answer."""

    kind: str
    text: str = ""
    answer: Answer | None = None


class _Citer:
    """Numbers cited entries in order of first use."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._by_entry: dict[str, int] = {}

    def cite(self, entry: Entry, quote: str, sentence: str) -> int:
        if entry.id not in self._by_entry:
            marker = len(self.citations) + 1
            self._by_entry[entry.id] = marker
            self.citations.append(Citation.of(marker, entry, quote, sentence))
        return self._by_entry[entry.id]


@dataclass
class Answerer:
    """Runs the pipeline for one question. Holds no per-session state, so one instance serves many users."""

    retriever: HybridRetriever
    chat_model: ChatModel
    prompts: PromptSet
    top_k: int = 6
    min_relevance: float = 0.3
    max_tokens: int = 120

    def stream(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        focus: Sequence[Entry] = (),
        retrieval_query: str | None = None,
    ) -> Iterator[AnswerEvent]:
        """Verified answer text as it is produced, then a final event with the Answer."""
        start = time.perf_counter()
        filters = filters or Filters()
        self.retriever.validate(filters)
        linked = [e for e in self.retriever.corpus.linker.link(question, focus) if filters.accepts(e)]
        meta = answer_from_metadata(question, linked, focus)
        if meta is not None:
            yield from self._from_metadata(question, meta, start)
            return
        passages = self.retriever.retrieve(retrieval_query or question, k=k or self.top_k, filters=filters)
        if not self._relevant(passages, linked):
            yield from self._abstain(question, passages, start, "no relevant passage")
            return
        yield from self._generate(question, passages, start)

    def _relevant(self, passages: list[Passage], linked: list[Entry]) -> bool:
        if not passages:
            return False
        if linked:
            return True
        best = max((p.dense_score for p in passages[:_CONTEXT_PASSAGES] if p.dense_score is not None), default=0.0)
        return best >= self.min_relevance

    def _from_metadata(self, question: str, meta: Any, start: float) -> Iterator[AnswerEvent]:
        if meta.abstain:
            yield from self._abstain(question, [], start, f"metadata:{meta.intent}:field missing")
            return
        citer = _Citer()
        parts = []
        first: float | None = None
        for sentence, entries in meta.sentences:
            markers = "".join(f"[{citer.cite(e, e.metadata_line(), sentence)}]" for e in entries)
            piece = f"{sentence[:-1] if sentence.endswith('.') else sentence} {markers}."
            parts.append(piece)
            first = first if first is not None else time.perf_counter() - start
            yield AnswerEvent("text", piece if len(parts) == 1 else " " + piece)
        contexts = [_record_passage(e) for s in meta.sentences for e in s[1]]
        yield AnswerEvent(
            "final",
            answer=Answer(
                question=question,
                text=" ".join(parts),
                abstained=False,
                citations=citer.citations,
                contexts=contexts,
                route=f"metadata:{meta.intent}",
                seconds=time.perf_counter() - start,
                first_token_seconds=first,
            ),
        )

    def _abstain(
        self, question: str, passages: list[Passage], start: float, why: str, dropped: list[str] | None = None
    ) -> Iterator[AnswerEvent]:
        yield AnswerEvent("text", ABSTAIN_TEXT)
        yield AnswerEvent(
            "final",
            answer=Answer(
                question=question,
                text=ABSTAIN_TEXT,
                abstained=True,
                contexts=passages,
                route=f"abstain:{why}",
                dropped=list(dropped or []),
                seconds=time.perf_counter() - start,
                first_token_seconds=time.perf_counter() - start,
            ),
        )

    def build_sources(self, question: str, passages: list[Passage]) -> tuple[list[SourceBlock], list[str]]:
        """Numbered, trimmed sources for the prompt, and the full texts they are verified against."""
        blocks, full = [], []
        for i, p in enumerate(passages[:_CONTEXT_PASSAGES], start=1):
            entry = p.entry
            header = entry.metadata_line() if entry else p.title
            blocks.append(SourceBlock(i, header, select_sentences(question, p.text, _CONTEXT_WORDS)))
            # Verified against the whole entry: a citation names the entry, and the model may paraphrase any of it.
            full.append(f"{header}\n{entry.text if entry and entry.text else p.text}")
        return blocks, full

    def _generate(self, question: str, passages: list[Passage], start: float) -> Iterator[AnswerEvent]:
        blocks, full_texts = self.build_sources(question, passages)
        messages = self.prompts.answer_messages(question, blocks)
        used = passages[: len(blocks)]
        citer = _Citer()
        kept: list[str] = []
        dropped: list[str] = []
        first: float | None = None
        for sentence in _sentences(self.chat_model.stream(messages, max_tokens=self.max_tokens)):
            text = self._verify(question, sentence, used, full_texts, citer, kept, dropped)
            if text:
                first = first if first is not None else time.perf_counter() - start
                yield AnswerEvent("text", text if len(kept) == 1 else " " + text)
        if not kept:
            why = "nothing verified" if dropped else "model declined"
            yield from self._abstain(question, passages, start, why, dropped)
            return
        yield AnswerEvent(
            "final",
            answer=Answer(
                question=question,
                text=" ".join(kept),
                abstained=False,
                citations=citer.citations,
                contexts=used,
                dropped=dropped,
                route="generated",
                seconds=time.perf_counter() - start,
                first_token_seconds=first,
                prompt=[dict(m) for m in messages],
            ),
        )

    def _verify(
        self,
        question: str,
        sentence: str,
        used: list[Passage],
        full_texts: list[str],
        citer: _Citer,
        kept: list[str],
        dropped: list[str],
    ) -> str:
        clean = strip_markers(sentence)
        if not clean or _DONT_KNOW.search(clean):
            if clean:
                dropped.append(clean)
            return ""
        att = attribute(
            clean,
            full_texts,
            question=question,
            titles=[p.title for p in used],
            people=[p.entry.people if p.entry else [] for p in used],
        )
        if not att.supporters:
            dropped.append(clean)
            return ""
        markers = ""
        for i in att.supporters:
            entry = used[i].entry
            if entry is not None:
                markers += f"[{citer.cite(entry, best_quote(clean, entry.text or used[i].text), clean)}]"
        body = clean[:-1] if clean[-1] in ".!?" else clean
        text = f"{body} {markers}{clean[-1] if clean[-1] in '.!?' else '.'}"
        kept.append(text)
        return text


def _sentences(pieces: Iterator[str]) -> Iterator[str]:
    """Whole sentences from streamed text pieces, each as soon as the next one has begun; the tail at the end."""
    buffer = ""
    for piece in pieces:
        buffer += piece
        boundaries = list(SENTENCE_BOUNDARY.finditer(buffer))
        if boundaries:
            cut = boundaries[-1]
            yield from split_sentences(buffer[: cut.start()])
            buffer = buffer[cut.end() :]
    yield from split_sentences(buffer)


def _record_passage(entry: Entry) -> Passage:
    return Passage(
        entry_id=entry.id,
        title=entry.title,
        kind=entry.kind,
        source=entry.source,
        text=entry.metadata_line(),
        score=1.0,
        entry=entry,
    )
