"""Names of the ragas metrics, light enough to import anywhere (the judge itself imports LangChain)."""

from __future__ import annotations

FAITHFULNESS = "faithfulness"
ANSWER_RELEVANCY = "answer_relevancy"
CONTEXT_PRECISION = "context_precision"
CONTEXT_RECALL = "context_recall"
LLM_METRICS: tuple[str, ...] = (FAITHFULNESS, ANSWER_RELEVANCY, CONTEXT_PRECISION, CONTEXT_RECALL)
"""Names of the LLM-judged metrics in :meth:`RagasJudge.score` results."""

NON_LLM_METRICS: tuple[str, ...] = (
    "non_llm_context_precision",
    "non_llm_context_recall",
    "string_similarity",
    "rouge_l",
    "bleu",
)
"""Names of the metrics in :func:`non_llm_scores` results."""
