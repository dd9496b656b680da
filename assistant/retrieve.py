"""Hybrid retrieval: llama-index BM25 and dense (Chroma) retrievers fused by reciprocal rank, grouped per entry,
with entity links from the question (speaker names, titles, day and time) placed first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_index.core import QueryBundle
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import BaseRetriever, QueryFusionRetriever
from llama_index.core.schema import NodeWithScore, TextNode

from assistant.entity_linking import EntityLinker
from assistant.errors import AssistantError, IndexMissingError
from index.bm25 import LexicalIndex
from index.chunk import embed_text
from index.collector import collector_paused
from index.embed import Embedder
from index.entries import ENTRY_LIST, Entry
from index.manifest import BM25_DIR, inspect_manifest, node_from_chunk
from index.store import ChunkStore


@dataclass
class Passage:
    """One retrieved chunk, attributed to its entry."""

    entry_id: str
    title: str
    kind: str
    source: str
    text: str
    score: float
    chunk_id: str = ""
    dense_score: float | None = None
    entry: Entry | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "entry_id": self.entry_id,
            "title": self.title,
            "kind": self.kind,
            "source": self.source,
            "text": self.text,
            "score": round(self.score, 6),
            "chunk_id": self.chunk_id,
            "dense_score": None if self.dense_score is None else round(self.dense_score, 4),
        }


@dataclass(frozen=True)
class Filters:
    """Optional restrictions on what is retrieved; None means no restriction."""

    kind: str | None = None
    source: str | None = None
    speaker: str | None = None
    day: str | None = None

    def describe(self) -> str:
        """The filters set, as "kind=talk, day=Monday"."""
        return ", ".join(f"{k}={v}" for k, v in self.__dict__.items() if v) or "none"

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return not (self.kind or self.source or self.speaker or self.day)

    def accepts(self, entry: Entry) -> bool:
        """Whether an entry passes every filter (people and days compared case-insensitively)."""
        if self.kind and entry.kind != self.kind:
            return False
        if self.source and self.source not in {s.file for s in entry.sources}:
            return False
        if self.speaker and self.speaker.lower() not in {p.lower() for p in entry.people}:
            return False
        return not (self.day and (entry.day or "").lower() != self.day.lower())


class _Recording(BaseRetriever):
    """Wraps a retriever and keeps its last results (to read dense similarities after fusion)."""

    def __init__(self, inner: BaseRetriever) -> None:
        super().__init__()
        self.inner = inner
        self.last: list[NodeWithScore] = []

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        results = self.inner.retrieve(query_bundle)
        # Fusion overwrites scores in place; keep our own copies of the similarities.
        self.last = [NodeWithScore(node=n.node, score=n.score) for n in results]
        return results


class LazyNodes(Mapping[str, TextNode]):
    """Chunk id (or entry id) → llama-index node, each node made from its payload dict on first access."""

    def __init__(self, raw: dict[str, dict[str, Any]], shared: LazyNodes | None = None) -> None:
        self.raw = raw
        self._shared = shared
        self._made: dict[str, TextNode] = {}

    def __getitem__(self, key: str) -> TextNode:
        node = self._made.get(key)
        if node is None:
            chunk = self.raw[key]
            node = self._shared[chunk["id_"]] if self._shared is not None else node_from_chunk(chunk)
            self._made[key] = node
        return node

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __contains__(self, key: object) -> bool:
        return key in self.raw


class LexicalRetriever(BaseRetriever):
    """The BM25 index as a llama-index retriever (``similarity_top_k`` results, best first)."""

    def __init__(self, index: LexicalIndex, nodes: Mapping[str, TextNode], similarity_top_k: int = 10) -> None:
        super().__init__()
        self.index = index
        self.nodes = nodes
        self.similarity_top_k = similarity_top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.index.search(query_bundle.query_str, self.similarity_top_k)
        return [NodeWithScore(node=self.nodes[cid], score=score) for cid, score in hits if cid in self.nodes]


class DenseRetriever(BaseRetriever):
    """Nearest chunks by embedding: ids and similarities from the store, nodes from the payload (what
    ``VectorIndexRetriever`` over a ``VectorStoreIndex`` does, without building the index object, which resolves an
    embedding model, imports langchain and loads a tokenizer, about 1.5 s at start-up, and without reading every
    hit's text and metadata back from Chroma)."""

    def __init__(
        self, store: ChunkStore, nodes: Mapping[str, TextNode], embedder: Embedder, similarity_top_k: int = 10
    ) -> None:
        super().__init__()
        self.store = store
        self.nodes = nodes
        self.embedder = embedder
        self.similarity_top_k = similarity_top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        embedding = query_bundle.embedding or self.embedder.embed([query_bundle.query_str])[0]
        hits = self.store.nearest(embedding, self.similarity_top_k)
        # A chunk the manifest does not name (an interrupted build's) is skipped, as LexicalRetriever does.
        return [NodeWithScore(node=self.nodes[cid], score=score) for cid, score in hits if cid in self.nodes]


class IndexedCorpus:
    """The published index: entries, chunks, the BM25 index and the chunk store (dense vectors)."""

    def __init__(self, index_dir: Path, store: ChunkStore, embedder: Embedder) -> None:
        with collector_paused():  # tens of thousands of entries and chunks loaded at once (see index.collector)
            self._load(index_dir, store, embedder)

    def _load(self, index_dir: Path, store: ChunkStore, embedder: Embedder) -> None:
        manifest = inspect_manifest(index_dir, payload="serve").data
        if manifest is None:
            raise IndexMissingError(f"no index in {index_dir}; run `assistant index` first")
        built_with = manifest.get("fingerprint", {}).get("model_id")
        if built_with != embedder.model_id:
            raise IndexMissingError(
                f"the index in {index_dir} was built with embedder {built_with!r}, not {embedder.model_id!r}; "
                "run `assistant index` to rebuild it"
            )
        self.index_dir = index_dir
        self.built_at: str = manifest.get("built_at", "")
        # Validated straight from the payload's JSON bytes where it records where they lie (no dicts made first).
        raw = manifest.get("entries_json")
        entries = ENTRY_LIST.validate_json(raw) if raw is not None else ENTRY_LIST.validate_python(manifest["entries"])
        self.entries: dict[str, Entry] = {e.id: e for e in entries}
        # Nodes are made when first looked at: a question touches a few dozen of tens of thousands.
        self.nodes = LazyNodes({c["id_"]: c for c in manifest["chunks"]})
        first: dict[str, str] = {}
        for c in manifest["chunks"]:
            first.setdefault(str(c["metadata"]["entry_id"]), c["id_"])
        self.first_chunks = LazyNodes({eid: self.nodes.raw[cid] for eid, cid in first.items()}, self.nodes)
        self.embedder = embedder
        self.bm25 = self._load_bm25()
        self.store = store
        self.linker = EntityLinker(list(self.entries.values()))

    def _load_bm25(self) -> LexicalRetriever:
        path = self.index_dir / BM25_DIR
        try:
            lexical = LexicalIndex.load(path)
            if set(lexical.ids) == set(self.nodes):
                return LexicalRetriever(lexical, self.nodes)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        # Missing or out of step with the manifest (e.g. an interrupted build): rebuild in memory.
        chunks = [(cid, embed_text(self.nodes[cid])) for cid in self.nodes]
        return LexicalRetriever(LexicalIndex.build(chunks), self.nodes)

    @property
    def sources(self) -> list[str]:
        """Every seed file name in the index."""
        return sorted({s.file for e in self.entries.values() for s in e.sources})


class HybridRetriever:
    """BM25 + dense retrieval fused by rank, one passage per entry, best first."""

    def __init__(self, corpus: IndexedCorpus, candidates: int = 30) -> None:
        self.corpus = corpus
        self.candidates = candidates

    def validate(self, filters: Filters) -> None:
        """AssistantError naming the filter and the allowed values if a filter value is unknown."""
        for name in ("kind", "source", "speaker", "day"):
            value = getattr(filters, name)
            if not value:
                continue
            allowed, folded = self._allowed(name)
            if value.lower() not in folded:
                shown = ", ".join(allowed[:12]) + (" …" if len(allowed) > 12 else "")
                raise AssistantError(f"unknown {name} {value!r}; known values: {shown}")

    def _allowed(self, name: str) -> tuple[list[str], set[str]]:
        """The values a filter may take (computed once per corpus: a scan of every entry)."""
        cache: dict[str, tuple[list[str], set[str]]] = self.__dict__.setdefault("_allowed_values", {})
        if name not in cache:
            entries = self.corpus.entries.values()
            values = {
                "kind": lambda: sorted({e.kind for e in entries}),
                "source": lambda: self.corpus.sources,
                "speaker": lambda: sorted({p for e in entries for p in e.people}),
                "day": lambda: sorted({e.day for e in entries if e.day}),
            }[name]()
            cache[name] = (values, {v.lower() for v in values})
        return cache[name]

    def retrieve(self, query: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid") -> list[Passage]:
        """Ranked passages, one per entry, best first. Hybrid mode also puts entities the question names first."""
        filters = filters or Filters()
        self.validate(filters)
        from assistant.spelling import correct_query  # typo tolerance: misspelled corpus words corrected

        query = correct_query(query, self.corpus)
        pool = len(self.corpus.nodes) if not filters.is_empty() else self.candidates
        ranked, dense = self._ranked_nodes(query, pool, mode)
        passages = self._group(ranked, dense, filters)
        if mode == "hybrid":  # bm25 / dense stay plain single retrievers, for comparison
            passages = self._link_first(query, passages, filters)
        return passages[:k]

    def _ranked_nodes(self, query: str, pool: int, mode: str) -> tuple[list[NodeWithScore], dict[str, float]]:
        pool = max(1, min(pool, len(self.corpus.nodes)))
        bm25 = self.corpus.bm25
        bm25.similarity_top_k = pool
        dense = _Recording(
            DenseRetriever(self.corpus.store, self.corpus.nodes, self.corpus.embedder, similarity_top_k=pool)
        )
        if mode == "bm25":
            return bm25.retrieve(query), {}
        if mode == "dense":
            nodes = dense.retrieve(query)
            return nodes, {n.node.node_id: float(n.score or 0.0) for n in nodes}
        fusion = QueryFusionRetriever(
            [bm25, dense],
            llm=MockLLM(),
            mode="reciprocal_rerank",
            similarity_top_k=2 * pool,
            num_queries=1,
            use_async=False,
        )
        fused = fusion.retrieve(query)
        return fused, {n.node.node_id: float(n.score or 0.0) for n in dense.last}

    def _group(self, ranked: Sequence[NodeWithScore], dense: dict[str, float], filters: Filters) -> list[Passage]:
        # Both retrievers return only the payload's nodes (an interrupted build's chunks are skipped there).
        best_dense: dict[str, float] = {}
        for node_id, score in dense.items():
            eid = str(self.corpus.nodes[node_id].metadata["entry_id"])
            best_dense[eid] = max(best_dense.get(eid, -1.0), score)
        out: list[Passage] = []
        seen: set[str] = set()
        for item in ranked:
            node = self.corpus.nodes[item.node.node_id]
            entry = self.corpus.entries.get(str(node.metadata["entry_id"]))
            if entry is None or entry.id in seen or not filters.accepts(entry):
                continue
            seen.add(entry.id)
            out.append(self._passage(entry, node, float(item.score or 0.0), best_dense.get(entry.id)))
        return out

    def _passage(self, entry: Entry, node: TextNode, score: float, dense: float | None) -> Passage:
        return Passage(
            entry_id=entry.id,
            title=entry.title,
            kind=entry.kind,
            source=entry.source,
            text=node.text,
            score=score,
            chunk_id=node.node_id,
            dense_score=dense,
            entry=entry,
        )

    def _link_first(self, query: str, passages: list[Passage], filters: Filters) -> list[Passage]:
        """Entries the question names outright (a speaker, a title, a day and time) go first; else an entry whose own
        coined name it writes (one that no other entry uses)."""
        linker = self.corpus.linker
        linked = [e for e in linker.link(query) or linker.by_own_name(query) if filters.accepts(e)]
        if not linked:
            return passages
        by_id = {p.entry_id: p for p in passages}
        top = passages[0].score if passages else 1.0
        front = []
        for entry in linked:
            p = by_id.pop(entry.id, None) or self._passage(entry, self.corpus.first_chunks[entry.id], top, None)
            front.append(p)
        return front + [p for p in passages if p.entry_id in by_id]
