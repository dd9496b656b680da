"""Support judges behind one protocol, and the default one used for answer evaluation.

::

    from evals.judges import default_judge
    judge = default_judge()
    judge.supports("The model has 7B parameters.", "We train a 7B-parameter model ...")  # True / False / None

``None`` means the judge failed (its reason is in ``judge.last_failure``); it is never a verdict. The judges:

``verifier``  the product's own sentence-vs-span check (instant)
``overlap``   the evaluation's independent check: word overlap plus numbers (instant)
``embedded``  the local Qwen model asked a yes/no question, decided from P(yes) of its first token
``combined``  the evaluation's own deterministic checks, and where they cannot decide the local model's P(yes) as
              well, combined by weights fitted on the calibration half of the labels
``ragas``     ragas faithfulness of the claim against the evidence, with the local model (or ``base_url``)
``openai``    any OpenAI-compatible model asked the same yes/no question
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evals.judges.base import JudgeFailure, ScoringJudge, SupportJudge
from evals.judges.lexical import OverlapJudge, VerifierJudge
from evals.judges.model import YesNoJudge

if TYPE_CHECKING:
    from assistant.llm.base import ChatModel
    from assistant.settings import Settings

__all__ = [
    "DEFAULT_JUDGE",
    "JUDGE_NAMES",
    "MEASURED",
    "MODEL_JUDGES",
    "OFFLINE_JUDGES",
    "JudgeFailure",
    "OverlapJudge",
    "ScoringJudge",
    "SupportJudge",
    "VerifierJudge",
    "YesNoJudge",
    "default_judge",
    "embedded_model",
    "make_judge",
]

JUDGE_NAMES: tuple[str, ...] = ("verifier", "overlap", "embedded", "combined", "ragas", "openai")
OFFLINE_JUDGES: tuple[str, ...] = ("verifier", "overlap", "embedded", "combined", "ragas")
MODEL_JUDGES: tuple[str, ...] = ("embedded", "combined", "ragas")
"""Judges that use the embedded model unless given an endpoint."""
DEFAULT_JUDGE = "combined"
"""The best judge on the labelled set that runs offline within the evaluation's time budget (see the README)."""


def embedded_model(settings: Settings | None) -> ChatModel:
    """The assistant's embedded chat model, from ``settings`` (defaults: the packaged model)."""
    from assistant.llm import make_chat_model
    from assistant.settings import Settings

    settings = settings or Settings()
    llm = settings.llm.model_copy(update={"backend": "embedded"})
    return make_chat_model(llm, settings.index.models_dir)


def make_judge(
    name: str,
    *,
    chat_model: ChatModel | None = None,
    settings: Settings | None = None,
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    timeout_s: float = 120.0,
) -> SupportJudge:
    """The judge called ``name`` (one of :data:`JUDGE_NAMES`).

    ``chat_model`` serves ``embedded`` and ``combined`` (and ``ragas`` without ``base_url``; it must then be the
    embedded model, whose loopback endpoint ragas talks to); ``base_url``/``model``/``api_key`` name the endpoint
    of ``openai`` (and of ``ragas`` when given). Raises ``ValueError`` naming the problem for an unknown name or
    missing URL."""
    if name == "verifier":
        return VerifierJudge()
    if name == "overlap":
        return OverlapJudge()
    if name == "embedded":
        return YesNoJudge(chat_model or embedded_model(settings), name="embedded", timeout_s=timeout_s)
    if name == "combined":
        from evals.judges.combined import CombinedJudge

        return CombinedJudge(chat_model or embedded_model(settings), timeout_s=timeout_s)
    if name == "openai":
        if not base_url:
            raise ValueError("the openai judge needs a base URL (--judge-url or ASSISTANT_LLM__BASE_URL)")
        from assistant.llm.openai_compat import OpenAICompatChatModel

        endpoint = OpenAICompatChatModel(base_url, model or "judge", api_key, timeout_s)
        return YesNoJudge(endpoint, name="openai", timeout_s=timeout_s)
    if name == "ragas":
        from evals.judges.ragas_support import RagasSupportJudge
        from evals.ragas_metrics import RagasJudge

        if base_url is None:
            served = chat_model or embedded_model(settings)
            base_of = getattr(served, "base_url", None)
            if not callable(base_of):
                raise ValueError("the ragas judge needs an endpoint: the embedded model or --judge-url")
            base_url = str(base_of())
        return RagasSupportJudge(RagasJudge(base_url, model or "judge", api_key, timeout_s))
    raise ValueError(f"unknown judge {name!r}; use one of {', '.join(JUDGE_NAMES)}")


def default_judge(chat_model: ChatModel | None = None, settings: Settings | None = None) -> SupportJudge:
    """The default support judge (:data:`DEFAULT_JUDGE`), ready to call ``supports(claim, evidence)``."""
    return make_judge(DEFAULT_JUDGE, chat_model=chat_model, settings=settings)


def __getattr__(name: str) -> Any:
    """``MEASURED``: agreement with the labels on the test half (178 claims) of ``evals/labels/support.jsonl``, read
    on first use from the one results file ``evals/labels/judges_measured.json`` (:mod:`evals.judges.measured`);
    used when no judges run is in the output folder: ``name -> figures``. ``cv_balanced_accuracy`` is five-fold
    cross-validation (5 repeats) inside the calibration half, each fold's cut or fit made without it. The default
    is the judge with the best mean of the two balanced accuracies: on the test half alone ``embedded`` leads
    ``combined`` by one claim (0.006), which is noise, while cross-validation puts ``combined`` 0.062 ahead."""
    if name == "MEASURED":
        from evals.judges.measured import measured_figures

        return measured_figures()
    raise AttributeError(f"module 'evals.judges' has no attribute {name!r}")
