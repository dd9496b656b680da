"""Pure metric functions for the evaluation suite (no I/O, no model calls).

Conventions
-----------
* Retrieval metrics work on **entries**, not chunks: every ranking is passed through
  :func:`dedupe_ranked` (first occurrence wins) before the cut-off ``k`` is applied, so a chunk-level ranking
  ``[a, a, b]`` is scored as ``[a, b]``.
* Relevance is binary: an id is relevant iff it is in ``gold_ids``.
* A metric that is undefined for an input returns ``None`` instead of an invented 0 or 1. Retrieval metrics are
  undefined when there is no gold id (an unanswerable question); citation precision is undefined when nothing was
  cited. :func:`aggregate`, :func:`per_kind` and :func:`percentile` skip ``None`` (and NaN) and report how many
  values they skipped.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from evals.markers import MARKER_RE

T = TypeVar("T", bound=Hashable)

__all__ = [
    "STOP_WORDS",
    "Aggregate",
    "PrecisionRecall",
    "abstention_metrics",
    "aggregate",
    "citation_precision_recall",
    "citation_support_rate",
    "content_words",
    "dedupe_ranked",
    "hit_at_k",
    "keyword_accuracy",
    "ndcg_at_k",
    "normalize_text",
    "per_kind",
    "percentile",
    "recall_at_k",
    "reciprocal_rank",
    "supported_by",
    "wilson_interval",
]


# --------------------------------------------------------------------------------------------------------------
# Ranking metrics
# --------------------------------------------------------------------------------------------------------------


def dedupe_ranked(ids: Iterable[T]) -> list[T]:
    """Return ``ids`` with repeats removed, keeping the first (best-ranked) occurrence and the order.

    Rankings come from chunk retrieval, so one entry can appear several times; metrics are over entries.
    """
    seen: set[T] = set()
    out: list[T] = []
    for item in ids:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def _top_k(ranked_ids: Iterable[T], k: int) -> list[T]:
    _check_k(k)
    return dedupe_ranked(ranked_ids)[:k]


def hit_at_k(ranked_ids: Iterable[T], gold_ids: Iterable[T], k: int) -> float | None:
    """1.0 if any gold id is among the first ``k`` distinct ids of the ranking, else 0.0.

    Returns ``None`` when ``gold_ids`` is empty (undefined). Raises ``ValueError`` for ``k < 1``.
    """
    gold = set(gold_ids)
    top = _top_k(ranked_ids, k)
    if not gold:
        return None
    return 1.0 if any(item in gold for item in top) else 0.0


def recall_at_k(ranked_ids: Iterable[T], gold_ids: Iterable[T], k: int) -> float | None:
    """Fraction of the distinct gold ids found among the first ``k`` distinct ids of the ranking.

    Returns ``None`` when ``gold_ids`` is empty. Raises ``ValueError`` for ``k < 1``.
    """
    gold = set(gold_ids)
    top = _top_k(ranked_ids, k)
    if not gold:
        return None
    return sum(1 for item in top if item in gold) / len(gold)


def reciprocal_rank(ranked_ids: Iterable[T], gold_ids: Iterable[T], k: int = 10) -> float | None:
    """``1 / rank`` of the first gold id within the first ``k`` distinct ids (0.0 if none): MRR@k per question.

    Ranks are 1-based and counted after de-duplication. Returns ``None`` when ``gold_ids`` is empty.
    """
    gold = set(gold_ids)
    top = _top_k(ranked_ids, k)
    if not gold:
        return None
    for rank, item in enumerate(top, start=1):
        if item in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked_ids: Iterable[T], gold_ids: Iterable[T], k: int = 10) -> float | None:
    """Binary-relevance nDCG@k.

    ``DCG = sum(1 / log2(rank + 1))`` over the gold ids at 1-based ``rank <= k`` (after de-duplication);
    the ideal DCG puts ``min(len(gold), k)`` relevant ids at ranks ``1..``. Returns ``None`` when ``gold_ids``
    is empty.
    """
    gold = set(gold_ids)
    top = _top_k(ranked_ids, k)
    if not gold:
        return None
    dcg = sum(1.0 / math.log2(rank + 1) for rank, item in enumerate(top, start=1) if item in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal


# --------------------------------------------------------------------------------------------------------------
# Text normalisation, keywords and lexical support
# --------------------------------------------------------------------------------------------------------------

# The evaluation keeps its own vocabulary (stop words, stems, markers, numbers) on purpose: it must not be graded by
# the product's own text rules (index/text.py), or a bug there would hide itself.
_STOP_WORDS_TEXT = """
    a about above after again against all also am an and any are aren as at be because been before being below
    between both but by can cannot could couldn did didn do does doesn doing don down during each either else
    etc ever every few for from further had hadn has hasn have haven having he her here hers herself him
    himself his how however i if in into is isn it its itself just least less let like ll made make many may me
    might more most much must mustn my myself neither no nor not now of off on once only or other ought our
    ours ourselves out over own per rather re same shall shan she should shouldn since so some such than that
    the their theirs them themselves then there these they this those though through thus to too under until
    up upon us ve very via was wasn we were weren what when where whether which while who whom whose why will
    with within without won would wouldn yet you your yours yourself yourselves s t d m o y
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())
"""English function words ignored by :func:`content_words` (contraction fragments split off by the tokenizer
such as ``don`` / ``t`` are included)."""

_NON_WORD_RE = re.compile(r"[^\w]+")


def normalize_text(text: str) -> str:
    """Case-fold, strip accents (NFKD, combining marks dropped), turn punctuation and ``_`` into spaces and
    collapse whitespace: ``"Jürgen  Schmidhuber's"`` -> ``"jurgen schmidhuber s"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    spaced = _NON_WORD_RE.sub(" ", stripped.casefold()).replace("_", " ")
    return " ".join(spaced.split())


def keyword_accuracy(answer_text: str, keywords: Sequence[str]) -> float:
    """Fraction of ``keywords`` present in ``answer_text``; 1.0 when there are no (non-blank) keywords.

    Matching is case-, accent- and punctuation-insensitive and on whole words: both sides go through
    :func:`normalize_text`, then the keyword must occur as a run of complete words (``"GAN"`` does not match
    ``"organ"``; ``"self-attention"`` matches ``"self attention"``).
    """
    wanted = [normalize_text(k) for k in keywords]
    wanted = [k for k in wanted if k]
    if not wanted:
        return 1.0
    haystack = f" {normalize_text(answer_text)} "
    return sum(1 for k in wanted if f" {k} " in haystack) / len(wanted)


def _stem(word: str) -> str:
    """Very light suffix stripping so that plural/singular forms meet (``models`` -> ``model``)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(text: str) -> set[str]:
    """Normalised, lightly stemmed content words of ``text``: citation markers like ``[1]`` removed, then
    :func:`normalize_text`, then stop words dropped."""
    tokens = normalize_text(MARKER_RE.sub(" ", text)).split()
    return {_stem(tok) for tok in tokens if tok not in STOP_WORDS}


def supported_by(sentence: str, passage_text: str) -> float:
    """Lexical support of ``sentence`` by ``passage_text``, in [0, 1].

    The fraction of the sentence's content words (see :func:`content_words`) that also occur in the passage.
    A sentence without content words makes no checkable claim and scores 0.0 (never counted as supported).
    This is a cheap proxy for entailment: it catches citations to the wrong passage, not subtle contradictions
    (a swapped number that also occurs elsewhere in the passage still scores high).
    """
    claim = content_words(sentence)
    if not claim:
        return 0.0
    return len(claim & content_words(passage_text)) / len(claim)


def citation_support_rate(citations: Iterable[Any], threshold: float = 0.5) -> float | None:
    """Share of citations whose quote supports their answer sentence (``supported_by >= threshold``).

    ``citations`` are duck-typed objects with ``.quote`` and optionally ``.sentence``; citations without a
    sentence cannot be checked and are left out. Returns ``None`` when no citation can be checked.
    """
    checked = [
        supported_by(sentence, getattr(c, "quote", "") or "") >= threshold
        for c in citations
        if (sentence := getattr(c, "sentence", "") or "").strip()
    ]
    if not checked:
        return None
    return sum(checked) / len(checked)


# --------------------------------------------------------------------------------------------------------------
# Abstention and citations
# --------------------------------------------------------------------------------------------------------------


def abstention_metrics(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float | int | None]:
    """Abstention quality from ``(answerable, abstained)`` pairs, one per question.

    Returns a dict with

    * ``abstention_accuracy``: correct abstentions on unanswerable questions / unanswerable count
      (``None`` if there is no unanswerable question);
    * ``false_abstention_rate``: abstentions on answerable questions / answerable count (``None`` if none);
    * counts ``n_answerable``, ``n_unanswerable``, ``correct_abstentions``, ``false_abstentions``
      (abstained although answerable) and ``missed_abstentions`` (answered although unanswerable).
    """
    n_ans = n_unans = correct = false_abs = 0
    for answerable, abstained in pairs:
        if answerable:
            n_ans += 1
            false_abs += int(bool(abstained))
        else:
            n_unans += 1
            correct += int(bool(abstained))
    return {
        "abstention_accuracy": correct / n_unans if n_unans else None,
        "false_abstention_rate": false_abs / n_ans if n_ans else None,
        "n_answerable": n_ans,
        "n_unanswerable": n_unans,
        "correct_abstentions": correct,
        "false_abstentions": false_abs,
        "missed_abstentions": n_unans - correct,
    }


class PrecisionRecall(NamedTuple):
    """Citation precision and recall of one answer; ``None`` where undefined."""

    precision: float | None
    recall: float | None


def citation_precision_recall(
    cited_ids: Iterable[T], gold_ids: Iterable[T], acceptable_ids: Iterable[T] = ()
) -> PrecisionRecall:
    """Entry-level citation precision and recall for one answer (repeated citations count once).

    * precision = |cited ∩ gold| / |cited − acceptable|; **None when nothing is cited** (no citation, nothing to be
      precise about) or only acceptable entries are. With citations but no gold ids (an unanswerable question)
      precision is 0.0: every citation is wrong. An acceptable entry (``acceptable_titles``: arguably relevant, "an
      answer may list them without being wrong") is neither right nor wrong, as in list precision.
    * recall = |cited ∩ gold| / |gold|; **None when there are no gold ids**. With gold ids but no citations
      recall is 0.0.
    """
    cited = set(cited_ids)
    gold = set(gold_ids)
    judged = cited - (set(acceptable_ids) - gold)
    hits = len(cited & gold)
    precision = hits / len(judged) if judged else None
    recall = hits / len(gold) if gold else None
    return PrecisionRecall(precision, recall)


# --------------------------------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------------------------------


class Aggregate(NamedTuple):
    """Mean of the defined values, how many were defined (``count``) and how many were skipped (``missing``)."""

    mean: float | None
    count: int
    missing: int


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def aggregate(values: Iterable[float | None]) -> Aggregate:
    """Mean over the values that are not ``None`` (NaN is treated as ``None``); ``mean`` is ``None`` if none is."""
    kept: list[float] = []
    missing = 0
    for value in values:
        if _is_missing(value):
            missing += 1
        else:
            kept.append(float(value))  # type: ignore[arg-type]
    mean = sum(kept) / len(kept) if kept else None
    return Aggregate(mean, len(kept), missing)


def _field(row: Any, name: str | Callable[[Any], Any]) -> Any:
    if callable(name):
        return name(row)
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def per_kind(
    rows: Iterable[Any],
    key: str | Callable[[Any], Any],
    value: str | Callable[[Any], Any],
) -> dict[str, Aggregate]:
    """Group ``rows`` by question kind and :func:`aggregate` one metric per group.

    ``rows`` are mappings or objects; ``key`` / ``value`` name the field holding the kind / the metric (or are
    callables taking a row). Rows whose value is missing count in ``missing``. The result is sorted by kind.
    """
    groups: dict[str, list[float | None]] = {}
    for row in rows:
        groups.setdefault(str(_field(row, key)), []).append(_field(row, value))
    return {kind: aggregate(groups[kind]) for kind in sorted(groups)}


def percentile(values: Iterable[float | None], p: float) -> float | None:
    """The ``p``-th percentile (0..100) with linear interpolation between order statistics (numpy's default).

    ``None`` / NaN values are ignored; returns ``None`` if nothing is left. Raises ``ValueError`` if ``p`` is
    outside [0, 100].
    """
    if not 0 <= p <= 100:
        raise ValueError(f"p must be in [0, 100], got {p}")
    data = sorted(float(v) for v in values if not _is_missing(v))  # type: ignore[arg-type]
    if not data:
        return None
    position = (len(data) - 1) * p / 100
    lower = math.floor(position)
    upper = min(lower + 1, len(data) - 1)
    return data[lower] + (data[upper] - data[lower]) * (position - lower)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """Wilson score interval for a proportion ``successes / n`` (``z`` = 1.96: 95%); ``None`` when ``n`` is 0.

    Unlike the normal approximation it stays inside [0, 1] and is sensible for proportions near 0 or 1."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, {n}], got {successes}")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
