"""Incremental, idempotent index build: parse seeds, chunk, embed only what changed, store, then publish.

Order matters for safety: new chunks are added first, then the BM25 files, then the manifest (what readers trust)
is replaced atomically, and only then are stale chunks deleted. An interrupted build therefore leaves the previous
manifest and all of its chunks in place, and the chunks it did embed are reused by the next run. The next run also
finishes what the interrupted one left: chunks no manifest names are deleted and temporary files removed, so after
every completed build the store holds exactly the manifest's chunks. Damaged parts (store, manifest, BM25 files)
are rebuilt from the seeds: the index is derived data."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from index.bm25 import LexicalIndex
from index.chunk import CHUNKER_VERSION, chunk_entries, embed_text
from index.collector import collector_paused
from index.corpus import Corpus, load_corpus
from index.embed import Embedder, Preloading
from index.manifest import (
    BM25_DIR,
    MANIFEST,
    MANIFEST_FORMAT,
    ManifestData,
    bm25_digest,
    build_lock,
    chunk_from_node,
    chunk_ids,
    discard_manifest,
    entry_hashes,
    inputs_digest,
    inspect_manifest,
    leftover_temp_paths,
    node_from_chunk,
    read_manifest,
    refresh_inputs,
    remove_paths,
    reusable_chunks,
    write_manifest,
)
from index.parse_cache import CACHE_DIR as PARSE_CACHE_DIR
from index.parse_cache import ParseCache
from index.parsers import SeedWarning
from index.settings import IndexSettings
from index.store import ChunkStore, StoreCorruptError

__all__ = [
    "BM25_DIR",
    "MANIFEST",
    "MANIFEST_FORMAT",
    "BuildReport",
    "build_index",
    "build_lock",
    "fingerprint",
    "read_manifest",
]

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
Notice = Callable[[str], None]


def announce(message: str) -> None:
    """The default repair notice: one line on stderr as soon as the damage is found, before the work it causes (a
    repair can re-embed the whole corpus behind a progress bar)."""
    print(f"index repaired: {message}", file=sys.stderr, flush=True)


class _Repairs(list[str]):
    """The repairs of one build; each is announced the moment it is found."""

    def __init__(self, notify: Notice | None) -> None:
        super().__init__()
        self._notify = notify

    def append(self, message: str) -> None:
        super().append(message)
        log.info("index repaired: %s", message)
        if self._notify is not None:
            self._notify(message)

    def extend(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.append(message)


@dataclass
class BuildReport:
    """What a build did. ``warnings`` are about the seeds; ``repairs`` about damage or leftovers it cleaned up."""

    entries: int = 0
    chunks: int = 0
    embedded: int = 0
    deleted: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    noop: bool = False
    warnings: list[SeedWarning] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    # The published entries (``model_dump(mode="json")``) when this build wrote a manifest; empty otherwise.
    records: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        """One line for people."""
        if self.noop:
            line = f"index up to date: {self.entries} entries, {self.chunks} chunks ({self.seconds:.2f} s)"
        else:
            line = (
                f"indexed {self.entries} entries as {self.chunks} chunks: {self.embedded} embedded, "
                f"{self.unchanged} unchanged, {self.deleted} deleted ({self.seconds:.1f} s)"
            )
        return line + (f"; repaired: {'; '.join(self.repairs)}" if self.repairs else "")


def fingerprint(settings: IndexSettings, embedder: Embedder) -> dict[str, Any]:
    """Everything that, when changed, changes every chunk."""
    return {
        "chunker": CHUNKER_VERSION,
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap": settings.chunk_overlap,
        "model_id": embedder.model_id,
    }


def build_index(
    settings: IndexSettings,
    embedder: Embedder,
    store: ChunkStore,
    *,
    progress: Progress | None = None,
    show_progress: bool = True,
    rebuild: bool = False,
    notify: Notice | None = announce,
) -> BuildReport:
    """Bring the index in line with the seeds. Raises SeedError (and changes nothing) if a seed file is bad.

    ``rebuild`` empties the store and discards the published index first (everything is embedded again). A store
    found damaged during the build is emptied and the build is run once more. Each repair (damage found, or what an
    interrupted build left) is passed to ``notify`` when found (default: one line on stderr)."""
    with collector_paused():  # a build makes an object per entry and chunk of the corpus (see index.collector)
        return _build_index(settings, embedder, store, progress, show_progress, rebuild, _Repairs(notify))


def _build_index(
    settings: IndexSettings,
    embedder: Embedder,
    store: ChunkStore,
    progress: Progress | None,
    show_progress: bool,
    rebuild: bool,
    repairs: _Repairs,
) -> BuildReport:
    start = time.perf_counter()
    index_dir = settings.index_dir
    inputs = inputs_digest(settings.seeds_dir, settings.seed_limits, settings.documents_dir)
    if not rebuild:
        # Same inputs as the published index and nothing damaged: up to date without parsing a single seed file.
        with build_lock(index_dir):
            repairs.extend(_clean_leftovers(index_dir, store))
            unchanged = _unchanged(settings, embedder, store, inputs, repairs)
        if unchanged is not None:
            unchanged.seconds = time.perf_counter() - start
            return unchanged
    if isinstance(embedder, Preloading):
        embedder.preload()  # likely work ahead: the model loads while the seeds are read and the index compared
    # Seed files whose bytes were parsed before are read from the parse cache (a rebuild parses everything).
    cache = ParseCache(index_dir / PARSE_CACHE_DIR)
    if rebuild:
        shutil.rmtree(cache.folder, ignore_errors=True)
    corpus = load_corpus(
        settings.seeds_dir,
        strict=True,
        limits=settings.seed_limits,
        documents_dir=settings.documents_dir,
        cache=cache,
    )
    with build_lock(index_dir):
        repairs.extend(_clean_leftovers(index_dir, store))
        if rebuild:
            _reset(index_dir, store)
            repairs.append("rebuilt from the seeds on request")
        try:
            report = _build_locked(settings, corpus, embedder, store, repairs, progress, show_progress, inputs)
        except StoreCorruptError as exc:
            _reset(index_dir, store)
            repairs.append(f"{exc}; the store was emptied and rebuilt")
            report = _build_locked(settings, corpus, embedder, store, repairs, progress, show_progress, inputs)
        cache.prune()  # parses of seed files that are gone or changed
    report.seconds = time.perf_counter() - start
    if progress:
        progress(1.0, "index ready")
    return report


def _clean_leftovers(index_dir: Path, store: ChunkStore) -> list[str]:
    """Remove what interrupted builds left (caller holds the build lock, so no build is using them)."""
    repairs: list[str] = []
    note = getattr(store, "repair_note", None)
    if note:
        repairs.append(str(note))
        store.repair_note = None  # type: ignore[attr-defined]  # reported once
    leftovers = leftover_temp_paths(index_dir)
    if leftovers:
        remove_paths(leftovers)
        repairs.append(f"removed {len(leftovers)} temporary file(s) left by an interrupted build")
    return repairs


def _unchanged(
    settings: IndexSettings, embedder: Embedder, store: ChunkStore, inputs: str, repairs: list[str]
) -> BuildReport | None:
    """The no-op report when the published index was built from exactly these inputs, with this fingerprint, and
    its payload, BM25 files and store are intact; None when a build has to look closer."""
    index_dir = settings.index_dir
    header = inspect_manifest(index_dir, payload="none").data  # the small file first: other inputs, no hashing
    if header is None or not inputs or header.get("inputs_digest") != inputs:
        return None
    if header.get("fingerprint") != fingerprint(settings, embedder):
        return None
    manifest = inspect_manifest(index_dir, payload="verify").data
    if manifest is None:
        return None
    if manifest.get("bm25_digest") != bm25_digest(index_dir / BM25_DIR) or not manifest.get("bm25_digest"):
        return None
    wanted = chunk_ids(manifest)
    if store.count() != len(wanted) or store.ids() != wanted:
        return None
    return BuildReport(
        entries=len(manifest.get("entry_hashes", {})),
        chunks=len(wanted),
        noop=True,
        warnings=[SeedWarning(**w) for w in manifest.get("warnings", [])],
        repairs=repairs,
    )


def _reset(index_dir: Path, store: ChunkStore) -> None:
    """Forget the published index and every stored chunk."""
    discard_manifest(index_dir)
    shutil.rmtree(index_dir / BM25_DIR, ignore_errors=True)
    store.clear()


def _build_locked(
    settings: IndexSettings,
    corpus: Corpus,
    embedder: Embedder,
    store: ChunkStore,
    repairs: list[str],
    progress: Progress | None,
    show_progress: bool,
    inputs: str = "",
) -> BuildReport:
    index_dir = settings.index_dir
    fp = fingerprint(settings, embedder)
    state = inspect_manifest(index_dir)
    if state.status == "corrupt":
        repairs.append(f"manifest damaged ({state.problem}); rebuilt")
    elif state.status == "missing" and (store.count() or (index_dir / BM25_DIR).exists()):
        repairs.append("manifest missing; the index is rebuilt from the seeds (stored chunks reused)")
    manifest = state.data
    warnings = list(corpus.warnings) + _drop_warnings(manifest, corpus, settings)
    # Each entry's record and content hash, computed once (an entry whose record is as published keeps its hash).
    records = [e.model_dump(mode="json") for e in corpus.entries]
    hashes = entry_hashes(manifest, corpus.entries, records)
    bm25_ok = manifest is not None and manifest.get("bm25_digest") == bm25_digest(index_dir / BM25_DIR) != ""
    if manifest is not None and bm25_ok and _is_noop(manifest, hashes, fp, store):
        if inputs and manifest.get("inputs_digest") != inputs:
            refresh_inputs(index_dir, manifest, inputs, [dataclasses.asdict(w) for w in corpus.warnings])
        return BuildReport(
            entries=len(corpus.entries),
            chunks=len(chunk_ids(manifest)),
            noop=True,
            warnings=warnings,
            repairs=repairs,
        )
    for w in warnings:
        if w.loud:
            log.warning("%s", w)
    built_with = manifest.get("fingerprint", {}).get("model_id") if manifest is not None else None
    if built_with is not None and built_with != fp["model_id"]:
        # Vectors of another embedder are useless (and may not even have the same size): start the store over.
        _reset(index_dir, store)
        manifest = None
        repairs.append(f"embedder changed from {built_with} to {fp['model_id']}; every chunk embedded again")
    if manifest is not None and not bm25_ok:
        repairs.append("BM25 files missing or damaged; rewritten")
    # Entries exactly as published keep their chunks; only new or changed entries are split again.
    reused = reusable_chunks(manifest, corpus.entries, fp, records)
    fresh = chunk_entries(
        [e for e in corpus.entries if e.id not in reused], settings.chunk_tokens, settings.chunk_overlap, fp["model_id"]
    )
    by_entry: dict[str, list[Any]] = {}
    for node in fresh:
        by_entry.setdefault(str(node.metadata["entry_id"]), []).append(node)
    # Reused chunks stay payload dicts (a node is made only for one the store or the BM25 cache lacks).
    made = {n.node_id: n for n in fresh}
    chunks = [c for e in corpus.entries for c in _chunk_dicts(by_entry.get(e.id, [])) or reused.get(e.id, [])]
    ids = [str(c["id_"]) for c in chunks]
    existing = store.ids()
    published = chunk_ids(manifest) if manifest is not None else set()
    if lost := len(published - existing):
        repairs.append(
            f"the vector store lacks {lost} chunk(s) the index names (emptied or replaced); embedding them again"
        )
    if unpublished := len(existing - published) if manifest is not None else 0:
        repairs.append(f"a build was interrupted ({unpublished} chunk(s) stored but never published); finishing it")
    todo = [made.get(str(c["id_"])) or node_from_chunk(c) for c in chunks if c["id_"] not in existing]
    _embed_and_add(todo, embedder, store, settings.embed_batch_size, progress, show_progress)
    _publish_bm25(chunks, made, index_dir)
    write_manifest(
        index_dir,
        fingerprint=fp,
        entry_hashes=hashes,
        entries=records,
        chunks=chunks,
        bm25_digest=bm25_digest(index_dir / BM25_DIR),
        inputs_digest=inputs,
        warnings=[dataclasses.asdict(w) for w in corpus.warnings],
    )
    wanted = set(ids)
    stale = sorted(existing - wanted)
    orphans = len(set(stale) - (chunk_ids(manifest) if manifest else set()))
    if orphans and manifest is not None:
        repairs.append(f"removed {orphans} chunk(s) no published index named (left by an interrupted build)")
    store.delete(stale)
    return BuildReport(
        entries=len(corpus.entries),
        chunks=len(ids),
        embedded=len(todo),
        deleted=len(stale),
        unchanged=len(ids) - len(todo),
        warnings=warnings,
        repairs=repairs,
        records=records,
    )


def _is_noop(manifest: ManifestData, hashes: dict[str, str], fp: dict[str, Any], store: ChunkStore) -> bool:
    """Nothing to do: same fingerprint and entries, and the store holds exactly the published chunks."""
    if manifest.get("fingerprint") != fp:
        return False
    if manifest.get("entry_hashes") != hashes:
        return False
    wanted = chunk_ids(manifest)
    # The count is cheap and catches most extra or missing chunks; the id set settles the rest.
    return store.count() == len(wanted) and store.ids() == wanted


def _drop_warnings(manifest: ManifestData | None, corpus: Corpus, settings: IndexSettings) -> list[SeedWarning]:
    """A loud warning when this build would drop more than the allowed share of the indexed entries."""
    if manifest is None:
        return []
    before = {str(e["id"]) for e in manifest.get("entries", [])}
    if not before:
        return []
    dropped = before - {e.id for e in corpus.entries}
    share = len(dropped) / len(before)
    if share <= settings.max_drop_share:
        return []
    message = (
        f"this build drops {len(dropped)} of the {len(before)} indexed entries ({share:.0%}, more than "
        f"ASSISTANT_INDEX__MAX_DROP_SHARE={settings.max_drop_share:g}); "
        "check that no seed file was truncated or removed"
    )
    return [SeedWarning(str(settings.seeds_dir), 0, message, loud=True)]


def _publish_bm25(chunks: list[dict[str, Any]], made: dict[str, Any], index_dir: Path) -> None:
    tmp = index_dir / f".{BM25_DIR}.build.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    # Tokens of chunks the published BM25 folder already has are reused (only new chunks are tokenized, and only
    # their text is made).
    cache = LexicalIndex.load_tokens(index_dir / BM25_DIR)
    pairs = [
        (cid, "" if cid in cache else embed_text(made.get(cid) or node_from_chunk(c)))
        for c in chunks
        for cid in [str(c["id_"])]
    ]
    LexicalIndex.build(pairs, cache).save(tmp)
    final, old = index_dir / BM25_DIR, index_dir / f".{BM25_DIR}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def _embed_and_add(
    todo: list[Any], embedder: Embedder, store: ChunkStore, batch: int, progress: Progress | None, show: bool
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


def _chunk_dicts(nodes: list[Any]) -> list[dict[str, Any]]:
    """Chunks as the manifest stores them (text and metadata, no embeddings)."""
    return [chunk_from_node(n) for n in nodes]
