"""List answers: "which talks are about X?", "which tutorials cover Y?", "who speaks on Tuesday afternoon?", "which
speakers are from Z?". Each item is an entry with its citation and one line of evidence; complete (every entry whose
title or one sentence carries the topic) and without unrelated entries; ordered by relevance, or by time for
schedule questions."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant.entity_linking import EntityLinker, parse_day, parse_time
from assistant.evidence import entry_sentences
from assistant.intent import SLOT_WORDS, Intent, minutes_of, schedule_key, slot_asked
from assistant.premises import people_counts
from index.entries import Entry
from index.text import content_words, fold, stem_matches, words

MAX_ITEMS = 15
_EVIDENCE_CHARS = 170
KIND_PLURAL = {"talk": "talks", "tutorial": "tutorials", "paper": "papers"}


@dataclass
class ListItem:
    """One entry of a list answer, with the line of evidence that puts it there."""

    entry: Entry
    evidence: str
    score: float
    marker: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable form."""
        return {"marker": self.marker, "entry_id": self.entry.id, "title": self.entry.title, "evidence": self.evidence}


@dataclass
class ListResult:
    """The items of a list answer, how they were chosen, and how many matched in all."""

    items: list[ListItem] = field(default_factory=list)
    detail: str = "topic"
    total: int = 0
    noun: str = "entries"


def _topic_match(topic: Sequence[str], weights: dict[str, float], initials: str, entry: Entry) -> tuple[float, str]:
    """How much of the topic (words weighted by rarity) the entry carries in its title or in one sentence, not
    scattered over its text, and that sentence."""
    if not topic:
        return 0.0, ""
    total = sum(weights.get(t, 1.0) for t in topic)
    best, line = 0.0, ""
    for text in [entry.title, *entry_sentences(entry)]:
        vocab = set(content_words(text))
        share = sum(weights.get(t, 1.0) for t in topic if stem_matches(t, vocab)) / total
        if _says_initials(text, initials):
            share = 1.0
        if share > best:
            best, line = share, text
    return best, line


def _says_initials(text: str, initials: str) -> bool:
    """Whether the text uses the topic's acronym ("LLM" or "LLMs" for "large language models")."""
    return bool(initials) and re.search(rf"\b{initials}s?\b", fold(text)) is not None


def _initials(question_topic_words: Sequence[str]) -> str:
    """ "graph neural networks" → "gnn" (an acronym a text may use instead of the words)."""
    return "".join(w[0] for w in question_topic_words) if len(question_topic_words) >= 2 else ""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EVIDENCE_CHARS else text[: _EVIDENCE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _in_window(entry: Entry, window: tuple[int, int] | None) -> bool:
    if window is None:
        return True
    at = minutes_of(parse_time(entry.time or ""))
    return at is not None and window[0] <= at < window[1]


_TBD_RE = re.compile(
    r"\b(no|not|without|untitled|tbd|yet to|to be)\b.*\btitles?\b|\btitles?\b.*\b(tbd|yet|missing)\b", re.I
)
_YEAR = re.compile(
    r"\b(?:from|in|of|dated|published in|released in|posted in)\s+((?:19|20)\d{2})\b|"
    r"\b((?:19|20)\d{2})\s+(?:daily\s+)?(?:papers|talks|tutorials|entries|preprints|articles)\b",
    re.I,
)
_AFFILIATION_CUE = re.compile(r"\b(from|at|affiliat\w*|based|institutions?|universit\w*|labs?|works? at)\b", re.I)
_GENERIC_AFFILIATION = frozenset(
    "university universities institute institution of the and for de la school center centre department college "
    "national laboratory lab research medical technology".split()
)
_AFFILIATION_WORDS = frozenset(content_words("come list among affiliation affiliations institution institutions based"))
DENSE_FLOOR = 0.45
DENSE_MARGIN = 0.25
LEXICAL_SHARE = 0.8
LEXICAL_FLOOR = 0.3
STRONG_DENSE = 0.6
ANCHOR_WEIGHT = 1.5
ANCHORS_PER_CORE = 2
ANCHOR_SHARE = 0.7
DESCRIPTION_WORDS = 5
"""A topic match is an entry whose best title-or-sentence similarity to the topic is within DENSE_MARGIN of the best
entry's (and at least DENSE_FLOOR), or whose title or one sentence carries nearly every topic word (LEXICAL_SHARE of
their rarity-weighted sum) while still being somewhat similar (LEXICAL_FLOOR), or all of them (or their acronym:
"LLMs" for "large language models", which MiniLM barely relates). Below STRONG_DENSE, a similar entry must also
mention the distinctive words (rarity weight at least ANCHOR_WEIGHT: never "learning" or "model") of one alternative
of the topic ("circuits or computational graphs" has two); see ``_anchor_groups``."""


@dataclass(frozen=True)
class ListContext:
    """What a list answer draws on besides the question: every entry, the caller's filter, entity links, the
    similarity of each entry to the question's topic, and how rare each topic word is in the corpus."""

    entries: Sequence[Entry]
    linker: EntityLinker
    accepts: Callable[[Entry], bool]
    similarity: Callable[[str, Sequence[Entry]], dict[str, float]]
    weights: dict[str, float] = field(default_factory=dict)


def _affiliated(question: str, pool: Sequence[Entry]) -> list[Entry] | None:
    """Entries whose speaker's affiliation the question names (any distinctive word of it), when it asks by
    affiliation at all; None when it does not."""
    if not _AFFILIATION_CUE.search(question):
        return None
    asked = set(words(question))
    hits = []
    for e in pool:
        names = {w for w in words(e.affiliation or "") if len(w) >= 3 and w not in _GENERIC_AFFILIATION}
        if names & asked:
            hits.append(e)
    return hits or None


_COUNT_NOUNS = frozenset(
    content_words(
        "author authors presenter presenters speaker speakers people persons researchers instructors single sole"
    )
    + content_words("exactly just only")
)


def _year_of(entry: Entry) -> int | None:
    if entry.year:
        return entry.year
    found = re.search(r"\b(?:19|20)\d{2}\b", entry.date or "")
    return int(found.group()) if found else None


_COMPARING = frozenset(content_words("more most over least fewer less than under"))
"""Words of a stated people count ("more than five authors") that say nothing of the topic."""


def _people_count(entry: Entry) -> int | None:
    return len(entry.people) if entry.people else entry.authors_count


def find_list(question: str, intent: Intent, ctx: ListContext, *, each_alternative: bool = False) -> ListResult:
    """The entries a list question asks for (see the module docstring). With ``each_alternative`` (a summary of
    "X and Y"), an entry close to one alternative of the topic is a match even when another entry, close to both,
    is much closer to the whole."""
    pool = [e for e in ctx.entries if ctx.accepts(e)]
    if intent.kinds:
        pool = [e for e in pool if e.kind in intent.kinds]
    if intent.collection:
        pool = [e for e in pool if e.collection == intent.collection]
    noun = " or ".join(KIND_PLURAL[k] for k in intent.kinds) if intent.kinds else "entries"
    day = parse_day(question, ctx.entries)
    schedule = bool(day or intent.minutes)
    if schedule:
        pool = [e for e in pool if e.kind != "paper" and (not day or (e.day or "").lower() == day.lower())]
        pool = [e for e in pool if _in_window(e, intent.minutes)]
        noun = noun if intent.kinds else "talks"
    # Where the entries took place ("at the Rovinj symposium") says which entries, not what they are about.
    places = {t for e in pool if e.location for t in content_words(e.location)}
    topic = [t for t in intent.topic if t not in places]
    if places & set(intent.topic):
        phrase = " ".join(w for w in intent.topic_phrase.split() if not set(content_words(w)) & places)
        intent = replace(intent, topic=tuple(topic), topic_phrase=phrase)
    detail = "schedule" if schedule else "all"
    affiliated = _affiliated(question, pool)
    if affiliated is not None:
        pool, detail = affiliated, "affiliation"
        affiliation_stems = {t for e in pool for t in content_words(e.affiliation or "")}
        topic = [t for t in topic if t not in affiliation_stems and t not in _AFFILIATION_WORDS]
    if _TBD_RE.search(question):
        pool, topic, detail = [e for e in pool if e.title.startswith("TBD")], [], "untitled"
    counts = people_counts(question)
    if counts:
        # An entry whose people are not recorded has no count to meet ("fewer than three" is not "none known").
        pool = [e for e in pool if (n := _people_count(e)) is not None and counts[0] <= n <= counts[1]]
        detail = "count"
        topic = [t for t in topic if not any(part in _COUNT_NOUNS | _COMPARING for part in t.split("-"))]
    found = _YEAR.search(question)
    if found:
        year = found.group(1) or found.group(2)
        pool, detail = [e for e in pool if _year_of(e) == int(year)], "year"
        topic = [t for t in topic if t != year]
    slot = slot_asked(question) if schedule else None
    if slot:
        topic = [t for t in topic if t not in SLOT_WORDS]
    if not topic:
        items = [ListItem(e, e.metadata_line(), 1.0) for e in pool]
        items.sort(key=lambda it: schedule_key(it.entry))
        if slot and items:  # "who speaks last on Tuesday?": that day's last talk
            items = items[:1] if slot == "first" else items[-1:]
        return ListResult(items[:MAX_ITEMS], detail, len(items), noun)
    return _by_topic(question, intent, topic, pool, ctx, schedule, noun, detail, each_alternative)


def _by_topic(
    question: str,
    intent: Intent,
    topic: list[str],
    pool: list[Entry],
    ctx: ListContext,
    schedule: bool,
    noun: str,
    detail: str,
    each_alternative: bool = False,
) -> ListResult:
    phrase = intent.topic_phrase or " ".join(topic)
    # (Measuring each alternative on its own was tried for lists too: "which papers use LLMs to write or optimise
    # GPU kernels" splits into halves that are not alternatives, and list precision fell.)
    split = each_alternative and " or " in phrase
    alternatives = [phrase, *(p for p in phrase.split(" or ") if p.strip() and split)]
    similarities = [ctx.similarity(alternative, pool) if pool else {} for alternative in alternatives]
    floors = [_floor(similarity) for similarity in similarities]
    similarity = {e.id: max(sims.get(e.id, 0.0) for sims in similarities) for e in pool}
    initials = _initials([w for w in words(question) if stem_in_topic(w, topic)])
    anchors = _anchor_groups(topic_parts(question, topic), ctx.weights)
    items = []
    for entry in pool:
        share, line = _topic_match(topic, ctx.weights, initials, entry)
        dense = similarity.get(entry.id, 0.0)
        near = any(
            sims.get(entry.id, 0.0) >= floor
            and (sims.get(entry.id, 0.0) >= STRONG_DENSE or _anchored(entry, anchors, initials))
            for sims, floor in zip(similarities, floors, strict=True)
        )
        if near or (share >= LEXICAL_SHARE and dense >= LEXICAL_FLOOR) or (share >= 0.99 and dense >= 0.2):
            items.append(ListItem(entry, _short(line or entry.title), dense + 0.15 * share))
    items.sort(key=(lambda it: schedule_key(it.entry)) if schedule else (lambda it: -it.score))
    detail = f"{detail}+topic" if detail not in ("all",) else "topic"
    return ListResult(items[:MAX_ITEMS], detail, len(items), noun)


def _floor(similarity: dict[str, float]) -> float:
    """The least similarity of a topic match: within DENSE_MARGIN of the best entry, at least DENSE_FLOOR. One
    near-exact title should not raise the bar for every other match: the best is measured from the runner-up."""
    ranked = sorted(similarity.values(), reverse=True)
    best = min(ranked[0], ranked[1] + 0.15) if len(ranked) > 1 else (ranked[0] if ranked else 0.0)
    return max(DENSE_FLOOR, best - DENSE_MARGIN)


_CORE_ENDS = frozenset("for in inside within with without across via under beyond through from at into".split())
"""Prepositions that end a topic's core once it has a word: what follows says where or for what, not what."""


@dataclass(frozen=True)
class TopicPart:
    """One alternative of a topic ("… or …"): its topic words, and those of its core, the words before a trailing
    "for …", "in …", "with …" phrase."""

    words: tuple[str, ...]
    core: tuple[str, ...]


def topic_parts(question: str, topic: Sequence[str]) -> list[TopicPart]:
    """The alternatives of the question's topic: "which papers trace circuits or computational graphs inside neural
    networks?" → (trace, circuit) and (comput, graph, neural, network) whose core is (comput, graph)."""
    parts: list[tuple[list[str], list[str]]] = [([], [])]
    ended = False
    for word in words(question):
        if word == "or":
            parts.append(([], []))
            ended = False
            continue
        alternative, core = parts[-1]
        if word in _CORE_ENDS and core:
            ended = True
            continue
        stem = (content_words(word) or [""])[0]
        if stem in topic and stem not in alternative:
            alternative.append(stem)
            if not ended:
                core.append(stem)
    found = [TopicPart(tuple(a), tuple(c)) for a, c in parts if c]
    return found or [TopicPart(tuple(topic), tuple(topic))]


def _anchor_groups(parts: Sequence[TopicPart], weights: dict[str, float]) -> list[tuple[list[str], bool]]:
    """Per alternative, its distinctive words and whether an entry must carry all of them (else any one).

    A short alternative names a concept ("world models for agents"): an entry must carry the ANCHORS_PER_CORE rarest
    words of its core. A longer one (more than DESCRIPTION_WORDS words) describes an entry in the asker's words
    ("whether sequence models can predict long jumps in the 3n+1 iteration that maps odd integers…"): any one of its
    rarest words (rarity at least ANCHOR_SHARE of the rarest's) will do, since a description seldom repeats the
    entry's own words. Words no entry has stand in when none is distinctive; an empty group means no condition."""
    groups = []
    for part in parts:
        described = len(part.words) > DESCRIPTION_WORDS
        pool = part.words if described else part.core
        seen = sorted((t for t in pool if weights.get(t, 0.0) >= ANCHOR_WEIGHT), key=lambda t: -weights[t])
        if described and seen:
            group = [t for t in seen if weights[t] >= ANCHOR_SHARE * weights[seen[0]]]
        elif seen:
            group = seen[:ANCHORS_PER_CORE]
        else:
            group = sorted((t for t in pool if t not in weights and len(t) > 3), key=len, reverse=True)[:1]
        groups.append((group, not described))
    return groups


def _anchored(entry: Entry, groups: Sequence[tuple[Sequence[str], bool]], initials: str) -> bool:
    """Whether the entry mentions the distinctive words of one alternative of the topic (or the topic's acronym)
    anywhere: a middling similarity to "quantum machine learning" from "computation is machine learning" is not a
    match, nor one to "world models for agents" from an entry about agents alone."""
    if any(not group for group, _ in groups):
        return True
    if _says_initials(f"{entry.title} {entry.text}", initials):
        return True
    vocab = _vocabulary(entry.title, entry.text)
    return any((all if every else any)(stem_matches(a, vocab) for a in group) for group, every in groups)


@lru_cache(maxsize=4096)
def _vocabulary(title: str, text: str) -> frozenset[str]:
    return frozenset(content_words(f"{title} {text}"))


def rarity_weights(entries: Iterable[Entry]) -> dict[str, float]:
    """Inverse document frequency of every content stem over the entries' titles and texts."""
    counts: Counter[str] = Counter()
    n = 0
    for entry in entries:
        counts.update(set(content_words(f"{entry.title} {entry.text}")))
        n += 1
    return {stem: math.log((n + 1) / (c + 1)) + 0.1 for stem, c in counts.items()}


def stem_in_topic(word: str, topic: Sequence[str]) -> bool:
    """Whether a question word is one of the topic's words."""
    word_stems = content_words(word)
    return bool(word_stems) and word_stems[0] in topic


def render_intro(result: ListResult) -> str:
    """The sentence before the items: how many matched (and how many are shown)."""
    n = result.total
    noun = result.noun if n != 1 else result.noun.rstrip("s").replace("entrie", "entry")
    shown = f"; the first {len(result.items)} are" if n > len(result.items) else ""
    return f"{n} {noun} in the corpus match{'es' if n == 1 else ''}{shown}:"


def render_item(position: int, item: ListItem) -> str:
    """One line: title, who and when from the record, then the evidence line, then the marker."""
    e = item.entry
    people = ", ".join(e.people) + (f", {e.affiliation}" if e.affiliation else "")
    facts = [p for p in (people if e.people else "", e.when) if p]
    head = f"{position}. “{e.title}”" + (f" ({'; '.join(facts)})" if facts else "")
    quote = item.evidence if item.evidence and item.evidence != e.metadata_line() else ""
    return f"{head}" + (f": “{quote}”" if quote and quote != e.title else "") + f" [{item.marker}]"


def render_empty(result: ListResult) -> str:
    """The one sentence of an empty list answer."""
    return f"No {result.noun} in the corpus match this question."
