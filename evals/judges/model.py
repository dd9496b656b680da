"""A chat model asked one short yes/no question per claim, deciding from P(yes) of its first answer token.

The same judge serves the embedded Qwen model and any OpenAI-compatible endpoint: it only needs a
``assistant.llm.base.ChatModel`` (with ``next_token_logprobs``). A server that returns no log-probabilities can be
used with ``use_logprobs=False``: the judge then reads the word the model writes (score 1.0 or 0.0).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from evals.judges.base import JudgeFailure, ScoringJudge, call_with_timeout
from evals.judges.features import focus_evidence

if TYPE_CHECKING:
    from assistant.llm.base import ChatMessage, ChatModel

__all__ = ["EMBEDDED_THRESHOLD", "PROMPT_VERSION", "YesNoJudge", "support_messages", "yes_probability"]

PROMPT_VERSION = "v1"
"""The judge's prompt: ``prompts/support_v1.*``, rendered by :func:`assistant.prompts.support_judge_messages`."""
EMBEDDED_THRESHOLD = 0.348
"""P(yes) the yes/no judge needs: the cut with the best balanced accuracy on the calibration half of the labels
(2026-12-01, 177 of 355 claims). It is unstable (0.594 on a random 141 of those claims, 0.34-0.35 on 100-114),
which is why the default judge calibrates P(yes) with a logistic fit instead (:mod:`evals.judges.combined`)."""

_MAX_EVIDENCE_CHARS = 1500
_WORD_RE = re.compile(r"[a-z]+")


def support_messages(claim: str, evidence: str, version: str = PROMPT_VERSION) -> list[ChatMessage]:
    """The chat messages of the yes/no question in prompt ``version`` (``prompts/support_<version>.*``). The fixed
    instructions (and any few-shot examples) come first and the claim last, so that llama.cpp's prompt cache reuses
    them for every claim."""
    from assistant.prompts import support_judge_messages  # lazily: the assistant package is heavy to import

    return support_judge_messages(version, claim, evidence[:_MAX_EVIDENCE_CHARS])


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
    """Asks ``model`` whether the evidence supports the claim; the score is P(yes) of the first answer token."""

    def __init__(
        self,
        model: ChatModel,
        *,
        name: str = "embedded",
        threshold: float = EMBEDDED_THRESHOLD,
        timeout_s: float | None = 120.0,
        use_logprobs: bool = True,
        top: int = 10,
        prompt_version: str = PROMPT_VERSION,
    ) -> None:
        """Judge with ``model`` asked prompt ``prompt_version``; a verdict slower than ``timeout_s`` is a
        ``timeout`` failure."""
        super().__init__(threshold)
        self.name = name
        self.model = model
        self.timeout_s = timeout_s
        self.use_logprobs = use_logprobs
        self.top = top
        self.prompt_version = prompt_version
        self.asked = 0
        """Questions put to the model (a pair answered from memory is not asked again)."""
        self._memo: dict[tuple[str, str], float] = {}

    def raw_score(self, claim: str, evidence: str) -> float:
        """P(yes), or 1.0 / 0.0 from the written word without log-probabilities. Evidence over 800 characters
        (a whole answer checked for a reference claim) is first cut to the sentences the claim draws on; a pair
        asked before is answered from memory."""
        known = self._memo.get((claim, evidence))
        if known is None:
            self.asked += 1
            known = self._memo[(claim, evidence)] = self._ask(claim, focus_evidence(claim, evidence))
        return known

    def _ask(self, claim: str, evidence: str) -> float:
        from assistant.llm.base import LLMError, complete  # lazily: the assistant package is heavy to import

        messages = support_messages(claim, evidence, self.prompt_version)
        try:
            if self.use_logprobs:
                logprobs = call_with_timeout(lambda: self.model.next_token_logprobs(messages, self.top), self.timeout_s)
                return yes_probability(logprobs)
            reply = call_with_timeout(lambda: complete(self.model, messages, max_tokens=3), self.timeout_s)
        except LLMError as exc:
            raise JudgeFailure(f"error: {exc}"[:200]) from exc
        word = _answer_word(reply)
        if word not in ("yes", "no"):
            raise JudgeFailure(f"parse_error: the judge answered {reply[:60]!r}")
        return 1.0 if word == "yes" else 0.0
