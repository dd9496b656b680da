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

    def raw_score(self, claim: str, evidence: str, title: str = "") -> float:
        """1.0 / 0.0 from ``span_supports`` (given the entry's ``title`` when known, as the product is), or the old
        support score."""
        if self._span_supports is not None:
            return 1.0 if self._span_supports(claim, evidence, title=title) else 0.0
        return self._support_score(claim, evidence)

    def score_in_entry(self, claim: str, evidence: str, title: str) -> float | None:
        """:meth:`score` with the entry's title as known context (what the entry is need not be in the span)."""
        self.last_failure = None
        try:
            return self.raw_score(claim, evidence, title)
        except Exception as exc:  # one broken item must not end an evaluation
            self.last_failure = f"error: {type(exc).__name__}: {exc}"[:200]
            return None
