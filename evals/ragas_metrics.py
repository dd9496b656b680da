"""ragas-based judging of answers, with judge failures counted rather than hidden.

The judge is any OpenAI-compatible chat endpoint: by default the project's embedded llama.cpp server on a
loopback port, or a stronger model anywhere else. ragas 0.4.3 is driven through its *legacy* single-turn API
(``SingleTurnSample`` + ``metric.single_turn_ascore``) because its newer ``ragas.metrics.collections`` metrics only
accept an instructor-based LLM, not a LangChain chat model::

    llm = LangchainLLMWrapper(ChatOpenAI(base_url=..., temperature=0, max_retries=0, ...),
                              run_config=RunConfig(timeout=..., max_retries=1), bypass_temperature=True, bypass_n=True)
    await Faithfulness(llm=llm).single_turn_ascore(SingleTurnSample(user_input=q, response=a,
                                                                     retrieved_contexts=ctx))

Failure policy: a metric that raises (connection refused, timeout, HTTP error, unparseable judge output, output
cut off at ``max_tokens``) or returns NaN gets the value ``None`` and an entry ``failures[metric] = reason`` whose
reason starts with a category (``connection_error``, ``timeout``, ``http_error``, ``parse_error``,
``truncated``, ``nan``, ``error``). A failure is never turned into 0. A metric that does not apply (no reference,
no contexts, empty answer, no embeddings) gets ``None`` and an entry in ``skipped``. Every metric name therefore
appears in ``scores`` and, when its value is ``None``, in exactly one of ``failures`` or ``skipped``.

Importing this module sets ``RAGAS_DO_NOT_TRACK=true`` and, unless already set, points ``TIKTOKEN_CACHE_DIR`` at
the encodings shipped inside llama-index-core, so nothing is downloaded. ragas itself is imported lazily.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import warnings
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from evals.names import (
    ANSWER_RELEVANCY,
    CONTEXT_PRECISION,
    CONTEXT_RECALL,
    FAITHFULNESS,
    LLM_METRICS,
    NON_LLM_METRICS,
)
from evals.ragas_results import JudgeResult, all_failed, classify_failure
from index.offline import configure_offline_env

__all__ = [
    "LLM_METRICS",
    "NON_LLM_METRICS",
    "CallableEmbeddings",
    "JudgeResult",
    "RagasJudge",
    "all_failed",
    "classify_failure",
    "configure_offline_env",
    "non_llm_scores",
]

_R = TypeVar("_R")


configure_offline_env()


# --------------------------------------------------------------------------------------------------------------
# Embeddings adapter and sync helper
# --------------------------------------------------------------------------------------------------------------


class CallableEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over a plain ``fn(texts) -> list[list[float]]`` (e.g. a sentence-transformers
    embedder's encode), so a local model can serve ragas' answer relevancy without any network."""

    def __init__(self, fn: Callable[[list[str]], Sequence[Sequence[float]]]) -> None:
        self._fn = fn

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed several texts with the wrapped function."""
        vectors = self._fn(list(texts))
        return [[float(x) for x in vec] for vec in vectors]

    def embed_query(self, text: str) -> list[float]:
        """Embed one text with the wrapped function."""
        return self.embed_documents([text])[0]


def _run_sync(coro: Coroutine[Any, Any, _R]) -> _R:
    """Run ``coro`` to completion from sync code, also when called inside a running event loop (then it runs
    on a fresh loop in a worker thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _score_metric(result: JudgeResult, name: str, metric: Any, sample: Any, timeout_s: float | None) -> None:
    """Score one ragas single-turn metric into ``result`` under ``asyncio.wait_for``, recording any failure."""
    try:
        value = await asyncio.wait_for(metric.single_turn_ascore(sample), timeout=timeout_s)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        result.fail(name, classify_failure(exc))
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        result.fail(name, f"error: metric returned a non-number {value!r}")
        return
    if math.isnan(number) or math.isinf(number):
        result.fail(name, f"nan: {name} returned {number} (the judge produced no usable statements or verdicts)")
        return
    result.scores[name] = number


# --------------------------------------------------------------------------------------------------------------
# LLM-judged metrics
# --------------------------------------------------------------------------------------------------------------


def _is_loopback(base_url: str) -> bool:
    host = urlparse(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RagasJudge:
    """Scores one answer with ragas' LLM-judged metrics against an OpenAI-compatible endpoint.

    Args:
        base_url: endpoint root including ``/v1``, e.g. ``http://127.0.0.1:8081/v1``.
        model: model name sent in requests (llama.cpp ignores it).
        api_key: key for the endpoint; ``None`` sends a placeholder (local servers ignore it).
        timeout_s: per-HTTP-request timeout in seconds; requests are never retried (``max_retries=0``).
        embeddings: for answer relevancy: a LangChain ``Embeddings``, a ragas embeddings object, or a callable
            ``fn(texts) -> vectors`` (wrapped in :class:`CallableEmbeddings`); ``None`` skips answer relevancy.
        metric_timeout_s: wall-clock limit for one metric (several requests) via ``asyncio.wait_for``;
            default ``4 * timeout_s``.
        relevancy_strictness: questions generated per answer for answer relevancy. Default 1: at temperature 0
            more would be identical, and llama.cpp rejects ``n > 1`` (requests are sent one by one anyway).
        max_tokens: cap on each judge reply, so a looping small model fails fast (as ``truncated``).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        embeddings: Embeddings | Callable[[list[str]], Sequence[Sequence[float]]] | Any | None = None,
        *,
        metric_timeout_s: float | None = None,
        relevancy_strictness: int = 1,
        max_tokens: int | None = 1024,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be > 0")
        self.base_url = base_url
        self.model = model
        self.api_key = api_key
        self.timeout_s = float(timeout_s)
        self.metric_timeout_s = float(metric_timeout_s) if metric_timeout_s else 4 * self.timeout_s
        self.relevancy_strictness = relevancy_strictness
        self.max_tokens = max_tokens
        if embeddings is not None and not hasattr(embeddings, "embed_query") and callable(embeddings):
            embeddings = CallableEmbeddings(embeddings)
        self.embeddings = embeddings

    def _make_llm(self, http_async_client: Any) -> Any:
        from langchain_openai import ChatOpenAI
        from ragas.llms import LangchainLLMWrapper
        from ragas.run_config import RunConfig

        chat = ChatOpenAI(
            base_url=self.base_url,
            model=self.model,
            api_key=self.api_key or "not-needed",
            temperature=0,
            timeout=self.timeout_s,
            max_retries=0,
            max_tokens=self.max_tokens,
            http_async_client=http_async_client,
        )
        run_config = RunConfig(timeout=self.timeout_s, max_retries=1)  # type: ignore[arg-type]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return LangchainLLMWrapper(chat, run_config=run_config, bypass_temperature=True, bypass_n=True)

    def _make_embeddings(self) -> Any:
        from ragas.embeddings import LangchainEmbeddingsWrapper
        from ragas.embeddings.base import BaseRagasEmbeddings

        if self.embeddings is None or isinstance(self.embeddings, BaseRagasEmbeddings):
            return self.embeddings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return LangchainEmbeddingsWrapper(self.embeddings)

    def _plan(self, question: str, answer: str, contexts: Sequence[str], reference: str | None) -> JudgeResult:
        """Mark the metrics that do not apply to this input as skipped."""
        result = JudgeResult()
        reasons: dict[str, list[tuple[bool, str]]] = {
            FAITHFULNESS: [(not answer.strip(), "empty answer"), (not contexts, "no contexts")],
            ANSWER_RELEVANCY: [(not answer.strip(), "empty answer"), (self.embeddings is None, "no embeddings")],
            CONTEXT_PRECISION: [(not reference, "no reference"), (not contexts, "no contexts")],
            CONTEXT_RECALL: [(not reference, "no reference"), (not contexts, "no contexts")],
        }
        for metric in LLM_METRICS:
            checks = [(not question.strip(), "empty question"), *reasons[metric]]
            reason = next((why for failed, why in checks if failed), None)
            if reason:
                result.skip(metric, reason)
        return result

    async def ascore(
        self, question: str, answer: str, contexts: Sequence[str], reference: str | None = None
    ) -> JudgeResult:
        """Async :meth:`score`."""
        import httpx
        from ragas import SingleTurnSample

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from ragas.metrics import (
                Faithfulness,
                LLMContextPrecisionWithReference,
                LLMContextRecall,
                ResponseRelevancy,
            )

        contexts = [c for c in contexts if c and c.strip()]
        reference = reference if reference and reference.strip() else None
        result = self._plan(question, answer, contexts, reference)
        sample = SingleTurnSample(
            user_input=question, response=answer, retrieved_contexts=list(contexts), reference=reference
        )
        # A client per call: httpx connection pools are bound to the event loop that created them.
        async with httpx.AsyncClient(timeout=self.timeout_s, trust_env=not _is_loopback(self.base_url)) as client:
            llm = self._make_llm(client)
            factories: dict[str, Callable[[], Any]] = {
                FAITHFULNESS: lambda: Faithfulness(llm=llm),
                ANSWER_RELEVANCY: lambda: ResponseRelevancy(
                    llm=llm, embeddings=self._make_embeddings(), strictness=self.relevancy_strictness
                ),
                CONTEXT_PRECISION: lambda: LLMContextPrecisionWithReference(llm=llm),
                CONTEXT_RECALL: lambda: LLMContextRecall(llm=llm),
            }
            for name in LLM_METRICS:
                if name not in result.skipped:
                    await _score_metric(result, name, factories[name](), sample, self.metric_timeout_s)
        return result

    def score(self, question: str, answer: str, contexts: Sequence[str], reference: str | None = None) -> JudgeResult:
        """Judge one answer: faithfulness (answer vs contexts), answer relevancy (answer vs question; needs
        embeddings), and, only with a ``reference``, LLM context precision and context recall.

        Metrics run one after another (a small local judge serves one request at a time). Failures and skips
        are recorded as described in the module docstring; this method itself does not raise for judge errors.
        """
        return _run_sync(self.ascore(question, answer, contexts, reference))

    def non_llm_scores(
        self,
        answer: str,
        contexts: Sequence[str],
        reference: str | None,
        reference_contexts: Sequence[str] | None,
    ) -> JudgeResult:
        """Same as the module-level :func:`non_llm_scores` (no judge needed)."""
        return non_llm_scores(answer, contexts, reference, reference_contexts, timeout_s=self.metric_timeout_s)


# --------------------------------------------------------------------------------------------------------------
# Metrics without an LLM
# --------------------------------------------------------------------------------------------------------------


async def _anon_llm_scores(
    answer: str,
    contexts: Sequence[str],
    reference: str | None,
    reference_contexts: Sequence[str] | None,
    timeout_s: float,
) -> JudgeResult:
    from ragas import SingleTurnSample

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ragas.metrics import (
            BleuScore,
            NonLLMContextPrecisionWithReference,
            NonLLMContextRecall,
            NonLLMStringSimilarity,
            RougeScore,
        )

    result = JudgeResult()
    retrieved = [c for c in contexts if c and c.strip()]
    ref_contexts = [c for c in reference_contexts or [] if c and c.strip()]
    ref = reference if reference and reference.strip() else None

    if not ref_contexts:
        result.skip("non_llm_context_precision", "no reference contexts")
        result.skip("non_llm_context_recall", "no reference contexts")
    elif not retrieved:
        result.skip("non_llm_context_precision", "no retrieved contexts")
        result.scores["non_llm_context_recall"] = 0.0  # nothing retrieved: no reference context was found
    else:
        ctx_sample = SingleTurnSample(retrieved_contexts=retrieved, reference_contexts=ref_contexts)
        await _score_metric(
            result, "non_llm_context_precision", NonLLMContextPrecisionWithReference(), ctx_sample, timeout_s
        )
        await _score_metric(result, "non_llm_context_recall", NonLLMContextRecall(), ctx_sample, timeout_s)

    text_metrics: dict[str, Any] = {
        "string_similarity": NonLLMStringSimilarity(),
        "rouge_l": RougeScore(rouge_type="rougeL", mode="fmeasure"),
        "bleu": BleuScore(),
    }
    for name, metric in text_metrics.items():
        if ref is None:
            result.skip(name, "no reference")
        elif not answer.strip():
            result.skip(name, "empty answer")
        else:
            sample = SingleTurnSample(response=answer, reference=ref)
            await _score_metric(result, name, metric, sample, timeout_s)
    return result


def non_llm_scores(
    answer: str,
    contexts: Sequence[str],
    reference: str | None,
    reference_contexts: Sequence[str] | None,
    *,
    timeout_s: float = 60.0,
) -> JudgeResult:
    """ragas metrics that need no LLM, with the same failure handling as :meth:`RagasJudge.score`.

    * ``non_llm_context_precision`` / ``non_llm_context_recall``: ragas ``NonLLMContextPrecisionWithReference``
      / ``NonLLMContextRecall`` (retrieved vs reference contexts, Levenshtein similarity, thresholds 0.5);
      skipped without reference contexts; with reference contexts but nothing retrieved, precision is skipped
      (undefined) and recall is 0.0.
    * ``string_similarity`` (``NonLLMStringSimilarity``, 1 - normalised Levenshtein distance), ``rouge_l``
      (``RougeScore``, ROUGE-L F1) and ``bleu`` (``BleuScore``, sacrebleu / 100): answer vs ``reference``;
      skipped without a reference or with an empty answer.
    """
    return _run_sync(_anon_llm_scores(answer, contexts, reference, reference_contexts, timeout_s))
