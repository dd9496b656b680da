"""Choosing the span to quote: the span of one of the best entries that answers what the question asks, when
none of the model's sentences holds up (a quote rather than an abstention when the evidence is there). The span
must carry the kind of value asked for and what the question adds to naming its entry; of the spans that do, the
one carrying most of the ask, naming what is asked for, and running on through items it announces."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.evidence import MAX_SPAN_SENTENCES, EntryEvidence, Span
from assistant.intent import Intent, ask_part, has_attribute, topic_words
from assistant.premises import span_verdict, yes_no_topic
from assistant.understand import asks_for_names
from assistant.verify_framing import counts_a_class, enumerates
from index.entries import Entry
from index.terms import TOKEN, distinctive_terms
from index.text import content_words, fold, stem_matches

CONTEXT_ENTRIES = 2
QUOTE_SHARE = 0.8  # sentences scoring this share of an entry's best are tried, in order, for the span that answers


def choose_quote(
    question: str,
    intent: Intent,
    evidence: Sequence[EntryEvidence],
    dropped: Sequence[str] = (),
    *,
    yes_no: bool = False,
    about_named: bool = False,
) -> tuple[Entry, Span] | None:
    """The span of the two best entries that answers what the question asks for, if any. When the model's own
    (unverified) sentences point at a sentence that answers, by the words they add to the question, its entry is
    the one quoted and that sentence is one of the candidates; otherwise each entry's best-scoring spans are tried
    in turn. Of the answering spans, the one carrying most of the ask (then, for a ``yes_no`` question, one that
    says yes or no to it; then naming most, when things are asked for). When none answers, a yes/no question
    ``about_named`` entry (the first of ``evidence``) gets its closest sentence (:func:`_closest_statement`)."""
    pointed = _pointed_span(question, evidence[:CONTEXT_ENTRIES], dropped)
    entries = list(evidence[:CONTEXT_ENTRIES])
    if pointed is not None and answers_topic(intent, pointed[0].entry, pointed[1].text):
        # The entry the model pointed at is quoted; its pointed sentence competes with that entry's other
        # answering spans (the model often points at the sentence that frames the answer, not the one naming it).
        entries = [pointed[0]]
    elif pointed is not None and intent.attribute is None and _restates(dropped, pointed[1].text, question):
        return pointed[0].entry, _enumeration_completed(pointed[0], pointed[1])
    else:
        pointed = None
    _, question_words = asked_topic(question, intent)
    verdict_topic = yes_no_topic(question) if yes_no else ()
    for ev in entries:
        # What the question adds to naming the entry is what the quoted span must carry.
        asked = beyond_named(question_words, ev.entry) or list(question_words)
        # A value asked for (a number, a year) must come from the span most about the ask: some other sentence
        # that happens to hold a number is no answer. Otherwise nearly-as-relevant sentences are tried too, and
        # of those that answer, the one carrying most of what is asked wins (the best-scoring sentence often
        # matches the question's description of the entry, not its ask).
        others = ev.top_spans(QUOTE_SHARE) if intent.attribute is None else []
        first = [pointed[1]] if pointed is not None else []
        answering = [
            span
            for candidate in [*first, ev.best_span(), *others, *_most_covering(ev, asked)]
            for span in _widened(ev, candidate)
            if answers_topic(intent, ev.entry, span.text)
        ]
        if answering:
            known = known_names(f"{question} {ev.entry.title} {' '.join(ev.entry.people)}")
            naming = asks_for_names(question)
            best = max(
                answering,
                key=lambda span: (
                    _covered(asked, span.text),
                    yes_no and bool(span_verdict(verdict_topic, question, ev.entry, span.text)),
                    naming and names_beyond(span.text, known),
                ),
            )
            return ev.entry, _enumeration_completed(ev, best)
    stating = _only_statement(intent, evidence[:1])
    if stating is None and yes_no and about_named and evidence:
        asked = beyond_named(question_words, evidence[0].entry)
        return _closest_statement(question, intent, evidence[0], asked, verdict_topic)
    return stating


def asked_topic(question: str, intent: Intent) -> tuple[str, tuple[str, ...]]:
    """The part of the question that asks (``ask_part``) and its topic words: those of that part when a description
    of the entry comes before it, else the whole question's."""
    focus = ask_part(question)
    return focus, (topic_words(focus) if focus != question else intent.topic)


def answers_topic(intent: Intent, entry: Entry, span_text: str) -> bool:
    """Whether a span answers what the question asks about the entry: the kind of value asked for is in the span;
    at least a third of the question's topic words beyond the entry's title and people occur somewhere in the entry
    (a question about things the entry never mentions is not answered by it, however relevant the entry); and the
    span itself carries at least two of them (one, if that is all there is). A question that only asks which entry
    it is ("which paper shows …?") is answered by the entry itself: one topic word in the span is enough."""
    if not has_attribute(span_text, intent.attribute, intent.counted, intent.measure):
        return False
    rest = beyond_named(intent.topic, entry)
    if not rest:
        return True
    span_words = _vocabulary(span_text)
    in_span = sum(stem_matches(t, span_words) or (t == "year" and has_attribute(span_text, "year")) for t in rest)
    if intent.identifies and len(intent.parts) == 1:
        return in_span >= 1
    if sum(stem_matches(t, _vocabulary(entry.text)) for t in rest) < len(rest) / 3:
        return False
    return in_span >= min(2, len(rest))


def _enumeration_completed(ev: EntryEvidence, span: Span) -> Span:
    """The span from a sentence that counts a class ("on two tasks that differ in domain") through the items that
    follow it ("First, … Second, …"): the count announces, the items answer."""
    for i in range(span.start, span.end):
        if i + 1 < len(ev.sentences) and counts_a_class(ev.sentences[i]) and enumerates(ev.sentences[i + 1]):
            return ev.span_of(list(range(i, min(i + MAX_SPAN_SENTENCES, len(ev.sentences)))))
    return span


def _only_statement(intent: Intent, evidence: Sequence[EntryEvidence]) -> tuple[Entry, Span] | None:
    """For a question asking for a specific measure (a duration, an accuracy, a speed-up): the one sentence of the
    entry it is about that states such a value, when exactly one does. The question's other
    words may be the asker's paraphrase ("produce" for "generating"); a value of that kind stated once is the answer."""
    if intent.measure is None:
        return None
    for ev in evidence:
        stating = [
            i for i, s in enumerate(ev.sentences) if has_attribute(s, intent.attribute, intent.counted, intent.measure)
        ]
        if len(stating) == 1:
            return ev.entry, ev.span_of(stating)
    return None


CLOSEST_SCORE = 0.5
"""The least score (meaning plus shared words, see :meth:`SentenceScorer.score`) of the sentence quoted for a yes/no
question about a named entry when no span answers it by its words."""


def _closest_statement(
    question: str, intent: Intent, ev: EntryEvidence, asked: Sequence[str], topic: Sequence[str]
) -> tuple[Entry, Span] | None:
    """For a yes/no question about a named entry whose words no span carries enough of (the asker paraphrases: "about
    as good as a grad student" for "significantly below an average graduate student"): of the entry's sentences
    closest in meaning to the question that carry one of its asked words and the kind of value it asks for, the
    first that says yes or no to it (:func:`span_verdict`; ``topic`` is :func:`yes_no_topic`), else the closest."""
    if not ev.sentences:
        return None
    candidates = [
        span
        for span in ev.top_spans(QUOTE_SHARE)
        if ev.scores[span.start] >= CLOSEST_SCORE
        and _covered(asked, span.text)
        and has_attribute(span.text, intent.attribute, intent.counted, intent.measure)
    ]
    if not candidates:
        return None

    decisive = [span for span in candidates if span_verdict(topic, question, ev.entry, span.text)]
    return ev.entry, _enumeration_completed(ev, (decisive or candidates)[0])


def _most_covering(ev: EntryEvidence, asked: Sequence[str]) -> list[Span]:
    """The sentences carrying the most of the question's words (two at least), as one-sentence spans: a question's
    rare words ("Llama2", a method's name) often stand in a sentence less close in meaning than the best one."""
    covered = [(_covered(asked, sentence), i) for i, sentence in enumerate(ev.sentences)]
    most = max((n for n, _ in covered), default=0)
    return [ev.span_of([i]) for n, i in covered if n == most and n >= min(2, len(asked))][:2]


def named_words(entry: Entry) -> set[str]:
    """Stems of the entry's title, people and affiliation (a hyphenated word whole and by its parts: "IMO-level"
    names "imo"), and the affiliation's initials ("nyu")."""
    affiliation = entry.affiliation or ""
    initials = "".join(w[0] for w in re.findall(r"[A-Z][\w-]*", affiliation)).lower()
    return _vocabulary(f"{entry.title} {' '.join(entry.people)} {affiliation}") | ({initials} - {""})


def beyond_named(topic: Sequence[str], entry: Entry) -> list[str]:
    """The topic words that are not words of the entry's title or people: what a question adds to naming it."""
    named = named_words(entry)
    return [t for t in topic if not (t in named or any(_variant(t, n) for n in named))]


def _variant(word: str, named: str) -> bool:
    """Whether two stems are one word's forms (one extends the other by at most two letters: "classifi"/"classif"),
    not a compound built on a title word ("kernelgym" in an entry titled "… Kernel …" is a new name)."""
    short, long = sorted((word, named), key=len)
    return len(short) >= 5 and long.startswith(short) and len(long) - len(short) <= 2


def _widened(ev: EntryEvidence, span: Span | None) -> list[Span]:
    """The span, then the span with the sentence before it, then with the one after: the sentence that answers
    often follows the one that matches the question's description of the entry ("X oversimplifies neurons. We
    suggest reimagining them as Y.")."""
    if span is None:
        return []
    out = [span]
    if span.start > 0:
        out.append(ev.span_of([span.start - 1, span.end - 1]))
    if span.end < len(ev.sentences):
        out.append(ev.span_of([span.start, span.end]))
    return [s for s in out if len(s.sentences) <= MAX_SPAN_SENTENCES]


def known_names(given: str) -> frozenset[str]:
    """The words of ``given`` (the question, the entries' titles and people) as :func:`names_beyond` compares them."""
    return frozenset(fold(t) for t in TOKEN.findall(given))


def names_beyond(text: str, known: frozenset[str]) -> int:
    """How many names and values the text states beyond the ``known`` words (:func:`known_names`): of two spans
    carrying what is asked, the one naming its members ("two benchmarks: Real and Join") answers, the one pointing
    at them ("these benchmarks") does not."""
    return sum(fold(t) not in known for t in distinctive_terms(text))


def _vocabulary(text: str) -> set[str]:
    """The text's stems, a hyphenated word counting whole and by its parts ("gold-medal-equivalent" says "gold")."""
    return set(content_words(text)) | set(content_words(text.replace("-", " ")))


def _covered(asked: Sequence[str], text: str) -> int:
    """How many of the asked-about stems the text carries."""
    vocab = _vocabulary(text)
    return sum(stem_matches(t, vocab) for t in asked)


RESTATED_SHARE = 0.6
"""A model sentence whose own words (beyond the question's) stand in a span at least this much restates that span:
the span is quoted in its place, even when its words are not the question's ("which kinds of models?" answered by
"gradient boosted trees and transformers")."""


def _restates(dropped: Sequence[str], span: str, question: str) -> bool:
    """Whether one of the model's dropped sentences mostly restates the span (see :data:`RESTATED_SHARE`)."""
    asked = set(content_words(question))
    in_span = set(content_words(span))
    for claim in dropped:
        own = set(content_words(claim)) - asked
        if len(own) >= 3 and len(own & in_span) >= RESTATED_SHARE * len(own):
            return True
    return False


def _pointed_span(
    question: str, evidence: Sequence[EntryEvidence], dropped: Sequence[str]
) -> tuple[EntryEvidence, Span] | None:
    """The sentence sharing the most words (at least two) with what the model tried to say beyond the question and
    the entry's title and people (a sentence that names the entry says nothing about which sentence it rests on)."""
    said = set(content_words(" ".join(dropped))) - set(content_words(question))
    best: tuple[int, EntryEvidence, int] | None = None
    for ev in evidence:
        named = named_words(ev.entry)
        for i, sentence in enumerate(ev.sentences):
            shared = len((said - named) & set(content_words(sentence)))
            if shared >= 2 and (best is None or shared > best[0]):
                best = (shared, ev, i)
    return None if best is None else (best[1], best[1].span_of([best[2]]))
