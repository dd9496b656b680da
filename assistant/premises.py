"""What a question states about an entry, checked against the entry's record: the day, time, number, person or
affiliation it assumes ("Is X from EPFL?", "X's talk on Tuesday"). A record answer to a yes/no question says "Yes."
or "No." from this check; any other record answer whose entry contradicts the question says so first."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from assistant.entity_linking import parse_time
from assistant.intent import PART_OF_DAY, minutes_of, time_window, topic_words
from assistant.understand import PERSON_NAME, PRESENTED_BY, PRESENTING
from index.entries import Entry
from index.terms import TOKEN, count_contradicted, unmentioned, unmentioned_in, value_shape
from index.text import (
    MONTHS,
    NUMBER_WORDS,
    STOP_WORDS,
    WEEKDAYS,
    content_words,
    fold,
    split_sentences,
    stem_matches,
    words,
)

_DAYS = frozenset(d.lower() for d in WEEKDAYS)
_MONTHS = frozenset(m.lower() for m in MONTHS)

RECORD_WORDS = ("author", "authors", "published", "publication", "released", "date", "year")
"""Words that ask about a paper's record and nothing else ("was it released in 2018?", "does it have five authors?")."""
_RECORD_STEMS = frozenset(content_words(" ".join(RECORD_WORDS)))


PEOPLE_NOUN = r"(?:authors?|presenters?|speakers?|people|persons|researchers|instructors)"
"""The words an entry's people are counted in ("three presenters", "10 or more authors")."""
_COUNTED = re.compile(
    r"\b(?:exactly |just |only |a )?(single|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})[\s-]+"
    rf"(?:co-?)?({PEOPLE_NOUN})\b",
    re.I,
)
# An institution stated in words the corpus may not know ("the University of Amsterdam", "Amsterdam University"):
# its naming words are checked against the record like any corpus name.
_ORG_CUE = r"(?i:universit(?:y|ies)|institute|college|school|laborator(?:y|ies)|lab|cent(?:er|re)|polytechnic)"
_ORGANISATION = re.compile(
    rf"\b{_ORG_CUE}\s+(?:of|for)\s+(?:the\s+)?([^\W\d_][\w-]+(?:\s+[A-Z][\w-]+)?)|"
    rf"\b([A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)\s+{_ORG_CUE}\b"
)
_PEOPLE = rf"(?:co-?)?{PEOPLE_NOUN}\b"
_N = r"(\d{1,3}|" + "|".join(w for w, v in NUMBER_WORDS.items() if v.isdigit() and int(v) <= 20) + ")"
_AT_LEAST = re.compile(rf"\b(?:{_N}\s*(?:\+|or more)|at least {_N}|(?:more than|over) {_N})\s+{_PEOPLE}", re.I)
_AT_MOST = re.compile(rf"\b(?:{_N} or (?:fewer|less)|at most {_N}|(?:fewer|less) than {_N})\s+{_PEOPLE}", re.I)
_PRESENTED_BY = re.compile(
    rf"\b(?:{PRESENTED_BY}|co-?presented by) ({PERSON_NAME})|"
    rf"^\s*(?i:is|was|will|does|did)\s+({PERSON_NAME})\s+(?:{PRESENTING}|co-?presenting|speaking)\b"
)
_FROM_NAME = re.compile(r"\b(?:from|at)\s+(?:the\s+)?([A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,2})")
_SHARED = re.compile(r"\bco-?present\w*|\bwith (?:someone|somebody|anyone|others|another (?:person|presenter))\b", re.I)
_SOLE = re.compile(r"\b(?:single|sole|solo|one)[\s-]+(?:authors?|authored|presenters?|speakers?)\b", re.I)
_INITIALS_AFFILIATION = re.compile(r"\b(?:from|at)\s+(?:the\s+)?([A-Z]{2,6})\b(?!-)|\b([A-Z]{2,6})['’]s\s+[A-Z]")
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_COUNT_WORDS = {"single": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_COUNT_WORDS |= {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def counted_range(question: str) -> tuple[int, int, str] | None:
    """The range of people counts the question states, with its words: "exactly three presenters" (3, 3), "10 or
    more authors" (10, ∞), "fewer than 4 authors" (0, 3), "single-author papers" (1, 1); None when it states none."""
    sole = _SOLE.search(question)
    if sole:
        return (1, 1, sole.group(0))
    shared = _SHARED.search(question)
    if shared:
        return (2, 10**6, shared.group(0))
    for pattern, lower in ((_AT_LEAST, True), (_AT_MOST, False)):
        found = pattern.search(question)
        if found:
            raw = next(g for g in found.groups() if g).lower()
            n = int(NUMBER_WORDS.get(raw, raw))
            exclusive = found.group(3) is not None
            low, high = (n + 1 if exclusive else n, 10**6) if lower else (0, n - 1 if exclusive else n)
            return (low, high, found.group(0))
    counted = _COUNTED.search(question)
    if counted is None:
        return None
    raw = counted.group(1).lower()
    n = _COUNT_WORDS.get(raw) or int(raw)
    return (n, n, counted.group(0))


def people_counts(question: str) -> tuple[int, int] | None:
    """The range of people counts the question states (see :func:`counted_range`)."""
    found = counted_range(question)
    return None if found is None else found[:2]


@dataclass(frozen=True)
class Premise:
    """The values a question states that a record can confirm or contradict."""

    days: tuple[str, ...] = ()
    time: str | None = None
    count: tuple[int, int, str] | None = None
    """The people count stated, as a range and in the question's words ("more than 3 authors": 4, ∞)."""
    names: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    """Institutions as stated, cue word included ("the University of Amsterdam")."""
    years: tuple[str, ...] = ()
    window: tuple[int, int] | None = None
    """A part of the day or a range of clock times (minutes since midnight, as :func:`time_window` reads them)."""

    def is_empty(self) -> bool:
        """Whether the question states nothing a record could check."""
        return not (self.days or self.time or self.window or self.count or self.names or self.years)

    def of_paper(self) -> Premise:
        """What a paper's record can check: its author count and its year (papers have no day, time or speaker)."""
        return Premise(count=self.count, years=self.years)


def stated(question: str, name_words: Collection[str]) -> Premise:
    """The days, time, people count ("two presenters") and corpus name or affiliation words (``name_words``) the
    question states. A name word counts when the asker wrote it as a name (capitalised), or anywhere in a question
    typed all in lower case."""
    lower = question == question.lower()
    names = [
        t
        for t in re.findall(r"[^\W\d_][\w-]*", question)
        if (lower or t[0].isupper()) and len(t) >= 3 and fold(t) in name_words and fold(t) not in STOP_WORDS
    ]
    organisations = []
    for found in _ORGANISATION.finditer(question):
        organisations.append(found.group(0))
        phrase = found.group(1) or found.group(2)
        known = {fold(n) for n in names}
        names += [t for t in re.findall(r"[^\W\d_][\w-]*", phrase) if len(t) >= 3 and fold(t) not in STOP_WORDS | known]
    # An institution given by its initials ("from MIT", "MIT's X"): checked against the record, initials included.
    names += [a or b for a, b in _INITIALS_AFFILIATION.findall(question) if fold(a or b) not in STOP_WORDS]
    # An affiliation the corpus may not know, written as a name after "from" or "at" ("X from Stanford").
    names += [
        t
        for phrase in _FROM_NAME.findall(question)
        for t in phrase.split()
        if len(t) >= 3 and fold(t) not in STOP_WORDS | _DAYS | _MONTHS and t not in names
    ]
    # A person stated as the one who presents ("run by <Name>", "is <Name> giving …"), known to the corpus or not.
    known = {fold(n) for n in names}
    for found in _PRESENTED_BY.finditer(question):
        names += [t for t in (found.group(1) or found.group(2)).split() if fold(t) not in known]
    count = counted_range(question)
    window = time_window(question)
    return Premise(
        days=tuple(dict.fromkeys(t for t in words(question) if t in _DAYS)),
        time=None if window else parse_time(question),  # "before 11 am" bounds the time, it does not state it
        window=window,
        count=count,
        names=tuple(dict.fromkeys(names)),
        organisations=tuple(organisations),
        years=tuple(dict.fromkeys(_YEAR.findall(question))),
    )


def contradicted(premise: Premise, entries: Sequence[Entry], said: str) -> list[str]:
    """What the question states that neither the entries' records nor what the answer ``said`` carry, each as a
    phrase ("not on Tuesday", "not at 4:20 pm", "not 2 presenters", "not EPFL"): empty when the records agree."""
    record = fold(" ".join([said, *(e.metadata_line() for e in entries), *(" ".join(e.people) for e in entries)]))
    record_words = set(words(record))
    wrong = [f"not on {d.capitalize()}" for d in premise.days if d not in record_words]
    titles = set(words(fold(" ".join(e.title for e in entries))))
    wrong += [f"not {y}" for y in premise.years if y not in record_words and y not in titles]
    if premise.time and premise.time not in {parse_time(e.time or "") for e in entries}:
        wrong.append(f"not at {premise.time}")
    if premise.window and entries and not any(_within(e, premise.window) for e in entries):
        wrong.append(f"not {_window_phrase(premise.window)}")
    if premise.count is not None and entries:
        low, high, phrase = premise.count
        counts = {len(e.people) or e.authors_count for e in entries}
        if not any(n is not None and low <= n <= high for n in counts):
            wrong.append(f"not {_count_phrase(low, high, phrase)}")
    # A name the entry's own text mentions is no contradiction ("joint work with <a co-author>").
    mentioned = set(words(fold(" ".join(e.text for e in entries))))
    unknown = [n for n in premise.names if fold(n) not in record_words and fold(n) not in mentioned]
    # Initials of an institution the record spells out ("NYU", or "nyu" typed in lower case: New York University).
    unknown = [n for n in unknown if not (n.isalpha() and len(n) <= 6 and not unmentioned_in([n.upper()], record))]
    wrong += [f"not {n}" for n in _adjacent(unknown, premise.names)]
    return wrong


def _within(entry: Entry, window: tuple[int, int]) -> bool:
    at = minutes_of(parse_time(entry.time or ""))
    return at is None or window[0] <= at < window[1]  # no time recorded: nothing to contradict


def _window_phrase(window: tuple[int, int]) -> str:
    """The window in words: "in the afternoon", "before 11:00 am", "between 9:00 am and 10:30 am"."""
    parts = {v: k for k, v in PART_OF_DAY.items()}
    if window in parts:
        return f"in the {parts[window]}"
    start, end = window
    if start == 0:
        return f"before {_clock(end)}"
    if end >= 24 * 60:
        return f"after {_clock(start - 1 if start % 5 else start)}"
    return f"between {_clock(start)} and {_clock(end - 1)}"


def _clock(minutes: int) -> str:
    hour, minute = divmod(minutes, 60)
    return f"{(hour - 1) % 12 + 1}:{minute:02d} {'am' if hour < 12 else 'pm'}"


def _count_phrase(low: int, high: int, phrase: str) -> str:
    """An exact count as a number ("4 authors", whatever words stated it); a bound in the question's words."""
    if low != high:
        return " ".join(phrase.split()).lower()
    noun = re.findall(r"[a-z]+", phrase.lower().split()[-1])[-1]
    noun = "author" if noun == "authored" else noun.removeprefix("co").lstrip("-").rstrip("s")
    return f"{low} {noun}{'' if low == 1 else 's'}"


def _adjacent(unknown: Sequence[str], names: Sequence[str]) -> list[str]:
    """The unknown names, those stated one after another joined ("Aaron Roth", "ETH Zurich")."""
    runs: list[list[str]] = []
    for i, name in enumerate(names):
        if name in unknown:
            if runs and i > 0 and names[i - 1] == runs[-1][-1]:
                runs[-1].append(name)
            else:
                runs.append([name])
    return [" ".join(run) for run in runs]


def checks_record(premise: Premise, entry: Entry) -> bool:
    """Whether the premise states something about the entry's record beyond the names that identify it: a day, a
    time, a people count, or a name or affiliation not among the entry's people."""
    own = set(words(fold(" ".join(entry.people))))
    if premise.years and not set(premise.years) <= set(words(fold(entry.title))):
        return True
    stated_any = premise.days or premise.time or premise.window or premise.count
    return bool(stated_any or any(fold(n) not in own for n in premise.names))


def correction(wrong: Sequence[str]) -> str:
    """The phrase put before a record answer whose entry contradicts the question ("Not on Tuesday:")."""
    text = "; ".join(wrong)
    return text[:1].upper() + text[1:] + ":"


def _unhyphen(text: str) -> str:
    """Hyphenated words by their parts ("gold-medal-equivalent" is gold, medal, equivalent)."""
    return text.replace("-", " ")


def _asked_beyond(topic: Sequence[str], entry: Entry) -> list[str]:
    """The question's topic words beyond the entry's title and people: what a yes/no question asks of it."""
    named = set(content_words(_unhyphen(f"{entry.title} {' '.join(entry.people)}")))
    # "Do the X authors find …": the authors identify the entry like its title does.
    return [t for t in dict.fromkeys(topic) if not stem_matches(t, named) and t not in _RECORD_STEMS]


def affirmed(topic: Sequence[str], entry: Entry, span: str, question: str = "") -> bool:
    """Whether a span affirms a yes/no question about an entry's content. Each of the question's topic words beyond
    the entry's title and people either identifies the entry (it stands elsewhere in the entry's text) or is part of
    what is asked; what is asked must stand in the span: at least one word in it, and none missing from both span
    and entry (one may be, among four or more: a question's own verb or filler)."""
    asked = _asked_beyond(topic, entry)
    in_span = set(content_words(_unhyphen(span)))
    in_entry = set(content_words(_unhyphen(entry.text)))
    said = sum(stem_matches(t, in_span) for t in asked)
    missing = sum(not stem_matches(t, in_span) and not stem_matches(t, in_entry) for t in asked)
    same_polarity = _span_negated(asked, span) == _negated(asked, question)
    return said >= 1 and missing <= (1 if len(asked) >= 4 else 0) and same_polarity


_NEGATION = frozenset(
    "not no never without neither nor lacks lack fails fail below unlike instead free cannot unable impossible "
    "little".split()
)


def _negated(asked: Sequence[str], span: str) -> bool:
    """Whether the span negates or contrasts one of the asked words close by ("training-free", "without labels",
    "significantly below an average student"): it then does not affirm the question, whatever words it shares."""
    tokens = words(span.replace("-", " "))
    for i, token in enumerate(tokens):
        if token in _NEGATION:
            near = {s for s in content_words(" ".join(tokens[max(0, i - 3) : i + 6]))}
            if any(stem_matches(t, near) for t in asked):
                return True
    return False


def _span_negated(asked: Sequence[str], span: str) -> bool:
    """Whether the span negates what is asked: every sentence of it that speaks of an asked word negates or
    contrasts it ("instead of using attention" beside "using a mechanism of attention" is no denial)."""
    speaking = [
        s for s in split_sentences(span) if any(stem_matches(t, set(content_words(_unhyphen(s)))) for t in asked)
    ]
    return bool(speaking) and all(_negated(asked, s) for s in speaking)


def yes_no_topic(question: str) -> tuple[str, ...]:
    """The topic words a yes/no verdict weighs, hyphenated words by their parts ("gold-medal-equivalent" affirms
    "gold medal level")."""
    return topic_words(_unhyphen(question))


def span_verdict(topic: Sequence[str], question: str, entry: Entry, span: str) -> str:
    """ "No." when the span denies a yes/no question about the entry's content (:func:`denied`), "Yes." when it
    affirms it (:func:`affirmed`), else empty. ``topic`` is :func:`yes_no_topic` of the question."""
    if denied(topic, question, entry, span):
        return "No."
    return "Yes." if affirmed(topic, entry, span, question) else ""


def denied(topic: Sequence[str], question: str, entry: Entry, span: str) -> bool:
    """Whether a span answers a yes/no question about an entry's content with no: it carries what is asked but
    negates or contrasts it close by ("training-free", "cannot learn", "significantly below"), or it states another
    value of the same measure where the question's value is in no part of the entry ("a 3-layer network" against
    "a 5-layer network")."""
    asked = _asked_beyond(topic, entry)
    in_span = set(content_words(_unhyphen(span)))
    # The span's polarity must differ from the question's own ("is it training-free?" against "training-free").
    flipped = _span_negated(asked, span) != _negated(asked, question)
    if asked and flipped and any(stem_matches(t, in_span) for t in asked):
        return True
    if count_contradicted(question, span):
        return True  # "does it have four parts?" against "it has three parts"
    stated_values = [t for t in TOKEN.findall(question) if any(c.isdigit() for c in t) and value_shape(t) != "#"]
    missing = unmentioned(stated_values, [entry])
    span_shapes = {value_shape(t): t for t in TOKEN.findall(span) if any(c.isdigit() for c in t)}
    return any(value_shape(t) in span_shapes and span_shapes[value_shape(t)] != t for t in missing)
