"""Question understanding, done once per question: chat-style text normalised, then what the question asks for (the
record fields, a yes/no verdict, a summary), read into one typed :class:`Question` that routing and answering take
as it is.

What is asked is decided by a small closed vocabulary of field concepts matched on the normalised words (who /
speaker / presenter / teaches → people; where from / university / institute → affiliation; …), with a few
patterns for multi-word asks ("how many authors", "what time"). Which entry the question is about is not decided
here: entity linking and retrieval do that, so a question that describes an entry in its own words is treated like
one that names it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from index.chat import expand_chat
from index.text import CLOCK_RE, KIND_WORDS, STOP_WORDS, WEEKDAYS, split_sentences, words

__all__ = [
    "Question",
    "asked_fields",
    "asking_sentence",
    "asks_for_names",
    "ends_in_members",
    "is_summary",
    "is_yes_no",
    "normalise",
    "understand",
]

PRESENTED_BY = r"(?:presented|given|taught|run|led|delivered|hosted|organi[sz]ed) by"
"""How a question says who presents an entry ("taught by <Name>")."""
PRESENTING = r"(?:giving|presenting|teaching|running)"
"""How a question asks whether someone presents an entry ("is <Name> giving …")."""
PERSON_NAME = r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+"
"""A person's name as written: two or more capitalised words."""

# Multi-word asks: patterns are certain where they match (the fast path); single words below generalise.
_PATTERNS: dict[str, re.Pattern[str]] = {
    "author_count": re.compile(
        r"how many (co-?)?authors|number of (co-?)?authors|author count|how many (people|researchers|persons) "
        r"(wrote|(co-?)?authored|worked)|author counts?",
        re.I,
    ),
    "date": re.compile(
        r"\bwhen\b.*\b(published|released|posted|submitted|appear(ed)?|come out|came out)\b|"
        r"publication date|date of publication|(what|which) date (was|is|did)",
        re.I,
    ),
    "affiliation": re.compile(
        r"affiliat|(which|what) (university|institution|institute|lab|organi[sz]ation|school|company)|"
        r"where (is|does|do|are) .*\b(from|work|works|based)\b|\bare from\b|\bis from\b|\b(he|she|they) from\b|"
        r"^\s*(is|are|was|were)\b[^?]*\bfrom\b|\bworks? (at|for)\b|\bbased (at|in)\b",
        re.I,
    ),
    "when": re.compile(r"\bwhen (is|does|will|was|do)\b|what time|which day|what day|at what time|scheduled", re.I),
    "people": re.compile(
        r"\bwho\b|which speakers?|which presenters?|\bpresenters?\b|\bco-?present\w*|"
        rf"\b{PRESENTED_BY}\b|"
        rf"^\s*(?:is|was|will)\s+(?-i:{PERSON_NAME})\s+{PRESENTING}\b|"
        r"\bhow many (people|persons|speakers|instructors|lecturers)\b(?! (wrote|(co-?)?authored|worked))",
        re.I,
    ),
    "title": re.compile(
        r"what (is|was) the title|title of|(what|which) (talk|tutorial) (does|do|did|will|is)|"
        r"\b(talk|tutorial|presentation) (is )?called\b|what is the name of|"
        r"what('s| is| was) (on|happening|scheduled|planned)\b|\b(programme|program|agenda|schedule)\b|"
        r"what (does|did|will) [^?]+ (talk|speak|present) (about|on)\s*\??\s*$",
        re.I,
    ),
    "authors": re.compile(
        r"\bwho (wrote|writes|authored|co-?authored|are the (co-?)?authors|is the (co-?)?author)\b|"
        r"\b(what|which) are the (names of the )?(co-?)?authors\b|\b(list|name) (all )?(the )?(co-?)?authors\b",
        re.I,
    ),
    "year": re.compile(r"\b(what|which) year\b|\byear of (publication|release)\b", re.I),
    "venue": re.compile(
        r"\b(what|which) (venue|journal|conference|proceedings|workshop)\b|\bwhere (was|is) .+ published\b|"
        r"\bpublished (in|at) (what|which)\b|\bvenue\b",
        re.I,
    ),
}

# Field nouns that ask by themselves in a keyword query ("lean tutorial presenters", "zenke affiliation"): a query
# without a question word names what it wants with a noun.
_FIELD_NOUNS: dict[str, frozenset[str]] = {
    "people": frozenset(
        "speaker speakers presenter presenters lecturer lecturers instructor instructors organiser organisers "
        "organizer organizers teacher teachers speaking presents presenting presented gives giving".split()
    ),
    "title": frozenset("title titled called named".split()),
    "affiliation": frozenset("affiliation affiliations affiliated university institution institute employer".split()),
    "when": frozenset("when day time schedule slot weekday".split()),
    "date": frozenset("published publication released date".split()),
    "author_count": frozenset(),
    "venue": frozenset("venue journal proceedings".split()),
}
# A verb of presenting after "who" in any form asks for people, as does "teach" in any form ("who's teaching it").
_PEOPLE_VERBS = re.compile(
    r"\b(teach(es|ing)?|taught|present(s|ing|ed)?|giv(e|es|ing)|gave|runs?|running|led|leads?)\b"
)
_WEEKDAYS = frozenset(d.lower() for d in WEEKDAYS)
_QUESTION_WORDS = frozenset("who whom whose what which when where why how is are was were does do did can".split())

_YES_NO_START = re.compile(
    r"^(?:(?:so|and|ok|okay|hey|hi|also|but|quick question|just checking)[,:]?\s+)*"
    r"(is|are|was|were|does|do|did|has|have|had|can|could|will|would|should|isn't|doesn't|didn't|aren't|wasn't)\b",
    re.I,
)
# "Can you list …", "could you give me …": a request phrased as a question, not a yes/no question.
_REQUEST = re.compile(r"^(?:\w+[,:]?\s+)?(can|could|would|will)\s+(you|u)\b", re.I)
_SUMMARY = re.compile(
    r"\b(summari[sz]e|summari[sz]ing|summary|summaries|overview|rundown|run-down|recap|round-?up|landscape|tl;?dr)\b|"
    r"\bwhat (?:the |this )?(?:corpus|library|collection) (?:has|says|offers|covers)\b|"
    r"\bwhat (?:does|do) (?:the |this )?(?:corpus|library|collection|sources|documents|papers|talks|tutorials|"
    r"daily papers|symposium|programme|program|conference)\b[^?]*\b(?:say|offer|cover|have|tell)\b|"
    r"\bwhat(?:'s| is) (?:there |in the (?:[^?]{0,30}? )?(?:corpus|library|collection|papers|talks|tutorials) )"
    r"(?:on|about)\b|"
    r"\btell me (?:about|what) (?:the |all )?(?:\w+ )?(?:talks|papers|tutorials|work|works|research)\b|"
    r"\b(?:themes|topics|threads) (?:of|in|across) (?:the |all )?(?:[\w-]+ ){0,3}?(?:talks|papers|tutorials)\b",
    re.I,
)
_REPEATS = re.compile(r"([?!.])\1+")


@dataclass(frozen=True)
class Question:
    """A question read once: its words as typed, the normalised text every later stage reads, and what it asks."""

    raw: str
    text: str
    asks: frozenset[str] = frozenset()
    yes_no: bool = False
    summary: bool = False
    keyword_query: bool = False


def normalise(text: str, correct: Callable[[str], str] | None = None) -> str:
    """Chat abbreviations and apostrophe-less contractions in full words, repeated punctuation once, runs of space
    one, and (with ``correct``) misspelt words corrected against the corpus vocabulary."""
    text = _REPEATS.sub(r"\1", expand_chat(" ".join(text.split())))
    return correct(text) if correct is not None else text


def is_keyword_query(text: str) -> bool:
    """A query typed as keywords: no question word, no question mark."""
    return "?" not in text and not (set(words(text)) & _QUESTION_WORDS)


_NOT_MEMBERS = frozenset(KIND_WORDS) | {n for nouns in _FIELD_NOUNS.values() for n in nouns} | {"authors", "details"}


def ends_in_members(text: str) -> bool:
    """Whether a keyword query ends in a plural noun that is neither a kind nor a record field: "set2seq datasets"
    asks for the datasets, "set2seq speedup" for a value, "lean tutorial presenters" for a record field."""
    tokens = words(text)
    last = tokens[-1] if tokens else ""
    return len(last) > 3 and last.endswith("s") and not last.endswith("ss") and last not in _NOT_MEMBERS


def asks_for_names(text: str) -> bool:
    """Whether the asking sentence asks for members of a class ("which benchmarks …", "what datasets …", a keyword
    query "X datasets") rather than for a description ("what is X about") or a yes/no: such an answer names them."""
    if is_yes_no(text):
        return False
    if is_keyword_query(text):
        return True
    tokens = words(text)
    return any(
        tok in ("what", "which") and i + 1 < len(tokens) and tokens[i + 1] not in STOP_WORDS
        for i, tok in enumerate(tokens)
    )


def asked_fields(text: str) -> frozenset[str]:
    """The record fields the (normalised) text asks for."""
    found = {name for name, pattern in _PATTERNS.items() if pattern.search(text)}
    tokens = words(text)
    if is_keyword_query(text):
        vocabulary = set(tokens)
        found |= {name for name, nouns in _FIELD_NOUNS.items() if vocabulary & nouns}
        if CLOCK_RE.search(text):
            found.add("people")  # a slot typed as keywords ("talks 4:20 pm wednesday") asks who is in it
    if "who" in tokens and _PEOPLE_VERBS.search(text.lower()):
        found.add("people")
    if is_yes_no(text) and (set(tokens) & _WEEKDAYS or CLOCK_RE.search(text)):
        found.add("when")  # "is X's talk on Monday?" asks for the day, to be checked against the record
    return frozenset(found)


def asking_sentence(text: str) -> str:
    """The sentence of a question that asks: the last one ending in "?", else the last one."""
    sentences = split_sentences(text.strip())  # not after initials ("Yue M. Lu") or abbreviations
    return next((s for s in reversed(sentences) if s.endswith("?")), sentences[-1] if sentences else "").strip()


def is_yes_no(text: str) -> bool:
    """A question answered by yes or no: its asking sentence starts with an auxiliary verb ("Is …", "Did …")."""
    asking = asking_sentence(text)
    return bool(_YES_NO_START.match(asking)) and not _REQUEST.match(asking)


def is_summary(text: str) -> bool:
    """A request for what several entries say about a topic ("summarise …", "an overview of …", "what does the
    corpus say about …")."""
    return bool(_SUMMARY.search(text))


_SEGMENT_END = re.compile(
    r"(?<=[.!?])\s+(?=\S)|(?<=:)\s+(?=\S)|(?<=,)\s+(?=(?:which|what|who|whom|whose|when|where|how|is|are|does|do|did|can)\b)",
    re.I,
)
_ASKING_START = re.compile(
    r"^\s*(which|what|who|whom|whose|when|where|why|how|is|are|was|were|does|do|did|can|could|list|name)\b", re.I
)
_ASKER = re.compile(r"\b(i|i'm|i've|i'd|me|my|we|we're|our|us)\b", re.I)


def without_preamble(text: str, off_topic: Callable[[str], bool]) -> str:
    """The question without leading sentences or clauses about the asker or the occasion ("I'm preparing slides for
    our group meeting.", "For a reading group next week, …"): a leading segment goes when it speaks of the asker (or
    is a clause before the question word) and is ``off_topic`` (close in meaning to nothing in the corpus). A
    segment that describes an entry in the asker's words stays."""
    segments = [s for s in _SEGMENT_END.split(text) if s.strip()]
    kept = list(segments)
    while len(kept) > 1:
        head = kept[0]
        if _ASKING_START.match(head):
            break  # it asks itself ("How many GPUs train TabPFN: A Transformer …?" splits at the title's colon)
        about_asker = bool(_ASKER.search(head)) or head.rstrip().endswith((":", ","))
        # "Quick question while I'm writing my paper: …": a remark about the asker that hands over with a colon.
        framing = head.rstrip().endswith(":") and bool(_ASKER.search(head))
        if not about_asker or not (framing or off_topic(head)):
            break
        kept.pop(0)
    return text if len(kept) == len(segments) else " ".join(kept)


def understand(
    raw: str, correct: Callable[[str], str] | None = None, off_topic: Callable[[str], bool] | None = None
) -> Question:
    """Read a question once into a :class:`Question` (``correct`` fixes misspellings against the corpus;
    ``off_topic`` tells text close in meaning to nothing in the corpus, for dropping a preamble about the asker)."""
    text = normalise(raw, correct)
    if off_topic is not None:
        text = without_preamble(text, off_topic)
    return Question(
        raw=raw,
        text=text,
        asks=asked_fields(text),
        yes_no=is_yes_no(text),
        summary=is_summary(text),
        keyword_query=is_keyword_query(text),
    )
