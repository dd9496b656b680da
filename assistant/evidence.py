"""Evidence spans: an entry's text as sentences, and the sentences of the best entries most related to a question,
chosen by meaning (the packaged MiniLM embeds sentences) as well as by words.

A span is one to three consecutive sentences of one entry; it is what an answer sentence is verified against and
what the citation quotes."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.evidence_store import VectorFiles
from index.directives import contains_url, is_directive
from index.embed import Embedder
from index.entries import Entry
from index.text import content_words, readable, split_sentences

MAX_SPAN_SENTENCES = 3
_MARKUP = re.compile(r"\*\*|__|(?<!\w)\*(?=\w)|(?<=\w)\*(?!\w)|^\s*[-•*]\s+|^#+\s*", re.M)
_CHROME = re.compile(r"^(show more|view full details|read more)$", re.I)
ADDED_COLLECTION = "added documents"  # index.documents.common.paper_entry: every entry of an added file
# Which sentences count as evidence; part of the vector files' name, since vectors are stored per sentence.
SENTENCE_RULES = "3"


@dataclass(frozen=True)
class Span:
    """One to three consecutive sentences of one entry."""

    entry_id: str
    start: int
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        """The sentences joined as one quote."""
        return " ".join(self.sentences)

    @property
    def end(self) -> int:
        """Index one past the last sentence."""
        return self.start + len(self.sentences)


def entry_sentences(entry: Entry) -> list[str]:
    """The entry's text as sentences, without markup, page chrome, repeated sentences (some pages repeat a
    section after "Show more"), sentences that address the assistant or the reader (index.directives) and, in an
    added document, sentences carrying a link: planted text is data, never evidence."""
    out: list[str] = []
    seen: set[str] = set()
    added = is_added(entry)
    for raw in split_sentences(entry.text or ""):
        sentence = readable(_MARKUP.sub("", raw)).strip()
        if not sentence or _CHROME.match(sentence) or sentence in seen or is_planted(sentence, added):
            continue
        seen.add(sentence)
        out.append(sentence)
    return out


def vector_key(entry_id: str, content_hash: str) -> str:
    """The key an entry's sentence vectors are kept under: its id and content hash (an edited entry gets new ones)."""
    return f"{entry_id}@{content_hash}"


def vectors_path(data_dir: Path, model_id: str) -> Path:
    """Where the sentence vectors a given embedder made for a data folder are kept (derived data, like the index):
    one file set per embedder, so vectors of two models are never mixed in one question's scores."""
    tag = hashlib.sha256(f"{model_id}|sentences {SENTENCE_RULES}".encode()).hexdigest()[:12]
    return data_dir / "evidence" / f"sentence_vectors-{tag}.npz"


def is_added(entry: Entry) -> bool:
    """Whether the entry's text comes from a file a user added (not from the trusted seeds)."""
    return entry.collection == ADDED_COLLECTION or entry.document is not None


def is_planted(sentence: str, added: bool) -> bool:
    """Whether a sentence may never be evidence: it addresses the assistant or the reader, or it is from an added
    document and carries a link (a link from a user's file is never an answer's content)."""
    return is_directive(sentence) or (added and contains_url(sentence))


def windows(entry_id: str, sentences: Sequence[str], size: int = MAX_SPAN_SENTENCES) -> list[Span]:
    """Every span of 1..size consecutive sentences, shortest first."""
    return [
        Span(entry_id, i, tuple(sentences[i : i + n]))
        for n in range(1, size + 1)
        for i in range(0, max(0, len(sentences) - n + 1))
    ]


@dataclass
class EntryEvidence:
    """The sentences of one retrieved entry, each scored for how well it relates to the question."""

    entry: Entry
    sentences: list[str]
    scores: list[float]
    rank: int

    def best_sentences(self, max_words: int) -> list[int]:
        """Indices of the highest-scoring sentences within a word budget, in their original order."""
        order = sorted(range(len(self.sentences)), key=lambda i: (-self.scores[i], i))
        keep: list[int] = []
        used = 0
        for i in order:
            n = len(self.sentences[i].split())
            if keep and used + n > max_words:
                continue
            keep.append(i)
            used += n
            if used >= max_words:
                break
        return sorted(keep)

    def best_span(self) -> Span | None:
        """The best-scoring sentence with its best-scoring neighbour when that neighbour is nearly as relevant."""
        if not self.sentences:
            return None
        best = max(range(len(self.sentences)), key=lambda i: (self.scores[i], -i))
        start, end = best, best + 1
        for j in (best - 1, best + 1):
            if 0 <= j < len(self.sentences) and self.scores[j] >= 0.8 * self.scores[best] > 0:
                start, end = min(start, j), max(end, j + 1)
        return Span(self.entry.id, start, tuple(self.sentences[start:end]))

    def top_spans(self, share: float) -> list[Span]:
        """Every sentence scoring at least ``share`` of the best score, best first, each as a one-sentence span."""
        if not self.sentences:
            return []
        best = max(self.scores)
        order = sorted(range(len(self.sentences)), key=lambda i: (-self.scores[i], i))
        return [Span(self.entry.id, i, (self.sentences[i],)) for i in order if self.scores[i] >= share * best > 0]

    def span_of(self, indices: Sequence[int]) -> Span:
        """The span covering the given sentence indices (at most three consecutive)."""
        start = min(indices)
        end = min(max(indices) + 1, start + MAX_SPAN_SENTENCES)
        return Span(self.entry.id, start, tuple(self.sentences[start:end]))


class SentenceScorer:
    """Scores an entry's sentences against a question: cosine similarity of MiniLM embeddings plus the share of the
    question's topic words the sentence contains.

    The vectors of an entry's title and sentences are cached per entry (keyed by its content hash, so an edited entry
    is embedded again) and, with ``persist_path``, kept on disk: ``warm()`` embeds a whole corpus once (after an
    index build) so that list questions over every entry answer in well under a second."""

    def __init__(self, embedder: Embedder, persist_path: Path | None = None, cache_entries: int = 100_000) -> None:
        self.embedder = embedder
        self.persist_path = persist_path
        self._files = VectorFiles(persist_path) if persist_path is not None else None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._limit = cache_entries
        self._lock = threading.Lock()
        self._loaded = False

    @staticmethod
    def _key(entry: Entry) -> str:
        return vector_key(entry.id, entry.content_hash())

    def _load(self) -> None:
        if self._loaded or self._files is None:
            return
        self._loaded = True
        self._cache.update(self._files.load())

    def _save(self) -> None:
        if self._files is not None and self._cache:
            self._files.append(self._cache)  # only the entries not on disk yet are written

    def vectors(self, entries: Sequence[Entry], *, save: bool = False) -> dict[str, np.ndarray]:
        """Vectors of each entry's title (row 0) and sentences (rows 1…), embedding only what is not cached."""
        keys = [self._key(e) for e in entries]  # content hashes, once each
        with self._lock:
            self._load()
            missing = [e for e, key in zip(entries, keys, strict=True) if key not in self._cache]
        fresh = embed_entries(self.embedder, missing)
        with self._lock:
            self._cache.update(fresh)
            out = {}
            for entry, key in zip(entries, keys, strict=True):
                self._cache.move_to_end(key)
                out[entry.id] = self._cache[key]
            while len(self._cache) > self._limit:
                self._cache.popitem(last=False)
            if save and missing:
                self._save()
        return out

    def warm(self, entries: Sequence[Entry]) -> None:
        """Embed (and persist) every entry not cached yet."""
        self.vectors(entries, save=True)

    def similarity(self, text: str, entries: Sequence[Entry]) -> dict[str, float]:
        """Per entry, the best cosine similarity between ``text`` and its title or one of its sentences."""
        vectors = self.vectors(entries, save=True)
        query = np.asarray(self.embedder.embed([text])[0], dtype=np.float32)
        return {eid: float((v @ query).max()) if len(v) else 0.0 for eid, v in vectors.items()}

    def score(self, question: str, topic: Sequence[str], entries: Sequence[Entry]) -> list[EntryEvidence]:
        """Evidence for each entry, in the given (retrieval) order."""
        vectors = self.vectors(entries, save=True)
        query = np.asarray(self.embedder.embed([question])[0], dtype=np.float32)
        wanted = set(topic) or set(content_words(question))
        out = []
        for rank, entry in enumerate(entries):
            sentences = entry_sentences(entry)
            rows = vectors.get(entry.id)
            dense = list(rows[1:] @ query) if rows is not None and len(rows) > 1 else [0.0] * len(sentences)
            scores = [float(d) + 0.5 * _share(wanted, s) for d, s in zip(dense, sentences, strict=False)]
            out.append(EntryEvidence(entry, sentences, scores, rank))
        return out


def _share(wanted: set[str], sentence: str) -> float:
    if not wanted:
        return 0.0
    return len(wanted & set(content_words(sentence))) / len(wanted)


def warm_index_evidence(
    data_dir: Path, index_dir: Path, embedder: Embedder, records: Sequence[dict[str, Any]] | None = None
) -> int:
    """Embed (and keep on disk) the evidence sentences of every published entry not embedded yet, as ``assistant
    index`` does after a build. Which entries those are is read from the manifest's entry hashes and the saved
    keys; only their records are embedded (no retrievers are opened). ``records`` are the published entries when
    the caller has them (``BuildReport.records``), else they are read from the payload. Returns the entries."""
    from index.manifest import inspect_manifest, read_manifest

    header = inspect_manifest(index_dir, payload="none").data
    if header is None:
        return 0
    hashes = header.get("entry_hashes", {})
    files = VectorFiles(vectors_path(data_dir, embedder.model_id))
    saved = files.saved_keys()
    missing = {eid for eid, digest in hashes.items() if vector_key(eid, digest) not in saved}
    if missing and not records:
        manifest = read_manifest(index_dir)
        records = manifest.get("entries", []) if manifest is not None else []
    if missing and records:
        entries = [Entry.model_validate(e) for e in records if e["id"] in missing]
        files.add(embed_entries(embedder, entries))
    return len(hashes)


def embed_entries(embedder: Embedder, entries: Sequence[Entry]) -> dict[str, np.ndarray]:
    """Per entry key (``id@content-hash``), the vectors of its title (row 0) and sentences (rows 1…)."""
    texts = [[e.title, *entry_sentences(e)] for e in entries]
    flat = [t for group in texts for t in group]
    embedded = np.asarray(embedder.embed(flat), dtype=np.float32) if flat else np.zeros((0, 0))
    out, at = {}, 0
    for entry, group in zip(entries, texts, strict=True):
        out[SentenceScorer._key(entry)] = embedded[at : at + len(group)]
        at += len(group)
    return out
