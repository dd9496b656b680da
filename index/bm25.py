"""The lexical index: BM25 (bm25s, the engine llama-index's BM25Retriever runs on, with its tokenizer settings) over
what each chunk shows the embedder, persisted as bm25s files plus a cache of every chunk's tokens.

A build tokenizes only the chunks the cache does not hold (tokenizing and stemming are most of the cost) and then
scores the whole corpus again from the cached tokens: BM25's document frequencies and average length change with
every chunk, and recomputing them from tokens is cheap, so the result is exactly a full rebuild's. The folder holds
``corpus.jsonl`` with chunk ids only (the chunks themselves live in the manifest's payload), the bm25s score matrix
and ``tokens.json``."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

TOKENS_FILE = "tokens.json"
# llama-index's BM25Retriever defaults: English stopwords and Snowball stemmer, words of two or more characters.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
STOPWORDS = "en"


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Stemmed tokens of each text, stopwords removed (as the index and its queries see them)."""
    import bm25s

    if not texts:
        return []
    out = bm25s.tokenize(
        list(texts),
        stopwords=STOPWORDS,
        stemmer=_stemmer(),
        token_pattern=TOKEN_PATTERN,
        return_ids=False,
        show_progress=False,
    )
    return [list(t) for t in out]


class LexicalIndex:
    """BM25 over chunks, searched by text; results are (chunk id, score), best first."""

    def __init__(self, bm25: Any, ids: list[str], tokens: dict[str, list[str]] | None = None) -> None:
        self.bm25 = bm25
        self.ids = ids
        self.tokens = tokens

    @classmethod
    def build(cls, chunks: Sequence[tuple[str, str]], cache: dict[str, list[str]] | None = None) -> LexicalIndex:
        """Index ``(chunk id, text)`` pairs, tokenizing only the ids ``cache`` lacks."""
        import bm25s

        if not chunks:
            raise ValueError("cannot build a BM25 index of no chunks")
        cache = cache or {}
        todo = [(cid, text) for cid, text in chunks if cid not in cache]
        fresh = dict(zip([cid for cid, _ in todo], tokenize([t for _, t in todo]), strict=True))
        tokens = {cid: cache.get(cid) or fresh.get(cid, []) for cid, _ in chunks}
        bm25 = bm25s.BM25()
        bm25.index([tokens[cid] for cid, _ in chunks], show_progress=False)
        return cls(bm25, [cid for cid, _ in chunks], tokens)

    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (created; the caller publishes it atomically)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(folder), corpus=[{"node_id": cid} for cid in self.ids], show_progress=False)
        with open(folder / TOKENS_FILE, "w", encoding="utf-8") as fh:
            json.dump({cid: " ".join(t) for cid, t in (self.tokens or {}).items()}, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """The index saved in ``folder``; OSError or ValueError if it is missing or damaged."""
        import bm25s

        bm25 = bm25s.BM25.load(str(folder), load_corpus=True, mmap=False)
        corpus = bm25.corpus
        if corpus is None:
            raise ValueError(f"{folder} has no corpus file")
        ids = [str(doc["node_id"]) for doc in corpus]
        bm25.corpus = None  # the ids are all a search needs
        if len(ids) != int(bm25.scores["num_docs"]):
            raise ValueError(f"{folder}: {len(ids)} chunk ids for {bm25.scores['num_docs']} scored documents")
        return cls(bm25, ids)

    @staticmethod
    def load_tokens(folder: Path) -> dict[str, list[str]]:
        """The token cache saved beside an index ({} when missing or unreadable: everything is tokenized again)."""
        try:
            with open(folder / TOKENS_FILE, encoding="utf-8") as fh:
                raw = json.load(fh)
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict):
            return {}
        return {str(k): str(v).split() for k, v in raw.items()}

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The ``k`` best chunks for ``query`` (rows where ``mask`` is 0 score 0), best first; bm25s breaks ties."""
        k = max(1, min(k, len(self.ids)))
        known = self.bm25.vocab_dict
        tokens = [t for t in tokenize([query])[0] if t and t in known]
        if not tokens:
            return []  # nothing the corpus contains: no lexical evidence at all
        indices, scores = self.bm25.retrieve([tokens], k=k, weight_mask=mask, show_progress=False, n_threads=1)
        return [(self.ids[int(i)], float(s)) for i, s in zip(indices[0], scores[0], strict=True)]
