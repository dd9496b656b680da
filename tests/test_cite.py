"""Citation verification rules, on hand-made sentences and passages."""

from __future__ import annotations

from assistant.cite import attribute, best_quote, select_sentences, split_sentences, strip_markers, support_score

PASSAGE = (
    "“Denotational validation of higher-order Bayesian inference” (paper). Authors: 10. "
    "We present a modular semantic account of Bayesian inference algorithms for probabilistic programming "
    "languages, as used in data science and machine learning."
)


def test_supported_sentence_scores_high_and_unrelated_low():
    assert support_score("It gives a modular semantic account of Bayesian inference algorithms.", PASSAGE) >= 0.8
    assert support_score("It trains vision transformers on satellite images.", PASSAGE) < 0.3


def test_numbers_must_appear_in_digits_or_words():
    assert support_score("The paper has 10 authors.", PASSAGE) > 0.6
    assert support_score("The paper has 12 authors.", PASSAGE) == 0.0
    assert support_score("The paper has two authors.", PASSAGE) == 0.0  # "two" is 2, not 10


def test_a_name_the_passage_never_mentions_sinks_the_sentence():
    talk = "“Learning earthquake displacement” (talk). Speaker: Paul Johnson (Los Alamos National Laboratory)."
    assert support_score("The talk by Paul Johnson is about learning earthquake displacement.", talk) == 1.0
    assert support_score("The talk by Yann LeCun is about learning earthquake displacement.", talk) == 0.0


def test_restating_the_question_counts_only_when_the_source_is_named():
    question = "Is there a paper on modular accounts of inference for probabilistic pipelines in data science?"
    title = "Denotational validation of higher-order Bayesian inference"
    named = "“Denotational validation of higher-order Bayesian inference” presents probabilistic pipelines."
    unnamed = "Yes, there is work on modular accounts of inference for probabilistic pipelines in data science."
    assert support_score(named, PASSAGE, question, title) == 1.0
    assert support_score(named, PASSAGE) < 1.0
    assert support_score(unnamed, PASSAGE, question, title) == support_score(unnamed, PASSAGE) < 0.7


def test_attribute_picks_the_supporting_passage():
    other = "“Pointer Networks” (paper). We introduce a new neural architecture to learn output sequences."
    att = attribute("It presents a modular semantic account of Bayesian inference.", [other, PASSAGE])
    assert att.supporters == [1]
    assert attribute("Bananas are purple.", [other, PASSAGE]).supporters == []


def test_markers_sentences_quotes_and_selection():
    assert strip_markers("Text [1] more [2, 3].") == "Text more."
    assert split_sentences("One. Two? Three!") == ["One.", "Two?", "Three!"]
    assert best_quote("Bayesian inference algorithms", PASSAGE).startswith("We present a modular")
    long = " ".join(f"Sentence {i} is about topic{i}." for i in range(40)) + " The answer mentions quokkas."
    picked = select_sentences("what about quokkas?", long, max_words=12)
    assert "quokkas" in picked and len(picked.split()) <= 14


def test_a_comparison_sentence_is_supported_by_two_passages_together():
    kempe = "“Synthetic Data – Friend or Foe?” (talk). Speaker: Julia Kempe. Synthetic data and model collapse."
    pehlevan = "“How Feature Learning Can Improve Neural Scaling Laws?” (talk). Speaker: Cengiz Pehlevan."
    sentence = "Julia Kempe's talk covers synthetic data, while Cengiz Pehlevan's talk covers feature learning."
    people = [["Julia Kempe"], ["Cengiz Pehlevan"], []]
    titles = ["Synthetic Data – Friend or Foe?", "How Feature Learning Can Improve Neural Scaling Laws?", ""]
    att = attribute(sentence, [kempe, pehlevan, PASSAGE], titles=titles, people=people)
    assert sorted(att.supporters) == [0, 1]
    # without naming both entries, words borrowed from a second passage do not count
    assert (
        attribute(
            "The talk covers synthetic data and feature learning.",
            [kempe, pehlevan, PASSAGE],
            titles=titles,
            people=people,
        ).supporters
        == []
    )
    assert (
        attribute(
            "Julia Kempe's talk covers quantum chess, while Cengiz Pehlevan's covers origami.",
            [kempe, pehlevan],
            titles=titles[:2],
            people=people[:2],
        ).supporters
        == []
    )
