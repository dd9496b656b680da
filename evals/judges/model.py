"""A chat model asked one short yes/no question per claim, deciding from P(yes) of its first answer token.

The same judge serves the embedded Qwen model and any OpenAI-compatible endpoint: it only needs a
``assistant.llm.base.ChatModel`` (with ``next_token_logprobs``). A server that returns no log-probabilities can be
used with ``use_logprobs=False``: the judge then reads the word the model writes (score 1.0 or 0.0).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from evals.judges.base import JudgeFailure, ScoringJudge, call_with_timeout

if TYPE_CHECKING:
    from assistant.llm.base import ChatMessage, ChatModel

__all__ = [
    "CHANGES",
    "EMBEDDED_THRESHOLD",
    "PROMPT_VERSION",
    "QUESTIONS",
    "SUPPORTS",
    "YesNoJudge",
    "question_messages",
    "support_messages",
    "yes_probability",
]

PROMPT_VERSION = "support-yesno-2"
EMBEDDED_THRESHOLD = 0.337
"""P(supported) the yes/no judge needs on its own (the default judge combines it with other checks: see
:mod:`evals.judges.combined`)."""

# The fixed prefix of every request: instructions and worked examples (made up, not from the seeds or the labels).
# It comes first so that llama.cpp's prompt cache reuses it; then the evidence, the claim and last the question,
# so that a second question about the same pair reuses everything but its own few tokens.
_SYSTEM = """You check facts. You are shown an evidence text and a claim, then asked one question about them.
A claim is supported only if the evidence states every part of it: the same numbers attached to the same things,
each name doing what the evidence says that name does, the same direction (more or less, better or worse), and no
more certainty than the evidence ("may", "suggests", "in some cases" do not support "always" or "proves"). A claim
that says the same thing in other words is supported. Answer with one word: yes or no.

Examples:
Evidence: FooNet reaches 71% accuracy, while BarNet reaches 64%.
Claim: BarNet reaches 71% accuracy.
Does the evidence support everything the claim says? no
Does the claim change or add anything? yes

Evidence: Our results suggest that pruning may reduce memory use in some settings.
Claim: The authors show that pruning reduces memory use.
Does the evidence support everything the claim says? no
Does the claim change or add anything? yes

Evidence: The planner proposes subgoals, and the executor carries them out with a learned policy.
Claim: The executor proposes subgoals that the planner then carries out.
Does the evidence support everything the claim says? no
Does the claim change or add anything? yes

Evidence: Adding the retrieval step lowers the error rate from 12% to 9%.
Claim: With retrieval, errors drop by three points, to 9%.
Does the evidence support everything the claim says? yes
Does the claim change or add anything? no

Evidence: The talk surveys how graph neural networks are used to predict molecular properties.
Claim: The speaker gives an overview of property prediction for molecules with graph networks.
Does the evidence support everything the claim says? yes
Does the claim change or add anything? no"""

SUPPORTS = "Does the evidence support everything the claim says?"
CHANGES = "Does the claim change or add anything?"
QUESTIONS: dict[str, bool] = {SUPPORTS: True, CHANGES: False}
"""The questions the judge can ask, each with whether "yes" means supported."""
_MAX_EVIDENCE_CHARS = 1500
_WORD_RE = re.compile(r"[a-z]+")


def question_messages(claim: str, evidence: str, question: str = SUPPORTS) -> list[ChatMessage]:
    """The two chat messages asking ``question`` about ``claim`` and ``evidence``."""
    user = f"Evidence: {evidence[:_MAX_EVIDENCE_CHARS]}\nClaim: {claim}\n{question}"
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]


def support_messages(claim: str, evidence: str) -> list[ChatMessage]:
    """The chat messages of the main yes/no question (does the evidence support the claim?)."""
    return question_messages(claim, evidence, SUPPORTS)


def _answer_word(token: str) -> str:
    match = _WORD_RE.match(token.strip().lower())
    return match.group() if match else ""


def yes_probability(logprobs: dict[str, float]) -> float:
    """P(yes) / (P(yes) + P(no)) over the top first tokens (``"Yes"``, ``" yes"``, ``"YES."`` all count as yes).

    Raises :class:`JudgeFailure` ``parse_error`` when neither answer is among the tokens, ``nan`` for NaN."""
    p_yes = p_no = 0.0
    for token, logprob in logprobs.items():
        if math.isnan(logprob):
            raise JudgeFailure(f"nan: log-probability of {token!r} is NaN")
        word = _answer_word(token)
        if word == "yes":
            p_yes += math.exp(logprob)
        elif word == "no":
            p_no += math.exp(logprob)
    if p_yes + p_no <= 0.0:
        raise JudgeFailure(f"parse_error: no yes/no among the first tokens {sorted(logprobs)[:6]}")
    return p_yes / (p_yes + p_no)


class YesNoJudge(ScoringJudge):
    """Asks ``model`` yes/no questions about the claim and evidence; the score is the mean P(supported) over the
    ``questions`` (P(yes) for a question where yes means supported, P(no) for one where it means not)."""

    def __init__(
        self,
        model: ChatModel,
        *,
        name: str = "embedded",
        threshold: float = EMBEDDED_THRESHOLD,
        timeout_s: float | None = 120.0,
        use_logprobs: bool = True,
        top: int = 10,
        questions: Sequence[str] = (SUPPORTS,),
    ) -> None:
        """Judge with ``model``; a verdict slower than ``timeout_s`` (per question) is a ``timeout`` failure.
        Raises ``ValueError`` for a question not in :data:`QUESTIONS`."""
        super().__init__(threshold)
        unknown = [q for q in questions if q not in QUESTIONS]
        if unknown or not questions:
            raise ValueError(f"unknown judge question(s) {unknown}; use some of {list(QUESTIONS)}")
        self.name = name
        self.model = model
        self.timeout_s = timeout_s
        self.use_logprobs = use_logprobs
        self.top = top
        self.questions = tuple(questions)

    def question_scores(self, claim: str, evidence: str) -> dict[str, float]:
        """P(supported) from each question, asked in order (the later ones reuse the cached prompt prefix).

        Raises :class:`JudgeFailure` on a timeout, a model error or an answer that is neither yes nor no."""
        return {q: self._ask(claim, evidence, q) for q in self.questions}

    def raw_score(self, claim: str, evidence: str) -> float:
        """The mean P(supported) over the questions (1.0 / 0.0 per question without log-probabilities)."""
        scores = self.question_scores(claim, evidence)
        return sum(scores.values()) / len(scores)

    def _ask(self, claim: str, evidence: str, question: str) -> float:
        from assistant.llm.base import LLMError, complete  # lazily: the assistant package is heavy to import

        messages = question_messages(claim, evidence, question)
        try:
            if self.use_logprobs:
                logprobs = call_with_timeout(lambda: self.model.next_token_logprobs(messages, self.top), self.timeout_s)
                p_yes = yes_probability(logprobs)
            else:
                reply = call_with_timeout(lambda: complete(self.model, messages, max_tokens=3), self.timeout_s)
                word = _answer_word(reply)
                if word not in ("yes", "no"):
                    raise JudgeFailure(f"parse_error: the judge answered {reply[:60]!r}")
                p_yes = 1.0 if word == "yes" else 0.0
        except LLMError as exc:
            raise JudgeFailure(f"error: {exc}"[:200]) from exc
        return p_yes if QUESTIONS[question] else 1.0 - p_yes
