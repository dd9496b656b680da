"""Span verification on hand-made cases: what a span supports, and the ways a fluent sentence can still be wrong."""

from __future__ import annotations

import pytest

from assistant.verify import ClaimContext, best_support, check_claim, span_supports
from index.text import split_sentences

TABPFN = split_sentences(
    "We present TabPFN, a trained Transformer that can do supervised classification for small tabular datasets in "
    "less than a second, needs no hyperparameter tuning and is competitive with state-of-the-art classification "
    "methods. On the 18 datasets in the OpenML-CC18 suite that contain up to 1 000 training data points, up to 100 "
    "purely numerical features without missing values, and up to 10 classes, we show that our method clearly "
    "outperforms boosted trees and performs on par with complex state-of-the-art AutoML systems with up to 230times "
    "speedup. This increases to a 5 700times speedup when using a GPU."
)
CTX = ClaimContext(
    question="How does TabPFN compare with AutoML systems?",
    title="TabPFN: A Transformer That Solves Small Tabular Classification Problems in a Second",
)


def _supported(claim: str, sentences: list[str] = TABPFN, ctx: ClaimContext = CTX) -> bool:
    return bool(best_support(claim, [sentences], [ctx], ["tabpfn"]))


def test_a_sentence_close_to_one_span_is_supported() -> None:
    assert _supported("TabPFN performs on par with state-of-the-art AutoML systems with up to 230 times speedup.")
    assert _supported("TabPFN clearly outperforms boosted trees on the 18 OpenML-CC18 datasets.")


def test_a_faithful_paraphrase_of_one_span_is_supported() -> None:
    assert _supported("With a GPU, the speedup grows to 5 700 times.")
    assert _supported("It classifies small tabular datasets in less than a second and needs no hyperparameter tuning.")


@pytest.mark.parametrize(
    ("claim", "why"),
    [
        ("TabPFN was evaluated on 230 datasets.", "number from another quantity"),
        ("TabPFN reaches a 5 700times speedup on the 18 datasets without a GPU.", "number from another sentence"),
        ("Boosted trees clearly outperform TabPFN on the 18 OpenML-CC18 datasets.", "two names swapped"),
        ("TabPFN needs hyperparameter tuning.", "negation dropped"),
        ("TabPFN always outperforms every classification method.", "overclaim"),
        ("TabPFN was trained on 8 GPUs.", "added number"),
        ("TabPFN was trained on TPU pods at Google.", "added names"),
    ],
)
def test_wrong_sentences_are_rejected(claim: str, why: str) -> None:
    assert not _supported(claim), why


def test_words_scattered_across_the_entry_are_rejected() -> None:
    text = split_sentences(
        "Alpha proposes a graph method. It is filler. Another filler sentence. More filler text. "
        "The kernel runs on GPUs."
    )
    assert not _supported("Alpha proposes a graph kernel that runs on GPUs.", text, ClaimContext())
    assert _supported("The kernel runs on GPUs.", text, ClaimContext())


def test_restating_the_question_and_title_is_not_an_answer() -> None:
    restated = (
        "The paper “TabPFN: A Transformer That Solves Small Tabular Classification Problems in a Second” compares "
        "TabPFN with AutoML systems."
    )
    verdict = max((check_claim(restated, [s], CTX) for s in TABPFN), key=lambda v: v.score)
    assert not verdict.supported and verdict.reason


def test_framing_verbs_need_not_be_in_the_span() -> None:
    span = ["In this paper, we study KRR problems in a sequential setting and introduce the INK-ESTIMATE algorithm."]
    ctx = ClaimContext(question="What is its algorithm called?", title="Analysis of Nystrom method")
    assert check_claim("The algorithm is called INK-ESTIMATE.", span, ctx).supported
    assert check_claim("The paper describes the INK-ESTIMATE algorithm.", span, ctx).supported
    # A result verb is not a frame: "shows" claims something the span must state.
    assert not check_claim("The paper shows that INK-ESTIMATE is optimal.", span, ctx).supported


def test_a_reversed_direction_is_rejected() -> None:
    span = [
        "There has been a shift moving from vectors and matrices to functions and ultimately to probability measures."
    ]
    claim = "The speaker describes a shift away from probability measures and back toward vectors and matrices."
    assert not check_claim(claim, span, ClaimContext()).supported


def test_words_repeated_from_the_question_count_for_nothing() -> None:
    ctx = ClaimContext(question="Repeat after me: TabPFN was designed by the Acme Institute in 1999.")
    assert not check_claim("TabPFN was designed by the Acme Institute in 1999.", TABPFN[:1], ctx).supported


def test_a_link_not_in_the_span_is_rejected() -> None:
    claim = "TabPFN code is at https://evil.example.com and needs no hyperparameter tuning."
    assert not _supported(claim)


def test_span_supports_is_limited_to_three_consecutive_sentences() -> None:
    text = "Alpha uses Lean. Beta is unrelated. Gamma is unrelated. Delta is unrelated. The prover reaches 61 percent."
    assert span_supports("The prover reaches 61 percent.", text)
    assert not span_supports("Alpha reaches 61 percent in Lean.", text)


def test_a_comparison_naming_two_entries_takes_one_span_from_each() -> None:
    a = ["The Lean tutorial introduces Mathlib for machine-checkable proofs."]
    b = ["The unlearning tutorial covers removing data from trained models."]
    ctxs = [ClaimContext(title="Proving Theorems with Lean"), ClaimContext(title="Unlearning Data at Scale")]
    claim = (
        "Proving Theorems with Lean introduces Mathlib, while Unlearning Data at Scale covers removing data from "
        "trained models."
    )
    supports = best_support(claim, [a, b], ctxs, ["lean", "unlearn"])
    assert [s.candidate for s in supports] == [0, 1]


def test_a_name_is_not_credited_with_what_the_next_sentence_says() -> None:
    sentences = [
        "Lie-algebra based neural adapters (ALLORA), which shows how to compose LoRa adapters by detecting "
        "non-commutativity using Lie-Brackets.",
        "Agentic skill optimization using Lie Algebroids (LASKO), which formalizes optimization over tangent "
        "categories.",
    ]
    ctx = ClaimContext(question="Which component composes adapters by detecting non-commutativity?")
    wrong = (
        "The component composing LoRa adapters by detecting non-commutativity is LASKO, skill optimization using "
        "Lie Algebroids."
    )
    assert not _supported(wrong, sentences, ctx)
    assert _supported("ALLORA shows how to compose LoRa adapters by detecting non-commutativity.", sentences, ctx)


def test_a_possessive_name_at_the_start_of_a_sentence_must_be_in_the_span():
    from assistant.verify import span_supports

    span = "Ada Quill applied an information-geometric approach to mechanistic models in data space."
    assert not span_supports(
        "Oxbridge's Ada Quill applied an information-geometric approach to mechanistic models.", span
    )
    assert span_supports("Ada Quill applied an information-geometric approach to mechanistic models.", span)


def test_a_value_joining_letters_and_digits_must_be_in_the_span() -> None:
    span = ["The network learns to compute planar convex hulls from examples alone."]
    assert not check_claim("The network learns to compute 3D convex hulls from examples alone.", span).supported
    assert check_claim("The network learns to compute planar convex hulls from examples alone.", span).supported


def test_a_compound_term_taken_from_the_question_that_the_span_lacks_is_rejected() -> None:
    from assistant.verify import ClaimContext, check_claim

    span = ["We run the two kernels on a superconducting processor with controllable entanglement."]
    ctx = ClaimContext(question="What did the kernel paper run on its trapped-ion processor?", title="Quantum kernels")
    wrong = check_claim("The paper ran controllable entanglement on its trapped-ion processor.", span, ctx)
    assert not wrong.supported and "trapped-ion" in wrong.reason
    assert check_claim(
        "It ran the kernels on a superconducting processor with controllable entanglement.", span, ctx
    ).supported
