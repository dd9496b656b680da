"""Incremental, idempotent index build: parse seeds, chunk, embed only what changed, store, then publish.

Order matters for safety: new chunks are added first, then the manifest (what readers trust) is replaced
atomically, and only then are stale chunks deleted. An interrupted build therefore leaves the previous manifest
and all of its chunks in place, and the chunks it did embed are reused by the next run."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from index.chunk import CHUNKER_VERSION, chunk_entries, embed_text
from index.corpus import Corpus, load_corpus
from index.embed import Embedder
from index.entries import Entry
from index.parsers import SeedWarning
from index.settings import IndexSettings

MANIFEST = "manifest.json"
BM25_DIR = "bm25"
MANIFEST_FORMAT = 1

Progress = Callable[[float, str], None]


@dataclass
class BuildReport:
    """What a build did."""

    entries: int = 0
    chunks: int = 0
    embedded: int = 0
    deleted: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    noop: bool = False
    warnings: list[SeedWarning] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people."""
        if self.noop:
            return f"index up to date: {self.entries} entries, {self.chunks} chunks ({self.seconds:.2f} s)"
        return (
            f"indexed {self.entries} entries as {self.chunks} chunks: {self.embedded} embedded, "
            f"{self.unchanged} unchanged, {self.deleted} deleted ({self.seconds:.1f} s)"
        )


def fingerprint(settings: IndexSettings, embedder: Embedder) -> dict[str, Any]:
    """Everything that, when changed, changes every chunk."""
    return {
        "chunker": CHUNKER_VERSION,
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap": settings.chunk_overlap,
        "model_id": embedder.model_id,
    }


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The published manifest, or None if there is none (or it is unreadable)."""
    path = index_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if data.get("format") == MANIFEST_FORMAT else None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder (a second waits)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _is_noop(manifest: dict[str, Any] | None, corpus: Corpus, fp: dict[str, Any], store: Any) -> bool:
    if manifest is None or manifest.get("fingerprint") != fp:
        return False
    hashes = {e.id: e.content_hash() for e in corpus.entries}
    if manifest.get("entry_hashes") != hashes:
        return False
    wanted = {c["id_"] for c in manifest["chunks"]}
    return wanted <= store.ids()


def _publish_bm25(nodes: list[Any], index_dir: Path) -> None:
    from llama_index.retrievers.bm25 import BM25Retriever

    tmp = index_dir / f".{BM25_DIR}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(10, len(nodes))).persist(str(tmp))
    final, old = index_dir / BM25_DIR, index_dir / f".{BM25_DIR}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def build_index(
    settings: IndexSettings,
    embedder: Embedder,
    store: Any,
    *,
    progress: Progress | None = None,
    show_progress: bool = True,
) -> BuildReport:
    """Bring the index in line with the seeds. Raises SeedError (and changes nothing) if a seed file is bad."""
    start = time.perf_counter()
    corpus = load_corpus(settings.seeds_dir, strict=True)
    index_dir = settings.index_dir
    fp = fingerprint(settings, embedder)
    with build_lock(index_dir):
        manifest = read_manifest(index_dir)
        if _is_noop(manifest, corpus, fp, store) and (index_dir / BM25_DIR).is_dir():
            return BuildReport(
                entries=len(corpus.entries),
                chunks=len(manifest["chunks"]),
                noop=True,  # type: ignore[index]
                seconds=time.perf_counter() - start,
                warnings=corpus.warnings,
            )
        nodes = chunk_entries(corpus.entries, settings.chunk_tokens, settings.chunk_overlap, embedder.model_id)
        existing = store.ids()
        todo = [n for n in nodes if n.node_id not in existing]
        _embed_and_add(todo, embedder, store, settings.embed_batch_size, progress, show_progress)
        _publish_bm25(nodes, index_dir)
        _write_atomic(index_dir / MANIFEST, _manifest_json(corpus.entries, nodes, fp))
        stale = sorted(existing - {n.node_id for n in nodes})
        store.delete(stale)
    if progress:
        progress(1.0, "index ready")
    return BuildReport(
        entries=len(corpus.entries),
        chunks=len(nodes),
        embedded=len(todo),
        deleted=len(stale),
        unchanged=len(nodes) - len(todo),
        seconds=time.perf_counter() - start,
        warnings=corpus.warnings,
    )


def _embed_and_add(
    todo: list[Any], embedder: Embedder, store: Any, batch: int, progress: Progress | None, show: bool
) -> None:
    if not todo:
        return
    with tqdm(total=len(todo), desc="Embedding chunks", unit="chunk", disable=not show) as bar:
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            for node, vector in zip(part, embedder.embed([embed_text(n) for n in part]), strict=True):
                node.embedding = vector
            store.add(part)
            bar.update(len(part))
            if progress:
                progress((start + len(part)) / len(todo), f"embedded {start + len(part)}/{len(todo)} chunks")


def _manifest_json(entries: list[Entry], nodes: list[Any], fp: dict[str, Any]) -> str:
    chunks = []
    for n in nodes:
        d = n.to_dict()
        d.pop("embedding", None)
        chunks.append(d)
    return json.dumps(
        {
            "format": MANIFEST_FORMAT,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "fingerprint": fp,
            "entry_hashes": {e.id: e.content_hash() for e in entries},
            "entries": [e.model_dump(mode="json") for e in entries],
            "chunks": chunks,
        },
        ensure_ascii=False,
    )
