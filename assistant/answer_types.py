"""What the answering pipeline produces: the finished Answer, the events it streams, and the state of one answer
as it streams (sentences said so far, citations numbered in order of first use)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from assistant.cite import AnswerSentence, Citation, Citer
from assistant.errors import AssistantError
from assistant.lists import ListItem
from assistant.retrieve import Passage

__all__ = ["Answer", "AnswerEvent", "NoMatchingEntriesError", "Run"]


class NoMatchingEntriesError(AssistantError):
    """The filters exclude every entry, so there is nothing to answer from."""


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
    sentences: list[AnswerSentence] = field(default_factory=list)
    items: list[ListItem] = field(default_factory=list)

    @property
    def route_family(self) -> str:
        """record, generated, quoted, list or abstained."""
        return self.route.split(":", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form of everything above."""
        return {
            "question": self.question,
            "text": self.text,
            "abstained": self.abstained,
            "route": self.route,
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [s.to_dict() for s in self.sentences],
            "items": [i.to_dict() for i in self.items],
            "contexts": [p.to_dict() for p in self.contexts],
            "dropped_sentences": self.dropped,
            "seconds": round(self.seconds, 3),
            "first_token_seconds": None if self.first_token_seconds is None else round(self.first_token_seconds, 3),
        }


@dataclass
class AnswerEvent:
    """A streamed piece: "evidence" (what is being read, before any model call), "text" (verified answer text),
    "final" (the Answer, always last)."""

    kind: str
    text: str = ""
    answer: Answer | None = None
    passages: list[Passage] = field(default_factory=list)


@dataclass
class Run:
    """The state of one answer as it streams."""

    question: str
    start: float
    citer: Citer = field(default_factory=Citer)
    sentences: list[AnswerSentence] = field(default_factory=list)
    first: float | None = None

    def say(self, sentence: AnswerSentence, separator: str = " ") -> AnswerEvent:
        self.first = self.first if self.first is not None else time.perf_counter() - self.start
        piece = sentence.text if not self.sentences else separator + sentence.text
        self.sentences.append(sentence)
        return AnswerEvent("text", piece)

    def answer(self, route: str, contexts: list[Passage], separator: str = " ", **extra: Any) -> Answer:
        return Answer(
            question=self.question,
            text=separator.join(s.text for s in self.sentences),
            abstained=False,
            citations=self.citer.citations,
            contexts=contexts,
            route=route,
            seconds=time.perf_counter() - self.start,
            first_token_seconds=self.first,
            sentences=list(self.sentences),
            **extra,
        )
