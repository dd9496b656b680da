"""The index manifest: the one file readers trust, naming every published entry and chunk. Owns its format.

The manifest is written last in a build (after the chunks and the BM25 files it names), atomically, so a reader
sees either the previous build or the new one. It also records a digest of the BM25 files, so that a damaged BM25
folder is noticed without loading it.

Format 2 keeps ``manifest.json`` small (fingerprint, entry hashes, chunk ids, digests, the seed warnings): the
entries and chunks live in a payload file named after its own sha256 (``payload-<digest>.json``), written before
the manifest that names it and checked against that digest when read. A no-op build reads only the small file and
hashes the payload; the digest of the build's inputs (seed files, document registry, parser code, limits) lets it
skip parsing the seeds at all when nothing changed."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypedDict

from index.files import exclusive_lock, write_atomic

MANIFEST = "manifest.json"
BM25_DIR = "bm25"
PAYLOAD_PREFIX = "payload-"
MANIFEST_FORMAT = 2
_REQUIRED = ("format", "fingerprint", "entry_hashes", "chunk_ids", "payload")
_ENTRIES_HEAD, _CHUNKS_HEAD = b'{"entries":', b',"chunks":'
PayloadMode = Literal["load", "serve", "verify", "none"]


class ManifestData(TypedDict, total=False):
    """The manifest (``manifest.json``) and, once read, its payload's ``entries`` and ``chunks``. Chunks are compact
    node dicts: ``id_``, ``text``, ``metadata`` (``node_from_chunk`` makes the llama-index node)."""

    format: int
    built_at: str
    fingerprint: dict[str, Any]
    entry_hashes: dict[str, str]
    chunk_ids: list[str]
    inputs_digest: str
    warnings: list[dict[str, Any]]
    bm25_digest: str
    hash_code: str
    payload: dict[str, Any]
    entries: list[dict[str, Any]]
    entries_json: bytes
    chunks: list[dict[str, Any]]


@dataclass(frozen=True)
class ManifestState:
    """What is in the index folder: a usable manifest, none at all, or a damaged one (``problem`` says how)."""

    status: Literal["ok", "missing", "corrupt"]
    data: ManifestData | None = None
    problem: str = ""


def build_lock(index_dir: Path) -> contextlib.AbstractContextManager[None]:
    """One build (or damage check and repair) at a time per index folder; a second waits. Not reentrant."""
    return exclusive_lock(index_dir / ".build.lock")


def manifest_path(index_dir: Path) -> Path:
    """Where the manifest of ``index_dir`` lives."""
    return Path(index_dir) / MANIFEST


def inspect_manifest(index_dir: Path, *, payload: PayloadMode = "load") -> ManifestState:
    """Read and check the manifest: its JSON, format number and the shape of its fields, then its payload (``load``:
    digest checked and entries and chunks read in; ``serve``: the same, but the entries are left as their JSON
    bytes in ``entries_json`` when the payload records where they lie (for ``ENTRY_LIST.validate_json``: no dicts
    made), as dicts in ``entries`` otherwise; ``verify``: digest checked only; ``none``: not looked at)."""
    path = manifest_path(index_dir)
    if not path.exists():
        return ManifestState("missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return ManifestState("corrupt", problem=f"{path} cannot be read ({exc})")
    except ValueError as exc:
        return ManifestState("corrupt", problem=f"{path} is not valid JSON ({exc})")
    problem = _shape_problem(data)
    if problem:
        return ManifestState("corrupt", problem=f"{path} {problem}")
    if payload != "none":
        problem = _read_payload(Path(index_dir), data, mode=payload)
        if problem:
            return ManifestState("corrupt", problem=problem)
    return ManifestState("ok", data=data)


def read_manifest(index_dir: Path) -> ManifestData | None:
    """The published manifest with its entries and chunks, or None if there is none or it is damaged
    (``inspect_manifest`` tells which)."""
    return inspect_manifest(index_dir).data


def chunk_ids(manifest: ManifestData) -> set[str]:
    """Ids of every chunk the manifest publishes."""
    return set(manifest.get("chunk_ids", []))


def node_from_chunk(chunk: Mapping[str, Any]) -> Any:
    """The llama-index node of a payload chunk, showing the embedder and BM25 what the chunker made it show."""
    from llama_index.core.schema import TextNode

    from index.chunk import CONTENT_KEYS

    metadata = dict(chunk["metadata"])
    excluded = [k for k in metadata if k not in CONTENT_KEYS]
    return TextNode(
        id_=str(chunk["id_"]),
        text=str(chunk["text"]),
        metadata=metadata,
        excluded_embed_metadata_keys=excluded,
        excluded_llm_metadata_keys=list(excluded),
    )


def chunk_from_node(node: Any) -> dict[str, Any]:
    """A node as the payload stores it (no embedding, no relationships: the entry and the chunker make those)."""
    return {"id_": node.node_id, "text": node.text, "metadata": dict(node.metadata)}


def reusable_chunks(
    manifest: ManifestData | None,
    entries: Sequence[Any],
    fingerprint: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]] | None = None,
) -> dict:
    """Per entry id, the published chunk dicts of every entry that is exactly as it was when they were made (same
    record, sources included, and the same chunker and embedder): chunking those again would give the same.
    ``records`` are the entries' ``model_dump(mode="json")``, when the caller has them already."""
    if manifest is None or manifest.get("fingerprint") != dict(fingerprint) or "entries" not in manifest:
        return {}
    before = _published_records(manifest)
    by_entry: dict[str, list[dict[str, Any]]] = {}
    for chunk in manifest.get("chunks", []):
        by_entry.setdefault(str(chunk["metadata"].get("entry_id")), []).append(chunk)
    if records is None:
        records = [e.model_dump(mode="json") for e in entries]
    out = {}
    for entry, record in zip(entries, records, strict=True):
        old = before.get(entry.id)
        if old is not None and entry.id in by_entry and old == record:
            out[entry.id] = by_entry[entry.id]
    return out


def entry_hashes(
    manifest: ManifestData | None, entries: Sequence[Any], records: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """Each entry's ``content_hash()``; taken from the published manifest for an entry whose record (its
    ``model_dump(mode="json")``, ``records``) is exactly the published one and whose hash was made by this code
    (``hash_code``), computed for the rest."""
    trusted = manifest is not None and manifest.get("hash_code") == entry_code_digest()
    published = manifest.get("entry_hashes", {}) if trusted and manifest is not None else {}
    before = _published_records(manifest) if manifest is not None else {}
    out = {}
    for entry, record in zip(entries, records, strict=True):
        known = published.get(entry.id)
        out[entry.id] = known if known is not None and before.get(entry.id) == record else entry.content_hash()
    return out


def _published_records(manifest: ManifestData) -> dict[str, Mapping[str, Any]]:
    """The published entries' records by entry id."""
    return {str(e["id"]): e for e in manifest.get("entries", [])}


@lru_cache(maxsize=1)
def entry_code_digest() -> str:
    """sha256 of the code that defines ``Entry.content_hash`` (published hashes are reused only under it)."""
    return hashlib.sha256((Path(__file__).resolve().parent / "entries.py").read_bytes()).hexdigest()


def inputs_digest(seeds_dir: Path, limits: Any, documents_dir: Path | None = None) -> str:
    """sha256 over everything a corpus is parsed from: the seed files (names and bytes), the document registry,
    the seed limits and the parser code. Equal digests, equal corpus. "" when the seeds cannot be listed."""
    from index.corpus import seed_files
    from index.parse_cache import parser_code_digest

    digest = hashlib.sha256(repr(limits).encode() + parser_code_digest().encode())
    try:
        files = seed_files(Path(seeds_dir))
    except (OSError, ValueError):
        return ""
    for path in files:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
    if documents_dir is not None:
        from index.documents.registry import REGISTRY

        registry = Path(documents_dir) / REGISTRY
        digest.update(b"registry\0" + (registry.read_bytes() if registry.is_file() else b""))
    return digest.hexdigest()


def write_manifest(
    index_dir: Path,
    *,
    fingerprint: Mapping[str, Any],
    entry_hashes: Mapping[str, str],
    entries: list[dict[str, Any]],
    chunks: list[dict[str, Any]],
    bm25_digest: str,
    inputs_digest: str = "",
    warnings: Sequence[Mapping[str, Any]] = (),
) -> ManifestData:
    """Publish a new manifest atomically: the payload first (temp file, fsync, rename to its digest's name), then
    the manifest naming it (likewise); then payloads no manifest names are removed. Returns what was written."""
    import orjson

    index_dir = Path(index_dir)
    # Byte for byte what orjson.dumps({"entries": ..., "chunks": ...}) writes, with the entries' span recorded, so a
    # reader can validate the entries straight from their JSON bytes (``payload="serve"``).
    entries_blob = orjson.dumps(entries)
    blob = _ENTRIES_HEAD + entries_blob + _CHUNKS_HEAD + orjson.dumps(chunks) + b"}"
    span = [len(_ENTRIES_HEAD), len(_ENTRIES_HEAD) + len(entries_blob)]
    sha = hashlib.sha256(blob).hexdigest()
    name = f"{PAYLOAD_PREFIX}{sha[:16]}.json"
    _write_bytes_atomic(index_dir / name, blob)
    data: ManifestData = {
        "format": MANIFEST_FORMAT,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "fingerprint": dict(fingerprint),
        "entry_hashes": dict(entry_hashes),
        "chunk_ids": [str(c["id_"]) for c in chunks],
        "inputs_digest": inputs_digest,
        "warnings": [dict(w) for w in warnings],
        "bm25_digest": bm25_digest,
        "hash_code": entry_code_digest(),
        "payload": {"file": name, "sha256": sha, "bytes": len(blob), "entries_span": span},
    }
    write_atomic(manifest_path(index_dir), json.dumps(data, ensure_ascii=False))
    remove_paths(p for p in index_dir.glob(f"{PAYLOAD_PREFIX}*.json") if p.name != name)
    return {**data, "entries": entries, "chunks": chunks}


def refresh_inputs(index_dir: Path, manifest: ManifestData, inputs: str, warnings: Sequence[Mapping[str, Any]]) -> None:
    """Record that the published index is also what ``inputs`` parse into (a build found nothing to change, but
    the seed bytes or parser code differ), so the next build sees it without parsing. The payload is untouched."""
    header = {k: v for k, v in manifest.items() if k not in ("entries", "chunks")}
    # The build that calls this checked every entry hash under this code.
    header.update(inputs_digest=inputs, warnings=[dict(w) for w in warnings], hash_code=entry_code_digest())
    write_atomic(manifest_path(index_dir), json.dumps(header, ensure_ascii=False))


def discard_manifest(index_dir: Path) -> None:
    """Remove the manifest and its payload (the store they describe is gone), so no reader trusts a half index."""
    manifest_path(index_dir).unlink(missing_ok=True)
    remove_paths(Path(index_dir).glob(f"{PAYLOAD_PREFIX}*.json"))


def _write_bytes_atomic(path: Path, blob: bytes) -> None:
    # The temp name is the manifest's: an interrupted build's leftovers are all found (and removed) by that prefix.
    tmp = path.with_name(f".{MANIFEST}.{PAYLOAD_PREFIX}{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read_payload(index_dir: Path, data: dict[str, Any], *, mode: PayloadMode) -> str:
    """Check the payload the manifest names against its digest and, for ``load`` and ``serve``, put its entries and
    chunks into ``data``; the problem found, or ""."""
    info = data["payload"]
    path = index_dir / str(info.get("file", ""))
    try:
        blob = path.read_bytes()
    except OSError as exc:
        return f"the index payload {path} cannot be read ({exc})"
    if len(blob) != info.get("bytes") or hashlib.sha256(blob).hexdigest() != info.get("sha256"):
        return f"the index payload {path} does not match its digest (damaged or replaced)"
    if mode not in ("load", "serve"):
        return ""
    import orjson

    span = _entries_span(blob, info.get("entries_span")) if mode == "serve" else None
    try:
        if span is not None:
            entries, chunks = None, orjson.loads(blob[span[1] + len(_CHUNKS_HEAD) : -1])
        else:
            body = orjson.loads(blob)
            entries, chunks = body["entries"], body["chunks"]
    except (ValueError, KeyError, TypeError) as exc:
        return f"the index payload {path} is malformed ({exc})"
    if entries is not None and (
        not isinstance(entries, list) or not all(isinstance(e, dict) and "id" in e for e in entries)
    ):
        return f"the index payload {path} has malformed entries"
    if not isinstance(chunks, list) or not all(isinstance(c, dict) and "id_" in c and "metadata" in c for c in chunks):
        return f"the index payload {path} has malformed chunks"
    if [c["id_"] for c in chunks] != data["chunk_ids"]:
        return f"the index payload {path} does not hold the chunks the manifest names"
    if span is not None:
        data["entries_json"] = blob[span[0] : span[1]]
    else:
        data["entries"] = entries
    data["chunks"] = chunks
    return ""


def _entries_span(blob: bytes, span: Any) -> tuple[int, int] | None:
    """Where the entries array lies in a payload written with its span recorded; None when it is not recorded or
    does not frame a JSON array between the two keys (the whole payload is parsed then)."""
    if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span)):
        return None
    start, end = span
    framed = blob[:start] == _ENTRIES_HEAD and blob[end : end + len(_CHUNKS_HEAD)] == _CHUNKS_HEAD
    if not framed or blob[start : start + 1] != b"[" or blob[end - 1 : end] != b"]" or blob[-1:] != b"}":
        return None
    return start, end


def bm25_digest(bm25_dir: Path) -> str:
    """sha256 over the names and bytes of the BM25 files (a few hundred KB: milliseconds); "" if the folder is gone."""
    if not bm25_dir.is_dir():
        return ""
    digest = hashlib.sha256()
    for path in sorted(p for p in bm25_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(bm25_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def leftover_temp_paths(index_dir: Path) -> list[Path]:
    """Temporary files and folders that only an interrupted build leaves behind (call under the build lock). Only
    the build's own names: other parts of the program may keep their own temporary files in the same folder."""
    if not index_dir.is_dir():
        return []
    ours = (f".{MANIFEST}.", f".{BM25_DIR}.")
    named = inspect_manifest(index_dir, payload="none").data
    current = str(named["payload"].get("file")) if named else None
    return sorted(
        p
        for p in index_dir.iterdir()
        if (p.name.startswith(ours) and (p.name.endswith(".tmp") or p.name == f".{BM25_DIR}.old"))
        or (p.name.startswith(PAYLOAD_PREFIX) and p.name.endswith(".json") and p.name != current and named is not None)
    )


def remove_paths(paths: Iterable[Path]) -> None:
    """Delete files and folders, ignoring ones already gone."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _shape_problem(data: Any) -> str:
    """Why ``data`` is not a manifest this code can serve, or "" if it is one."""
    if not isinstance(data, dict):
        return "does not hold a JSON object"
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        return f"lacks {', '.join(missing)}"
    if data["format"] != MANIFEST_FORMAT:
        return f"has format {data['format']!r}, expected {MANIFEST_FORMAT}"
    if not isinstance(data["fingerprint"], dict) or not isinstance(data["entry_hashes"], dict):
        return "has a malformed fingerprint or entry_hashes"
    if not isinstance(data["chunk_ids"], list) or not all(isinstance(c, str) for c in data["chunk_ids"]):
        return "has malformed chunk ids"
    info = data["payload"]
    if not isinstance(info, dict) or not isinstance(info.get("file"), str) or "/" in info["file"]:
        return "names no valid payload file"
    if not isinstance(data.get("warnings", []), list):
        return "has malformed warnings"
    return ""
