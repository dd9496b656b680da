"""What an answer says and on what evidence (pure): its sentences with their cited spans, its list items, and the
metrics over them: list precision/recall, span support, numbers absent from the cited span, reference claims.

Works with the answer contract's ``sentences`` (each claim with the spans that support it) and, for answers made
before that contract, falls back to the citations (each cited sentence with its quote).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from evals.markers import strip_markers
from evals.metrics import PrecisionRecall
from evals.numbers import numbers_absent

__all__ = [
    "answer_items",
    "answer_sentences",
    "list_precision_recall",
    "reference_claims",
    "sentence_evidence",
    "sentences_with_absent_numbers",
]

_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def _as_dict(obj: Any) -> Mapping[str, Any]:
    """A mapping, an object with ``to_dict()``, a dataclass or a plain object, as a mapping."""
    if isinstance(obj, Mapping):
        return obj
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return vars(obj)


def _span(entry_id: str, quote: str, titles: Mapping[str, str]) -> dict[str, str]:
    span = {"entry_id": entry_id, "quote": quote}
    if titles.get(entry_id):
        span["title"] = titles[entry_id]
    return span


def answer_sentences(answer: Any) -> list[dict[str, Any]]:
    """``[{"claim", "spans": [{"entry_id", "quote", "title"}]}]`` for every answer sentence (``title`` where the
    answer cites that entry).

    Uses ``answer.sentences`` when the answer has them; otherwise groups ``answer.citations`` by their sentence."""
    titles = {str(c.entry_id): str(getattr(c, "title", "") or "") for c in getattr(answer, "citations", None) or []}
    out: list[dict[str, Any]] = []
    for s in getattr(answer, "sentences", None) or []:
        data = _as_dict(s)
        spans = [
            _span(str(sp.get("entry_id", "")), str(sp.get("quote", "")), titles)
            for sp in (_as_dict(x) for x in data.get("spans") or [])
        ]
        claim = str(data.get("claim") or strip_markers(str(data.get("text", ""))))
        if claim:
            out.append({"claim": claim, "spans": spans})
    if out:
        return out
    by_sentence: dict[str, list[dict[str, str]]] = {}
    for c in getattr(answer, "citations", None) or []:
        sentence = strip_markers(getattr(c, "sentence", "") or "")
        if sentence:
            by_sentence.setdefault(sentence, []).append(
                _span(str(c.entry_id), str(getattr(c, "quote", "") or ""), titles)
            )
    return [{"claim": claim, "spans": spans} for claim, spans in by_sentence.items()]


def answer_items(answer: Any) -> list[dict[str, str]]:
    """``[{"entry_id", "title", "evidence"}]`` of a list answer (empty for other routes)."""
    items = []
    for item in getattr(answer, "items", None) or []:
        data = _as_dict(item)
        items.append(
            {
                "entry_id": str(data.get("entry_id", "")),
                "title": str(data.get("title", "")),
                "evidence": str(data.get("evidence", "")),
            }
        )
    return items


def sentence_evidence(sentence: Mapping[str, Any]) -> str:
    """The text a sentence is checked against: its spans' quotes joined (two for a comparison)."""
    return " ".join(str(sp.get("quote", "")) for sp in sentence.get("spans") or [] if sp.get("quote"))


def sentences_with_absent_numbers(sentences: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The sentences stating a number their cited spans lack, each with those numbers.

    A sentence without a span (a list answer's count line) cites nothing and is not checked; the cited entry's
    title counts as part of its evidence, since answers name the entry ("According to 'GPT-4 ...': ...")."""
    found = []
    for s in sentences:
        evidence = sentence_evidence(s)
        if not evidence:
            continue
        titles = " ".join(str(sp.get("title", "")) for sp in s.get("spans") or [])
        missing = numbers_absent(str(s.get("claim", "")), f"{titles} {evidence}")
        if missing:
            found.append({"claim": s.get("claim", ""), "numbers": missing})
    return found


def list_precision_recall(
    listed: Sequence[str], gold: Sequence[str], acceptable: Sequence[str] = ()
) -> PrecisionRecall:
    """Precision and recall of the entries a list answer names.

    Acceptable entries count as neither right nor wrong: they are left out of precision's denominator and do not
    count as hits. Precision is ``None`` when nothing but acceptable entries is listed; recall is ``None`` when there
    is no gold entry (a question whose right answer is the empty list: judge that by abstention instead)."""
    named = set(listed)
    gold_set, ok = set(gold), set(acceptable) - set(gold)
    judged = named - ok
    hits = len(judged & gold_set)
    precision = hits / len(judged) if judged else None
    recall = hits / len(gold_set) if gold_set else None
    return PrecisionRecall(precision, recall)


def reference_claims(reference: str) -> list[str]:
    """The reference answer cut into sentences: the claims an answer should cover (claim recall)."""
    text = strip_markers(reference)
    return [s.strip() for s in _SENTENCE_END_RE.split(text) if s.strip()] if text else []
