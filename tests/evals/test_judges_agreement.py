"""Agreement arithmetic, threshold choice on the calibration split, and failure accounting."""

from __future__ import annotations

import pytest

from evals.judges.agreement import agreement, choose_threshold, cohen_kappa, evaluate_judge
from evals.judges.base import JudgeFailure, ScoringJudge
from evals.support_labels import LabelledClaim


def claim(i: int, supported: bool, score: float) -> LabelledClaim:
    """A labelled item whose claim text carries the score a fake judge will give it."""
    return LabelledClaim(
        id=f"x{i}",
        claim=f"{score}",
        evidence="evidence",
        entry_title="T",
        source_file="f.txt",
        label="supported" if supported else "unsupported",
        category="paraphrase" if supported else "number_swap",
        reason="r",
        origin="constructed",
    )


class ClaimScoreJudge(ScoringJudge):
    """Scores each claim with the number written in it; 'fail' raises a judge failure."""

    name = "fake"

    def raw_score(self, claim: str, evidence: str) -> float:
        if claim == "fail":
            raise JudgeFailure("timeout: scripted")
        return float(claim)


def test_cohen_kappa_known_values() -> None:
    assert cohen_kappa([True, False, True, False], [True, False, True, False]) == pytest.approx(1.0)
    # observed 0.5, expected 0.5 -> 0
    assert cohen_kappa([True, True, False, False], [True, False, True, False]) == pytest.approx(0.0)
    assert cohen_kappa([True, True], [True, True]) is None
    assert cohen_kappa([], []) is None


def test_agreement_treats_unsupported_as_positive_and_counts_failures() -> None:
    supported = [True, True, False, False, False]
    verdicts: list[bool | None] = [True, False, False, True, None]
    a = agreement(supported, verdicts)
    assert a["confusion"] == {"tp": 1, "fn": 1, "fp": 1, "tn": 1}
    assert a["failures"] == 1 and a["judged"] == 4
    assert a["precision_unsupported"] == pytest.approx(0.5)
    assert a["recall_unsupported"] == pytest.approx(0.5)
    assert a["balanced_accuracy"] == pytest.approx(0.5)


def test_choose_threshold_separates_the_labels() -> None:
    scores = [0.9, 0.8, 0.7, 0.4, 0.3, None]
    supported = [True, True, True, False, False, True]
    t = choose_threshold(scores, supported)
    assert t is not None and 0.4 < t <= 0.7
    assert choose_threshold([None], [True]) is None


def test_threshold_is_chosen_on_calibration_and_applied_to_test() -> None:
    calibration = [claim(0, True, 0.9), claim(1, True, 0.8), claim(2, False, 0.2), claim(3, False, 0.1)]
    test = [claim(4, True, 0.6), claim(5, False, 0.55), claim(6, False, 0.3), claim(7, True, 0.95)]
    result = evaluate_judge(ClaimScoreJudge(threshold=0.99), calibration, test)
    assert result["threshold_chosen_on_calibration"] is True
    assert 0.2 < result["threshold"] < 0.8
    # test verdicts use the calibration threshold, not the judge's initial 0.99
    expected = [s >= result["threshold"] for s in (0.6, 0.55, 0.3, 0.95)]
    assert result["test_verdicts"] == expected


def test_failed_items_are_counted_never_scored() -> None:
    items = [claim(0, True, 0.9), claim(1, False, 0.1)]
    failing = LabelledClaim(**{**items[1].__dict__, "id": "x9", "claim": "fail"})
    result = evaluate_judge(ClaimScoreJudge(threshold=0.5), items, [*items, failing])
    assert result["test"]["failures"] == 1
    assert result["test"]["judged"] == 2
    assert result["test"]["balanced_accuracy"] == pytest.approx(1.0)
    assert result["failure_reasons"] == {"timeout": 1}
    assert result["test_verdicts"][-1] is None


def test_a_fixed_judge_is_also_scored_on_every_item_per_kind() -> None:
    from evals.judges import VerifierJudge
    from evals.judges.agreement import evaluate_judge
    from evals.support_labels import LabelledClaim

    def item(i: int, claim: str, label: str, category: str) -> LabelledClaim:
        evidence = "The estimator converges quickly in the low noise regime."
        return LabelledClaim(
            f"t{i}", claim, evidence, "Fast Estimators", "x.txt", label, category, "why", "constructed"
        )

    items = [
        item(1, "The estimator converges quickly in the low noise regime.", "supported", "verbatim"),
        item(2, "The estimator converges slowly in the low noise regime.", "unsupported", "flipped_direction"),
        item(3, "The estimator converges quickly in the high noise regime.", "unsupported", "qualifier_moved"),
        item(4, "In the low noise regime, the estimator converges quickly.", "supported", "paraphrase"),
    ]
    report = evaluate_judge(VerifierJudge(), items[:2], items[2:])
    assert report["all"]["n"] == 4
    assert set(report["per_category_all"]) == {"verbatim", "flipped_direction", "qualifier_moved", "paraphrase"}
    assert report["per_category_all"]["qualifier_moved"]["right"] == 1
