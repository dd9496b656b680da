"""Names and values a text must contain to be about them ("QM9", "GPT-2", "5x5", "FooNet"), and whether texts
mention them. Part of the product's text vocabulary (``index.text``), kept in its own module for size."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Protocol

from index.text import NUMBER_WORDS, STOP_WORDS, WEEKDAYS, fold, month_number, split_sentences, stems, words

_DAYS = frozenset(d.lower() for d in WEEKDAYS)


class _Texts(Protocol):
    title: str
    text: str

    def metadata_line(self) -> str: ...


TOKEN = re.compile(r"[^\W_][\w.+-]*[^\W_]|[^\W_]")


def distinctive_terms(question: str, known: Collection[str] = ()) -> list[str]:
    """Names of things a question asks about, which a text must contain to be about them: tokens with a digit or a
    capital after their first letter ("QM9", "MovieLens", "GPT-2"), and capitalised words inside a sentence
    ("... use Lean?"). Stop words, days, months and ``known`` words (the corpus's people) are left out."""
    terms = []
    for sentence in re.split(r"(?<=[.!?:;])\s+", question):
        for i, token in enumerate(TOKEN.findall(sentence)):
            inner_capital = any(c.isupper() for c in token[1:])
            capitalised = i > 0 and token[0].isupper()
            if not (any(c.isdigit() for c in token) or inner_capital or capitalised):
                continue
            folded = fold(token)
            possessive = folded[:-1] if folded.endswith("s") and token[0].isupper() else folded
            if folded in STOP_WORDS or folded in _DAYS or possessive in known or folded in known:
                continue
            if month_number(folded) is not None:
                continue
            if token.isdigit() and len(token) <= 2:
                continue
            terms.append(token)
    return list(dict.fromkeys(terms))


def _squeezed(text: str) -> str:
    return re.sub(r"(?<=\w)[-.](?=\w)", "", fold(text))


def unmentioned(terms: Sequence[str], entries: Sequence[_Texts]) -> list[str]:
    """The terms none of the entries mentions (title, text, people, record); see :func:`unmentioned_in`."""
    return unmentioned_in(terms, " ".join(f"{e.title} {e.text} {e.metadata_line()}" for e in entries))


def unmentioned_in(terms: Sequence[str], text: str) -> list[str]:
    """The terms the text does not mention, hyphens and dots inside words ignored ("Big-Net3" mentions "BigNet3");
    "5x5" is mentioned by "5 × 5" or "5\\times 5"; a hyphenated term by its distinctive parts ("AI-driven" by
    "AI"); an all-capitals term also by the initials of consecutive words ("RL")."""
    if not terms:
        return []  # the verifier asks this of every sentence, most of which state no such term
    blob = _squeezed(text)
    initials: set[str] | None = None

    def mentioned(term: str) -> bool:
        nonlocal initials
        if re.fullmatch(r"[A-Z]{2,}s", term):
            return mentioned(term[:-1])  # "LLMs" by "LLM" or "large language models"
        key = _squeezed(term)
        # A number is mentioned only whole: "20" is not in "200".
        if re.search(rf"\b{re.escape(key)}" + (r"(?![\d.])" if key.isdigit() else ""), blob):
            return True
        parts = [p for p in re.split(r"[-/]", term) if p and (p != p.lower() or any(c.isdigit() for c in p))]
        if "-" in term and parts and all(mentioned(p) for p in parts):
            return True
        times = re.fullmatch(r"(\d+)\s*[x×]\s*(\d+)", term)
        if times and re.search(rf"\b{times[1]}\s*(?:x|×|\\times)\s*{times[2]}\b", blob):
            return True
        if term.isupper():
            if initials is None:
                tokens = words(blob)
                initials = {
                    "".join(w[0] for w in tokens[i : i + n]) for n in (2, 3, 4) for i in range(len(tokens) - n + 1)
                }
            return key in initials
        return False

    return [term for term in terms if not mentioned(term)]


def value_shape(token: str) -> str:
    """A token with its numbers replaced by "#" ("5-layer" → "#-layer", "1.2x" → "#x"): two values of one measure
    share a shape."""
    return re.sub(r"\d+(?:\.\d+)?", "#", token.lower())


def value_terms(text: str) -> list[str]:
    """Tokens that join letters and digits ("3D", "5-layer", "GPT-4", "Llama2"): values and model names."""
    return [t for t in TOKEN.findall(text) if re.search(r"\d", t) and re.search(r"[^\W\d_]", t)]


_COUNT = re.compile(
    r"\b(\d+|" + "|".join(w for w in NUMBER_WORDS if w not in ("half", "single", "double", "twice")) + r")\s+"
    r"([^\W\d_][\w-]*)(?:\s+([^\W\d_][\w-]*))?",
    re.I,
)


def counts_stated(text: str) -> dict[str, set[str]]:
    """What the text counts and how many, by the stem of the word after the number or the one after that
    ("three main parts" → {"main": {"3"}, "part": {"3"}})."""
    out: dict[str, set[str]] = {}
    for found in _COUNT.finditer(text):
        n = found.group(1).lower()
        value = NUMBER_WORDS.get(n, n)
        for word in (found.group(2), found.group(3)):
            if word and fold(word) not in STOP_WORDS:
                out.setdefault(stems([fold(word)])[0], set()).add(value)
    return out


def count_contradicted(question: str, text: str) -> tuple[str, str] | None:
    """A count the question states that the text states otherwise ("the four parts" against "three parts"): the
    question's phrase and the text's sentence that gives the other count; None when they agree or the text is
    silent."""
    asked = list(_COUNT.finditer(question))
    sentences = [(sentence, counts_stated(sentence)) for sentence in split_sentences(text)] if asked else []
    for found in asked:
        n = found.group(1).lower()
        if n == "one":
            continue  # "one model writes, a second one checks": a determiner more often than a count
        value = NUMBER_WORDS.get(n, n)
        named = [w for w in (found.group(2), found.group(3)) if w and fold(w) not in STOP_WORDS]
        phrase = " ".join([found.group(1), *(w for w in (found.group(2), found.group(3)) if w)])
        phrase = phrase[: phrase.rindex(named[-1]) + len(named[-1])] if named else phrase
        for word in named:
            stem = stems([fold(word)])[0]
            for sentence, given in sentences:
                if stem in given and value not in given[stem]:
                    return phrase, sentence
    return None


def value_contradicted(question: str, text: str) -> tuple[str, str] | None:
    """A value the question states ("20-fold", "5-layer") that the text never states, and the text's sentence that
    states another value of the same shape ("200-fold"); None when the text states it or is silent."""
    missing = unmentioned_in([t for t in value_terms(question) if value_shape(t) != "#"], text)
    for sentence in split_sentences(text) if missing else []:
        shapes = {value_shape(t) for t in TOKEN.findall(sentence) if any(c.isdigit() for c in t)}
        for term in missing:
            if value_shape(term) in shapes:
                return term, sentence
    return None
