"""Span verification: an answer sentence is shown only if one evidence span (one to three consecutive sentences of
one entry; for a comparison naming two entries, one span from each) supports it.

Support means, all at once: every number it states is in the span and stands next to the same words there; every
name (capitalised word, acronym, URL) is in the span or the entry's own header; most of its content words are in the
span (words repeated from the question count for nothing); it adds something the question did not already say;
its negations, directions and certainty words are the span's; two names it relates stand in the same order in one
span sentence; and its words keep the company they keep in the span (not assembled from scattered words).

What the sentence says is also bound to what the span says (``assistant.verify_binding``): a qualifier or condition
stays with the result it governs (low/high, before/after, with/without); who does what to whom stays as in the span
(agent and object around "uses", "outperforms", "is trained on", passives turned round); a relation is no stronger
than the span's (aligns < matches < equivalent, correlates < causes); a span ending in "..." supports nothing past
its last complete clause; "by X", "X's group" needs X among the entry's people. A sentence that only announces what
follows ("evaluated on two tasks") is no answer (``assistant.verify_framing``), and text addressing the assistant or
the reader (``index.directives``) is never an answer."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.evidence import Span, windows
from assistant.verify_binding import (
    asks_only,
    attribution_invented,
    completes_truncation,
    hedge_dropped,
    order_reversed,
    pairs_crossed,
    pole_flipped,
    qualifier_moved,
    relation_upgraded,
    roles_exchanged,
)
from assistant.verify_framing import announces_only
from index.directives import is_directive
from index.terms import unmentioned_in, value_terms
from index.text import (
    CORPUS_WORDS,
    FRAME_WORDS,
    NUMBER_WORDS,
    REPORTING_WORDS,
    STOP_WORDS,
    content_words,
    fold,
    numbers,
    split_sentences,
    stem_matches,
    stems,
    words,
)

SUPPORT_THRESHOLD = 0.75
"""Share of a sentence's content words (question words count as missing) that must be in its span."""

_CORPUS_STEMS = frozenset(content_words(" ".join(CORPUS_WORDS)))
_REPORTING_STEMS = frozenset(content_words(" ".join(REPORTING_WORDS)))
_FRAME_STEMS = frozenset(content_words(" ".join(FRAME_WORDS)))
_POLARITY = frozenset(
    """not no never without cannot nor none fail fails failed unlike worse worst lower lowest fewer less least
    decrease decreases reduce reduces reduced degrade degrades underperform underperforms higher highest more most
    increase increases improve improves improved outperform outperforms better best faster slower larger smaller
    only all every always guarantee guarantees guaranteed prove proves proven first must certainly definitely
    significantly away back toward towards reverse reverses reversed""".split()
)
_POLARITY_STEMS = frozenset(stems(sorted(_POLARITY)))
_NEGATIONS = frozenset("not no never without cannot nor none fail fails failed".split())
_DIRECTIONAL = frozenset(
    stems(
        "outperform outperforms beat beats surpass surpasses than over extends generalizes "
        "replaces improves underperforms precedes".split()
    )
)
_NAME_RE = re.compile(r"\b[A-Z][\w\-]*[A-Za-z0-9]|\b[a-z]+[A-Z][\w\-]*")
_URL_RE = re.compile(r"https?://\S+|www\.\S+|\]\(")
_NUMBER_NEIGHBOURS = 3
_SPAN_NEIGHBOURS = 6
_PAIR_WINDOW = 8


@dataclass(frozen=True)
class ClaimContext:
    """What a sentence may take for granted beyond its span: the question it answers and the entry's title and
    header (the metadata line shown on the citation card)."""

    question: str = ""
    title: str = ""
    header: str = ""
    people: tuple[str, ...] = ()
    compares: bool = False


@dataclass(frozen=True)
class Verdict:
    """Whether a span supports a sentence, how well (share of its content words in the span), and if not, why."""

    supported: bool
    score: float = 0.0
    reason: str = ""


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(words(text))


@lru_cache(maxsize=8192)
def _stem_tokens(text: str) -> tuple[str, ...]:
    """Stem of every word, stop words kept as themselves (so positions line up with the text)."""
    toks = _tokens(text)
    return tuple(t if t in STOP_WORDS else s for t, s in zip(toks, stems(list(toks)), strict=True))


def _names_entry(claim_stems: set[str], title: str) -> bool:
    title_stems = set(content_words(title))
    return bool(title_stems) and len(title_stems & claim_stems) >= max(1, 0.6 * len(title_stems))


def _claim_words(claim: str, ctx: ClaimContext) -> list[str]:
    """The content words a span must supply: not corpus words ("paper", "talk"), not framing verbs ("introduces",
    "called"), not the title's words when the sentence names the entry by its title, not the names of the entry's
    people (those are checked as names)."""
    claim_stems = content_words(claim)
    given = set(_CORPUS_STEMS) | _FRAME_STEMS | set(content_words(" ".join(ctx.people)))
    if _names_entry(set(claim_stems), ctx.title):
        given |= set(content_words(ctx.title))
    return [w for w in claim_stems if w not in given and not w.isdigit()]


def _names(claim: str) -> list[str]:
    """Capitalised words, acronyms and camel-case names of the claim (a sentence-initial capital is usually an
    ordinary word and is skipped unless it looks like a name: inner capitals or digits)."""
    out = []
    for match in _NAME_RE.finditer(claim):
        name = re.sub(r"['’]s$", "", match.group())
        # "Stanford's X …": a possessive is a name even at the start of the sentence.
        possessive = name != match.group() or claim[match.end() : match.end() + 2] in ("'s", "’s")
        if match.start() == 0 and not possessive and not re.search(r"[A-Z0-9]", name[1:]):
            continue
        if fold(name) in STOP_WORDS or len(name) < 2:
            continue
        out.append(name)
    return out


def _names_missing(claim: str, where: str) -> str | None:
    """The first name (capitalised word, acronym, URL) of the claim that ``where`` never mentions."""
    haystack = fold(where)
    for match in _URL_RE.finditer(claim):
        if match.group() not in where:
            return match.group()
    return next((name for name in _names(claim) if fold(name) not in haystack), None)


_DETERMINER_NUMBERS = re.compile(r"\b(?:one|single|half)\b", re.I)
_HALF = re.compile(r"\b(\w+) and a half\b", re.I)
_HEDGED_NUMBER = re.compile(
    r"\b(?:about|roughly|nearly|almost|around|approximately|some|over|under|close to|more than|less than)\s+"
    r"(\d+(?:\.\d+)?)|~\s*(\d+(?:\.\d+)?)",
    re.I,
)


def _premise_repeated(claim: str, question: str, where: str) -> str | None:
    """A compound term ("trapped-ion") the claim takes from the question that the span does not state: a premise of
    the question, right or wrong, is not evidence."""
    asked = {t.lower() for t in _COMPOUND.findall(question)}
    return next((t for t in _COMPOUND.findall(claim) if t.lower() in asked and unmentioned_in([t], where)), None)


_COMPOUND = re.compile(r"\b[^\W\d_]{2,}(?:-[^\W\d_]{2,})+\b")


def _stated_numbers(claim: str) -> set[str]:
    """The numbers a sentence states as facts: "one" and "single" are usually determiners, and "two and a half"
    is 2.5."""
    halves = {f"{NUMBER_WORDS.get(m.group(1).lower(), m.group(1))}.5" for m in _HALF.finditer(claim)}
    return numbers(_DETERMINER_NUMBERS.sub(" ", _HALF.sub(" ", claim))) | halves


def _approximates(claim: str, stated: str, span_numbers: set[str]) -> bool:
    """Whether a number the sentence hedges ("about 1.7", "almost 98") is a span number rounded."""
    hedged = {m.group(1) or m.group(2) for m in _HEDGED_NUMBER.finditer(claim)}
    if stated not in hedged:
        return False
    places = len(stated.split(".")[1]) if "." in stated else 0
    for other in span_numbers:
        try:
            value = float(other)
        except ValueError:
            continue
        if round(value, places) == float(stated) or abs(value - float(stated)) <= 0.05 * abs(value):
            return True
    return False


def _number_roles_ok(claim: str, span: str, ignore: set[str]) -> str | None:
    """Each number must stand near at least one of the same words in the span as in the sentence."""
    c_toks, s_toks = _tokens(claim), _tokens(span)
    c_stems, s_stems = _stem_tokens(claim), _stem_tokens(span)
    for i, tok in enumerate(c_toks):
        for n in numbers(tok):
            near = {
                c_stems[j]
                for j in range(max(0, i - _NUMBER_NEIGHBOURS), min(len(c_toks), i + _NUMBER_NEIGHBOURS + 1))
                if j != i and c_stems[j] not in STOP_WORDS and not numbers(c_toks[j]) and c_stems[j] not in ignore
            }
            if not near:
                continue
            spots = [k for k, t in enumerate(s_toks) if n in numbers(t)]
            context = {
                s_stems[j]
                for k in spots
                for j in range(max(0, k - _SPAN_NEIGHBOURS), min(len(s_toks), k + _SPAN_NEIGHBOURS + 1))
            }
            if not near & context:
                return n
    return None


def _polarity_ok(claim: str, span: str, title: str = "") -> str | None:
    """Negation, direction and certainty words of the sentence must be the span's, about the same words (a
    "without" of the span does not license "without a GPU"); and a sentence must not drop a negation that the span
    puts right before the words it repeats. Words of the entry's title are exempt."""
    c_toks, s_toks = _tokens(claim), _tokens(span)
    c_stems, s_stems = _stem_tokens(claim), _stem_tokens(span)
    titled = set(_tokens(title))
    for i, (tok, stem) in enumerate(zip(c_toks, c_stems, strict=True)):
        if tok in titled or not (tok in _POLARITY or stem in _POLARITY_STEMS):
            continue
        spots = [k for k, (t, s) in enumerate(zip(s_toks, s_stems, strict=True)) if t == tok or s == stem]
        if not spots:
            return tok
        near = _near(c_stems, [i], _NUMBER_NEIGHBOURS)
        if near and not near & _near(s_stems, spots, _SPAN_NEIGHBOURS):
            return f"{tok} (about other words)"
    if any(t in _NEGATIONS or t.endswith("n't") for t in c_toks):
        return None
    claim_set = set(c_stems) - STOP_WORDS
    for k, tok in enumerate(s_toks):
        if tok in _NEGATIONS or tok.endswith("n't"):
            after = {s_stems[j] for j in range(k + 1, min(len(s_toks), k + 4))}
            if len(after & claim_set) >= 2:
                return f"drops '{tok}'"
    return None


def _near(stem_seq: Sequence[str], at: Sequence[int], reach: int) -> set[str]:
    """Content stems within ``reach`` words of the given positions (numbers and stop words left out)."""
    return {
        stem_seq[j]
        for k in at
        for j in range(max(0, k - reach), min(len(stem_seq), k + reach + 1))
        if j != k and stem_seq[j] not in STOP_WORDS and not stem_seq[j].isdigit()
    }


def _order_ok(claim: str, span_sentences: Sequence[str]) -> bool:
    """Around a directional word ("A outperforms B", "X extends Y"), the words before it in the sentence must not
    be the words after it in the span sentence that has it, and vice versa (roles swapped)."""
    c_stems = [s for s in _stem_tokens(claim) if s not in STOP_WORDS or s == "than"]
    for d_at, d in enumerate(c_stems):
        if d not in _DIRECTIONAL:
            continue
        before, after = set(c_stems[max(0, d_at - 4) : d_at]), set(c_stems[d_at + 1 : d_at + 5])
        for sentence in span_sentences:
            s_stems = list(_stem_tokens(sentence))
            if d not in s_stems:
                continue
            at = s_stems.index(d)
            s_before, s_after = set(s_stems[:at]), set(s_stems[at + 1 :])
            placed = len(before & s_before - s_after) + len(after & s_after - s_before)
            misplaced = len(before & s_after - s_before) + len(after & s_before - s_after)
            if misplaced > placed:
                return False
    return True


def _coherent(claim_words: Sequence[str], span: str) -> bool:
    """Consecutive content words of the sentence must mostly stand close together in the span too."""
    s_stems = _stem_tokens(span)
    present = [w for w in claim_words if w in s_stems]
    pairs = [(a, b) for a, b in itertools.pairwise(present) if a != b]
    if len(pairs) < 3:
        return True
    where: dict[str, list[int]] = {}
    for i, s in enumerate(s_stems):
        where.setdefault(s, []).append(i)
    close = sum(any(abs(i - j) <= _PAIR_WINDOW for i in where.get(a, ()) for j in where.get(b, ())) for a, b in pairs)
    return close / len(pairs) >= 0.5


def _names_bound(claim_words: Sequence[str], claim: str, span_sentences: Sequence[str], ctx: ClaimContext) -> bool:
    """In a span of several sentences, what the sentence says about a name (other than the entry's own title or
    people) must come mostly from the sentences that name it: "X does A" may not take A from a sentence about Y."""
    if len(span_sentences) < 2 or ctx.compares:
        return True
    given = fold(f"{ctx.title} {' '.join(ctx.people)}")
    names = [fold(n) for n in _names(claim) if fold(n) not in given]
    found = [w for w in claim_words if any(stem_matches(w, set(content_words(s))) for s in span_sentences)]
    if not names or len(found) < 3:
        return True
    for name in names:
        naming = [s for s in span_sentences if name in fold(s)]
        if not naming or len(naming) == len(span_sentences):
            continue
        vocab = set(content_words(" ".join(naming)))
        if sum(stem_matches(w, vocab) for w in found) < 2 / 3 * len(found):
            return False
    return True


def check_claim(claim: str, span_sentences: Sequence[str], ctx: ClaimContext = ClaimContext()) -> Verdict:
    """Whether the span (its sentences) supports the claim; see the module docstring for what that means."""
    if is_directive(claim):
        return Verdict(False, 0.0, "addresses the assistant or the reader (planted text is data)")
    span = " ".join(span_sentences)
    given = f"{ctx.title}\n{ctx.header}\n{' '.join(ctx.people)}"
    stated = _stated_numbers(claim) - numbers(ctx.title)
    missing_numbers = {n for n in stated - numbers(span) if not _approximates(claim, n, numbers(span))}
    if missing_numbers:
        return Verdict(False, 0.0, f"number {sorted(missing_numbers)[0]} is not in the span")
    name = _names_missing(claim, f"{span}\n{given}") or next(
        iter(unmentioned_in(value_terms(claim), f"{span}\n{given}")), None
    )
    if name:
        return Verdict(False, 0.0, f"'{name}' is not in the span")
    repeated = _premise_repeated(claim, ctx.question, f"{span}\n{given}")
    if repeated:
        return Verdict(False, 0.0, f"'{repeated}' comes from the question, not the span")
    needed = _claim_words(claim, ctx)
    if not needed:
        return Verdict(False, 0.0, "restates the question or the title")
    span_stems = set(content_words(span))
    found = [w for w in needed if stem_matches(w, span_stems)]
    score = len(found) / len(needed)
    if score < SUPPORT_THRESHOLD:
        return Verdict(False, score, f"only {len(found)} of {len(needed)} content words are in the span")
    asked = set(content_words(ctx.question))
    novel = set(found) - asked - set(content_words(ctx.title)) - _REPORTING_STEMS
    if len(novel) < (1 if len(needed) <= 4 or (stated - numbers(ctx.question)) else 2):
        return Verdict(False, score, "adds nothing beyond the question and the title")
    ignore = set(_CORPUS_STEMS) | set(content_words(ctx.title))
    number = _number_roles_ok(claim, span, ignore)
    if number:
        return Verdict(False, score, f"number {number} stands next to other words in the span")
    flipped = _polarity_ok(claim, span, ctx.title)
    if flipped:
        return Verdict(False, score, f"'{flipped}' does not match the span")
    if not _order_ok(claim, span_sentences):
        return Verdict(False, score, "relates two names the span does not relate that way")
    known = frozenset(ignore | asked)
    bound = (
        qualifier_moved(claim, span_sentences)
        or pole_flipped(claim, span)
        or order_reversed(claim, span_sentences, known)
        or roles_exchanged(claim, span_sentences, known)
        or pairs_crossed(claim, span_sentences, known)
        or relation_upgraded(claim, span)
        or asks_only(claim, span_sentences)
        or completes_truncation(claim, span_sentences)
        or attribution_invented(claim, span, ctx.title, ctx.people)
        or hedge_dropped(claim, span_sentences)
    )
    if bound:
        return Verdict(False, score, bound)
    if announces_only(claim, known):
        return Verdict(False, score, "announces what follows without saying it")
    if not _coherent(needed, span):
        return Verdict(False, score, "its words are scattered across the span")
    if not _names_bound(needed, claim, span_sentences, ctx):
        return Verdict(False, score, "credits a name with what another sentence says")
    return Verdict(True, score)


def span_verdict(claim: str, evidence: str, ctx: ClaimContext = ClaimContext()) -> Verdict:
    """The verdict of the best span of ``evidence`` (a passage; only spans of up to three consecutive of its
    sentences count) on ``claim``: a supporting one if any, else the closest, whose reason says what failed."""
    sentences = split_sentences(evidence) or [evidence]
    best = Verdict(False, -1.0, "no span")
    for span in windows("", sentences):
        verdict = check_claim(claim, span.sentences, ctx)
        if verdict.supported:
            return verdict
        if verdict.score > best.score:
            best = verdict
    return best


def span_supports(claim: str, evidence: str, question: str = "", title: str = "") -> bool:
    """Whether ``evidence`` (a passage; only spans of up to three consecutive of its sentences count) supports
    ``claim``. The product's own check, for judges and tools."""
    return span_verdict(claim, evidence, ClaimContext(question=question, title=title)).supported


@dataclass(frozen=True)
class Supported:
    """A span that supports a sentence, and which candidate entry it belongs to."""

    candidate: int
    span: Span
    score: float


def best_support(
    claim: str, candidates: Sequence[Sequence[str]], contexts: Sequence[ClaimContext], entry_ids: Sequence[str]
) -> list[Supported]:
    """The supporting span for the claim: the best single span of any candidate entry (shortest on ties); failing
    that, for a sentence that names two entries, one span from each. Empty when nothing supports it."""
    best: Supported | None = None
    for c, sentences in enumerate(candidates):
        for span in windows(entry_ids[c], sentences):
            verdict = check_claim(claim, span.sentences, contexts[c])
            if verdict.supported and (best is None or verdict.score > best.score):
                best = Supported(c, span, verdict.score)
    if best is not None:
        return [best]
    return _pair_support(claim, candidates, contexts, entry_ids)


def _pair_support(
    claim: str, candidates: Sequence[Sequence[str]], contexts: Sequence[ClaimContext], entry_ids: Sequence[str]
) -> list[Supported]:
    claim_stems = set(content_words(claim))
    named = [c for c, ctx in enumerate(contexts) if _names_entry(claim_stems, ctx.title) or _names_person(claim, ctx)]
    for x, a in enumerate(named):
        for b in named[x + 1 :]:
            ctx = ClaimContext(
                question=contexts[a].question,
                title=f"{contexts[a].title} {contexts[b].title}",
                header=f"{contexts[a].header}\n{contexts[b].header}",
                people=(*contexts[a].people, *contexts[b].people),
                compares=True,
            )
            for span_a in windows(entry_ids[a], candidates[a], 2):
                for span_b in windows(entry_ids[b], candidates[b], 2):
                    verdict = check_claim(claim, [*span_a.sentences, *span_b.sentences], ctx)
                    if verdict.supported:
                        return [Supported(a, span_a, verdict.score), Supported(b, span_b, verdict.score)]
    return []


def _names_person(claim: str, ctx: ClaimContext) -> bool:
    """Whether the claim names one of the entry's people by surname."""
    claim_words = set(words(claim))
    return any(words(person)[-1:] and words(person)[-1] in claim_words for person in ctx.people)
