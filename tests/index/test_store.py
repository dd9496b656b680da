"""The store's nearest-chunk query: the same ids and similarities as llama-index's Chroma vector store reports for
the same embedding, best first, without reading the chunks' texts back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from llama_index.core.vector_stores.types import VectorStoreQuery

from index.build import build_index
from index.embed import HashingEmbedder
from index.store import ChromaChunkStore
from tests.helpers import SEEDS, make_settings


@pytest.fixture
def store(tmp_path: Path) -> ChromaChunkStore:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copyfile(SEEDS / "002_5ebcb6642b623e7b.txt", seeds / "002_5ebcb6642b623e7b.txt")
    settings = make_settings(tmp_path / "data", seeds).index
    chunks = ChromaChunkStore(settings)
    assert build_index(settings, HashingEmbedder(), chunks, show_progress=False).chunks > 10
    return chunks


def test_nearest_matches_the_llama_index_vector_store(store: ChromaChunkStore) -> None:
    query = HashingEmbedder().embed(["sparse mixture of experts routing"])[0]
    hits = store.nearest(query, 8)
    expected = store.vector_store().query(VectorStoreQuery(query_embedding=query, similarity_top_k=8))
    assert [cid for cid, _ in hits] == list(expected.ids or [])
    assert [s for _, s in hits] == pytest.approx(list(expected.similarities or []))
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_a_stored_chunk_is_its_own_nearest(store: ChromaChunkStore) -> None:
    stored = store._collection.get(limit=1, include=["embeddings"])
    (cid, score), *_ = store.nearest(list(stored["embeddings"][0]), 3)
    assert cid == stored["ids"][0] and score == pytest.approx(1.0, abs=1e-4)
    assert store.nearest(list(stored["embeddings"][0]), 0) == []
