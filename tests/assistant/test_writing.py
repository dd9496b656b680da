"""The model step's helpers: sentences cut from a stream, sources for the prompt, and when a span answers."""

from __future__ import annotations

from assistant.intent import read_intent
from assistant.writing import stream_sentences
from index.entries import Entry
from tests.helpers.entries import SUPERCOMPUTERS

ENTRY = SUPERCOMPUTERS


def test_streamed_text_is_cut_into_sentences_but_not_after_abbreviations() -> None:
    pieces = iter(["The Dr. Kernel paper", " proposes KernelGYM. It ", "works, e.g. on ", "Triton. Done."])
    assert list(stream_sentences(pieces)) == [
        "The Dr. Kernel paper proposes KernelGYM.",
        "It works, e.g. on Triton.",
        "Done.",
    ]


class _CountingModel:
    """A scripted model that counts the reply pieces the writer actually read."""

    def __init__(self, reply: str) -> None:
        from assistant.llm.fake import ScriptedChatModel

        self.inner = ScriptedChatModel(reply)
        self.name = "counting"
        self.read = 0

    def stream(self, messages, *, max_tokens: int, temperature: float = 0.0):  # type: ignore[no-untyped-def]
        for piece in self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature):
            self.read += 1
            yield piece


def _writer(model: object):  # type: ignore[no-untyped-def]
    from assistant.evidence import SentenceScorer
    from assistant.prompts import PromptSet
    from assistant.writing import GroundedWriter
    from index.embed import HashingEmbedder

    return GroundedWriter(chat_model=model, prompts=PromptSet("v2"), scorer=SentenceScorer(HashingEmbedder()))  # type: ignore[arg-type]


def test_the_model_is_stopped_after_two_unsupported_sentences_in_a_row() -> None:
    from assistant.cite import Citer
    from assistant.llm.fake import split_pieces
    from assistant.writing import Draft

    question = "What does the paper on AI supercomputers find about power?"
    reply = (
        "Bananas grow on trees in the tropics. Quantum cats sing loudly at night. "
        "Power requirements doubled every year."
    )
    model = _CountingModel(reply)
    writer = _writer(model)
    intent = read_intent(question)
    evidence = writer.evidence(question, intent, [ENTRY])
    draft = Draft()
    said = list(writer.write(question, intent, evidence, Citer(), draft, confident=False))
    assert said == []  # the third, supported sentence was never read: the model was stopped before it
    assert model.read < len(split_pieces(reply))
    assert draft.dropped == ["Bananas grow on trees in the tropics.", "Quantum cats sing loudly at night."]


def test_asked_which_things_a_verified_sentence_naming_none_gives_way_to_a_span_that_names_them() -> None:
    from assistant.cite import Citer
    from assistant.writing import Draft

    entry = Entry(
        id="g",
        kind="paper",
        title="Maths Skills of Chat Models",
        text="We test chat models on graduate mathematics. "
        "We release a new dataset, called GRADMATH, of hard problems.",
    )
    question = "What dataset do the maths skills of chat models authors release?"
    writer = _writer(_CountingModel("The authors release a new dataset of hard problems."))
    intent = read_intent(question)
    evidence = writer.evidence(question, intent, [entry])
    said = list(writer.write(question, intent, evidence, Citer(), Draft(), confident=True))
    assert len(said) == 1 and "GRADMATH" in said[0].text
