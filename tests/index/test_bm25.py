"""The lexical index: the same ranking and scores as llama-index's BM25Retriever over the same chunks, incremental
builds equal to a full rebuild, and a token cache that makes a build tokenize only new chunks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llama_index.retrievers.bm25 import BM25Retriever

import index.bm25
from index.bm25 import LexicalIndex
from index.chunk import chunk_entries, embed_text
from index.corpus import load_corpus
from tests.helpers import REPO, SEEDS

QUERIES = ["diagrammatic backpropagation", "theorem proving in Lean", "scaling laws of neural networks", "Pointer"]


@pytest.fixture(scope="module")
def chunks() -> list[tuple[str, str]]:
    nodes = chunk_entries(load_corpus(SEEDS).entries, 200, 30, "test")
    return [(n.node_id, embed_text(n)) for n in nodes]


def _ranked(lexical: LexicalIndex, query: str, k: int = 20) -> list[tuple[str, float]]:
    return [(cid, round(score, 5)) for cid, score in lexical.search(query, k)]


def test_same_ranking_as_llama_index_bm25(chunks: list[tuple[str, str]]) -> None:
    nodes = chunk_entries(load_corpus(SEEDS).entries, 200, 30, "test")
    reference = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=20)
    lexical = LexicalIndex.build(chunks)
    dev = [json.loads(line)["question"] for line in (REPO / "evals" / "dev_set.jsonl").read_text().splitlines()]
    for query in QUERIES + dev[::10]:
        expected = [(n.node.node_id, round(float(n.score or 0.0), 5)) for n in reference.retrieve(query)]
        assert _ranked(lexical, query) == expected, query


def test_incremental_build_equals_a_full_rebuild(
    tmp_path: Path, chunks: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    old, added = chunks[:-25], chunks[-25:]
    LexicalIndex.build(old).save(tmp_path / "old")
    cache = LexicalIndex.load_tokens(tmp_path / "old")
    assert set(cache) == {cid for cid, _ in old}
    tokenized: list[str] = []
    real = index.bm25.tokenize
    monkeypatch.setattr(index.bm25, "tokenize", lambda texts: tokenized.extend(texts) or real(texts))
    incremental = LexicalIndex.build(old[5:] + added, cache)  # 5 chunks gone, 25 new
    assert len(tokenized) == len(added)  # only the new chunks were tokenized
    monkeypatch.undo()
    full = LexicalIndex.build(old[5:] + added)
    for query in QUERIES:
        assert _ranked(incremental, query) == _ranked(full, query), query
    assert any(cid in {c for c, _ in added} for cid, _ in incremental.search("theorem proving", 400))


def test_saved_index_loads_and_damage_is_an_error(tmp_path: Path, chunks: list[tuple[str, str]]) -> None:
    built = LexicalIndex.build(chunks)
    built.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    assert loaded.ids == built.ids
    assert _ranked(loaded, "Lean theorem prover") == _ranked(built, "Lean theorem prover")
    assert (tmp_path / "bm25" / "chunk_ids.json").stat().st_size < 200 * len(chunks)  # ids only, no chunk texts
    (tmp_path / "bm25" / "params.index.json").unlink()
    with pytest.raises((OSError, ValueError)):
        LexicalIndex.load(tmp_path / "bm25")
    (tmp_path / "bm25" / "tokens.npz").write_text("{broken")
    assert len(LexicalIndex.load_tokens(tmp_path / "bm25")) == 0  # a damaged cache only costs tokenizing again


def test_queries_without_known_words_and_empty_indexes(chunks: list[tuple[str, str]]) -> None:
    lexical = LexicalIndex.build(chunks[:10])
    assert lexical.search("the of and", 5) == []
    assert lexical.search("zzzqqq", 5) == []
    assert len(lexical.search("learning", 50)) <= 10
    with pytest.raises(ValueError, match="no chunks"):
        LexicalIndex.build([])


def test_scores_are_exactly_bm25s_own(chunks: list[tuple[str, str]]) -> None:
    import bm25s
    import numpy as np

    tokens = index.bm25.tokenize([text for _, text in chunks])
    reference = bm25s.BM25()
    reference.index(tokens, show_progress=False)
    ours = LexicalIndex.build(chunks).bm25

    def by_pair(model: bm25s.BM25) -> dict[tuple[int, str], float]:
        words = {i: t for t, i in model.vocab_dict.items()}
        s = model.scores
        out = {}
        for col in range(len(s["indptr"]) - 1):
            for at in range(s["indptr"][col], s["indptr"][col + 1]):
                out[(int(s["indices"][at]), words[col])] = float(s["data"][at])
        return out

    assert set(ours.vocab_dict) == set(reference.vocab_dict) and ours.scores["num_docs"] == len(chunks)
    assert by_pair(ours) == by_pair(reference)  # bit for bit
    assert ours.scores["data"].dtype == np.float32


def test_token_cache_round_trip_and_legacy_json(tmp_path: Path, chunks: list[tuple[str, str]]) -> None:
    built = LexicalIndex.build(chunks[:30])
    built.save(tmp_path / "bm25")
    cache = LexicalIndex.load_tokens(tmp_path / "bm25")
    assert dict(cache) == dict(built.tokens or {})
    assert cache[chunks[0][0]] == index.bm25.tokenize([chunks[0][1]])[0]
    (tmp_path / "bm25" / "tokens.npz").unlink()
    legacy = {cid: " ".join(t) for cid, t in dict(cache).items()}
    (tmp_path / "bm25" / "tokens.json").write_text(json.dumps(legacy))
    assert dict(LexicalIndex.load_tokens(tmp_path / "bm25")) == dict(cache)


def test_a_folder_from_before_chunk_ids_json_still_loads(tmp_path: Path, chunks: list[tuple[str, str]]) -> None:
    built = LexicalIndex.build(chunks[:20])
    built.save(tmp_path / "bm25")
    (tmp_path / "bm25" / "chunk_ids.json").unlink()
    lines = [json.dumps({"id": n, "node_id": cid}) for n, cid in enumerate(built.ids)]
    (tmp_path / "bm25" / "corpus.jsonl").write_text("\n".join(lines) + "\n")
    assert LexicalIndex.load(tmp_path / "bm25").ids == built.ids
