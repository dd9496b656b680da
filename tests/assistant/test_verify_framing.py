"""Sentences that announce without saying, and list items that do not meet their list's condition."""

from __future__ import annotations

from assistant.verify import ClaimContext, check_claim
from assistant.verify_framing import announces_only, meets_condition
from index.text import content_words

SPAN = [
    "The method was evaluated on two tasks that differ in domain and objective: protein folding and machine "
    "translation."
]
CTX = ClaimContext(title="A Universal Sequence Learner")


def test_a_framing_sentence_is_not_an_answer() -> None:
    given = set(content_words(CTX.title))
    assert announces_only("The method was evaluated on two tasks that differ in domain and objective.", given)
    assert announces_only("This paper presents several contributions.", given)
    verdict = check_claim("The method was evaluated on two tasks that differ in domain and objective.", SPAN, CTX)
    assert not verdict.supported and "announces" in verdict.reason


def test_a_sentence_naming_the_members_is_an_answer() -> None:
    assert not announces_only("The method was evaluated on two tasks: protein folding and machine translation.")
    assert check_claim("The method was evaluated on protein folding and machine translation.", SPAN, CTX).supported


def test_a_list_item_must_meet_the_condition() -> None:
    assert meets_condition("A talk on reinforcement-learning agents for robot control.", "reinforcement learning")
    assert not meets_condition("A talk on supervised learning for image labels.", "reinforcement learning")
    assert meets_condition("Anything at all.", "several talks")


def test_a_count_of_a_class_and_the_items_that_follow_it_are_told_apart() -> None:
    from assistant.verify_framing import counts_a_class, enumerates

    assert counts_a_class("We test the router on three benchmarks that differ in scale.")
    assert not counts_a_class("We test the router on Metroville and Harborline.")
    assert enumerates("First, we route city traffic.") and enumerates("(ii) a harbour map.")
    assert not enumerates("Firstborn models are rare.")
