"""A deterministic stand-in for the Assistant's library methods, shared by the Library tab's tests."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.library import DocumentInfo


@dataclass
class Outcome:
    path: str
    status: str
    entry_ids: list[str]
    pages: int | None
    message: str


@dataclass
class Report:
    files: list[Outcome]
    seconds: float

    def summary(self) -> str:
        return f"{len(self.files)} files"


@dataclass
class FakeLibrary:
    """Deterministic stand-in for the Assistant's library methods (progress as ``assistant.library`` reports it:
    after each file, with its message). A file whose text starts with "BAD" fails (its message names the path it
    was given); the same path with the same text is unchanged, with other text updated; otherwise added, with one
    page per form feed. ``gate`` holds each file until it is set."""

    gate: threading.Event | None = None
    docs: dict[str, tuple[str, DocumentInfo]] = field(default_factory=dict)
    given: list[list[str]] = field(default_factory=list)
    progress_calls: list[tuple[int, int, str]] = field(default_factory=list)

    def add_documents(
        self, paths: Sequence[str | Path], progress: Callable[[int, int, str], None] | None = None
    ) -> Report:
        self.given.append([str(p) for p in paths])
        out = []
        for i, raw in enumerate(paths, start=1):
            path = Path(raw)
            if self.gate is not None:
                assert self.gate.wait(10)
            out.append(self._add(path, i))
            if progress is not None:
                progress(i, len(paths), out[-1].message)
                self.progress_calls.append((i, len(paths), out[-1].message))
        return Report(out, 0.25)

    def _add(self, path: Path, i: int) -> Outcome:
        text = path.read_text(encoding="utf-8")
        if text.startswith("BAD"):
            return Outcome(str(path), "failed", [], None, f"{path}: not a PDF (the file is damaged)")
        digest = hashlib.sha256(text.encode()).hexdigest()
        pages = text.count("\f") + 1
        entry_id = f"doc-{path.stem}"
        old = self.docs.get(str(path))
        status = "unchanged" if old and old[0] == digest else ("updated" if old else "added")
        title = text.split("\n")[0].split("\f")[0]
        doc = DocumentInfo(entry_id, title, "paper", path.name, path.suffix[1:], pages, f"2026-12-01T17:5{i}")
        self.docs[str(path)] = (digest, doc)
        return Outcome(str(path), status, [entry_id], pages, f"{path.name}: {status}")

    def remove_document(self, ref: str) -> Outcome:
        for path, (_, doc) in list(self.docs.items()):
            if ref in (doc.entry_id, path):
                del self.docs[path]
                return Outcome(path, "removed", [doc.entry_id], doc.pages, "")
        return Outcome(ref, "failed", [], None, f"{ref}: no added document has this id, path or file name")

    def documents(self) -> list[DocumentInfo]:
        return [doc for _, doc in self.docs.values()]
