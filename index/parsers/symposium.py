"""A symposium page: agenda (day headings, "time title speaker" lines in markdown or HTML) plus abstract sections
("time **Speaker** — Affiliation", title, paragraphs). Agenda line and abstract of the same talk become one entry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.entries import Entry, make_entry_id
from index.parsers.common import (
    Line,
    ParseResult,
    SeedWarning,
    clean_inline_markup,
    content_lines,
    looks_like_person,
)
from index.text import MONTH_PATTERN, WEEKDAYS, month_number

FORMAT = "symposium"
_DAYS = "|".join(WEEKDAYS)
_MONTHS = MONTH_PATTERN
_TIME = r"\d{1,2}:\d{2}\s*[ap]m"
_DAY_HEADING_RE = re.compile(
    rf"^#+\s*(?:\*\*)?(?:Abstracts\s*[—–-]\s*)?({_DAYS}),\s*(\d{{1,2}})\s+({_MONTHS})(?:\*\*)?$"
)
_AGENDA_MD_RE = re.compile(rf"^\*\*({_TIME})\*\*\s+(.+)$")
_AGENDA_HTML_RE = re.compile(rf"^<b>({_TIME})</b>\s*(.+)$")
_ABSTRACT_HEAD_RE = re.compile(rf"^({_TIME})\s+\*\*(.+?)\*\*\s*[—–-]\s*(.+)$")
_YEAR_RE = re.compile(r"\b(19|20)\d{2}\b")
_NON_TALK_RE = re.compile(
    r"\b(break|lunch|dinner|reception|welcome drink|end of the day|excursion|poster session)\b", re.IGNORECASE
)


def score(text: str) -> float:
    """How much the text looks like a symposium agenda."""
    s = 3.0 if re.search(r"^#+\s*Agenda", text, re.MULTILINE) else 0.0
    return s + min(len(re.findall(rf"(?:\*\*|<b>)({_TIME})(?:\*\*|</b>)", text)), 10) * 0.5


@dataclass
class _Talk:
    day: str
    date: str
    time: str
    line: int
    title: str = ""
    speaker: str = ""
    affiliation: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    abstract_title: str = ""


def _norm_time(t: str) -> str:
    return re.sub(r"\s+", " ", t.strip().lower())


def _split_title_speaker(rest: str) -> tuple[str, str]:
    """Split "Title Speaker Name" (markdown agenda) or "Title\\tSpeaker" (HTML agenda)."""
    cells = [c.strip() for c in rest.split("\t") if c.strip()]
    if len(cells) >= 2:
        return clean_inline_markup(cells[0]), clean_inline_markup(cells[-1])
    words = clean_inline_markup(rest).split()
    # The speaker is the longest trailing run of 2-4 words that reads as a name; the title keeps the rest.
    for n in (4, 3, 2):
        if len(words) > n and looks_like_person(" ".join(words[-n:])) and not words[-n].isupper():
            return " ".join(words[:-n]), " ".join(words[-n:])
    return " ".join(words), ""


class _State:
    def __init__(self, file: str) -> None:
        self.file = file
        self.event = ""
        self.location = ""
        self.year = ""
        self.day = ""
        self.date = ""
        self.in_abstracts = False
        self.talks: dict[tuple[str, str], _Talk] = {}
        self.current: _Talk | None = None
        self.warnings: list[SeedWarning] = []

    def set_day(self, m: re.Match[str]) -> None:
        self.day = m.group(1)
        month = month_number(m.group(3)) or 0
        self.date = f"{self.year}-{month:02d}-{int(m.group(2)):02d}" if self.year else f"{m.group(2)} {m.group(3)}"
        self.current = None


def _read_header(lines: list[Line], st: _State) -> None:
    for ln in lines[:20]:
        if not st.event and ln.text.startswith("# "):
            st.event = clean_inline_markup(ln.text)
        elif not st.year and ln.text.lower().startswith("from ") and (y := _YEAR_RE.search(ln.text)):
            st.year = y.group(0)
            nxt = next((x for x in lines if x.number > ln.number), None)
            if nxt and "," in nxt.text and len(nxt.text) < 60 and not nxt.text.startswith("#"):
                st.location = nxt.text


def _agenda_item(ln: Line, st: _State) -> None:
    m = _AGENDA_MD_RE.match(ln.text) or _AGENDA_HTML_RE.match(ln.text)
    if not m:
        return
    rest = m.group(2)
    if "<i>" in rest or re.match(r"^\*[^*]", rest) or _NON_TALK_RE.search(clean_inline_markup(rest)):
        return
    title, speaker = _split_title_speaker(rest)
    key = (st.day, _norm_time(m.group(1)))
    st.talks[key] = _Talk(day=st.day, date=st.date, time=m.group(1), line=ln.number, title=title, speaker=speaker)


def _abstract_line(ln: Line, st: _State) -> None:
    if m := _ABSTRACT_HEAD_RE.match(ln.text):
        key = (st.day, _norm_time(m.group(1)))
        speaker, affiliation = clean_inline_markup(m.group(2)), clean_inline_markup(m.group(3))
        talk = st.talks.get(key)
        if talk is None:
            talk = _Talk(day=st.day, date=st.date, time=m.group(1), line=ln.number, speaker=speaker)
            st.talks[key] = talk
        elif talk.speaker and talk.speaker != speaker and speaker not in talk.title:
            st.warnings.append(
                SeedWarning(
                    st.file,
                    ln.number,
                    f"abstract speaker {speaker!r} differs from agenda "
                    f"speaker {talk.speaker!r} at {talk.day} {talk.time}",
                )
            )
        if talk.title.endswith(" " + speaker):  # markdown agenda line whose name split failed
            talk.title = talk.title[: -len(speaker) - 1]
        talk.speaker, talk.affiliation = speaker, affiliation
        st.current = talk
        return
    if st.current is None or ln.text.strip("-") == "":
        return
    text = clean_inline_markup(ln.text)
    talk = st.current
    if (
        not talk.abstract_title and not talk.paragraphs and (ln.text.startswith("#") or _same_title(text, talk.title))
    ) or (not talk.abstract_title and not talk.paragraphs and len(text) < 160 and not text.endswith(".")):
        talk.abstract_title = text
    else:
        talk.paragraphs.append(text)


def _same_title(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()  # noqa: E731
    return bool(a and b) and (norm(a) == norm(b) or norm(b).startswith(norm(a)) or norm(a).startswith(norm(b)))


def parse(text: str, file: str) -> ParseResult:
    """Parse a symposium page into talk entries with speaker, affiliation, day, date and time."""
    lines = content_lines(text)
    st = _State(file)
    _read_header(lines, st)
    for ln in lines:
        if re.match(r"^#+\s*Agenda", ln.text):
            st.in_abstracts = False
        elif re.match(r"^#+\s*Abstracts", ln.text):
            st.in_abstracts = True
        if m := _DAY_HEADING_RE.match(ln.text):
            st.set_day(m)
            continue
        if st.in_abstracts:
            _abstract_line(ln, st)
        elif st.day:
            _agenda_item(ln, st)
    result = ParseResult(file=file, format=FORMAT, warnings=st.warnings)
    for talk in st.talks.values():
        result.entries.append(_to_entry(talk, st))
    if st.current is not None and not st.current.paragraphs and st.current is list(st.talks.values())[-1]:
        result.warnings.append(
            SeedWarning(
                file,
                st.current.line,
                f"abstract of {st.current.speaker!r} is empty at the end of the file (truncated?)",
            )
        )
    return result


def _to_entry(talk: _Talk, st: _State) -> Entry:
    title = talk.title or talk.abstract_title
    if not title or title.upper() == "TBD":
        title = f"TBD — {talk.speaker}"
    return Entry(
        id=make_entry_id("talk", f"{title} {talk.speaker}"),
        kind="talk",
        title=title,
        text="\n".join(talk.paragraphs),
        sources=[{"file": st.file, "line": talk.line}],
        collection=st.event,
        speaker=talk.speaker or None,
        affiliation=talk.affiliation,
        day=talk.day,
        date=talk.date,
        time=talk.time,
        event=st.event or None,
        location=st.location or None,
    )
