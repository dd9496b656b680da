"""Questions about who, when, where and how many, answered exactly from entry records (no model involved),
and the entity linking (speaker names, titles, days, times, affiliations) that finds the entries a question names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from index.entries import Entry
from index.text import MONTHS, WEEKDAYS, normalize_title

_DAYS = tuple(d.lower() for d in WEEKDAYS)
_TIME_RE = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m\b", re.IGNORECASE)
_MONTHS = tuple(m.lower() for m in MONTHS)
_DATE_RE = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+({'|'.join(_MONTHS)})|({'|'.join(_MONTHS)})\s+(\d{{1,2}}))\b"
)
_AFFIL_STOP = {
    "university",
    "of",
    "the",
    "institute",
    "national",
    "laboratory",
    "center",
    "centre",
    "medical",
    "college",
    "de",
    "france",
    "and",
}
_ANAPHORA_DAY = re.compile(r"\b(that|the same|this) day\b", re.IGNORECASE)
_ANAPHORA_ENTRY = re.compile(
    r"\b(that|this|the same) (talk|paper|tutorial|one|work)\b|\b(it|its|he|she|his|her|they|"
    r"their|them)\b",
    re.IGNORECASE,
)


def _words(text: str) -> list[str]:
    return normalize_title(text).split()


def parse_time(text: str) -> str | None:
    """ "4:20 pm", "4.20pm", "9 am" → "4:20 pm"-style canonical time, or None."""
    m = _TIME_RE.search(text)
    if not m:
        return None
    return f"{int(m.group(1))}:{m.group(2) or '00'} {m.group(3).lower()}m"


def parse_day(text: str, entries: Sequence[Entry]) -> str | None:
    """A weekday named in the text, or the weekday of a date named in it ("2 October")."""
    low = text.lower()
    for day in _DAYS:
        if re.search(rf"\b{day}\b", low):
            return day.capitalize()
    m = _DATE_RE.search(low)
    if m:
        dayn, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        suffix = f"-{_MONTHS.index(month) + 1:02d}-{int(dayn):02d}"
        for e in entries:
            if e.date and e.day and e.date.endswith(suffix):
                return e.day
    return None


def _canon_time(t: str | None) -> str | None:
    return parse_time(t) if t else None


@dataclass
class EntityLinker:
    """Finds the entries a question names outright."""

    entries: list[Entry]

    def by_day_time(self, day: str | None, time: str | None) -> list[Entry]:
        """Talks at that day and/or time, in schedule order."""
        talks = [e for e in self.entries if e.kind == "talk"]
        if day:
            talks = [e for e in talks if (e.day or "").lower() == day.lower()]
        if time:
            talks = [e for e in talks if _canon_time(e.time) == time]
        return talks

    def by_person(self, question: str) -> list[Entry]:
        """Entries whose speaker or presenter the question names (all name words, or a distinctive surname)."""
        q_words = set(_words(question))
        full, partial = [], []
        for e in self.entries:
            for person in e.people:
                tokens = [t for t in _words(person) if len(t) > 1]
                if tokens and all(t in q_words for t in tokens):
                    full.append(e)
                    break
                if (
                    len(tokens) >= 2
                    and len(tokens[-1]) >= 4
                    and tokens[-1] in q_words
                    and re.search(rf"\b{re.escape(person.split()[-1])}\b", question)
                ):
                    partial.append(e)
                    break
        return full or partial

    def by_title(self, question: str) -> list[Entry]:
        """Entries whose title the question quotes or nearly quotes."""
        q = normalize_title(question)
        quoted = re.findall(r"[\"“'‘]([^\"”’]{8,})[\"”'’]", question)
        hits: list[tuple[float, Entry]] = []
        for e in self.entries:
            t = normalize_title(e.title)
            if len(t) < 12 or t.startswith("tbd"):
                continue
            if t in q:
                hits.append((100.0 + len(t), e))
                continue
            head = normalize_title(re.split(r":| — | – | - ", e.title)[0])
            if (
                len(head) >= 6
                and len(head.split()) >= 1
                and re.search(rf"\b{re.escape(head)}\b", q)
                and (re.search(r":| — | – | - ", e.title) and len(head) >= 5)
            ):
                hits.append((95.0, e))
                continue
            for qt in quoted:
                score = fuzz.token_set_ratio(normalize_title(qt), t)
                if score >= 90:
                    hits.append((score, e))
        hits.sort(key=lambda x: -x[0])
        return [e for _, e in hits]

    def by_affiliation(self, question: str) -> list[Entry]:
        """Talks whose speaker's affiliation the question names ("from EPFL", "at ETH Zurich")."""
        q_words = set(_words(question))
        out = []
        for e in self.entries:
            if not e.affiliation:
                continue
            key = [w for w in _words(e.affiliation) if w not in _AFFIL_STOP and len(w) > 2]
            if key and all(w in q_words for w in key):
                out.append(e)
        return out

    def link(self, question: str, focus: Sequence[Entry] = ()) -> list[Entry]:
        """Entries named by the question, most specific first; anaphora ("that day", "it") resolved to focus."""
        time = parse_time(question)
        day = parse_day(question, self.entries)
        if not day and focus and _ANAPHORA_DAY.search(question):
            day = next((e.day for e in focus if e.day), None)
        out: list[Entry] = []
        if time or (day and re.search(r"\b(who|which|what|talks?|speak|speakers?|schedule)\b", question, re.I)):
            out += self.by_day_time(day, time)
        out += self.by_person(question) + self.by_title(question) + self.by_affiliation(question)
        if not out and focus and _ANAPHORA_ENTRY.search(question):
            out += list(focus)
        seen: set[str] = set()
        return [e for e in out if not (e.id in seen or seen.add(e.id))]  # type: ignore[func-returns-value]
