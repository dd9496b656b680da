"""The default support judge: the evaluation's own checks first, the local model where they cannot decide.

Two logistic models, both fitted on the calibration half of the labelled set only (:mod:`evals.judges.fit`):

* the *checks* model reads the deterministic features of :mod:`evals.judges.features` (coverage, numbers,
  negation, hedges, direction, names); where its probability is at or beyond one of two gates (chosen on the
  calibration half so that the checks alone are rarely wrong there) the verdict is made without the model;
* the *full* model adds the embedded model's answer to "does the evidence support the claim?" (the yes/no judge
  of :mod:`evals.judges.model`), as the log-odds of its P(yes).

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

__all__ = ["FITTED", "MODEL_FEATURES", "CombinedJudge", "Logistic", "Weights", "model_features"]

MODEL_FEATURES: tuple[str, ...] = ("model_supports",)
"""Log-odds of the embedded model's P(yes) to "does the evidence support the claim?"."""
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

    def __post_init__(self) -> None:
        if not self.gate_low < self.threshold <= self.gate_high:
            raise ValueError(
                f"gates must bracket the threshold: {self.gate_low} < {self.threshold} <= {self.gate_high}"
            )


def model_features(p_yes: float) -> dict[str, float]:
    """The model feature (clipped log-odds) from the yes/no judge's P(yes)."""
    p = min(max(p_yes, _CLIP), 1.0 - _CLIP)
    return {"model_supports": math.log(p / (1.0 - p))}


FITTED = Weights(
    checks=Logistic(
        bias=0.7030,
        coef={
            "coverage": 0.0000,
            "pair_coverage": 0.0000,
            "copied": 0.0000,
            "number_absent": -1.0025,
            "number_context": -1.8349,
            "negation_added": 0.0000,
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
            "coverage": 0.0000,
            "pair_coverage": 0.0000,
            "copied": 0.0000,
            "number_absent": -0.1649,
            "number_context": -3.5225,
            "negation_added": 0.0000,
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
"""Fitted on the calibration half (177 claims) of ``evals/labels/support.jsonl`` by ``python -m evals.judges.fit``
(2026-12-01); the gates found no region the checks decide alone."""


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
        self.yes_no = None if model is None else YesNoJudge(model, timeout_s=timeout_s)
        self.asked_model = 0
        self.decided_by_checks = 0
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
            x.update(self._model_part(claim, evidence))
            value = self.weights.full.probability(x)
        self._memo[(claim, evidence)] = value
        return value

    def _model_part(self, claim: str, evidence: str) -> dict[str, float]:
        if self.yes_no is None:
            raise JudgeFailure("no_model: the checks could not decide and no model was given")
        p_yes = self.yes_no.score(claim, evidence)
        if p_yes is None:
            raise JudgeFailure(self.yes_no.last_failure or "error: the model gave no verdict")
        return model_features(p_yes)


assert set(MODEL_FEATURES).isdisjoint(FEATURE_NAMES)
