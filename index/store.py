"""The only module that talks to Chroma: an embedded persistent client, or an HTTP client for a Chroma server.

The index is derived data, so a damaged embedded database is not an error to live with: it is detected when the
store is opened (or when an operation on it fails), reported in one log line, and wiped; the next build refills it
from the seeds."""

from __future__ import annotations

import logging
import math
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

import chromadb
import chromadb.errors
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from index.hnsw_files import hnsw_problem
from index.manifest import build_lock, discard_manifest
from index.settings import IndexSettings

if TYPE_CHECKING:  # llama-index is imported by dense retrieval, not by a build that has nothing to do
    from llama_index.core.schema import BaseNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

log = logging.getLogger(__name__)
# A stored vector queried against the index must come back as its own nearest neighbour (cosine distance ~0);
# a damaged HNSW segment answers with other ids or fails.
_SELF_DISTANCE_MAX = 1e-3
_HEALTH_SAMPLES = 2


class StoreError(RuntimeError):
    """The vector store cannot be opened or reached; the message says which and why."""


class StoreCorruptError(StoreError):
    """The store's files are damaged (unreadable database, broken vector index); rebuilding it is the remedy."""


class ChunkStore(Protocol):
    """What the indexer and retriever need from a vector store."""

    def ids(self) -> set[str]:
        """Ids of every stored chunk."""
        ...

    def count(self) -> int:
        """Number of stored chunks (cheaper than ``ids``)."""
        ...

    def add(self, nodes: Sequence[BaseNode]) -> None:
        """Store chunks that carry their embeddings."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        ...

    def clear(self) -> None:
        """Remove every chunk (and, for a damaged embedded database, its files), leaving an empty store."""
        ...

    def nearest(self, embedding: Sequence[float], k: int) -> list[tuple[str, float]]:
        """Ids of the ``k`` chunks nearest to ``embedding`` with their similarities, best first."""
        ...


class ChromaChunkStore:
    """A Chroma collection (cosine space, embeddings always supplied, so Chroma never loads its own model).

    Opening checks the store's health (count, ids, and that stored vectors find themselves). A damaged embedded
    database is wiped and reopened empty, with one warning, and ``repair_note`` says what was wrong; pass
    ``repair=False`` to get ``StoreCorruptError`` instead. A Chroma server is never wiped."""

    def __init__(self, settings: IndexSettings, *, repair: bool = True) -> None:
        self.settings = settings
        self.repair_note: str | None = None
        if settings.chroma_url:
            self._open()
            self.check_health()
            return
        # Under the build lock: a build in another process may be writing these files right now, and half-written
        # files must not be mistaken for damage.
        with build_lock(settings.index_dir):
            try:
                self._open()
                self.check_health()
            except StoreCorruptError as exc:
                if not repair:
                    raise
                self._wipe(str(exc))

    def _open(self) -> None:
        if not self.settings.chroma_url:
            # Checked before Chroma reads them: its native reader crashes the process on some damaged files.
            problem = hnsw_problem(Path(self.settings.index_dir) / "chroma")
            if problem:
                raise StoreCorruptError(f"the Chroma database at {_where(self.settings)} is damaged: {problem}")
        self._client = _make_client(self.settings)
        try:
            self._collection = self._client.get_or_create_collection(
                name=self.settings.collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except chromadb.errors.InternalError as exc:
            raise StoreCorruptError(f"the Chroma database at {_where(self.settings)} is damaged: {exc}") from exc
        except Exception as exc:  # chromadb raises many types; the user needs one clear message
            raise StoreError(
                f"cannot open Chroma collection {self.settings.collection!r} at {_where(self.settings)}: {exc}"
            ) from exc
        self._vector_store: ChromaVectorStore | None = None  # made on first use (it imports llama-index)

    def check_health(self) -> None:
        """Raise StoreCorruptError unless the database reads and the vector index finds stored vectors."""
        count = self._call(self._collection.count)
        if not count:
            return
        sample = self._call(lambda: self._collection.get(limit=_HEALTH_SAMPLES, include=["embeddings"]))
        vectors = sample.get("embeddings")
        if vectors is None or len(vectors) == 0:
            raise StoreCorruptError(f"the Chroma database at {_where(self.settings)} holds chunks without vectors")
        found = self._call(
            lambda: self._collection.query(query_embeddings=[list(map(float, v)) for v in vectors], n_results=1)
        )
        for distances in found.get("distances") or []:
            if not distances or distances[0] > _SELF_DISTANCE_MAX:
                raise StoreCorruptError(
                    f"the vector index at {_where(self.settings)} is damaged: stored vectors do not find themselves"
                )

    def ids(self) -> set[str]:
        """Ids of every stored chunk."""
        return set(self._call(lambda: self._collection.get(include=[]))["ids"])

    def count(self) -> int:
        """Number of stored chunks."""
        return int(self._call(self._collection.count))

    def add(self, nodes: Sequence[BaseNode]) -> None:
        """Store chunks that carry their embeddings."""
        if nodes:
            self._call(lambda: self.vector_store().add(list(nodes)))

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        for start in range(0, len(ids), 1000):
            batch = list(ids[start : start + 1000])
            self._call(lambda batch=batch: self._collection.delete(ids=batch))

    def clear(self) -> None:
        """Remove every chunk: an embedded database is deleted from disk and recreated; a server's collection is
        dropped and recreated."""
        if self.settings.chroma_url:
            try:
                self._client.delete_collection(self.settings.collection)
            except Exception as exc:  # a collection that is already gone is what we want
                log.debug("delete_collection: %s", exc)
            self._open()
            return
        self._wipe("")

    def nearest(self, embedding: Sequence[float], k: int) -> list[tuple[str, float]]:
        """Ids of the ``k`` chunks nearest to ``embedding`` with llama-index's similarity (``exp(-distance)``, as
        its Chroma vector store reports), best first. Only ids and distances are read: the chunk texts and metadata
        are in the manifest payload already, and fetching them made every dense query read Chroma's SQLite file
        (at 100x, retrieval p50 67-70 ms before, 50-52 ms after with a cold page cache)."""
        if k <= 0:
            return []
        found = self._call(
            lambda: self._collection.query(query_embeddings=[list(embedding)], n_results=k, include=["distances"])
        )
        return [(str(i), math.exp(-float(d))) for i, d in zip(found["ids"][0], found["distances"][0], strict=True)]

    def vector_store(self) -> ChromaVectorStore:
        """The llama-index vector store over this collection."""
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self._collection)
        return self._vector_store

    def close(self) -> None:
        """Release the embedded database, so that the next store opened on this folder reads its files afresh (as a
        new process would). Other stores open on the same folder become unusable."""
        if not self.settings.chroma_url:
            _forget_client(Path(self.settings.index_dir) / "chroma")

    def _call(self, fn: Any) -> Any:
        """Run one Chroma operation, turning a damaged-database failure into StoreCorruptError (embedded only: a
        server's internal error may be passing, and its data is not ours to wipe)."""
        try:
            return fn()
        except chromadb.errors.InvalidArgumentError as exc:
            if "dimension" not in str(exc):
                raise
            # Vectors of another embedder (e.g. the manifest was lost and the embedder changed): start over.
            if self.settings.chroma_url:
                raise StoreError(
                    f"the Chroma collection {self.settings.collection!r} at {self.settings.chroma_url} holds vectors "
                    f"of another size ({exc}); run `assistant index --rebuild`"
                ) from exc
            raise StoreCorruptError(
                f"the Chroma database at {_where(self.settings)} holds vectors of another size: {exc}"
            ) from exc
        except chromadb.errors.InternalError as exc:
            if self.settings.chroma_url:
                raise StoreError(f"the Chroma server at {self.settings.chroma_url} failed: {exc}") from exc
            raise StoreCorruptError(f"the Chroma database at {_where(self.settings)} is damaged: {exc}") from exc

    def _wipe(self, problem: str) -> None:
        """Delete the embedded database folder and open a fresh, empty one; drop the manifest that described it."""
        path = Path(self.settings.index_dir) / "chroma"
        if problem:
            self.repair_note = f"{problem}; it was removed and will be rebuilt from the seeds"
            log.warning("index store damaged: %s", self.repair_note)
        _forget_client(path)
        shutil.rmtree(path, ignore_errors=True)
        discard_manifest(self.settings.index_dir)
        self._open()
        self.check_health()


def _forget_client(path: Path) -> None:
    """Stop and forget chromadb's process-wide client for ``path``.

    chromadb caches one open system per folder for the whole process; after the folder is deleted that cached
    system would keep serving the old, damaged database, so it has to go (there is no public call for this)."""
    key = str(path)
    system = SharedSystemClient._identifier_to_system.pop(key, None)
    SharedSystemClient._identifier_to_refcount.pop(key, None)
    if system is not None:
        try:
            system.stop()
        except Exception as exc:  # a damaged system may fail to stop cleanly; it is discarded either way
            log.debug("stopping the damaged Chroma client: %s", exc)


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
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except chromadb.errors.InternalError as exc:
        raise StoreCorruptError(f"the Chroma database at {path} is damaged: {exc}") from exc
