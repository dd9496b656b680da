"""The embedded backend's total deadline, token cap and lowered CPU priority, with stand-ins for llama.cpp's server
(fast), and once with the real packaged model (slow)."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.llm import ChatMessage, complete
from assistant.llm.base import LLMResponseError, LLMTimeoutError
from assistant.llm.embedded import MODEL_NICE, EmbeddedChatModel, _on_lowered_thread
from assistant.settings import LLMSettings

MESSAGES: list[ChatMessage] = [{"role": "user", "content": "Say something."}]
DEADLINE_S = 0.5
# The deadline plus room for a busy 2-core machine.
WITHIN_S = DEADLINE_S + 1.5
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux behaviour")


def _token(i: int) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": {"content": f"t{i} "}}]})


class _StandIn:
    """Stands in for xllamacpp.Server. ``mode``: ``hang`` (never answers), ``trickle`` (a token every 0.1 s, for
    a long time), ``flood`` (thousands of tokens at once, ignoring max_tokens)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.release = threading.Event()
        self.stopped = threading.Event()
        self.tokens = 0

    def handle_chat_completions(self, request: dict[str, Any], callback: Callable[[Any], bool] | None = None) -> Any:
        if self.mode == "hang":
            self.release.wait(30)
            return {"choices": []}
        pause = 0.1 if self.mode == "trickle" else 0.0
        for i in range(3000):
            self.tokens += 1
            if callback is not None and callback(_token(i)):
                self.stopped.set()
                return None
            time.sleep(pause)
        return None


def _model(tmp_path: Path, server: _StandIn, timeout_s: float = DEADLINE_S) -> EmbeddedChatModel:
    model = EmbeddedChatModel(tmp_path / "unused.gguf", LLMSettings(n_threads=1, timeout_s=timeout_s))
    model._server = server  # the loaded-server slot; no model file is read
    return model


def test_a_hung_model_fails_with_the_timeout_error_within_the_deadline(tmp_path: Path) -> None:
    server = _StandIn("hang")
    began = time.monotonic()
    with pytest.raises(LLMTimeoutError, match=r"within 0\.5 s \(ASSISTANT_LLM__TIMEOUT_S"):
        complete(_model(tmp_path, server), MESSAGES, max_tokens=50)
    assert DEADLINE_S <= time.monotonic() - began < WITHIN_S
    server.release.set()


def test_a_trickling_model_is_cut_at_the_deadline_and_stops_generating(tmp_path: Path) -> None:
    server = _StandIn("trickle")
    received: list[str] = []
    began = time.monotonic()
    with pytest.raises(LLMTimeoutError):
        for piece in _model(tmp_path, server).stream(MESSAGES, max_tokens=2000):
            received.append(piece)
    assert time.monotonic() - began < WITHIN_S
    assert 1 <= len(received) <= 10  # about 0.5 s of tokens, in order
    assert received[:2] == ["t0 ", "t1 "]
    assert server.stopped.wait(2.0), "llama.cpp was not told to stop after the deadline"
    assert server.tokens < 40


def test_a_model_streaming_past_max_tokens_is_stopped(tmp_path: Path) -> None:
    server = _StandIn("flood")
    with pytest.raises(LLMResponseError, match="past max_tokens=20"):
        complete(_model(tmp_path, server, timeout_s=30), MESSAGES, max_tokens=20)
    assert server.stopped.wait(2.0)
    assert server.tokens < 1000


def test_the_log_probability_call_has_the_same_deadline(tmp_path: Path) -> None:
    server = _StandIn("hang")
    began = time.monotonic()
    with pytest.raises(LLMTimeoutError, match="ASSISTANT_LLM__TIMEOUT_S"):
        _model(tmp_path, server).next_token_logprobs(MESSAGES)
    assert time.monotonic() - began < WITHIN_S
    server.release.set()


def test_a_reply_within_the_deadline_is_whole(tmp_path: Path) -> None:
    class Short(_StandIn):
        def handle_chat_completions(self, request: dict[str, Any], callback: Any = None) -> Any:
            for i in range(int(request["max_tokens"])):
                callback(_token(i))
            return None

    assert complete(_model(tmp_path, Short("short"), timeout_s=5), MESSAGES, max_tokens=4) == "t0 t1 t2 t3 "


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@linux_only
def test_work_on_the_lowered_thread_and_threads_it_starts_run_at_lower_priority() -> None:
    seen: dict[str, int] = {}

    def make() -> str:
        seen["maker"] = _nice()
        child = threading.Thread(target=lambda: seen.setdefault("child", _nice()))
        child.start()
        child.join()
        return "server"

    mine = _nice()
    assert _on_lowered_thread(make, 5) == "server"
    assert seen == {"maker": min(mine + 5, 19), "child": min(mine + 5, 19)}
    assert _nice() == mine  # the caller keeps its priority


def test_an_error_on_the_lowered_thread_reaches_the_caller() -> None:
    def make() -> None:
        raise ValueError("no such model")

    with pytest.raises(ValueError, match="no such model"):
        _on_lowered_thread(make, 5)


@linux_only
def test_llama_cpp_server_is_created_at_lower_priority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[tuple[Any, int]] = []

    class FakeServer:
        listening_address = "http://127.0.0.1:9"

        def __init__(self, params: Any) -> None:
            created.append((params, _nice()))

    def common_params() -> Any:
        ns = types.SimpleNamespace
        return ns(
            model=ns(path=""),
            cpuparams=ns(n_threads=0),
            cpuparams_batch=ns(n_threads=0),
            speculative=ns(types=[], ngram_simple=ns(size_n=12, size_m=48)),
        )

    fake = types.ModuleType("xllamacpp")
    fake.CommonParams = common_params  # type: ignore[attr-defined]
    fake.common_speculative_type = types.SimpleNamespace(COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE="ngram")  # type: ignore[attr-defined]
    fake.Server = FakeServer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xllamacpp", fake)
    model_file = tmp_path / "m.gguf"
    model_file.write_bytes(b"GGUF" + b"\x00" * 60)
    model = EmbeddedChatModel(model_file, LLMSettings(n_threads=3, n_ctx=1024))
    assert model.base_url() == "http://127.0.0.1:9/v1"
    [(params, nice)] = created
    assert nice == min(_nice() + MODEL_NICE, 19)
    assert (params.model.path, params.n_ctx, params.cpuparams.n_threads) == (str(model_file), 1024, 3)
    assert params.cache_prompt is True and params.hostnames == ["127.0.0.1"]


@pytest.mark.parametrize("draft_tokens", [0, 6])
def test_lookup_decoding_is_set_on_the_real_llama_cpp_parameters(tmp_path: Path, draft_tokens: int) -> None:
    xllamacpp = pytest.importorskip("xllamacpp")
    model = EmbeddedChatModel(tmp_path / "m.gguf", LLMSettings(draft_tokens=draft_tokens))
    speculative = model._params(xllamacpp).speculative
    none, ngram = (
        getattr(xllamacpp.common_speculative_type, f"COMMON_SPECULATIVE_TYPE_{t}") for t in ("NONE", "NGRAM_SIMPLE")
    )
    if draft_tokens:
        assert list(speculative.types) == [ngram]
        assert (speculative.ngram_simple.size_n, speculative.ngram_simple.size_m) == (3, draft_tokens)
    else:
        assert list(speculative.types) == [none]


# --- the real embedded model (slow) -----------------------------------------------------------------------------


def _busy_threads_nice() -> dict[int, int]:
    """nice of every native (non-Python) thread of this process that has used CPU (tid -> nice)."""
    found: dict[int, int] = {}
    ours = {t.native_id for t in threading.enumerate()}
    for tid in os.listdir("/proc/self/task"):
        if int(tid) in ours:
            continue
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[11]) + int(fields[12]) > 0:
            found[int(tid)] = int(fields[16])
    return found


@pytest.mark.slow
@linux_only
def test_real_model_computes_at_lower_priority_honours_the_deadline_and_caches_prompts() -> None:
    from assistant.llm.model_file import ensure_default_model

    models_dir = Path(os.environ.get("ASSISTANT_TEST_MODELS_DIR", "~/.cache/research-assistant/models")).expanduser()
    before = set(_busy_threads_nice())
    model = EmbeddedChatModel(ensure_default_model(models_dir), LLMSettings(n_ctx=2048, timeout_s=60))
    question: list[ChatMessage] = [
        {"role": "system", "content": "You answer in one short sentence. " * 20},
        {"role": "user", "content": "What is 2 + 2?"},
    ]
    assert "4" in complete(model, question, max_tokens=8)
    llama = {tid: nice for tid, nice in _busy_threads_nice().items() if tid not in before}
    assert llama, "no new thread did any work"
    assert all(nice >= MODEL_NICE for nice in llama.values()), llama
    assert _nice() < MODEL_NICE
    # A second request with the same prefix reuses the cached prompt.
    assert "4" in complete(model, question, max_tokens=8)
    assert model.last_timings is not None and model.last_timings["cache_n"] > 0
    # A deadline shorter than the reply: the typed error, then the model still answers the next request.
    model.settings = LLMSettings(n_ctx=2048, timeout_s=0.3)
    long_ask: list[ChatMessage] = [{"role": "user", "content": "Count from 1 to 200, one number per line."}]
    began = time.monotonic()
    with pytest.raises(LLMTimeoutError):
        complete(model, long_ask, max_tokens=400)
    assert time.monotonic() - began < 3.0
    model.settings = LLMSettings(n_ctx=2048, timeout_s=60)
    assert "4" in complete(model, question, max_tokens=8)
    assert model.base_url().startswith("http://127.0.0.1:")
