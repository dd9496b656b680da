"""Citation attribution and verification: each answer sentence is matched to the passages that support it.

The model's own [n] markers are unreliable, so they are removed and markers are assigned here. A sentence is
supported by a passage when most of its content words (stemmed) occur in the passage and every number it states
occurs there too (a swapped number is the commonest small-model error)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "it's",
        "they",
        "them",
        "their",
        "there",
        "here",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "why",
        "how",
        "do",
        "does",
        "did",
        "done",
        "has",
        "have",
        "had",
        "not",
        "no",
        "nor",
        "so",
        "than",
        "then",
        "too",
        "very",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "about",
        "into",
        "over",
        "under",
        "also",
        "such",
        "each",
        "both",
        "all",
        "any",
        "some",
        "more",
        "most",
        "other",
        "only",
        "own",
        "same",
        "just",
        "i",
        "you",
        "we",
        "he",
        "she",
        "his",
        "her",
        "our",
        "your",
        "my",
        "me",
        "us",
        "paper",
        "talk",
        "tutorial",
        "source",
        "sources",
        "according",
        "says",
        "say",
        "said",
    ]
)
_WORD_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_NUMBER_RE = re.compile(r"\b\d+(?:[.,]\d+)?\b")
_MARKER_RE = re.compile(r"\s*\[(?:\d+(?:\s*[,-]\s*\d+)*)\]")
SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")

SUPPORT_THRESHOLD = 0.6


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def content_words(text: str) -> list[str]:
    """Lower-cased, stemmed words that carry meaning (stop words removed)."""
    words = [w for w in _WORD_RE.findall(text.lower()) if w not in _STOP and len(w) > 1]
    return _stemmer().stemWords(words)


def strip_markers(text: str) -> str:
    """Remove any [n] markers the model wrote."""
    return _MARKER_RE.sub("", text).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer (simple punctuation rule; answers are short)."""
    return [s.strip() for s in SENTENCE_BOUNDARY.split(text.strip()) if s.strip()]


_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        (
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        )
    )
}
_NUMBER_WORD_RE = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.I)
_CAPITALISED_RE = re.compile(r"\b[A-Z][\w\-]*[A-Za-z]")


def _numbers(text: str) -> set[str]:
    """Numbers stated in digits or as words up to twenty ("two" → "2")."""
    digits = {n.replace(",", "") for n in _NUMBER_RE.findall(text)}
    return digits | {_NUMBER_WORDS[w.lower()] for w in _NUMBER_WORD_RE.findall(text)}


def _names_missing(sentence: str, passage_lower: str) -> bool:
    """True if the sentence names something (a capitalised word: a person, model, place) the passage never mentions.

    Catches answers that attach a wrong person or system to a real passage ("Yann LeCun's talk is …")."""
    for match in _CAPITALISED_RE.finditer(sentence):
        if match.start() == 0:  # sentence-initial capital: usually an ordinary word
            continue
        base = re.sub(r"['’]s$", "", match.group()).lower()
        if base in _STOP or len(base) < 2:
            continue
        if base not in passage_lower:
            return True
    return False


def support_score(sentence: str, passage: str, question: str = "", title: str = "") -> float:
    """Fraction of the sentence's content words found in the passage; 0 if it states a number or a name the passage
    lacks. When the sentence names the passage's title, words it merely repeats from the question are not counted
    against it (the model restating the question while naming the right source)."""
    words = content_words(sentence)
    if not words:
        return 0.0
    if not _numbers(sentence) <= _numbers(passage) or _names_missing(sentence, passage.lower()):
        return 0.0
    vocab = set(content_words(passage))
    title_words = set(content_words(title))
    if title_words and len(title_words & set(words)) >= max(1, int(0.6 * len(title_words))):
        asked = set(content_words(question))
        words = [w for w in words if w in vocab or w not in asked]
        if not words:
            return 0.0
    return sum(w in vocab for w in words) / len(words)


@dataclass
class Attribution:
    """A sentence and the indices (into the passages) of the passages supporting it, best first."""

    sentence: str
    supporters: list[int]
    score: float


def attribute(
    sentence: str,
    passages: Sequence[str],
    threshold: float = SUPPORT_THRESHOLD,
    *,
    question: str = "",
    titles: Sequence[str] = (),
    people: Sequence[Sequence[str]] = (),
) -> Attribution:
    """Which passages support a sentence: the best one, plus any other within 0.1 of it, if above threshold."""
    titles = list(titles) or [""] * len(passages)
    people = list(people) or [()] * len(passages)
    scores = [support_score(sentence, p, question, t) for p, t in zip(passages, titles, strict=True)]
    if not scores:
        return Attribution(sentence, [], 0.0)
    best = max(scores)
    if best < threshold:
        named = [i for i in range(len(passages)) if _names_entry(sentence, titles[i], people[i])]
        return _pair_support(sentence, passages, scores, threshold, question, named)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    return Attribution(sentence, [i for i in order if scores[i] >= max(threshold, best - 0.1)][:2], best)


def _names_entry(sentence: str, title: str, people: Sequence[str]) -> bool:
    """Whether the sentence identifies an entry: one of its people's surnames, or most of its title's words."""
    words = set(content_words(sentence))
    surnames = {content_words(p)[-1] for p in people if content_words(p)}
    title_words = set(content_words(title))
    return bool(surnames & words) or (bool(title_words) and len(title_words & words) >= 0.6 * len(title_words))


def _pair_support(
    sentence: str, passages: Sequence[str], scores: list[float], threshold: float, question: str, named: list[int]
) -> Attribution:
    """A sentence comparing two entries it names ("X does A, while Y does B") is supported by their two passages
    together. Both entries must be named, so a claim cannot borrow words from an unrelated second passage."""
    top = sorted(named, key=lambda i: -scores[i])[:3]
    best: tuple[float, list[int]] = (max(scores), [])
    for a_i, a in enumerate(top):
        for b in top[a_i + 1 :]:
            score = support_score(sentence, passages[a] + "\n" + passages[b], question)
            if score > best[0]:
                best = (score, sorted([a, b], key=lambda i: -scores[i]))
    if best[0] >= threshold and best[1]:
        return Attribution(sentence, best[1], best[0])
    return Attribution(sentence, [], best[0])


def best_quote(sentence: str, passage: str, max_chars: int = 300) -> str:
    """The passage sentence that shares the most content words with the answer sentence."""
    candidates = split_sentences(passage) or [passage]
    target = set(content_words(sentence))
    best = max(candidates, key=lambda s: len(target & set(content_words(s))))
    return best if len(best) <= max_chars else best[: max_chars - 1] + "…"


def select_sentences(question: str, text: str, max_words: int) -> str:
    """The passage sentences most related to the question, in their original order, within a word budget."""
    sentences = split_sentences(text)
    if sum(len(s.split()) for s in sentences) <= max_words:
        return text
    q = set(content_words(question))
    ranked = sorted(range(len(sentences)), key=lambda i: (-len(q & set(content_words(sentences[i]))), i))
    keep: list[int] = []
    used = 0
    for i in ranked:
        n = len(sentences[i].split())
        if used + n > max_words and keep:
            continue
        keep.append(i)
        used += n
        if used >= max_words:
            break
    return " ".join(sentences[i] for i in sorted(keep))
