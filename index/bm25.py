"""The lexical index: BM25 (bm25s, the engine llama-index's BM25Retriever runs on, with its tokenizer settings) over
what each chunk shows the embedder, persisted as bm25s files plus a cache of every chunk's tokens.

A build tokenizes only the chunks the cache does not hold (tokenizing and stemming are most of the cost) and then
scores the whole corpus again from the cached tokens: BM25's document frequencies and average length change with
every chunk, and recomputing them from tokens is cheap, so the result is exactly a full rebuild's. The folder holds
``chunk_ids.json`` (the chunks themselves live in the manifest's payload; bm25s's own ``corpus.jsonl``, read line
by line, is no longer written but still read), the bm25s score matrix and ``tokens.npz`` (the token cache)."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.bm25_matrix import TokenCache, corpus_ids, score_matrix, spans_of

IDS_FILE = "chunk_ids.json"  # row n of the score matrix is chunk ids[n] (a JSON list, read in one call)
TOKENS_FILE = "tokens.json"  # the token cache before tokens.npz (read, never written)
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

    def __init__(self, bm25: Any, ids: list[str], tokens: Mapping[str, list[str]] | None = None) -> None:
        self.bm25 = bm25
        self.ids = ids
        self.tokens = tokens

    @classmethod
    def build(cls, chunks: Sequence[tuple[str, str]], cache: Mapping[str, list[str]] | None = None) -> LexicalIndex:
        """Index ``(chunk id, text)`` pairs, tokenizing only the ids ``cache`` lacks (the text of a cached chunk is
        not read). The scores are bm25s's (``score_matrix`` computes them for all chunks at once)."""
        import bm25s

        if not chunks:
            raise ValueError("cannot build a BM25 index of no chunks")
        tokens = TokenCache.from_lists(cache or {})
        cids = [cid for cid, _ in chunks]
        todo = [(cid, text) for cid, text in chunks if cid not in tokens]
        fresh = dict(zip([cid for cid, _ in todo], tokenize([t for _, t in todo]), strict=True))
        vocab, lengths, flat = corpus_ids(cids, tokens, fresh)
        bm25 = bm25s.BM25()
        bm25.scores, bm25.vocab_dict, kept = score_matrix(vocab, lengths, flat, k1=bm25.k1, b=bm25.b)
        bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
        bm25.nonoccurrence_array = None  # what bm25s sets for its (default) Lucene scoring
        kept.spans = spans_of(cids, lengths.tolist())
        return cls(bm25, cids, kept)

    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (created; the caller publishes it atomically)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(folder), show_progress=False)
        with open(folder / IDS_FILE, "w", encoding="utf-8") as fh:
            json.dump(self.ids, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        TokenCache.from_lists(self.tokens or {}).save(folder)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """The index saved in ``folder``; OSError or ValueError if it is missing or damaged."""
        import bm25s

        if (folder / IDS_FILE).is_file():
            bm25 = bm25s.BM25.load(str(folder), load_corpus=False, mmap=False)
            with open(folder / IDS_FILE, encoding="utf-8") as fh:
                ids = [str(cid) for cid in json.load(fh)]
        else:  # written before chunk_ids.json: the ids are bm25s's corpus file
            bm25 = bm25s.BM25.load(str(folder), load_corpus=True, mmap=False)
            if bm25.corpus is None:
                raise ValueError(f"{folder} has no corpus file")
            ids = [str(doc["node_id"]) for doc in bm25.corpus]
            bm25.corpus = None  # the ids are all a search needs
        if len(ids) != int(bm25.scores["num_docs"]):
            raise ValueError(f"{folder}: {len(ids)} chunk ids for {bm25.scores['num_docs']} scored documents")
        return cls(bm25, ids)

    @staticmethod
    def load_tokens(folder: Path) -> TokenCache:
        """The token cache saved beside an index (empty when missing or unreadable: everything is tokenized again).
        A folder written before ``tokens.npz`` existed is read from its ``tokens.json``."""
        try:
            return TokenCache.load(folder)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # a truncated .npz is a bad zip
            pass
        try:
            with open(folder / TOKENS_FILE, encoding="utf-8") as fh:
                raw = json.load(fh)
        except (OSError, ValueError):
            return TokenCache.empty()
        if not isinstance(raw, dict):
            return TokenCache.empty()
        return TokenCache.from_lists({str(k): str(v).split() for k, v in raw.items()})

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The ``k`` best chunks for ``query`` (rows where ``mask`` is 0 score 0), best first; bm25s breaks ties."""
        k = max(1, min(k, len(self.ids)))
        known = self.bm25.vocab_dict
        tokens = [t for t in tokenize([query])[0] if t and t in known]
        if not tokens:
            return []  # nothing the corpus contains: no lexical evidence at all
        indices, scores = self.bm25.retrieve([tokens], k=k, weight_mask=mask, show_progress=False, n_threads=1)
        return [(self.ids[int(i)], float(s)) for i, s in zip(indices[0], scores[0], strict=True)]
