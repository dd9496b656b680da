"""The Python API: ``Assistant().retrieve / ask / ask_stream / chat``. The CLI, the UI and the evals use only this."""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer import Answer, Answerer, AnswerEvent
from assistant.entity_linking import elliptical, picks_among
from assistant.errors import AssistantError, LanguageModelError
from assistant.evidence import SentenceScorer, vectors_path
from assistant.lists import rarity_weights
from assistant.llm import make_chat_model
from assistant.llm.base import ChatModel, LLMError
from assistant.llm.model_file import ProgressCallback
from assistant.prompts import PromptSet
from assistant.retrieve import Filters, HybridRetriever, IndexedCorpus, Passage
from assistant.settings import Settings, load_settings
from assistant.writing import GroundedWriter
from index.build import BuildReport, build_index
from index.embed import Embedder, SentenceTransformerEmbedder
from index.entries import Entry
from index.manifest import inspect_manifest
from index.parsers import SeedError
from index.store import ChromaChunkStore, ChunkStore

if TYPE_CHECKING:
    from assistant.library import AddReport, DocumentInfo, FileOutcome
    from assistant.library import Progress as AddProgress

log = logging.getLogger(__name__)
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_FOLLOW_UP_START = re.compile(r"^\s*(and|also|what about|how about|then)\b", re.I)
_FOLLOW_UP_REF = re.compile(
    r"\b(that|this|the same|those|these) (day|talk|paper|tutorial|one|work|speaker|session)s?\b|"
    r"\b(else|it|its|he|she|his|her|they|their|them)\b",
    re.I,
)

History = Sequence[dict[str, Any]] | Sequence[tuple[str, str]] | Sequence[list[str]]


class Assistant:
    """Research assistant over the indexed corpus.

    With ``sync_index`` (the default) the index is built if missing and brought up to date with the seeds (a no-op
    taking a fraction of a second when nothing changed). If a seed file is bad and an index exists, the existing
    index is served and the problem is logged."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        chat_model: ChatModel | None = None,
        embedder: Embedder | None = None,
        store: ChunkStore | None = None,
        sync_index: bool = True,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        idx = self.settings.index
        self.embedder = embedder or SentenceTransformerEmbedder.from_settings(idx)
        # Opening the store checks its health; a damaged embedded database is wiped there and rebuilt by _sync.
        self.store: ChunkStore = store if store is not None else ChromaChunkStore(idx)
        self.build_report: BuildReport | None = None
        if sync_index:
            self.build_report = self._sync(progress)
        self.corpus = IndexedCorpus(idx.index_dir, self.store, self.embedder)
        self.retriever = HybridRetriever(self.corpus, candidates=self.settings.retrieval.candidates)
        self._chat_model = chat_model
        self._model_lock = threading.Lock()
        self._generation_lock = threading.Lock()
        self._search_lock = threading.Lock()  # see Answerer.search_lock
        self._scorer = SentenceScorer(self.embedder, persist_path=vectors_path(idx.data_dir, self.embedder.model_id))
        if self.build_report is not None and not self.build_report.noop:
            self.warm_evidence()  # the index just changed: embed the evidence sentences with it, once
        self._progress = progress

    def _sync(self, progress: ProgressCallback | None) -> BuildReport | None:
        idx = self.settings.index
        try:
            return build_index(idx, self.embedder, self.store, progress=progress)
        except SeedError as exc:
            # A build that raises SeedError changes nothing, so the index found now is the one there was before.
            if inspect_manifest(idx.index_dir, payload="verify").status != "ok":
                raise
            log.warning("seed problem, serving the existing index unchanged: %s", exc)
            return None

    # -- backends ---------------------------------------------------------------------------------------------
    @property
    def chat_model(self) -> ChatModel:
        """The chat model, set up on first use (the embedded default is assembled and verified then)."""
        with self._model_lock:
            if self._chat_model is None:
                models_dir = self.settings.index.models_dir
                self._chat_model = make_chat_model(self.settings.llm, models_dir, self._progress)
            return self._chat_model

    @property
    def loaded_chat_model(self) -> ChatModel | None:
        """The chat model if it has been set up, without setting it up (status displays)."""
        return self._chat_model

    def replace_chat_model(self, model: ChatModel) -> None:
        """Answer with ``model`` from now on (the web UI wraps the shared model in its guard)."""
        with self._model_lock:
            self._chat_model = model

    def _answerer(self) -> Answerer:
        r = self.settings.retrieval
        writer = GroundedWriter(
            chat_model=_OneAtATime(self, self._generation_lock),
            prompts=PromptSet(self.settings.prompt_version, self.settings.log_prompts),
            scorer=self._scorer,
            max_tokens=self.settings.llm.max_tokens,
        )
        return Answerer(
            retriever=self.retriever,
            writer=writer,
            top_k=r.top_k,
            min_relevance=r.min_relevance,
            quote_min_relevance=r.quote_min_relevance,
            topic_weights=self.topic_weights,
            search_lock=self._search_lock,
            correct=self._correct,
        )

    def _correct(self, text: str) -> str:
        """``text`` with words outside the corpus vocabulary corrected (the speller retrieval uses)."""
        from assistant.spelling import correct_query

        return correct_query(text, self.corpus)

    @functools.cached_property
    def topic_weights(self) -> dict[str, float]:
        """How rare each word stem is across the corpus (inverse document frequency), for list answers."""
        return rarity_weights(self.corpus.entries.values())

    def warm_evidence(self) -> None:
        """Embed (and keep on disk) the sentences of every entry not embedded yet, so that list questions over the
        whole corpus answer in well under a second."""
        self._scorer.warm(list(self.corpus.entries.values()))

    # -- your own documents (assistant/library.py does the work) ----------------------------------------------
    def add_documents(self, paths: Sequence[str | Path], progress: AddProgress | None = None) -> AddReport:
        """Add files or folders (PDF, Markdown, text, BibTeX) to the index; one outcome per file, failures included
        (a failed file changes nothing and does not stop the rest). Retrieval sees the change at once."""
        from assistant.library import add_documents

        return add_documents(self, paths, progress)

    def remove_document(self, ref: str) -> FileOutcome:
        """Remove an added document by entry id, original path or stored file name (failed outcome if unknown)."""
        from assistant.library import remove_document

        return remove_document(self, ref)

    def documents(self) -> list[DocumentInfo]:
        """The added documents, in the order added."""
        from assistant.library import list_documents

        return list_documents(self.settings.index)

    def reload_index(self) -> None:
        """Serve the index as it is on disk now (after a build elsewhere changed it): entries, BM25, dense
        retrieval, entity links, spelling vocabulary, topic weights and evidence vectors."""
        corpus = IndexedCorpus(self.settings.index.index_dir, self.store, self.embedder)
        self.corpus, self.retriever = corpus, HybridRetriever(corpus, candidates=self.settings.retrieval.candidates)
        self.__dict__.pop("topic_weights", None)
        self.warm_evidence()

    # -- public API -------------------------------------------------------------------------------------------
    @property
    def entries(self) -> list[Entry]:
        """Every indexed entry."""
        return list(self.corpus.entries.values())

    def retrieve(
        self,
        question: str,
        k: int = 10,
        *,
        kind: str | None = None,
        source: str | None = None,
        speaker: str | None = None,
        day: str | None = None,
        mode: str | None = None,
        filters: Filters | None = None,
    ) -> list[Passage]:
        """Ranked passages, one per entry, best first. Restrict them with ``filters`` (or the same fields one by
        one: ``kind``, ``source``, ``speaker``, ``day``)."""
        question = self._check_question(question)
        if k < 1:
            raise AssistantError(f"k must be at least 1, got {k}")
        mode = mode or self.settings.retrieval.mode
        if mode not in ("hybrid", "bm25", "dense"):
            raise AssistantError(f"unknown retrieval mode {mode!r}; use hybrid, bm25 or dense")
        wanted = _filters(filters, kind=kind, source=source, speaker=speaker, day=day)
        return self.retriever.retrieve(question, k=k, filters=wanted, mode=mode)

    def ask(self, question: str, **options: Any) -> Answer:
        """The full pipeline: an answer with verified citations, or an abstention."""
        return _final(self.ask_stream(question, **options))

    def ask_stream(
        self,
        question: str,
        *,
        k: int | None = None,
        kind: str | None = None,
        source: str | None = None,
        speaker: str | None = None,
        day: str | None = None,
        filters: Filters | None = None,
    ) -> Iterator[AnswerEvent]:
        """The evidence read, answer text as it is verified, then a final event carrying the Answer."""
        wanted = _filters(filters, kind=kind, source=source, speaker=speaker, day=day)
        yield from self.chat_stream((), question, k=k, filters=wanted)

    def chat(self, history: History | None, question: str, **options: Any) -> Answer:
        """Answer a follow-up in the context of earlier turns ("and who else spoke that day?")."""
        return _final(self.chat_stream(history, question, **options))

    def chat_stream(
        self,
        history: History | None,
        question: str,
        *,
        k: int | None = None,
        kind: str | None = None,
        source: str | None = None,
        speaker: str | None = None,
        day: str | None = None,
        filters: Filters | None = None,
    ) -> Iterator[AnswerEvent]:
        """Streaming form of chat()."""
        question = self._check_question(question)
        if isinstance(k, float) and k.is_integer():
            k = int(k)  # a UI slider may send 6.0
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise AssistantError(f"k (passages to retrieve) must be a whole number of at least 1, got {k!r}")
        last_user, last_reply, cited = _last_turn(history)
        focus: list[Entry] = []
        query = None
        among = picks_among(question)
        if last_user and (among or _is_follow_up(question)):
            # The previous answer's citations are the conversation's focus; its words only when none came along.
            # "Which of those …" picks among all of them (a list), other follow-ups refer to the first few.
            focus = [self.corpus.entries[i] for i in cited if i in self.corpus.entries][: None if among else 4]
            focus = focus or self.corpus.linker.link(f"{last_user} {last_reply}")[:4]
            query = f"{last_user} {question}"
        wanted = _filters(filters, kind=kind, source=source, speaker=speaker, day=day)
        try:
            yield from self._answerer().stream(question, k=k, filters=wanted, focus=focus, retrieval_query=query)
        except LLMError as exc:
            raise LanguageModelError(f"the language model failed: {exc}") from exc

    def _check_question(self, question: str) -> str:
        """The question as text the pipeline can use: NUL and invisible characters removed, non-empty, within the
        length limit, valid Unicode."""
        if not isinstance(question, str):
            raise AssistantError(f"the question must be text, not {type(question).__name__}")
        if any(0xD800 <= ord(ch) <= 0xDFFF for ch in question):
            raise AssistantError("the question is not valid UTF-8 text")
        question = _INVISIBLE.sub("", question)
        if not question.strip():
            raise AssistantError("the question is empty; type a question about the papers, talks or tutorials")
        if not any(ch.isalnum() for ch in question):
            raise AssistantError("the question has no words (only punctuation or symbols); type a question")
        limit = self.settings.retrieval.max_question_chars
        if len(question) > limit:
            raise AssistantError(f"the question is {len(question)} characters long; the limit is {limit}")
        return question.strip()


class _OneAtATime:
    """The Assistant's chat model, streamed by one question at a time (one CPU model serves every user), so that
    record and list answers, which need no model, never wait behind a model answer."""

    def __init__(self, owner: Assistant, lock: threading.Lock) -> None:
        self._owner = owner
        self._lock = lock

    def stream(self, messages: Sequence[Any], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        """The model's reply, produced while holding the lock (released when the stream ends or is closed)."""
        model = self._owner.chat_model
        with self._lock:
            yield from model.stream(messages, max_tokens=max_tokens, temperature=temperature)


def _filters(filters: Filters | None, **fields: str | None) -> Filters:
    """One Filters object from a given one and/or single fields (a field given both ways must agree)."""
    base = filters or Filters()
    for name, value in fields.items():
        if value is None:
            continue
        if getattr(base, name) not in (None, value):
            raise AssistantError(f"{name} is given twice with different values: {getattr(base, name)!r} and {value!r}")
        base = dataclasses.replace(base, **{name: value})
    return base


def _is_follow_up(question: str) -> bool:
    """A question that leans on the previous turn ("and who else…", "when was it published?", "what sizes?")."""
    return (
        bool(_FOLLOW_UP_START.search(question))
        or (len(question.split()) <= 15 and bool(_FOLLOW_UP_REF.search(question)))
        or elliptical(question)
    )


def _final(events: Iterator[AnswerEvent]) -> Answer:
    for event in events:
        if event.kind == "final" and event.answer is not None:
            return event.answer
    raise AssistantError("the pipeline ended without an answer")


def _last_turn(history: History | None) -> tuple[str, str, list[str]]:
    """The last user message, the reply to it and the entry ids that reply cited, from messages dicts (an
    assistant message may carry its ``answer`` — an Answer or its ``to_dict()`` — or its ``citations``), Answer
    objects, or (user, assistant) pairs. No history is a first turn."""
    user, reply, cited = "", "", []
    if history is None:
        return user, reply, cited
    if isinstance(history, str | bytes) or not hasattr(history, "__iter__"):
        raise AssistantError(f"history must be a list of earlier turns, not {type(history).__name__}")
    for item in history:
        if isinstance(item, Answer):
            user, reply, cited = item.question, item.text, [c.entry_id for c in item.citations]
        elif isinstance(item, dict):
            content = item.get("content")
            text = content if isinstance(content, str) else str(content or "")
            if item.get("role") == "user":
                user, reply, cited = text, "", []
            elif item.get("role") == "assistant":
                reply, cited = text, _cited_ids(item)
        elif isinstance(item, list | tuple) and len(item) == 2:
            user, reply, cited = str(item[0] or ""), str(item[1] or ""), []
    return user, reply, cited


def _cited_ids(message: dict[str, Any]) -> list[str]:
    """Entry ids an assistant message cites: from its ``answer`` (an Answer or a dict) or its ``citations``."""
    answer = message.get("answer")
    if isinstance(answer, Answer):
        return [c.entry_id for c in answer.citations]
    citations = (answer or {}).get("citations") if isinstance(answer, dict) else message.get("citations")
    return [str(c.get("entry_id")) for c in citations or [] if isinstance(c, dict) and c.get("entry_id")]
