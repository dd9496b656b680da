"""Hand-computed cases for evals.metrics: every expected value is worked out by hand in the test."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from evals.metrics import (
    Aggregate,
    abstention_metrics,
    aggregate,
    citation_precision_recall,
    citation_support_rate,
    content_words,
    dedupe_ranked,
    hit_at_k,
    keyword_accuracy,
    ndcg_at_k,
    normalize_text,
    per_kind,
    percentile,
    recall_at_k,
    reciprocal_rank,
    supported_by,
)

# ---------------------------------------------------------------------------------------------- ranking


def test_dedupe_keeps_first_occurrence_and_order() -> None:
    assert dedupe_ranked(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]
    assert dedupe_ranked([]) == []


def test_single_gold_at_rank_two() -> None:
    ranked, gold = ["a", "b", "c"], {"b"}
    assert hit_at_k(ranked, gold, 1) == 0.0
    assert hit_at_k(ranked, gold, 2) == 1.0
    assert recall_at_k(ranked, gold, 1) == 0.0
    assert recall_at_k(ranked, gold, 3) == 1.0
    assert reciprocal_rank(ranked, gold) == 0.5
    assert ndcg_at_k(ranked, gold) == pytest.approx(1 / math.log2(3))  # 0.6309
    assert ndcg_at_k(ranked, gold, k=1) == 0.0


def test_gold_first_is_perfect() -> None:
    assert reciprocal_rank(["g", "x"], ["g"]) == 1.0
    assert ndcg_at_k(["g", "x"], ["g"]) == 1.0


def test_two_gold_partial_recall_and_ndcg() -> None:
    ranked, gold = ["a", "g1", "b", "c", "g2"], ["g1", "g2"]
    assert recall_at_k(ranked, gold, 2) == 0.5
    assert recall_at_k(ranked, gold, 4) == 0.5
    assert recall_at_k(ranked, gold, 5) == 1.0
    assert hit_at_k(ranked, gold, 1) == 0.0
    assert reciprocal_rank(ranked, gold) == 0.5
    # DCG = 1/log2(3) + 1/log2(6); ideal (2 gold) = 1/log2(2) + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(6)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(ranked, gold, 10) == pytest.approx(expected)  # 0.6399
    # k=3: only g1 in the top 3; ideal still has min(2, 3) = 2 slots
    assert ndcg_at_k(ranked, gold, 3) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))


def test_ndcg_ideal_uses_min_of_gold_and_k() -> None:
    # 3 gold, k=1, gold at rank 1: ideal DCG has only one slot -> 1.0 (not 1/(1+0.63+0.5))
    assert ndcg_at_k(["g1", "x"], ["g1", "g2", "g3"], k=1) == 1.0


def test_reciprocal_rank_respects_cutoff() -> None:
    ranked = [f"x{i}" for i in range(10)] + ["g"]
    assert reciprocal_rank(ranked, ["g"], k=10) == 0.0
    assert reciprocal_rank(ranked, ["g"], k=11) == pytest.approx(1 / 11)


def test_metrics_dedupe_chunk_rankings() -> None:
    ranked, gold = ["a", "a", "a", "g"], ["g"]  # entry-level ranking is [a, g]
    assert hit_at_k(ranked, gold, 2) == 1.0
    assert reciprocal_rank(ranked, gold) == 0.5
    assert ndcg_at_k(ranked, gold) == pytest.approx(1 / math.log2(3))
    # duplicates of a gold entry must not count twice
    assert ndcg_at_k(["g", "g", "g"], ["g"]) == 1.0
    assert recall_at_k(["g", "g"], ["g", "h"], 2) == 0.5


def test_no_gold_is_undefined_and_bad_k_raises() -> None:
    for fn in (hit_at_k, recall_at_k, reciprocal_rank, ndcg_at_k):
        assert fn(["a"], [], 5) is None
    with pytest.raises(ValueError):
        hit_at_k(["a"], ["a"], 0)


def test_empty_ranking_scores_zero() -> None:
    assert hit_at_k([], ["g"], 5) == 0.0
    assert reciprocal_rank([], ["g"]) == 0.0
    assert ndcg_at_k([], ["g"]) == 0.0


# ---------------------------------------------------------------------------------------------- keywords


def test_normalize_text() -> None:
    assert normalize_text("  Jürgen   SCHMIDHUBER's!") == "jurgen schmidhuber s"


def test_keyword_accuracy_case_accent_insensitive() -> None:
    answer = "The talk was given by Jurgen Schmidhuber on MONDAY at 10:30."
    assert keyword_accuracy(answer, ["Jürgen", "monday", "10:30"]) == 1.0
    assert keyword_accuracy(answer, ["Jürgen", "Tuesday"]) == 0.5
    assert keyword_accuracy("Eléonore", ["eleonore"]) == 1.0


def test_keyword_accuracy_whole_words_and_empty() -> None:
    assert keyword_accuracy("an organ transplant", ["GAN"]) == 0.0
    assert keyword_accuracy("uses self attention", ["self-attention"]) == 1.0
    assert keyword_accuracy("anything", []) == 1.0
    assert keyword_accuracy("anything", ["  "]) == 1.0
    assert keyword_accuracy("", ["x", "y", "z"]) == 0.0
    assert keyword_accuracy("x and y", ["x", "y", "z"]) == pytest.approx(2 / 3)


# ---------------------------------------------------------------------------------------------- abstention


def test_abstention_metrics_counts() -> None:
    pairs = [
        (True, False),  # answered an answerable: fine
        (True, False),
        (True, True),  # false abstention
        (False, True),  # correct abstention
        (False, False),  # missed abstention
        (False, True),  # correct abstention
    ]
    m = abstention_metrics(pairs)
    assert m["n_answerable"] == 3
    assert m["n_unanswerable"] == 3
    assert m["correct_abstentions"] == 2
    assert m["false_abstentions"] == 1
    assert m["missed_abstentions"] == 1
    assert m["abstention_accuracy"] == pytest.approx(2 / 3)
    assert m["false_abstention_rate"] == pytest.approx(1 / 3)


def test_abstention_metrics_undefined_parts() -> None:
    only_answerable = abstention_metrics([(True, False), (True, True)])
    assert only_answerable["abstention_accuracy"] is None
    assert only_answerable["false_abstention_rate"] == 0.5
    only_unanswerable = abstention_metrics([(False, True)])
    assert only_unanswerable["false_abstention_rate"] is None
    assert only_unanswerable["abstention_accuracy"] == 1.0


# ---------------------------------------------------------------------------------------------- citations


def test_citation_precision_recall() -> None:
    assert citation_precision_recall(["a", "x"], ["a", "b", "c"]) == (0.5, pytest.approx(1 / 3))
    assert citation_precision_recall(["a", "a", "b"], ["a", "b"]) == (1.0, 1.0)  # repeated citation counts once
    assert citation_precision_recall(["x"], ["a"]) == (0.0, 0.0)
    # an acceptable entry is neither right nor wrong; an unknown one still counts against precision
    assert citation_precision_recall(["a", "ok", "x"], ["a"], ["ok"]) == (0.5, 1.0)
    assert citation_precision_recall(["ok"], ["a"], ["ok"]) == (None, 0.0)


def test_citation_precision_recall_undefined_cases() -> None:
    nothing_cited = citation_precision_recall([], ["a"])
    assert nothing_cited.precision is None
    assert nothing_cited.recall == 0.0
    unanswerable_cited = citation_precision_recall(["a"], [])
    assert unanswerable_cited.precision == 0.0
    assert unanswerable_cited.recall is None
    assert citation_precision_recall([], []) == (None, None)


# ---------------------------------------------------------------------------------------------- lexical support


def test_content_words_drop_stop_words_and_markers() -> None:
    assert content_words("The models were trained on ImageNet [1].") == {"model", "trained", "imagenet"}


def test_supported_by_overlap() -> None:
    passage = "We train transformer models on ImageNet and report top-1 accuracy."
    assert supported_by("The models were trained on ImageNet [1].", passage) == pytest.approx(2 / 3)  # trained≠train
    assert supported_by("Transformer models use ImageNet.", passage) == pytest.approx(3 / 4)  # "use" missing
    assert supported_by("Transformer model on ImageNet", passage) == 1.0
    assert supported_by("Cats chase mice.", passage) == 0.0
    assert supported_by("It is [2].", passage) == 0.0  # no content words: not supported


def test_citation_support_rate() -> None:
    good = SimpleNamespace(quote="Jane Doe presented the diffusion tutorial.", sentence="Jane Doe presented it [1].")
    bad = SimpleNamespace(quote="A paper about graph networks.", sentence="Jane Doe presented it [2].")
    unknown = SimpleNamespace(quote="whatever")  # no sentence: cannot be checked, left out
    assert citation_support_rate([good, bad, unknown]) == 0.5
    assert citation_support_rate([unknown]) is None


# ---------------------------------------------------------------------------------------------- aggregation


def test_aggregate_ignores_none_and_nan() -> None:
    assert aggregate([1.0, None, 0.0, float("nan"), 0.5]) == Aggregate(mean=0.5, count=3, missing=2)
    assert aggregate([None, None]) == Aggregate(None, 0, 2)
    assert aggregate([]) == Aggregate(None, 0, 0)


def test_per_kind_groups_means() -> None:
    rows = [
        {"kind": "speaker", "hit": 1.0},
        {"kind": "speaker", "hit": 0.0},
        {"kind": "date", "hit": 1.0},
        {"kind": "unanswerable", "hit": None},
        SimpleNamespace(kind="date", hit=0.5),
    ]
    out = per_kind(rows, "kind", "hit")
    assert list(out) == ["date", "speaker", "unanswerable"]
    assert out["speaker"] == Aggregate(0.5, 2, 0)
    assert out["date"] == Aggregate(0.75, 2, 0)
    assert out["unanswerable"] == Aggregate(None, 0, 1)
    by_callable = per_kind(rows, lambda r: "all", lambda r: r["hit"] if isinstance(r, dict) else r.hit)
    assert by_callable["all"] == Aggregate(pytest.approx(2.5 / 4), 4, 1)


def test_percentile_linear_interpolation() -> None:
    data = [4.0, 1.0, None, 3.0, 2.0]
    assert percentile(data, 0) == 1.0
    assert percentile(data, 50) == 2.5
    assert percentile(data, 90) == pytest.approx(3.7)  # position 0.9*3 = 2.7 -> 3 + 0.7*(4-3)
    assert percentile(data, 100) == 4.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_wilson_interval_known_values() -> None:
    from evals.metrics import wilson_interval

    low, high = wilson_interval(5, 10)  # type: ignore[misc]
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    low, high = wilson_interval(0, 10)  # type: ignore[misc]
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(10, 10)  # type: ignore[misc]
    assert low == pytest.approx(0.7225, abs=1e-4) and high == 1.0
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(11, 10)
