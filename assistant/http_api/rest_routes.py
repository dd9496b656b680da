"""REST: ``POST /v1/ask``, ``GET /v1/search``, ``GET /v1/entries`` and ``GET /v1/entries/{id}``.

Answers have the shape of ``Answer.to_dict()`` (the CLI's ``--json``) with each sentence's place in the text and
each citation's ``spans`` added (``service.answer_payload``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from assistant import service
from assistant.http_api.answers import AnswerRunner
from assistant.service import check_filters
from assistant.ui.turns import Shared


class HistoryMessage(BaseModel):
    """An earlier turn of the conversation."""

    role: str = Field(description="user or assistant (others are skipped)")
    content: str


class AskRequest(BaseModel):
    """A question, optionally narrowed by filters and following earlier turns."""

    model_config = ConfigDict(extra="ignore")
    question: str = Field(description="The question, in plain words.")
    kind: str | None = Field(default=None, description="Only entries of this kind: paper, talk or tutorial.")
    source: str | None = Field(default=None, description="Only entries from this seed file.")
    day: str | None = Field(default=None, description="Only talks on this day, e.g. Wednesday.")
    k: int | None = Field(default=None, ge=1, le=50, description="Passages the model reads (default: the server's).")
    history: list[HistoryMessage] = Field(
        default_factory=list, description="Earlier turns, oldest first, for follow-up questions."
    )


def rest_router(runner: AnswerRunner, shared: Shared) -> APIRouter:
    """The routes (mounted under /v1)."""
    router = APIRouter(tags=["REST"])

    @router.post("/ask", summary="Answer a question with verified citations")
    async def ask(body: AskRequest) -> dict[str, Any]:
        """The answer: ``text`` with [n] markers, ``abstained``, ``route``, ``citations`` (entry, quotes and the
        ``spans`` of the text each supports), ``sentences``, ``contexts`` and timings."""
        history = [m.model_dump() for m in body.history if m.role in ("user", "assistant")]
        filters = check_filters(body.kind, body.source, body.day)
        return await runner.answer(body.question, history=history, filters=filters, k=body.k)

    @router.get("/search", summary="Ranked passages for a query (no model)")
    def search(
        q: str = Query(description="What to look for: words, a question, a title, a name."),
        k: int = Query(10, ge=1, le=service.MAX_SEARCH_K, description="How many results."),
        kind: str | None = Query(None, description="paper, talk or tutorial"),
        source: str | None = Query(None, description="A seed file name"),
        day: str | None = Query(None, description="A day of the week, for talks"),
    ) -> dict[str, Any]:
        """One passage per entry, best first: entry id, title, kind, source file, text and score."""
        return service.search(shared.get(), q, k, check_filters(kind, source, day))

    @router.get("/entries", summary="List entries (no text), filtered")
    def entries(
        kind: str | None = Query(None, description="paper, talk or tutorial"),
        source: str | None = Query(None, description="A seed file name"),
        day: str | None = Query(None, description="A day of the week, for talks"),
        q: str = Query("", description="Words that must all appear in some field (case and accents ignored)"),
        limit: int = Query(100, ge=1, le=service.MAX_LIST),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        """``{"total", "offset", "entries"}``: summaries ordered by source file and line."""
        return service.list_entries(
            shared.get().entries, filters=check_filters(kind, source, day), query=q, limit=limit, offset=offset
        )

    @router.get("/entries/{entry_id}", summary="One entry in full")
    def entry(entry_id: str) -> dict[str, Any]:
        """Every field of the entry, its text included (404 for an unknown id)."""
        return service.entry_payload(service.get_entry(shared.get(), entry_id))

    return router
