"""The support judge's versioned prompts and the combined judge's several model questions, on hand-made pairs
with deterministic fake models: rendering, orientation of a question asked the other way round, failure
accounting (any failed question fails the item) and the cross-validation of the fit."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.llm import ScriptedChatModel
from assistant.llm.base import ChatMessage
from assistant.prompts import support_judge_messages
from evals.judges.combined import (
    DEFAULT_QUESTIONS,
    FITTED,
    MODEL_FEATURES,
    QUESTIONS,
    CombinedJudge,
    Logistic,
    Weights,
    model_features,
)
from evals.judges.fit import cross_validate
from evals.judges.model import YesNoJudge, support_messages
from evals.support_labels import DEFAULT_LABELS, load_labels
from tests.helpers.eval_records import labelled

EVIDENCE = "FooNet reaches 71% accuracy on the benchmark, while BarNet reaches 64%."
UNSURE = "FooNet reaches 71% accuracy on the galaxy survey."


class QuestionModel(ScriptedChatModel):
    """Answers each prompt version (told apart by its system message) with its own P(yes); a version mapped to
    ``None`` fails the request."""

    def __init__(self, p_yes: dict[str, float | None]) -> None:
        super().__init__("unused")
        self.by_system = {support_judge_messages(v, "c", "e")[0]["content"]: p for v, p in p_yes.items()}
        self.asked: list[str] = []

    def next_token_logprobs(self, messages: Sequence[ChatMessage], top: int = 10) -> dict[str, float]:
        p = self.by_system[messages[0]["content"]]
        version = next(v for v in QUESTIONS.values() if support_judge_messages(v[0], "c", "e")[0] == messages[0])
        self.asked.append(version[0])
        if p is None:
            from assistant.llm import LLMError

            raise LLMError("server went away")
        return {"yes": math.log(p), "no": math.log(1 - p)}


TWO_QUESTIONS = Weights(
    checks=Logistic(bias=0.0, coef={}),
    full=Logistic(bias=0.0, coef={"model_restates": 1.0, "model_agrees": 1.0}),
    gate_low=-1.0,
    gate_high=2.0,
    threshold=0.5,
)


def test_the_first_prompt_renders_the_question_it_always_asked() -> None:
    messages = support_messages("The claim.", "The evidence.")
    assert messages == [
        {
            "role": "system",
            "content": "You check facts. Given an evidence text and a claim, answer yes if the evidence alone states "
            "everything the claim says (the same numbers, names, roles, direction and certainty), otherwise no. "
            "Answer with one word.",
        },
        {
            "role": "user",
            "content": "Evidence: The evidence.\n\nClaim: The claim.\n\nDoes the evidence support the claim?",
        },
    ]


def test_few_shot_examples_are_a_fixed_prefix_of_finished_exchanges() -> None:
    first = support_messages("Claim one.", "Evidence one costs $5.", "v2")
    second = support_messages("Claim two.", "Evidence two.", "v2")
    assert first[:-1] == second[:-1] and first[-1] != second[-1]  # only the last message changes
    roles = [m["role"] for m in first]
    assert roles[0] == "system" and roles[-1] == "user" and len(roles) > 10
    assert roles[1:-1] == ["user", "assistant"] * ((len(roles) - 2) // 2)
    assert {m["content"] for m in first if m["role"] == "assistant"} == {"yes", "no"}
    assert "Evidence one costs $5." in first[-1]["content"]


def test_few_shot_examples_are_not_taken_from_the_labels() -> None:
    examples = [m["content"] for m in support_messages("c", "e", "v2")[1:-1] if m["role"] == "user"]
    labels = load_labels(DEFAULT_LABELS)
    for item in labels:
        assert not any(item.claim in text or item.evidence[:60] in text for text in examples)


def test_every_question_has_its_prompt_files() -> None:
    for version, _inverted in QUESTIONS.values():
        messages = support_messages("A claim.", "An evidence text.", version)
        assert "A claim." in messages[-1]["content"] and "An evidence text." in messages[-1]["content"]
    assert set(DEFAULT_QUESTIONS) <= set(MODEL_FEATURES)


def test_a_question_asked_the_other_way_round_reads_its_no_as_support() -> None:
    assert model_features(0.9, "model_restates")["model_restates"] > 2
    assert model_features(0.9, "model_agrees")["model_agrees"] < -2  # "yes, it misstates" is against support
    assert model_features(0.1, "model_agrees")["model_agrees"] == pytest.approx(math.log(9))


def test_combined_judge_asks_each_weighted_question_once_per_pair() -> None:
    model = QuestionModel({"restate_v1": 0.8, "misstate_v1": 0.2, "v1": 0.5, "v2": 0.5})
    judge = CombinedJudge(model, weights=TWO_QUESTIONS)
    assert judge.supports(UNSURE, EVIDENCE) is True
    assert judge.supports(UNSURE, EVIDENCE) is True
    assert sorted(model.asked) == ["misstate_v1", "restate_v1"]  # v1 and v2 have no weight: never asked


def test_both_questions_count_and_the_misstate_answer_can_overrule() -> None:
    agrees = CombinedJudge(QuestionModel({"restate_v1": 0.7, "misstate_v1": 0.1}), weights=TWO_QUESTIONS)
    misstates = CombinedJudge(QuestionModel({"restate_v1": 0.7, "misstate_v1": 0.95}), weights=TWO_QUESTIONS)
    assert agrees.supports(UNSURE, EVIDENCE) is True
    assert misstates.supports(UNSURE, EVIDENCE) is False


@pytest.mark.parametrize("broken", ["restate_v1", "misstate_v1"])
def test_one_failed_question_fails_the_item(broken: str) -> None:
    answers: dict[str, float | None] = {"restate_v1": 0.9, "misstate_v1": 0.1}
    answers[broken] = None
    judge = CombinedJudge(QuestionModel(answers), weights=TWO_QUESTIONS)
    assert judge.supports(UNSURE, EVIDENCE) is None
    assert str(judge.last_failure).startswith("error")


def test_garbage_from_the_second_question_is_a_failure_not_a_score() -> None:
    judge = CombinedJudge(ScriptedChatModel("Perhaps"), weights=TWO_QUESTIONS)
    assert judge.supports(UNSURE, EVIDENCE) is None and str(judge.last_failure).startswith("parse_error")


def test_the_default_weights_ask_the_default_questions() -> None:
    judge = CombinedJudge(ScriptedChatModel("unused"))
    assert tuple(judge.questions) == DEFAULT_QUESTIONS
    assert all(FITTED.full.coef[q] > 0 for q in DEFAULT_QUESTIONS)
    assert isinstance(judge.yes_no, YesNoJudge)


def test_cross_validation_judges_every_item_once_per_repeat_and_is_deterministic() -> None:
    items = labelled(40)
    rows = {i.id: {"model_restates": 2.0 if i.supported else -2.0} for i in items}
    result = cross_validate(items, lambda i: rows[i.id], ["model_restates"], folds=5, repeats=3)
    assert result["n"] == 120 and result["failures"] == 0 and result["balanced_accuracy"] == 1.0
    assert cross_validate(items, lambda i: rows[i.id], ["model_restates"], repeats=3) == result
    noise = {i.id: {"model_restates": float(k % 3)} for k, i in enumerate(items)}
    assert cross_validate(items, lambda i: noise[i.id], ["model_restates"])["balanced_accuracy"] < 0.8


def test_collect_asks_the_chosen_questions_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import evals.judges as judges
    from evals.judges import collect

    model = QuestionModel({"restate_v1": 0.7, "misstate_v1": 0.2, "v1": 0.6})
    monkeypatch.setattr(judges, "embedded_model", lambda settings: model)
    cache = tmp_path / "cache.jsonl"
    assert collect.main(["--cache", str(cache), "--count", "3"]) == 0
    assert model.asked == ["v1"] * 3  # the default judge's one question
    argv = ["--cache", str(cache), "--count", "3", "--question", "model_restates", "--question", "model_agrees"]
    assert collect.main(argv) == 0
    assert sorted(model.asked[3:]) == ["misstate_v1"] * 3 + ["restate_v1"] * 3
    assert collect.main(argv) == 0 and len(model.asked) == 9  # all cached: nothing asked again
    assert len([json.loads(line) for line in cache.read_text().splitlines()]) == 9


def test_a_later_question_is_skipped_only_when_no_answer_in_its_range_could_change_the_verdict() -> None:
    ranged = Weights(
        checks=TWO_QUESTIONS.checks,
        full=TWO_QUESTIONS.full,
        gate_low=-1.0,
        gate_high=2.0,
        threshold=0.5,
        ranges={"model_agrees": (-1.0, -0.5, 1.0)},
    )
    sure = QuestionModel({"restate_v1": 0.95, "misstate_v1": 0.99})  # restates: log-odds 2.9 > 1, the range's reach
    judge = CombinedJudge(sure, weights=ranged)
    assert judge.supports(UNSURE, EVIDENCE) is True
    assert sure.asked == ["restate_v1"] and judge.skipped_questions == 1
    assert judge.raw_score(UNSURE, EVIDENCE) == pytest.approx(1 / (1 + math.exp(-(math.log(19) - 0.5))))
    unsure = QuestionModel({"restate_v1": 0.6, "misstate_v1": 0.9})  # log-odds 0.4: the second answer decides
    judge = CombinedJudge(unsure, weights=ranged)
    assert judge.supports(UNSURE, EVIDENCE) is False
    assert unsure.asked == ["restate_v1", "misstate_v1"] and judge.skipped_questions == 0
    every = QuestionModel({"restate_v1": 0.95, "misstate_v1": 0.99})
    assert CombinedJudge(every, weights=TWO_QUESTIONS).supports(UNSURE, EVIDENCE) is False  # no ranges: asks both
    assert every.asked == ["restate_v1", "misstate_v1"]
