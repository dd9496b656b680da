"""The record of added documents: ``<data dir>/documents/registry.json`` plus a copy of each file under a safe name.

Each record keeps the entries parsed from its file, so an index build reads them without parsing PDFs again (a
no-op re-index stays as fast as with the seeds alone). The registry is written atomically and changed under a lock,
so a crash or a second process never leaves it half written."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.documents.common import ParsedDocument
from index.entries import Entry, SourceRef
from index.files import exclusive_lock, write_atomic

REGISTRY = "registry.json"
REGISTRY_FORMAT = 1
FILES_DIR = "files"
_MAX_NAME = 80


class RegistryError(ValueError):
    """The registry file is damaged; the message says where and what to do."""


@dataclass
class DocumentRecord:
    """One added file: where it came from, its stored copy, its content hash and the entries read from it."""

    original_path: str
    stored_name: str
    sha256: str
    format: str
    entry_ids: list[str]
    added_at: str
    pages: int | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def safe_name(name: str) -> str:
    """A file name that is only a name: no folders, no "..", no leading dot, no control or shell characters."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode())
    clean = re.sub(r"-{2,}", "-", clean).strip("-_") or "document"
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix).lower()[:10]
    return clean[: _MAX_NAME - len(suffix) - 1] + (f".{suffix}" if suffix else "")


def registry_lock(folder: Path) -> contextlib.AbstractContextManager[None]:
    """One change to the registry (and the index build that follows it) at a time; a second waits."""
    return exclusive_lock(folder / ".lock")


class Registry:
    """The documents folder: its records, and the operations that add, replace and remove them."""

    def __init__(self, folder: Path, records: list[DocumentRecord]) -> None:
        self.folder = folder
        self.records = records

    @classmethod
    def open(cls, folder: Path) -> Registry:
        """The registry in ``folder`` (empty if there is none); RegistryError if its file is damaged."""
        path = folder / REGISTRY
        if not path.exists():
            return cls(folder, [])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != REGISTRY_FORMAT:
                raise ValueError(f"expected a JSON object with format {REGISTRY_FORMAT}")
            records = [DocumentRecord(**r) for r in data["documents"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RegistryError(
                f"the document registry {path} is damaged ({exc}); move it away and add the documents again"
            ) from None
        return cls(folder, records)

    def save(self) -> None:
        """Write the registry atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"format": REGISTRY_FORMAT, "documents": [asdict(r) for r in self.records]}
        write_atomic(self.folder / REGISTRY, json.dumps(data, ensure_ascii=False, indent=1))

    def by_sha256(self, digest: str) -> DocumentRecord | None:
        """The record of a file with exactly these bytes."""
        return next((r for r in self.records if r.sha256 == digest), None)

    def by_original(self, path: Path) -> DocumentRecord | None:
        """The record of a file added from this path before."""
        key = str(path.resolve())
        return next((r for r in self.records if r.original_path == key), None)

    def find(self, ref: str) -> DocumentRecord | None:
        """The record named by an entry id, an original path (as given or resolved) or a stored file name."""
        ref = ref.strip()
        if not ref:
            return None
        for r in self.records:
            if ref in r.entry_ids or ref == r.stored_name or ref == r.original_path:
                return r
        try:
            resolved = str(Path(ref).expanduser().resolve())
        except (OSError, RuntimeError, ValueError):
            return None
        return next((r for r in self.records if r.original_path == resolved), None)

    def stored_path(self, record: DocumentRecord) -> Path:
        """Where the copy of a record's file lies."""
        return self.folder / FILES_DIR / record.stored_name

    def _unique_name(self, name: str, keep: DocumentRecord | None) -> str:
        taken = {r.stored_name for r in self.records if r is not keep}
        if name not in taken:
            return name
        stem, dot, suffix = name.rpartition(".")
        stem, suffix = (stem, f".{suffix}") if dot else (name, "")
        n = 2
        while f"{stem}-{n}{suffix}" in taken:
            n += 1
        return f"{stem}-{n}{suffix}"

    def store(
        self, path: Path, parsed: ParsedDocument, digest: str, *, replacing: DocumentRecord | None
    ) -> DocumentRecord:
        """Copy the file in under a safe, unique name, record it with its entries (sources renamed to the stored
        name) and save; a record of the same original path is replaced."""
        stored = replacing.stored_name if replacing else self._unique_name(safe_name(path.name), None)
        files = self.folder / FILES_DIR
        files.mkdir(parents=True, exist_ok=True)
        tmp = files / f".{stored}.{os.getpid()}.tmp"
        shutil.copyfile(path, tmp)
        os.replace(tmp, files / stored)
        entries = [_restamp(e, stored) for e in parsed.entries]
        record = DocumentRecord(
            original_path=str(path.resolve()),
            stored_name=stored,
            sha256=digest,
            format=parsed.format,
            entry_ids=list(dict.fromkeys(e.id for e in entries)),
            added_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            pages=parsed.pages,
            entries=[e.model_dump(mode="json") for e in entries],
            warnings=list(parsed.warnings),
        )
        if replacing is not None:
            self.records[self.records.index(replacing)] = record
        else:
            self.records.append(record)
        self.save()
        return record

    def remove(self, record: DocumentRecord) -> None:
        """Forget a record and delete its stored copy."""
        self.records = [r for r in self.records if r is not record]
        self.save()
        self.stored_path(record).unlink(missing_ok=True)

    def entries(self) -> list[Entry]:
        """Every registered entry, in the order added."""
        return [Entry.model_validate(e) for r in self.records for e in r.entries]


def _restamp(entry: Entry, stored: str) -> Entry:
    """The entry as read from the stored copy: its sources and document name the stored file."""
    sources = [SourceRef(file=stored, line=s.line) for s in entry.sources] or [SourceRef(file=stored, line=1)]
    return entry.model_copy(update={"sources": sources, "document": stored if entry.page_starts else None})
