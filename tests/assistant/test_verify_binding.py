"""Binding checks on hand-made cases: for each kind of error a careful reader found in shown answers, a sentence
that makes it is rejected and a faithful rewording of the same span is accepted."""

from __future__ import annotations

import pytest

from assistant.verify import ClaimContext, check_claim
from assistant.verify_binding import (
    attribution_invented,
    completes_truncation,
    hedge_dropped,
    pairs_crossed,
    pole_flipped,
    qualifier_moved,
    relation_upgraded,
    roles_exchanged,
)

REGIMES = [
    "In the low noise regime, the estimator converges quickly, whereas in the high noise regime it stalls near "
    "a biased fixed point."
]
USED = ["A small ranking network is used to compress the retrieval index of the larger model."]
ALIGNS = ["The learned features align with the human similarity judgements on both benchmarks."]
TRUNCATED = ["The authors argue that this common view of proofs relies on an under-examined notion ..."]
PARALLEL = [
    "Dense attention scales quadratically in the sequence length, while the sliding-window variant scales "
    "linearly in the sequence length."
]
HARD = ["Learning from the higher-order statistics of the inputs is a computationally hard problem for shallow models."]


NO_CONTEXT = ClaimContext()


def _ok(claim: str, span: list[str], ctx: ClaimContext = NO_CONTEXT) -> bool:
    return check_claim(claim, span, ctx).supported


@pytest.mark.parametrize(
    ("claim", "span", "ctx", "kind"),
    [
        (
            "In the low noise regime, the estimator stalls near a biased fixed point.",
            REGIMES,
            ClaimContext(),
            "qualifier moved",
        ),
        (
            "The larger model compresses the retrieval index of the small ranking network.",
            USED,
            ClaimContext(),
            "roles exchanged",
        ),
        (
            "The learned features are equivalent to the human similarity judgements on both benchmarks.",
            ALIGNS,
            ClaimContext(),
            "relation upgraded",
        ),
        (
            "The authors argue that this common view of proofs relies on an under-examined notion of formal "
            "derivation.",
            TRUNCATED,
            ClaimContext(),
            "truncated abstract completed",
        ),
        (
            "Dense attention scales linearly in the sequence length, while the sliding-window variant scales "
            "quadratically.",
            PARALLEL,
            ClaimContext(),
            "fillers of parallel clauses exchanged",
        ),
        (
            "Learning from the higher-order statistics of the inputs is a computationally easy problem.",
            HARD,
            ClaimContext(),
            "qualifier turned into its opposite",
        ),
        (
            "Sparse Retrieval Networks by Ranker compresses the retrieval index.",
            USED,
            ClaimContext(title="Sparse Retrieval Networks", people=("Ada Lovelace",)),
            "attribution invented",
        ),
    ],
)
def test_an_error_of_each_kind_is_rejected(claim: str, span: list[str], ctx: ClaimContext, kind: str) -> None:
    verdict = check_claim(claim, span, ctx)
    assert not verdict.supported, kind
    assert verdict.reason


@pytest.mark.parametrize(
    ("claim", "span", "ctx", "kind"),
    [
        (
            "Under low noise the estimator converges quickly; under high noise it stalls near a biased fixed point.",
            REGIMES,
            ClaimContext(),
            "qualifiers kept with their results",
        ),
        (
            "The retrieval index of the larger model is compressed using a small ranking network.",
            USED,
            ClaimContext(),
            "agent and object kept (passive)",
        ),
        (
            "On both benchmarks, the learned features align with human similarity judgements.",
            ALIGNS,
            ClaimContext(),
            "relation kept",
        ),
        (
            "The authors argue that the common view of proofs relies on an under-examined notion.",
            TRUNCATED,
            ClaimContext(),
            "truncated abstract not completed",
        ),
        (
            "The sliding-window variant scales linearly in the sequence length, whereas dense attention scales "
            "quadratically.",
            PARALLEL,
            ClaimContext(),
            "parallel clauses kept",
        ),
        (
            "For shallow models, learning from higher-order input statistics is computationally hard.",
            HARD,
            ClaimContext(),
            "qualifier kept",
        ),
        (
            "In Sparse Retrieval Networks by Ada Lovelace, a small ranking network compresses the retrieval index.",
            USED,
            ClaimContext(title="Sparse Retrieval Networks", people=("Ada Lovelace",)),
            "attribution true",
        ),
    ],
)
def test_a_faithful_rewording_of_each_kind_is_accepted(
    claim: str, span: list[str], ctx: ClaimContext, kind: str
) -> None:
    verdict = check_claim(claim, span, ctx)
    assert verdict.supported, f"{kind}: {verdict.reason}"


def test_each_check_names_its_own_error() -> None:
    assert qualifier_moved("In the high noise regime, the estimator converges quickly.", REGIMES)
    assert roles_exchanged("The larger model compresses the retrieval index of the small ranking network.", USED)
    assert relation_upgraded("The features are equivalent to the judgements.", ALIGNS[0])
    assert completes_truncation("It relies on an under-examined notion of derivation.", TRUNCATED)
    assert pairs_crossed(
        "Dense attention scales linearly, while the sliding-window variant scales quadratically.", PARALLEL
    )
    assert pole_flipped("It is an easy problem.", HARD[0])
    assert attribution_invented("The paper by Turing compresses indexes.", USED[0], "Index Compression", ("Ada Byron",))


def test_a_system_named_in_the_title_is_not_an_author() -> None:
    span = "We present Ranker, a network that compresses retrieval indexes. Joint work with Grace Hopper."
    title = "Ranker: Compressing Indexes"
    assert attribution_invented("Ranker: Compressing Indexes by Ranker shrinks indexes.", span, title, ())
    assert attribution_invented("The paper from Hopper's group compresses indexes.", span, "Ranker", ("Ada Byron",))
    assert not attribution_invented("The work by Grace Hopper compresses indexes.", span, "Ranker", ())


def test_a_span_that_only_asks_supports_no_finding() -> None:
    span = ["Will future models trained on synthetic data degrade until they collapse entirely?"]
    assert not _ok("Future models trained on synthetic data degrade until they collapse.", span)
    assert _ok("The speaker asks whether future models trained on synthetic data degrade until they collapse.", span)


def test_a_hedged_finding_is_not_stated_as_proven() -> None:
    span = ["Our results suggest that wider networks generalise better on small tabular datasets."]
    assert not _ok("The results prove that wider networks generalise better on small tabular datasets.", span)
    assert _ok("The results suggest wider networks generalise better on small tabular datasets.", span)


def test_steps_told_in_the_other_order_are_rejected() -> None:
    span = [
        "The pipeline first clusters the samples by their training loss.",
        "It then prunes redundant samples at random within each cluster.",
    ]
    assert not _ok(
        "The pipeline prunes redundant samples at random and then clusters the samples by training loss.", span
    )
    assert _ok("The pipeline clusters the samples by training loss and then prunes redundant samples at random.", span)


def test_a_finding_the_span_only_hedges_is_not_stated_plainly() -> None:
    span = ["These sparse solvers could pave the way for real-time weather emulation on laptops."]
    assert hedge_dropped("Sparse solvers enable real-time weather emulation on laptops.", span)
    assert hedge_dropped("Sparse solvers could enable real-time weather emulation on laptops.", span) is None
    plain = ["These sparse solvers run real-time weather emulation on laptops."]
    assert hedge_dropped("Sparse solvers run real-time weather emulation on laptops.", plain) is None
