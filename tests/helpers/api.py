"""Helpers for the API tests: the real app (Gradio and the /v1 APIs on one port) over the hashing index with a
scripted chat model, and the check that an answer's citations quote the evidence its sentences rest on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from assistant.api import Assistant
from assistant.llm.base import ChatModel
from assistant.settings import Settings
from index.embed import HashingEmbedder
from index.entries import Entry
from tests.helpers.servers import free_port

RECORD_QUESTION = "Who talks at 4:20 pm on Wednesday?"
TALK_TITLE = "What does the neuron do? A new model for neuroscience and AI"
SPEAKER = "Mitya Chklovskii"
QUOTED_QUESTION = "What problem do Pointer Networks address?"


def make_assistant(settings: Settings, model: ChatModel) -> Assistant:
    """An Assistant over the hashing index (``settings``) answering with ``model``."""
    return Assistant(settings, chat_model=model, embedder=HashingEmbedder(), sync_index=False)


@contextmanager
def running_app(settings: Settings, assistant: Assistant) -> Iterator[str]:
    """``assistant serve`` as it runs, in process on a free port: yields the base URL (no trailing slash)."""
    from assistant.http_api.app import add_to_launch
    from assistant.ui import build_app, launch_kwargs
    from assistant.ui.turns import Shared

    settings.ui.port = free_port()
    shared = Shared(lambda: assistant)
    app = build_app(shared.get, settings, shared=shared)
    options = launch_kwargs(settings)
    add_to_launch(shared, settings, options)
    app.launch(**options, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{settings.ui.port}"
    finally:
        app.close()


def assert_verified(payload: dict[str, Any], entries: dict[str, Entry]) -> None:
    """Every citation's quotes are the spans its sentences rest on, each span is where the answer says it is and
    carries its marker, and every quote is the cited entry's own text or record line."""
    text = payload["text"]
    citations = payload["citations"]
    assert citations, "the answer cites nothing"
    for c in citations:
        entry = entries[c["entry_id"]]
        assert c["title"] == entry.title and c["kind"] == entry.kind and c["source"]
        evidence = f"{entry.metadata_line()}\n{entry.text}"
        assert c["spans"], f"citation [{c['marker']}] supports no sentence"
        for span in c["spans"]:
            assert span["quote"] in c["quotes"]
            assert span["quote"] in evidence, f"{span['quote']!r} is not in {entry.id}"
            assert text[span["start"] : span["end"]] == span["text"]
            assert f"[{c['marker']}]" in span["text"]
        assert set(c["quotes"]) == {s["quote"] for s in c["spans"]}
