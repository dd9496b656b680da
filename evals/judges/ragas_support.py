"""ragas faithfulness as a support judge, through ragas' own extension points (:class:`evals.ragas_metrics.RagasJudge`:
its LangChain LLM wrapper and its ``Faithfulness`` metric class): the claim is the response, the evidence the one
retrieved context, and the score is the share of the claim's statements ragas finds inferable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evals.judges.base import JudgeFailure, ScoringJudge
from evals.names import FAITHFULNESS

if TYPE_CHECKING:
    from evals.ragas_metrics import RagasJudge

__all__ = ["RAGAS_THRESHOLD", "RagasSupportJudge"]

RAGAS_THRESHOLD = 1.0
"""Every statement of the claim must be inferable (ragas' faithfulness of a one-sentence response)."""

_QUESTION = "Is the following statement supported by the context?"


class RagasSupportJudge(ScoringJudge):
    """Support = ragas faithfulness of the claim against the evidence, at least ``threshold``."""

    name = "ragas"

    def __init__(self, ragas_judge: RagasJudge, threshold: float = RAGAS_THRESHOLD) -> None:
        """Judge with ``ragas_judge`` (built without embeddings: only faithfulness runs)."""
        super().__init__(threshold)
        self.ragas_judge = ragas_judge

    def raw_score(self, claim: str, evidence: str) -> float:
        """ragas faithfulness; a ragas failure (parse error, timeout, NaN) is a :class:`JudgeFailure`."""
        result = self.ragas_judge.score(_QUESTION, claim, [evidence])
        if FAITHFULNESS in result.failures:
            raise JudgeFailure(result.failures[FAITHFULNESS])
        value = result.get(FAITHFULNESS)
        if value is None:
            raise JudgeFailure(f"error: faithfulness not scored ({result.skipped.get(FAITHFULNESS, 'unknown')})")
        return value
