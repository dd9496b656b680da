"""The application's one typed settings object. Every field can be overridden from the environment.

Environment variables use the prefix ``ASSISTANT_`` and ``__`` between nested names, e.g.
``ASSISTANT_LLM__BACKEND=openai``, ``ASSISTANT_INDEX__DATA_DIR=/tmp/idx``, ``ASSISTANT_RETRIEVAL__TOP_K=8``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import AssistantError
from index.settings import IndexSettings


class LLMSettings(BaseModel):
    """Which chat model answers, and how."""

    backend: Literal["embedded", "openai", "fake"] = Field(
        default="embedded", description="embedded: packaged Qwen GGUF in process; openai: any compatible server."
    )
    model_path: Path | None = Field(default=None, description="Your own GGUF file (embedded backend).")
    base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1")
    model: str = Field(default="qwen2.5-coder-1.5b-instruct", description="Model name sent to the endpoint.")
    api_key: str | None = Field(default=None, description="Key for the endpoint, if it needs one.")
    timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="Total deadline for one request to the chat model (the OpenAI-compatible server from connecting "
        "to the last streamed token, not per read; the embedded model once loaded); past it the request fails with a "
        "clear error.",
    )
    n_ctx: int = Field(default=4096, ge=512, le=32768, description="Context window of the embedded model.")
    n_threads: int = Field(default_factory=lambda: os.cpu_count() or 2, ge=1)
    max_tokens: int = Field(default=120, ge=16, le=2048, description="Most tokens generated per answer.")
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    draft_tokens: int = Field(
        default=6,
        ge=0,
        le=64,
        description="Embedded model: most tokens guessed ahead from the prompt's own text and checked in one batch "
        "(llama.cpp n-gram lookup decoding; answers copy the sources, so most guesses hold). Greedy output is "
        "unchanged; 0 turns it off.",
    )


class RetrievalSettings(BaseModel):
    """How passages are found and how much evidence an answer needs."""

    top_k: int = Field(default=6, ge=1, le=50, description="Passages given to the model.")
    candidates: int = Field(default=30, ge=1, le=200, description="Candidates per retriever before fusion.")
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"
    min_relevance: float = Field(
        default=0.30, ge=0.0, le=1.0, description="Best passage's dense similarity below which the assistant abstains."
    )
    quote_min_relevance: float = Field(
        default=0.45,
        ge=0.0,
        le=1.0,
        description="Dense similarity of the best passage above which (or a named entry) a span may be quoted when "
        "none of the model's sentences verifies.",
    )
    max_question_chars: int = Field(default=1000, ge=10, le=20000)


class UISettings(BaseModel):
    """Gradio server options."""

    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=0, le=65535)
    username: str | None = None
    password: str | None = None
    allow_public: bool = Field(
        default=False, description="Serve on a non-loopback address without a login (refused unless true)."
    )
    max_upload_mb: float = Field(default=5.0, gt=0, le=200, description="Largest file the server accepts, in MB.")
    uploads: bool = Field(
        default=True, description="Show the Library area and accept uploaded documents (off for shared deployments)."
    )
    max_upload_files: int = Field(default=20, ge=1, le=500, description="Most files added in one upload.")
    max_upload_total_mb: float = Field(
        default=50.0, gt=0, le=2000, description="Most bytes of one upload request, all its files together, in MB."
    )
    login_attempts_per_minute: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Failed logins allowed per client address and user name before a wait (a minute, then doubling).",
    )
    concurrency: int = Field(
        default=32, ge=1, le=64, description="Questions answered at once (the model itself runs one at a time)."
    )


class APISettings(BaseModel):
    """The programmatic APIs served beside the web UI (``/v1``: OpenAI-compatible chat and REST) and by
    ``assistant mcp``."""

    enabled: bool = Field(default=True, description="Serve /v1 (OpenAI-compatible and REST) with the web UI.")
    key: str | None = Field(
        default=None,
        description="API key: clients send 'Authorization: Bearer <key>'. With a UI login set, that login (HTTP Basic, "
        "or Bearer 'user:password') is accepted too; with neither, the API is open (loopback only, as the UI).",
    )
    model_name: str = Field(default="research-assistant", description="Model id listed by /v1/models.")
    max_request_kb: int = Field(
        default=256, ge=1, le=65536, description="Largest JSON request body accepted, in KB (uploads: see ui)."
    )
    max_messages: int = Field(default=100, ge=1, le=1000, description="Most chat messages in one request.")
    answer_deadline_s: float = Field(
        default=300.0,
        gt=0,
        description="Most time one API answer may take, waiting for the model included; past it the request fails "
        "with 504 (the model's own deadline is ASSISTANT_LLM__TIMEOUT_S).",
    )
    max_waiting: int = Field(
        default=64, ge=0, le=4096, description="Answers that may wait for a free slot; more get 429 at once."
    )


class Settings(BaseSettings):
    """All settings, nested by stage, passed down explicitly (never global)."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_nested_delimiter="__", extra="ignore")

    index: IndexSettings = Field(default_factory=IndexSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    ui: UISettings = Field(default_factory=UISettings)
    api: APISettings = Field(default_factory=APISettings)
    prompt_version: str = Field(default="v2", description="Which prompts/answer_<version>.* templates to use.")
    log_prompts: bool = Field(default=False, description="Log every rendered prompt at INFO level.")


def load_settings() -> Settings:
    """Settings from the environment; a bad value is an AssistantError of one line naming its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise AssistantError(describe_error(exc)) from None


def describe_error(exc: ValidationError) -> str:
    """The first problem of a settings ValidationError as one line: variable, what was wrong, the value given."""
    first = exc.errors()[0]
    name = "ASSISTANT_" + "__".join(str(part).upper() for part in first.get("loc", ()))
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{name}={first.get('input')!r}: {first.get('msg', 'invalid value')}{more}"
