"""Questions about who, when, where and how many, answered exactly from entry records (no model involved),
and the entity linking (speaker names, titles, days, times, affiliations) that finds the entries a question names."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from index.entries import Entry
from index.text import MONTHS, STOP_WORDS, WEEKDAYS, normalize_title

_DAYS = tuple(d.lower() for d in WEEKDAYS)
_TIME_RE = re.compile(r"\b(\d{1,2})(?:[:. ](\d{2}))?\s*([ap])\.?\s*m\b", re.IGNORECASE)  # index.text.CLOCK_RE, parsed
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
_TITLE_SEP = re.compile(r":| — | – | - ")
_OTHER = re.compile(r"\b(the other|other one|another one|the second one|not the first)\b", re.IGNORECASE)
_ANAPHORA_DAY = re.compile(r"\b(that|the same|this) day\b", re.IGNORECASE)
# A follow-up that picks among the entries of the previous answer ("which of those …", "the one that …").
_AMONG = re.compile(
    r"\b(?:of|among|from) (?:those|these|them|the above)\b|\bwhich ones?\b|"
    r"\bthe ones? (?:that|which|who|with|by|from|where|about|on)\b",
    re.IGNORECASE,
)


def names_a_title(question: str, candidates: Sequence[Entry]) -> bool:
    """Whether the question contains one of these entries' whole titles (not just a phrase that starts one)."""
    asked = normalize_title(question)
    return any(normalize_title(e.title) in asked for e in candidates)


def picks_among(question: str) -> bool:
    """Whether a follow-up picks among the previous answer's entries ("which of those is …", "the one that …")."""
    return bool(_AMONG.search(question))


_ANAPHORA_ENTRY = re.compile(
    r"\b(that|this|the same) (talk|paper|tutorial|one|work)\b|\b(it|its|he|she|his|her|they|"
    r"their|them)\b",
    re.IGNORECASE,
)


def elliptical(question: str) -> bool:
    """A fragment that only makes sense as a follow-up ("what model sizes?", "which datasets?"): three words or
    fewer, not bringing a topic of its own ("what about diffusion?")."""
    tokens = _words(question)
    return 0 < len(tokens) <= 3 and not ({"about", "on"} & set(tokens))


_COINED = r"[\w-]*[a-z][A-Z]|[\w-]*[A-Za-z]{3}\d"  # "CamelCase", letters with digits
_NAME_TOKEN = re.compile(rf"\b(?={_COINED})[A-Za-z][\w-]*\b")
# A coined name in running text may also be capitals then lower case ("SETRec"), not a plural acronym ("LLMs").
_OWN_NAME_TOKEN = re.compile(rf"\b(?={_COINED}|[\w-]*[A-Z]{{2}}[a-z]{{2}})[A-Za-z][\w-]*\b")


def _words(text: str) -> list[str]:
    return normalize_title(text).split()


def parse_time(text: str) -> str | None:
    """ "4:20 pm", "4.20pm", "4 20 pm", "9 am" → "4:20 pm"-style canonical time, or None."""
    m = _TIME_RE.search(text)
    if not m:
        return None
    return f"{int(m.group(1))}:{m.group(2) or '00'} {m.group(3).lower()}m"


_ORDINALS = {"first": 0, "opening": 0, "one": 0, "1": 0, "second": 1, "two": 1, "2": 1, "third": 2, "three": 2}
_ORDINALS |= {"3": 2, "fourth": 3, "four": 3, "4": 3, "fifth": 4, "five": 4, "5": 4}
_ORDINALS |= {"last": -1, "final": -1, "closing": -1}
_ORDINAL_WORDS = "|".join(k for k in _ORDINALS if not k.isdigit())
ORDINAL_DAY_RE = re.compile(rf"\b({_ORDINAL_WORDS})\s+day\b|\bday\s+({'|'.join(_ORDINALS)})\b", re.I)
"""A day of a schedule named by its place ("the first day", "the last day", "day two")."""


def ordinal_day(text: str) -> int | None:
    """The place of the schedule day the text names (0 for the first, -1 for the last), if it names one."""
    found = ORDINAL_DAY_RE.search(text)
    return None if found is None else _ORDINALS[(found.group(1) or found.group(2)).lower()]


def schedule_days(entries: Sequence[Entry]) -> list[str]:
    """The weekdays of the schedule in date order (entries with a date and a day)."""
    return list(dict.fromkeys(e.day for e in sorted(entries, key=lambda e: e.date or "") if e.date and e.day))


def parse_day(text: str, entries: Sequence[Entry] | EntityLinker) -> str | None:
    """A weekday named in the text, the weekday of a day of the schedule named by its place ("the first day", "on
    the last day", "day two"), or the weekday of a date named in it ("2 October"), found among ``entries`` (or
    through a linker's date index)."""
    low = text.lower()
    for day in _DAYS:
        if re.search(rf"\b{day}\b", low):
            return day.capitalize()
    position = ordinal_day(low)
    if position is not None:
        days = entries.schedule_days() if isinstance(entries, EntityLinker) else schedule_days(entries)
        if days and position < len(days):
            return days[position]
    m = _DATE_RE.search(low)
    if m:
        dayn, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        suffix = f"-{_MONTHS.index(month) + 1:02d}-{int(dayn):02d}"
        if isinstance(entries, EntityLinker):
            return entries.day_of_date(suffix)
        for e in entries:
            if e.date and e.day and e.date.endswith(suffix):
                return e.day
    return None


def _canon_time(t: str | None) -> str | None:
    return parse_time(t) if t else None


@dataclass
class EntityLinker:
    """Finds the entries a question names outright.

    Built once per corpus: every name, title, title head and affiliation is normalised up front and indexed by
    one word it must share with the question, so a question looks only at the entries that could match (the
    result, order included, is what a scan of every entry would give). ``link`` keeps its last answers, because
    one question is linked by the answer route and by retrieval."""

    entries: list[Entry]

    def __post_init__(self) -> None:
        self._talks = [(e, (e.day or "").lower(), _canon_time(e.time)) for e in self.entries if e.kind == "talk"]
        self._people: list[list[tuple[str, list[str]]]] = []
        self._by_person_word: dict[str, set[int]] = {}
        self._titles: list[tuple[str, str, bool] | None] = []
        self._by_title_word: dict[str, set[int]] = {}
        self._short_titles: list[int] = []
        self._affiliations: list[list[str]] = []
        self._by_affiliation_word: dict[str, set[int]] = {}
        self._day_of_date: dict[str, str] = {}
        names: dict[str, set[int]] = {}
        for i, e in enumerate(self.entries):
            for token in _NAME_TOKEN.findall(e.title):
                names.setdefault(token.lower(), set()).add(i)
        # A coined name in exactly one title ("CamelCase", letters with digits) names that entry on its own.
        self._by_coined_name = {name: next(iter(ids)) for name, ids in names.items() if len(ids) == 1}
        # A coined name that one entry alone uses, and uses more than once (the method it is about, not a dataset
        # it mentions in passing), names that entry too.
        anywhere: dict[str, set[int]] = {}
        repeated: set[tuple[str, int]] = set()
        for i, e in enumerate(self.entries):
            tokens = Counter(t.lower() for t in _OWN_NAME_TOKEN.findall(f"{e.title} {e.text or ''}"))
            for token, count in tokens.items():
                anywhere.setdefault(token, set()).add(i)
                if count >= 2:
                    repeated.add((token, i))
        self._by_own_name = {
            name: i for name, ids in anywhere.items() if len(ids) == 1 and (name, i := next(iter(ids))) in repeated
        }
        for i, e in enumerate(self.entries):
            people = [(p, [t for t in _words(p) if len(t) > 1]) for p in e.people]
            self._people.append(people)
            for _, tokens in people:
                for t in tokens[:1] + tokens[-1:]:  # a full match has the first, a surname match the last
                    self._by_person_word.setdefault(t, set()).add(i)
            self._titles.append(self._title_info(i, e))
            key = [w for w in _words(e.affiliation) if w not in _AFFIL_STOP and len(w) > 2] if e.affiliation else []
            self._affiliations.append(key)
            if key:
                self._by_affiliation_word.setdefault(key[0], set()).add(i)
            if e.date and e.day:
                self._day_of_date.setdefault(e.date[-6:], e.day)
        self._recent: dict[tuple[str, tuple[str, ...]], list[Entry]] = {}
        self._schedule_days = schedule_days(self.entries)
        self.name_words: frozenset[str] = frozenset(
            w
            for i in range(len(self.entries))
            for w in [t for _, tokens in self._people[i] for t in tokens] + self._affiliations[i]
            if len(w) > 2
        )
        """Every word of a person's name or an affiliation in the corpus (folded): what a question can state
        about an entry's people that the record can confirm or contradict."""

    def _title_info(self, i: int, e: Entry) -> tuple[str, str, bool] | None:
        t = normalize_title(e.title)
        if len(t) < 12 or t.startswith("tbd"):
            return None
        words = t.split()
        # "t in q" puts every inner word of t in q whole; a short title is checked for every question.
        if len(words) >= 3:
            self._by_title_word.setdefault(words[1], set()).add(i)
        else:
            self._short_titles.append(i)
        has_sep = bool(_TITLE_SEP.search(e.title))
        head = normalize_title(_TITLE_SEP.split(e.title)[0]) if has_sep else t
        if has_sep and len(head) >= 6:
            self._by_title_word.setdefault(head.split()[0], set()).add(i)
            # A head matched by its words in any order has every word that is not a stop word in the question.
            first_content = next((w for w in head.split() if w not in STOP_WORDS), None)
            if first_content:
                self._by_title_word.setdefault(first_content, set()).add(i)
        return t, head, has_sep

    def schedule_days(self) -> list[str]:
        """The weekdays of the schedule in date order."""
        return self._schedule_days

    def day_of_date(self, suffix: str) -> str | None:
        """The weekday of the first entry dated on ``-MM-DD``."""
        return self._day_of_date.get(suffix)

    def by_day_time(self, day: str | None, time: str | None) -> list[Entry]:
        """Talks at that day and/or time, in schedule order."""
        wanted = day.lower() if day else None
        return [e for e, d, t in self._talks if (not wanted or d == wanted) and (not time or t == time)]

    def by_person(self, question: str) -> list[Entry]:
        """Entries whose speaker or presenter the question names (all name words, or a distinctive surname)."""
        q_words = set(_words(question))
        has_capitals = question != question.lower()
        candidates = sorted({i for w in q_words for i in self._by_person_word.get(w, ())})
        full, partial = [], []
        for i in candidates:
            e = self.entries[i]
            for person, tokens in self._people[i]:
                if tokens and all(t in q_words for t in tokens):
                    full.append(e)
                    break
                if (
                    len(tokens) >= 2
                    and len(tokens[-1]) >= 4
                    and tokens[-1] in q_words
                    # A surname alone must be written as a name, unless the whole question is typed in lower case.
                    and re.search(rf"\b{re.escape(person.split()[-1])}\b", question, 0 if has_capitals else re.I)
                ):
                    partial.append(e)
                    break
        return full or partial

    def by_title(self, question: str) -> list[Entry]:
        """Entries whose title the question quotes or nearly quotes, most specific first: a title or head whose
        words are all words of another match's is a shorter name inside that one and is dropped ("Continual
        Learning" inside "Continual Learning with Dynamic Sparse Training")."""
        q = normalize_title(question)
        quoted = [normalize_title(qt) for qt in re.findall(r"[\"“'‘]([^\"”’]{8,})[\"”'’]", question)]
        q_words = set(q.split())
        candidates: list[int] = (
            list(range(len(self.entries)))  # a fuzzy match on a quoted title can be any entry
            if quoted
            else sorted({*self._short_titles, *(i for w in q_words for i in self._by_title_word.get(w, ()))})
        )
        hits: list[tuple[float, Entry, set[str]]] = []
        for i in candidates:
            info = self._titles[i]
            if info is None:
                continue
            t, head, has_sep = info
            e = self.entries[i]
            if t in q:
                hits.append((100.0 + len(t), e, set(t.split()) - STOP_WORDS))
                continue
            head_words = set(head.split()) - STOP_WORDS
            # A head followed by a version number names a successor ("FlashAttention-2"), not this entry.
            if has_sep and len(head) >= 6 and head in q and re.search(rf"\b{re.escape(head)}\b(?! \d+\b)", q):
                hits.append((95.0, e, head_words))
                continue
            if has_sep and len(head_words) >= 3 and head_words <= q_words:
                hits.append((94.0, e, head_words))  # the head's words in another order
                continue
            for qt in quoted:
                score = fuzz.token_set_ratio(qt, t)
                if score >= 90:
                    hits.append((score, e, set(t.split()) - STOP_WORDS))
        hits.sort(key=lambda x: -x[0])
        return [e for _, e, matched in hits if not any(matched < other for _, _, other in hits)]

    def by_coined_name(self, question: str) -> list[Entry]:
        """Entries whose coined name (a CamelCase or letters-and-digits word in no other title: "FooNet", "Bar3")
        the question writes, in any case. Weaker than a title: a question may name a method only to compare."""
        return self._named_by(question, self._by_coined_name)

    def by_own_name(self, question: str) -> list[Entry]:
        """Entries whose coined name the question writes, in any case, where that name stands in the title or text
        of no other entry and at least twice in its own (a method named in its abstract only: "SETRec")."""
        return self._named_by(question, self._by_own_name)

    def _named_by(self, question: str, names: dict[str, int]) -> list[Entry]:
        ids = [names.get(t.lower()) for t in re.findall(r"[\w-]{4,}", question)]
        return [self.entries[i] for i in dict.fromkeys(i for i in ids if i is not None)]

    def by_affiliation(self, question: str) -> list[Entry]:
        """Talks whose speaker's affiliation the question names ("from EPFL", "at ETH Zurich")."""
        q_words = set(_words(question))
        candidates = sorted({i for w in q_words for i in self._by_affiliation_word.get(w, ())})
        return [self.entries[i] for i in candidates if all(w in q_words for w in self._affiliations[i])]

    def link(self, question: str, focus: Sequence[Entry] = ()) -> list[Entry]:
        """Entries named by the question, most specific first; anaphora ("that day", "it") resolved to focus."""
        key = (question, tuple(e.id for e in focus))
        if key in self._recent:
            return list(self._recent[key])
        found = self._link(question, focus)
        if len(self._recent) >= 64:
            self._recent.pop(next(iter(self._recent)))
        self._recent[key] = found
        return list(found)

    def _link(self, question: str, focus: Sequence[Entry]) -> list[Entry]:
        time = parse_time(question)
        day = parse_day(question, self)
        if not day and focus and _ANAPHORA_DAY.search(question):
            day = next((e.day for e in focus if e.day), None)
        out: list[Entry] = []
        named = self.by_person(question) + self.by_title(question)
        if focus and _OTHER.search(question):
            # "the other one, not X": the entries of the conversation's focus the question does not name.
            others = [e for e in focus if all(e.id != n.id for n in named)]
            if others and len(others) < len(focus):
                return others
        # An entry the question names is what it is about; a day, time or affiliation it states then only constrains
        # that entry (checked against its record by the answer), it does not bring in the other talks of that slot.
        if not named and (
            time or (day and re.search(r"\b(who|which|what|talks?|speak|speakers?|schedule)\b", question, re.I))
        ):
            out += self.by_day_time(day, time)
        out += named or self.by_affiliation(question)
        if not out and focus and (_ANAPHORA_ENTRY.search(question) or elliptical(question)):
            out += list(focus)
        seen: set[str] = set()
        return [e for e in out if not (e.id in seen or seen.add(e.id))]  # type: ignore[func-returns-value]
