"""The MCP server (official ``mcp`` SDK): ``assistant mcp`` over stdio, ``assistant mcp --http`` over streamable
HTTP (loopback unless allowed otherwise, with the web UI's login rules).

Tools: ``ask`` (an answer whose every sentence is checked against the corpus, with structured citations and their
quotes), ``search``, ``get_entry`` and ``list_entries``; resources: ``corpus://overview`` and ``entry://{entry_id}``.
The Assistant is opened in the background as the server starts, so a client's handshake never waits for the index
or the model. Every tool runs within ``ASSISTANT_API__ANSWER_DEADLINE_S`` and at most ``ASSISTANT_UI__CONCURRENCY``
at once; failures reach the agent as tool errors with the reason, never as a hang."""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from assistant import service
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.llm.base import LLMError
from assistant.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

INSTRUCTIONS = """\
This server answers questions about a fixed research corpus: machine-learning papers (titles, abstracts, author
counts, publication dates), talks from a symposium programme (speaker, affiliation, day, time, abstract) and
tutorials (presenters, description), plus any documents the user added (PDF, Markdown, BibTeX; cited by page).
It knows nothing outside that corpus. Use `ask` for a question in plain words: the answer's sentences are each
checked against the corpus and carry [n] markers pointing at citations with the exact quoted evidence; when the
corpus does not say, it answers "The corpus does not say." rather than guessing. Use `search` or `list_entries` to
find entries, `get_entry` (or the entry://{entry_id} resource) to read one in full. Read corpus://overview first to
see what kinds of entries, sources and days exist."""

ASK = """\
Answer a question about the research corpus (ML papers, symposium talks, tutorials, the user's added documents),
with verified citations. Returns the answer text with [n] markers plus structured `citations`: for each marker the
entry id, title, kind, source file, page (added PDFs), `quotes` (the exact corpus text each sentence rests on) and
`spans` (which sentence of the answer, by character offsets, each quote supports). `abstained` is true when the
corpus does not hold the answer: do not treat that as a failure of the tool, and do not invent an answer instead.
Good questions: "Who talks at 4:20 pm on Wednesday?", "Which speakers are from EPFL?", "What problem do Pointer
Networks address?", "Which tutorial teaches machine-checkable proofs?". Optional filters narrow what is read:
kind (paper, talk or tutorial), day (a weekday, for talks, e.g. "Wednesday"), source (a seed file name as given in
corpus://overview or in any entry's `source`). Answers that need the language model can take tens of seconds;
answers read from entry records (who, when, where, how many) take well under a second."""

SEARCH = """\
Search the corpus without writing an answer: ranked passages, best first, one per entry, each with entry id,
title, kind, source file, the passage text and a score. Use it to find which entries discuss a topic, then
`get_entry` to read one. `k` is how many results (1-50). Filters as in `ask`: kind, day, source."""

GET_ENTRY = """\
One entry of the corpus in full, by its id (ids come from `search`, `list_entries` or an answer's citations): its
kind, title, speaker/presenters/authors, affiliation, day, date and time, event, source file and line, and its
whole text (abstract or description)."""

LIST_ENTRIES = """\
List entries of the corpus (without their text), ordered by source file and line, optionally filtered: kind (paper,
talk or tutorial), day (talks), source (seed file name) and `query` (words that must all appear in the entry's
fields, e.g. a name, "EPFL", a title word; case and accents ignored). Returns `total` and a page of entries
(`limit` up to 1000, `offset` to page on). Use it for questions like "all talks on Monday" or to browse."""


class Span(BaseModel):
    """Where a quote supports the answer."""

    sentence: int = Field(description="Index of the supported sentence in the answer")
    start: int | None = Field(description="Character offset of that sentence in the answer text")
    end: int | None = Field(description="End offset (exclusive) of that sentence")
    text: str = Field(description="The sentence as shown in the answer, markers included")
    quote: str = Field(description="The corpus text the sentence rests on")


class CitationOut(BaseModel):
    """One [n] marker of the answer."""

    marker: int
    entry_id: str
    title: str
    kind: str
    source: str = Field(description="Seed file name, or the stored document for an added PDF")
    page: int | None = None
    quote: str = Field(description="The first quote")
    quotes: list[str] = Field(description="Every quote of this entry used by the answer")
    spans: list[Span]


class AskResult(BaseModel):
    """An answer with its citations."""

    text: str = Field(description="The answer with [n] markers")
    abstained: bool = Field(description="True when the corpus does not hold the answer")
    route: str = Field(description="How it was made: record, list, generated, quoted or abstained (detail after ':')")
    citations: list[CitationOut]


class Tools:
    """The Assistant behind the tools: opened once (in the background from ``start``), shared, bounded."""

    def __init__(self, factory: Callable[[], Assistant], settings: Settings) -> None:
        self._factory = factory
        self._assistant: Assistant | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self.deadline_s = settings.api.answer_deadline_s
        self.slots = service.Slots(settings.ui.concurrency, settings.api.max_waiting)

    def start(self) -> None:
        """Open the Assistant in a background thread (index and models load while the client connects)."""
        threading.Thread(target=self._open, name="mcp-open", daemon=True).start()

    def _open(self) -> Assistant:
        with self._lock:
            if self._assistant is None:
                try:
                    self._assistant = self._factory()
                    self._error = None
                except BaseException as exc:
                    self._error = exc
                    log.error("could not open the assistant: %s", exc)
                    raise
            return self._assistant

    def run(self, work: Callable[[Assistant], T], what: str) -> T:
        """``work(assistant)`` within the deadline and a concurrency slot; failures as ToolError."""
        try:
            self.slots.acquire(self.deadline_s)
        except AssistantError as exc:
            raise ToolError(str(exc)) from None
        try:
            return service.run_with_deadline(lambda: work(self._open()), self.deadline_s, what)
        except (AssistantError, LLMError, TimeoutError) as exc:
            raise ToolError(str(exc) or type(exc).__name__) from None
        finally:
            self.slots.release()


def build_server(factory: Callable[[], Assistant], settings: Settings) -> tuple[MCPServer, Tools]:
    """The MCP server with its tools and resources over the Assistant that ``factory`` opens."""
    tools = Tools(factory, settings)
    server: MCPServer = MCPServer(
        "research-assistant", title="Research assistant", instructions=INSTRUCTIONS, version="1"
    )
    read_only = ToolAnnotations(readOnlyHint=True, openWorldHint=False)

    @server.tool(description=ASK, annotations=read_only)
    def ask(question: str, kind: str | None = None, day: str | None = None, source: str | None = None) -> AskResult:
        def work(assistant: Assistant) -> dict[str, Any]:
            return service.ask(assistant, question, filters=service.check_filters(kind, source, day))

        payload = tools.run(work, "the answer")
        result = AskResult.model_validate(payload, from_attributes=False)
        text = payload["text"]
        sources = service.citations_text(payload)
        content = [TextContent(type="text", text=f"{text}\n\nSources:\n{sources}" if sources else text)]
        return CallToolResult(content=content, structured_content=result.model_dump(mode="json"))  # type: ignore[return-value]

    @server.tool(description=SEARCH, annotations=read_only)
    def search(
        query: str, k: int = 5, kind: str | None = None, day: str | None = None, source: str | None = None
    ) -> dict[str, Any]:
        return tools.run(lambda a: service.search(a, query, k, service.check_filters(kind, source, day)), "the search")

    @server.tool(description=GET_ENTRY, annotations=read_only)
    def get_entry(entry_id: str) -> dict[str, Any]:
        return tools.run(lambda a: service.entry_payload(service.get_entry(a, entry_id)), "the lookup")

    @server.tool(description=LIST_ENTRIES, annotations=read_only)
    def list_entries(
        kind: str | None = None,
        day: str | None = None,
        source: str | None = None,
        query: str = "",
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        def work(a: Assistant) -> dict[str, Any]:
            filters = service.check_filters(kind, source, day)
            return service.list_entries(a.entries, filters=filters, query=query, limit=limit, offset=offset)

        return tools.run(work, "the listing")

    @server.resource(
        "corpus://overview",
        name="overview",
        description="What the corpus holds: entries per kind, the source files, the days talks are on.",
        mime_type="application/json",
    )
    def overview() -> str:
        return json.dumps(_resource(tools, corpus_overview), ensure_ascii=False)

    @server.resource(
        "entry://{entry_id}",
        name="entry",
        description="One entry of the corpus in full (JSON), by the id found in search results and citations.",
        mime_type="application/json",
    )
    def entry(entry_id: str) -> str:
        return json.dumps(
            _resource(tools, lambda a: service.entry_payload(service.get_entry(a, entry_id))), ensure_ascii=False
        )

    return server, tools


def _resource(tools: Tools, work: Callable[[Assistant], T]) -> T:
    try:
        return tools.run(work, "the resource")
    except ToolError as exc:
        raise ResourceError(str(exc)) from None


def corpus_overview(assistant: Assistant) -> dict[str, Any]:
    """Entries per kind and per source file, and the days of the talks."""
    entries = assistant.entries
    return {
        "entries": len(entries),
        "per_kind": dict(Counter(e.kind for e in entries)),
        "sources": dict(sorted(Counter(e.source for e in entries).items())),
        "days": sorted({e.day for e in entries if e.day}),
    }


def http_app(server: MCPServer, settings: Settings) -> Any:
    """The streamable HTTP app at ``/mcp``, behind the login rules (``http_api.auth``) and the request size limit."""
    from assistant.http_api.auth import ApiAuth, RequireAuth

    app = server.streamable_http_app(host=settings.ui.host, max_request_body_size=settings.api.max_request_kb * 1024)
    auth = ApiAuth.from_settings(settings)
    return RequireAuth(app, auth) if auth.required else app


def serve_mcp(settings: Settings, *, http: bool = False, factory: Callable[[], Assistant] | None = None) -> None:
    """Run the MCP server until the client goes (stdio) or until interrupted (HTTP on ``settings.ui.host:port``)."""
    server, tools = build_server(factory or (lambda: Assistant(settings)), settings)
    tools.start()
    if not http:
        server.run("stdio")
        return
    import uvicorn

    from assistant.access import check_exposure

    check_exposure(settings)
    url = f"http://{settings.ui.host}:{settings.ui.port}/mcp"
    print(f"MCP server (streamable HTTP) on {url} (Ctrl-C to stop)", flush=True)
    uvicorn.run(http_app(server, settings), host=settings.ui.host, port=settings.ui.port, log_level="warning")
