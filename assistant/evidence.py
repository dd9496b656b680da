"""Evidence spans: an entry's text as sentences, and the sentences of the best entries most related to a question,
chosen by meaning (the packaged MiniLM embeds sentences) as well as by words.

A span is one to three consecutive sentences of one entry; it is what an answer sentence is verified against and
what the citation quotes."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from index.embed import Embedder
from index.entries import Entry
from index.text import content_words, split_sentences

MAX_SPAN_SENTENCES = 3
_MARKUP = re.compile(r"\*\*|__|(?<!\w)\*(?=\w)|(?<=\w)\*(?!\w)|^\s*[-•*]\s+|^#+\s*", re.M)
_CHROME = re.compile(r"^(show more|view full details|read more)$", re.I)


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
    """The entry's text as sentences, without markup, page chrome or repeated sentences (some pages repeat a
    section after "Show more")."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in split_sentences(entry.text or ""):
        sentence = _MARKUP.sub("", raw).strip()
        if not sentence or _CHROME.match(sentence) or sentence in seen:
            continue
        seen.add(sentence)
        out.append(sentence)
    return out


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

    def span_of(self, indices: Sequence[int]) -> Span:
        """The span covering the given sentence indices (at most three consecutive)."""
        start = min(indices)
        end = min(max(indices) + 1, start + MAX_SPAN_SENTENCES)
        return Span(self.entry.id, start, tuple(self.sentences[start:end]))


class SentenceScorer:
    """Scores an entry's sentences against a question: cosine similarity of MiniLM embeddings plus the share of the
    question's topic words the sentence contains. Sentence embeddings are cached per entry (they never change for
    an indexed entry)."""

    def __init__(self, embedder: Embedder, cache_entries: int = 4096) -> None:
        self.embedder = embedder
        self._cache: OrderedDict[str, list[list[float]]] = OrderedDict()
        self._limit = cache_entries
        self._lock = threading.Lock()

    def _sentence_vectors(self, entries: Sequence[tuple[Entry, list[str]]]) -> dict[str, list[list[float]]]:
        with self._lock:
            missing = [(e, s) for e, s in entries if e.id not in self._cache and s]
        texts = [text for _, sentences in missing for text in sentences]
        vectors = self.embedder.embed(texts) if texts else []
        out: dict[str, list[list[float]]] = {}
        with self._lock:
            at = 0
            for entry, sentences in missing:
                self._cache[entry.id] = vectors[at : at + len(sentences)]
                at += len(sentences)
            for entry, _ in entries:
                if entry.id in self._cache:
                    self._cache.move_to_end(entry.id)
                    out[entry.id] = self._cache[entry.id]
            while len(self._cache) > self._limit:
                self._cache.popitem(last=False)
        return out

    def score(self, question: str, topic: Sequence[str], entries: Sequence[Entry]) -> list[EntryEvidence]:
        """Evidence for each entry, in the given (retrieval) order."""
        prepared = [(e, entry_sentences(e)) for e in entries]
        vectors = self._sentence_vectors(prepared)
        query = self.embedder.embed([question])[0]
        wanted = set(topic) or set(content_words(question))
        out = []
        for rank, (entry, sentences) in enumerate(prepared):
            dense = [_dot(query, v) for v in vectors.get(entry.id, [])]
            lexical = [_share(wanted, s) for s in sentences]
            scores = [d + 0.5 * w for d, w in zip(dense, lexical, strict=False)] or [0.0] * len(sentences)
            out.append(EntryEvidence(entry, sentences, scores, rank))
        return out


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(x * y for x, y in zip(a, b, strict=False)))


def _share(wanted: set[str], sentence: str) -> float:
    if not wanted:
        return 0.0
    return len(wanted & set(content_words(sentence))) / len(wanted)
