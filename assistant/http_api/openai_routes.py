"""OpenAI-compatible chat: ``POST /v1/chat/completions`` (plain and streamed) and ``GET /v1/models``.

The reply's ``message.content`` is the answer with its [n] markers. The response also carries ``citations``,
``route``, ``abstained`` and ``sentences`` (``service.answer_payload``): at the top level of the JSON body, and when
streaming in the last chunk, the one with ``finish_reason: "stop"``. The conversation's earlier ``messages`` are
handed to ``Assistant.chat`` as history, so follow-ups work as in the UI. OpenAI fields this server has no use for
(``temperature``, ``max_tokens``, ``n``, ...) and unknown ones are ignored; ``kind``, ``source``, ``day`` and ``k``
may be sent as extra fields (``extra_body`` in the ``openai`` SDK) to narrow the search."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.http_api.answers import AnswerRunner
from assistant.http_api.errors import ApiError, error_body, from_exception
from assistant.service import check_filters
from assistant.settings import Settings

EXTRA_KEYS = ("citations", "route", "abstained", "sentences")


class ChatMessage(BaseModel):
    """One message of the conversation; content is text or a list of content parts (text parts are read)."""

    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """An OpenAI chat completion request (unknown fields ignored)."""

    model_config = ConfigDict(extra="ignore")
    model: str | None = Field(default=None, description="Any name: there is one model (see /v1/models).")
    messages: list[ChatMessage] = Field(min_length=1, description="The conversation; the last one is the question.")
    stream: bool = Field(default=False, description="Server-sent events, ending with 'data: [DONE]'.")
    kind: str | None = Field(default=None, description="Only entries of this kind: paper, talk or tutorial.")
    source: str | None = Field(default=None, description="Only entries from this seed file.")
    day: str | None = Field(default=None, description="Only talks on this day, e.g. Wednesday.")
    k: int | None = Field(default=None, ge=1, le=50, description="Passages the model reads.")


def message_text(message: ChatMessage) -> str:
    """The text of a message (text parts joined; other parts, such as images, are not read)."""
    if isinstance(message.content, str):
        return message.content
    parts = [str(p.get("text", "")) for p in message.content or [] if p.get("type") in ("text", "input_text")]
    return "\n".join(parts)


def split_conversation(request: ChatRequest, max_messages: int) -> tuple[list[dict[str, str]], str]:
    """(history as user/assistant messages, the question: the last message, which must be the user's)."""
    if len(request.messages) > max_messages:
        raise ApiError(
            400, f"{len(request.messages)} messages is more than the limit of {max_messages}", param="messages"
        )
    last = request.messages[-1]
    if last.role != "user":
        raise ApiError(400, "the last message must be the user's question", param="messages")
    history = [
        {"role": m.role, "content": message_text(m)} for m in request.messages[:-1] if m.role in ("user", "assistant")
    ]
    return history, message_text(last)


def openai_router(runner: AnswerRunner, settings: Settings) -> APIRouter:
    """The routes (mounted under /v1)."""
    router = APIRouter(tags=["OpenAI-compatible"])
    model_id = settings.api.model_name
    started = int(time.time())

    @router.get("/models", summary="The one model: the research assistant")
    def models() -> dict[str, Any]:
        """OpenAI's model list, with the assistant as its one model."""
        return {
            "object": "list",
            "data": [{"id": model_id, "object": "model", "created": started, "owned_by": "research-assistant"}],
        }

    @router.get("/models/{model}", summary="One model")
    def model(model: str) -> dict[str, Any]:
        """The model, if asked for by its id."""
        if model != model_id:
            raise ApiError(404, f"no model {model!r}; this server has {model_id!r}", code="model_not_found")
        return {"id": model_id, "object": "model", "created": started, "owned_by": "research-assistant"}

    @router.post("/chat/completions", summary="Answer the last user message, with citations", response_model=None)
    async def chat_completions(body: ChatRequest) -> Any:
        """The answer as an OpenAI chat completion (or its stream of chunks), plus ``citations``, ``route``,
        ``abstained`` and ``sentences``."""
        history, question = split_conversation(body, settings.api.max_messages)
        filters = check_filters(body.kind, body.source, body.day)
        events = runner.events(question, history=history, filters=filters, k=body.k)
        head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": model_id}
        if not body.stream:
            payload = None
            async for what, value in events:
                if what == "final":
                    payload = value
            if payload is None:
                raise ApiError(500, "the pipeline ended without an answer", code="internal")
            return JSONResponse(completion(head, payload))
        # The first step is taken before answering 200, so that a bad question is a plain JSON error.
        try:
            first = await anext(events)
        except StopAsyncIteration:
            raise ApiError(500, "the pipeline ended without an answer", code="internal") from None
        return StreamingResponse(
            sse(head, first, events),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router


def completion(head: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """The chat.completion object for an answer payload."""
    text = payload.get("text", "")
    return {
        **head,
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": _usage(payload),
        **{key: payload.get(key) for key in EXTRA_KEYS},
    }


def _usage(payload: dict[str, Any]) -> dict[str, int]:
    """Rough token counts (words): the pipeline does not count tokens, and some clients expect the field."""
    question = len(str(payload.get("question", "")).split())
    answer = len(str(payload.get("text", "")).split())
    return {"prompt_tokens": question, "completion_tokens": answer, "total_tokens": question + answer}


def chunk(head: dict[str, Any], delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    """One server-sent event holding a chat.completion.chunk."""
    body = {
        **head,
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **extra,
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


async def sse(
    head: dict[str, Any], first: tuple[str, Any], events: AsyncIterator[tuple[str, Any]]
) -> AsyncIterator[str]:
    """The answer's chunks: the role, the text as it is verified, a last chunk with the citations, ``[DONE]``.
    A failure after the first byte is sent as an ``error`` event (what OpenAI does), then the stream ends."""
    yield chunk(head, {"role": "assistant", "content": ""})
    sent = ""
    try:
        item: tuple[str, Any] | None = first
        while item is not None:
            what, value = item
            if what == "text":
                sent += value
                yield chunk(head, {"content": value})
            elif what == "final":
                text = value.get("text", "")
                if text != sent and text.startswith(sent):
                    yield chunk(head, {"content": text[len(sent) :]})
                extra = {key: value.get(key) for key in EXTRA_KEYS}
                if not text.startswith(sent):  # streamed text was revised: the final text is authoritative
                    extra["text"] = text
                yield chunk(head, {}, "stop", usage=_usage(value), **extra)
                break
            item = await anext(events, None)
        yield "data: [DONE]\n\n"
    except Exception as exc:
        error = from_exception(exc)
        yield f"data: {json.dumps(error_body(error.status, error.message, code=error.code))}\n\n"
    finally:
        await events.aclose()  # type: ignore[attr-defined]
