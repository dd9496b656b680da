"""The product's one vocabulary for text: words, stems, stop words, citation markers, numbers, months, sentences.

Parsers, retrieval, verification and the UI highlighter all use these, so "a content word" or "a number" means the
same thing everywhere. (The evaluation keeps its own deliberately independent copy in ``evals/metrics.py``.)"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from functools import lru_cache

import Stemmer

STOP_WORDS: frozenset[str] = frozenset(
    """
    a an the and or but if of to in on at by for with from as is are was were be been being this that these
    those it its it's they them their there here which who whom whose what when where why how do does did done
    has have had not no nor so than then too very can could would should will shall may might must about into
    over under also such each both all any some more most other only own same just i you we he she his her our
    your my me us according says say said inside within across among amongst via through throughout toward towards
    beyond upon onto outside along amid versus vs per between behind around near beside besides
    http https www com org html
    """.split()
)
"""English function words, and the scaffolding of a web address: never evidence of support, never highlighted."""

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
    """
    paper papers talk talks tutorial tutorials source sources corpus library symposium daily page pages entry
    entries work works study studies article articles keynote speaker speakers presenter presenters abstract
    abstracts list listed
    """.split()
)
"""Words that refer to the corpus itself rather than to what an entry is about."""

REPORTING_WORDS: frozenset[str] = frozenset(
    """
    analyse analyses analyze analyzes analysis present presents presented study studies studied propose proposes
    proposed discuss discusses discussed introduce introduces introduced investigate investigates investigated
    explore explores explored describe describes described address addresses addressed cover covers covered examine
    examines examined consider considers considered focus focuses focused deal deals concern concerns talk talks
    topic topics work works title titled called named entitled give gives given provide provides provided show
    shows shown
    """.split()
)
"""Verbs of reporting ("the paper presents …"): a sentence made only of these and the title says nothing."""

FRAME_WORDS: frozenset[str] = REPORTING_WORDS - frozenset(
    "analysis work works give gives given provide provides provided show shows shown".split()
)
"""Reporting verbs that only frame what an entry is about or what it calls something ("the paper introduces X",
"its algorithm is called X"): a sentence may frame a span's fact with them although the span words it otherwise
("we present X"). Not "shows" or "provides": those claim a result, which the span must state."""

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
CLOCK_PATTERN = r"\b\d{1,2}(?:[:. ]\d{2})?\s*[ap]\.?\s*m\b"
"""A clock time as people write it: "4:20 pm", "4.20pm", "4 20 pm", "9 am" (case-insensitive)."""
CLOCK_RE = re.compile(CLOCK_PATTERN, re.I)
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
NUMBER_RE = re.compile(
    r"(?<![\w.])\d{1,3}(?:[ \u202f\u2009]\d{3})+(?![\d.,])|(?<![\w.])\d+(?:[.,]\d+)*(?![\w])|"
    r"\d+(?:\.\d+)?(?=[x×%BMKk]\b|[x×%]|times|-fold|fold)"
)
_NUMBER_WORD_RE = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.I)
MARKER_RE = re.compile(r"\s*\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")
"""A citation marker such as [1], [2, 3] or [1-2], with the space before it."""

SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")
"""Where a streamed answer may be cut into sentences (model output has no abbreviations to guard)."""
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Eqs|Sec|Dr|Prof|Mr|Ms|No|approx|resp|al)|\b[A-Z])\.$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(\[]?[A-Z0-9])|\n+")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


_LATEX_WRAPPED = re.compile(r"\\(?:emph|textbf|textit|texttt|mathrm|mathbf)\{([^{}]*)\}")
_LATEX_CITE = re.compile(r"~?\\cite[tp]?\{[^{}]*\}")
_LATEX_TIMES = re.compile(r"\$?\s*\\times\s*\$?")
_GLUED_TIMES = re.compile(r"(?<=\d)times\b")
_INLINE_MATH = re.compile(r"\$([^$\s][^$]{0,40}?)\$")


def readable(text: str) -> str:
    """Text as a reader should see it, where an abstract kept LaTeX or lost it on the way: "97.6\\%" is "97.6%",
    "5$\\times$" and a glued "1.68times" are "×", "\\emph{x}" is "x", citations ("~\\cite{key}") are left out and
    inline math loses its dollar signs ("$O(n)$")."""
    if "\\" not in text and "$" not in text and "times" not in text:
        return text
    text = _LATEX_CITE.sub("", text.replace("\\%", "%"))
    text = _LATEX_WRAPPED.sub(r"\1", text)
    text = _LATEX_TIMES.sub("×", text)
    text = _GLUED_TIMES.sub("×", text)
    return re.sub(r"(?<=\S) {2,}(?=\S)", " ", _INLINE_MATH.sub(r"\1", text))


def fold(text: str) -> str:
    """Lower-case, accents removed ("Stéphane" → "stephane"): the form every comparison of words uses."""
    if text.isascii():  # NFKD and the ASCII filter leave ASCII text as it is
        return text.lower()
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize_title(title: str) -> str:
    """Case-, accent-, punctuation- and whitespace-insensitive form of a title, for matching duplicates."""
    return _NOT_ALNUM.sub(" ", fold(title)).strip()


_GLUED_UNIT = re.compile(r"(\d)(times|fold|x)\b")


def words(text: str) -> list[str]:
    """Every word of the text, folded (lower case, no accents), in order ("230times" is two words)."""
    return WORD_RE.findall(_GLUED_UNIT.sub(r"\1 \2", fold(text)))


# British -ise/-isation and -our spellings, mapped to the American ones Snowball stems differently ("optimise" →
# "optimis" but "optimize" → "optim"); the stems before them are long enough, and the exceptions listed, to leave
# "promise", "exercise", "expertise", "four", "hour" and "contour" alone.
_BRITISH_ISE = re.compile(r"^([a-z]{4,}?)is(e|es|ed|ing|er|ers|ation|ations|ational)$")
_NOT_ISE = frozenset(
    "surpr exerc expert comprom advert superv telev disgu treat merchand enterpr franch otherw likew clockw prec "
    "conc chem dem exc inc prem prom".split()
)
_BRITISH_YSE = re.compile(r"^([a-z]{2,})ys(e|es|ed|ing|er|ers)$")
_BRITISH_OUR = re.compile(r"^([a-z]{3,})our(s|ed|ing|al|ally|ite|ites|able|less)?$")
_NOT_OUR = frozenset("cont det dev troubad".split())
# "llms", "gnns", "mlps": an acronym's plural (no vowel before the s), which Snowball leaves as it is.
_ACRONYM_PLURAL = re.compile(r"^([b-df-hj-np-tv-z0-9]{2,})s$")


@lru_cache(maxsize=65536)
def spelling_variant(word: str) -> str:
    """One spelling for words written two ways: British -ise, -yse and -our to -ize, -yze and -or, and an acronym's
    plural to its singular ("optimisation" → "optimization", "behaviour" → "behavior", "llms" → "llm")."""
    if match := _ACRONYM_PLURAL.match(word):
        return match.group(1)
    if (match := _BRITISH_ISE.match(word)) and match.group(1) not in _NOT_ISE:
        return f"{match.group(1)}iz{match.group(2)}"
    if match := _BRITISH_YSE.match(word):
        return f"{match.group(1)}yz{match.group(2)}"
    if (match := _BRITISH_OUR.match(word)) and match.group(1) not in _NOT_OUR:
        return f"{match.group(1)}or{match.group(2) or ''}"
    return word


def stems(tokens: list[str]) -> list[str]:
    """Snowball (English) stems of already-folded words, British and American spellings alike."""
    return _stemmer().stemWords([spelling_variant(t) for t in tokens])


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
    digits = {re.sub(r"[,\s\u202f\u2009]", "", n) for n in NUMBER_RE.findall(text)}
    digits = {n[:-2] if n.endswith(".0") else n for n in digits}
    return digits | {NUMBER_WORDS[w.lower()] for w in _NUMBER_WORD_RE.findall(text)}


def month_number(name: str) -> int | None:
    """1-12 for a month name or its three-letter abbreviation (any case), else None."""
    key = name.strip().lower()
    return next((i for i, m in enumerate(MONTHS, start=1) if key in (m.lower(), m[:3].lower())), None)


def ends_with_abbreviation(text: str) -> bool:
    """Whether the text ends with an abbreviation ("e.g.", "Dr.", "et al.", an initial), where a sentence does
    not end."""
    return bool(_ABBREVIATIONS.search(text.rstrip()))


def _sentence_bounds(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, next start) of each sentence: split after . ! ? before a capital or digit, and at line breaks,
    but not after abbreviations; ``end`` stops before the closing quotes and spaces that ``next start`` passes."""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if (
            match.group().strip() == ""
            and "\n" not in match.group()
            and ends_with_abbreviation(text[start : match.start()])
        ):
            continue
        yield start, match.start(), match.end()
        start = match.end()
    if start < len(text):
        yield start, len(text), len(text)


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage or an answer: split after . ! ? before a capital or digit, and at line breaks, but not
    after abbreviations ("e.g.", "et al.", initials)."""
    return [piece for start, end, _ in _sentence_bounds(text) if (piece := text[start:end].strip())]


def sentence_pieces(text: str) -> list[str]:
    """The text cut into sentences as ``split_sentences`` finds them, each keeping the spaces and line breaks after
    it, so that the pieces join back into the text exactly (what a llama-index splitter's sentence function must
    return)."""
    return [text[start:after] for start, _, after in _sentence_bounds(text)]


def number_near(text: str, targets: Collection[str], window: int = 4) -> bool:
    """Whether a number (digits or a number word) stands within ``window`` words of a word whose stem matches one of
    ``targets`` ("500 AI supercomputers" for ``{"supercomput"}``)."""
    tokens = words(text)
    token_stems = stems(tokens)
    counted = [i for i, t in enumerate(tokens) if t[0].isdigit() or t in NUMBER_WORDS]
    named = [i for i, st in enumerate(token_stems) if stem_matches(st, targets)]
    return any(abs(i - j) <= window for i in counted for j in named)


def stem_matches(stem: str, vocabulary: Collection[str]) -> bool:
    """Whether a stem is in the vocabulary, or it and a vocabulary stem of 5+ letters are one a prefix of the other
    (Snowball leaves "classifi" for "classifies" but "classif" for "classification")."""
    if stem in vocabulary:
        return True
    if len(stem) < 5:
        return False
    return any(len(v) >= 5 and (v.startswith(stem) or stem.startswith(v)) for v in vocabulary)


# Vocabulary of claim structure, for verification: which words qualify a result, announce without content, or
# state a relation of some strength. Grammar-level classes, not the words of any particular text.

POLES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(low.split()), frozenset(high.split()))
    for low, high in (
        (
            "low lower lowest few fewer fewest small smaller smallest little less least minimal reduced weak weaker",
            "high higher highest many more most large larger largest big bigger much great greater maximal strong "
            "stronger",
        ),
        (
            "before prior earlier first initially begin begins start starts open opens",
            "after afterwards later then finally last subsequently end ends",
        ),
        ("short shorter shortest", "long longer longest"),
        ("shallow shallower", "deep deeper deepest"),
        ("narrow narrower", "wide wider broad broader"),
        ("slow slower slowest", "fast faster fastest quick quicker"),
        ("early earlier", "late later"),
        ("sparse sparser", "dense denser"),
        ("with using", "without"),
        ("easy easier easiest simple simpler", "hard harder hardest difficult complex"),
        ("continuous", "discrete"),
        ("constant fixed static stays", "changing changes varies varying dynamic"),
        ("local", "global"),
        ("linear linearly", "nonlinear quadratic quadratically cubic cubically exponential exponentially"),
        ("explicit", "implicit"),
        ("finite", "infinite"),
        ("upper", "lower"),
        ("optimal", "suboptimal sub-optimal"),
        ("positive", "negative"),
        ("supervised", "unsupervised self-supervised"),
        (
            "increase increases increasing grow grows growing rise rises",
            "decrease decreases decreasing shrink shrinks shrinking decline declines declining drop drops",
        ),
    )
)
"""Opposite poles of a qualifier or condition (low/high, before/after, with/without, easy/hard): a result the
evidence gives under one pole may not be stated under the other, nor the pole itself turned into its opposite."""

PRESENCE_SCALES: frozenset[int] = frozenset(range(len(POLES))) - {1, 6, 8}
"""Poles (by index) a sentence may not use where its evidence uses only the opposite one ("largest" for
"smallest", "easy" for "hard"): all but the order of telling (first/then), early/late and with/without, which are
as often prepositions or adverbs of narration as qualifiers."""

QUANTITY_WORDS: frozenset[str] = frozenset("more most less least many much few fewer little".split())
"""Magnitude words that mostly compare or count rather than qualify ("more memory"): left to the polarity check."""

SEQUENCE_LATER: frozenset[str] = frozenset("then afterwards afterward later finally subsequently next".split())
"""Words that put what follows them after what precedes them in time ("A and only afterwards B")."""

RELATION_VERBS: frozenset[str] = frozenset(
    """use uses used using employ employs leverage leverages propose proposes proposed introduce introduces
    outperform outperforms outperformed beat beats surpass surpasses exceed exceeds improve improves extend extends
    generalize generalizes generalise generalises replace replaces replaced precede precedes train trains trained
    validate validates validated evaluate evaluates evaluated compose composes combine combines apply applies
    applied map maps cause causes drive drives predict predicts explain explains govern governs determine determines
    learn learns achieve achieves formalize formalizes approximate approximates generate generates produce produces
    require requires enable enables control controls simulate simulates match matches align aligns correlate
    correlates reduce reduces compress compresses distill distills transfer transfers""".split()
)
"""Verbs relating an agent to an object ("A outperforms B", "A is used to compress B"): the two may not trade
places."""

RELATION_STRENGTH: tuple[tuple[frozenset[str], ...], ...] = tuple(
    tuple(frozenset(rank.split()) for rank in scale)
    for scale in (
        (
            "relate relates related relation associate associated association link linked connect connected "
            "correlate correlates correlated correlation align aligns aligned alignment consistent similar "
            "similarity resemble resembles mirror mirrors analogous",
            "match matches matching comparable competitive par rival rivals",
            "equivalent equivalence identical same equal equals indistinguishable interchangeable",
        ),
        (
            "relate relates related associate associated association correlate correlates correlated correlation "
            "link linked",
            "cause causes caused causal drive drives driven determine determines determined induce induces",
        ),
        (
            "comparable competitive par match matches rival rivals close similar",
            "outperform outperforms outperformed beat beats surpass surpasses exceed exceeds superior better best",
        ),
        (
            "may might could suggest suggests suggested suggestion suggestions hint hints indicate indicates "
            "potential potentially possible possibly perhaps likely plausible hope hopes aim aims promise promising "
            "pave opportunities question whether tend tends toward towards",
            "prove proves proved proven demonstrate demonstrates demonstrated establish establishes established "
            "confirm confirms confirmed guarantee guarantees guaranteed certainly definitely always ensure ensures",
        ),
    )
)
"""Scales of relation strength, weakest rank first: associated < matches < equivalent; associated < causes;
comparable < outperforms; hedged ("may", "suggests") < shown. A sentence may not state a rank above the one its
evidence states on the same scale."""

ABSOLUTE_WORDS: frozenset[str] = frozenset(
    "all every always never none entire entirely fully complete completely total totally any whole universally "
    "any production-ready".split()
)
"""Quantifiers that claim without exception: the evidence must say as much."""

GENERIC_NOUNS: frozenset[str] = frozenset(
    """task tasks contribution contributions aspect aspects way ways part parts area areas direction directions
    question questions challenge challenges setting settings experiment experiments result results finding
    findings method methods approach approaches idea ideas topic topics issue issues point points thing things
    component components domain domains objective objectives kind kinds type types respect respects case cases
    dimension dimensions factor factors benchmark benchmarks dataset datasets application applications property
    properties element elements step steps theme themes perspective perspectives""".split()
)
"""Nouns that only classify ("two tasks", "several contributions"): a sentence made of them names nothing."""

VAGUE_QUANTIFIERS: frozenset[str] = frozenset(
    "several various many multiple some numerous different diverse distinct few number range variety set "
    "series couple key main major important new".split()
)
"""Quantifiers and adjectives that count or rank without naming ("several", "various", "a number of")."""

STUDY_VERBS: frozenset[str] = frozenset(
    """evaluate evaluates evaluated test tests tested assess assesses assessed apply applies applied conduct
    conducts conducted perform performs performed compare compares compared make makes made offer offers offered
    contain contains contained include includes included differ differs differing outline outlines outlined
    highlight highlights highlighted""".split()
)
"""Verbs of method that say something was done, not what was found ("was evaluated on two tasks")."""
