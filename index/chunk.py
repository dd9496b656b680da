"""Token-aware chunking: each entry becomes one or more chunks that carry the entry's id and metadata.

The entry's metadata (title, people, when) is part of what is embedded and matched lexically, so "Yue Lu's talk"
finds the talk; the chunk's own text stays the passage that is quoted."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from index.entries import Entry
from index.text import sentence_pieces

if TYPE_CHECKING:  # llama-index and tiktoken are imported when chunking, not by a build that has nothing to do
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import TextNode

CHUNKER_VERSION = "3"
# Shown to the embedder / BM25 / LLM. The rest of the metadata is bookkeeping.
CONTENT_KEYS = ("title", "kind", "speaker", "affiliation", "presenters", "when", "authors", "published", "venue")
BOOKKEEPING_KEYS = (
    "entry_id",
    "source",
    "sources",
    "line",
    "chunk",
    "entry_hash",
    "collection",
    "day",
    "date",
    "time",
    "page",
)


@lru_cache(maxsize=1)
def _tokenizer() -> Callable[[str], list[int]]:
    import tiktoken

    return tiktoken.get_encoding("cl100k_base").encode


def count_tokens(text: str) -> int:
    """cl100k tokens in a text."""
    return len(_tokenizer()(text))


def entry_metadata(entry: Entry) -> dict[str, str | int]:
    """Flat, Chroma-safe metadata for every chunk of an entry (no None values)."""
    meta: dict[str, str | int | None] = {
        "title": entry.title,
        "kind": entry.kind,
        "speaker": entry.speaker,
        "affiliation": entry.affiliation,
        "presenters": ", ".join(entry.presenters) or None,
        "when": entry.when or None,
        "authors": ", ".join(entry.authors)
        or (f"{entry.authors_count} authors" if entry.authors_count is not None else None),
        "published": (entry.date or (str(entry.year) if entry.year else None)) if entry.kind == "paper" else None,
        "venue": entry.venue,
        "entry_id": entry.id,
        "source": entry.source,
        "sources": ", ".join(sorted({s.file for s in entry.sources})),
        "line": entry.line,
        "entry_hash": entry.content_hash(),
        "collection": entry.collection,
        "day": entry.day,
        "date": entry.date,
        "time": entry.time,
    }
    return {k: v for k, v in meta.items() if v is not None and v != ""}


def make_splitter(chunk_tokens: int, chunk_overlap: int) -> SentenceSplitter:
    """llama-index sentence splitter counting cl100k tokens (metadata included in the budget), cutting sentences
    where ``index.text`` does: its default sentence function imports all of NLTK (about 3 s, paid by the first
    entry too long for one chunk) to run an untrained Punkt model."""
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=min(chunk_overlap, chunk_tokens // 4),
        tokenizer=_tokenizer(),
        chunking_tokenizer_fn=sentence_pieces,
    )


def chunk_entry(entry: Entry, splitter: SentenceSplitter, model_id: str) -> list[TextNode]:
    """Chunks of one entry with ids derived from content, chunker version and embedding model."""
    from llama_index.core import Document
    from llama_index.core.schema import MetadataMode, TextNode

    meta = entry_metadata(entry)
    excluded = [k for k in meta if k not in CONTENT_KEYS]
    # A document with pages is split page by page, so that every chunk knows its page.
    pages = entry_pages(entry) if entry.page_starts else [(None, entry.text or entry.title)]
    if entry.page_starts:
        excluded.append("page")
    docs = [
        Document(
            text=text,
            doc_id=entry.id if page is None else f"{entry.id}@p{page}",
            metadata=meta if page is None else {**meta, "page": page},
            excluded_embed_metadata_keys=excluded,
            excluded_llm_metadata_keys=excluded,
        )
        for page, text in pages
    ]
    nodes = splitter.get_nodes_from_documents(docs)
    out: list[TextNode] = []
    for i, node in enumerate(nodes):
        node.metadata["chunk"] = i
        embed_text = node.get_content(metadata_mode=MetadataMode.EMBED)
        digest = hashlib.sha1(f"{CHUNKER_VERSION}|{model_id}|{embed_text}".encode()).hexdigest()[:12]
        out.append(
            TextNode(
                id_=f"{entry.id}#{i}:{digest}",
                text=node.text,
                metadata=dict(node.metadata),
                excluded_embed_metadata_keys=[*excluded, "chunk"],
                excluded_llm_metadata_keys=[*excluded, "chunk"],
            )
        )
    return out


def entry_pages(entry: Entry) -> list[tuple[int | None, str]]:
    """(page number, text) of each page of an entry that has text; the whole text as page None otherwise."""
    if not entry.page_starts:
        return [(None, entry.text or entry.title)]
    bounds = [*entry.page_starts, len(entry.text)]
    pages = [(n, entry.text[bounds[n - 1] : bounds[n]].strip()) for n in range(1, len(entry.page_starts) + 1)]
    return [(n, text) for n, text in pages if text] or [(1, entry.title)]


def chunk_entries(entries: Sequence[Entry], chunk_tokens: int, chunk_overlap: int, model_id: str) -> list[TextNode]:
    """Chunks of every entry, in entry order."""
    splitter = make_splitter(chunk_tokens, chunk_overlap)
    return [node for entry in entries for node in chunk_entry(entry, splitter, model_id)]


def embed_text(node: TextNode) -> str:
    """What the embedder and BM25 see for a chunk: its content metadata, then its text."""
    from llama_index.core.schema import MetadataMode

    return node.get_content(metadata_mode=MetadataMode.EMBED)
