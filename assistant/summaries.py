"""Summary answers ("summarise the work on X", "what does the corpus say about X", "an overview of …"): the entries
about the topic (chosen as a list answer chooses them), up to six, most relevant first and grouped by kind, each
with its sentence that best matches the topic, quoted (the quotation is the evidence, so nothing is paraphrased)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.evidence import EntryEvidence, SentenceScorer
from assistant.lists import KIND_PLURAL
from index.entries import Entry

MAX_SUMMARY_ENTRIES = 6


@dataclass
class SummaryItem:
    """One entry of a summary with the span quoted from it."""

    entry: Entry
    quote: str
    """The span quoted from the entry's text; for an entry without text (a tutorial listed without an abstract),
    its record line, shown as the record rather than quoted."""
    from_record: bool = False


def either_topic(question: str) -> str:
    """The question with its topics joined by "or": a summary of "X and Y" covers what is about either."""
    return re.sub(r"\band\b", "or", question)


def summary_items(
    question: str, topic: Sequence[str], entries: Sequence[Entry], scorer: SentenceScorer
) -> list[SummaryItem]:
    """Each entry's best-matching span for the question (its opening sentence when the question has no topic
    words), most relevant entry first, grouped by kind (talks, tutorials, papers) in the order their first entry
    appears."""
    evidence: list[EntryEvidence] = scorer.score(question, topic, list(entries))
    items = []
    for ev in evidence:
        # With no topic ("the themes of the Wednesday talks"), an entry's opening sentence says what it is about.
        span = ev.best_span() if topic else (ev.span_of([0]) if ev.sentences else None)
        if span is not None and span.text.strip():
            items.append(SummaryItem(ev.entry, span.text))
        elif not ev.entry.text.strip():
            items.append(SummaryItem(ev.entry, ev.entry.metadata_line(), from_record=True))
    first_seen: dict[str, int] = {}
    for i, item in enumerate(items):
        first_seen.setdefault(item.entry.kind, i)
    return sorted(items, key=lambda it: first_seen[it.entry.kind])


def kind_heading(kind: str) -> str:
    """ "Talks", "Tutorials", "Papers" (the kind itself, capitalised, for any other)."""
    return KIND_PLURAL.get(kind, kind + "s").capitalize()


def render_summary_intro(items: Sequence[SummaryItem]) -> str:
    """The first line of a summary: how many entries it draws on, by kind."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.entry.kind] = counts.get(item.entry.kind, 0) + 1
    parts = [f"{n} {kind if n == 1 else kind + 's'}" for kind, n in counts.items()]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"The corpus has {listed} on this:"


def render_summary_item(item: SummaryItem) -> str:
    """One line of a summary: the entry's title and people, and its quoted span."""
    who = f" ({', '.join(item.entry.people)})" if item.entry.people else ""
    head = f"- {kind_heading(item.entry.kind)[:-1]} “{item.entry.title}”{who}"
    if item.from_record:
        return f"{head}: listed without an abstract."
    return f"{head}: “{item.quote}”"
