"""The product's one vocabulary for text: words, stems, stop words, citation markers, numbers, months, sentences.

Parsers, retrieval, verification and the UI highlighter all use these, so "a content word" or "a number" means the
same thing everywhere. (The evaluation keeps its own deliberately independent copy in ``evals/metrics.py``.)"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

STOP_WORDS: frozenset[str] = frozenset(
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
        "according",
        "says",
        "say",
        "said",
    ]
)
"""English function words: never evidence of support, never highlighted."""

KIND_WORDS: dict[str, str] = {
    "paper": "paper",
    "papers": "paper",
    "article": "paper",
    "articles": "paper",
    "preprint": "paper",
    "preprints": "paper",
    "talk": "talk",
    "talks": "talk",
    "keynote": "talk",
    "keynotes": "talk",
    "lecture": "talk",
    "lectures": "talk",
    "speaker": "talk",
    "speakers": "talk",
    "tutorial": "tutorial",
    "tutorials": "tutorial",
}
"""Words that name a kind of entry ("which talks …" asks for talks)."""

CORPUS_WORDS: frozenset[str] = frozenset(
    [
        "paper",
        "papers",
        "talk",
        "talks",
        "tutorial",
        "tutorials",
        "source",
        "sources",
        "corpus",
        "library",
        "symposium",
        "daily",
        "page",
        "pages",
        "entry",
        "entries",
        "work",
        "works",
        "study",
        "studies",
        "article",
        "articles",
        "keynote",
        "speaker",
        "speakers",
        "presenter",
        "presenters",
        "abstract",
        "abstracts",
        "list",
        "listed",
    ]
)
"""Words that refer to the corpus itself rather than to what an entry is about."""

MONTHS: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTH_PATTERN = "|".join(MONTHS)
MONTH_ABBREVIATION_PATTERN = "|".join(m[:3] for m in MONTHS)
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

NUMBER_WORDS: dict[str, str] = {
    w: str(i)
    for i, w in enumerate(
        [
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
        ]
    )
}
NUMBER_WORDS |= {"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000"}
NUMBER_WORDS |= {"single": "1", "twice": "2", "double": "2", "triple": "3", "half": "0.5"}

WORD_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])|\d+(?:\.\d+)?(?=[x×%BMKk]\b|[x×%]|times|-fold|fold)")
_NUMBER_WORD_RE = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.I)
MARKER_RE = re.compile(r"\s*\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")
"""A citation marker such as [1], [2, 3] or [1-2], with the space before it."""

_ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Eqs|Sec|Dr|Prof|Mr|Ms|No|approx|resp|al)|\b[A-Z])\.$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(\[]?[A-Z0-9])|\n+")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lower-case, accents removed ("Stéphane" → "stephane"): the form every comparison of words uses."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def normalize_title(title: str) -> str:
    """Case-, accent-, punctuation- and whitespace-insensitive form of a title, for matching duplicates."""
    return re.sub(r"[^a-z0-9]+", " ", fold(title)).strip()


def words(text: str) -> list[str]:
    """Every word of the text, folded (lower case, no accents), in order."""
    return WORD_RE.findall(fold(text))


def stems(tokens: list[str]) -> list[str]:
    """Snowball (English) stems of already-folded words."""
    return _stemmer().stemWords(tokens)


def is_content_word(word: str) -> bool:
    """Whether a folded word carries meaning (not a stop word, not a lone letter)."""
    return word not in STOP_WORDS and (len(word) > 1 or word.isdigit())


def content_words(text: str) -> list[str]:
    """Stemmed words that carry meaning (stop words and lone letters removed), in order."""
    return stems([w for w in words(text) if is_content_word(w)])


def strip_markers(text: str) -> str:
    """Remove every citation marker ([1], [2, 3]) from the text."""
    return MARKER_RE.sub("", text).strip()


def numbers(text: str) -> set[str]:
    """Numbers stated in digits ("1,000" → "1000", "2.5") or words ("two" → "2", "twenty" → "20")."""
    digits = {n.replace(",", "") for n in NUMBER_RE.findall(text)}
    digits = {n[:-2] if n.endswith(".0") else n for n in digits}
    return digits | {NUMBER_WORDS[w.lower()] for w in _NUMBER_WORD_RE.findall(text)}


def month_number(name: str) -> int | None:
    """1-12 for a month name or its three-letter abbreviation (any case), else None."""
    key = name.strip().lower()
    return next((i for i, m in enumerate(MONTHS, start=1) if key in (m.lower(), m[:3].lower())), None)


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage or an answer: split after . ! ? before a capital or digit, and at line breaks, but not
    after abbreviations ("e.g.", "et al.", initials)."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        piece = text[start : match.start()]
        if match.group().strip() == "" and "\n" not in match.group() and _ABBREVIATIONS.search(piece.rstrip()):
            continue
        if piece.strip():
            out.append(piece.strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out
