"""List answers: "which talks are about X?", "which tutorials cover Y?", "who speaks on Tuesday afternoon?", "which
speakers are from Z?". Each item is an entry with its citation and one line of evidence; complete (every entry whose
title or one sentence carries the topic) and without unrelated entries; ordered by relevance, or by time for
schedule questions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.evidence import entry_sentences
from assistant.intent import Intent, minutes_of
from assistant.metadata import EntityLinker, parse_day, parse_time
from index.entries import Entry
from index.text import content_words, fold, stem_matches, words

MAX_ITEMS = 15
_EVIDENCE_CHARS = 170
_KIND_PLURAL = {"talk": "talks", "tutorial": "tutorials", "paper": "papers"}


@dataclass
class ListItem:
    """One entry of a list answer, with the line of evidence that puts it there."""

    entry: Entry
    evidence: str
    score: float
    marker: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable form."""
        return {"marker": self.marker, "entry_id": self.entry.id, "title": self.entry.title, "evidence": self.evidence}


@dataclass
class ListResult:
    """The items of a list answer, how they were chosen, and how many matched in all."""

    items: list[ListItem] = field(default_factory=list)
    detail: str = "topic"
    total: int = 0
    noun: str = "entries"


def _topic_match(topic: Sequence[str], phrase_initials: str, entry: Entry) -> tuple[float, str]:
    """How much of the topic the entry carries in its title or in one sentence (share of topic words, not scattered
    over the text), and that sentence."""
    if not topic:
        return 0.0, ""
    best, line = 0.0, ""
    for text in [entry.title, *entry_sentences(entry)]:
        vocab = set(content_words(text))
        share = sum(stem_matches(t, vocab) for t in topic) / len(topic)
        if phrase_initials and re.search(rf"\b{phrase_initials}s?\b", fold(text)):
            share = max(share, 1.0)
        if share > best:
            best, line = share, text
    return best, line


def _initials(question_topic_words: Sequence[str]) -> str:
    """ "graph neural networks" → "gnn" (an acronym a text may use instead of the words)."""
    return "".join(w[0] for w in question_topic_words) if len(question_topic_words) >= 2 else ""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EVIDENCE_CHARS else text[: _EVIDENCE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _in_window(entry: Entry, window: tuple[int, int] | None) -> bool:
    if window is None:
        return True
    at = minutes_of(parse_time(entry.time or ""))
    return at is not None and window[0] <= at < window[1]


def _time_key(entry: Entry) -> tuple[str, int]:
    return (entry.date or "", minutes_of(parse_time(entry.time or "")) or 0)


def find_list(
    question: str,
    intent: Intent,
    entries: Sequence[Entry],
    linker: EntityLinker,
    accepts: object,
    relevance: dict[str, float] | None = None,
) -> ListResult:
    """The entries a list question asks for. ``accepts`` is the caller's filter (an ``Entry -> bool``);
    ``relevance`` optional retrieval scores by entry id, used to order topic matches."""
    relevance = relevance or {}
    pool = [e for e in entries if accepts(e)]  # type: ignore[operator]
    if intent.kinds:
        pool = [e for e in pool if e.kind in intent.kinds]
    if intent.collection:
        pool = [e for e in pool if e.collection == intent.collection]
    noun = " or ".join(_KIND_PLURAL[k] for k in intent.kinds) if intent.kinds else "entries"
    day = parse_day(question, entries)
    schedule = bool(day or intent.minutes)
    if schedule:
        pool = [e for e in pool if e.kind != "paper" and (not day or (e.day or "").lower() == day.lower())]
        pool = [e for e in pool if _in_window(e, intent.minutes)]
        noun = noun if intent.kinds else "talks"
    affiliated = {e.id for e in linker.by_affiliation(question)}
    topic = list(intent.topic)
    if affiliated:
        pool = [e for e in pool if e.id in affiliated]
        affil_words = {w for e in pool for w in content_words(e.affiliation or "")}
        topic = [t for t in topic if t not in affil_words]
    if not topic:
        items = [ListItem(e, e.metadata_line(), 1.0) for e in pool]
        detail = "schedule" if schedule else "affiliation" if affiliated else "all"
        if schedule or detail == "all":
            items.sort(key=lambda it: _time_key(it.entry))
        return ListResult(items[:MAX_ITEMS], detail, len(items), noun)
    initials = _initials([w for w in words(question) if stem_in_topic(w, topic)])
    items = []
    for entry in pool:
        share, line = _topic_match(topic, initials, entry)
        if share >= 1.0 or (share >= 0.67 and len(topic) >= 3):
            items.append(ListItem(entry, _short(line), share + 0.1 * relevance.get(entry.id, 0.0)))
    if schedule:
        items.sort(key=lambda it: _time_key(it.entry))
    else:
        items.sort(key=lambda it: -it.score)
    detail = "schedule+topic" if schedule else "affiliation+topic" if affiliated else "topic"
    return ListResult(items[:MAX_ITEMS], detail, len(items), noun)


def stem_in_topic(word: str, topic: Sequence[str]) -> bool:
    """Whether a question word is one of the topic's words."""
    return bool(content_words(word)) and content_words(word)[0] in topic


def render_intro(result: ListResult) -> str:
    """The sentence before the items: how many matched (and how many are shown)."""
    n = result.total
    noun = result.noun if n != 1 else result.noun.rstrip("s").replace("entrie", "entry")
    shown = f"; the first {len(result.items)} are" if n > len(result.items) else ""
    return f"{n} {noun} in the corpus match{'es' if n == 1 else ''}{shown}:"


def render_item(position: int, item: ListItem) -> str:
    """One line: title, who and when from the record, then the evidence line, then the marker."""
    e = item.entry
    people = ", ".join(e.people) + (f", {e.affiliation}" if e.affiliation else "")
    facts = [p for p in (people if e.people else "", e.when) if p]
    head = f"{position}. “{e.title}”" + (f" ({'; '.join(facts)})" if facts else "")
    quote = item.evidence if item.evidence and item.evidence != e.metadata_line() else ""
    return f"{head}" + (f": “{quote}”" if quote and quote != e.title else "") + f" [{item.marker}]"


def render_empty(result: ListResult) -> str:
    """The one sentence of an empty list answer."""
    return f"No {result.noun} in the corpus match this question."
