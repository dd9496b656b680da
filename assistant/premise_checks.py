"""Checks of what a question assumes, run before and while it is answered: the record premises of a question naming a
talk or tutorial, a count the entry gives otherwise, a topic put in the wrong person's talk, and the Yes./No. verdict
of a yes/no question from the span its first answer sentence rests on."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import NamedTuple

from assistant.cite import AnswerSentence
from assistant.intent import Intent
from assistant.premises import RECORD_WORDS, checks_record, contradicted, span_verdict, stated, yes_no_topic
from assistant.record_answers import record_sentence
from assistant.retrieve import Passage
from assistant.understand import asking_sentence
from index.entries import Entry
from index.terms import count_contradicted, value_contradicted, value_shape
from index.text import NUMBER_WORDS, content_words, normalize_title, readable, stem_matches

WRONG_PERSON_MARGIN = 0.15
"""How much closer in meaning (MiniLM cosine) another talk must be to the question's topic than the named person's
own talk before the question is taken to have put the topic in the wrong person's talk."""


def verdict(question: str, sentence: AnswerSentence, entries: Mapping[str, Entry]) -> str:
    """ "Yes." or "No." when the first answer sentence's evidence affirms or denies a yes/no question about its
    entry's content; empty when it does neither (the evidence is shown without a verdict)."""
    ref = next((r for r in sentence.spans if r.entry_id in entries), None)
    if ref is None:
        return ""
    return span_verdict(yes_no_topic(question), question, entries[ref.entry_id], ref.quote)


def other_value(missing: Sequence[str], entries: Sequence[Entry]) -> bool:
    """Whether every missing term is a value ("5-layer") of which the entries state another ("3-layer")."""
    if not all(any(c.isdigit() for c in t) for t in missing):
        return False
    text = " ".join(e.text for e in entries).lower()
    return all(
        value_shape(t) != "#" and re.search(re.escape(value_shape(t)).replace("\\#", r"\d+(?:\.\d+)?"), text)
        for t in missing
    )


def other_speaker(
    intent: Intent,
    named: Entry,
    pool: Sequence[Entry],
    similarity: Callable[[str, list[Entry]], dict[str, float]],
    min_relevance: float,
) -> Entry | None:
    """The talk or tutorial the question's topic is about when the question names another person for it ("in
    X's talk on <topic>" where <topic> is Y's): the entry of that kind whose text is much closer in meaning to
    the topic than the named person's entry, by :data:`WRONG_PERSON_MARGIN`."""
    if named.kind == "paper" or not named.people or not intent.topic_phrase or len(intent.topic) < 3:
        return None
    if not named.text.strip():
        return None  # the named talk has no abstract (title TBD): nothing says the topic is not theirs
    names = {w for person in named.people for w in normalize_title(person).split()}
    topic = " ".join(w for w in intent.topic_phrase.split() if normalize_title(w) not in names and "'" not in w)
    if len(topic.split()) < 2:
        return None
    own = set(content_words(named.text))
    asked = content_words(topic)
    if sum(stem_matches(t, own) for t in asked) >= len(asked) / 2:
        return None  # the named person's own abstract speaks of it: no wrong person
    sims = similarity(topic, list(pool))
    best = max(sims, key=sims.__getitem__, default=None)
    if best is None or best == named.id or sims[best] < min_relevance:
        return None
    by_id = {e.id: e for e in pool}
    return by_id.get(best) if sims[best] - sims.get(named.id, 0.0) >= WRONG_PERSON_MARGIN else None


class RecordCheck(NamedTuple):
    """What a question stating something of a talk's or tutorial's record gets right and wrong."""

    entry: Entry
    """The named entry whose record agrees best with the question."""
    wrong: list[str]
    """What the question states that the record does not have ("not on Tuesday"), empty when it agrees."""
    record_only: bool
    """Whether the question asks about the record only (its topic words are all names, days or the entry's people)."""


def checked_premise(
    question: str, intent: Intent, linked: Sequence[Entry], name_words: Collection[str]
) -> RecordCheck | None:
    """For a question naming an entry and stating something of its record (of a talk or tutorial a day, a time, an
    affiliation, another person; of a paper its author count or year): see :class:`RecordCheck`; None when it
    states nothing of a record."""
    candidates = [e for e in linked[:3] if record_sentence(e)]
    premise = stated(question, name_words)
    if candidates and candidates[0].kind == "paper":
        premise = premise.of_paper()
        candidates = [e for e in candidates if e.kind == "paper"]
    if not candidates or not checks_record(premise, candidates[0]):
        return None
    wrong, entry = min(((contradicted(premise, [e], ""), e) for e in candidates), key=lambda pair: len(pair[0]))
    said = [*premise.names, *premise.organisations, *premise.days, *entry.people, *RECORD_WORDS]
    said += [premise.count[2]] if premise.count else []  # "at least three authors"
    said += ["morning afternoon evening before after between until noon lunch"] if premise.window else []
    if entry.kind == "paper":
        said.append(entry.title)  # a paper is named by its title; its record has no people to name it by
    stated_words = set(content_words(" ".join(said)))
    # A count stated as one word ("four-author") is record words by its parts.
    rest = [t for t in intent.topic if not all(_said(part, stated_words) for part in t.split("-"))]
    return RecordCheck(entry, wrong, not rest)


def _said(word: str, stated_words: Collection[str]) -> bool:
    return word.isdigit() or word in NUMBER_WORDS or stem_matches(word, stated_words)


def count_premise(question: str, linked: Sequence[Entry], passages: Sequence[Passage]) -> tuple[Entry, str, str] | None:
    """The entry the question is about (named, else ranked first), the count or value the question states ("the
    four parts", "20-fold"), and the entry's sentence that gives another, when they disagree."""
    entry = linked[0] if linked else next((p.entry for p in passages[:1] if p.entry is not None), None)
    if entry is None:
        return None
    asked = asking_sentence(question)
    found = count_contradicted(asked, entry.text) or value_contradicted(asked, readable(entry.text))
    return (entry, *found) if found else None
