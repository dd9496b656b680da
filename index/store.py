"""The only module that talks to Chroma: an embedded persistent client, or an HTTP client for a Chroma server."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings
from llama_index.core.schema import BaseNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.settings import IndexSettings


class StoreError(RuntimeError):
    """The vector store cannot be opened or reached; the message says which and why."""


class ChunkStore(Protocol):
    """What the indexer and retriever need from a vector store."""

    def ids(self) -> set[str]:
        """Ids of every stored chunk."""
        ...

    def add(self, nodes: Sequence[BaseNode]) -> None:
        """Store chunks that carry their embeddings."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        ...

    def vector_store(self) -> Any:
        """The llama-index vector store over the same collection (for dense retrieval)."""
        ...


class ChromaChunkStore:
    """A Chroma collection (cosine space, embeddings always supplied, so Chroma never loads its own model)."""

    def __init__(self, settings: IndexSettings) -> None:
        self.settings = settings
        self._client = _make_client(settings)
        try:
            self._collection = self._client.get_or_create_collection(
                name=settings.collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except Exception as exc:  # chromadb raises many types; the user needs one clear message
            raise StoreError(
                f"cannot open Chroma collection {settings.collection!r} at {_where(settings)}: {exc}"
            ) from exc
        self._vector_store = ChromaVectorStore(chroma_collection=self._collection)

    def ids(self) -> set[str]:
        """Ids of every stored chunk."""
        return set(self._collection.get(include=[])["ids"])

    def count(self) -> int:
        """Number of stored chunks."""
        return int(self._collection.count())

    def add(self, nodes: Sequence[BaseNode]) -> None:
        """Store chunks that carry their embeddings."""
        if nodes:
            self._vector_store.add(list(nodes))

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        for start in range(0, len(ids), 1000):
            self._collection.delete(ids=list(ids[start : start + 1000]))

    def vector_store(self) -> ChromaVectorStore:
        """The llama-index vector store over this collection."""
        return self._vector_store


def _where(settings: IndexSettings) -> str:
    return settings.chroma_url or str(settings.index_dir / "chroma")


def _make_client(settings: IndexSettings) -> Any:
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(
                f"ASSISTANT_INDEX__CHROMA_URL must look like http://host:port, got {settings.chroma_url!r}"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from exc
    path = Path(settings.index_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
