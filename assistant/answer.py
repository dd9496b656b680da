"""The answering pipeline. The question is read once (``assistant.understand``); every answer takes one route, named
in ``Answer.route``:

- ``record``: who / when / where / how-many questions about the entries the question names or describes, rendered
  from the entry records (every field asked for; what the question assumes checked against them; a content part of
  the same question is then written by the model); ``record:premise`` when a question put a topic in the wrong
  person's talk;
- ``summary``: two to six entries about a topic, each quoted;
- ``list``: which talks / papers / tutorials / speakers match a topic, a day, a time of day, an affiliation;
- ``generated``: the model's sentences, each verified against one evidence span;
- ``quoted``: the span that answers the question, quoted, when none of the model's sentences holds up;
- ``abstained``: "The corpus does not say." when no evidence answers it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.answer_types import Answer, AnswerEvent, NoMatchingEntriesError, Run
from assistant.cite import AnswerSentence, Citation, led
from assistant.entity_linking import names_a_title, picks_among
from assistant.intent import Intent, asks_each, read_intent
from assistant.lists import ListContext, find_list, render_empty, render_intro, render_item
from assistant.premise_checks import (
    checked_premise,
    count_premise,
    other_speaker,
    other_value,
    verdict,
)
from assistant.premises import contradicted, correction, stated
from assistant.record_answers import MetadataAnswer, answer_from_metadata, asks_metadata, record_sentence
from assistant.retrieve import Filters, HybridRetriever, Passage
from assistant.summaries import (
    MAX_SUMMARY_ENTRIES,
    either_topic,
    render_summary_intro,
    render_summary_item,
    summary_items,
)
from assistant.understand import Question, asking_sentence, understand
from assistant.writing import CONTEXT_ENTRIES, Draft, GroundedWriter
from index.entries import Entry
from index.terms import distinctive_terms, unmentioned
from index.text import normalize_title

ABSTAIN_TEXT = "The corpus does not say."
OFF_TOPIC_SIMILARITY = 0.42
"""Below this best similarity (MiniLM cosine) to any entry's title or sentence, a leading remark about the asker
("my advisor mentioned this", "for a reading group next week") describes nothing in the corpus; descriptions of an
entry in the asker's own words score 0.45-0.7."""
__all__ = ["ABSTAIN_TEXT", "Answer", "AnswerEvent", "Answerer", "Citation", "NoMatchingEntriesError"]


@dataclass
class Answerer:
    """Runs the pipeline for one question. Holds no per-session state, so one instance serves many users."""

    retriever: HybridRetriever
    writer: GroundedWriter
    top_k: int = 6
    min_relevance: float = 0.3
    quote_min_relevance: float = 0.45
    topic_weights: dict[str, float] = field(default_factory=dict)
    # One question's search (retrieval and evidence scoring: query embeddings, Chroma, BM25) at a time, shared by
    # every Answerer of an Assistant. Record and list answers search nothing and never take it, so under a burst of
    # model questions they compete with one search for the CPU and the interpreter lock, not with all of them; the
    # model questions lose nothing, they queue for the model next.
    search_lock: threading.Lock = field(default_factory=threading.Lock)
    correct: Callable[[str], str] | None = None
    """Corrects misspelt words against the corpus vocabulary before the question is read (none: as typed)."""

    def stream(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        focus: Sequence[Entry] = (),
        retrieval_query: str | None = None,
    ) -> Iterator[AnswerEvent]:
        """Evidence, then verified answer text as it is produced, then a final event with the Answer."""
        run = Run(question, time.perf_counter())
        filters = filters or Filters()
        self.retriever.validate(filters)
        entries = self.retriever.corpus.entries.values()
        if not filters.is_empty() and not any(filters.accepts(e) for e in entries):
            raise NoMatchingEntriesError(f"no entries match these filters ({filters.describe()})")
        q = understand(question, self.correct, self._off_topic)
        question = q.text
        intent = read_intent(question)
        linker = self.retriever.corpus.linker
        linked = [e for e in linker.link(question, focus) if filters.accepts(e)]
        titled = names_a_title(question, linker.by_title(question))
        if len(focus) >= 2 and picks_among(question):
            # "which of those …" after a list: the list question, asked of the previous answer's entries only.
            within = {e.id for e in focus}
            yield from self._list(run, question, intent, Filters(), lambda e: filters.accepts(e) and e.id in within)
            return
        if q.summary and not titled:
            yield from self._summary(run, q, intent, filters)
            return
        if intent.is_list and not titled:
            yield from self._list(run, question, intent, filters)
            return
        if q.asks and intent.kind and linked and all(e.kind != intent.kind for e in linked):
            # "<a paper I use>. Who runs the tutorial on X?": the entry asked about is of the kind named (a person
            # named with the wrong kind, "X's tutorial" for a talk, still names X's entry).
            linked = linker.by_person(question)
        meta = answer_from_metadata(question, linked, focus, q.asks)
        if meta is None and q.asks and not linked:
            # A record question that describes its entry instead of naming it: the entry retrieval is confident in.
            found = self._described_entry(retrieval_query or question, filters, intent)
            if found is not None:
                linked = [found]
                meta = answer_from_metadata(question, linked, focus, q.asks)
        content_parts = [p for p in intent.parts if not asks_metadata(p)]
        if meta is not None and not (meta.abstain and content_parts):
            yield from self._record(run, meta, linked, intent, content_parts, q)
            return
        if meta is None and not linked and not stated(q.text, ()).of_paper().is_empty():
            # A count or a year stated of an entry the question describes ("the four-author paper on X")
            linked = [e for e in [self._described_entry(retrieval_query or question, filters, intent)] if e]
        checked = checked_premise(q.text, intent, linked, linker.name_words) if meta is None and linked else None
        if checked is not None and q.yes_no and checked.record_only:
            # A yes/no question about a talk's or tutorial's record only ("is X at <institution>?"): the record says.
            entry = checked.entry
            yield from self._record(
                run, MetadataAnswer([(record_sentence(entry), [entry])], intent="premise"), [entry], intent, [], q
            )
            return
        corrected = checked is not None and bool(checked.wrong)
        query = retrieval_query or question
        with self.search_lock:
            passages = self._retrieve(query, k, filters, intent)
            other = self._other_speaker(intent, linked, filters) if linked and not focus and not corrected else None
        if checked is not None and corrected:
            # The question states something of the entry's record that is wrong: say what the record says first.
            entry, wrong = checked.entry, checked.wrong
            linked = [entry, *(e for e in linked if e.id != entry.id)]
            passages = [record_passage(entry, self.retriever.corpus.first_chunks.get(entry.id))] + [
                p for p in passages if p.entry_id != entry.id
            ]
            lead = f"{correction(wrong)} {record_sentence(entry)}"
            yield run.say(run.citer.sentence(lead, [(entry, entry.metadata_line())]))
        if other is not None:
            # The question puts a topic in the wrong person's talk: say whose it is, then answer from that entry.
            named_wrongly = linked[0]
            linked = [other]
            passages = [record_passage(other, self.retriever.corpus.first_chunks.get(other.id))] + [
                p for p in passages if p.entry_id not in (other.id, named_wrongly.id)
            ]
            lead = f"“{other.title}” is by {', '.join(other.people)}, not {', '.join(named_wrongly.people)}."
            yield run.say(run.citer.sentence(lead, [(other, other.metadata_line())]))
        yield AnswerEvent("evidence", passages=passages)
        if not self._relevant(passages, linked):
            yield from self._abstain(run, passages, "no relevant passage")
            return
        if q.yes_no and not run.sentences:
            # A yes/no question about something none of the entries it is about mentions (a benchmark, a model, a
            # value): the corpus does not say. Only the asking sentence counts: a context before it may name anything.
            # (Tried for every question: content questions name things in words of their own, "5x5" for "5 × 5",
            # and declined falsely.)
            about = linked[:CONTEXT_ENTRIES] or linker.by_coined_name(question)[:CONTEXT_ENTRIES]
            about = about or [p.entry for p in passages[:CONTEXT_ENTRIES] if p.entry is not None]
            missing = unmentioned(distinctive_terms(asking_sentence(question), linker.name_words), about)
            if missing and not other_value(missing, about):
                yield from self._abstain(run, passages, "not mentioned: " + ", ".join(missing))
                return
        counted = count_premise(q.text, linked, passages) if not run.sentences else None
        if counted is not None:
            # The question counts something the entry counts otherwise ("the four parts" of a three-part tutorial).
            entry, phrase, sentence = counted
            opening = "No. According to" if q.yes_no else f"Not {phrase}: according to"
            lead = f"{opening} “{entry.title}”: “{sentence}”"
            yield run.say(run.citer.sentence(lead, [(entry, sentence)]))
            if q.yes_no:
                yield AnswerEvent("final", answer=run.answer("premise", passages[:1]))
                return
        # Confident when the question names an entry, or when one of the entries the model is shown is close in
        # meaning to it (fusion may rank a word-matching entry above the one the question describes).
        shown = passages[:CONTEXT_ENTRIES]
        confident = bool(linked) or max(p.dense_score or 0.0 for p in shown) >= self.quote_min_relevance
        after = "record:premise" if other is not None or corrected else ""
        after = after or ("premise" if counted is not None else "")
        finished = False
        for event in self._write(run, question, intent, passages, confident, after, [e.id for e in linked], q):
            finished = finished or event.kind == "final"
            yield event
        if not finished:  # nothing verified after the correction: the correction is the answer
            yield AnswerEvent("final", answer=run.answer(after, passages[:1]))

    def _source_lead(self, sentence: AnswerSentence) -> str:
        """ "From “<title>” (<people>):" before a model's first sentence that names neither its entry's title nor
        its people, so the answer says which talk, paper or tutorial it comes from, not only its citation."""
        entries = self.retriever.corpus.entries
        entry = next((entries[r.entry_id] for r in sentence.spans if r.entry_id in entries), None)
        if entry is None:
            return ""
        said = normalize_title(sentence.text)
        if normalize_title(entry.title) in said or any(normalize_title(p) in said for p in entry.people):
            return ""
        who = f" ({entry.kind}, {', '.join(entry.people)})" if entry.people else f" ({entry.kind})"
        return f"From “{entry.title}”{who}:"

    def _off_topic(self, text: str) -> bool:
        """Whether text names no speaker or title of the corpus and is close in meaning to no entry (best sentence or
        title similarity below :data:`OFF_TOPIC_SIMILARITY`): chit-chat about the asker, not a description of an
        entry."""
        linker = self.retriever.corpus.linker
        if linker.by_person(text) or linker.by_title(text):
            return False  # it names a speaker or a title of the corpus: it says which entry is meant
        similarity = self.writer.scorer.similarity(text, list(self.retriever.corpus.entries.values()))
        return max(similarity.values(), default=0.0) < OFF_TOPIC_SIMILARITY

    def _verdict(self, question: str, sentence: AnswerSentence) -> str:
        return verdict(question, sentence, self.retriever.corpus.entries)

    def _other_speaker(self, intent: Intent, linked: list[Entry], filters: Filters) -> Entry | None:
        pool = [e for e in self.retriever.corpus.entries.values() if e.kind == linked[0].kind and filters.accepts(e)]
        return other_speaker(intent, linked[0], pool, self.writer.scorer.similarity, self.quote_min_relevance)

    def _described_entry(self, query: str, filters: Filters, intent: Intent) -> Entry | None:
        """The entry a question describes, when retrieval ranks it first and it is close in meaning to the question
        (dense similarity at least ``quote_min_relevance``)."""
        with self.search_lock:
            passages = self._retrieve(query, 3, filters, intent)
        top = passages[0] if passages else None
        if top is None or top.entry is None or (top.dense_score or 0.0) < self.quote_min_relevance:
            return None
        return top.entry

    def _summary(self, run: Run, q: Question, intent: Intent, filters: Filters) -> Iterator[AnswerEvent]:
        """The entries about the topic (found as a list answer finds them: close in meaning and carrying the topic's
        distinctive words), the most relevant two to six, each with its best-matching span quoted, grouped by kind."""
        with self.search_lock:
            either = either_topic(q.text)
            result = find_list(either, read_intent(either), self._list_context(filters), each_alternative=True)
            entries = [item.entry for item in sorted(result.items, key=lambda it: -it.score)][:MAX_SUMMARY_ENTRIES]
            items = summary_items(q.text, intent.topic, entries, self.writer.scorer) if entries else []
        contexts = [record_passage(e, self.retriever.corpus.first_chunks.get(e.id)) for e in entries]
        yield AnswerEvent("evidence", passages=contexts)
        if not items:
            yield from self._abstain(run, [], "no relevant entry")
            return
        yield run.say(AnswerSentence(render_summary_intro(items), render_summary_intro(items)))
        for item in items:
            line = render_summary_item(item)
            yield run.say(run.citer.sentence(line, [(item.entry, item.quote)]), separator="\n")
        yield AnswerEvent("final", answer=run.answer("summary", contexts, separator="\n"))

    def _list_context(self, filters: Filters) -> ListContext:
        corpus = self.retriever.corpus
        return ListContext(
            entries=list(corpus.entries.values()),
            linker=corpus.linker,
            accepts=filters.accepts,
            similarity=self.writer.scorer.similarity,
            weights=self.topic_weights,
        )

    def _retrieve(self, query: str, k: int | None, filters: Filters, intent: Intent) -> list[Passage]:
        """Passages; a kind the question names ("which tutorial …") restricts them unless nothing of that kind fits."""
        if intent.kind and not filters.kind:
            narrowed = self.retriever.retrieve(query, k=k or self.top_k, filters=replace(filters, kind=intent.kind))
            if narrowed:
                return narrowed
        return self.retriever.retrieve(query, k=k or self.top_k, filters=filters)  # k: passages retrieved

    def _relevant(self, passages: list[Passage], linked: list[Entry]) -> bool:
        if not passages:
            return False
        if linked:
            return True
        best = max((p.dense_score for p in passages[:3] if p.dense_score is not None), default=0.0)
        return best >= self.min_relevance

    def _write(
        self,
        run: Run,
        question: str,
        intent: Intent,
        passages: list[Passage],
        confident: bool,
        after: str = "",
        named: Sequence[str] = (),
        q: Question | None = None,
    ) -> Iterator[AnswerEvent]:
        """The model's verified sentences (or a quoted span) and the final answer. After record sentences (``after``
        names their route), a content part with nothing verified ends without an event: the record answer stands."""
        if (asks_each(question) and len(named) >= 2) or 1 <= len(named) <= CONTEXT_ENTRIES:
            # The entries a question names or refers back to ("what does it introduce?") are read first, whatever
            # else retrieval ranked above them; a comparison reads every entry it names.
            passages = self._named_first(passages, named[:CONTEXT_ENTRIES])
        entries = [p.entry for p in passages if p.entry is not None]
        with self.search_lock:
            evidence = self.writer.evidence(question, intent, entries)
        draft = Draft()
        yes_no = q is not None and q.yes_no
        writing = self.writer.write(
            question, intent, evidence, run.citer, draft, confident=confident, named=named, yes_no=yes_no
        )
        for sentence in writing:
            if not run.sentences:
                lead = self._source_lead(sentence)
                verdict = self._verdict(question, sentence) if q is not None and q.yes_no else ""
                sentence = led(sentence, " ".join(p for p in (verdict, lead) if p))
            yield run.say(sentence)
        if not run.sentences:
            yield from self._abstain(run, passages, draft.route.split(":", 1)[-1], draft.dropped, draft.prompt)
            return
        if after and draft.route.startswith("abstained"):
            return
        route = f"{after}+{draft.route}" if after else draft.route
        contexts = passages[: len(evidence)]
        yield AnswerEvent("final", answer=run.answer(route, contexts, dropped=draft.dropped, prompt=draft.prompt))

    def _named_first(self, passages: list[Passage], named: Sequence[str]) -> list[Passage]:
        """The passages with those of the named entries first (a comparison is answered from both entries it names,
        whatever else retrieval ranked above them)."""
        corpus = self.retriever.corpus
        retrieved = {p.entry_id: p for p in passages}
        first = [
            retrieved.get(i) or record_passage(corpus.entries[i], corpus.first_chunks.get(i))
            for i in named
            if i in retrieved or i in corpus.entries
        ]
        return first + [p for p in passages if p.entry_id not in named]

    def _record(
        self,
        run: Run,
        meta: MetadataAnswer,
        linked: list[Entry],
        intent: Intent,
        content_parts: list[str],
        q: Question,
    ) -> Iterator[AnswerEvent]:
        contexts = [record_passage(e) for _, es in meta.sentences for e in es] or [record_passage(e) for e in linked]
        yield AnswerEvent("evidence", passages=contexts)
        if meta.abstain:
            yield from self._abstain(run, [], f"record:{meta.intent}:field missing")
            return
        said = " ".join(sentence for sentence, _ in meta.sentences)
        answered = [e for _, es in meta.sentences for e in es]
        premise = stated(q.text, self.retriever.corpus.linker.name_words)
        wrong = contradicted(premise, answered, said)
        verdict = ("No." if wrong else "Yes.") if q.yes_no else correction(wrong) if wrong else ""
        for sentence, entries in meta.sentences:
            said_sentence = run.citer.sentence(sentence, [(e, e.metadata_line()) for e in entries])
            yield run.say(led(said_sentence, verdict) if not run.sentences else said_sentence)
        route = f"record:{meta.intent}"
        if content_parts and linked:
            # The other part of a two-part question ("who presents X, and what does it cover?").
            part = " and ".join(content_parts)
            passages = [record_passage(linked[0], self.retriever.corpus.first_chunks.get(linked[0].id))]
            done: list[AnswerEvent] = []
            for event in self._write(run, part, read_intent(part), passages, confident=True, after=route):
                if event.kind == "final":
                    done.append(event)
                else:
                    yield event
            if done:
                yield done[0]
                return
        yield AnswerEvent("final", answer=run.answer(route, contexts))

    def _list(
        self,
        run: Run,
        question: str,
        intent: Intent,
        filters: Filters,
        accepts: Callable[[Entry], bool] | None = None,
    ) -> Iterator[AnswerEvent]:
        context = self._list_context(filters)
        if accepts is not None:
            context = replace(context, accepts=accepts)
        result = find_list(question, intent, context)
        contexts = [record_passage(it.entry) for it in result.items]
        yield AnswerEvent("evidence", passages=contexts)
        if not result.items:
            text = render_empty(result)
            yield AnswerEvent("text", text)
            yield AnswerEvent(
                "final",
                answer=Answer(
                    run.question,
                    text,
                    True,
                    route="list:empty",
                    seconds=time.perf_counter() - run.start,
                    first_token_seconds=time.perf_counter() - run.start,
                ),
            )
            return
        intro_text = render_intro(result)
        intro = AnswerSentence(intro_text, intro_text)
        yield run.say(intro)
        for position, item in enumerate(result.items, start=1):
            item.marker = run.citer.cite(item.entry, item.evidence, item.entry.title)
            line = render_item(position, item)
            yield run.say(AnswerSentence(line, line, ()), separator="\n")
        yield AnswerEvent(
            "final", answer=run.answer(f"list:{result.detail}", contexts, separator="\n", items=result.items)
        )

    def _abstain(
        self,
        run: Run,
        passages: list[Passage],
        why: str,
        dropped: list[str] | None = None,
        prompt: list[dict[str, str]] | None = None,
    ) -> Iterator[AnswerEvent]:
        yield AnswerEvent("text", ABSTAIN_TEXT)
        elapsed = time.perf_counter() - run.start
        yield AnswerEvent(
            "final",
            answer=Answer(
                question=run.question,
                text=ABSTAIN_TEXT,
                abstained=True,
                contexts=passages,
                route=f"abstained:{why}",
                dropped=list(dropped or []),
                seconds=elapsed,
                first_token_seconds=elapsed,
                prompt=list(prompt or []),
            ),
        )


def record_passage(entry: Entry, chunk: Any = None) -> Passage:
    """The entry as a passage: its record line, or a chunk of its text when given."""
    return Passage(
        entry_id=entry.id,
        title=entry.title,
        kind=entry.kind,
        source=entry.source,
        text=getattr(chunk, "text", None) or entry.metadata_line(),
        score=1.0,
        chunk_id=getattr(chunk, "node_id", "") or "",
        entry=entry,
    )
