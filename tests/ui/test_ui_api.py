"""The named API through gradio_client, against the app in process (hashing index, scripted model)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from assistant import Assistant, Settings
from assistant.llm import ScriptedChatModel
from assistant.ui import ENTRY_COLUMNS, build_app, launch_kwargs
from index.embed import HashingEmbedder
from tests.helpers.servers import free_port

QUESTION = "Who talks at 4:20 pm on Wednesday?"
TALK_TITLE = "What does the neuron do? A new model for neuroscience and AI"
SPEAKER = "Mitya Chklovskii"


@pytest.fixture(scope="module")
def app_url(hashing_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = hashing_index.model_copy(deep=True)
    settings.llm.backend = "fake"
    settings.ui.port = free_port()

    def factory() -> Assistant:
        model = ScriptedChatModel(["I don't know."], name="scripted")
        return Assistant(settings, chat_model=model, embedder=HashingEmbedder(), sync_index=False)

    app = build_app(factory, settings)
    app.launch(**launch_kwargs(settings), prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{settings.ui.port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def client(app_url: str) -> Any:
    from gradio_client import Client

    return Client(app_url, verbose=False)


def test_api_lists_only_the_named_endpoints(client: Any) -> None:
    api = client.view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == {"/ask", "/entries"}
    assert not api["unnamed_endpoints"]
    params = [p["parameter_name"] for p in api["named_endpoints"]["/ask"]["parameters"]]
    assert params == ["question", "kind", "source", "k"]


def test_ask_answers_with_structured_sources(client: Any) -> None:
    text, sources = client.predict(QUESTION, "All", "All", 5, api_name="/ask")
    assert SPEAKER in text and "[1]" in text
    assert sources["abstained"] is False and sources["route"]
    first = sources["citations"][0]
    assert first["title"] == TALK_TITLE and first["speaker"] == SPEAKER and first["line"]
    assert first["source_name"] == "Symposium agenda (Rovinj 2024)"


def test_ask_filters_by_kind_and_readable_source_name(client: Any) -> None:
    text, sources = client.predict("Which speakers are from EPFL?", api_name="/ask")  # defaults
    assert "EPFL" in text and len(sources["citations"]) >= 2
    _, sources = client.predict(QUESTION, "paper", "All", 3, api_name="/ask")
    assert TALK_TITLE not in [c["title"] for c in sources["citations"]]
    _, sources = client.predict(QUESTION, "All", "Symposium agenda (Rovinj 2024)", 3, api_name="/ask")
    assert sources["citations"][0]["title"] == TALK_TITLE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("   ",), "(?i)question is empty"),
        ((QUESTION, "All", "All", -5), "whole number from 1 to 10"),
        ((QUESTION, "All", "All", "abc"), "whole number from 1 to 10"),
        ((QUESTION, "poem", "All", 3), "(?i)kind must be"),
        ((QUESTION, "All", "nope.txt", 3), "(?i)unknown source"),
    ],
)
def test_bad_parameters_get_a_clear_error_and_no_traceback(
    client: Any, caplog: pytest.LogCaptureFixture, args: tuple[Any, ...], message: str
) -> None:
    caplog.set_level(logging.INFO)
    with pytest.raises(Exception, match=message) as info:
        client.predict(*args, api_name="/ask")
    assert "Traceback" not in str(info.value)
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_entries_rows_and_accent_insensitive_search(client: Any) -> None:
    rows = client.predict(api_name="/entries")
    assert len(rows) > 100 and set(ENTRY_COLUMNS) <= set(rows[0])
    found = client.predict("Pointer Networks", api_name="/entries")
    assert any(r["title"] == "Pointer Networks" and r["authors"] == 3 for r in found)
    assert any("Stéphane" in r["people"] for r in client.predict("stephane mallat", api_name="/entries"))
