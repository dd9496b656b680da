"""The evaluation's own deterministic checks of a claim against its evidence, as numeric features (pure).

They are generic reading checks, independent of the product's ``assistant/verify.py`` (which is what is being
judged), and of the labelled set: nothing here names a label, a category or a seed. Each feature is 0 when the
check finds nothing wrong (or has nothing to check) and grows towards 1 as the claim departs from the evidence.

``number_absent``     1 when the claim states a number the evidence does not
``number_context``    share of the claim's numbers (found in the evidence) whose neighbouring words are not near that
                      number in the evidence (a number moved to another quantity)
``negation_dropped``  1 when the evidence sentences the claim draws on negate and the claim has no negation
``hedge_dropped``     1 when those sentences hedge ("may", "suggests", "could") and the claim has no hedge
``certainty_added``   1 when the claim has a word of certainty or totality ("proves", "always", "all") that the
                      evidence lacks
``direction_flip``    1 when the claim has a direction word (higher, faster, improves) whose opposite, and not it,
                      is in the evidence
``names_absent``      share of the claim's names (capitalised words, acronyms) missing from the evidence
``name_attachment``   share of the claim's words near a name that the evidence puts nearer another of the claim's names

Four more checks (word coverage, word-pair coverage, copied runs and an added negation) were measured and left out:
both fitted models gave each of them weight 0.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from evals.metrics import STOP_WORDS, normalize_text
from evals.numbers import numbers_in

__all__ = ["FEATURE_NAMES", "claim_features", "focus_evidence"]

FEATURE_NAMES: tuple[str, ...] = (
    "number_absent",
    "number_context",
    "negation_dropped",
    "hedge_dropped",
    "certainty_added",
    "direction_flip",
    "names_absent",
    "name_attachment",
)

_NEGATIONS = frozenset(
    "not no never without neither nor none cannot cant fail fails failed failing unable lack lacks lacking "
    "nothing nobody isn aren wasn weren doesn didn don won".split()
)
_HEDGES = frozenset(
    "may might could can suggest suggests suggested suggesting potential potentially possibly possible likely "
    "unlikely perhaps appear appears seem seems preliminary promising aim aims hope hopes partially partly "
    "often sometimes some most approximately roughly about around nearly almost up towards toward".split()
)
_CERTAINTY = frozenset(
    "prove proves proved proven guarantee guarantees guaranteed always never all every entirely completely "
    "fully definitively certainly clearly eliminates eliminate solves solve any only first best universally "
    "exactly must".split()
)
_OPPOSITES_TEXT = """
    increase decrease | increases decreases | increased decreased | increasing decreasing | more less |
    more fewer | higher lower | high low | larger smaller | large small | bigger smaller | faster slower |
    fast slow | better worse | best worst | improve degrade | improves degrades | improved degraded |
    improve hurt | improves hurts | gain loss | gains losses | outperform underperform |
    outperforms underperforms | rise fall | rises falls | up down | above below | before after |
    maximum minimum | max min | strong weak | stronger weaker | easy hard | easier harder | positive negative |
    add remove | adds removes | enable prevent | enables prevents | long short | longer shorter | early late |
    earlier later | over under | most least | raise lower | raises lowers | grow shrink | grows shrinks |
    expand reduce | expands reduces | boost reduce | boosts reduces | accelerate slow | accelerates slows |
    inside outside | input output | encoder decoder | train test | training inference | dense sparse |
    online offline | supervised unsupervised | explicit implicit | static dynamic | local global |
    upper lower | majority minority | success failure | accept reject | accepts rejects | true false |
    linear nonlinear | deterministic stochastic | synthetic real | open closed | sufficient insufficient
"""


def _opposites() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for pair in _OPPOSITES_TEXT.split("|"):
        words = pair.split()
        if len(words) == 2:
            a, b = words
            table.setdefault(a, set()).add(b)
            table.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in table.items()}


_OPPOSITE = _opposites()
_TOKEN_RE = re.compile(r"[A-Za-z][\w'-]*|\d+(?:[.,]\d+)*%?")
_NAME_RE = re.compile(r"^(?:[A-Z][a-z]*[A-Z][\w-]*|[A-Z]{2,}[\w-]*|[A-Z][a-z]+|\w*\d\w*[A-Za-z]\w*)$")
_WORD_RE = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+[a-z0-9]*")
_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+")
_NUMBER_WINDOW = 2
_ATTACH_WINDOW = 4


def _stem(word: str) -> str:
    """Light suffix stripping so that plural/singular and verb forms meet (``reduces``/``reduced``/``reduce``)."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith(("ss", "us", "is")):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def _words(text: str) -> list[str]:
    """Case-folded, accent-free words of ``text`` in order; numbers stay whole (``28.6``, ``1000``)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    return [t.replace(",", "") for t in _WORD_RE.findall(folded)]


def _content(words: Sequence[str]) -> list[str]:
    return [_stem(w) for w in words if w not in STOP_WORDS]


def _names(text: str) -> list[str]:
    """Capitalised words, acronyms and mixed tokens ("GPT-4", "LoRA"), not counting a sentence's first word."""
    names = []
    tokens = _TOKEN_RE.findall(text)
    for i, tok in enumerate(tokens):
        if not _NAME_RE.match(tok) or tok.isdigit():
            continue
        if i == 0 and tok[0].isupper() and tok[1:].islower():
            continue  # a sentence's first word is capitalised anyway
        if tok.lower() in STOP_WORDS:
            continue
        names.append(normalize_text(tok))
    return [n for n in dict.fromkeys(names) if n]


def _positions(words: Sequence[str]) -> dict[str, list[int]]:
    table: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        table.setdefault(w, []).append(i)
    return table


def _number_context(claim_text: str, evidence_text: str) -> float:
    """Share of the claim's shared numbers whose neighbouring content words are not beside them in the evidence."""
    claim, evidence = _content(_words(claim_text)), _content(_words(evidence_text))
    where = _positions(evidence)
    checked = moved = 0
    for i, word in enumerate(claim):
        if not word[0].isdigit() or word not in where:
            continue
        neighbours = {w for w in (claim[i - 1] if i else "", claim[i + 1] if i + 1 < len(claim) else "") if w}
        neighbours = {w for w in neighbours & set(evidence) if not w[0].isdigit()}
        if not neighbours:
            continue
        checked += 1
        near = {w for p in where[word] for w in evidence[max(0, p - _NUMBER_WINDOW) : p + _NUMBER_WINDOW + 1]}
        moved += not neighbours <= near
    return moved / checked if checked else 0.0


def _relevant_part(claim_words: list[str], evidence_text: str) -> set[str]:
    """The words of the evidence sentences the claim draws on most (a hedge elsewhere in the span is not its own)."""
    sentences = [s for s in _SENTENCE_RE.split(evidence_text) if s.strip()] or [evidence_text]
    wanted = set(_content(claim_words))
    scored = [(len(wanted & set(_content(_words(s)))), s) for s in sentences]
    best = max(score for score, _ in scored)
    return {w for score, s in scored if score >= max(1, best / 2) or best == 0 for w in _words(s)}


def _direction_flip(claim: set[str], evidence: set[str]) -> float:
    for word in claim - evidence:
        if _OPPOSITE.get(word, frozenset()) & evidence:
            return 1.0
    return 0.0


def _name_attachment(claim_text: str, evidence_text: str) -> float:
    """Words the claim puts next to one name that the evidence puts nearer another of the claim's names."""
    names = [n for n in _names(claim_text) if " " not in n]
    claim, evidence = _words(claim_text), _words(evidence_text)
    shared = [n for n in names if n in evidence and n in claim]
    if len(shared) < 2:
        return 0.0
    where_c, where_e = _positions(claim), _positions(evidence)

    def nearest(word_pos: list[int], where: dict[str, list[int]]) -> str | None:
        best: tuple[int, str] | None = None
        for name in shared:
            for p in where.get(name, []):
                for q in word_pos:
                    d = abs(p - q)
                    if best is None or d < best[0]:
                        best = (d, name)
        return best[1] if best and best[0] <= _ATTACH_WINDOW else None

    checked = moved = 0
    for word in {w for w in claim if w not in STOP_WORDS and w not in shared and not w[0].isdigit()}:
        if word not in where_e:
            continue
        in_claim = nearest(where_c[word], where_c)
        in_evidence = nearest(where_e[word], where_e)
        if in_claim is None or in_evidence is None:
            continue
        checked += 1
        moved += in_claim != in_evidence
    return moved / checked if checked else 0.0


def claim_features(claim: str, evidence: str) -> dict[str, float]:
    """Every feature of :data:`FEATURE_NAMES` for ``claim`` against ``evidence`` (see the module docstring)."""
    claim_words, evidence_words = _words(claim), _words(evidence)
    claim_set, evidence_set = set(claim_words), set(evidence_words)
    names = _names(claim)
    relevant = _relevant_part(claim_words, evidence)
    evidence_norm = f" {normalize_text(evidence)} "
    missing_names = [n for n in names if f" {n} " not in evidence_norm]
    claim_numbers, evidence_numbers = numbers_in(claim), numbers_in(evidence)
    return {
        "number_absent": float(bool(claim_numbers - evidence_numbers)),
        "number_context": _number_context(claim, evidence),
        "negation_dropped": float(bool(relevant & _NEGATIONS) and not claim_set & _NEGATIONS),
        "hedge_dropped": float(bool(relevant & _HEDGES) and not claim_set & _HEDGES),
        "certainty_added": float(bool((claim_set & _CERTAINTY) - evidence_set)),
        "direction_flip": _direction_flip(claim_set, evidence_set),
        "names_absent": len(missing_names) / len(names) if names else 0.0,
        "name_attachment": _name_attachment(claim, evidence),
    }


def focus_evidence(claim: str, evidence: str, max_chars: int = 800) -> str:
    """``evidence`` itself when it is at most ``max_chars`` long; else its sentences (and lines) that share the
    most content words with ``claim``, in their original order, up to ``max_chars``.

    A long evidence text (a whole list answer checked for a reference claim) costs the model a long prompt, and
    cutting it at a fixed length could drop the very sentence the claim rests on."""
    if len(evidence) <= max_chars:
        return evidence
    parts = [p.strip() for p in re.split(r"(?<=[.!?;])\s+|\n+", evidence) if p.strip()]
    wanted = set(_content(_words(claim)))
    ranked = sorted(range(len(parts)), key=lambda i: (-len(wanted & set(_content(_words(parts[i])))), i))
    keep: list[int] = []
    used = 0
    for i in ranked:
        if used + len(parts[i]) + 1 > max_chars and keep:
            continue
        keep.append(i)
        used += len(parts[i]) + 1
    return " ".join(parts[i][:max_chars] for i in sorted(keep))
