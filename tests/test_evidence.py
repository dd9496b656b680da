"""Evidence sentences and spans, and the sentence vectors kept per entry content (persisted, re-embedded on edit)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant.evidence import SentenceScorer, entry_sentences, windows
from index.embed import HashingEmbedder
from index.entries import Entry


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the texts it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return super().embed(texts)


def _entry(text: str, eid: str = "e1") -> Entry:
    return Entry(id=eid, kind="tutorial", title="Lean proofs", text=text)


def test_sentences_drop_markup_chrome_and_repeats() -> None:
    bullet = "- **Kan Extension** (KET), unifies attention."
    text = f"{bullet}\nShow more\n{bullet}\nIt ends."
    assert entry_sentences(_entry(text)) == ["Kan Extension (KET), unifies attention.", "It ends."]


def test_windows_are_one_to_three_consecutive_sentences() -> None:
    spans = windows("e", ["a", "b", "c", "d"])
    assert [s.sentences for s in spans][:4] == [("a",), ("b",), ("c",), ("d",)]
    assert ("b", "c", "d") in [s.sentences for s in spans] and max(len(s.sentences) for s in spans) == 3


def test_vectors_are_persisted_and_reembedded_only_when_an_entry_changes(tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    first = CountingEmbedder()
    entries = [_entry("Lean has Mathlib. It checks proofs."), _entry("Other text.", "e2")]
    SentenceScorer(first, path).warm(entries)
    assert first.embedded == 5 and path.exists()  # two titles and three sentences

    again = CountingEmbedder()
    scorer = SentenceScorer(again, path)
    scorer.warm(entries)
    assert again.embedded == 0
    scorer.warm([_entry("Lean has Mathlib. It checks proofs. New sentence."), entries[1]])
    assert again.embedded == 4


def test_best_span_is_about_the_question() -> None:
    scorer = SentenceScorer(HashingEmbedder())
    entry = _entry("The tutorial has three parts. Lean uses the Mathlib library. Proofs are checked by machine.")
    evidence = scorer.score("Which library does Lean use?", ("librari", "lean"), [entry])[0]
    assert evidence.best_span().sentences[0] == "Lean uses the Mathlib library."


def test_nearly_as_relevant_sentences_are_candidates_best_first() -> None:
    from assistant.evidence import EntryEvidence

    entry = Entry(id="e", kind="paper", title="T", text="A one. B two. C three.")
    ev = EntryEvidence(entry, ["A one.", "B two.", "C three."], [0.5, 1.0, 0.85], 0)
    assert [s.start for s in ev.top_spans(0.8)] == [1, 2]
