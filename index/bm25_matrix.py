"""The BM25 score matrix built from token ids with whole-array NumPy operations, and the token cache as arrays.

bm25s builds its matrix with a Python loop per document (a Counter, a set intersection and small array operations
for each of 40,000 chunks at 100×: about 2 s, paid again by every build because adding one chunk changes every
document frequency). ``score_matrix`` computes the same numbers for all documents at once: the same Lucene idf
(bm25s's own function, per vocabulary word), the same term-frequency component evaluated in the same float64
operations, stored as float32, in the CSC layout bm25s's own builder makes. ``TokenCache`` keeps every chunk's
tokens as ids into one vocabulary (``tokens.npz``), so loading it is an array read instead of splitting 40,000
strings."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

TOKENS_NPZ = "tokens.npz"


class TokenCache(Mapping[str, list[str]]):
    """Chunk id → its tokens, stored as int32 ids into ``vocab`` (one flat array, sliced by ``spans``)."""

    def __init__(self, vocab: Sequence[str], spans: dict[str, tuple[int, int]], flat: np.ndarray) -> None:
        self.vocab = list(vocab)
        self.spans = spans
        self.flat = flat

    @classmethod
    def empty(cls) -> TokenCache:
        """A cache that holds nothing."""
        return cls([], {}, np.zeros(0, dtype=np.int32))

    @classmethod
    def from_lists(cls, tokens: Mapping[str, Sequence[str]]) -> TokenCache:
        """The cache of plain token lists."""
        if isinstance(tokens, TokenCache):
            return tokens
        ids: dict[str, int] = {}
        pieces = [np.asarray([ids.setdefault(t, len(ids)) for t in toks], dtype=np.int32) for toks in tokens.values()]
        return cls(list(ids), spans_of(list(tokens), [len(p) for p in pieces]), _concat(pieces))

    def ids_of(self, cid: str) -> np.ndarray:
        """The token ids of one cached chunk."""
        start, end = self.spans[cid]
        return self.flat[start:end]

    def __getitem__(self, cid: str) -> list[str]:
        return [self.vocab[i] for i in self.ids_of(cid)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.spans)

    def __len__(self) -> int:
        return len(self.spans)

    def __contains__(self, cid: object) -> bool:
        return cid in self.spans

    def save(self, folder: Path) -> None:
        """Write ``tokens.npz`` into ``folder`` (flushed to disk: the folder is published by a rename)."""
        cids = list(self.spans)
        starts = np.asarray([self.spans[c][0] for c in cids], dtype=np.int64)
        ends = np.asarray([self.spans[c][1] for c in cids], dtype=np.int64)
        with open(folder / TOKENS_NPZ, "wb") as fh:
            np.savez(
                fh,
                vocab=np.asarray(self.vocab, dtype=str),
                ids=np.asarray(cids, dtype=str),
                starts=starts,
                ends=ends,
                flat=self.flat,
            )
            fh.flush()
            os.fsync(fh.fileno())

    @classmethod
    def load(cls, folder: Path) -> TokenCache:
        """The cache saved in ``folder``; OSError or ValueError if it is missing or damaged."""
        with np.load(folder / TOKENS_NPZ, allow_pickle=False) as data:
            vocab, cids, starts, ends, flat = (data[k] for k in ("vocab", "ids", "starts", "ends", "flat"))
        if not (len(cids) == len(starts) == len(ends)) or (len(flat) and int(flat.max()) >= len(vocab)):
            raise ValueError(f"{folder / TOKENS_NPZ} is inconsistent")
        spans = dict(zip(cids.tolist(), zip(starts.tolist(), ends.tolist(), strict=True), strict=True))
        return cls(vocab.tolist(), spans, flat.astype(np.int32, copy=False))


def corpus_ids(
    cids: Sequence[str], cache: TokenCache, fresh: Mapping[str, Sequence[str]]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The corpus as one vocabulary, each chunk's length and all token ids in chunk order (cached chunks by their
    ids, ``fresh`` ones by their token lists)."""
    vocab = list(cache.vocab)
    index = {t: i for i, t in enumerate(vocab)}
    pieces = []
    for cid in cids:
        if cid in fresh:
            pieces.append(np.asarray([index.setdefault(t, len(index)) for t in fresh[cid]], dtype=np.int32))
        else:
            pieces.append(cache.ids_of(cid))
    vocab.extend(list(index)[len(vocab) :])
    return vocab, np.asarray([len(p) for p in pieces], dtype=np.int64), _concat(pieces)


def score_matrix(
    vocab: Sequence[str], lengths: np.ndarray, flat: np.ndarray, *, k1: float = 1.5, b: float = 0.75
) -> tuple[dict[str, Any], dict[str, int], TokenCache]:
    """bm25s's ``scores`` (CSC ``data``/``indices``/``indptr``, ``num_docs``) and ``vocab_dict`` (the words present,
    plus bm25s's empty token) for documents of ``lengths`` tokens whose ids into ``vocab`` are ``flat``; and the
    token cache of the same corpus over that smaller vocabulary."""
    from bm25s.scoring import _build_idf_array, _np_csc_python, _select_idf_scorer

    n_docs, n_all = len(lengths), max(len(vocab), 1)
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    pairs, tf = np.unique(doc * n_all + flat.astype(np.int64), return_counts=True)
    pair_doc, pair_word = pairs // n_all, pairs % n_all
    df_all = np.bincount(pair_word, minlength=n_all)
    present = np.flatnonzero(df_all)
    remap = np.full(n_all, -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    words = remap[pair_word]
    idf = _build_idf_array(
        doc_frequencies={i: int(df) for i, df in enumerate(df_all[present])},
        n_docs=n_docs,
        compute_idf_fn=_select_idf_scorer("lucene"),
        dtype="float32",
    )
    # bm25s per document: tf / (k1 * ((1 - b) + b * len / avg) + tf) with a float64 denominator, times idf.
    avg = np.array(lengths).mean()
    denominator = k1 * ((1 - b) + b * lengths / avg)
    tf32 = tf.astype(np.float32)
    scores = (idf[words] * (tf32 / (denominator[pair_doc] + tf32))).astype(np.float32)
    data, indices, indptr = _np_csc_python(
        scores, pair_doc.astype(np.int32), words.astype(np.int32), shape=(n_docs, len(present))
    )
    kept = [vocab[i] for i in present]
    vocab_dict = {t: i for i, t in enumerate(kept)}
    vocab_dict.setdefault("", len(kept))
    matrix = {"data": data.astype(np.float32), "indices": indices, "indptr": indptr, "num_docs": n_docs}
    return matrix, vocab_dict, TokenCache(kept, {}, remap[flat].astype(np.int32) if len(flat) else flat)


def spans_of(cids: Sequence[str], lengths: Sequence[int]) -> dict[str, tuple[int, int]]:
    ends = np.cumsum([0, *lengths]).tolist()
    return {cid: (ends[n], ends[n + 1]) for n, cid in enumerate(cids)}


def _concat(pieces: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate(pieces).astype(np.int32, copy=False) if pieces else np.zeros(0, dtype=np.int32)
