"""The default support judge: the evaluation's own checks first, the local model where they cannot decide.

Two logistic models, both fitted on the calibration half of the labelled set only (:mod:`evals.judges.fit`):

* the *checks* model reads the deterministic features of :mod:`evals.judges.features` (coverage, numbers,
  negation, hedges, direction, names); where its probability is at or beyond one of two gates (chosen on the
  calibration half so that the checks alone are rarely wrong there) the verdict is made without the model;
* the *full* model adds the embedded model's answers to short yes/no questions about the claim (the yes/no judge
  of :mod:`evals.judges.model`, one prompt version per question, :data:`QUESTIONS`), each as the log-odds of its
  P(yes), or of P(no) for a question asked the other way round ("does the claim misstate the evidence?"). Asking
  both ways cancels much of the small model's tendency to say yes to some texts whatever the question.

The score is the probability of "supported" from whichever model decided; supported iff it reaches
``threshold``. Any model failure is a failure of the item (``None``), never a guess from the checks alone.
Against the labels it beats the yes/no judge alone on balanced accuracy and recall on unsupported claims (see the
README); most checks fire on few claims, so their weights are uncertain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evals.judges.base import JudgeFailure, ScoringJudge
from evals.judges.features import FEATURE_NAMES, claim_features
from evals.judges.model import YesNoJudge

if TYPE_CHECKING:
    from assistant.llm.base import ChatModel

__all__ = [
    "DEFAULT_QUESTIONS",
    "FITTED",
    "MODEL_FEATURES",
    "QUESTIONS",
    "CombinedJudge",
    "Logistic",
    "Weights",
    "model_features",
]

QUESTIONS: dict[str, tuple[str, bool]] = {
    "model_supports": ("v1", False),
    "model_supports_fewshot": ("v2", False),
    "model_restates": ("restate_v1", False),
    "model_agrees": ("misstate_v1", True),
}
"""Model feature -> (prompt version of ``prompts/support_<version>.*``, whether the question is asked the other way
round, so that "yes" means unsupported): "does the evidence support the claim?", the same after fixed few-shot
examples, "does the claim restate what the evidence says?" and "does the claim misstate the evidence?"."""
DEFAULT_QUESTIONS: tuple[str, ...] = ("model_supports",)
"""The model questions the default judge is fitted with. Other sets (``--question``) were measured: none was
better on both halves of the labels (docs/evaluation.md)."""
MODEL_FEATURES: tuple[str, ...] = tuple(QUESTIONS)
"""Every model feature a fit may use; a judge asks only the questions its weights give a non-zero weight."""
_CLIP = 1e-4


@dataclass(frozen=True)
class Logistic:
    """``P(supported) = sigmoid(bias + sum(coef[f] * x[f]))`` over named features (missing features count 0)."""

    bias: float
    coef: Mapping[str, float]

    def probability(self, x: Mapping[str, float]) -> float:
        """The model's probability of "supported" for feature values ``x``."""
        z = self.bias + sum(w * x.get(name, 0.0) for name, w in self.coef.items())
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass(frozen=True)
class Weights:
    """Everything the combined judge was fitted to: both models, the gates and the decision threshold."""

    checks: Logistic
    full: Logistic
    gate_low: float
    """Checks probability at or below which the claim is unsupported without asking the model."""
    gate_high: float
    """Checks probability at or above which the claim is supported without asking the model."""
    threshold: float
    info: Mapping[str, object] = field(default_factory=dict)
    """How and when they were fitted (for the report)."""
    ranges: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)
    """Model feature -> (lowest, median, highest) value on the calibration half, for every question after the
    first: a question is not asked when no value in its range could change the verdict (its median stands in
    for it in the score). Empty: every question is asked."""

    def __post_init__(self) -> None:
        if not self.gate_low < self.threshold <= self.gate_high:
            raise ValueError(
                f"gates must bracket the threshold: {self.gate_low} < {self.threshold} <= {self.gate_high}"
            )


def model_features(p_yes: float, feature: str = "model_supports") -> dict[str, float]:
    """The model feature ``feature`` (clipped log-odds of support) from its question's P(yes)."""
    if QUESTIONS[feature][1]:
        p_yes = 1.0 - p_yes
    p = min(max(p_yes, _CLIP), 1.0 - _CLIP)
    return {feature: math.log(p / (1.0 - p))}


FITTED = Weights(
    checks=Logistic(
        bias=0.7030,
        coef={
            "number_absent": -1.0025,
            "number_context": -1.8349,
            "negation_dropped": -3.6713,
            "hedge_dropped": -1.1236,
            "certainty_added": -0.4318,
            "direction_flip": -3.0157,
            "names_absent": -1.2732,
            "name_attachment": 0.0000,
        },
    ),
    full=Logistic(
        bias=0.7894,
        coef={
            "number_absent": -0.1649,
            "number_context": -3.5225,
            "negation_dropped": -3.8198,
            "hedge_dropped": -0.5932,
            "certainty_added": -0.3350,
            "direction_flip": -3.6928,
            "names_absent": -0.4189,
            "name_attachment": -0.3515,
            "model_supports": 1.2006,
        },
    ),
    gate_low=0.1718,
    gate_high=2.0000,
    threshold=0.5000,
    info={"calibration_items": 177, "l2": 1.0, "gate_purity": 0.95, "model_features": ["model_supports"]},
)
"""Fitted on the calibration half (177 claims) of ``evals/labels/support.jsonl`` by ``python -m evals.judges.fit
--question model_supports`` (2026-12-01); it asks one question, prompt ``v1``. The gate below which the checks
alone say "unsupported" decides about 1 claim in 8. The two-question fit (``model_restates`` and ``model_agrees``)
cross-validated slightly better on the calibration half (0.813 against 0.804) but did not hold on the test half
(0.719 against 0.747) and costs a second question on a third of the claims: see the README."""


class CombinedJudge(ScoringJudge):
    """Checks first, the yes/no model where the checks are unsure (see the module docstring)."""

    name = "combined"
    calibrated = False  # its threshold is fitted together with its weights, on the calibration half only
    fitted_on_calibration = True

    def __init__(
        self,
        model: ChatModel | None,
        *,
        weights: Weights = FITTED,
        name: str = "combined",
        timeout_s: float | None = 120.0,
        gate: bool = True,
    ) -> None:
        """Judge with ``model`` (``None``: checks only, and items the gates leave open fail with ``no_model``);
        ``gate=False`` asks the model about every claim."""
        super().__init__(weights.threshold)
        self.name = name
        self.weights = weights
        self.gate = gate
        asked = [f for f in MODEL_FEATURES if weights.full.coef.get(f, 0.0) != 0.0] or ["model_supports"]
        self.questions: dict[str, YesNoJudge] = (
            {}
            if model is None
            else {f: YesNoJudge(model, timeout_s=timeout_s, prompt_version=QUESTIONS[f][0]) for f in asked}
        )
        self.yes_no = next(iter(self.questions.values()), None)
        """The judge of the first question asked (``None`` without a model)."""
        self.asked_model = 0
        self.decided_by_checks = 0
        self.skipped_questions = 0
        """Later questions not asked because their answer could not change the verdict."""
        self._memo: dict[tuple[str, str], float] = {}

    def features(self, claim: str, evidence: str, *, ask_model: bool = True) -> dict[str, float]:
        """The checks' features, plus the model's when ``ask_model`` (raises on a model failure)."""
        x = claim_features(claim, evidence)
        if ask_model:
            x.update(self._model_part(claim, evidence))
        return x

    def raw_score(self, claim: str, evidence: str) -> float:
        """P(supported) from the checks where a gate decides, else from the full model (a pair seen before is
        answered from memory: an evaluation asks about the same sentence and span more than once)."""
        known = self._memo.get((claim, evidence))
        if known is not None:
            return known
        x = self.features(claim, evidence, ask_model=False)
        p_checks = self.weights.checks.probability(x)
        if self.gate and (p_checks <= self.weights.gate_low or p_checks >= self.weights.gate_high):
            self.decided_by_checks += 1
            value = p_checks
        else:
            self.asked_model += 1
            x.update(self._model_part(claim, evidence, x))
            value = self.weights.full.probability(x)
        self._memo[(claim, evidence)] = value
        return value

    def decided_without(self, x: Mapping[str, float], remaining: list[str]) -> bool:
        """Whether the verdict is the same for every value of the ``remaining`` model features within their
        calibration ranges, given the features ``x`` known so far (never, for a feature without a range)."""
        if any(f not in self.weights.ranges for f in remaining):
            return False
        full = self.weights.full
        z = full.bias + sum(w * x.get(name, 0.0) for name, w in full.coef.items() if name not in remaining)
        spans = [
            sorted((full.coef[f] * self.weights.ranges[f][0], full.coef[f] * self.weights.ranges[f][2]))
            for f in remaining
        ]
        t = self.weights.threshold
        cut = math.log(t / (1.0 - t)) if 0.0 < t < 1.0 else (-math.inf if t <= 0.0 else math.inf)
        low, high = z + sum(a for a, _ in spans), z + sum(b for _, b in spans)
        return low >= cut or high < cut

    def _model_part(self, claim: str, evidence: str, known: Mapping[str, float] | None = None) -> dict[str, float]:
        if not self.questions:
            raise JudgeFailure("no_model: the checks could not decide and no model was given")
        x: dict[str, float] = {}
        order = list(self.questions)
        for k, (feature, judge) in enumerate(self.questions.items()):
            if k and known is not None and self.decided_without({**known, **x}, order[k:]):
                self.skipped_questions += len(order) - k
                x.update({f: self.weights.ranges[f][1] for f in order[k:]})
                break
            p_yes = judge.score(claim, evidence)
            if p_yes is None:  # any question failing fails the item: never a verdict from the other answers
                raise JudgeFailure(judge.last_failure or "error: the model gave no verdict")
            x.update(model_features(p_yes, feature))
        return x


assert set(MODEL_FEATURES).isdisjoint(FEATURE_NAMES)
