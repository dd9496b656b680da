"""The model's part of an answer: show it the best evidence sentences, verify every sentence it writes against one
span, keep only what a span supports, and fall back to quoting the span that answers the question when none of its
sentences holds up (rather than abstaining when the evidence is there)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from assistant.cite import AnswerSentence, Citer
from assistant.evidence import EntryEvidence, SentenceScorer, Span
from assistant.intent import Intent, asks_each, has_attribute
from assistant.llm.base import ChatMessage, ChatModel
from assistant.prompts import PromptSet, SourceBlock
from assistant.quotes import CONTEXT_ENTRIES, asked_topic, choose_quote, known_names, named_words, names_beyond
from assistant.understand import asks_for_names, ends_in_members, is_keyword_query
from assistant.verify import ClaimContext, best_support
from index.entries import Entry
from index.text import (
    SENTENCE_BOUNDARY,
    content_words,
    ends_with_abbreviation,
    split_sentences,
    strip_markers,
)

BEST_ENTRY_WORDS = 60
OTHER_ENTRY_WORDS = 25
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
        focus, asked = asked_topic(question, intent)
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
        yes_no: bool = False,
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
        # Likewise when it asks which things ("which datasets …"): a sentence naming none of them ("a new dataset")
        # is held while a quote may name them.
        names_given = _names_given(question, intent, evidence)
        hold = intent.attribute is not None or names_given is not None
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
                if said >= wanted or (len(pending) >= wanted and self._states(intent, pending, names_given)):
                    break
        finally:
            close = getattr(reply, "close", None)
            if close is not None:
                close()  # stops the model once enough is said: generated tokens are a large share of answer time
        held = pending if hold and not self._states(intent, pending, names_given) else []
        if hold and not held:
            for claim, supports in pending:
                cited.update(entry.id for entry, _ in supports)
                yield citer.sentence(claim, supports)
            draft.route = "generated" if pending else draft.route
        elif pending:
            draft.dropped.extend(claim for claim, _ in pending)
        if draft.route != "generated":
            quotable = [ev for ev in evidence if ev.entry.id in named] or list(evidence)
            about_named = bool(quotable) and quotable[0].entry.id in named
            quoted = (
                choose_quote(question, intent, quotable, draft.dropped, yes_no=yes_no, about_named=about_named)
                if confident
                else None
            )
            if quoted is not None:
                draft.route = "quoted"
                cited.add(quoted[0].id)
                yield _quotation(citer, *quoted)
            elif held and names_given is not None and intent.attribute is None:
                # No span names them either: the verified sentences are the best the evidence gives.
                for claim, supports in held:
                    cited.update(entry.id for entry, _ in supports)
                    yield citer.sentence(claim, supports)
                draft.route = "generated"
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
        names = {w for ev in evidence if ev.entry.id in named for w in named_words(ev.entry)}
        each = replace(
            intent, topic=tuple(t for t in intent.topic if t not in names), identifies=True, parts=(question,)
        )
        for ev in evidence:
            if ev.entry.id in named and ev.entry.id not in cited:
                quoted = choose_quote(question, each, [ev])
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
    def _states(
        intent: Intent, pending: Sequence[tuple[str, object]], names_given: frozenset[str] | None = None
    ) -> bool:
        """Whether one of the held sentences states the kind of value the question asks for, and, when it asks
        which things (``names_given``: what the question and the entries' titles already name), names one."""
        return any(
            has_attribute(claim, intent.attribute, intent.counted, intent.measure)
            and (names_given is None or names_beyond(claim, names_given) > 0)
            for claim, _ in pending
        )


def _names_given(question: str, intent: Intent, evidence: Sequence[EntryEvidence]) -> frozenset[str] | None:
    """For a question asking which things ("what benchmarks …", "X datasets", not "which paper …"): what the
    question and the entries' titles and people already name (:func:`known_names`); None for any other question."""
    if intent.identifies or len(intent.parts) > 1 or not asks_for_names(question):
        return None  # a question of two parts streams its first part's sentence as soon as it holds up
    if is_keyword_query(question) and not ends_in_members(question):
        return None
    return known_names(" ".join([question, *(f"{ev.entry.title} {' '.join(ev.entry.people)}" for ev in evidence)]))


def _quotation(citer: Citer, entry: Entry, span: Span) -> AnswerSentence:
    """The span shown as a quotation of its entry, cited."""
    who = f" ({', '.join(entry.people)})" if entry.people else ""
    return citer.sentence(f"According to “{entry.title}”{who}: “{span.text}”", [(entry, span.text)])


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
