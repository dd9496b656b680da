"""Fit the combined judge on the calibration half of the labels, then score it on the test half, from the cache.

``python -m evals.judges.fit`` reads the embedded model's cached answers (filled by :mod:`evals.judges.collect`;
nothing here calls a model), fits both logistic models, the gates and the threshold on the calibration half only,
and prints the fitted :class:`~evals.judges.combined.Weights` as a Python literal (to paste into
:data:`evals.judges.combined.FITTED`) with the judge's figures on the test half.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.judges.agreement import agreement, choose_threshold
from evals.judges.combined import DEFAULT_QUESTIONS, MODEL_FEATURES, Logistic, Weights
from evals.judges.features import FEATURE_NAMES

if TYPE_CHECKING:
    from evals.support_labels import LabelledClaim

__all__ = ["choose_gates", "cross_validate", "fit_logistic", "fit_weights", "main"]

FeatureFn = Callable[["LabelledClaim"], dict[str, float]]


POSITIVE: frozenset[str] = frozenset(MODEL_FEATURES)
# Every model feature is oriented so that larger means supported (a question asked the other way round is read as
# the log-odds of its "no"), so each may only raise P(supported).
"""Features that may only raise P(supported); every other feature may only lower it. The signs are what each
check means (a number missing from the evidence can never be evidence of support), fixed before any fitting,
so that the weights cannot learn how this label set happened to be built (its unsupported claims reuse the
evidence's words more than its paraphrases do, which an unconstrained fit turns into "more overlap, less
support")."""


def fit_logistic(
    rows: Sequence[dict[str, float]],
    supported: Sequence[bool],
    names: Sequence[str],
    l2: float = 1.0,
    positive: frozenset[str] | None = POSITIVE,
) -> Logistic:
    """L2-regularised logistic regression of ``supported`` on the ``names`` features (Newton's method on
    standardised features, returned on the original scale), with each coefficient held to its sign (features in
    ``positive`` >= 0, the rest <= 0; ``None``: unconstrained) by dropping wrong-signed features and refitting.
    Deterministic; raises ``ValueError`` on no rows."""
    active = list(names)
    while True:
        model = _fit_unconstrained(rows, supported, active, l2)
        if positive is None:
            return model
        wrong = [n for n in active if (model.coef[n] < 0) == (n in positive) and model.coef[n] != 0.0]
        if not wrong:
            return Logistic(bias=model.bias, coef={n: model.coef.get(n, 0.0) for n in names})
        worst = max(wrong, key=lambda n: abs(model.coef[n]))
        active.remove(worst)


def _fit_unconstrained(
    rows: Sequence[dict[str, float]], supported: Sequence[bool], names: Sequence[str], l2: float
) -> Logistic:
    import numpy as np

    if not rows or len(rows) != len(supported):
        raise ValueError("fit_logistic needs one label per row and at least one row")
    x = np.array([[r.get(n, 0.0) for n in names] for r in rows], dtype=float)
    y = np.array([1.0 if s else 0.0 for s in supported])
    mean, std = x.mean(axis=0), x.std(axis=0)
    usable = std > 1e-12
    z = np.zeros_like(x)
    z[:, usable] = (x[:, usable] - mean[usable]) / std[usable]
    design = np.hstack([np.ones((len(rows), 1)), z])
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0  # the bias is not shrunk
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        grad = design.T @ (p - y) + penalty * w
        hess = design.T @ (design * (p * (1 - p))[:, None]) + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    coef = {n: 0.0 for n in names}
    bias = float(w[0])
    for i, name in enumerate(names):
        if usable[i]:
            coef[name] = float(w[i + 1] / std[i])
            bias -= float(w[i + 1] * mean[i] / std[i])
    return Logistic(bias=bias, coef=coef)


def choose_gates(
    scores: Sequence[float], supported: Sequence[bool], threshold: float, purity: float = 0.95, min_items: int = 10
) -> tuple[float, float]:
    """(low, high): the widest checks-probability tails in which at least ``purity`` of the items carry the
    label the tail decides (unsupported at or below ``low``, supported at or above ``high``), each holding at
    least ``min_items``. A tail with no such cut is closed (-1 or 2: never taken); ``low < threshold <= high``."""
    pairs = sorted(zip(scores, supported, strict=True))
    low, high = -1.0, 2.0
    for k in range(min_items, len(pairs) + 1):
        tail = pairs[:k]
        cut = tail[-1][0]
        if k < len(pairs) and pairs[k][0] == cut:
            continue  # a cut must not split equal scores
        if sum(not s for _, s in tail) / k >= purity:
            low = cut
    for k in range(min_items, len(pairs) + 1):
        tail = pairs[-k:]
        cut = tail[0][0]
        if k < len(pairs) and pairs[-k - 1][0] == cut:
            continue
        if sum(s for _, s in tail) / k >= purity:
            high = cut
    low = min(low, math.nextafter(threshold, -math.inf))
    return low, max(high, threshold)


def fit_weights(
    calibration: Sequence[LabelledClaim],
    features: FeatureFn,
    *,
    l2: float = 1.0,
    purity: float = 0.95,
    model_features: Sequence[str] = MODEL_FEATURES,
    choose_cut: bool = False,
) -> Weights:
    """Fit the combined judge on ``calibration`` alone (``features(item)`` gives checks and model features;
    ``model_features`` names the model features the full model may use).

    The decision threshold is 0.5, the Bayes cut of a logistic model fitted on two classes of equal size (the
    label set is half unsupported), unless ``choose_cut``: then the cut with the best balanced accuracy on the
    calibration half, which on ~75 items swung between 0.34 and 0.59 and lost 0.14 of balanced accuracy."""
    rows = [features(item) for item in calibration]
    labels = [item.supported for item in calibration]
    checks = fit_logistic(rows, labels, FEATURE_NAMES, l2)
    full = fit_logistic(rows, labels, (*FEATURE_NAMES, *model_features), l2)
    threshold = choose_threshold([full.probability(r) for r in rows], labels) if choose_cut else 0.5
    if threshold is None:
        raise ValueError("no calibration item could be scored")
    low, high = choose_gates([checks.probability(r) for r in rows], labels, threshold, purity)
    ranges = {}
    for name in list(model_features)[1:]:  # the first question is always asked
        values = sorted(r.get(name, 0.0) for r in rows)
        ranges[name] = (values[0], values[len(values) // 2], values[-1])
    info = {
        "calibration_items": len(calibration),
        "l2": l2,
        "gate_purity": purity,
        "model_features": list(model_features),
    }
    return Weights(
        checks=checks, full=full, gate_low=low, gate_high=high, threshold=threshold, info=info, ranges=ranges
    )


def _literal(weights: Weights) -> str:
    def logistic(m: Logistic) -> str:
        coef = ", ".join(f'"{k}": {v:.4f}' for k, v in m.coef.items())
        return f"Logistic(bias={m.bias:.4f}, coef={{{coef}}})"

    return (
        f"FITTED = Weights(\n    checks={logistic(weights.checks)},\n    full={logistic(weights.full)},\n"
        f"    gate_low={weights.gate_low:.4f},\n    gate_high={weights.gate_high:.4f},\n"
        f"    threshold={weights.threshold:.4f},\n    info={dict(weights.info)!r},\n"
        f"    ranges={ {k: tuple(round(v, 4) for v in r) for k, r in weights.ranges.items()}!r},\n)"
    )


def cross_validate(
    items: Sequence[LabelledClaim],
    features: FeatureFn,
    names: Sequence[str],
    *,
    folds: int = 5,
    repeats: int = 5,
    l2: float = 1.0,
) -> dict[str, Any]:
    """Agreement of a sign-constrained logistic fit on ``names``, cut at 0.5, over ``repeats`` stratified
    ``folds``-fold cross-validations inside ``items`` (the calibration half): every item is judged by a fit that
    never saw it, and the verdicts of all repeats are pooled. Deterministic (seeds 0 .. repeats-1)."""
    import random

    rows = [features(item) for item in items]
    truth: list[bool] = []
    verdicts: list[bool | None] = []
    for repeat in range(repeats):
        rng = random.Random(repeat)
        fold_of: dict[int, int] = {}
        for label in (True, False):
            group = [i for i, item in enumerate(items) if item.supported == label]
            rng.shuffle(group)
            fold_of.update({i: k % folds for k, i in enumerate(group)})
        for fold in range(folds):
            train = [i for i in range(len(items)) if fold_of[i] != fold]
            model = fit_logistic([rows[i] for i in train], [items[i].supported for i in train], names, l2)
            for i in (i for i in range(len(items)) if fold_of[i] == fold):
                truth.append(items[i].supported)
                verdicts.append(model.probability(rows[i]) >= 0.5)
    return agreement(truth, verdicts)


def main(argv: list[str] | None = None) -> int:
    """Fit from the cache and print the weights, then (JSON) the cross-validated calibration figures and the
    test-half figures."""
    from assistant.llm.model_file import DEFAULT_MODEL_FILENAME
    from evals.judges.agreement import evaluate_judge
    from evals.judges.cache import DEFAULT_CACHE, CachedChatModel, LogprobCache
    from evals.judges.combined import QUESTIONS, CombinedJudge, model_features
    from evals.judges.features import claim_features
    from evals.judges.model import YesNoJudge
    from evals.support_labels import DEFAULT_LABELS, load_labels, split_labels

    parser = argparse.ArgumentParser(prog="python -m evals.judges.fit", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--purity", type=float, default=0.95)
    parser.add_argument(
        "--question",
        action="append",
        choices=sorted(QUESTIONS),
        help=f"model feature to fit with (repeatable; default: {' '.join(DEFAULT_QUESTIONS)})",
    )
    args = parser.parse_args(argv)
    questions = tuple(args.question or DEFAULT_QUESTIONS)

    cached = CachedChatModel(LogprobCache(args.cache), None, name=Path(DEFAULT_MODEL_FILENAME).stem)
    askers = {q: YesNoJudge(cached, prompt_version=QUESTIONS[q][0], timeout_s=None) for q in questions}
    rows: dict[str, dict[str, float]] = {}
    for item in load_labels(args.labels):
        x = claim_features(item.claim, item.evidence)
        for q, asker in askers.items():
            p_yes = asker.score(item.claim, item.evidence)
            if p_yes is None:
                break  # not collected yet (a cache miss is a failure, never a guess)
            x.update(model_features(p_yes, q))
        else:
            rows[item.id] = x
    halves = split_labels(load_labels(args.labels))  # the same halves as 'eval judges', then what is cached
    calibration, test = ([i for i in half if i.id in rows] for half in halves)
    if not calibration:
        print(f"no calibration claim has every question {questions} cached; run evals.judges.collect", file=sys.stderr)
        return 2
    weights = fit_weights(
        calibration, lambda item: rows[item.id], l2=args.l2, purity=args.purity, model_features=questions
    )
    out: dict[str, Any] = {"calibration_items": len(calibration), "test_items": len(test), "questions": questions}
    out["calibration_cv"] = {
        "checks_and_questions": cross_validate(calibration, lambda i: rows[i.id], (*FEATURE_NAMES, *questions)),
        "questions_only": cross_validate(calibration, lambda i: rows[i.id], questions),
        "checks_only": cross_validate(calibration, lambda i: rows[i.id], FEATURE_NAMES),
    }
    for gate in (True, False):
        judge = CombinedJudge(cached, weights=weights, gate=gate)
        result = evaluate_judge(judge, calibration, test)
        out["gated" if gate else "model_on_every_claim"] = {
            "test": result["test"],
            "per_category": result["per_category"],
            "share_decided_by_checks": judge.decided_by_checks / max(1, judge.decided_by_checks + judge.asked_model),
            "questions_skipped": judge.skipped_questions,
            "questions_asked_per_claim": (
                sum(q.asked for q in judge.questions.values()) / max(1, judge.decided_by_checks + judge.asked_model)
            ),
        }
    truth = [i.supported for i in test]
    cal_truth = [i.supported for i in calibration]
    singles: list[tuple[str, Callable[[LabelledClaim], float]]] = [
        ("checks_only", lambda i: weights.checks.probability(rows[i.id]))
    ]
    singles += [(f"{q}_only", lambda i, q=q: rows[i.id][q]) for q in questions]  # type: ignore[misc]
    for label, fn in singles:
        cut = choose_threshold([fn(i) for i in calibration], cal_truth)
        assert cut is not None
        out[label] = agreement(truth, [fn(i) >= cut for i in test])
    print(_literal(weights))
    print(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
