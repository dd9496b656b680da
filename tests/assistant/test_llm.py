"""Chat model backends: fake, model file assembly, OpenAI-compatible client, factory, and (slow) the embedded model."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.llm import FAKE_REPLY, ChatMessage, LLMError, ScriptedChatModel, complete, make_chat_model
from assistant.llm.model_file import (
    assemble_parts,
    check_gguf_file,
    ensure_default_model,
    ensure_model,
    is_verified,
    marker_path,
)
from assistant.llm.openai_compat import OpenAICompatChatModel
from assistant.settings import LLMSettings

MESSAGES: list[ChatMessage] = [
    {"role": "system", "content": "You answer briefly."},
    {"role": "user", "content": "What is 2+2? Answer with a number."},
]


# --- fake -------------------------------------------------------------------------------------------------------


def test_fake_streams_word_by_word_in_order_and_records_calls() -> None:
    model = ScriptedChatModel(["  Hello there,\nworld! "])
    pieces = list(model.stream(MESSAGES, max_tokens=32))
    assert pieces == ["  ", "Hello ", "there,\n", "world! "]
    assert "".join(pieces) == "  Hello there,\nworld! "
    assert model.calls == [MESSAGES]
    assert model.options == [{"max_tokens": 32, "temperature": 0.0}]


def test_fake_replies_in_order_then_repeats_last() -> None:
    model = ScriptedChatModel(["one", "two"])
    replies = [complete(model, MESSAGES, max_tokens=8) for _ in range(3)]
    assert replies == ["one", "two", "two"]
    assert len(model.calls) == 3


def test_fake_callable_reply_sees_messages() -> None:
    model = ScriptedChatModel(lambda messages: messages[-1]["content"].upper())
    assert complete(model, MESSAGES, max_tokens=8) == "WHAT IS 2+2? ANSWER WITH A NUMBER."
    assert model.last_messages == MESSAGES


def test_fake_error_is_raised_while_streaming() -> None:
    model = ScriptedChatModel(["a b c"], error="boom", fail_after=2)
    stream = model.stream(MESSAGES, max_tokens=8)
    assert len(model.calls) == 1  # recorded on the call, before iteration
    received: list[str] = []
    with pytest.raises(LLMError, match="boom"):
        for piece in stream:
            received.append(piece)
    assert received == ["a ", "b "]


def test_fake_needs_a_reply() -> None:
    with pytest.raises(ValueError):
        ScriptedChatModel([])


# --- model file -------------------------------------------------------------------------------------------------


def _parts(tmp_path: Path) -> tuple[list[Path], bytes]:
    chunks = [b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 5]
    parts = []
    for i, chunk in enumerate(chunks, start=1):
        part = tmp_path / "parts" / f"part{i:02d}.bin"
        part.parent.mkdir(exist_ok=True)
        part.write_bytes(chunk)
        parts.append(part)
    return parts, b"".join(chunks)


def test_assemble_parts_concatenates_verifies_and_marks(tmp_path: Path) -> None:
    parts, data = _parts(tmp_path)
    dest = tmp_path / "models" / "m.gguf"
    sha = hashlib.sha256(data).hexdigest()
    reports: list[tuple[float, str]] = []
    assert assemble_parts(parts, dest, len(data), sha, lambda f, m: reports.append((f, m))) == dest
    assert dest.read_bytes() == data
    assert is_verified(dest, len(data), sha)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["m.gguf", "m.gguf.verified"]
    assert reports and reports[-1][0] == 1.0
    assert all(0.0 <= f <= 1.0 for f, _ in reports)
    check_gguf_file(dest)


def test_assemble_parts_wrong_sha_leaves_nothing_behind(tmp_path: Path) -> None:
    parts, data = _parts(tmp_path)
    dest = tmp_path / "models" / "m.gguf"
    with pytest.raises(LLMError) as info:
        assemble_parts(parts, dest, len(data), "0" * 64)
    message = str(info.value)
    assert "0" * 64 in message and hashlib.sha256(data).hexdigest() in message
    assert list(dest.parent.iterdir()) == []


def test_assemble_parts_wrong_size_leaves_nothing_behind(tmp_path: Path) -> None:
    parts, data = _parts(tmp_path)
    dest = tmp_path / "models" / "m.gguf"
    with pytest.raises(LLMError, match=f"{len(data)} bytes, expected {len(data) + 1}"):
        assemble_parts(parts, dest, len(data) + 1, hashlib.sha256(data).hexdigest())
    with pytest.raises(LLMError, match="larger than expected"):
        assemble_parts(parts, dest, len(data) - 1, hashlib.sha256(data).hexdigest())
    assert list(dest.parent.iterdir()) == []


def test_assemble_parts_missing_part(tmp_path: Path) -> None:
    parts, data = _parts(tmp_path)
    parts[1].unlink()
    dest = tmp_path / "models" / "m.gguf"
    with pytest.raises(LLMError, match="part 2 of 3"):
        assemble_parts(parts, dest, len(data), hashlib.sha256(data).hexdigest())
    assert list(dest.parent.iterdir()) == []


def test_ensure_model_does_not_reassemble_a_verified_file(tmp_path: Path) -> None:
    parts, data = _parts(tmp_path)
    dest = tmp_path / "models" / "m.gguf"
    sha = hashlib.sha256(data).hexdigest()
    calls = 0

    def list_parts() -> list[Path]:
        nonlocal calls
        calls += 1
        return parts

    ensure_model(dest, list_parts, len(data), sha)
    first_mtime = dest.stat().st_mtime_ns
    assert ensure_model(dest, list_parts, len(data), sha) == dest
    assert calls == 1
    assert dest.stat().st_mtime_ns == first_mtime

    # A right-sized file without a marker is hashed in place rather than re-assembled.
    marker_path(dest).unlink()
    assert ensure_model(dest, list_parts, len(data), sha) == dest
    assert calls == 1 and is_verified(dest, len(data), sha)

    # Same size, wrong bytes, no marker: re-assembled.
    marker_path(dest).unlink()
    dest.write_bytes(b"x" * len(data))
    assert ensure_model(dest, list_parts, len(data), sha) == dest
    assert calls == 2 and dest.read_bytes() == data


def test_check_gguf_file_rejects_missing_directory_and_corrupt(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="not found"):
        check_gguf_file(tmp_path / "nope.gguf")
    with pytest.raises(LLMError, match="not a regular file"):
        check_gguf_file(tmp_path)
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"<html>not a model</html>")
    with pytest.raises(LLMError, match="not a GGUF file"):
        check_gguf_file(corrupt)
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    with pytest.raises(LLMError, match="not a GGUF file"):
        check_gguf_file(empty)


# --- OpenAI-compatible endpoint ---------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_openai_backend_connection_refused_fails_fast_naming_url() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    model = OpenAICompatChatModel(url, "m", timeout_s=5)
    start = time.monotonic()
    with pytest.raises(LLMError) as info:
        complete(model, MESSAGES, max_tokens=8)
    assert time.monotonic() - start < 10
    assert url in str(info.value)
    assert "Cannot reach" in str(info.value)


def _sse_chunk(delta: dict[str, str], finish_reason: str | None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [choice]}


class _FakeOpenAIServer:
    """A one-route OpenAI-compatible server on loopback that streams scripted SSE chunks."""

    def __init__(self, pieces: list[str], status: int = 200) -> None:
        self.pieces = pieces
        self.status = status
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                outer.requests.append(json.loads(self.rfile.read(length)))
                outer.headers.append(dict(self.headers))
                if outer.status != 200:
                    body = json.dumps({"error": {"message": "model overloaded", "type": "server_error"}}).encode()
                    self.send_response(outer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for index, piece in enumerate([None, *outer.pieces]):
                    delta = {"role": "assistant", "content": ""} if piece is None else {"content": piece}
                    self._event(_sse_chunk(delta, None))
                    if index:
                        time.sleep(0.01)
                self._event(_sse_chunk({}, "stop"))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _event(self, data: dict[str, Any]) -> None:
                self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _FakeOpenAIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_openai_backend_streams_pieces_in_order() -> None:
    with _FakeOpenAIServer(["The answer", " is", " 4."]) as server:
        model = make_chat_model(LLMSettings(backend="openai", base_url=server.url, model="served"), Path("unused"))
        assert list(model.stream(MESSAGES, max_tokens=12, temperature=0.0)) == ["The answer", " is", " 4."]
    request = server.requests[0]
    assert request["model"] == "served"
    assert request["stream"] is True and request["max_tokens"] == 12 and request["temperature"] == 0.0
    assert request["messages"] == MESSAGES
    assert {k.lower(): v for k, v in server.headers[0].items()}["authorization"] == "Bearer none"


def test_openai_backend_http_error_names_url_and_status() -> None:
    with _FakeOpenAIServer([], status=503) as server:
        model = OpenAICompatChatModel(server.url, "m", api_key="secret", timeout_s=5)
        with pytest.raises(LLMError) as info:
            complete(model, MESSAGES, max_tokens=8)
    assert server.url in str(info.value)
    assert "503" in str(info.value) and "model overloaded" in str(info.value)
    assert len(server.requests) == 1  # no retries


def test_openai_backend_rejects_a_bad_url() -> None:
    with pytest.raises(LLMError, match="http://"):
        OpenAICompatChatModel("127.0.0.1:8080/v1", "m")


# --- factory ----------------------------------------------------------------------------------------------------


def test_make_chat_model_fake() -> None:
    model = make_chat_model(LLMSettings(backend="fake"), Path("unused"))
    assert complete(model, MESSAGES, max_tokens=8) == FAKE_REPLY


def test_make_chat_model_openai_needs_base_url() -> None:
    with pytest.raises(LLMError, match="ASSISTANT_LLM__BASE_URL is required for the openai backend"):
        make_chat_model(LLMSettings(backend="openai"), Path("unused"))


def test_make_chat_model_embedded_checks_user_model_path(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="not found"):
        make_chat_model(LLMSettings(model_path=tmp_path / "missing.gguf"), tmp_path)
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"PK\x03\x04 a zip, not a model")
    with pytest.raises(LLMError, match="not a GGUF file"):
        make_chat_model(LLMSettings(model_path=corrupt), tmp_path)
    assert list(tmp_path.iterdir()) == [corrupt]  # the default model was not assembled instead


def test_embedded_model_that_llama_cpp_rejects_raises_llm_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 60)
    model = make_chat_model(LLMSettings(model_path=broken, n_threads=1), tmp_path)
    with pytest.raises(LLMError, match="could not load"):
        complete(model, MESSAGES, max_tokens=8)


# --- the real embedded model (slow) -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_model_path() -> Path:
    models_dir = Path(os.environ.get("ASSISTANT_TEST_MODELS_DIR", "~/.cache/research-assistant/models")).expanduser()
    return ensure_default_model(models_dir)


@pytest.mark.slow
def test_embedded_default_model_answers_and_streams(default_model_path: Path) -> None:
    from assistant.llm.embedded import EmbeddedChatModel

    model = EmbeddedChatModel(default_model_path, LLMSettings(n_ctx=2048))
    pieces: Iterator[str] = model.stream(MESSAGES, max_tokens=8)
    received = list(pieces)
    assert len(received) >= 1
    assert "4" in "".join(received)
    assert model.base_url().startswith("http://127.0.0.1:")
    assert model.base_url().endswith("/v1")
    # The same loaded model also serves OpenAI-compatible HTTP on loopback.
    remote = OpenAICompatChatModel(model.base_url(), model.name, timeout_s=60)
    assert "4" in complete(remote, MESSAGES, max_tokens=8)
