"""What a question asks for, read from its words: which kinds of entry (kind words become filters), whether it wants
a list, which part of a day, what kind of attribute the answer must contain, its topic words, and its parts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.entity_linking import ORDINAL_DAY_RE, parse_time
from assistant.understand import asking_sentence
from index.entries import Entry
from index.text import (
    CLOCK_PATTERN,
    CLOCK_RE,
    CORPUS_WORDS,
    KIND_WORDS,
    MONTHS,
    NUMBER_WORDS,
    REPORTING_WORDS,
    STOP_WORDS,
    WEEKDAYS,
    content_words,
    fold,
    is_content_word,
    number_near,
    numbers,
    split_sentences,
    stem_matches,
    words,
)

_KIND_CONTEXT = frozenset(
    "which what any the a an his her their this that whose all other symposium many list these those every some "
    "one two three four five six seven eight nine ten".split()
)
_LIST_NOUNS = (
    r"(talks|papers|tutorials|speakers|presenters|lectures|keynotes|articles|preprints|works|entries|sessions)"
)
_LIST_RE = re.compile(
    rf"^\s*(?:and\s+|so\s+)?(?:which|what)\s+(?:other\s+|else\s+)?(?:[\w-]+\s+){{0,3}}?{_LIST_NOUNS}\b|"
    rf"\b(?:list|name|show|enumerate|give me)\s+(?:me\s+)?(?:all\s+|every\s+|the\s+|some\s+)?(?:[\w-]+\s+){{0,4}}?"
    rf"{_LIST_NOUNS}\b|"
    rf"\bare there (?:any |other )?(?:[\w-]+\s+){{0,2}}?{_LIST_NOUNS}\b|"
    r"\b(?:list|name|show|give me|find)\s+(?:me\s+)?every\s+(?:[\w-]+\s+){0,2}?(?:talk|paper|tutorial|lecture)\b|"
    r"^\s*is there (?:a|an|any) (?:[\w-]+\s+){0,2}?(?:talk|paper|tutorial|lecture)s? "
    r"(?:on|about|that|which|covering)\b|"
    rf"\bhow many {_LIST_NOUNS}\b|"
    rf"\b{_LIST_NOUNS}\b[^?]*\b(?:which|what) are (?:they|these|those|them)\b|"
    r"\bwho (?:else )?(?:speaks|talks|presents|is speaking|gives? (?:a )?talks?|spoke|presented)\b.*\b(?:on|during)\b.*"
    rf"\b(?:{'|'.join(WEEKDAYS)}|morning|afternoon|evening)\b|"
    rf"\bwhich (?:of the )?(?:speakers|presenters|people|researchers)\b|"
    r"\bwho (?:is|are) (?:on|in) the (?:programme|program|schedule|agenda)\b",
    re.I,
)
# A query typed as a noun phrase whose head is a plural kind ("Tuesday afternoon talks", "papers on X from 2025",
# "tutorials with three presenters"): asks for every entry that fits, like "which talks …".
_NOUN_PHRASE_LIST = re.compile(rf"^\s*(?:[\w:.'-]+\s+){{0,3}}?{_LIST_NOUNS}\b", re.I)
_ASKING_WORD = re.compile(
    r"^\s*(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|can|could|will|would|should|"
    r"has|have|had|tell|explain|describe|summari[sz]e|give|show|find)\b",
    re.I,
)
_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)  # a noun phrase query asks nothing
# An existence question that refers back to a description given before it ("… Is there anything like that?").
_EXISTS = re.compile(
    r"^\s*(?:so\s+|and\s+)?(?:is|are) there (?:one|any|anything|something|some|such)\b|"
    r"^\s*(?:does|do) (?:one|any) exist",
    re.I,
)
_PLURAL_RE = re.compile(rf"\b(which|what|any|all|list|name)\b[^?]*\b{_LIST_NOUNS}\b", re.I)
_IDENTIFY_RE = re.compile(
    r"^\s*(?:which|what) (?:paper|talk|tutorial|article|work|study|lecture|speaker|presenter|researcher)\b|"
    r"\b(?:which|what) (?:paper|talk|tutorial|speaker) is (?:that|this|it)\b",
    re.I,
)
_TIME_RE = CLOCK_RE
PART_OF_DAY = {"morning": (0, 12 * 60), "afternoon": (12 * 60, 18 * 60), "evening": (18 * 60, 24 * 60)}
"""The parts of a day as minutes since midnight [start, end)."""
_BEFORE_AFTER = re.compile(rf"\b(before|after|until|from)\s+({CLOCK_PATTERN}|noon|lunch)", re.I)
_ATTRIBUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "quantity",
        re.compile(
            r"\bhow (many|much|large|big|long|fast|often|small)\b|\bby (how much|what factor)\b|"
            r"\bwhat (is the |was the )?([\w-]+ )?(number|percentage|fraction|proportion|size|speed-?up|accuracy|"
            r"error rate)\b|"
            r"\bhow many times\b",
            re.I,
        ),
    ),
    ("hardware", re.compile(r"\b(hardware|gpus?|tpus?|cpus?|accelerators?|chips?|cluster)\b", re.I)),
    ("year", re.compile(r"\b(what|which) year\b|\bin what year\b", re.I)),
    ("dataset", re.compile(r"\b(which|what) (datasets?|benchmarks?|corpora|corpus)\b", re.I)),
)
_HOW_MANY = re.compile(r"\bhow many\b", re.I)
# "how long", "how fast": the adjective asks for a value; it is not what the question is about.
# Only before a verb or at the end: in "how small transformers count" the adjective is part of the topic.
_HOW_SO = re.compile(
    r"\bhow (?:long|much|fast|big|large|small|often|well|far)\b"
    r"(?=\s+(?:does|do|did|is|are|was|were|will|would|can|could|has|have|had)\b|\s*[?.!]|\s*$)",
    re.I,
)
_HARDWARE_WORDS = re.compile(r"\b(gpus?|tpus?|cpus?|fpgas?|a100|h100|v100|nvidia|accelerators?|hardware)\b", re.I)
_YEAR_RE = re.compile(r"\b(19|20)\d{2}\b")
_PART_SPLIT = re.compile(
    r"\?\s+(?=\S)|,?\s+and\s+(?=(?:(?:for|in|on|at|of|with|by|from|to|under)\s+)?"
    r"(?:what|when|who|how|which|where|why|is|does|did|are)\b)|;\s*",
    re.I,
)
_ASKING = frozenset(
    """which what who whom whose when where why how many much list name show give tell enumerate are there any is
    does do did can could would me please else other others also kind kinds""".split()
)
_TOPIC_FILLER = frozenset(
    """about covering related relate relating involve involves mention mentions held take place scheduled happen
    happening available appear appears research researcher researchers people speak speaks speaking spoke
    conference workshop event day morning afternoon evening before after until between during programme program
    lunch noon midday break try tries tried trying look looks looked looking something anything thing things stuff
    someone somebody anyone anybody get gets got getting
    schedule agenda angle angles perspective perspectives viewpoint stance contribute contributes contribution
    contributions compare compared comparison contrast special notable noteworthy interesting remarkable unique
    main key argue argues argued build builds built use uses used using apply applies applied employ employs
    leverage leverages draw draws drawn summarise summarize summarised summarized summary summaries overview
    overviews rundown recap brief quick say says offer offers tell tldr claim claims claimed report reports
    reported demonstrate demonstrates demonstrated theme themes""".split()
)
"""Question words that are not its topic: schedule and event words, framing ("what angle", "compare"), and what an
entry does with its topic ("papers that argue about or build world models"), where any abstract's "we build" would
match. Reporting verbs and corpus words come from index.text and are added below."""
_TOPIC_FILLER_STEMS = frozenset(content_words(" ".join(_TOPIC_FILLER | REPORTING_WORDS | CORPUS_WORDS | _ASKING)))
# Counts ("two tutorials deal with …") say how many entries there are, not what they are about.
_COUNT_STEMS = frozenset(content_words(" ".join(w for w in NUMBER_WORDS if w not in ("single", "half"))))
_SKIP_STEMS = _TOPIC_FILLER_STEMS | _COUNT_STEMS | frozenset(content_words(" ".join((*WEEKDAYS, *MONTHS))))


@dataclass(frozen=True)
class Intent:
    """What a question asks for (every field derived from its words; nothing from the corpus)."""

    kinds: tuple[str, ...] = ()
    collection: str | None = None
    is_list: bool = False
    minutes: tuple[int, int] | None = None
    attribute: str | None = None
    topic: tuple[str, ...] = ()
    topic_phrase: str = ""
    parts: tuple[str, ...] = field(default_factory=tuple)
    identifies: bool = False
    counted: tuple[str, ...] = ()
    measure: str | None = None

    @property
    def kind(self) -> str | None:
        """The one kind asked for, if exactly one."""
        return self.kinds[0] if len(self.kinds) == 1 else None


def kinds_named(question: str) -> tuple[str, ...]:
    """Kinds of entry the question names as nouns ("which talks", "the tutorial", "papers in the library").
    "talk" after "who" or as a verb ("what does she talk about") is not a kind."""
    tokens = words(question)
    found: list[str] = []
    for i, tok in enumerate(tokens):
        kind = KIND_WORDS.get(tok)
        if kind is None:
            continue
        if tok in ("talk", "talks", "speaker", "speakers"):
            before = tokens[max(0, i - 2) : i]
            if not any(b in _KIND_CONTEXT for b in before) or (before and before[-1] in ("who", "she", "he")):
                continue
        if kind not in found:
            found.append(kind)
    low = fold(question)
    if re.search(r"\bsymposium\b", low) and "talk" not in found and not found:
        found.append("talk")
    if re.search(r"\b(library|daily papers?)\b", low) and "paper" not in found:
        found.append("paper")
    return tuple(found)


def collection_named(question: str) -> str | None:
    """The corpus page a question names: "Daily Papers" or the "Research Papers" library."""
    low = fold(question)
    if re.search(r"\bdaily papers?\b", low):
        return "Daily Papers"
    if re.search(r"\b(research )?(paper )?library\b", low):
        return "Research Papers"
    return None


_RANGE = re.compile(
    r"\b(?:between|from)\s+(\d{1,2})(?:[:.](\d{2}))?\s*([ap])?\.?m?\.?\s+(?:and|to|until|till|-)\s+"
    r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])?\.?m?\.?(?!\w)",
    re.I,
)


def _clock_minutes(hour: str, minute: str | None, half: str | None) -> int:
    """Minutes since midnight of a clock time written with or without am/pm: a bare hour below 8 is read as
    afternoon (a programme runs from morning to evening)."""
    h = int(hour) % 24
    if half:
        h = h % 12 + (12 if half.lower() == "p" else 0)
    elif h < 8:
        h += 12
    return h * 60 + int(minute or 0)


def time_window(question: str) -> tuple[int, int] | None:
    """Minutes since midnight [start, end) that "morning", "afternoon", "evening", "before 11 am", "after lunch",
    "between 9 and 10:30" restrict a schedule question to."""
    low = question.lower()
    ranged = _RANGE.search(question)
    if ranged:
        start = _clock_minutes(ranged.group(1), ranged.group(2), ranged.group(3) or ranged.group(6))
        end = _clock_minutes(ranged.group(4), ranged.group(5), ranged.group(6))
        if start < end:
            return (start, end + 1)  # a talk starting at the range's end is in it
    for name, window in PART_OF_DAY.items():
        if re.search(rf"\b{name}\b", low):
            return window
    m = _BEFORE_AFTER.search(question)
    if not m:
        return None
    at = 12 * 60 if m.group(2).lower() in ("noon", "lunch") else minutes_of(parse_time(m.group(2)))
    if at is None:
        return None
    return (0, at) if m.group(1).lower() in ("before", "until") else (at + (1 if m.group(1) == "after" else 0), 24 * 60)


def schedule_key(entry: Entry) -> tuple[str, int]:
    """Where an entry falls in the programme: its date, then its start time in minutes (0 when it has none)."""
    return (entry.date or "", minutes_of(parse_time(entry.time or "")) or 0)


_SLOT = r"(?:talk|speaker|session|presentation|slot|one)"
_FIRST_SLOT = re.compile(rf"\b(?:first|opening|earliest)\s+{_SLOT}\b|\b(?:speaks?|talks?|goes|is on) first\b", re.I)
_LAST_SLOT = re.compile(rf"\b(?:last|final|closing|latest)\s+{_SLOT}\b|\b(?:speaks?|talks?|goes|is on) last\b", re.I)
SLOT_WORDS = frozenset("first opening earliest last final closing latest".split())
"""The words that place a talk in the programme ("the first talk", "who speaks last")."""


def slot_asked(question: str) -> str | None:
    """ "first" or "last" when the question asks for the first or last slot of the programme (or of a day)."""
    first, last = bool(_FIRST_SLOT.search(question)), bool(_LAST_SLOT.search(question))
    return None if first == last else ("first" if first else "last")


def minutes_of(canonical_time: str | None) -> int | None:
    """ "4:20 pm" → 980 (minutes since midnight); None for None."""
    if not canonical_time:
        return None
    m = re.fullmatch(r"(\d{1,2}):(\d{2}) ([ap])m", canonical_time)
    if not m:
        return None
    hour = int(m.group(1)) % 12 + (12 if m.group(3) == "p" else 0)
    return hour * 60 + int(m.group(2))


def attribute_asked(question: str) -> str | None:
    """The kind of value the answer must contain: quantity, hardware, year or dataset (None: anything)."""
    return next((name for name, pattern in _ATTRIBUTES if pattern.search(question)), None)


_MEASURE = re.compile(
    r"\bwhat (?:is the |was the )?(?:[\w-]+ )?(percentage|fraction|proportion|speed-?up|accuracy|error rate)\b", re.I
)
DURATION = "duration"
_HOW_LONG = re.compile(r"\bhow long\b|\bhow much time\b", re.I)
_DURATION = re.compile(
    r"\b(?:\d[\d.,]*|one|two|three|four|five|six|ten|a few|several)\s*-?\s*"
    r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|GPU[- ]hours?)\b",
    re.I,
)
_LENGTH = re.compile(r"\b(length|duration)\b", re.I)  # "how long" is a duration already (measured_word)
_LENGTH_STEMS = frozenset({"length", "durat"})
_MEASURE_UNITS = {"percentag": "%", "fraction": "%", "proport": "%", "accuraci": "%", "error": "%"}


def measured_word(question: str) -> str | None:
    """The stem of the measure a question asks for ("What classification accuracy does X reach?" → "accuraci")."""
    if _HOW_LONG.search(question):
        return DURATION
    match = _MEASURE.search(question)
    if match is None:
        return None
    found = content_words(match.group(1))
    return found[0] if found else None


def counted_words(question: str) -> tuple[str, ...]:
    """Stems of what a "how many" question counts ("How many open-weight models did it examine?" → open-weight,
    model; "how many artworks or artists are in it?" → artwork, artist)."""
    match = _HOW_MANY.search(question)
    if match is None:
        return ()
    out: list[str] = []
    following = words(question[match.end() :])[:5]
    for n, word in enumerate(following):
        if word in ("or", "and"):
            continue
        if not is_content_word(word):
            break
        out.extend(content_words(word))
        if word.endswith("s") and following[n + 1 : n + 2] not in (["or"], ["and"]):
            break  # the plural noun ends what is counted ("how many discussants took part")
    return tuple(out)


def has_attribute(text: str, attribute: str | None, counted: Sequence[str] = (), measure: str | None = None) -> bool:
    """Whether a text can answer for that kind of value (a number, a hardware name, a year, a named dataset). For a
    count, a text that names what is counted must have a number next to it: "two tasks" does not say how many
    artists a dataset has."""
    if attribute is None:
        return True
    text = text.replace("\\%", "%")  # abstracts keep LaTeX's escaped per cent sign
    if attribute == "quantity":
        if measure == DURATION:
            return bool(_DURATION.search(text))
        if measure is not None:
            # A measure is stated by its word or its unit: "230x speedup", "an accuracy of 91%", "91% accuracy".
            unit = _MEASURE_UNITS.get(measure)
            return number_near(text, (measure,)) or bool(unit and re.search(rf"\d\s*{re.escape(unit)}", text))
        if counted and any(stem_matches(c, set(content_words(text))) for c in counted):
            return number_near(text, counted)
        return bool(numbers(text))
    if attribute == "hardware":
        return bool(_HARDWARE_WORDS.search(text))
    if attribute == "year":
        return bool(_YEAR_RE.search(text))
    if attribute == "dataset":
        return bool(re.search(r"\b(dataset|benchmark|corpus|suite)s?\b|\b[A-Z][A-Za-z]*[A-Z0-9]\w*\b", text))
    return True


def topic_words(question: str) -> tuple[str, ...]:
    """Stems of what the question is about: its content words without question, kind, corpus and schedule words."""
    out: list[str] = []
    for stem in content_words(_HOW_SO.sub(" ", _TIME_RE.sub(" ", ORDINAL_DAY_RE.sub(" ", question)))):
        if stem in _SKIP_STEMS or stem in STOP_WORDS or stem.isdigit() or stem in out:  # "what's" stems to "what"
            continue
        out.append(stem)
    return tuple(out)


def topic_phrase(question: str) -> str:
    """The question's topic in its own words, for embedding ("which talks draw on neuroscience or biology?" →
    "neuroscience or biology"): question, kind, corpus, schedule and framing words left out, "or" kept."""
    kept = [
        w
        for w in words(_TIME_RE.sub(" ", ORDINAL_DAY_RE.sub(" ", question)))
        if w == "or" or (is_content_word(w) and not w.isdigit() and (content_words(w) or [""])[0] not in _SKIP_STEMS)
    ]
    while kept and kept[0] == "or":
        kept.pop(0)
    while kept and kept[-1] == "or":
        kept.pop()
    return " ".join(kept)


_ASKS = re.compile(r"\s*(which|what|how|who|whom|when|where|why)\b", re.I)
_ASK_START = re.compile(
    r"(?:,|;|\?)\s*(?:and\s+)?(which|what|how|who|whom|when|where|why|does|did|is|are|was|were)\b", re.I
)


_EACH_RE = re.compile(r"\b(each|both|compare|compared|comparison|contrast|differ|differs|difference|versus|vs)\b", re.I)


def asks_each(question: str) -> bool:
    """Whether the question asks about each of several entries ("compare A and B", "what does each do?")."""
    return bool(_EACH_RE.search(question))


def ask_part(question: str) -> str:
    """The part of a question that asks, without a leading clause that only identifies the entry ("In the tutorial
    that builds X, which component does Y?" → "which component does Y?"; "A paper does X. What does it use?" →
    "What does it use?"); the whole question otherwise."""
    sentences = split_sentences(question)
    if len(sentences) > 1 and sentences[-1].endswith("?") and len(sentences[-1].split()) >= 3:
        # "A paper does X. Which Y does it use?": the description finds the entry, the last sentence asks.
        question = sentences[-1]
    found = list(_ASK_START.finditer(question))
    if not found or (_ASKS.match(question) and not _IDENTIFY_RE.match(question)):
        # It starts by asking: a later ", and how …" is a second ask. Only "which paper …, and what …?" starts by
        # identifying the entry.
        return question
    tail = question[found[0].start(1) :]
    return tail if len(tail.split()) >= 3 else question


def split_parts(question: str) -> tuple[str, ...]:
    """The separate asks of a question ("How many authors does X have, and when was it published?" → two)."""
    parts = [p.strip(" ,;?") for p in _PART_SPLIT.split(question) if p and p.strip(" ,;?")]
    return tuple(parts) if len(parts) > 1 else (question.strip(),)


def read_intent(question: str) -> Intent:
    """Everything the pipeline needs to know about what the question asks for."""
    parts = split_parts(question)
    is_list = bool(_LIST_RE.search(question)) and not (len(parts) > 1 and question.lower().startswith("is there"))
    if is_list and parse_time(question) and not _PLURAL_RE.search(question):
        is_list = False  # "who talks at 4:20 pm on Wednesday?" names one slot
    noun_phrase = _NOUN_PHRASE_LIST.match(question) and not _ASKING_WORD.match(question) and not _WH.search(question)
    if not is_list and len(parts) == 1 and noun_phrase:
        is_list = True
    asking = asking_sentence(question)
    if not is_list and asking != question.strip() and _EXISTS.match(asking):
        is_list = True  # "<what I look for>. Is there one?": the entries that fit the description before it
    kinds = kinds_named(question)
    measure = measured_word(question)
    attribute = attribute_asked(asking)  # a context before the ask may mention anything
    if measure is None and {"talk", "tutorial"} & set(kinds) and _LENGTH.search(asking):
        measure, attribute = DURATION, "quantity"  # a talk's or tutorial's length is its duration
    return Intent(
        kinds=kinds,
        collection=collection_named(question),
        is_list=is_list,
        minutes=time_window(question),
        attribute=attribute,
        topic=tuple(t for t in topic_words(question) if not (measure == DURATION and t in _LENGTH_STEMS)),
        topic_phrase=topic_phrase(question),
        parts=parts,
        identifies=bool(_IDENTIFY_RE.search(question)) and not is_list,
        counted=counted_words(question),
        measure=measure,
    )
