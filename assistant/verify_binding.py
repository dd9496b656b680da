"""Binding checks of span verification: what a sentence says must stay attached to what the span attaches it to.

Each check reads the sentence and the span as word sequences cut into clauses, and returns why the sentence fails
(a short reason) or ``None``. They catch errors that keep the span's words but change its facts: a qualifier moved
to the other condition (low/high, before/after), two things done in the other order, agent and object exchanged
around a relation verb, a relation stated stronger than the span states it, an exception-free quantifier the span
does not use, a question stated as a finding, a truncated abstract completed, and a work credited to someone who is
not among its people."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from statistics import median

from index.text import (
    ABSOLUTE_WORDS,
    POLES,
    PRESENCE_SCALES,
    QUANTITY_WORDS,
    RELATION_STRENGTH,
    RELATION_VERBS,
    SEQUENCE_LATER,
    STOP_WORDS,
    content_words,
    fold,
    stems,
    words,
)

_CLAUSE_BREAK = re.compile(r"[;:—–]|\s-\s|\b(?:whereas|while|but|however|although|though|yet|instead)\b", re.I)
_BE = frozenset("is are was were be been being".split())
_ASKING = frozenset(stems("ask asks asked asking whether question questions wonder wonders if how why".split()))
_ELLIPSIS = re.compile(r"(\.\.\.|…)\s*$")
_REACH = 12


@lru_cache(maxsize=8192)
def _clauses(text: str) -> tuple[tuple[str, ...], ...]:
    """The text's clauses (cut at semicolons, colons, dashes and contrast words), each as folded words."""
    return tuple(tuple(words(piece)) for piece in _CLAUSE_BREAK.split(text) if words(piece))


def _content(tokens: Sequence[str]) -> set[str]:
    return set(stems([t for t in tokens if t not in STOP_WORDS and len(t) > 1]))


def _pole(token: str) -> tuple[int, int] | None:
    for scale, (low, high) in enumerate(POLES):
        if token in low:
            return scale, 0
        if token in high:
            return scale, 1
    return None


def _poles_in(tokens: Sequence[str], scale: int) -> set[int]:
    return {p[1] for t in tokens if (p := _pole(t)) is not None and p[0] == scale}


def qualifier_moved(claim: str, span_sentences: Sequence[str]) -> str | None:
    """A qualifier of the sentence ("low", "before", "few") governing a result the span gives under the opposite
    one: the result's words belong to span clauses of the other pole, not of its own."""
    span_clauses = [c for s in span_sentences for c in _clauses(s)]
    for clause in _clauses(claim):
        for token in clause:
            pole = _pole(token)
            if pole is None:
                continue
            scale, side = pole
            rest = _content([t for t in clause if (p := _pole(t)) is None or p[0] != scale])
            own = [c for c in span_clauses if _poles_in(c, scale) == {side}]
            other = [c for c in span_clauses if _poles_in(c, scale) == {1 - side}]
            if not own or not other:
                continue
            own_words = set().union(*(_content(c) for c in own))
            other_words = set().union(*(_content(c) for c in other))
            here, there = len(rest & (own_words - other_words)), len(rest & (other_words - own_words))
            if there >= 2 and there > here:
                return f"'{token}' governs a result the span gives for the opposite condition"
    return None


_NEGATING_PREFIXES = ("un", "non", "non-", "in", "im", "ir", "dis", "sub", "sub-")
_FROM_TO = re.compile(r"\bfrom\s+((?:[\w-]+\s+){0,3}?[\w-]+)\s+to\s+((?:[\w-]+\s+){0,2}[\w-]+)")


def pole_flipped(claim: str, span: str) -> str | None:
    """A qualifier turned into its opposite: the sentence says "largest", "easy", "grows" or "identifiable" where
    the span says only "smallest", "hard", "decays" or "unidentifiable"; or "from A to B" where the span says
    "from B to A"."""
    c_tokens, s_tokens = words(claim), set(words(span))
    for token in c_tokens:
        pole = _pole(token)
        if pole is None or pole[0] not in PRESENCE_SCALES or token in QUANTITY_WORDS:
            continue
        scale, side = pole
        span_sides = {p[1] for t in s_tokens if t not in QUANTITY_WORDS and (p := _pole(t)) and p[0] == scale}
        if span_sides == {1 - side} and not _poles_in(c_tokens, scale) >= {0, 1}:
            return f"'{token}' turns the span's qualifier into its opposite"
    s_stems = set(stems(sorted(s_tokens)))
    for token, stem in zip(c_tokens, stems(c_tokens), strict=True):
        if len(stem) < 5 or stem in s_stems or token in STOP_WORDS:
            continue
        if any(f"{prefix}{stem}" in s_stems for prefix in _NEGATING_PREFIXES):
            return f"'{token}' drops the negating prefix the span has"
    c_from, s_from = _FROM_TO.search(fold(claim)), _FROM_TO.search(fold(span))
    if c_from and s_from:
        a, b = set(content_words(c_from.group(1))), set(content_words(c_from.group(2)))
        sa, sb = set(content_words(s_from.group(1))), set(content_words(s_from.group(2)))
        if a & sb and b & sa and not (a & sa or b & sb):
            return "reverses the span's 'from ... to ...'"
    return None


def order_reversed(claim: str, span_sentences: Sequence[str], ignore: frozenset[str] = frozenset()) -> str | None:
    """ "A, then B" (then, afterwards, finally) when the span tells B before A."""
    tokens = words(claim)
    at = next((i for i, t in enumerate(tokens) if t in SEQUENCE_LATER), None)
    if at is None:
        return None
    before, after = _content(tokens[:at]) - ignore, _content(tokens[at + 1 :]) - ignore
    span_stems = stems(words(" ".join(span_sentences)))
    first: dict[str, int] = {}
    for i, s in enumerate(span_stems):
        first.setdefault(s, i)
    early = [first[s] for s in before - after if s in first]
    late = [first[s] for s in after - before if s in first]
    if len(early) >= 2 and len(late) >= 2 and median(early) > median(late):
        return f"puts in the order '... {tokens[at]} ...' what the span tells the other way round"
    return None


def _sides(tokens: Sequence[str], at: int) -> tuple[set[str], set[str]]:
    """Content stems before and after a relation verb in its clause, the agent's side first: a passive verb ("is
    used", "was trained") has its agent's side after it, so "A is used to compress B" and "B is compressed using
    A" put A on the same side."""
    before, after = _content(tokens[max(0, at - _REACH) : at]), _content(tokens[at + 1 : at + 1 + _REACH])
    passive = at > 0 and tokens[at - 1] in _BE
    return (after, before) if passive else (before, after)


def roles_exchanged(claim: str, span_sentences: Sequence[str], ignore: frozenset[str] = frozenset()) -> str | None:
    """Agent and object of a relation verb ("A outperforms B", "A is used to compress B", "A is trained on B")
    standing on the other sides of the same verb in the span clause that has it."""
    verb_stems = {s for s in stems(sorted(RELATION_VERBS))}
    span_clauses = [c for s in span_sentences for c in _clauses(s)]
    for clause in _clauses(claim):
        clause_stems = stems(list(clause))
        for i, stem in enumerate(clause_stems):
            if stem not in verb_stems or clause[i] not in RELATION_VERBS:
                continue
            agent, obj = (side - ignore - {stem} for side in _sides(clause, i))
            placed = misplaced = 0
            for span_clause in span_clauses:
                span_stems = stems(list(span_clause))
                for j, s in enumerate(span_stems):
                    if s != stem:
                        continue
                    s_agent, s_obj = _sides(span_clause, j)
                    placed += len(agent & s_agent - s_obj) + len(obj & s_obj - s_agent)
                    misplaced += len(agent & s_obj - s_agent) + len(obj & s_agent - s_obj)
            if misplaced >= 2 and misplaced > placed:
                return f"exchanges who does what around '{clause[i]}'"
    return None


def _rank(tokens: set[str], scale: tuple[frozenset[str], ...]) -> int:
    return max((r for r, rank in enumerate(scale) if tokens & rank), default=-1)


def relation_upgraded(claim: str, span: str) -> str | None:
    """A relation stated stronger than the span states it, on the same scale ("aligns" made "equivalent",
    "correlates" made "causes", "comparable" made "outperforms", "suggests" made "proves"), or a quantifier
    without exception ("always", "fully") the span does not use."""
    c_tokens, s_tokens = set(words(claim)), set(words(span))
    for scale in RELATION_STRENGTH:
        c_rank, s_rank = _rank(c_tokens, scale), _rank(s_tokens, scale)
        if c_rank > s_rank >= 0:
            word = sorted(c_tokens & scale[c_rank])[0]
            return f"'{word}' states a stronger relation than the span's '{sorted(s_tokens & scale[s_rank])[0]}'"
    absolute = sorted(t for t in c_tokens & ABSOLUTE_WORDS if t not in s_tokens)
    if absolute:
        return f"'{absolute[0]}' claims more than the span"
    return None


def asks_only(claim: str, span_sentences: Sequence[str]) -> str | None:
    """A sentence stating as found what the span only asks (its words come from the span's questions), unless the
    sentence itself reports a question ("asks whether")."""
    questions = [s for s in span_sentences if s.rstrip().endswith("?")]
    if not questions or set(stems(words(claim))) & _ASKING:
        return None
    claim_stems = set(content_words(claim))
    asked = claim_stems & set(content_words(" ".join(questions)))
    stated = claim_stems & set(content_words(" ".join(s for s in span_sentences if s not in questions)))
    if len(asked - stated) >= 2 and len(asked - stated) >= len(stated):
        return "states as a finding what the span only asks"
    return None


def completes_truncation(claim: str, span_sentences: Sequence[str]) -> str | None:
    """A span cut off with "..." supports nothing past its last complete clause: the sentence may not go on,
    after the span's last words, with words the span does not have (completing the cut phrase)."""
    if not span_sentences or not _ELLIPSIS.search(span_sentences[-1]):
        return None
    tail = [s for s in content_words(_ELLIPSIS.sub("", span_sentences[-1]))][-2:]
    span_stems = set(content_words(" ".join(span_sentences)))
    c_stems = content_words(claim)
    ends = [i for i, s in enumerate(c_stems) if s in tail]
    if not tail or not ends:
        return None
    beyond = [s for s in c_stems[ends[-1] + 1 :] if s not in span_stems]
    if beyond:
        return f"completes the span's cut-off sentence ('{beyond[0]}')"
    return None


_BY_NAME = re.compile(
    r"\b(?:by|from)\s+((?:[A-Z][\w'’\-]+|de|van|von|der|da)(?:\s+(?:[A-Z][\w'’\-]+|de|van|von|der|da))*)"
    r"|\b([A-Z][\w\-]+)['’]s\s+(?:group|lab|laboratory|team|students|colleagues|coauthors|co-authors)\b"
    r"|\b([A-Z][\w\-]+)\s+(?:et al|and (?:colleagues|coauthors|co-authors|collaborators))\b"
)
_AUTHORING = frozenset(
    """presented given written authored taught led organized organised delivered proposed introduced developed
    created paper papers talk talks tutorial tutorials work works study studies article keynote""".split()
)


def attribution_invented(claim: str, span: str, title: str, people: Sequence[str]) -> str | None:
    """A work credited to a person ("<title> by X", "from X's group", "X et al.") who is not among the entry's
    people; without the people fields, X must be named in the span and not only in the title (a system's name is
    not its author)."""
    known = {w for person in people for w in words(person)}
    span_words = set(words(span))
    for match in _BY_NAME.finditer(claim):
        name = match.group(1) or match.group(2) or match.group(3)
        if match.group(1):
            before = words(claim[: match.start()])[-1:]
            titled = claim[: match.start()].rstrip().rstrip("”\"'’").endswith(title.strip()[-12:]) if title else False
            if not (set(before) & _AUTHORING or titled):
                continue
        named = [w for w in words(name) if w not in {"de", "van", "von", "der", "da"}]
        if not named:
            continue
        if known and not set(named) & known and not re.search(rf"\bby\s+{re.escape(name)}", span):
            return f"credits '{name}', who is not among the entry's people"
        if not known and not set(named) <= span_words:
            return f"credits '{name}', whom the span does not name"
        if set(named) <= set(words(title)):
            return f"credits '{name}', the name of the work itself"
    return None


_SEGMENT_BREAK = re.compile(
    r"[;:]|\s[-–—]+\s|,\s*(?:and|or|while|whereas)\b|\s+and\s+(?=(?:a|an|the)\b|[A-Z])"
    r"|\b(?:whereas|while|but|however|although|though|yet|instead|unlike|than|versus|compared)\b"
)


@lru_cache(maxsize=8192)
def _segments(text: str) -> tuple[frozenset[str], ...]:
    """The content stems of each coordinate part of the text: clauses cut at semicolons, colons, dashes, contrast
    words and coordinations that start a new phrase ("…, and the …", "… and Codex …")."""
    return tuple(seg for piece in _SEGMENT_BREAK.split(text) if (seg := frozenset(content_words(piece))))


def pairs_crossed(claim: str, span_sentences: Sequence[str], ignore: frozenset[str] = frozenset()) -> str | None:
    """Two parallel parts of the span (sharing a frame word: "A scales cubically"; "B scales linearly") whose own
    words two parts of the sentence exchange ("A scales linearly, B cubically"): each filler must stay with its
    partner. Listing both ("A and B scale differently") mixes them in one part only and passes."""
    span_segments = [seg - ignore for s in span_sentences for seg in _segments(s)]
    parts = [part - ignore for part in _segments(claim)]
    for i, first in enumerate(span_segments):
        for second in span_segments[i + 1 :]:
            frame = first & second
            mixing = [
                (own_first, own_second)
                for part in parts
                if frame & part and (own_first := part & (first - second)) and (own_second := part & (second - first))
            ]
            if len(mixing) >= 2:
                own_first, own_second = mixing[0]
                return f"pairs '{sorted(own_first)[0]}' with '{sorted(own_second)[0]}', which the span keeps apart"
    return None


_HEDGES = frozenset(
    """could may might potential potentially promise promising hope hopes hoped suggest suggests suggesting
    suggestion suggestions possibly perhaps outstanding discussed whether aim aims goal towards toward""".split()
)


def hedge_dropped(claim: str, span_sentences: Sequence[str]) -> str | None:
    """A finding stated plainly that the span only hedges ("could pave the way", "holds the potential", "there are
    suggestions that", a question, "an outstanding problem"): most of the sentence's span words come from hedged
    span clauses, and the sentence itself hedges nothing."""
    c_tokens = words(claim)
    if set(c_tokens) & _HEDGES or set(stems(c_tokens)) & _ASKING:
        return None
    hedged: set[str] = set()
    plain: set[str] = set()
    for sentence in span_sentences:
        for clause in _clauses(sentence):
            target = hedged if set(clause) & _HEDGES or sentence.rstrip().endswith("?") else plain
            target |= _content(clause)
    claim_stems = _content(c_tokens)
    only_hedged = claim_stems & hedged - plain
    if len(only_hedged) >= 2 and len(only_hedged) >= len(claim_stems & plain):
        return "states plainly what the span only hedges"
    return None
