"""Hand-made evaluation inputs: gold questions, stored answer records, answer sentences and labelled claims."""

from __future__ import annotations

from typing import Any

from evals.gold import GoldQuestion
from evals.questions import EvalQuestion
from evals.support_labels import LabelledClaim


def question(
    qid: str, kind: str, gold: tuple[str, ...], acceptable: tuple[str, ...] = (), **extra: Any
) -> EvalQuestion:
    data: dict[str, Any] = {"id": qid, "question": f"question {qid}?", "kind": kind, "gold_ids": list(gold)}
    data["gold_titles"] = []
    data.setdefault("reference", extra.pop("reference", "The reference answer." if gold else ""))
    data.update(extra)
    return EvalQuestion(GoldQuestion(**data), gold, 1, acceptable)


def record(qid: str, *, abstained: bool = False, route: str = "generated", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "answer",
        "id": qid,
        "text": fields.pop("text", "An answer [1]."),
        "abstained": abstained,
        "cited_ids": fields.pop("cited_ids", []),
        "route": route,
        "seconds": 0.1,
        "first_token_seconds": None,
        "sentences": fields.pop("sentences", []),
        "items": fields.pop("items", []),
    }
    base.update(fields)
    return base


def sentence(claim: str, quote: str, entry: str = "e1") -> dict[str, Any]:
    return {"claim": claim, "spans": [{"entry_id": entry, "quote": quote}]}


def labelled(n: int) -> list[LabelledClaim]:
    out = []
    for i in range(n):
        supported = i % 2 == 0
        out.append(
            LabelledClaim(
                id=f"x{i:03d}",
                claim=f"claim {i}",
                evidence=f"evidence {i}",
                entry_title="t",
                source_file="f.txt",
                label="supported" if supported else "unsupported",
                category="verbatim" if supported else "number_swap",
                reason="r",
                origin="constructed",
            )
        )
    return out
