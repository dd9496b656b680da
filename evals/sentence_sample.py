"""A sample of shown answer sentences for a person to read: each claim, the span it rests on and the default
judge's verdict, so a reader can check the faithfulness figure by eye (written as ``sentence_sample.md``)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.grounding import sentence_evidence
from evals.questions import EvalQuestion

__all__ = ["SAMPLE_SIZE", "sample_sentences", "write_sentence_sample"]

SAMPLE_SIZE = 40
_VERDICT = {True: "supported", False: "UNSUPPORTED", None: "judge failed"}


def sample_sentences(
    questions: Sequence[EvalQuestion],
    answers: Mapping[str, Mapping[str, Any]],
    support: Mapping[str, Mapping[str, Any]],
    n: int = SAMPLE_SIZE,
    seed: int = 0,
) -> list[dict[str, str]]:
    """Up to ``n`` shown sentences of non-abstained answers, drawn at random (seeded), each with its question id,
    claim, span and verdict ("not judged" where the judge's budget did not reach it)."""
    rows = []
    for q in questions:
        record = answers.get(q.id)
        if not record or "error" in record or record.get("abstained"):
            continue
        verdicts = list((support.get(q.id) or {}).get("sentences") or [])
        for i, sentence in enumerate(record.get("sentences") or []):
            verdict = _VERDICT.get(verdicts[i], "judge failed") if i < len(verdicts) else "not judged"
            rows.append(
                {
                    "id": q.id,
                    "claim": str(sentence.get("claim", "")),
                    "span": sentence_evidence(sentence),
                    "verdict": verdict,
                }
            )
    random.Random(seed).shuffle(rows)
    return rows[:n]


def write_sentence_sample(run_dir: Path, rows: Sequence[Mapping[str, str]]) -> Path:
    """Write the sample as a Markdown page in the run folder; returns its path."""
    lines = [
        "# Shown sentences, a random sample",
        "",
        "Each shown answer sentence with the span it rests on and the default judge's verdict. Read each: is every",
        "number, name, condition and role of the claim in the span?",
        "",
    ]
    for n, row in enumerate(rows, start=1):
        lines += [
            f"{n}. **{row['id']}** ({row['verdict']})",
            f"   - claim: {row['claim']}",
            f"   - span: {row['span']}",
            "",
        ]
    path = Path(run_dir) / "sentence_sample.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
