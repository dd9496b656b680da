"""The user's library over REST: ``GET /v1/documents``, ``POST /v1/documents`` (multipart, field ``files``) and
``DELETE /v1/documents/{ref}``. Refused (403) when uploads are off (``ASSISTANT_UI__UPLOADS=false``). Uploads go
through the Library tab's own checks and staging (``ui.library.check_uploads`` and ``upload``): the same file types,
count and size limits, one outcome per file."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, File, UploadFile

from assistant.http_api.errors import ApiError
from assistant.settings import Settings
from assistant.ui.library import check_uploads, upload
from assistant.ui.turns import Shared


def documents_router(shared: Shared, settings: Settings) -> APIRouter:
    """The routes (mounted under /v1)."""
    router = APIRouter(tags=["Library"])

    def allowed() -> None:
        if not settings.ui.uploads:
            raise ApiError(
                403, "the library is turned off on this server (ASSISTANT_UI__UPLOADS=false)", code="uploads_off"
            )

    @router.get("/documents", summary="The documents added to the corpus")
    def documents() -> dict[str, Any]:
        """Each added document: entry id, title, kind, stored file, format, pages, when it was added."""
        allowed()
        return {"documents": [d.to_dict() for d in shared.get().documents()]}

    @router.post("/documents", summary="Add documents (PDF, Markdown, text, BibTeX)")
    async def add(files: list[UploadFile] = File(description="One or more files")) -> dict[str, Any]:  # noqa: B008
        """One outcome per file (added, updated, unchanged or failed, with the reason), and a summary line."""
        allowed()
        folder = Path(tempfile.mkdtemp(prefix="api-upload-"))
        try:
            paths = []
            for item in files:
                name = Path(item.filename or "upload").name or "upload"
                target = folder / name
                if target.exists():  # a second file of the same name: kept apart so the check can refuse it
                    target = Path(tempfile.mkdtemp(dir=folder)) / name
                with target.open("wb") as out:
                    shutil.copyfileobj(item.file, out)
                paths.append(target)
            return await anyio.to_thread.run_sync(_add, shared, settings, paths, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @router.delete("/documents/{ref}", summary="Remove an added document")
    def remove(ref: str) -> dict[str, Any]:
        """Remove it by entry id (as listed) or stored file name; 404 when no document matches."""
        allowed()
        outcome = shared.get().remove_document(ref)
        if outcome.status != "removed":
            raise ApiError(404, outcome.message or f"no added document {ref!r}", code="not_found")
        shared.changed()
        return outcome.to_dict()

    return router


def _add(shared: Shared, settings: Settings, paths: list[Path], folder: Path) -> dict[str, Any]:
    check_uploads(paths, settings)  # a refusal of the whole upload (too many files...) is a 400, not a row
    rows: list[Any] = []
    line = ""
    for step in upload(shared.get(), paths, settings, shared.changed, upload_dir=folder):
        rows, line = step  # each step is the whole picture so far: the last one is the outcome
    return {
        "files": [
            {"name": r.name, "status": r.status, "entries": r.entries, "pages": r.pages, "message": r.message}
            for r in rows
        ],
        "summary": line.removeprefix("⚠️ "),
    }
