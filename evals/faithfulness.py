"""The default judge over answers: is each answer sentence supported by its cited spans, and how much of the
reference answer does the answer cover (RAGChecker-style claim recall)? One ``support`` line per answer (the
latest line of an answer wins: a second one adds its claim recall).

The judge's own agreement with human labels is read from the latest ``assistant eval judges`` run in the same
output folder (or, without one, the figures recorded in :data:`evals.judges.MEASURED`), so that every
faithfulness figure is printed next to how far its judge can be trusted.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.grounding import reference_claims, sentence_evidence
from evals.markers import strip_markers

if TYPE_CHECKING:
    from evals.judges.base import SupportJudge
    from evals.questions import EvalQuestion

__all__ = ["judge_agreement", "support_line", "support_pass", "with_reference"]


def _verdict(judge: SupportJudge, claim: str, evidence: str) -> tuple[bool | None, str | None]:
    try:
        verdict = judge.supports(claim, evidence)
    except Exception as exc:  # a judge that raises instead of returning None still only fails this item
        return None, f"error: {type(exc).__name__}: {exc}"[:200]
    return verdict, (judge.last_failure if verdict is None else None)


def support_line(
    question: EvalQuestion, record: Mapping[str, Any], judge: SupportJudge, *, reference: bool = True
) -> dict[str, Any]:
    """The ``support`` line for one answer record: a verdict per answer sentence (against its spans) and, with
    ``reference``, per reference claim (against the answer text); ``None`` where the judge failed, with the
    reasons. ``reference_judged`` says whether the reference claims were judged (False leaves them for later)."""
    start = time.perf_counter()
    sentences: list[bool | None] = []
    failures: list[str] = []
    if not record.get("abstained"):
        for sentence in record.get("sentences") or []:
            evidence = sentence_evidence(sentence)
            if not evidence:
                continue
            verdict, why = _verdict(judge, str(sentence["claim"]), evidence)
            sentences.append(verdict)
            failures += [why] if why else []
    line = {
        "type": "support",
        "id": question.id,
        "judge": judge.name,
        "sentences": sentences,
        "reference": [],
        "reference_judged": False,
        "failures": failures,
        "seconds": time.perf_counter() - start,
    }
    claims = _reference_claims(question, record)
    if reference or not claims:
        line = with_reference(question, record, line, judge)
    return line


def _reference_claims(question: EvalQuestion, record: Mapping[str, Any]) -> list[str]:
    if record.get("abstained") or not question.answerable:
        return []
    return reference_claims(question.gold.reference or "")


def with_reference(
    question: EvalQuestion, record: Mapping[str, Any], line: Mapping[str, Any], judge: SupportJudge
) -> dict[str, Any]:
    """``line`` with its reference claims judged against the answer text (claim recall)."""
    start = time.perf_counter()
    answer_text = strip_markers(str(record.get("text", "")))
    reference: list[bool | None] = []
    failures = list(line.get("failures") or [])
    for claim in _reference_claims(question, record):
        verdict, why = _verdict(judge, claim, answer_text)
        reference.append(verdict)
        failures += [why] if why else []
    seconds = float(line.get("seconds", 0.0)) + time.perf_counter() - start
    return {**line, "reference": reference, "reference_judged": True, "failures": failures, "seconds": seconds}


def support_pass(
    questions: Sequence[EvalQuestion],
    answers: Mapping[str, Mapping[str, Any]],
    support: MutableMapping[str, dict[str, Any]],
    judge: SupportJudge,
    append: Callable[[dict[str, Any]], None],
    *,
    budget_s: float | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Judge every answered question's sentences (faithfulness), then every one's reference claims (claim
    recall), until ``budget_s`` seconds are spent; a ``support`` line is appended as each answer is done.

    Faithfulness comes first for all answers because it is the headline figure and needs about half the judge
    calls; claim recall takes what the budget leaves. Answers are taken in a seeded random order, so that a
    budget that runs out leaves a random sample judged rather than the first kinds of the gold file. Returns
    how many answers were judged (and had their claim recall judged), how many were left, and the time."""
    answered = [q for q in questions if q.id in answers and "error" not in answers[q.id]]
    order = list(answered)
    random.Random(seed).shuffle(order)
    start = time.perf_counter()
    judged = 0

    def out_of_time() -> bool:
        return budget_s is not None and time.perf_counter() - start >= budget_s

    for q in order:
        if q.id in support:
            continue
        if out_of_time():
            break
        line = support_line(q, answers[q.id], judge, reference=False)
        append(line)
        support[q.id] = line
        judged += 1
    for q in order:
        line = support.get(q.id)
        if line is None or line.get("reference_judged", True):
            continue  # lines written before the two passes existed judged both at once
        if out_of_time():
            break
        full = with_reference(q, answers[q.id], line, judge)
        append(full)
        support[q.id] = full
    done = sum(1 for q in answered if q.id in support)
    recall_done = sum(1 for q in answered if support.get(q.id, {}).get("reference_judged", q.id in support))
    return {
        "judged_now": judged,
        "answers_judged": done,
        "answers": len(answered),
        "not_judged": len(answered) - done,
        "claim_recall_judged": recall_done,
        "seconds": time.perf_counter() - start,
        "budget_s": budget_s,
    }


def judge_agreement(judge_name: str, out_dir: Path | None) -> dict[str, Any] | None:
    """How well ``judge_name`` agreed with the labels: from the newest ``judges-*`` run in ``out_dir`` that scored
    it, else from :data:`evals.judges.MEASURED`; ``None`` if it was never measured."""
    runs = (
        sorted(Path(out_dir).glob("judges-*/judges.json"), reverse=True) if out_dir and Path(out_dir).is_dir() else []
    )
    for path in runs:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        for row in report.get("judges", []):
            if row.get("judge") == judge_name and "test" in row:
                test = row["test"]
                return {
                    "source": str(path),
                    "balanced_accuracy": test.get("balanced_accuracy"),
                    "recall_unsupported": test.get("recall_unsupported"),
                    "kappa": test.get("kappa"),
                    "n": test.get("n"),
                }
    from evals.judges import MEASURED

    measured = MEASURED.get(judge_name)
    return {"source": "evals.judges.MEASURED", **measured} if measured else None
