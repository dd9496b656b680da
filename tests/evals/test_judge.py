"""The ragas judge counts its failures: a dead, broken or slow endpoint gives None plus a reason, never 0.

Every test talks only to 127.0.0.1: a closed port, or a tiny OpenAI-compatible server run in a thread.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from evals.ragas_metrics import (
    LLM_METRICS,
    NON_LLM_METRICS,
    CallableEmbeddings,
    JudgeResult,
    RagasJudge,
    classify_failure,
    non_llm_scores,
)
from tests.helpers.servers import FakeServer, Reply, Responder, chat_reply

QUESTION = "Who presented the diffusion tutorial?"
ANSWER = "Jane Doe presented the diffusion tutorial [1]. She also won a Turing award."
CONTEXTS = ["A paper about graph neural networks.", "Jane Doe presented the diffusion tutorial on Monday."]
REFERENCE = "Jane Doe presented it. It was held in Paris."


def bag_of_letters(texts: list[str]) -> list[list[float]]:
    """A deterministic toy embedder: letter counts."""
    return [[float(t.lower().count(c)) + 0.01 for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts]


@pytest.fixture
def closed_port() -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def make_judge(base_url: str, timeout_s: float = 5.0, **kwargs: Any) -> RagasJudge:
    return RagasJudge(base_url, "fake-judge", None, timeout_s, CallableEmbeddings(bag_of_letters), **kwargs)


def assert_all_failed(result: JudgeResult, category: str) -> None:
    assert set(result.scores) == set(LLM_METRICS)
    for metric in LLM_METRICS:
        assert result.scores[metric] is None, metric  # never 0
        assert result.failures[metric].startswith(category), (metric, result.failures[metric])
    assert not result.skipped
    assert not result.ok


# ------------------------------------------------------------------------------------------------ failures


def test_connection_refused_is_a_failure_not_a_zero(closed_port: int) -> None:
    judge = make_judge(f"http://127.0.0.1:{closed_port}/v1", timeout_s=2.0)
    started = time.monotonic()
    result = judge.score(QUESTION, ANSWER, CONTEXTS, REFERENCE)
    assert_all_failed(result, "connection_error")
    assert time.monotonic() - started < 60  # no retry storm


def test_garbage_content_is_a_parse_error() -> None:
    with FakeServer(lambda body: chat_reply("Sure! The answer is definitely yes, no JSON here.")) as server:
        result = make_judge(server.base_url).score(QUESTION, ANSWER, CONTEXTS, REFERENCE)
    assert_all_failed(result, "parse_error")
    assert server.requests  # the judge really was asked


def test_non_json_http_body_is_a_parse_error() -> None:
    with FakeServer(lambda body: (200, "text/html", b"<html>garbage}{ not json")) as server:
        result = make_judge(server.base_url).score(QUESTION, ANSWER, CONTEXTS, REFERENCE)
    assert_all_failed(result, "parse_error")


def test_http_error_status_is_recorded() -> None:
    with FakeServer(lambda body: (500, "application/json", b'{"error": {"message": "boom"}}')) as server:
        result = make_judge(server.base_url).score(QUESTION, ANSWER, CONTEXTS, REFERENCE)
    assert_all_failed(result, "http_error 500")


def test_truncated_judge_output_is_recorded() -> None:
    with FakeServer(lambda body: chat_reply('{"statements": ["Jane', finish_reason="length")) as server:
        result = make_judge(server.base_url).score(QUESTION, ANSWER, CONTEXTS, REFERENCE)
    assert_all_failed(result, "truncated")


def slow(seconds: float) -> Responder:
    def respond(body: dict[str, Any]) -> Reply:
        time.sleep(seconds)
        return chat_reply("{}")

    return respond


def test_request_timeout_is_recorded() -> None:
    with FakeServer(slow(1.5)) as server:
        result = make_judge(server.base_url, timeout_s=0.3).score(QUESTION, ANSWER, CONTEXTS, REFERENCE)
    assert_all_failed(result, "timeout")


def test_metric_timeout_via_wait_for_is_recorded() -> None:
    with FakeServer(slow(1.5)) as server:
        judge = make_judge(server.base_url, timeout_s=10.0, metric_timeout_s=0.3)
        result = judge.score(QUESTION, ANSWER, CONTEXTS, REFERENCE)
    assert_all_failed(result, "timeout: TimeoutError")


def test_classify_failure_walks_the_cause_chain() -> None:
    try:
        try:
            raise ConnectionRefusedError("refused")
        except ConnectionRefusedError as inner:
            raise RuntimeError("wrapper") from inner
    except RuntimeError as exc:
        assert classify_failure(exc).startswith("connection_error: ConnectionRefusedError")
    assert classify_failure(KeyError("x")).startswith("error: KeyError")
    assert len(classify_failure(ValueError("x" * 1000))) <= 200


# ------------------------------------------------------------------------------------------------ valid judge

_INPUT_MARK = "Now perform the same with the following input\ninput: "


def prompt_input(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The ragas prompt text and its JSON input block (ragas renders the input after a fixed marker)."""
    prompt = body["messages"][-1]["content"]
    block = prompt.rsplit(_INPUT_MARK, 1)[1].rsplit("\nOutput:", 1)[0]
    return prompt, json.loads(block)


def well_behaved_judge(body: dict[str, Any]) -> Reply:
    """Answers each ragas 0.4.3 prompt with the JSON its output model expects."""
    prompt, data = prompt_input(body)
    if "Break down each sentence" in prompt:  # faithfulness, step 1: statements
        out: dict[str, Any] = {
            "statements": ["Jane Doe presented the diffusion tutorial.", "Jane Doe won a Turing award."]
        }
    elif "judge the faithfulness" in prompt:  # faithfulness, step 2: one verdict per statement
        # only the first statement is in the context
        verdicts = [{"statement": s, "reason": "checked", "verdict": int("presented" in s)} for s in data["statements"]]
        out = {"statements": verdicts}
    elif "Generate a question for the given answer" in prompt:  # answer relevancy
        out = {"question": QUESTION, "noncommittal": 0}
    elif "verify if the context was useful" in prompt:  # context precision, one call per context
        out = {"reason": "checked", "verdict": int("Jane" in data["context"])}
    elif "classify if the sentence can be attributed" in prompt:  # context recall
        out = {
            "classifications": [
                {"statement": "Jane Doe presented it.", "reason": "in context", "attributed": 1},
                {"statement": "It was held in Paris.", "reason": "not in context", "attributed": 0},
            ]
        }
    else:
        return 400, "application/json", b'{"error": {"message": "unexpected prompt"}}'
    return chat_reply(json.dumps(out))


def test_valid_judge_gives_numeric_scores() -> None:
    with FakeServer(well_behaved_judge) as server:
        result = make_judge(server.base_url).score(QUESTION, ANSWER, CONTEXTS, REFERENCE)
    assert result.failures == {}
    assert result.skipped == {}
    assert result.scores["faithfulness"] == pytest.approx(0.5)  # 1 of 2 statements supported
    assert result.scores["answer_relevancy"] == pytest.approx(1.0)  # generated question == question
    assert result.scores["context_precision"] == pytest.approx(0.5)  # verdicts [0, 1]: AP = (1/2)/1
    assert result.scores["context_recall"] == pytest.approx(0.5)  # 1 of 2 reference sentences attributed
    first = server.requests[0]
    assert first["temperature"] == 0
    assert first.get("n", 1) == 1  # llama.cpp rejects n > 1


def test_nan_score_is_a_failure() -> None:
    def no_statements(body: dict[str, Any]) -> Reply:
        return chat_reply(json.dumps({"statements": []}))

    with FakeServer(no_statements) as server:
        judge = RagasJudge(server.base_url, "fake-judge", None, 5.0, None)
        result = judge.score(QUESTION, ANSWER, CONTEXTS)
    assert result.scores["faithfulness"] is None
    assert result.failures["faithfulness"].startswith("nan")


def test_inapplicable_metrics_are_skipped_not_failed(closed_port: int) -> None:
    judge = RagasJudge(f"http://127.0.0.1:{closed_port}/v1", "fake-judge", None, 2.0, None)
    result = judge.score(QUESTION, ANSWER, [], None)
    assert result.scores == dict.fromkeys(LLM_METRICS)
    assert result.skipped == {
        "faithfulness": "no contexts",
        "answer_relevancy": "no embeddings",
        "context_precision": "no reference",
        "context_recall": "no reference",
    }
    assert result.failures == {}


def test_callable_embeddings_adapter() -> None:
    emb = CallableEmbeddings(lambda texts: [[len(t), 1] for t in texts])
    assert emb.embed_documents(["ab", "abc"]) == [[2.0, 1.0], [3.0, 1.0]]
    assert emb.embed_query("abcd") == [4.0, 1.0]
    judge = RagasJudge("http://127.0.0.1:1/v1", "m", None, 1.0, bag_of_letters)  # plain callable is wrapped
    assert isinstance(judge.embeddings, CallableEmbeddings)


# ------------------------------------------------------------------------------------------------ non-LLM


def test_non_llm_identical_texts_score_one() -> None:
    text = "Jane Doe presented the diffusion tutorial on Monday."
    result = non_llm_scores(text, [text, "A paper about graph neural networks."], text, [text])
    assert set(result.scores) == set(NON_LLM_METRICS)
    assert result.failures == {} and result.skipped == {}
    assert result.scores["string_similarity"] == 1.0
    assert result.scores["rouge_l"] == pytest.approx(1.0)
    assert result.scores["bleu"] == pytest.approx(1.0)
    assert result.scores["non_llm_context_recall"] == pytest.approx(1.0)
    assert result.scores["non_llm_context_precision"] == pytest.approx(1.0)  # relevant context ranked first


def test_non_llm_partial_and_ranked_precision() -> None:
    ref_ctx = "Jane Doe presented the diffusion tutorial on Monday."
    result = non_llm_scores(
        "Jane Doe gave it.",
        ["A paper about graph neural networks.", ref_ctx],  # relevant context second: AP = 1/2
        "Jane Doe presented the diffusion tutorial.",
        [ref_ctx],
    )
    assert result.scores["non_llm_context_precision"] == pytest.approx(0.5)
    assert 0.0 < result.scores["string_similarity"] < 1.0  # type: ignore[operator]
    assert 0.0 < result.scores["rouge_l"] < 1.0  # type: ignore[operator]


def test_non_llm_skips_without_reference() -> None:
    result = non_llm_scores("an answer", ["ctx"], None, None)
    assert all(v is None for v in result.scores.values())
    assert set(result.skipped) == set(NON_LLM_METRICS)
    assert result.failures == {}
    nothing_retrieved = non_llm_scores("an answer", [], None, ["gold passage"])
    assert nothing_retrieved.scores["non_llm_context_recall"] == 0.0
    assert nothing_retrieved.skipped["non_llm_context_precision"] == "no retrieved contexts"


def test_sync_api_works_inside_a_running_loop() -> None:
    async def main() -> JudgeResult:
        return non_llm_scores("same", [], "same", None)

    result = asyncio.run(main())
    assert result.scores["string_similarity"] == 1.0
    assert not math.isnan(result.scores["bleu"] or 0.0)


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Belt and braces on top of pytest-socket: no proxy variables may reroute loopback traffic."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    yield
