"""Each support judge on hand-made pairs, with deterministic fakes standing in for models."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from assistant.llm import LLMError, ScriptedChatModel
from evals.judges import (
    DEFAULT_JUDGE,
    MEASURED,
    OFFLINE_JUDGES,
    OverlapJudge,
    SupportJudge,
    VerifierJudge,
    YesNoJudge,
    default_judge,
    make_judge,
)
from evals.judges.model import support_messages, yes_probability
from evals.judges.ragas_support import RagasSupportJudge
from evals.ragas_metrics import JudgeResult

EVIDENCE = (
    "We train a transformer with 12 layers on 3 million proofs. The model proves 41% of the held-out theorems, "
    "more than twice the previous best."
)


def test_overlap_judge_accepts_a_claim_made_of_the_evidence() -> None:
    judge = OverlapJudge()
    assert judge.supports("The transformer has 12 layers and is trained on 3 million proofs.", EVIDENCE) is True


def test_overlap_judge_rejects_a_swapped_number_and_an_unrelated_claim() -> None:
    judge = OverlapJudge()
    assert judge.supports("The transformer has 14 layers and is trained on 3 million proofs.", EVIDENCE) is False
    assert judge.supports("Bananas ripen quickly in warm kitchens.", EVIDENCE) is False


def test_overlap_threshold_decides() -> None:
    claim = "The transformer proves theorems about galaxies."
    score = OverlapJudge().score(claim, EVIDENCE)
    assert score is not None and 0 < score < 1
    assert OverlapJudge(threshold=score).supports(claim, EVIDENCE) is True
    assert OverlapJudge(threshold=score + 0.01).supports(claim, EVIDENCE) is False


def test_verifier_judge_uses_the_product_check() -> None:
    judge = VerifierJudge()
    assert isinstance(judge, SupportJudge)
    assert judge.calibrated is False
    assert judge.supports("The model proves 41% of the held-out theorems.", EVIDENCE) is True
    assert judge.supports("The model proves 73% of the held-out theorems.", EVIDENCE) is False


def logprob_model(table: dict[str, float]) -> ScriptedChatModel:
    return ScriptedChatModel(json.dumps(table))


def test_yes_probability_normalises_over_yes_and_no_tokens() -> None:
    p = yes_probability({"Yes": math.log(0.6), " yes": math.log(0.1), "No": math.log(0.2), "Maybe": math.log(0.1)})
    assert p == pytest.approx(0.7 / 0.9)


def test_embedded_judge_decides_from_p_yes() -> None:
    yes = YesNoJudge(logprob_model({"Yes": math.log(0.8), "No": math.log(0.2)}), threshold=0.5)
    no = YesNoJudge(logprob_model({"Yes": math.log(0.3), "No": math.log(0.7)}), threshold=0.5)
    assert yes.score("claim", EVIDENCE) == pytest.approx(0.8)
    assert yes.supports("claim", EVIDENCE) is True
    assert no.supports("claim", EVIDENCE) is False
    assert (
        YesNoJudge(logprob_model({"Yes": math.log(0.8), "No": math.log(0.2)}), threshold=0.9).supports(
            "claim", EVIDENCE
        )
        is False
    )


def test_embedded_judge_asks_one_question_with_claim_and_evidence() -> None:
    model = logprob_model({"Yes": 0.0})
    YesNoJudge(model).supports("The model has 12 layers.", EVIDENCE)
    assert model.options[-1]["max_tokens"] == 1
    user = model.last_messages[-1]["content"]
    assert "The model has 12 layers." in user and "3 million proofs" in user
    assert support_messages("c", "e")[0]["role"] == "system"


@pytest.mark.parametrize(
    ("model", "category"),
    [
        (ScriptedChatModel("The evidence says"), "parse_error"),
        (ScriptedChatModel(json.dumps({"Yes": float("nan"), "No": -1.0})), "nan"),
        (ScriptedChatModel("x", error="server went away"), "error"),
    ],
)
def test_embedded_judge_failures_are_none_with_a_reason(model: ScriptedChatModel, category: str) -> None:
    judge = YesNoJudge(model)
    assert judge.supports("claim", EVIDENCE) is None
    assert judge.last_failure is not None and judge.last_failure.startswith(category)


class SlowModel:
    """A chat model whose log-probabilities take far too long."""

    name = "slow"

    def stream(self, messages: Sequence[Any], *, max_tokens: int, temperature: float = 0.0) -> Iterator[str]:
        raise LLMError("not used")

    def next_token_logprobs(self, messages: Sequence[Any], top: int = 10) -> dict[str, float]:
        time.sleep(0.5)
        return {"Yes": 0.0}


def test_embedded_judge_timeout_is_a_failure() -> None:
    judge = YesNoJudge(SlowModel(), timeout_s=0.05)
    assert judge.supports("claim", EVIDENCE) is None
    assert judge.last_failure is not None and judge.last_failure.startswith("timeout")


def test_text_mode_reads_the_written_word() -> None:
    assert YesNoJudge(ScriptedChatModel("Yes."), use_logprobs=False).supports("c", EVIDENCE) is True
    assert YesNoJudge(ScriptedChatModel("no"), use_logprobs=False).supports("c", EVIDENCE) is False
    garbage = YesNoJudge(ScriptedChatModel("Perhaps so"), use_logprobs=False)
    assert garbage.supports("c", EVIDENCE) is None
    assert garbage.last_failure is not None and garbage.last_failure.startswith("parse_error")


class FakeRagas:
    """Stands in for evals.ragas_metrics.RagasJudge: returns a scripted faithfulness result."""

    def __init__(self, result: JudgeResult) -> None:
        self.result = result
        self.calls: list[tuple[str, str, list[str]]] = []

    def score(self, question: str, answer: str, contexts: Sequence[str], reference: str | None = None) -> JudgeResult:
        self.calls.append((question, answer, list(contexts)))
        return self.result


def test_ragas_judge_scores_the_claim_against_the_evidence() -> None:
    fake = FakeRagas(JudgeResult(scores={"faithfulness": 1.0}))
    assert RagasSupportJudge(fake).supports("claim", EVIDENCE) is True  # type: ignore[arg-type]
    assert fake.calls[0][1:] == ("claim", [EVIDENCE])
    half = FakeRagas(JudgeResult(scores={"faithfulness": 0.5}))
    assert RagasSupportJudge(half).supports("claim", EVIDENCE) is False  # type: ignore[arg-type]


def test_ragas_judge_failure_is_none() -> None:
    failed = JudgeResult()
    failed.fail("faithfulness", "parse_error: OutputParserException: bad JSON")
    judge = RagasSupportJudge(FakeRagas(failed))  # type: ignore[arg-type]
    assert judge.supports("claim", EVIDENCE) is None
    assert judge.last_failure == "parse_error: OutputParserException: bad JSON"


def test_make_judge_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="unknown judge 'oracle'"):
        make_judge("oracle")
    with pytest.raises(ValueError, match="base URL"):
        make_judge("openai")


def test_default_judge_is_the_best_measured_offline_judge() -> None:
    sure = default_judge(chat_model=logprob_model({"Yes": math.log(0.95), "No": math.log(0.05)}))
    assert sure.name == DEFAULT_JUDGE
    assert DEFAULT_JUDGE in MEASURED and DEFAULT_JUDGE in OFFLINE_JUDGES
    others = [name for name in MEASURED if name in OFFLINE_JUDGES]

    def evidence(name: str) -> float:  # the mean of the test-half and cross-validated figures where both exist
        figures = [MEASURED[name]["balanced_accuracy"], MEASURED[name].get("cv_balanced_accuracy")]
        known = [float(f) for f in figures if f is not None]
        return sum(known) / len(known) if known else 0.0

    assert max(others, key=evidence) == DEFAULT_JUDGE
    assert sure.supports("The transformer has 12 layers.", EVIDENCE) is True
    doubtful = default_judge(chat_model=logprob_model({"Yes": math.log(0.05), "No": math.log(0.95)}))
    assert doubtful.supports("The transformer has 99 layers.", EVIDENCE) is False


def test_embedded_judge_decides_at_its_calibrated_threshold() -> None:
    above = make_judge("embedded", chat_model=logprob_model({"Yes": math.log(0.6), "No": math.log(0.4)}))
    assert above.supports("The transformer has 12 layers.", EVIDENCE) is True
    below = make_judge("embedded", chat_model=logprob_model({"Yes": math.log(0.3), "No": math.log(0.7)}))
    assert below.supports("The transformer has 99 layers.", EVIDENCE) is False  # P(yes) 0.3 < threshold 0.337


@pytest.mark.slow
def test_real_embedded_judge_tells_a_copy_from_a_swapped_number() -> None:
    import os
    from pathlib import Path

    from assistant.llm import make_chat_model
    from assistant.settings import LLMSettings

    models = Path(os.environ.get("ASSISTANT_TEST_MODELS_DIR", Path.home() / ".cache/research-assistant/models"))
    judge = YesNoJudge(make_chat_model(LLMSettings(), models))
    supported = judge.score("The model proves 41% of the held-out theorems.", EVIDENCE)
    swapped = judge.score("The model proves 73% of the held-out theorems.", EVIDENCE)
    assert supported is not None and swapped is not None, judge.last_failure
    assert supported > swapped
    assert judge.supports("The model proves 41% of the held-out theorems.", EVIDENCE) is True


def test_top_logprobs_reads_an_openai_reply() -> None:
    from assistant.llm.base import top_logprobs

    reply = {
        "choices": [
            {
                "logprobs": {
                    "content": [
                        {
                            "token": "No",
                            "logprob": -0.03,
                            "top_logprobs": [{"token": "No", "logprob": -0.03}, {"token": "Yes", "logprob": -3.9}],
                        }
                    ]
                }
            }
        ]
    }
    assert top_logprobs(reply, "server") == {"No": -0.03, "Yes": -3.9}
    with pytest.raises(LLMError, match="server returned no token log-probabilities"):
        top_logprobs({"choices": [{"message": {"content": "No"}}]}, "server")


def logprob_reply(table: dict[str, float]) -> tuple[int, str, bytes]:
    top = [{"token": t, "logprob": lp, "bytes": None} for t, lp in table.items()]
    first = {"token": top[0]["token"], "logprob": top[0]["logprob"], "bytes": None, "top_logprobs": top}
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": first["token"]},
                "logprobs": {"content": [first]},
                "finish_reason": "length",
            }
        ],
    }
    return 200, "application/json", json.dumps(body).encode()


def test_openai_judge_over_a_loopback_server() -> None:
    from tests.helpers.servers import FakeServer, chat_reply

    with FakeServer(lambda body: logprob_reply({"Yes": math.log(0.9), "No": math.log(0.1)})) as server:
        judge = make_judge("openai", base_url=server.base_url, model="m", timeout_s=5)
        assert judge.name == "openai"
        assert judge.supports("The model proves 41% of the held-out theorems.", EVIDENCE) is True
        sent = server.requests[-1]
        assert sent["max_tokens"] == 1 and sent["logprobs"] is True and sent["top_logprobs"] == 10
    with FakeServer(lambda body: chat_reply("Yes")) as server:
        judge = make_judge("openai", base_url=server.base_url, timeout_s=5)
        assert judge.supports("claim", EVIDENCE) is None
        assert judge.last_failure is not None and "no token log-probabilities" in judge.last_failure
