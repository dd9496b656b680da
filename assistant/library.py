"""The user's own documents (PDF, Markdown, plain text, BibTeX): added to and removed from the index.

Each file is parsed once when it is added (index/documents), copied under ``<data dir>/documents/`` with a safe
name and recorded, with the entries parsed from it, in that folder's registry. The index build reads the seeds and
the registered entries as one corpus, so the incremental build (content-hash chunk ids, manifest, BM25) embeds only
what changed. Adding, updating or removing never touches what was indexed before when a file fails."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from assistant.errors import AssistantError
from index.build import build_index
from index.documents import DocumentError, parse_document
from index.documents.registry import FILES_DIR, DocumentRecord, Registry, RegistryError, registry_lock, sha256_of
from index.settings import IndexSettings

log = logging.getLogger(__name__)

Status = Literal["added", "updated", "unchanged", "removed", "failed"]
Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, message)``: after each file is read (``done`` files of ``total``, message as
in its FileOutcome), then while the index is updated (``done == total``, message "indexing: …")."""


@dataclass
class FileOutcome:
    """What happened to one file. ``message`` names the file and, for a failure, what was wrong."""

    path: str
    status: Status
    entry_ids: list[str] = field(default_factory=list)
    pages: int | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


@dataclass
class AddReport:
    """Per-file outcomes of one add, and how long it took (parsing and indexing)."""

    files: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileOutcome]:
        """The files that could not be added."""
        return [f for f in self.files if f.status == "failed"]

    def summary(self) -> str:
        """One line for people: counts per status, pages read, time."""
        counts = {s: sum(1 for f in self.files if f.status == s) for s in ("added", "updated", "unchanged", "failed")}
        parts = [f"{n} {s}" for s, n in counts.items() if n]
        pages = sum(f.pages or 0 for f in self.files if f.status in ("added", "updated"))
        head = f"{len(self.files)} file(s): " + (", ".join(parts) or "nothing to do")
        return head + (f"; {pages} page(s) read" if pages else "") + f" ({self.seconds:.1f} s)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {"files": [f.to_dict() for f in self.files], "seconds": round(self.seconds, 3)}


@dataclass
class DocumentInfo:
    """One added document as listed: its (first) entry, what kind of file it was and when it was added."""

    entry_id: str
    title: str
    kind: str
    source: str
    format: str
    pages: int | None
    added_at: str
    original_path: str = ""
    entry_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


def documents_dir(settings: IndexSettings) -> Path:
    """Where added documents and their registry are kept."""
    return settings.documents_dir


def expand_paths(paths: Iterable[str | Path], suffixes: Sequence[str]) -> tuple[list[Path], list[FileOutcome]]:
    """Files named by ``paths`` (folders searched recursively for the allowed suffixes, in name order), and a failed
    outcome for each path that does not exist and for each file that is, after resolving links, outside the paths
    given (a link to another file or folder is never followed out of what the user named)."""
    files: list[Path] = []
    missing: list[FileOutcome] = []
    allowed = {s.lower() for s in suffixes}
    for raw in paths:
        path = Path(raw).expanduser()
        # Links in the folders above the path are where the user points; the path itself and below must stay inside.
        lexical = Path(os.path.abspath(path))
        root = lexical.parent.resolve() / lexical.name if lexical.name else lexical
        if path.is_symlink():
            missing.append(
                _failed(
                    path,
                    f"{path}: is a link to {_target(path)}; name the file or folder itself (links are not followed)",
                )
            )
        elif path.is_dir():
            # Hidden files (editor locks, macOS "._" forks) are not documents.
            found = sorted(
                p
                for p in path.rglob("*")
                if (p.is_file() or p.is_symlink())
                and p.suffix.lower() in allowed
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            inside = [p for p in found if _target(p).is_relative_to(root)]
            missing += [_failed(p, _outside(p, root)) for p in found if p not in inside]
            if not found:
                missing.append(_failed(path, f"{path}: no {', '.join(sorted(allowed))} files in this folder"))
            files += [p for p in inside if p.is_file()]
        elif path.is_file():
            files.append(path)
        else:
            missing.append(_failed(path, f"{path}: no such file or folder"))
    seen: set[Path] = set()
    unique = [p for p in files if not (p.resolve() in seen or seen.add(p.resolve()))]  # type: ignore[func-returns-value]
    return unique, missing


def _target(path: Path) -> Path:
    """Where a path leads after resolving every link (a link loop leads to a path outside every folder)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path("/") / "unresolvable link" / path.name


def _outside(path: Path, root: Path) -> str:
    """The one-line refusal of a file whose links lead out of the folder given."""
    return f"{path}: is a link to {_target(path)}, outside {root}; links out of the paths given are not followed"


def register_files(
    settings: IndexSettings, paths: Sequence[str | Path], progress: Progress | None = None
) -> tuple[list[FileOutcome], bool]:
    """Parse and register each file (the index is not touched here). Returns the outcomes (paths that do not exist
    first, then each file in order) and whether the registry changed (so an index build is needed)."""
    files, outcomes = expand_paths(paths, settings.document_suffixes)
    registry = _open(settings)
    changed = False
    total = len(files)
    for done, path in enumerate(files, start=1):
        outcome = _register_one(settings, registry, path)
        changed |= outcome.status in ("added", "updated")
        outcomes.append(outcome)
        if progress:
            progress(done, total, outcome.message)
    return outcomes, changed


def _register_one(settings: IndexSettings, registry: Registry, path: Path) -> FileOutcome:
    limit = settings.max_document_mb
    try:
        size = path.stat().st_size
        if size > limit * 1_000_000:
            raise DocumentError(
                path.name,
                f"file is {size / 1_000_000:.1f} MB, over the limit of {limit:g} MB (ASSISTANT_INDEX__MAX_DOCUMENT_MB)",
            )
        if path.suffix.lower() not in {s.lower() for s in settings.document_suffixes}:
            allowed = ", ".join(settings.document_suffixes)
            raise DocumentError(
                path.name,
                f"unsupported file type {path.suffix or '(none)'!r}; allowed: {allowed} "
                "(ASSISTANT_INDEX__DOCUMENT_SUFFIXES)",
            )
        digest = sha256_of(path)
        same = registry.by_sha256(digest)
        if same is not None:
            return FileOutcome(
                str(path),
                "unchanged",
                list(same.entry_ids),
                same.pages,
                f"{path.name}: already added (as {same.stored_name}), nothing to do",
            )
        parsed = parse_document(path)
        previous = registry.by_original(path)
        record = registry.store(path, parsed, digest, replacing=previous)
    except DocumentError as exc:
        return _failed(path, str(exc))
    except OSError as exc:
        return _failed(path, f"{path.name}: cannot be read ({exc.strerror or exc})")
    status: Status = "updated" if previous is not None else "added"
    what = f"{len(record.entry_ids)} entr{'y' if len(record.entry_ids) == 1 else 'ies'}"
    pages = f", {record.pages} page(s)" if record.pages else ""
    skipped = f"; skipped: {'; '.join(record.warnings[:3])}" if record.warnings else ""
    message = f"{path.name}: {status} ({what}{pages}){skipped}"
    return FileOutcome(str(path), status, list(record.entry_ids), record.pages, message)


def unregister(settings: IndexSettings, ref: str) -> tuple[FileOutcome, DocumentRecord | None]:
    """Remove the document ``ref`` names (an entry id, its original path or its stored file name) from the
    registry and delete its stored copy. Unknown refs give a failed outcome and change nothing."""
    registry = _open(settings)
    record = registry.find(ref)
    if record is None:
        known = ", ".join(r.stored_name for r in registry.records[:8]) or "none added yet"
        return _failed(
            Path(ref), f"{ref}: no added document has this entry id, path or file name (added: {known})"
        ), None
    registry.remove(record)
    return (
        FileOutcome(
            record.original_path,
            "removed",
            list(record.entry_ids),
            record.pages,
            f"{record.stored_name}: removed ({_entries(len(record.entry_ids))})",
        ),
        record,
    )


def list_documents(settings: IndexSettings) -> list[DocumentInfo]:
    """Every added document, in the order added."""
    out = []
    for r in _open(settings).records:
        first = r.entries[0] if r.entries else {}
        out.append(
            DocumentInfo(
                entry_id=r.entry_ids[0] if r.entry_ids else "",
                title=str(first.get("title", r.stored_name)),
                kind=str(first.get("kind", "paper")),
                source=r.stored_name,
                format=r.format,
                pages=r.pages,
                added_at=r.added_at,
                original_path=r.original_path,
                entry_ids=list(r.entry_ids),
            )
        )
    return out


def add_documents(assistant: Any, paths: Sequence[str | Path], progress: Progress | None = None) -> AddReport:
    """Register each file, then bring the index (and the assistant serving it) up to date once for all of them."""
    if isinstance(paths, str | Path):
        paths = [paths]
    start = time.perf_counter()
    settings: IndexSettings = assistant.settings.index
    with _changing(settings) as snapshot:
        outcomes, changed = register_files(settings, paths, progress)
        if changed:
            problem = _reindex(assistant, snapshot, progress, len(outcomes))
            if problem:
                outcomes = [_undone(o, problem) if o.status in ("added", "updated") else o for o in outcomes]
    return AddReport(outcomes, time.perf_counter() - start)


def remove_document(assistant: Any, ref: str) -> FileOutcome:
    """Remove one added document (by entry id, original path or stored name) and its chunks from the index."""
    settings: IndexSettings = assistant.settings.index
    with _changing(settings) as snapshot:
        outcome, record = unregister(settings, str(ref))
        if record is not None:
            problem = _reindex(assistant, snapshot)
            if problem:
                return _undone(outcome, problem)
    return outcome


@contextlib.contextmanager
def _changing(settings: IndexSettings) -> Iterator[list[DocumentRecord]]:
    """Hold the registry lock; yield the records as they were, to put back if indexing the change fails."""
    folder = documents_dir(settings)
    with registry_lock(folder):
        try:
            before = list(Registry.open(folder).records)
        except RegistryError as exc:
            raise AssistantError(str(exc)) from None
        yield before


def _reindex(assistant: Any, before: list[DocumentRecord], progress: Progress | None = None, total: int = 0) -> str:
    """Build the index with the changed registry and serve it; on failure put the registry back (the build leaves
    the previous index in place) and say why."""
    settings: IndexSettings = assistant.settings.index

    def built(_share: float, message: str) -> None:
        if progress:
            progress(total, total, f"indexing: {message}")

    try:
        build_index(settings, assistant.embedder, assistant.store, show_progress=False, progress=built)
    except Exception as exc:  # any failure: the previous registry and index stay as they were
        log.warning("indexing the added documents failed, registry restored: %s", exc)
        registry = Registry(documents_dir(settings), before)
        registry.save()
        kept = {r.stored_name for r in before}
        for path in (documents_dir(settings) / FILES_DIR).glob("*"):
            if path.name not in kept:
                path.unlink(missing_ok=True)
        return f"indexing failed ({type(exc).__name__}: {exc}); nothing was changed"
    assistant.reload_index()
    return ""


def _undone(outcome: FileOutcome, problem: str) -> FileOutcome:
    name = Path(outcome.path).name
    return FileOutcome(outcome.path, "failed", [], outcome.pages, f"{name}: {problem}")


def _open(settings: IndexSettings) -> Registry:
    try:
        return Registry.open(documents_dir(settings))
    except RegistryError as exc:
        raise AssistantError(str(exc)) from None


def _failed(path: Path, message: str) -> FileOutcome:
    return FileOutcome(str(path), "failed", [], None, message)


def _entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"
