"""The OpenAI-compatible API through the official ``openai`` SDK (and plain HTTP for what the SDK hides), against
the real app on a loopback port: hashing index, scripted chat model."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture(scope="module")
def served(hashing_index: Settings) -> Iterator[tuple[str, Assistant]]:
    settings = hashing_index.model_copy(deep=True)
    assistant = make_assistant(settings, ScriptedChatModel(["I don't know."]))
    with running_app(settings, assistant) as url:
        yield url, assistant


@pytest.fixture
def client(served: tuple[str, Assistant]) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{served[0]}/v1", api_key="unused", max_retries=0, timeout=60)


def extra(obj: Any) -> dict[str, Any]:
    """The fields OpenAI does not define, as the SDK keeps them."""
    return dict(obj.model_extra or {})


def test_models_lists_the_assistant(client: openai.OpenAI) -> None:
    models = client.models.list()
    assert [m.id for m in models.data] == ["research-assistant"]
    assert client.models.retrieve("research-assistant").id == "research-assistant"


def test_completion_carries_answer_citations_and_route(client: openai.OpenAI, served: tuple[str, Assistant]) -> None:
    reply = client.chat.completions.create(
        model="research-assistant", messages=[{"role": "user", "content": RECORD_QUESTION}]
    )
    content = reply.choices[0].message.content or ""
    assert SPEAKER in content and "[1]" in content and reply.choices[0].finish_reason == "stop"
    fields = extra(reply)
    assert fields["route"].startswith("record") and fields["abstained"] is False
    assert fields["citations"][0]["title"] == TALK_TITLE
    assert_verified({"text": content, "citations": fields["citations"]}, served[1].corpus.entries)


def test_stream_ends_with_a_chunk_holding_the_citations(client: openai.OpenAI, served: tuple[str, Assistant]) -> None:
    chunks = list(
        client.chat.completions.create(
            model="anything", messages=[{"role": "user", "content": QUOTED_QUESTION}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    fields = extra(last)
    assert fields["route"] == "quoted" and "Pointer Networks" in text
    assert all("citations" not in extra(c) for c in chunks[:-1])
    assert_verified({"text": text, "citations": fields["citations"]}, served[1].corpus.entries)


def test_follow_up_uses_the_messages_history(client: openai.OpenAI, served: tuple[str, Assistant]) -> None:
    first = client.chat.completions.create(model="m", messages=[{"role": "user", "content": RECORD_QUESTION}])
    history: list[Any] = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": RECORD_QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "What is that talk about?"},
    ]
    reply = client.chat.completions.create(model="m", messages=history)
    fields = extra(reply)
    assert fields["citations"][0]["title"] == TALK_TITLE
    alone = client.chat.completions.create(model="m", messages=history[-1:])
    assert TALK_TITLE not in [c["title"] for c in extra(alone)["citations"]]
    assert_verified(
        {"text": reply.choices[0].message.content, "citations": fields["citations"]}, served[1].corpus.entries
    )


def test_filters_as_extra_body_and_unknown_fields_ignored(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": [{"type": "text", "text": RECORD_QUESTION}]}],
        temperature=0.3,
        extra_body={"kind": "paper", "some_future_field": {"x": 1}},
    )
    assert all(c["kind"] == "paper" for c in extra(reply)["citations"])


def test_malformed_requests_get_openai_errors(client: openai.OpenAI, served: tuple[str, Assistant]) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="m", messages=[])
    assert caught.value.status_code == 400 and caught.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError, match="last message must be the user"):
        client.chat.completions.create(model="m", messages=[{"role": "assistant", "content": "hi"}])
    with pytest.raises(openai.BadRequestError, match="limit is"):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "why " * 400}])
    with pytest.raises(openai.BadRequestError, match="question is empty"):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": " "}], stream=True)
    url = served[0]
    bad_json = httpx.post(f"{url}/v1/chat/completions", content=b"{nope", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["error"]["message"] == "the request body is not valid JSON"
    wrong_role = httpx.post(f"{url}/v1/chat/completions", json={"messages": [{"role": "robot", "content": "x"}]})
    assert wrong_role.status_code == 400 and wrong_role.json()["error"]["param"] == "messages.0.role"
    unknown = httpx.get(f"{url}/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "not_found_error"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4")


def test_langchain_and_llamaindex_openai_like_clients(served: tuple[str, Assistant]) -> None:
    from langchain_openai import ChatOpenAI
    from llama_index.llms.openai_like import OpenAILike

    base = f"{served[0]}/v1"
    chat = ChatOpenAI(model="research-assistant", base_url=base, api_key="unused", max_retries=0)
    assert SPEAKER in str(chat.invoke(RECORD_QUESTION).content)
    llm = OpenAILike(model="research-assistant", api_base=base, api_key="unused", is_chat_model=True, max_retries=0)
    assert SPEAKER in llm.complete(RECORD_QUESTION).text
