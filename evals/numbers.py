"""Numbers stated in a text, for the evaluation's own checks (kept apart from the product's number handling on
purpose: the evaluation must not share the blind spots of what it measures)."""

from __future__ import annotations

import re

from evals.markers import MARKER_RE

__all__ = ["numbers_absent", "numbers_in"]

# A number not glued to a preceding letter or digit run ("Qwen2.5" is a name, "GPT-4" states 4).
_DIGITS_RE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])|(?<![\w.])\d+(?:\.\d+)?(?![\d])")
_WORDS = {
    # "one" is left out: it is far more often a pronoun ("one of the talks") than a count.
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "hundred": "100",
    "thousand": "1000",
    "million": "1000000",
    "billion": "1000000000",
    "dozen": "12",
    "twice": "2",
    "double": "2",
    "half": "0.5",
}
_WORD_RE = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)


def _canonical(raw: str) -> str:
    """``"1,000"`` -> ``"1000"``; ``"3.50"`` -> ``"3.5"``; ``"2.0"`` -> ``"2"``."""
    value = raw.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value.lstrip("0") or "0"


def numbers_in(text: str) -> set[str]:
    """Every number ``text`` states, in digits or as an English word (citation markers ``[n]`` are not numbers)."""
    cleaned = MARKER_RE.sub(" ", text)
    found = {_canonical(m) for m in _DIGITS_RE.findall(cleaned)}
    return found | {_WORDS[w.lower()] for w in _WORD_RE.findall(cleaned)}


def numbers_absent(claim: str, evidence: str) -> list[str]:
    """The numbers ``claim`` states that ``evidence`` does not (sorted); empty when every number is there."""
    return sorted(numbers_in(claim) - numbers_in(evidence))
