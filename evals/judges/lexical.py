"""Judges without a model: the product's own verifier, and the evaluation's independent word-overlap check.

The overlap judge deliberately uses only ``evals`` code (its own words, stems and number extraction): it must stay
independent of the product it evaluates, or the evaluation would share the product's blind spots.
"""

from __future__ import annotations

from evals.judges.base import ScoringJudge
from evals.metrics import supported_by
from evals.numbers import numbers_absent

__all__ = ["OVERLAP_THRESHOLD", "OverlapJudge", "VerifierJudge"]

OVERLAP_THRESHOLD = 0.067
"""Chosen on the calibration half of ``evals/labels/support.jsonl`` by ``assistant eval judges`` (2026-12-01): word
overlap barely separates the labels, so the best cut only rejects claims that share almost nothing (or a number)."""


class OverlapJudge(ScoringJudge):
    """Share of the claim's content words found in the evidence (:func:`evals.metrics.supported_by`); 0 when the
    claim states a number the evidence does not contain."""

    name = "overlap"

    def __init__(self, threshold: float = OVERLAP_THRESHOLD) -> None:
        """Decide with ``threshold``."""
        super().__init__(threshold)

    def raw_score(self, claim: str, evidence: str) -> float:
        """Word overlap, zeroed by a number absent from the evidence."""
        if numbers_absent(claim, evidence):
            return 0.0
        return supported_by(claim, evidence)


class VerifierJudge(ScoringJudge):
    """The product's own sentence-vs-span check (``assistant.verify.span_supports``), as the answer pipeline
    applies it: a yes/no check, so the score is 1.0 or 0.0."""

    name = "verifier"
    calibrated = False

    def __init__(self) -> None:
        """Use the product's check (imported here: the product's import is the slow part)."""
        super().__init__(0.5)
        from assistant.verify import span_supports

        self._span_supports = span_supports

    def raw_score(self, claim: str, evidence: str) -> float:
        """1.0 when ``span_supports`` accepts the claim, else 0.0."""
        return 1.0 if self._span_supports(claim, evidence) else 0.0
