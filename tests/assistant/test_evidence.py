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


def test_index_warm_embeds_only_new_entries_and_matches_the_scorers_keys(tmp_path: Path) -> None:
    import shutil

    from assistant.evidence import vectors_path, warm_index_evidence
    from assistant.evidence_store import VectorFiles
    from index.build import build_index
    from index.manifest import read_manifest
    from index.store import ChromaChunkStore
    from tests.helpers import SEEDS, make_settings

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    daily = "002_5ebcb6642b623e7b.txt"
    shutil.copyfile(SEEDS / daily, seeds / daily)
    s = make_settings(tmp_path / "data", seeds).index
    embedder = CountingEmbedder()
    build_index(s, HashingEmbedder(), ChromaChunkStore(s), show_progress=False)
    total = warm_index_evidence(s.data_dir, s.index_dir, embedder)
    manifest = read_manifest(s.index_dir)
    assert manifest is not None and total == len(manifest["entries"]) and embedder.embedded > 0
    entries = [Entry.model_validate(e) for e in manifest["entries"]]
    scorer = SentenceScorer(embedder, persist_path=vectors_path(s.data_dir, embedder.model_id))
    before = embedder.embedded
    scorer.warm(entries)  # the scorer's keys are the manifest's hashes: nothing left to embed
    assert embedder.embedded == before
    (seeds / daily).write_text(
        (seeds / daily).read_text() + "\nA Freshly Added Paper\n\nOne more abstract.\n\n  • 3 authors\n·\nMar 3, 2025\n"
    )
    report = build_index(s, HashingEmbedder(), ChromaChunkStore(s), show_progress=False)
    assert len(report.records) == len(manifest["entries"]) + 1  # the build hands over what it published
    warm_index_evidence(s.data_dir, s.index_dir, embedder, report.records)
    assert embedder.embedded == before + 2  # the new paper's title and its one sentence
    assert len(VectorFiles(vectors_path(s.data_dir, embedder.model_id)).segments()) == 1
    # another embedder's vectors live apart: it finds none of these and embeds every entry itself
    other = HashingEmbedder(dim=64)
    assert vectors_path(s.data_dir, other.model_id) != vectors_path(s.data_dir, embedder.model_id)
    assert not VectorFiles(vectors_path(s.data_dir, other.model_id)).exists()
