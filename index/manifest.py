"""The index manifest: the one file readers trust, naming every published entry and chunk. Owns its format.

The manifest is written last in a build (after the chunks and the BM25 files it names), atomically, so a reader
sees either the previous build or the new one. It also records a digest of the BM25 files, so that a damaged BM25
folder is noticed without loading it."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict

MANIFEST = "manifest.json"
BM25_DIR = "bm25"
MANIFEST_FORMAT = 1
_REQUIRED = ("format", "fingerprint", "entry_hashes", "entries", "chunks")


class ManifestData(TypedDict, total=False):
    """The manifest as stored (JSON). ``chunks`` are llama-index node dicts without embeddings."""

    format: int
    built_at: str
    fingerprint: dict[str, Any]
    entry_hashes: dict[str, str]
    entries: list[dict[str, Any]]
    chunks: list[dict[str, Any]]
    bm25_digest: str


@dataclass(frozen=True)
class ManifestState:
    """What is in the index folder: a usable manifest, none at all, or a damaged one (``problem`` says how)."""

    status: Literal["ok", "missing", "corrupt"]
    data: ManifestData | None = None
    problem: str = ""


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build (or damage check and repair) at a time per index folder; a second waits. Not reentrant."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def manifest_path(index_dir: Path) -> Path:
    """Where the manifest of ``index_dir`` lives."""
    return Path(index_dir) / MANIFEST


def inspect_manifest(index_dir: Path) -> ManifestState:
    """Read and check the manifest: its JSON, its format number and the shape of its fields."""
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
    return ManifestState("ok", data=data)


def read_manifest(index_dir: Path) -> ManifestData | None:
    """The published manifest, or None if there is none or it is damaged (``inspect_manifest`` tells which)."""
    return inspect_manifest(index_dir).data


def chunk_ids(manifest: ManifestData) -> set[str]:
    """Ids of every chunk the manifest publishes."""
    return {str(c["id_"]) for c in manifest.get("chunks", [])}


def write_manifest(
    index_dir: Path,
    *,
    fingerprint: Mapping[str, Any],
    entry_hashes: Mapping[str, str],
    entries: list[dict[str, Any]],
    chunks: list[dict[str, Any]],
    bm25_digest: str,
) -> ManifestData:
    """Publish a new manifest atomically (temp file, fsync, rename) and return what was written."""
    data: ManifestData = {
        "format": MANIFEST_FORMAT,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "fingerprint": dict(fingerprint),
        "entry_hashes": dict(entry_hashes),
        "entries": entries,
        "chunks": chunks,
        "bm25_digest": bm25_digest,
    }
    write_atomic(manifest_path(index_dir), json.dumps(data, ensure_ascii=False))
    return data


def discard_manifest(index_dir: Path) -> None:
    """Remove the manifest (the store it describes is gone), so no reader trusts a half index."""
    manifest_path(index_dir).unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old file or the new one, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


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
    return sorted(
        p
        for p in index_dir.iterdir()
        if p.name.startswith(ours) and (p.name.endswith(".tmp") or p.name == f".{BM25_DIR}.old")
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
    if not isinstance(data["entries"], list) or not all(isinstance(e, dict) and "id" in e for e in data["entries"]):
        return "has malformed entries"
    if not isinstance(data["chunks"], list) or not all(isinstance(c, dict) and "id_" in c for c in data["chunks"]):
        return "has malformed chunks"
    return ""
