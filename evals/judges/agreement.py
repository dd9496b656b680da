"""How well a support judge agrees with the human labels (pure, apart from timing the judge).

"Unsupported" is the positive class: precision and recall on unsupported say how well a judge catches claims
that are wrong. A failed verdict (``None``) is counted under ``failures`` and left out of every other figure.
Thresholds are chosen on the calibration split and every figure is measured on the test split.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evals.judges.base import ScoringJudge, SupportJudge

if TYPE_CHECKING:
    from evals.support_labels import LabelledClaim

__all__ = [
    "JudgeScores",
    "agreement",
    "choose_threshold",
    "cohen_kappa",
    "evaluate_judge",
    "per_category",
    "score_items",
]


def cohen_kappa(gold: Sequence[bool], predicted: Sequence[bool]) -> float | None:
    """Cohen's kappa of two binary raters; ``None`` for no items or when chance agreement is 1."""
    n = len(gold)
    if n == 0 or n != len(predicted):
        return None
    observed = sum(g == p for g, p in zip(gold, predicted, strict=True)) / n
    g_true, p_true = sum(gold) / n, sum(predicted) / n
    expected = g_true * p_true + (1 - g_true) * (1 - p_true)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def agreement(supported: Sequence[bool], verdicts: Sequence[bool | None]) -> dict[str, Any]:
    """Balanced accuracy, precision/recall on unsupported, kappa, accuracy and failures of one judge's verdicts.

    ``supported[i]`` is the human label of item *i*, ``verdicts[i]`` the judge's (``None``: failed)."""
    pairs = [(s, v) for s, v in zip(supported, verdicts, strict=True) if v is not None]
    tp = sum(not s and not v for s, v in pairs)  # unsupported, judged unsupported
    fn = sum(not s and v for s, v in pairs)
    fp = sum(s and not v for s, v in pairs)
    tn = sum(s and v for s, v in pairs)
    recall_uns = tp / (tp + fn) if tp + fn else None
    recall_sup = tn / (tn + fp) if tn + fp else None
    balanced = (recall_uns + recall_sup) / 2 if recall_uns is not None and recall_sup is not None else None
    return {
        "n": len(verdicts),
        "judged": len(pairs),
        "failures": len(verdicts) - len(pairs),
        "balanced_accuracy": balanced,
        "accuracy": (tp + tn) / len(pairs) if pairs else None,
        "precision_unsupported": tp / (tp + fp) if tp + fp else None,
        "recall_unsupported": recall_uns,
        "recall_supported": recall_sup,
        "kappa": cohen_kappa([s for s, _ in pairs], [bool(v) for _, v in pairs]),
        "confusion": {"tp": tp, "fn": fn, "fp": fp, "tn": tn},
    }


def choose_threshold(scores: Sequence[float | None], supported: Sequence[bool]) -> float | None:
    """The threshold (supported iff score >= it) with the best balanced accuracy on these items.

    Candidates are the midpoints between consecutive distinct scores and the ends; among equally good ones the
    middle one is taken. Failed scores (``None``) are ignored; ``None`` when nothing was scored."""
    pairs = [(s, y) for s, y in zip(scores, supported, strict=True) if s is not None]
    if not pairs:
        return None
    values = sorted({s for s, _ in pairs})
    candidates = [values[0], *((a + b) / 2 for a, b in itertools.pairwise(values)), values[-1] + 1e-9]
    best: list[float] = []
    best_value = -1.0
    for t in candidates:
        figure = agreement([y for _, y in pairs], [s >= t for s, _ in pairs])["balanced_accuracy"]
        value = -1.0 if figure is None else figure
        if value > best_value + 1e-12:
            best, best_value = [t], value
        elif abs(value - best_value) <= 1e-12:
            best.append(t)
    return best[len(best) // 2]


@dataclass
class JudgeScores:
    """One judge's raw output on a list of items: scores (scoring judges) or verdicts, timings, failure reasons."""

    scores: list[float | None] = field(default_factory=list)
    verdicts: list[bool | None] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    failure_reasons: Counter[str] = field(default_factory=Counter)


def score_items(judge: SupportJudge, items: Sequence[LabelledClaim]) -> JudgeScores:
    """Run ``judge`` on every item, timing each call and collecting failure reasons by category."""
    out = JudgeScores()
    for item in items:
        start = time.perf_counter()
        in_entry = getattr(judge, "score_in_entry", None)
        if isinstance(judge, ScoringJudge):
            if callable(in_entry):
                score = in_entry(item.claim, item.evidence, item.entry_title)
            else:
                score = judge.score(item.claim, item.evidence)
            verdict = None if score is None else score >= judge.threshold
        else:
            score, verdict = None, judge.supports(item.claim, item.evidence)
        out.seconds.append(time.perf_counter() - start)
        out.scores.append(score)
        out.verdicts.append(verdict)
        if verdict is None:
            reason = judge.last_failure or "error: no reason given"
            out.failure_reasons[reason.split(":", 1)[0]] += 1
    return out


def per_category(items: Sequence[LabelledClaim], verdicts: Sequence[bool | None]) -> dict[str, dict[str, int]]:
    """Right, failed and total verdicts per kind of claim (``category``: paraphrase, role_swap, ...)."""
    rows: dict[str, dict[str, int]] = {}
    for item, verdict in zip(items, verdicts, strict=True):
        row = rows.setdefault(item.category, {"n": 0, "right": 0, "failed": 0})
        row["n"] += 1
        row["failed"] += verdict is None
        row["right"] += verdict is not None and verdict == item.supported
    return dict(sorted(rows.items()))


def evaluate_judge(
    judge: SupportJudge,
    calibration: Sequence[LabelledClaim],
    test: Sequence[LabelledClaim],
    *,
    calibrate: bool = True,
) -> dict[str, Any]:
    """Score ``judge`` on both splits; choose its threshold on ``calibration`` (scoring judges, when
    ``calibrate``) and report agreement on ``test`` with that threshold, plus cost and failures on all items.

    A judge whose decision is fixed (no threshold chosen, nothing fitted on the calibration half) was tuned on none
    of these items, so its agreement on all of them is reported too (``all``, ``per_category_all``); a held-out
    labels file is scored in full that way."""
    cal, tst = score_items(judge, calibration), score_items(judge, test)
    threshold = getattr(judge, "threshold", None)
    chosen = None
    if calibrate and isinstance(judge, ScoringJudge) and judge.calibrated:
        chosen = choose_threshold(cal.scores, [c.supported for c in calibration])
        if chosen is not None:
            threshold = chosen
    verdicts = tst.verdicts
    if chosen is not None:
        verdicts = [None if s is None else s >= chosen for s in tst.scores]
    seconds = cal.seconds + tst.seconds
    figures = agreement([c.supported for c in test], verdicts)
    fixed = chosen is None and not getattr(judge, "fitted_on_calibration", False)
    every = [*calibration, *test]
    every_verdicts = [*cal.verdicts, *verdicts]
    return {
        "judge": judge.name,
        "threshold": threshold,
        "threshold_chosen_on_calibration": chosen is not None or bool(getattr(judge, "fitted_on_calibration", False)),
        "decided_without_model": getattr(judge, "decided_by_checks", None),
        "test": figures,
        "calibration_failures": sum(v is None for v in cal.verdicts),
        "failure_reasons": dict((cal.failure_reasons + tst.failure_reasons).most_common()),
        "seconds_per_item": sum(seconds) / len(seconds) if seconds else None,
        "seconds_total": sum(seconds),
        "per_category": per_category(test, verdicts),
        "all": agreement([c.supported for c in every], every_verdicts) if fixed else None,
        "per_category_all": per_category(every, every_verdicts) if fixed else None,
        "calibration_ids": [c.id for c in calibration],
        "calibration_scores": cal.scores,
        "test_ids": [c.id for c in test],
        "test_scores": tst.scores,
        "test_verdicts": verdicts,
    }
