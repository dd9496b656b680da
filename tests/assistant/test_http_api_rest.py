"""The REST API and its schema over plain HTTP (httpx), against the real app on a loopback port: answers, search,
entries, the library, the OpenAPI schema and docs page, the login and API key, and the limits."""

from __future__ import annotations

import base64
import concurrent.futures
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from assistant.api import Assistant
from assistant.llm import ScriptedChatModel
from assistant.settings import Settings
from tests.helpers.api import (
    QUOTED_QUESTION,
    RECORD_QUESTION,
    SPEAKER,
    TALK_TITLE,
    assert_verified,
    make_assistant,
    running_app,
)
from tests.helpers.documents import make_assistant as library_assistant


@pytest.fixture(scope="module")
def served(hashing_index: Settings) -> Iterator[tuple[httpx.Client, Assistant]]:
    settings = hashing_index.model_copy(deep=True)
    settings.api.max_request_kb = 8
    assistant = make_assistant(settings, ScriptedChatModel(["I don't know."]))
    with running_app(settings, assistant) as url, httpx.Client(base_url=url, timeout=60) as http:
        yield http, assistant


def test_ask_has_the_cli_json_shape_plus_spans(served: tuple[httpx.Client, Assistant]) -> None:
    http, assistant = served
    reply = http.post("/v1/ask", json={"question": RECORD_QUESTION, "unknown": 1})
    assert reply.status_code == 200
    data = reply.json()
    cli_keys = set(assistant.ask(RECORD_QUESTION).to_dict())
    assert cli_keys <= set(data) and SPEAKER in data["text"]
    assert data["citations"][0]["title"] == TALK_TITLE and data["contexts"]
    assert all(s["start"] is not None for s in data["sentences"])
    assert_verified(data, assistant.corpus.entries)
    quoted = http.post("/v1/ask", json={"question": QUOTED_QUESTION, "kind": "paper", "k": 3}).json()
    assert quoted["route"] == "quoted"
    assert_verified(quoted, assistant.corpus.entries)


def test_ask_follow_up_with_history(served: tuple[httpx.Client, Assistant]) -> None:
    http, _ = served
    first = http.post("/v1/ask", json={"question": RECORD_QUESTION}).json()
    history = [{"role": "user", "content": RECORD_QUESTION}, {"role": "assistant", "content": first["text"]}]
    follow = http.post("/v1/ask", json={"question": "When is that talk?", "history": history}).json()
    assert follow["route"].startswith("record") and follow["citations"][0]["title"] == TALK_TITLE


def test_search_entries_and_one_entry(served: tuple[httpx.Client, Assistant]) -> None:
    http, assistant = served
    found = http.get("/v1/search", params={"q": "pointer networks", "k": 3}).json()
    assert len(found["results"]) == 3 and found["results"][0]["title"] == "Pointer Networks"
    talks = http.get("/v1/search", params={"q": "neuron", "kind": "talk"}).json()["results"]
    assert talks and {r["kind"] for r in talks} == {"talk"}
    listed = http.get("/v1/entries", params={"kind": "talk", "q": "epfl"}).json()
    assert listed["total"] == len(listed["entries"]) >= 2
    assert all(e["kind"] == "talk" and "text" not in e for e in listed["entries"])
    page = http.get("/v1/entries", params={"limit": 5, "offset": 5}).json()
    assert page["total"] == len(assistant.entries) and len(page["entries"]) == 5
    entry_id = talks[0]["entry_id"]
    full = http.get(f"/v1/entries/{entry_id}").json()
    assert full["id"] == entry_id and full["text"] == assistant.corpus.entries[entry_id].text
    missing = http.get("/v1/entries/no-such-entry")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_bad_parameters_are_400_with_the_parameter_named(served: tuple[httpx.Client, Assistant]) -> None:
    http, _ = served
    for path, params, param in (
        ("/v1/search", {"q": "x", "k": 0}, "k"),
        ("/v1/search", {}, "q"),
        ("/v1/entries", {"limit": "many"}, "limit"),
    ):
        reply = http.get(path, params=params)
        assert reply.status_code == 400 and reply.json()["error"]["param"] == param
    assert "kind must be one of" in http.get("/v1/search", params={"q": "x", "kind": "poem"}).json()["error"]["message"]
    assert http.post("/v1/ask", json={"question": ""}).status_code == 400
    assert http.post("/v1/ask", json={}).json()["error"]["param"] == "question"


def test_openapi_schema_and_docs_page(served: tuple[httpx.Client, Assistant]) -> None:
    http, _ = served
    schema = http.get("/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path in ("/v1/chat/completions", "/v1/models", "/v1/ask", "/v1/search", "/v1/entries/{entry_id}"):
        assert path in schema["paths"]
    assert {"get", "post"} <= set(schema["paths"]["/v1/documents"])
    docs = http.get("/v1/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    assert "/v1/chat/completions" in docs.text and "<script" not in docs.text  # nothing fetched from a CDN


def test_request_size_limit_is_413(served: tuple[httpx.Client, Assistant]) -> None:
    http, _ = served
    big = {"question": "x", "history": [{"role": "user", "content": "y" * 9000}]}
    reply = http.post("/v1/ask", json=big)
    assert reply.status_code == 413 and reply.json()["error"]["code"] == "request_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"question": "x", "history": [{"role": "user", "content": "'
        yield b"y" * 9000
        yield b'"}]}'

    streamed = http.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_model_failure_is_a_clear_502_and_the_deadline_holds(hashing_index: Settings) -> None:
    settings = hashing_index.model_copy(deep=True)
    broken = make_assistant(settings, ScriptedChatModel(["x"], error="server exploded"))
    with running_app(settings, broken) as url:
        reply = httpx.post(f"{url}/v1/ask", json={"question": "What does the spectral filtering tutorial cover?"})
        assert reply.status_code == 502 and "server exploded" in reply.json()["error"]["message"]
        assert reply.json()["error"]["type"] == "model_error"
        sdk = openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0)
        with pytest.raises(openai.APIStatusError, match="server exploded") as caught:
            sdk.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "What does the spectral filtering tutorial cover?"}]
            )
        assert caught.value.status_code == 502

    class Hanging:
        name = "hanging"

        def stream(self, messages: Any, *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
            time.sleep(30)
            yield "late"

    settings = hashing_index.model_copy(deep=True)
    settings.api.answer_deadline_s = 1.5
    with running_app(settings, make_assistant(settings, Hanging())) as url:  # type: ignore[arg-type]
        began = time.perf_counter()
        reply = httpx.post(f"{url}/v1/ask", json={"question": "What does the spectral filtering tutorial cover?"})
        assert reply.status_code == 504 and reply.json()["error"]["code"] == "deadline_exceeded"
        assert time.perf_counter() - began < 5
        record = httpx.post(f"{url}/v1/ask", json={"question": RECORD_QUESTION}, timeout=10)
        assert record.status_code == 200  # record answers do not wait for the hung model


def test_answers_beyond_the_slots_and_waiting_limit_get_429(hashing_index: Settings) -> None:
    class Slow:
        name = "slow"

        def stream(self, messages: Any, *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
            time.sleep(3)
            yield "late"

    settings = hashing_index.model_copy(deep=True)
    settings.ui.concurrency, settings.api.max_waiting, settings.api.answer_deadline_s = 1, 0, 2
    with running_app(settings, make_assistant(settings, Slow())) as url:  # type: ignore[arg-type]
        question = {"question": "What does the spectral filtering tutorial cover?"}
        with httpx.Client(base_url=url, timeout=30) as http:
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                first = pool.submit(http.post, "/v1/ask", json=question)
                time.sleep(0.5)
                busy = http.post("/v1/ask", json={"question": RECORD_QUESTION})
                assert busy.status_code == 429 and busy.headers["retry-after"] == "5"
                assert busy.json()["error"]["type"] == "rate_limit_error"
                assert first.result().status_code == 504
            assert http.post("/v1/ask", json={"question": RECORD_QUESTION}).status_code == 200  # the slot came back


def test_api_key_and_login(hashing_index: Settings) -> None:
    settings = hashing_index.model_copy(deep=True)
    settings.api.key = "k3y"
    settings.ui.username, settings.ui.password = "ann", "s3cret"
    settings.ui.login_attempts_per_minute = 3
    with running_app(settings, make_assistant(settings, ScriptedChatModel(["I don't know."]))) as url:
        unauthorised = httpx.get(f"{url}/v1/models")
        assert unauthorised.status_code == 401 and unauthorised.json()["error"]["type"] == "authentication_error"
        assert "Basic" in unauthorised.headers["www-authenticate"]
        assert httpx.get(f"{url}/v1/openapi.json").status_code == 401
        basic = base64.b64encode(b"ann:s3cret").decode()
        for header in ("Bearer k3y", "Bearer ann:s3cret", f"Basic {basic}"):
            assert httpx.get(f"{url}/v1/models", headers={"Authorization": header}).status_code == 200
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).models.list()
        ok = openai.OpenAI(base_url=f"{url}/v1", api_key="k3y", max_retries=0)
        reply = ok.chat.completions.create(model="m", messages=[{"role": "user", "content": RECORD_QUESTION}])
        assert SPEAKER in (reply.choices[0].message.content or "")
        for _ in range(3):  # failed attempts are rate-limited like the UI's login form
            assert httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer k3y"}).status_code == 401


def test_documents_added_listed_and_removed(tmp_path: Path) -> None:
    assistant = library_assistant(tmp_path)
    settings = assistant.settings
    settings.ui.max_upload_files = 2
    note = b"# Learned Index Notes\n\nLearned indexes predict key positions in sorted arrays.\n"
    with running_app(settings, assistant) as url, httpx.Client(base_url=url, timeout=120) as http:
        assert http.get("/v1/documents").json() == {"documents": []}
        added = http.post(
            "/v1/documents",
            files=[("files", ("notes.md", note, "text/markdown")), ("files", ("virus.exe", b"MZ", "x/y"))],
        ).json()
        by_name = {f["name"]: f for f in added["files"]}
        assert by_name["notes.md"]["status"] == "added" and by_name["virus.exe"]["status"] == "failed"
        docs = http.get("/v1/documents").json()["documents"]
        assert [d["title"] for d in docs] == ["Learned Index Notes"]
        found = http.get("/v1/search", params={"q": "learned indexes key positions", "k": 1}).json()["results"]
        assert found[0]["entry_id"] == docs[0]["entry_id"]
        three = [("files", (f"n{i}.md", note, "text/markdown")) for i in range(3)]
        too_many = http.post("/v1/documents", files=three)
        # Refused by the route's own guard before anything is stored, in OpenAI's error shape.
        assert too_many.status_code == 413 and "more than 2 files" in too_many.json()["error"]["message"]
        removed = http.delete(f"/v1/documents/{docs[0]['entry_id']}")
        assert removed.status_code == 200 and removed.json()["status"] == "removed"
        assert http.get("/v1/documents").json() == {"documents": []}
        assert http.delete("/v1/documents/nothing").status_code == 404
    settings.ui.uploads = False
    with running_app(settings, assistant) as url:
        for method in ("GET", "POST", "DELETE"):
            path = "/v1/documents/x" if method == "DELETE" else "/v1/documents"
            reply = httpx.request(
                method, f"{url}{path}", files={"files": ("a.md", b"# A")} if method == "POST" else None
            )
            assert reply.status_code == 403 and reply.json()["error"]["code"] == "uploads_off"
