"""The Library tab: add your own papers (PDF, Markdown, plain text, BibTeX) from the browser, see them, remove them.

Only ``Assistant.add_documents``, ``remove_document`` and ``documents`` are called (``assistant.library``), through
the ``Library`` protocol below. Every upload is checked here before anything is indexed: allowed types only
(``ASSISTANT_INDEX__DOCUMENT_SUFFIXES``), at most ``ASSISTANT_UI__MAX_UPLOAD_FILES`` files and
``ASSISTANT_UI__MAX_UPLOAD_MB`` per file, each refused file named in its own row while the rest are added (the
route itself refuses a request over the file count, the total size or with a disallowed type: ``guard``), one
file per name. Accepted files are
staged as ``<data dir>/uploads/<name>``, so a file uploaded again under the same name with new content replaces the
old one (the library knows a document by the path it was added from), and handed over; the library copies them under
the data folder with safe names and only ever parses them. Staged files and Gradio's temporary copies are deleted
once the library is done, and the data folder is blocked from Gradio's file route, so nothing uploaded can be
fetched back from the server. With ``ASSISTANT_UI__UPLOADS=false`` the tab is not built, these functions refuse, and
the server accepts no upload bytes at all (``server.launch_kwargs``).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import gradio as gr
from gradio.utils import get_upload_folder

from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.ui.turns import Shared, friendly_error

log = logging.getLogger(__name__)
RESULT_HEADERS: tuple[str, ...] = ("File", "Status", "Entries", "Pages", "Message")
DOCUMENT_HEADERS: tuple[str, ...] = ("Title", "Kind", "Source file", "Pages", "Added at")
WAITING, READING, READ, FAILED = "waiting", "reading", "read", "failed"
CHANGES = ("added", "updated", "removed")  # outcomes after which the corpus is different
_POLL_S = 0.5
_LIBRARY = "library"  # one upload or removal at a time, beside the answers' own queue


class Outcome(Protocol):
    """What the library says about one file (``assistant.library.FileOutcome``)."""

    @property
    def path(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def entry_ids(self) -> list[str]: ...
    @property
    def pages(self) -> int | None: ...
    @property
    def message(self) -> str: ...


class Report(Protocol):
    """What the library says about one call of ``add_documents`` (``assistant.library.AddReport``)."""

    @property
    def files(self) -> Sequence[Outcome]: ...
    @property
    def seconds(self) -> float: ...


class Document(Protocol):
    """One added document as listed (``assistant.library.DocumentInfo``)."""

    @property
    def entry_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def pages(self) -> int | None: ...
    @property
    def added_at(self) -> str: ...


class Library(Protocol):
    """The three Assistant methods this tab uses."""

    def add_documents(
        self, paths: Sequence[str | Path], progress: Callable[[int, int, str], None] | None = None
    ) -> Report: ...
    def remove_document(self, ref: str) -> Outcome: ...
    def documents(self) -> Sequence[Document]: ...


@dataclass
class FileRow:
    """One line of the upload results: the file's own name, where it stands, and what the library said."""

    name: str
    status: str
    entries: int = 0
    pages: int | None = None
    message: str = ""

    def cells(self) -> list[Any]:
        """The row for gr.Dataframe, in ``RESULT_HEADERS`` order."""
        return [self.name, self.status, self.entries, "" if self.pages is None else self.pages, self.message]


def allowed_types(settings: Settings) -> str:
    """ ".pdf, .md, .markdown, .txt or .bib" (the library's suffixes) for messages."""
    suffixes = [s.lower() for s in settings.index.document_suffixes]
    return ", ".join(suffixes[:-1]) + f" or {suffixes[-1]}" if len(suffixes) > 1 else suffixes[0]


def check_uploads(
    paths: Sequence[str | Path] | str | Path | None, settings: Settings
) -> tuple[list[Path], list[FileRow]]:
    """The files of an upload to hand to the library, and one row per file in upload order: waiting for those
    accepted, failed with the reason for those refused here (type, size, unreadable, a second file of the same
    name). Raises AssistantError for the whole upload: uploads off, nothing chosen, too many files."""
    ui = settings.ui
    if not ui.uploads:
        raise AssistantError("adding documents is turned off on this server (ASSISTANT_UI__UPLOADS=false)")
    files = list(dict.fromkeys(Path(p) for p in _items(paths)))
    if not files:
        raise AssistantError(f"no file was chosen; pick one or more {allowed_types(settings)} files")
    if len(files) > ui.max_upload_files:
        raise AssistantError(
            f"{len(files)} files in one upload is more than the limit of {ui.max_upload_files} "
            "(ASSISTANT_UI__MAX_UPLOAD_FILES); add them in smaller batches"
        )
    limit = int(ui.max_upload_mb * 1024 * 1024)
    suffixes = {s.lower() for s in settings.index.document_suffixes}
    accepted: list[Path] = []
    rows: list[FileRow] = []
    for path in files:
        name, suffix = path.name, path.suffix.lower()
        if suffix not in suffixes:
            kind = f"{suffix} files are" if suffix else "files without an extension are"
            rows.append(
                FileRow(name, FAILED, message=f"{name}: {kind} not accepted; allowed: {allowed_types(settings)}")
            )
        elif any(p.name == name for p in accepted):
            rows.append(FileRow(name, FAILED, message=f"{name}: another file of this upload has the same name"))
        elif not path.is_file():
            rows.append(FileRow(name, FAILED, message=f"{name}: the upload could not be read; try again"))
        elif (size := path.stat().st_size) > limit:
            rows.append(
                FileRow(
                    name,
                    FAILED,
                    message=f"{name} is {size / 1024 / 1024:.1f} MB, more than the limit of {ui.max_upload_mb:g} MB "
                    "(ASSISTANT_UI__MAX_UPLOAD_MB)",
                )
            )
        else:
            accepted.append(path)
            rows.append(FileRow(name, WAITING))
    return accepted, rows


def _items(paths: Sequence[str | Path] | str | Path | None) -> list[str | Path]:
    items = [paths] if isinstance(paths, str | Path) else list(paths or [])
    return [p for p in items if isinstance(p, str | Path) and str(p)]


def discard_uploads(paths: Sequence[str | Path], upload_dir: str | Path | None = None) -> None:
    """Delete Gradio's temporary copies of uploaded files (and their emptied folders), so that none can be fetched
    back through Gradio's file route. Files outside Gradio's upload folder are never touched."""
    root = Path(upload_dir or get_upload_folder()).resolve()
    for raw in paths:
        path = Path(raw).resolve()
        if not path.is_relative_to(root) or path == root:
            continue
        with contextlib.suppress(OSError):  # already gone, or not ours to remove: nothing to serve either way
            path.unlink()
            if path.parent != root:
                path.parent.rmdir()


def staging_dir(settings: Settings) -> Path:
    """Where accepted uploads wait for the library, one file per name: ``<data dir>/uploads``."""
    return settings.index.data_dir / "uploads"


def upload(
    library: Library,
    paths: Sequence[str | Path] | str | Path | None,
    settings: Settings,
    on_change: Callable[[], None] | None = None,
    upload_dir: str | Path | None = None,
) -> Iterator[tuple[list[FileRow], str]]:
    """Check an upload, hand the accepted files to ``library.add_documents`` and yield ``(rows, progress line)``
    as it goes: one row per file (waiting, reading, read, then added / updated / unchanged / failed with its
    message). ``on_change`` runs once if the corpus changed. Staged and temporary copies are deleted at the end."""
    started = time.perf_counter()
    items = _items(paths)
    try:
        accepted, rows = check_uploads(items, settings)
        staged = _stage(accepted, staging_dir(settings))
    except (AssistantError, OSError) as exc:
        yield [], friendly_error(exc if isinstance(exc, AssistantError) else _unstaged(exc))
        return
    finally:
        discard_uploads(items, upload_dir)  # Gradio's copies: the accepted files are staged by now
    waiting = [r for r in rows if r.status == WAITING]
    if not staged:
        yield rows, f"⚠️ Nothing was added: {_count(len(rows), 'file')} refused."
        return
    events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def progress(done: int, total: int, message: str) -> None:
        events.put(("progress", (done, total, str(message))))

    def work() -> None:
        result: tuple[str, Any] = ("error", AssistantError("the library stopped without a report"))
        try:
            result = ("report", library.add_documents(staged, progress=progress))
        except Exception as exc:
            result = ("error", exc)
        finally:  # here, not in the generator: a closed page must not pull files from under the library
            try:
                for path in staged:
                    path.unlink(missing_ok=True)
            finally:
                events.put(result)

    threading.Thread(target=work, name="library-add", daemon=True).start()
    waiting[0].status = READING
    yield rows, f"Reading {_count(len(staged), 'file')}…"
    line = "Reading"
    while True:
        try:
            kind, item = events.get(timeout=_POLL_S)
        except queue.Empty:
            yield rows, f"{line}… {time.perf_counter() - started:.0f} s so far"
            continue
        if kind == "progress":
            line = _progressed(waiting, *item)
            yield rows, f"{line}…"
            continue
        if kind == "error":
            if not isinstance(exc := item, AssistantError):
                log.error("adding documents failed: %s: %s", type(exc).__name__, exc)
            for row in waiting:
                row.status, row.message = FAILED, friendly_error(exc)
            yield rows, f"⚠️ Nothing was added. {friendly_error(exc)}"
            return
        report: Report = item
        _apply(report, dict(zip(map(str, staged), waiting, strict=True)), rows)
        if on_change is not None and any(o.status in CHANGES for o in report.files):
            on_change()
        yield rows, summary(rows, report.seconds)
        return


def _stage(accepted: Sequence[Path], folder: Path) -> list[Path]:
    """Copy the accepted files to ``folder/<name>`` (names are unique within an upload: checked before)."""
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    for path in accepted:
        target = folder / path.name
        shutil.copyfile(path, target)
        staged.append(target)
    return staged


def _unstaged(exc: OSError) -> AssistantError:
    return AssistantError(f"the upload could not be stored in the data folder ({exc.strerror or exc}); try again")


def _progressed(rows: Sequence[FileRow], done: int, total: int, message: str) -> str:
    """Rows after ``progress(done, total, message)``: the first ``done`` files read (their message kept until the
    outcome), the next one being read. Returns the progress line."""
    if message.startswith("indexing"):
        return f"Indexing {_count(total, 'file')}: {message.split(':', 1)[-1].strip()}"
    for i, row in enumerate(rows):
        if i < done and row.status in (WAITING, READING):
            row.status, row.message = READ, message if i == done - 1 else row.message
        elif i == done and row.status == WAITING:
            row.status = READING
    return f"Read {done} of {total}: {message}"


def _apply(report: Report, by_path: dict[str, FileRow], rows: list[FileRow]) -> None:
    """Each outcome onto its file's row."""
    for outcome in report.files:
        row = by_path.get(str(outcome.path)) or next(
            (r for r in by_path.values() if r.name == Path(outcome.path).name), None
        )
        if row is None:
            row = FileRow(Path(outcome.path).name, WAITING)
            rows.append(row)
        row.status, row.entries, row.pages = outcome.status, len(outcome.entry_ids), outcome.pages
        row.message = str(outcome.message or "").replace(str(outcome.path), row.name)
    for row in by_path.values():
        if row.status in (WAITING, READING, READ):
            row.status, row.message = FAILED, f"{row.name}: the library did not report on this file"


def summary(rows: Sequence[FileRow], seconds: float) -> str:
    """ "Done in 3.2 s: 2 added, 1 unchanged, 1 failed." (statuses in a fixed order)."""
    order = ("added", "updated", "unchanged", "removed", FAILED)
    counts = [f"{sum(r.status == s for r in rows)} {s}" for s in order if any(r.status == s for r in rows)]
    mark = "⚠️ " if any(r.status == FAILED for r in rows) else ""
    return f"{mark}Done in {seconds:.1f} s: {', '.join(counts)}."


def remove(library: Library, ref: str | None, settings: Settings, on_change: Callable[[], None] | None = None) -> str:
    """Remove one document (by entry id, as listed) and say what happened."""
    if not settings.ui.uploads:
        return friendly_error(AssistantError("changing the library is turned off on this server"))
    if not isinstance(ref, str) or not ref.strip():
        return friendly_error(AssistantError("choose a document to remove first"))
    try:
        outcome = library.remove_document(ref.strip())
    except Exception as exc:
        if not isinstance(exc, AssistantError):
            log.error("removing a document failed: %s: %s", type(exc).__name__, exc)
        return friendly_error(exc)
    if outcome.status != "removed":
        return friendly_error(AssistantError(outcome.message or f"{ref} could not be removed"))
    if on_change is not None:
        on_change()
    removed = _count(len(outcome.entry_ids), "entry", "entries")
    return f"✓ {outcome.message or f'{Path(outcome.path).name}: removed ({removed})'}"


def document_rows(docs: Sequence[Document]) -> list[list[Any]]:
    """The documents table (``DOCUMENT_HEADERS``), newest first."""
    ordered = sorted(docs, key=lambda d: (str(d.added_at), d.title), reverse=True)
    return [[d.title, d.kind, d.source, "" if d.pages is None else d.pages, added_text(d.added_at)] for d in ordered]


def removal_choices(docs: Sequence[Document]) -> list[tuple[str, str]]:
    """(label, entry id) for the remove menu, in the table's order."""
    ordered = sorted(docs, key=lambda d: (str(d.added_at), d.title), reverse=True)
    return [(f"{d.title} ({d.source})", d.entry_id) for d in ordered]


def added_text(value: str) -> str:
    """An ISO timestamp as "2026-12-01 17:50" (UTC as stored); anything else unchanged."""
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def library_tab(shared: Shared, settings: Settings, on_change: Callable[[], None]) -> list[Any]:
    """Build the Library tab inside the current ``gr.Tabs`` (nothing when uploads are off). Returns the events
    after which the corpus may have changed, for the app to refresh what it shows of the corpus."""
    ui = settings.ui
    if not ui.uploads:
        return []

    def listing() -> tuple[list[list[Any]], str, Any]:
        try:
            docs = list(shared.get().documents())
        except Exception as exc:
            log.warning("could not list the documents: %s: %s", type(exc).__name__, exc)
            return [], friendly_error(exc), gr.update(choices=[], value=None)
        count = f"{_count(len(docs), 'document')} added." if docs else "No documents added yet."
        return document_rows(docs), count, gr.update(choices=removal_choices(docs), value=None)

    def do_upload(paths: Any) -> Iterator[tuple[Any, ...]]:
        try:
            library = shared.get()
        except Exception as exc:
            discard_uploads(_items(paths))
            yield [], friendly_error(exc), None, gr.skip(), gr.skip(), gr.skip()
            return
        for rows, line in upload(library, paths, settings, on_change):
            yield [r.cells() for r in rows], line, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        yield gr.skip(), gr.skip(), None, *listing()

    def do_remove(ref: Any) -> tuple[Any, ...]:
        if ref == "":  # the browser's "Remove …?" was answered No: the choice stays as it was
            return "Nothing removed.", gr.skip(), gr.skip(), gr.skip()
        try:
            message = remove(shared.get(), ref, settings, on_change)
        except Exception as exc:  # the index could not be opened
            message = friendly_error(exc)
        return (message, *listing())

    def pick(evt: gr.SelectData) -> Any:
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        choices = removal_choices(list(shared.get().documents()))
        return gr.update(value=choices[index][1]) if isinstance(index, int) and 0 <= index < len(choices) else gr.skip()

    with gr.Tab("Library", id="library") as tab:
        gr.Markdown(
            f"Add your own papers: {allowed_types(settings)} (PDFs need a text layer: no OCR here). Up to "
            f"{ui.max_upload_files} files at once, {ui.max_upload_mb:g} MB each. They join the corpus beside the "
            "seeds and are cited by page; the files are kept in the server's data folder, only read as text, never "
            "served back. You can keep asking questions while they are indexed.",
            elem_classes="ra-status",
        )
        # no file_types: Gradio would drop a wrong file in the browser, or refuse the whole upload in one opaque
        # error; here each file gets its own row and reason
        files = gr.File(
            label="Add documents",
            file_count="multiple",
            type="filepath",
            elem_id="ra-upload",
            height=120,
        )
        status = gr.Markdown("", elem_id="ra-upload-status")
        results = gr.Dataframe(
            headers=list(RESULT_HEADERS), interactive=False, wrap=True, elem_id="ra-upload-results", max_height=320
        )
        count = gr.Markdown("", elem_classes="ra-status", elem_id="ra-docs-count")
        docs = gr.Dataframe(
            headers=list(DOCUMENT_HEADERS), interactive=False, wrap=True, elem_id="ra-docs", max_height=480
        )
        with gr.Row(equal_height=True):
            # custom values let a declined confirmation through as "" (remove() checks every ref it gets anyway)
            choice = gr.Dropdown(
                [], label="Document to remove", scale=4, elem_id="ra-remove-choice", allow_custom_value=True
            )
            remove_btn = gr.Button("Remove", variant="stop", scale=1, min_width=90, elem_id="ra-remove")
        removed = gr.Markdown("", elem_id="ra-remove-status")

    queued: dict[str, Any] = {"concurrency_id": _LIBRARY, "concurrency_limit": 1, "api_visibility": "private"}
    added = files.upload(
        do_upload,
        [files],
        [results, status, files, docs, count, choice],
        show_progress="minimal",
        show_progress_on=[status],
        **queued,
    )
    # Removing cannot be undone: the browser asks first; a "no" sends an empty choice, which removes nothing.
    ask = "window.confirm('Remove this document and its entries from the corpus?')"
    confirm = f"(ref) => !ref ? null : ({ask} ? ref : '')"
    dropped = remove_btn.click(do_remove, [choice], [removed, docs, count, choice], js=confirm, **queued)
    tab.select(listing, None, [docs, count, choice], queue=False, api_visibility="private")
    docs.select(pick, None, [choice], queue=False, api_visibility="private")
    return [added, dropped]
