"""The default judge over answers: is each answer sentence supported by its cited spans, and how much of the
reference answer does the answer cover (RAGChecker-style claim recall)? One ``support`` line per answer.

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

from evals.answer_scoring import strip_markers
from evals.grounding import reference_claims, sentence_evidence

if TYPE_CHECKING:
    from evals.judges.base import SupportJudge
    from evals.questions import EvalQuestion

__all__ = ["judge_agreement", "support_line", "support_pass"]


def _verdict(judge: SupportJudge, claim: str, evidence: str) -> tuple[bool | None, str | None]:
    try:
        verdict = judge.supports(claim, evidence)
    except Exception as exc:  # a judge that raises instead of returning None still only fails this item
        return None, f"error: {type(exc).__name__}: {exc}"[:200]
    return verdict, (judge.last_failure if verdict is None else None)


def support_line(question: EvalQuestion, record: Mapping[str, Any], judge: SupportJudge) -> dict[str, Any]:
    """The ``support`` line for one answer record: a verdict per answer sentence (against its spans) and per
    reference claim (against the answer text); ``None`` where the judge failed, with the reasons."""
    start = time.perf_counter()
    sentences: list[bool | None] = []
    reference: list[bool | None] = []
    failures: list[str] = []
    if not record.get("abstained"):
        for sentence in record.get("sentences") or []:
            evidence = sentence_evidence(sentence)
            if not evidence:
                continue
            verdict, why = _verdict(judge, str(sentence["claim"]), evidence)
            sentences.append(verdict)
            failures += [why] if why else []
        answer_text = strip_markers(str(record.get("text", "")))
        for claim in reference_claims(question.gold.reference or "") if question.answerable else []:
            verdict, why = _verdict(judge, claim, answer_text)
            reference.append(verdict)
            failures += [why] if why else []
    return {
        "type": "support",
        "id": question.id,
        "judge": judge.name,
        "sentences": sentences,
        "reference": reference,
        "failures": failures,
        "seconds": time.perf_counter() - start,
    }


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
    """Write a ``support`` line for every answered question that has none, until ``budget_s`` seconds are spent.

    Questions are taken in a seeded random order, so that a budget that runs out leaves a random sample judged
    rather than the first kinds of the gold file. Returns how many answers were judged, left, and the time."""
    todo = [q for q in questions if q.id in answers and "error" not in answers[q.id] and q.id not in support]
    random.Random(seed).shuffle(todo)
    start = time.perf_counter()
    judged = 0
    for q in todo:
        if budget_s is not None and time.perf_counter() - start >= budget_s:
            break
        line = support_line(q, answers[q.id], judge)
        append(line)
        support[q.id] = line
        judged += 1
    done = sum(1 for q in questions if q.id in support)
    answered = sum(1 for q in questions if q.id in answers and "error" not in answers[q.id])
    return {
        "judged_now": judged,
        "answers_judged": done,
        "answers": answered,
        "not_judged": answered - done,
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
