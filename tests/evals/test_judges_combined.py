"""The combined judge's parts on hand-made pairs: the evaluation's own checks, the fit (calibration half only), the
gates, the log-probability cache, and failure accounting; every model is a deterministic fake."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from assistant.llm import ScriptedChatModel
from evals.judges import MODEL_JUDGES, make_judge
from evals.judges.cache import CachedChatModel, LogprobCache, request_key
from evals.judges.combined import FITTED, QUESTIONS, CombinedJudge, Logistic, Weights, model_features
from evals.judges.features import FEATURE_NAMES, claim_features, focus_evidence
from evals.judges.fit import choose_gates, fit_logistic, fit_weights
from evals.judges.model import YesNoJudge, support_messages
from evals.support_labels import LabelledClaim, split_labels
from tests.helpers.eval_records import labelled

EVIDENCE = (
    "FooNet reaches 71% accuracy on the benchmark, while BarNet reaches 64%. Our results suggest that pruning "
    "may reduce memory use. Training time decreases as the batch grows."
)


def test_a_verbatim_claim_trips_no_check() -> None:
    f = claim_features("FooNet reaches 71% accuracy on the benchmark.", EVIDENCE)
    assert set(f) == set(FEATURE_NAMES)
    assert all(f[n] == 0.0 for n in FEATURE_NAMES)


@pytest.mark.parametrize(
    ("claim", "feature"),
    [
        ("FooNet reaches 78% accuracy on the benchmark.", "number_absent"),
        ("FooNet reaches 64% accuracy on the benchmark.", "number_context"),
        ("BarNet reaches 71% accuracy on the benchmark, while FooNet reaches 64%.", "name_attachment"),
        ("The results show that pruning reduces memory use.", "hedge_dropped"),
        ("The results prove that pruning always reduces memory use.", "certainty_added"),
        ("Training time increases as the batch grows.", "direction_flip"),
        ("FooNet reaches 71% accuracy on ImageNet with BazNet.", "names_absent"),
    ],
)
def test_each_check_fires_on_its_departure(claim: str, feature: str) -> None:
    assert claim_features(claim, EVIDENCE)[feature] > 0.0
    assert claim_features("FooNet reaches 71% accuracy on the benchmark.", EVIDENCE)[feature] == 0.0


def test_a_number_moved_to_another_quantity_is_caught_by_its_context() -> None:
    evidence = "The encoder has 12 layers and the decoder has 6 heads."
    assert claim_features("The encoder has 6 layers.", evidence)["number_context"] == 1.0
    assert claim_features("The encoder has 12 layers.", evidence)["number_context"] == 0.0


def test_long_evidence_is_focused_on_the_sentences_the_claim_draws_on() -> None:
    filler = " ".join(f"Talk {i} covers topic number {i} in depth." for i in range(60))
    evidence = f"{filler} The keynote on protein folding is on Tuesday. {filler}"
    focused = focus_evidence("Protein folding keynote is on Tuesday.", evidence, max_chars=300)
    assert "The keynote on protein folding is on Tuesday." in focused and len(focused) <= 300
    assert focus_evidence("short", "A short evidence text.") == "A short evidence text."


def test_logistic_probability_is_the_sigmoid_of_the_weighted_sum() -> None:
    model = Logistic(bias=-1.0, coef={"a": 2.0, "b": -0.5})
    assert model.probability({"a": 1.0, "b": 2.0}) == pytest.approx(1 / (1 + math.exp(-0.0)))
    assert model.probability({"a": 3.0}) == pytest.approx(1 / (1 + math.exp(-5.0)))
    assert model.probability({"a": -400.0}) == pytest.approx(0.0, abs=1e-12)  # no overflow


def test_fit_logistic_learns_the_direction_of_a_feature_and_is_deterministic() -> None:
    rows = [{"good": float(i % 2), "noise": float(i % 3)} for i in range(40)]
    labels = [i % 2 == 1 for i in range(40)]
    first = fit_logistic(rows, labels, ("good", "noise"), positive=None)
    assert first.coef["good"] > 1.0
    assert first.probability({"good": 1.0, "noise": 1.0}) > 0.8 > 0.2 > first.probability({"good": 0.0})
    assert fit_logistic(rows, labels, ("good", "noise"), positive=None) == first
    with pytest.raises(ValueError):
        fit_logistic([], [], ("good",))


def test_fit_logistic_holds_each_check_to_its_meaning() -> None:
    # Here more overlap goes with *less* support (as in a label set built from reworded evidence) and a missing
    # number with more: the constrained fit refuses both readings and leaves those weights at 0.
    rows = [{"coverage": float(i % 2 == 0), "number_absent": float(i % 2 == 1)} for i in range(40)]
    labels = [i % 2 == 1 for i in range(40)]
    assert fit_logistic(rows, labels, ("coverage", "number_absent"), positive=None).coef["coverage"] < 0
    fitted = fit_logistic(rows, labels, ("coverage", "number_absent"), positive=frozenset({"coverage"}))
    assert fitted.coef == {"coverage": 0.0, "number_absent": 0.0}


def test_gates_keep_only_pure_tails_and_bracket_the_threshold() -> None:
    scores = [i / 40 for i in range(40)]
    labels = [i >= 20 for i in range(40)]
    labels[15] = True  # one supported item among the low scores
    low, high = choose_gates(scores, labels, threshold=0.5, purity=0.95, min_items=10)
    assert low < 0.5 <= high
    assert (
        sum(1 for s, y in zip(scores, labels, strict=True) if s <= low and not y) / sum(s <= low for s in scores)
        >= 0.95
    )
    assert all(y for s, y in zip(scores, labels, strict=True) if s >= high)
    closed_low, closed_high = choose_gates([0.5] * 12, [True, False] * 6, threshold=0.5)
    assert closed_low < 0.5 and closed_high == 2.0


def test_fitting_reads_only_the_calibration_half() -> None:
    items = labelled(40)
    calibration, test = split_labels(items)
    read: list[str] = []

    def features(item: LabelledClaim) -> dict[str, float]:
        read.append(item.id)
        good = 1.0 if item.supported else 0.0
        return {"names_absent": 1.0 - good, "model_supports": 3.0 * good - 1.5}

    weights = fit_weights(calibration, features)
    assert sorted(read) == sorted(c.id for c in calibration)
    assert not set(read) & {t.id for t in test}
    assert weights.info["calibration_items"] == len(calibration)
    assert weights.full.probability(features(test[0])) >= weights.threshold  # x000 is supported


def test_weights_refuse_gates_that_do_not_bracket_the_threshold() -> None:
    with pytest.raises(ValueError, match="bracket"):
        Weights(checks=FITTED.checks, full=FITTED.full, gate_low=0.6, gate_high=0.9, threshold=0.5)


def probability_model(p_yes: float) -> ScriptedChatModel:
    """Answers every yes/no question with P(yes) = ``p_yes``."""
    return ScriptedChatModel(json.dumps({"yes": math.log(p_yes), "no": math.log(1 - p_yes)}))


GATES = Weights(
    checks=Logistic(bias=4.0, coef={"names_absent": -8.0}),
    full=Logistic(bias=0.0, coef={"model_supports": 1.0}),
    gate_low=0.05,
    gate_high=0.95,
    threshold=0.5,
)


def test_combined_judge_decides_clear_cases_without_the_model() -> None:
    model = probability_model(0.1)
    judge = CombinedJudge(model, weights=GATES)
    assert judge.supports("FooNet reaches 71% accuracy on the benchmark.", EVIDENCE) is True  # every name found
    assert judge.supports("Quantum bananas ripen in BazNet.", EVIDENCE) is False  # its one name missing
    assert model.calls == [] and judge.decided_by_checks == 2 and judge.asked_model == 0


def test_combined_judge_asks_the_model_where_the_checks_are_unsure() -> None:
    claim = "FooNet reaches 71% accuracy on ImageNet."  # half its names missing: between the gates
    assert 0.05 < GATES.checks.probability(claim_features(claim, EVIDENCE)) < 0.95
    yes = CombinedJudge(probability_model(0.9), weights=GATES)
    no = CombinedJudge(probability_model(0.2), weights=GATES)
    assert yes.supports(claim, EVIDENCE) is True and no.supports(claim, EVIDENCE) is False
    assert yes.asked_model == 1 and len(yes.yes_no.model.calls) == 1  # type: ignore[union-attr]
    ungated = CombinedJudge(probability_model(0.2), weights=GATES, gate=False)
    assert ungated.supports("FooNet reaches 71% accuracy on the benchmark.", EVIDENCE) is False


def test_combined_judge_remembers_pairs_it_has_judged() -> None:
    model = probability_model(0.9)
    judge = CombinedJudge(model, weights=GATES)
    claim = "FooNet reaches 71% accuracy on ImageNet."
    assert judge.supports(claim, EVIDENCE) is True and judge.supports(claim, EVIDENCE) is True
    assert len(model.calls) == 1


def test_combined_judge_failures_are_none_with_a_reason() -> None:
    claim = "FooNet reaches 71% accuracy on ImageNet."
    broken = CombinedJudge(ScriptedChatModel("x", error="server went away"), weights=GATES)
    assert broken.supports(claim, EVIDENCE) is None
    assert broken.last_failure is not None and broken.last_failure.startswith("error")
    garbage = CombinedJudge(ScriptedChatModel("Perhaps"), weights=GATES)
    assert garbage.supports(claim, EVIDENCE) is None and str(garbage.last_failure).startswith("parse_error")
    checks_only = CombinedJudge(None, weights=GATES)
    assert checks_only.supports(claim, EVIDENCE) is None and str(checks_only.last_failure).startswith("no_model")
    assert checks_only.supports("FooNet reaches 71% accuracy on the benchmark.", EVIDENCE) is True


def test_model_features_are_clipped_log_odds() -> None:
    assert model_features(0.5)["model_supports"] == pytest.approx(0.0)
    certain = model_features(1.0)["model_supports"]
    assert math.isfinite(certain) and certain > 5


def test_combined_is_a_model_judge_built_by_name() -> None:
    assert "combined" in MODEL_JUDGES
    judge = make_judge("combined", chat_model=probability_model(0.9))
    assert isinstance(judge, CombinedJudge) and judge.name == "combined"


def test_cache_answers_a_repeated_request_without_the_model(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    model = ScriptedChatModel(json.dumps({"yes": -0.1, "no": -2.3}))
    cached = CachedChatModel(LogprobCache(path), model)
    messages = support_messages("claim", EVIDENCE)
    first = cached.next_token_logprobs(messages)
    assert cached.next_token_logprobs(messages) == first
    assert len(model.calls) == 1 and cached.hits == 1 and cached.misses == 1
    reopened = CachedChatModel(LogprobCache(path), None, name="scripted")
    assert reopened.next_token_logprobs(messages) == first
    assert request_key("scripted", messages, 10) != request_key("scripted", support_messages("claim 2", EVIDENCE), 10)


def test_cache_only_model_turns_a_miss_into_a_judge_failure(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    path.write_text('{"key": "cut off mid-li\n', encoding="utf-8")  # an interrupted write is skipped
    judge = YesNoJudge(CachedChatModel(LogprobCache(path), None, name="scripted"))
    assert judge.supports("claim", EVIDENCE) is None
    assert str(judge.last_failure).startswith("error")
    with pytest.raises(ValueError, match="name"):
        CachedChatModel(LogprobCache(path), None)


def test_yes_no_judge_shows_the_model_focused_evidence_and_asks_each_pair_once() -> None:
    model = probability_model(0.8)
    judge = YesNoJudge(model)
    filler = " ".join(f"Talk {i} covers topic number {i} in depth." for i in range(60))
    evidence = f"{filler} The keynote on protein folding is on Tuesday."
    assert judge.score("The protein folding keynote is on Tuesday.", evidence) == pytest.approx(0.8)
    assert judge.score("The protein folding keynote is on Tuesday.", evidence) == pytest.approx(0.8)
    assert len(model.calls) == 1
    shown = model.calls[0][-1]["content"]
    assert "The keynote on protein folding is on Tuesday." in shown and len(shown) < 1000


def test_fit_command_fits_and_scores_from_the_cache_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.llm.model_file import DEFAULT_MODEL_FILENAME
    from evals.judges.fit import main
    from evals.support_labels import load_labels

    cache = LogprobCache(tmp_path / "cache.jsonl")
    name = Path(DEFAULT_MODEL_FILENAME).stem
    items = load_labels()[:60]
    for i, item in enumerate(items):  # a fake model that is right four times in five, on both questions
        p = 0.8 if item.supported == (i % 5 != 0) else 0.2
        for version, inverted in (QUESTIONS["model_restates"], QUESTIONS["model_agrees"]):
            p_yes = 1 - p if inverted else p
            cache.put(
                request_key(name, support_messages(item.claim, item.evidence, version), 10),
                {"yes": math.log(p_yes), "no": math.log(1 - p_yes)},
            )
    assert (
        main(["--cache", str(tmp_path / "cache.jsonl"), "--question", "model_restates", "--question", "model_agrees"])
        == 0
    )
    out = capsys.readouterr().out
    literal, figures = out[: out.index("{\n")], json.loads(out[out.index("{\n") :])
    assert literal.startswith("FITTED = Weights(")
    assert figures["calibration_items"] + figures["test_items"] == 60
    assert 0.5 < figures["model_restates_only"]["balanced_accuracy"] <= 1.0
    assert 0.5 < figures["calibration_cv"]["checks_and_questions"]["balanced_accuracy"] <= 1.0
    assert main(["--cache", str(tmp_path / "cache.jsonl")]) == 2  # the default question was never cached
