"""Typo tolerance for retrieval: question words that are not in the corpus vocabulary are replaced by the closest
vocabulary word (Damerau-Levenshtein distance via rapidfuzz; ties go to the word the corpus has beside the
neighbouring words, then to the more frequent word).

Conservative on purpose: only letter words of five or more letters are touched, never a stop word, never one whose
stem the corpus knows unless by a spelling of the same word family ("teaches" stays when the corpus has
"teaching"), and only within one edit (two for words of eight letters or more).
``ENABLED = False`` switches it off (the typo benchmark compares both)."""

from __future__ import annotations

import functools
import itertools
import re
import threading
import weakref
from collections import Counter
from collections.abc import Iterable
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from index.collector import collector_paused
from index.embed import packaged_minilm_path
from index.text import CORPUS_WORDS, KIND_WORDS, MONTHS, STOP_WORDS, WEEKDAYS, fold, stems, words

ENABLED = True
MIN_LENGTH = 5
# A whole word of letters: a run glued to digits, underscores or hyphens ("Llama2", "gpt-4o") is a name, left as is.
_LETTERS = re.compile(r"(?<![\w-])[^\W\d_]+(?:['’][^\W\d_]+)?(?![\w-])")
_EXTRA_WORDS = (
    "who what which when where why how many much does did talk talks speak speaks speaker gives give given "
    "present presents presented presenter teach teaches taught explain explains describe describes about between "
    "compare compared propose proposes proposed introduce introduces paper papers author authors published day "
    "time morning afternoon evening session tutorial tutorials affiliation university institute gave spoke "
    "spoken wrote written write writes named called titled listed mention mentions mentioned"
)


class Speller:
    """Corrects words against one vocabulary (folded words with their counts, and which words follow which)."""

    def __init__(
        self, counts: Counter[str], pairs: Counter[tuple[str, str]] | None = None, english: frozenset[str] = frozenset()
    ) -> None:
        self.counts = counts
        self.pairs = pairs or Counter()
        self.english = english
        """Words of the language that are never corrected, whatever the corpus lacks ("catch", "course")."""
        self.vocabulary = [w for w in counts if len(w) >= MIN_LENGTH - 1]
        self.stems = set(stems(list(counts)))

    @classmethod
    def from_texts(cls, texts: Iterable[str], english: frozenset[str] = frozenset()) -> Speller:
        """A speller whose vocabulary is every word of ``texts`` plus common question words; ``english`` words are
        left as they are."""
        counts: Counter[str] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        with collector_paused():  # millions of words at 100x the seed corpus (see index.collector)
            for text in texts:
                tokens = words(text)
                counts.update(tokens)
                pairs.update(itertools.pairwise(tokens))
        extra = [*STOP_WORDS, *CORPUS_WORDS, *KIND_WORDS, *_EXTRA_WORDS.split()]
        extra += [m.lower() for m in MONTHS] + [d.lower() for d in WEEKDAYS]
        counts.update({w: 1 for w in extra if w not in counts})
        return cls(counts, pairs, english)

    def candidates(self, word: str) -> list[tuple[str, int]]:
        """Vocabulary words that may replace ``word`` (folded) with their edit distance; [] to keep it."""
        folded = fold(word)
        if len(folded) < MIN_LENGTH or not folded.isalpha() or folded in self.counts or folded in STOP_WORDS:
            return []
        if folded in self.english:
            return []
        stem = stems([folded])[0]
        limit = 2 if len(folded) >= 8 else 1
        found = process.extract(
            folded, self.vocabulary, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=20
        )
        if stem in self.stems:  # a known word family ("teaches"): only a spelling of the same family may replace it
            found = [m for m in found if stems([m[0]])[0] == stem]
        return [(str(m[0]), int(m[1])) for m in found]

    def suggest(self, word: str, before: str = "", after: Iterable[str] = ()) -> str | None:
        """The vocabulary word to use instead of ``word``, or None to keep it. Fewest edits wins; then the word
        that the corpus has next to its neighbours ("pointr networks" is "pointer networks", not "point"); then
        the more frequent word."""
        found = self.candidates(word)
        if not found:
            return None
        after = list(after)

        def key(item: tuple[str, int]) -> tuple[int, int, int, str]:
            cand, distance = item
            context = self.pairs[(before, cand)] + max((self.pairs[(cand, a)] for a in after), default=0)
            return distance, -context, -self.counts[cand], cand

        return min(found, key=key)[0]

    def correct(self, text: str) -> str:
        """``text`` with misspelled words replaced (a capitalised word keeps its capital)."""
        matches = list(_LETTERS.finditer(text))
        folded = [fold(m.group(0)) for m in matches]
        chosen: list[str] = []
        out, last = [], 0
        for i, m in enumerate(matches):
            before = chosen[-1] if chosen else ""
            after: list[str] = []
            if i + 1 < len(matches):
                after = [folded[i + 1], *(c for c, _ in self.candidates(folded[i + 1]))]
            better = self.suggest(m.group(0), before, after)
            chosen.append(better or folded[i])
            out.append(text[last : m.start()])
            if better is None:
                out.append(m.group(0))
            else:
                out.append(better[:1].upper() + better[1:] if m.group(0)[:1].isupper() else better)
            last = m.end()
        out.append(text[last:])
        return "".join(out)


_cache: weakref.WeakKeyDictionary[Any, tuple[int, Speller]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def speller_for(corpus: Any) -> Speller:
    """The speller of an ``IndexedCorpus`` (built once from its entries, rebuilt if the entries change)."""
    entries = corpus.entries
    with _lock:
        cached = _cache.get(corpus)
        if cached is not None and cached[0] == id(entries):
            return cached[1]
    texts: list[str] = []
    for e in entries.values():
        texts += [e.title, e.text, " ".join(e.people), e.affiliation or "", e.event or "", e.location or ""]
        texts.append(e.collection)
    speller = Speller.from_texts(texts, english_words())
    with _lock:
        _cache[corpus] = (id(entries), speller)
    return speller


@functools.cache
def english_words() -> frozenset[str]:
    """Whole words of letters in the packaged MiniLM's WordPiece vocabulary (about 20,000 common English words):
    a question word found there is a word, not a typo, even when the corpus never uses it. Empty if the model
    package has no vocabulary file."""
    path = packaged_minilm_path() / "vocab.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(w for w in lines if len(w) >= MIN_LENGTH and w.isalpha() and w.islower())


def correct_query(query: str, corpus: Any) -> str:
    """The query with words outside the corpus vocabulary corrected (unchanged when ``ENABLED`` is False)."""
    if not ENABLED or not query:
        return query
    return speller_for(corpus).correct(query)
