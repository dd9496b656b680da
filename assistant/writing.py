"""The model's part of an answer: show it the best evidence sentences, verify every sentence it writes against one
span, keep only what a span supports, and fall back to quoting the span that answers the question when none of its
sentences holds up (rather than abstaining when the evidence is there)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from assistant.cite import AnswerSentence, Citer
from assistant.evidence import MAX_SPAN_SENTENCES, EntryEvidence, SentenceScorer, Span
from assistant.intent import Intent, ask_part, asks_each, has_attribute, topic_words
from assistant.llm.base import ChatMessage, ChatModel
from assistant.prompts import PromptSet, SourceBlock
from assistant.understand import asks_for_names
from assistant.verify import ClaimContext, best_support
from assistant.verify_framing import counts_a_class, enumerates
from index.entries import Entry
from index.terms import TOKEN, distinctive_terms
from index.text import (
    SENTENCE_BOUNDARY,
    content_words,
    ends_with_abbreviation,
    fold,
    split_sentences,
    stem_matches,
    strip_markers,
)

CONTEXT_ENTRIES = 2
BEST_ENTRY_WORDS = 60
OTHER_ENTRY_WORDS = 25
QUOTE_SHARE = 0.8  # sentences scoring this share of an entry's best are tried, in order, for the span that answers
# The model is stopped after this many sentences in a row that no span supports: a reply that has gone astray rarely
# comes back, and every further token costs time before the quoted fallback can answer.
MAX_UNSUPPORTED_RUN = 2
# Prompt processing (~60 tokens/s on 2 cores) dominates answer time: these keep the user message near 200 tokens.
_DONT_KNOW = re.compile(
    r"\b(i don'?t know|do not know|not (mentioned|stated|specified|provided|given|included) in|"
    r"(sources|corpus|context) (do|does) not|no information|cannot (answer|determine|find)|"
    r"unable to (answer|determine|find))\b",
    re.I,
)


@dataclass
class Draft:
    """What the model step produced: verified sentences, the ones dropped, the route, the prompt."""

    sentences: list[AnswerSentence] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    route: str = ""
    prompt: list[ChatMessage] = field(default_factory=list)


def short_header(entry: Entry) -> str:
    """The header of a source as the model sees it: title, kind, people (dates and times are answered from the
    records, not by the model)."""
    facts = [entry.kind, ", ".join(entry.people)]
    return f"“{entry.title}” ({'; '.join(f for f in facts if f)})"


def _context(question: str, entry: Entry) -> ClaimContext:
    return ClaimContext(question=question, title=entry.title, header=entry.metadata_line(), people=tuple(entry.people))


def _candidates(evidence: Sequence[EntryEvidence]) -> list[list[str]]:
    """Sentences a claim may rest on, per entry: its text (the record line only names who and when, which record
    answers give; a sentence resting on it alone would say nothing about the content)."""
    return [list(ev.sentences) for ev in evidence]


def _asked_topic(question: str, intent: Intent) -> tuple[str, tuple[str, ...]]:
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
    rest = _beyond_named(intent.topic, entry)
    if not rest:
        return True
    span_words = set(content_words(span_text))
    in_span = sum(stem_matches(t, span_words) or (t == "year" and has_attribute(span_text, "year")) for t in rest)
    if intent.identifies and len(intent.parts) == 1:
        return in_span >= 1
    if sum(stem_matches(t, set(content_words(entry.text))) for t in rest) < len(rest) / 3:
        return False
    return in_span >= min(2, len(rest))


@dataclass
class GroundedWriter:
    """Asks the chat model for an answer over evidence sentences and keeps what the evidence supports."""

    chat_model: ChatModel
    prompts: PromptSet
    scorer: SentenceScorer
    max_tokens: int = 120

    def evidence(self, question: str, intent: Intent, entries: Sequence[Entry]) -> list[EntryEvidence]:
        """Scored sentences of the best retrieved entries. A title the question names is left out of what the
        sentences are compared with: the sentence that repeats the title is rarely the one that answers."""
        chosen = list(entries)[:CONTEXT_ENTRIES]
        focus, asked = _asked_topic(question, intent)
        topic = list(asked)
        for entry in chosen:
            if entry.title.lower() in focus.lower():
                focus = re.sub(re.escape(entry.title), " ", focus, flags=re.I)
                title_stems = set(content_words(entry.title))
                topic = [t for t in topic if t not in title_stems]
        return self.scorer.score(focus if focus.strip() else question, topic or intent.topic, chosen)

    def sources(self, evidence: Sequence[EntryEvidence]) -> list[SourceBlock]:
        """Numbered sources for the prompt: the best entry gets more room than the rest."""
        blocks = []
        for i, ev in enumerate(evidence, start=1):
            budget = BEST_ENTRY_WORDS if i == 1 else OTHER_ENTRY_WORDS
            text = " ".join(ev.sentences[j] for j in ev.best_sentences(budget)) or ev.entry.metadata_line()
            blocks.append(SourceBlock(i, short_header(ev.entry), text))
        return blocks

    def write(
        self,
        question: str,
        intent: Intent,
        evidence: Sequence[EntryEvidence],
        citer: Citer,
        draft: Draft,
        *,
        confident: bool,
        named: Sequence[str] = (),
    ) -> Iterator[AnswerSentence]:
        """Verified sentences as the model writes them; then, if none held up, a quoted span when one answers the
        question (from the entries the question ``named``, by id, when it names any); for a comparison, a quoted
        span of each named entry the answer has not drawn on. ``draft`` collects the route, dropped sentences and
        prompt."""
        # A question naming one entry is about that entry: the model reads it alone (prompt processing, ~60 tokens a
        # second here, is most of an answer's time; the other entry's ~50 tokens would only distract).
        about_one = len(named) == 1 and bool(evidence) and evidence[0].entry.id == named[0]
        messages = self.prompts.answer_messages(question, self.sources(evidence[:1] if about_one else evidence))
        draft.prompt = [dict(m) for m in messages]  # type: ignore[misc]
        contexts = [_context(question, ev.entry) for ev in evidence]
        # When the question asks for a kind of value (a number, a year, hardware), hold sentences back until one of
        # them states it: verified sentences that do not are no answer to it.
        hold = intent.attribute is not None
        pending: list[tuple[str, list[tuple[Entry, str]]]] = []
        wanted = max(1, len(intent.parts))  # a verified sentence per part of the question is enough
        said = 0
        cited: set[str] = set()
        reply = self.chat_model.stream(messages, max_tokens=self.max_tokens)
        try:
            for claim, supports in self._verified(reply, evidence, contexts, draft):
                pending.append((claim, supports))
                if not hold:
                    cited.update(entry.id for entry, _ in supports)
                    yield citer.sentence(*pending.pop())
                    draft.route = "generated"
                    said += 1
                if said >= wanted or (len(pending) >= wanted and self._states(intent, pending)):
                    break
        finally:
            close = getattr(reply, "close", None)
            if close is not None:
                close()  # stops the model once enough is said: generated tokens are a large share of answer time
        if hold and self._states(intent, pending):
            for claim, supports in pending:
                cited.update(entry.id for entry, _ in supports)
                yield citer.sentence(claim, supports)
            draft.route = "generated"
        elif pending:
            draft.dropped.extend(claim for claim, _ in pending)
        if draft.route != "generated":
            quotable = [ev for ev in evidence if ev.entry.id in named] or list(evidence)
            quoted = self.quote(question, intent, quotable, draft.dropped) if confident else None
            if quoted is not None:
                draft.route = "quoted"
                cited.add(quoted[0].id)
                yield _quotation(citer, *quoted)
        if asks_each(question) and len(named) >= 2:
            for sentence in self._quote_each(question, intent, evidence, named, cited, citer):
                draft.route = draft.route or "quoted"
                yield sentence
        if not cited:
            draft.route = "abstained:" + ("nothing verified" if draft.dropped else "model declined")

    def _quote_each(
        self,
        question: str,
        intent: Intent,
        evidence: Sequence[EntryEvidence],
        named: Sequence[str],
        cited: set[str],
        citer: Citer,
    ) -> Iterator[AnswerSentence]:
        """ "Compare A and B", "what does each do?": every named entry the answer has not drawn on yet (``cited``,
        updated) gets the span of its own that answers, quoted. The entry is known, so its span need only carry one
        word of the topic beyond the names of the entries compared."""
        names = {w for ev in evidence if ev.entry.id in named for w in _named_words(ev.entry)}
        each = replace(
            intent, topic=tuple(t for t in intent.topic if t not in names), identifies=True, parts=(question,)
        )
        for ev in evidence:
            if ev.entry.id in named and ev.entry.id not in cited:
                quoted = self.quote(question, each, [ev])
                if quoted is not None:
                    cited.add(ev.entry.id)
                    yield _quotation(citer, *quoted)

    def _verified(
        self,
        reply: Iterator[str],
        evidence: Sequence[EntryEvidence],
        contexts: Sequence[ClaimContext],
        draft: Draft,
    ) -> Iterator[tuple[str, list[tuple[Entry, str]]]]:
        """Each sentence of the model's reply that a span supports, with its supporting spans; the rest go to
        ``draft.dropped``."""
        candidates = _candidates(evidence)
        ids = [ev.entry.id for ev in evidence]
        unsupported = 0
        for raw in stream_sentences(reply):
            claim = _without_verdict(strip_markers(raw))
            if not claim:
                continue
            supports = [] if _DONT_KNOW.search(claim) else best_support(claim, candidates, contexts, ids)
            if not supports:
                draft.dropped.append(claim)
                unsupported += 1
                if unsupported >= MAX_UNSUPPORTED_RUN:
                    return
                continue
            unsupported = 0
            yield claim, [(evidence[s.candidate].entry, s.span.text) for s in supports]

    @staticmethod
    def _states(intent: Intent, pending: Sequence[tuple[str, object]]) -> bool:
        """Whether one of the held sentences states the kind of value the question asks for."""
        return any(has_attribute(claim, intent.attribute, intent.counted, intent.measure) for claim, _ in pending)

    def quote(
        self, question: str, intent: Intent, evidence: Sequence[EntryEvidence], dropped: Sequence[str] = ()
    ) -> tuple[Entry, Span] | None:
        """The span of the two best entries that answers what the question asks for, if any: first the sentence
        the model's own (unverified) sentences point at, by the words they add to the question; then each entry's
        best-scoring span."""
        pointed = _pointed_span(question, evidence[:CONTEXT_ENTRIES], dropped)
        if pointed is not None and (
            answers_topic(intent, pointed[0].entry, pointed[1].text)
            or (intent.attribute is None and _restates(dropped, pointed[1].text, question))
        ):
            return pointed[0].entry, pointed[1]
        _, question_words = _asked_topic(question, intent)
        for ev in evidence[:CONTEXT_ENTRIES]:
            # What the question adds to naming the entry is what the quoted span must carry.
            asked = _beyond_named(question_words, ev.entry) or list(question_words)
            # A value asked for (a number, a year) must come from the span most about the ask: some other sentence
            # that happens to hold a number is no answer. Otherwise nearly-as-relevant sentences are tried too, and
            # of those that answer, the one carrying most of what is asked wins (the best-scoring sentence often
            # matches the question's description of the entry, not its ask).
            others = ev.top_spans(QUOTE_SHARE) if intent.attribute is None else []
            answering = [
                span
                for candidate in [ev.best_span(), *others, *_most_covering(ev, asked)]
                for span in _widened(ev, candidate)
                if answers_topic(intent, ev.entry, span.text)
            ]
            if answering:
                given = f"{question} {ev.entry.title} {' '.join(ev.entry.people)}"
                naming = asks_for_names(question)
                best = max(
                    answering, key=lambda span: (_covered(asked, span.text), naming and _names(span.text, given))
                )
                return ev.entry, _enumeration_completed(ev, best)
        return _only_statement(intent, evidence[:1])


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


def _most_covering(ev: EntryEvidence, asked: Sequence[str]) -> list[Span]:
    """The sentences carrying the most of the question's words (two at least), as one-sentence spans: a question's
    rare words ("Llama2", a method's name) often stand in a sentence less close in meaning than the best one."""
    covered = [(_covered(asked, sentence), i) for i, sentence in enumerate(ev.sentences)]
    most = max((n for n, _ in covered), default=0)
    return [ev.span_of([i]) for n, i in covered if n == most and n >= min(2, len(asked))][:2]


def _named_words(entry: Entry) -> set[str]:
    """Stems of the entry's title, people and affiliation, and the affiliation's initials ("nyu")."""
    affiliation = entry.affiliation or ""
    initials = "".join(w[0] for w in re.findall(r"[A-Z][\w-]*", affiliation)).lower()
    return set(content_words(f"{entry.title} {' '.join(entry.people)} {affiliation}")) | ({initials} - {""})


def _beyond_named(topic: Sequence[str], entry: Entry) -> list[str]:
    """The topic words that are not words of the entry's title or people: what a question adds to naming it."""
    named = _named_words(entry)
    return [t for t in topic if not (t in named or any(_variant(t, n) for n in named))]


def _variant(word: str, named: str) -> bool:
    """Whether two stems are one word's forms (one extends the other by at most two letters: "classifi"/"classif"),
    not a compound built on a title word ("kernelgym" in an entry titled "… Kernel …" is a new name)."""
    short, long = sorted((word, named), key=len)
    return len(short) >= 5 and long.startswith(short) and len(long) - len(short) <= 2


def _quotation(citer: Citer, entry: Entry, span: Span) -> AnswerSentence:
    """The span shown as a quotation of its entry, cited."""
    who = f" ({', '.join(entry.people)})" if entry.people else ""
    return citer.sentence(f"According to “{entry.title}”{who}: “{span.text}”", [(entry, span.text)])


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


def _names(text: str, given: str) -> int:
    """How many names and values the text states that ``given`` (the question, the entry's title and people) does
    not: of two spans carrying what is asked, the one naming its members ("two benchmarks: Real and Join") answers,
    the one pointing at them ("these benchmarks") does not."""
    known = {fold(t) for t in TOKEN.findall(given)}
    return sum(fold(t) not in known for t in distinctive_terms(text))


def _covered(asked: Sequence[str], text: str) -> int:
    """How many of the asked-about stems the text carries."""
    vocab = set(content_words(text))
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
        named = _named_words(ev.entry)
        for i, sentence in enumerate(ev.sentences):
            shared = len((said - named) & set(content_words(sentence)))
            if shared >= 2 and (best is None or shared > best[0]):
                best = (shared, ev, i)
    return None if best is None else (best[1], best[1].span_of([best[2]]))


_VERDICT_LEAD = re.compile(r"^\s*(?:yes|no)\b[,.;:!]?\s*(?:—|-)?\s*", re.I)


def _without_verdict(claim: str) -> str:
    """The model's sentence without a leading "Yes,"/"No,": whether the answer is yes or no is decided by code from
    the evidence, never taken from the model."""
    rest = _VERDICT_LEAD.sub("", claim, count=1)
    if rest == claim or len(rest.split()) < 3:
        return claim if rest == claim else ""
    return rest[:1].upper() + rest[1:]


def stream_sentences(pieces: Iterator[str]) -> Iterator[str]:
    """Whole sentences from streamed text pieces, each as soon as the next one has begun; the tail at the end."""
    buffer = ""
    for piece in pieces:
        buffer += piece
        boundaries = [b for b in SENTENCE_BOUNDARY.finditer(buffer) if not ends_with_abbreviation(buffer[: b.start()])]
        if boundaries:
            cut = boundaries[-1]
            yield from split_sentences(buffer[: cut.start()])
            buffer = buffer[cut.end() :]
    yield from split_sentences(buffer)
