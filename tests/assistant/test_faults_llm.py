"""Fault injection for the chat model backends: a misbehaving OpenAI-compatible server on 127.0.0.1 (error statuses,
garbage, HTML, wrongly shaped, trickling, endless, cut and hanging replies) must end every request with a clear
LLMError subclass within the total deadline, never an empty answer; through the Assistant that is an AssistantError
and through the CLI exit status 1. Closing a stream early stops generation in both backends."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.api import Assistant
from assistant.cli import main
from assistant.errors import AssistantError
from assistant.llm import ChatMessage, LLMError, complete
from assistant.llm.base import LLMConnectionError, LLMResponseError, LLMStatusError, LLMTimeoutError
from assistant.llm.embedded import EmbeddedChatModel
from assistant.llm.openai_compat import OpenAICompatChatModel
from assistant.settings import LLMSettings, Settings
from index.embed import HashingEmbedder
from tests.helpers import SEEDS

pytestmark = pytest.mark.faults

DEADLINE_S = 2.0
# The deadline plus room for a busy 2-core machine; a per-read timeout would let the slow cases run far longer.
WITHIN_S = DEADLINE_S + 2.0
MESSAGES: list[ChatMessage] = [{"role": "user", "content": "Say something."}]
TUTORIALS = "000_fd45bc4d7915428a.txt"
QUESTION = "What does the tutorial on Kan extension transformers and diagrammatic backpropagation present?"


def _chunk(content: str | None = None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"content": content}
    event = {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(event)}\n\n".encode()


class MisbehavingServer:
    """An OpenAI-compatible endpoint on loopback that misbehaves in one named way. Every loop is bounded and ends
    when the test is over (``stop``) or the client goes away."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.stop = threading.Event()
        self.requests = 0
        self.sent_events = 0
        self.disconnected = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if mode == "cut_chunked" else "HTTP/1.0"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests += 1
                try:
                    outer.respond(self)
                except (BrokenPipeError, ConnectionResetError):
                    outer.disconnected.set()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def respond(self, h: BaseHTTPRequestHandler) -> None:
        mode = self.mode
        if mode in ("500", "401", "429"):
            return self._body(h, int(mode), "application/json", b'{"error": {"message": "scripted failure"}}')
        if mode == "garbage_json":
            return self._body(h, 200, "application/json", b'{"choices": [{"message": {"content": "hi"')
        if mode == "html":
            return self._body(h, 200, "text/html", b"<!DOCTYPE html><html><body>Welcome to nginx</body></html>")
        if mode == "hang":
            self.stop.wait(20)
            return None
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        if mode == "cut_chunked":
            h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        if mode == "wrong_shape":
            for _ in range(3):
                h.wfile.write(b'data: {"foo": "bar"}\n\n')
            h.wfile.write(b"data: [DONE]\n\n")
        elif mode == "empty_stream":
            h.wfile.write(_chunk(None, "stop") + b"data: [DONE]\n\n")
        elif mode == "cut":
            h.wfile.write(_chunk("The tutorial presents") + _chunk(" a categorical"))
        elif mode == "cut_chunked":  # HTTP/1.1 chunked body that stops without its final empty chunk
            for event in (_chunk("The tutorial presents"), _chunk(" a categorical")):
                h.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            h.wfile.flush()
            h.close_connection = True
        elif mode == "trickle":
            self._loop(h, lambda i: b": keep-alive\n\n", pause=0.2, count=200)
        elif mode == "endless":
            self._loop(h, lambda i: _chunk(f"word{i} "), pause=0.005, count=5000)
        elif mode == "endless_slow":
            self._loop(h, lambda i: _chunk(f"word{i} "), pause=0.5, count=60)
        elif mode == "headers_then_hang":
            h.wfile.flush()
            self.stop.wait(20)
        return None

    def _loop(self, h: BaseHTTPRequestHandler, event: Callable[[int], bytes], pause: float, count: int) -> None:
        for i in range(count):
            if self.stop.is_set():
                return
            h.wfile.write(event(i))
            h.wfile.flush()
            self.sent_events += 1
            time.sleep(pause)

    @staticmethod
    def _body(h: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def __enter__(self) -> MisbehavingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


CASES = [
    ("500", LLMStatusError, "HTTP 500"),
    ("401", LLMStatusError, "ASSISTANT_LLM__API_KEY"),
    ("429", LLMStatusError, "rate-limiting"),
    ("garbage_json", LLMResponseError, "invalid JSON"),
    ("html", LLMResponseError, "HTML page"),
    ("wrong_shape", LLMResponseError, "not a chat completion chunk"),
    ("empty_stream", LLMResponseError, "no reply text"),
    ("trickle", LLMTimeoutError, "within 2 s"),
    ("endless", LLMResponseError, "past max_tokens=16"),
    ("endless_slow", LLMTimeoutError, "within 2 s"),
    ("cut", LLMResponseError, "before the reply was complete"),
    ("cut_chunked", LLMResponseError, "in the middle of its reply"),
    ("hang", LLMTimeoutError, "within 2 s"),
    ("headers_then_hang", LLMTimeoutError, "within 2 s"),
]


@pytest.mark.parametrize(("mode", "error", "says"), CASES, ids=[c[0] for c in CASES])
def test_misbehaving_server_ends_with_a_clear_error_within_the_deadline(
    mode: str, error: type[LLMError], says: str
) -> None:
    with MisbehavingServer(mode) as server:
        model = OpenAICompatChatModel(server.url, "m", timeout_s=DEADLINE_S)
        start = time.monotonic()
        with pytest.raises(error) as info:
            complete(model, MESSAGES, max_tokens=16)
        elapsed = time.monotonic() - start
    assert elapsed < WITHIN_S, f"{mode} took {elapsed:.1f} s"
    assert server.url in str(info.value) and says in str(info.value)
    assert server.requests == 1  # no silent retries
    if mode == "429":
        assert isinstance(info.value, LLMStatusError) and info.value.status == 429


def test_unreachable_server_is_a_connection_error() -> None:
    with MisbehavingServer("500") as server:
        url = server.url
    with pytest.raises(LLMConnectionError, match="Cannot reach"):
        complete(OpenAICompatChatModel(url, "m", timeout_s=DEADLINE_S), MESSAGES, max_tokens=8)


def test_a_plain_completion_from_a_server_that_ignores_stream_is_accepted() -> None:
    reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Four."}, "finish_reason": "stop"}]}

    class Plain(MisbehavingServer):
        def respond(self, h: BaseHTTPRequestHandler) -> None:
            self._body(h, 200, "application/json", json.dumps(reply).encode())

    with Plain("plain") as server:
        assert complete(OpenAICompatChatModel(server.url, "m", timeout_s=DEADLINE_S), MESSAGES, max_tokens=8) == "Four."


def test_closing_the_stream_stops_the_server_promptly() -> None:
    with MisbehavingServer("endless") as server:
        gen = OpenAICompatChatModel(server.url, "m", timeout_s=30).stream(MESSAGES, max_tokens=2000)
        first = [next(gen) for _ in range(3)]
        gen.close()
        closed_at = time.monotonic()
        assert server.disconnected.wait(3.0), "the server kept streaming after the client stopped"
        assert time.monotonic() - closed_at < 3.0
    assert first == ["word0 ", "word1 ", "word2 "]
    assert server.sent_events < 1000  # it did not run to its bound


class _FakeLlamaServer:
    """Stands in for xllamacpp.Server: streams tokens until the callback asks it to stop (bounded)."""

    def __init__(self) -> None:
        self.calls = 0
        self.stopped = threading.Event()

    def handle_chat_completions(self, request: dict[str, Any], callback: Callable[[Any], bool]) -> None:
        for i in range(5000):
            self.calls += 1
            if callback(json.dumps({"choices": [{"index": 0, "delta": {"content": f"t{i} "}}]})):
                self.stopped.set()
                return
            time.sleep(0.002)


def test_closing_the_embedded_stream_stops_generation_promptly(tmp_path: Path) -> None:
    model = EmbeddedChatModel(tmp_path / "unused.gguf", LLMSettings(n_threads=1))
    fake = _FakeLlamaServer()
    model._server = fake  # the loaded-server slot; no model file is read
    gen = model.stream(MESSAGES, max_tokens=2000)
    assert [next(gen) for _ in range(3)] == ["t0 ", "t1 ", "t2 "]
    gen.close()
    assert fake.stopped.wait(2.0)
    assert fake.calls < 500


@pytest.mark.parametrize("mode", ["garbage_json", "hang"])
def test_assistant_turns_a_broken_server_into_an_error_not_an_abstention(hashing_index: Settings, mode: str) -> None:
    settings = hashing_index.model_copy(deep=True)
    settings.retrieval.min_relevance = 0.0
    with MisbehavingServer(mode) as server:
        model = OpenAICompatChatModel(server.url, "m", timeout_s=DEADLINE_S)
        a = Assistant(settings, chat_model=model, embedder=HashingEmbedder(), sync_index=False)
        start = time.monotonic()
        with pytest.raises(AssistantError, match="language model failed") as info:
            a.ask(QUESTION)
        assert time.monotonic() - start < WITHIN_S
    assert server.requests == 1 and server.url in str(info.value)


def test_cli_ask_exits_1_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, minilm) -> None:
    # The CLI builds a real index of one seed file; the session's loaded MiniLM saves loading it again.
    monkeypatch.setattr("assistant.api.SentenceTransformerEmbedder.from_settings", lambda *args, **kwargs: minilm)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / TUTORIALS).write_bytes((SEEDS / TUTORIALS).read_bytes())
    with MisbehavingServer("html") as server:
        monkeypatch.setenv("ASSISTANT_LLM__BASE_URL", server.url)
        monkeypatch.setenv("ASSISTANT_LLM__TIMEOUT_S", str(DEADLINE_S))
        monkeypatch.setenv("ASSISTANT_RETRIEVAL__MIN_RELEVANCE", "0")
        args = ["ask", QUESTION, "--backend", "openai", "--data-dir", str(tmp_path / "data"), "--seeds", str(seeds)]
        code = main(args)
    err = capsys.readouterr().err
    assert code == 1 and server.requests == 1
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "HTML page" in lines[0] and "Traceback" not in err


def test_judge_log_probabilities_call_has_the_same_deadline() -> None:
    with MisbehavingServer("hang") as server:
        model = OpenAICompatChatModel(server.url, "m", timeout_s=DEADLINE_S)
        start = time.monotonic()
        with pytest.raises(LLMTimeoutError, match="within 2 s"):
            model.next_token_logprobs(MESSAGES)
        assert time.monotonic() - start < WITHIN_S


@pytest.mark.parametrize("mode", ["html", "garbage_json", "cut"])
def test_judge_log_probabilities_call_rejects_malformed_replies(mode: str) -> None:
    with MisbehavingServer(mode) as server, pytest.raises(LLMResponseError, match="JSON"):
        OpenAICompatChatModel(server.url, "m", timeout_s=DEADLINE_S).next_token_logprobs(MESSAGES)
