"""The answer pipeline with the scripted fake model: metadata answers, attribution, dropping unsupported sentences,
abstention, filters, streaming order, multi-turn follow-ups and bad input."""

from __future__ import annotations

import json

import pytest

from assistant.answer import ABSTAIN_TEXT
from assistant.cli import main
from assistant.errors import AssistantError
from assistant.llm import ScriptedChatModel

NEURON = "What does the neuron do? A new model for neuroscience and AI"
YUE_LU = "Asymptotic theory of in-context learning by linear attention"


def test_day_and_time_question_answered_from_records(fake_assistant):
    a = fake_assistant()
    ans = a.ask("Who talks at 4:20 pm on Wednesday?")
    assert not ans.abstained and ans.route == "record:who"
    assert "Mitya Chklovskii" in ans.text and "[1]" in ans.text
    c = ans.citations[0]
    assert (c.marker, c.title, c.kind, c.speaker, c.day, c.time) == (
        1,
        NEURON,
        "talk",
        "Mitya Chklovskii",
        "Wednesday",
        "4:20 pm",
    )
    assert c.affiliation == "Flatiron Institute/NYU Medical Center" and c.source.startswith("003_")
    assert a.chat_model.calls == []  # no model call for a metadata question


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many authors does Pointer Networks have?", "3 authors"),
        ("When was Pointer Networks published?", "Jun 9, 2015"),
        ("Which speakers are from EPFL?", "Freya Behrens"),
        ("What is Yue M. Lu's affiliation?", "Harvard University"),
        ("Who presents the tutorial Unlearning Data at Scale?", "Vinith Suriyakumar, Gautam Kamath and Ashia Wilson"),
        ("When is Steven Brunton's talk?", "Wednesday 2 October 2024 at 9:20 am"),
    ],
)
def test_metadata_answers_are_exact(fake_assistant, question, expected):
    ans = fake_assistant().ask(question)
    assert expected in ans.text and ans.citations and not ans.abstained


def test_missing_metadata_field_abstains(fake_assistant):
    ans = fake_assistant().ask(
        "How many authors does Dr. Kernel: Reinforcement Learning Done Right for Triton Kernel Generations have?"
    )
    assert ans.abstained and ans.text == ABSTAIN_TEXT and ans.citations == []


def test_supported_sentences_cited_unsupported_dropped(fake_assistant):
    reply = (
        "It proves that bananas are purple. "
        "The talk studies in-context learning of a linear regression task by linear attention. "
        "The analysis characterizes the spectral properties of a sample covariance matrix."
    )
    a = fake_assistant([reply])
    ans = a.ask("What does Yue M. Lu's talk on linear attention study, and what does it characterize?")
    assert ans.route == "generated" and not ans.abstained
    assert "bananas" not in ans.text and ans.dropped == ["It proves that bananas are purple."]
    assert ans.text.count("[1]") == 2 and ans.citations[0].title == YUE_LU
    entry_text = " ".join(a.corpus.entries[ans.citations[0].entry_id].text.split())
    assert ans.citations[0].quote and ans.citations[0].quote in entry_text
    assert [s.spans[0].quote in entry_text for s in ans.sentences] == [True, True]


def test_swapped_number_is_not_supported(fake_assistant):
    a = fake_assistant(["Mixed precision training of convolutional neural networks had 71 authors."])
    ans = a.ask("Tell me about mixed precision training of convolutional networks using integer operations")
    assert "71" not in ans.text and ans.dropped == [
        "Mixed precision training of convolutional neural networks had 71 authors."
    ]
    assert ans.route in ("quoted", "abstained:nothing verified")


def test_model_saying_it_does_not_know_means_abstention(fake_assistant):
    ans = fake_assistant(["I don't know."]).ask("What learning-rate schedule does the Qwen3 report use?")
    assert ans.abstained and ans.text == ABSTAIN_TEXT and ans.citations == []


def test_nothing_relevant_abstains_without_calling_the_model(fake_assistant):
    a = fake_assistant(["Anything."], min_relevance=0.99)
    ans = a.ask("What is the registration fee?")
    assert ans.abstained and ans.route.startswith("abstained:no relevant") and a.chat_model.calls == []


def test_prompt_is_small_and_has_a_fixed_system_prefix(fake_assistant):
    a = fake_assistant(["I don't know."])
    a.ask("What does the spectral filtering tutorial cover?")
    a.ask("Which paper studies grokking with mechanistic interpretability?")
    first, second = a.chat_model.calls
    assert first[0] == second[0] and first[0]["role"] == "system"
    assert len(first[1]["content"].split()) < 400
    assert "[1]" in first[1]["content"] and "Question: What does the spectral" in first[1]["content"]


def test_filters_restrict_and_unknown_values_are_named(fake_assistant):
    a = fake_assistant()
    assert {p.kind for p in a.retrieve("theorem proving", k=5, kind="tutorial")} == {"tutorial"}
    assert {p.entry.day for p in a.retrieve("learning", k=5, day="Thursday")} == {"Thursday"}
    src = "000_fd45bc4d7915428a.txt"
    assert {p.source for p in a.retrieve("proofs", k=5, source=src)} == {src}
    with pytest.raises(AssistantError, match="unknown kind 'poster'.*paper, talk, tutorial"):
        a.retrieve("x", kind="poster")
    with pytest.raises(AssistantError, match="unknown source 'nope.txt'"):
        a.ask("x", source="nope.txt")
    with pytest.raises(AssistantError, match="unknown speaker"):
        a.retrieve("x", speaker="Nobody Here")


def test_stream_yields_verified_text_then_final(fake_assistant):
    reply = (
        "The talk studies in-context learning of a linear regression task by linear attention. "
        "It characterizes the spectral properties of a sample covariance matrix."
    )
    question = "What does Yue M. Lu's talk on linear attention study, and what does it characterize?"
    events = list(fake_assistant([reply]).ask_stream(question))
    kinds = [e.kind for e in events]
    assert kinds[0] == "evidence" and events[0].passages and kinds[-1] == "final"
    assert set(kinds[1:-1]) == {"text"} and len(kinds) >= 4
    assert "".join(e.text for e in events[1:-1]) == events[-1].answer.text


def test_follow_up_resolves_that_day(fake_assistant):
    a = fake_assistant()
    first = a.ask("Who talks at 4:20 pm on Wednesday?")
    history = [
        {"role": "user", "content": "Who talks at 4:20 pm on Wednesday?"},
        {"role": "assistant", "content": first.text},
    ]
    ans = a.chat(history, "And who else spoke that day?")
    speakers = {c.speaker for c in ans.citations}
    assert "Mitya Chklovskii" not in speakers
    assert {"Steven Brunton", "Maarten de Hoop", "Paul Johnson"} <= speakers
    assert {c.day for c in ans.citations} == {"Wednesday"}


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 1001])
def test_bad_questions_are_refused_clearly(fake_assistant, question):
    with pytest.raises(AssistantError, match="empty|limit is 1000"):
        fake_assistant().ask(question)


def test_model_failure_becomes_a_clear_error(fake_assistant):
    a = fake_assistant(ScriptedChatModel(error="server exploded"))
    with pytest.raises(AssistantError, match="language model failed.*server exploded"):
        a.ask("What does the spectral filtering tutorial cover?")


def test_answer_to_dict_is_json(fake_assistant):
    ans = fake_assistant().ask("Who talks at 4:20 pm on Wednesday?")
    data = json.loads(json.dumps(ans.to_dict()))
    assert data["citations"][0]["title"] == NEURON and data["abstained"] is False


def test_cli_errors_are_one_line_and_non_zero(capsys, real_index):
    args = ["--data-dir", str(real_index.index.data_dir), "--backend", "fake"]
    assert main(["ask", "   ", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the question is empty") and "Traceback" not in err
    assert (
        main(
            [
                "retrieve",
                "proofs",
                "--kind",
                "tutorial",
                "--source",
                "nope.txt",
                "--data-dir",
                str(real_index.index.data_dir),
            ]
        )
        == 1
    )
    assert "unknown source 'nope.txt'" in capsys.readouterr().err


def test_cli_unreachable_endpoint_fails_fast(capsys, real_index, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM__BACKEND", "openai")
    monkeypatch.setenv("ASSISTANT_LLM__BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ASSISTANT_LLM__TIMEOUT_S", "5")
    assert (
        main(
            [
                "ask",
                "What does the spectral filtering tutorial cover?",
                "--data-dir",
                str(real_index.index.data_dir),
                "--k",
                "3",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "127.0.0.1:9" in err and "Traceback" not in err


def test_index_built_with_another_embedder_is_refused(hashing_index, minilm):
    from assistant.api import Assistant
    from assistant.errors import IndexMissingError

    with pytest.raises(IndexMissingError, match="was built with embedder 'hashing:256'.*assistant index"):
        Assistant(hashing_index, chat_model=ScriptedChatModel(["x"]), embedder=minilm, sync_index=False)


def test_follow_up_about_it_uses_the_previous_entry(fake_assistant):
    a = fake_assistant()
    history = [("How many authors does Pointer Networks have?", "“Pointer Networks” has 3 authors [1].")]
    ans = a.chat(history, "When was it published?")
    assert "Jun 9, 2015" in ans.text and ans.citations[0].title == "Pointer Networks"


def test_new_question_is_not_mistaken_for_a_follow_up(fake_assistant):
    a = fake_assistant()
    history = [("How many authors does Pointer Networks have?", "“Pointer Networks” has 3 authors [1].")]
    ans = a.chat(history, "Who talks at 4:20 pm on Wednesday?")
    assert [c.speaker for c in ans.citations] == ["Mitya Chklovskii"]
