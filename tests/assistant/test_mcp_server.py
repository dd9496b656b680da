"""The MCP server through the official ``mcp`` SDK's own client: over stdio (a child process, as an MCP host starts
it) and over streamable HTTP (with the login), listing tools, calling ``ask`` and reading its citations, searching,
reading entries as tools and resources; and ``assistant mcp`` itself over stdio on the real MiniLM index."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import uvicorn
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from assistant.llm import ScriptedChatModel
from assistant.mcp_server import build_server, http_app
from assistant.settings import Settings
from tests.helpers.api import (
    QUOTED_QUESTION,
    RECORD_QUESTION,
    SPEAKER,
    TALK_TITLE,
    assert_verified,
    free_port,
    make_assistant,
)

REPO = Path(__file__).resolve().parents[2]
TOOLS = {"ask", "search", "get_entry", "list_entries"}


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "GRADIO_ANALYTICS_ENABLED": "False"}


def run(session: Callable[[Client], Awaitable[Any]], server: Any) -> Any:
    """Open a client on ``server`` and run ``session`` with it."""

    async def main() -> Any:
        async with Client(server, read_timeout_seconds=120) as client:
            return await session(client)

    return anyio.run(main)


async def exercise(client: Client) -> dict[str, Any]:
    """What an agent does: list the tools and resources, ask, search, read an entry both ways."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    out: dict[str, Any] = {"tools": tools}
    out["record"] = await client.call_tool("ask", {"question": RECORD_QUESTION})
    out["quoted"] = await client.call_tool("ask", {"question": QUOTED_QUESTION, "kind": "paper"})
    out["search"] = await client.call_tool("search", {"query": "neuron model", "k": 3, "kind": "talk"})
    entry_id = out["search"].structured_content["results"][0]["entry_id"]
    out["entry"] = await client.call_tool("get_entry", {"entry_id": entry_id})
    out["resource"] = await client.read_resource(f"entry://{entry_id}")
    out["overview"] = await client.read_resource("corpus://overview")
    out["listed"] = await client.call_tool("list_entries", {"kind": "talk", "query": "EPFL"})
    out["bad"] = await client.call_tool("ask", {"question": "   "})
    out["missing"] = await client.call_tool("get_entry", {"entry_id": "no-such-entry"})
    out["templates"] = (await client.list_resource_templates()).resource_templates
    return out


def check(out: dict[str, Any], entries: dict[str, Any] | None) -> None:
    """The answers, citations and lookups as an agent reads them."""
    tools = out["tools"]
    assert set(tools) >= TOOLS
    assert "abstained" in tools["ask"].description and tools["ask"].output_schema is not None
    assert set(tools["ask"].input_schema["properties"]) == {"question", "kind", "day", "source"}
    record = out["record"]
    assert not record.is_error
    data = record.structured_content
    assert SPEAKER in data["text"] and data["citations"][0]["title"] == TALK_TITLE
    shown = record.content[0].text
    assert "[1]" in shown and TALK_TITLE in shown.split("Sources:")[1]  # the text an agent reads names its sources
    quoted = out["quoted"].structured_content
    assert quoted["route"] == "quoted" and quoted["citations"][0]["kind"] == "paper"
    if entries is not None:
        assert_verified(data, entries)
        assert_verified(quoted, entries)
    found = out["search"].structured_content["results"]
    assert len(found) == 3 and {r["kind"] for r in found} == {"talk"}
    entry = out["entry"].structured_content
    assert entry["id"] == found[0]["entry_id"] and entry["text"]
    assert entry["title"] in out["resource"].contents[0].text
    assert '"per_kind"' in out["overview"].contents[0].text
    assert out["listed"].structured_content["total"] >= 2
    assert out["bad"].is_error and "empty" in out["bad"].content[0].text
    assert out["missing"].is_error and "no entry" in out["missing"].content[0].text
    assert [t.uri_template for t in out["templates"]] == ["entry://{entry_id}"]


def test_stdio_client(hashing_index: Settings) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "tests.helpers.mcp_child", str(hashing_index.index.data_dir)],
        env=child_env(),
        cwd=str(REPO),
    )
    out = run(exercise, params)
    assistant = make_assistant(hashing_index.model_copy(deep=True), ScriptedChatModel(["x"]))
    check(out, assistant.corpus.entries)


@pytest.fixture
def mcp_http(hashing_index: Settings) -> Iterator[tuple[str, dict[str, Any]]]:
    settings = hashing_index.model_copy(deep=True)
    settings.ui.username, settings.ui.password = "ann", "s3cret"
    settings.ui.login_attempts_per_minute = 100
    assistant = make_assistant(settings, ScriptedChatModel(["I don't know."]))
    server, tools = build_server(lambda: assistant, settings)
    tools.start()
    port = free_port()
    config = uvicorn.Config(http_app(server, settings), host="127.0.0.1", port=port, log_level="warning")
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not web.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/mcp", assistant.corpus.entries
    finally:
        web.should_exit = True
        thread.join(10)


def test_streamable_http_client_with_login(mcp_http: tuple[str, dict[str, Any]]) -> None:
    url, entries = mcp_http
    refused = httpx2.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert refused.status_code == 401
    http = httpx2.AsyncClient(headers={"Authorization": "Bearer ann:s3cret"}, timeout=120)
    out = run(exercise, streamable_http_client(url, http_client=http))
    check(out, entries)


@pytest.mark.slow
def test_assistant_mcp_command_over_stdio(real_index: Settings) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "assistant.cli", "mcp", "--data-dir", str(real_index.index.data_dir), "--backend", "fake"],
        env=child_env(),
        cwd=str(REPO),
    )

    async def session(client: Client) -> Any:
        assert {t.name for t in (await client.list_tools()).tools} >= TOOLS
        return await client.call_tool("ask", {"question": RECORD_QUESTION})

    reply = run(session, params)
    assert not reply.is_error and reply.structured_content["citations"][0]["title"] == TALK_TITLE


def test_mcp_address_options_need_http(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    assert main(["mcp", "--port", "9000"]) == 1
    assert "go with --http" in capsys.readouterr().err
