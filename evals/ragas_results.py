"""Results of judging an answer with ragas, and failure classification (a failure is a reason, never a 0)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from evals.names import LLM_METRICS

__all__ = ["JudgeResult", "all_failed", "classify_failure"]


@dataclass
class JudgeResult:
    """Per-metric scores (``float`` or ``None``) plus why each ``None`` is there.

    ``failures[metric]`` is set when the judge failed (never scored as 0); ``skipped[metric]`` when the metric
    did not apply to this input.
    """

    scores: dict[str, float | None] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def get(self, metric: str) -> float | None:
        """The score of ``metric``, ``None`` if it failed, was skipped or is unknown."""
        return self.scores.get(metric)

    @property
    def ok(self) -> bool:
        """True when no metric failed (skipped metrics are not failures)."""
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {"scores": dict(self.scores), "failures": dict(self.failures), "skipped": dict(self.skipped)}

    def skip(self, metric: str, reason: str) -> None:
        """Mark ``metric`` as not applicable to this input."""
        self.scores[metric] = None
        self.skipped[metric] = reason

    def fail(self, metric: str, reason: str) -> None:
        """Mark ``metric`` as failed (never scored) with a reason."""
        self.scores[metric] = None
        self.failures[metric] = reason


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _category(exc: BaseException) -> str | None:
    import httpx
    import openai
    from langchain_core.exceptions import OutputParserException
    from pydantic import ValidationError
    from ragas.exceptions import LLMDidNotFinishException, RagasOutputParserException

    checks: list[tuple[type[BaseException] | tuple[type[BaseException], ...], str]] = [
        ((TimeoutError, openai.APITimeoutError, httpx.TimeoutException), "timeout"),
        ((openai.APIConnectionError, httpx.TransportError, ConnectionError), "connection_error"),
        (openai.APIStatusError, "http_error"),
        (
            (
                openai.APIResponseValidationError,
                RagasOutputParserException,
                OutputParserException,
                ValidationError,
                json.JSONDecodeError,
            ),
            "parse_error",
        ),
        (LLMDidNotFinishException, "truncated"),
    ]
    for kind, name in checks:
        if isinstance(exc, kind):
            return name
    if isinstance(exc, ValueError) and "Unexpected response type" in str(exc):
        return "parse_error"  # langchain-openai: the endpoint's HTTP body was not an OpenAI JSON response
    return None


def classify_failure(exc: BaseException) -> str:
    """Short failure reason ``"<category>: <ExceptionType>: <message>"`` (at most ~200 characters).

    The category is taken from the first exception in the ``__cause__``/``__context__`` chain that is recognised:
    ``timeout``, ``connection_error``, ``http_error`` (with the status code), ``parse_error`` (the judge's output,
    or the endpoint's response body, was not the expected JSON), ``truncated`` (output hit ``max_tokens``);
    anything else is ``error``.
    """
    category = "error"
    culprit = exc
    for link in _exception_chain(exc):
        found = _category(link)
        if found:
            category, culprit = found, link
            break
    if category == "http_error":
        category = f"http_error {getattr(culprit, 'status_code', '?')}"
    message = " ".join(str(culprit).split()) or "(no message)"
    reason = f"{category}: {type(culprit).__name__}: {message}"
    return reason if len(reason) <= 200 else reason[:197] + "..."


def all_failed(exc: BaseException) -> JudgeResult:
    """A result in which every LLM metric failed because the judge itself raised ``exc``."""
    reason = classify_failure(exc)
    return JudgeResult(scores=dict.fromkeys(LLM_METRICS), failures=dict.fromkeys(LLM_METRICS, reason))
