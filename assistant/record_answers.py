"""Who / when / where / how-many questions answered exactly from entry records, with the record as the citation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.intent import schedule_key, slot_asked
from assistant.understand import asked_fields
from index.entries import Entry, normalize_title

_COMPARE = re.compile(r"\b(or|both|compare|comparison|versus|vs|earlier|later|first|older|newer|more|fewer)\b", re.I)
_ORDER = re.compile(r"\b(earlier|later|first|older|newer|came out|published|recent|before|after|date)\b", re.I)
_ELSE = re.compile(r"\b(else|other|besides|apart from)\b", re.I)


@dataclass
class MetadataAnswer:
    """Sentences, each with the entries it comes from; abstain when the records lack the field asked for."""

    sentences: list[tuple[str, list[Entry]]] = field(default_factory=list)
    abstain: bool = False
    intent: str = ""
    missing: list[str] = field(default_factory=list)


def _names(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _when(e: Entry) -> str:
    return e.when.replace(", ", " at ")


def _who(e: Entry) -> str:
    if e.kind == "talk" and e.speaker:
        return e.speaker + (f" ({e.affiliation})" if e.affiliation else "")
    return _names(e.presenters) if e.presenters else ""


def _has_authors(count: int | None) -> str:
    """ "has 3 authors", "has 1 author"."""
    return f"has {count} author{'s' if count != 1 else ''}"


def record_sentence(e: Entry) -> str:
    """An entry's record as one sentence: for a talk or tutorial when, who (with affiliation) and the title; for a
    paper its author count and publication date (empty when its record has neither)."""
    if e.kind == "talk":
        title = "a talk whose title is still TBD" if e.title.startswith("TBD") else f"“{e.title}”"
        return f"On {_when(e)}, {_who(e)} gives {title}."
    if e.kind == "tutorial":
        return f"The tutorial “{e.title}” is presented by {_who(e)}."
    facts = []
    if (count := len(e.people) or e.authors_count) is not None:
        facts.append(_has_authors(count))
    if e.date or e.year:
        facts.append(f"was published on {e.date}" if e.date else f"was published in {e.year}")
    return f"“{e.title}” {' and '.join(facts)}." if facts else ""


def answer_from_metadata(
    question: str, linked: Sequence[Entry], focus: Sequence[Entry] = (), asks: frozenset[str] | None = None
) -> MetadataAnswer | None:
    """An exact answer from the linked entries' records, or None when the question is not a metadata question
    about these entries. ``asks`` are the record fields asked for (read from the question when not given)."""
    if not linked:
        return None
    asks = asked_fields(question) if asks is None else asks
    if _ELSE.search(question) and focus:
        focus_ids = {e.id for e in focus}
        linked = [e for e in linked if e.id not in focus_ids] or list(linked)
    linked = _narrowed(question, linked)
    first = linked[0]
    if len(asks) >= 2 and first.people and all(normalize_title(p) in normalize_title(question) for p in first.people):
        # "Which university is X, the tutorial's presenter, at?": the people are given, the other field is asked.
        asks = asks - {"people"}
    if len(linked) >= 2 and _COMPARE.search(question):
        compared = _compare(question, linked[:4], asks)
        if compared is not None:
            return compared
    found = [a for a in (_fields(asks, first, linked)) if a is not None]
    if not found:
        return None
    if all(a.abstain for a in found):
        return MetadataAnswer(abstain=True, intent="+".join(a.intent for a in found))
    sentences = _merge_same_entry([s for a in found if not a.abstain for s in a.sentences])
    missing = [a.intent for a in found if a.abstain]
    return MetadataAnswer(sentences, intent="+".join(a.intent for a in found), missing=missing)


def _narrowed(question: str, linked: Sequence[Entry]) -> list[Entry]:
    """The linked entries the question is about: the people it names, when it names two or more ("Qin Li's or Marco
    Mondelli's talk on Tuesday" is not about every Tuesday talk); the first or last talk in time when it asks for
    that ("the first talk on Tuesday morning")."""
    asked = normalize_title(question)
    named = [e for e in linked if any(len(p) > 3 and normalize_title(p) in asked for p in e.people)]
    out = named if len(named) >= 2 else list(linked)
    timed = [e for e in out if e.kind != "paper" and e.time]
    slot = slot_asked(question)
    if timed and slot:
        by_time = sorted(timed, key=schedule_key)
        out = [by_time[0] if slot == "first" else by_time[-1]]
    return out


def _merge_same_entry(sentences: list[tuple[str, list[Entry]]]) -> list[tuple[str, list[Entry]]]:
    """Field sentences about one entry, each starting with its title, said as one ("“X” has 4 authors and is dated
    …") rather than repeating the title."""
    if len(sentences) < 2 or len({tuple(e.id for e in es) for _, es in sentences}) != 1 or len(sentences[0][1]) != 1:
        return sentences
    head = f"“{sentences[0][1][0].title}” "
    if not all(text.startswith(head) for text, _ in sentences):
        return sentences
    predicates = [text[len(head) :].rstrip(".") for text, _ in sentences]
    return [(head + " and ".join(predicates) + ".", sentences[0][1])]


def asks_metadata(text: str) -> bool:
    """Whether a question (or one part of it) asks for a record field: authors, date, affiliation, time, people."""
    return bool(asked_fields(text))


def _fields(asks: frozenset[str], first: Entry, linked: Sequence[Entry]) -> list[MetadataAnswer | None]:
    """One answer per record field the question asks about, in a fixed order (every part of a question answered)."""
    out: list[MetadataAnswer | None] = []
    if "author_count" in asks:
        out.append(
            _single_field(
                first,
                "authors_count",
                "author_count",
                lambda e: f"“{e.title}” {_has_authors(e.authors_count)}.",
            )
        )
    if first.kind == "paper":
        out += _paper_fields(asks, first)
    if "affiliation" in asks:
        people = [e for e in linked if e.affiliation]
        out.append(
            MetadataAnswer(
                [(f"{e.speaker} is affiliated with {e.affiliation}.", [e]) for e in people[:8]],
                abstain=not people,
                intent="affiliation",
            )
        )
    if "when" in asks and first.kind in ("talk", "tutorial"):
        if not first.time:
            out.append(MetadataAnswer(abstain=True, intent="when"))
        else:
            title = f": “{first.title}”" if not first.title.startswith("TBD") else " (title TBD)"
            out.append(MetadataAnswer([(f"{_who(first)} speaks on {_when(first)}{title}.", [first])], intent="when"))
    if asks & {"title", "people"} and not any(a and a.intent == "when" for a in out):
        talks = [e for e in linked if e.kind in ("talk", "tutorial")]
        if talks:
            out.append(MetadataAnswer([(record_sentence(e), [e]) for e in talks[:8]], intent="who"))
    return out


def _paper_fields(asks: frozenset[str], paper: Entry) -> list[MetadataAnswer | None]:
    """A paper's date or year, named authors and venue, as the question asks (added documents carry them)."""
    out: list[MetadataAnswer | None] = []
    venue = "venue" in asks
    if "date" in asks and not venue:
        field = "date" if paper.date or paper.year is None else "year"
        out.append(_single_field(paper, field, "date", lambda e: f"“{e.title}” is dated {e.date or e.year}."))
    # Only records that hold the field answer these (seed papers carry no names, years or venues: their questions
    # go on to retrieval as before).
    year = paper.year or (int(paper.date[:4]) if paper.date and paper.date[:4].isdigit() else None)
    if year and "year" in asks and "date" not in asks:
        out.append(MetadataAnswer([(f"“{paper.title}” is from {year}.", [paper])], intent="year"))
    if paper.authors and asks & {"authors", "people"} and "author_count" not in asks:
        out.append(MetadataAnswer([(f"“{paper.title}” is by {_names(paper.authors)}.", [paper])], intent="authors"))
    if paper.venue and venue:
        out.append(MetadataAnswer([(f"“{paper.title}” appeared in {paper.venue}.", [paper])], intent="venue"))
    return out


def _compare(question: str, entries: Sequence[Entry], asks: frozenset[str]) -> MetadataAnswer | None:
    """One sentence per named entry with the fields a comparison asks about (dates, author counts, talk times)."""
    want_authors = "author_count" in asks or bool(re.search(r"\bauthors?\b", question, re.I))
    want_order = bool(_ORDER.search(question))
    if not (want_authors or want_order):
        return None
    sentences: list[tuple[str, list[Entry]]] = []
    for e in sorted(entries, key=lambda e: _position(question, e)):
        facts = []
        if want_order and e.kind == "paper" and e.date:
            facts.append(f"is dated {e.date}")
        if want_order and e.kind != "paper" and e.time:
            facts.append(f"is on {_when(e)}" + (f", given by {_who(e)}" if _who(e) else ""))
        if want_authors and e.authors_count is not None:
            facts.append(_has_authors(e.authors_count))
        if facts:
            sentences.append((f"“{e.title}” {' and '.join(facts)}.", [e]))
    if not sentences:
        return MetadataAnswer(abstain=True, intent="compare")
    return MetadataAnswer(sentences, intent="compare")


def _position(question: str, entry: Entry) -> int:
    """Where the question names the entry (title or person), so answers follow the question's order."""
    q = normalize_title(question)
    for name in (entry.title, *entry.people):
        at = q.find(normalize_title(name))
        if at >= 0:
            return at
    return len(q)


def _single_field(entry: Entry, attr: str, intent: str, render: object) -> MetadataAnswer:
    if getattr(entry, attr) is None:
        return MetadataAnswer(abstain=True, intent=intent)
    return MetadataAnswer([(render(entry), [entry])], intent=intent)  # type: ignore[operator]
