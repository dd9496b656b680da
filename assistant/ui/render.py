"""HTML for the conversation: each turn with its evidence, its verified answer (markers linked to source cards),
its own source cards, exports and feedback. Everything from the corpus, the model or the user is escaped text: no
link, tag or template syntax in it is ever live."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote as url_quote

from assistant.ui.corpus import esc
from assistant.ui.export import answer_markdown, bibtex, conversation_citations, conversation_markdown
from assistant.ui.markup import inline_markdown
from assistant.ui.session import DONE, ERROR, QUEUED, READING, STOPPED, WRITING
from index.text import fold, is_content_word, stems

NOT_FOUND = "Not found in the corpus"
EMPTY = (
    '<div class="ra-empty">Ask about a paper, a talk or a tutorial, or pick an example below. Each answer shows the '
    "entries it read, cites them with clickable [n] markers and keeps its own sources.</div>"
)
_TOKEN = re.compile(r"(\w+)")
_JOINER = re.compile(r"\s+|\s*[:/’'-]\s*")  # separators inside one highlighted run ("4:20 pm", "Institute/NYU")
_MARKER = re.compile(r"\[(\d+)\]")
_ROUTES = {
    "record": "from the records",
    "metadata": "from the records",
    "generated": "model answer, every sentence checked",
    "quoted": "quoted from the corpus",
    "list": "list from the records",
    "abstained": "declined",
    "abstain": "declined",
}


def highlight_shared_words(quote: str, sentence: str) -> str:
    """HTML-escaped ``quote`` with the words it shares with ``sentence`` marked, by the verifier's rules: folded
    (case and accents ignored), stemmed, stop words and lone letters never marked (``index.text``). Runs of marked
    words joined only by a space or ``: / - '`` become one ``<mark>``."""
    wanted = set(stems([w for w in _TOKEN.findall(fold(sentence)) if is_content_word(w)]))

    def hit(word: str) -> bool:
        folded = fold(word)
        return is_content_word(folded) and stems([folded])[0] in wanted

    parts = _TOKEN.split(quote)  # even indexes: separators, odd indexes: words
    out: list[str] = []
    open_mark = False
    for i, part in enumerate(parts):
        if i % 2 == 0:
            nxt = parts[i + 1] if i + 1 < len(parts) else ""
            joins = open_mark and _JOINER.fullmatch(part) is not None and bool(nxt) and hit(nxt)
            if open_mark and not joins:
                out.append("</mark>")
                open_mark = False
            out.append(esc(part))
            continue
        if hit(part) and not open_mark:
            out.append("<mark>")
            open_mark = True
        out.append(esc(part))
    if open_mark:
        out.append("</mark>")
    return "".join(out)


def card_id(turn_id: str, marker: object) -> str:
    """The DOM id of a turn's source card for marker ``marker``."""
    return f"ra-c-{re.sub(r'[^A-Za-z0-9]', '', str(turn_id))}-{marker}"


def linked_text(text: str, citations: Sequence[dict[str, Any]], turn_id: str) -> str:
    """Escaped answer text whose [n] markers link to this turn's source cards (title on hover)."""
    titles = {int(c.get("marker", 0)): str(c.get("title", "")) for c in citations}

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in titles:
            return m.group(0)
        target = card_id(turn_id, n)
        return f'<a class="ra-cite" href="#{target}" data-target="{target}" title="{esc(titles[n])}">[{n}]</a>'

    pieces = _MARKER.split(text)
    out = []
    for i, piece in enumerate(pieces):
        out.append(inline_markdown(esc(piece)) if i % 2 == 0 else link(_MARKER.match(f"[{piece}]")))  # type: ignore[arg-type]
    return "".join(out)


def render_card(c: dict[str, Any], turn_id: str, claims: dict[tuple[int, str], str] | None = None) -> str:
    """One source card: marker, title, kind, people, when, event, source name and file:line, and the quoted spans,
    each highlighted against the answer sentence it supports (``claims``: (marker, quote) -> sentence)."""
    rows: list[tuple[str, str]] = []
    if c.get("speaker"):
        rows.append(("Speaker", c["speaker"] + (f" — {c['affiliation']}" if c.get("affiliation") else "")))
    elif c.get("presenters"):
        label = "Presenter" if len(c["presenters"]) == 1 else "Presenters"
        rows.append((label, ", ".join(c["presenters"])))
    elif c.get("authors"):  # an added paper's named authors
        rows.append(("Author" if len(c["authors"]) == 1 else "Authors", ", ".join(c["authors"])))
    if c.get("kind") == "paper":
        published = " · ".join(
            str(x)
            for x in (
                c.get("date") or c.get("year"),
                f"{c['authors_count']} authors" if c.get("authors_count") is not None else "",
                c.get("venue"),
            )
            if x
        )
        if published:
            rows.append(("Published", published))
    else:
        when = ", ".join(x for x in (" ".join(x for x in (c.get("day"), c.get("date")) if x), c.get("time")) if x)
        if when:
            rows.append(("When", when))
    if c.get("event"):
        rows.append(("Event", ", ".join(x for x in (c.get("event"), c.get("location")) if x)))
    meta = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    meta += f"<dt>Source</dt><dd>{source_place(c)}</dd>"
    quotes = [q for q in (c.get("quotes") or []) if q] or ([c["quote"]] if c.get("quote") else [])
    sentence = str(c.get("sentence") or "")
    marker = c.get("marker", "")
    claims = claims or {}
    blocks = "".join(
        f'<blockquote class="ra-quote">{highlight_shared_words(q, claims.get((_int(marker), q), sentence))}'
        "</blockquote>"
        for q in quotes
    )
    return (
        f'<div class="ra-card" id="{card_id(turn_id, marker)}" data-marker="{esc(marker)}">'
        f'<div class="ra-card-head"><span class="ra-marker">[{esc(marker)}]</span>'
        f'<span class="ra-title">{esc(c.get("title", ""))}</span>'
        f'<span class="ra-kind">{esc(c.get("kind", ""))}</span></div>'
        f'<dl class="ra-meta">{meta}</dl>{blocks}'
        f'<a class="ra-open" href="#" data-entry="{esc(c.get("entry_id", ""))}" '
        f'data-quote="{esc(quotes[0] if quotes else "")}" title="Open the source at the quoted lines">'
        "Open source ↗</a></div>"
    )


def source_place(c: dict[str, Any]) -> str:
    """ "Symposium agenda (Rovinj 2024) · line 235" (the quote's own line) or "deep-nets.pdf · page 3", escaped."""
    name = c.get("source_name") or c.get("source") or ""
    line = c.get("quote_line") or c.get("line")
    parts = [esc(name)] + ([f"line {esc(line)}"] if line and not c.get("page") else [])
    if c.get("page"):
        parts.append(f"page {esc(c['page'])}")
    return " · ".join(parts)


def open_link(entry_id: object, label: str) -> str:
    """A link that opens the entry in the source viewer."""
    return f'<a class="ra-open" href="#" data-entry="{esc(entry_id)}" data-quote="">{label}</a>'


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return -1


def _claims(answer: dict[str, Any]) -> dict[tuple[int, str], str]:
    """(marker, quoted span) -> the answer sentence it supports, from the answer's ``sentences``."""
    out: dict[tuple[int, str], str] = {}
    for sentence in answer.get("sentences") or []:
        if not isinstance(sentence, dict):
            continue
        for span in sentence.get("spans") or []:
            if isinstance(span, dict) and span.get("quote"):
                out.setdefault((_int(span.get("marker")), str(span["quote"])), str(sentence.get("claim", "")))
    return out


def route_label(route: str | None) -> str:
    """A reader's name for how an answer was made ("from the records", "declined", ...)."""
    family = (route or "").split(":", 1)[0]
    return _ROUTES.get(family, family)


def _download(label: str, name: str, mime: str, content: str, css: str) -> str:
    href = f"data:{mime};charset=utf-8,{url_quote(content)}"
    return f'<a class="{css}" download="{esc(name)}" href="{href}">{esc(label)}</a>'


def _evidence(turn: dict[str, Any], live: bool) -> str:
    items = turn.get("evidence") or []
    if not items:
        return ""
    lis = "".join(
        f"<li>{open_link(e.get('entry_id', ''), esc(e.get('title', '')))} "
        f"<small>({esc(e.get('kind', ''))}, {esc(e.get('source_name', ''))})</small></li>"
        for e in items
    )
    head = f"Reading {len(items)} entr{'y' if len(items) == 1 else 'ies'}:" if live else "Entries read"
    if live:
        return f'<div class="ra-evidence">{head}<ul>{lis}</ul></div>'
    return f'<details class="ra-evidence"><summary>{head} ({len(items)})</summary><ul>{lis}</ul></details>'


def _abstention(answer: dict[str, Any]) -> str:
    closest = "".join(
        f"<li>{open_link(p.get('entry_id', ''), esc(p.get('title', '')))} "
        f"<small>({esc(p.get('kind', ''))})</small></li>"
        for p in (answer.get("contexts") or [])[:3]
    )
    hint = f"<div>Closest entries searched (none supports an answer):</div><ul>{closest}</ul>" if closest else ""
    return (
        f'<div class="ra-abstain"><strong>{NOT_FOUND}</strong>. No indexed paper, talk or tutorial supports an '
        f"answer, so the assistant declines rather than guess. Try other words or clear the filters.{hint}</div>"
    )


def render_turn(turn: dict[str, Any], number: int) -> str:
    """One question with its evidence, answer, sources, exports and feedback (or its progress or error)."""
    tid = str(turn.get("id", number))
    status = turn.get("status")
    answer = turn.get("answer") or {}
    parts = [f'<div class="ra-turn" data-turn="{esc(tid)}" data-status="{esc(status)}">']
    parts.append(
        f'<div class="ra-q"><span class="ra-q-text">{inline_markdown(esc(turn.get("question", "")))}</span>'
        f'<button class="ra-edit" data-question="{esc(turn.get("question", ""))}" title="Edit and ask again">'
        "✎ Edit</button></div>"
    )
    citations = answer.get("citations") or []
    if status in (QUEUED, READING, WRITING):
        parts.append(_evidence(turn, live=True))
        if turn.get("text"):  # checked sentences so far, shown as each passes verification
            parts.append(f'<div class="ra-a ra-streaming">{linked_text(turn["text"], [], tid)}</div>')
        parts.append(f'<div class="ra-progress">{esc(turn.get("progress") or "")}</div>')
    elif status == DONE:
        parts.append(f'<div class="ra-a">{linked_text(answer.get("text", ""), citations, tid)}</div>')
        if answer.get("abstained"):
            parts.append(_abstention(answer))
        if citations:
            claims = _claims(answer)
            cards = "".join(render_card(c, tid, claims) for c in citations)
            parts.append(
                f'<details class="ra-sources" open><summary>Sources ({len(citations)})</summary>{cards}</details>'
            )
        parts.append(_evidence(turn, live=False))
        parts.append(_footer(turn, number))
    else:  # ERROR or STOPPED
        if turn.get("text"):
            parts.append(f'<div class="ra-a">{linked_text(turn["text"], [], tid)}</div>')
        label = "Stopped" if status == STOPPED else "Error"
        message = turn.get("error") or ("Stopped before it finished." if status == STOPPED else "It failed.")
        parts.append(f'<div class="ra-error" data-kind="{label.lower()}">{esc(message)}</div>')
    parts.append("</div>")
    return "".join(parts)


def _footer(turn: dict[str, Any], number: int) -> str:
    tid = esc(turn.get("id", number))
    answer = turn.get("answer") or {}
    seconds = answer.get("seconds")
    facts = " · ".join(
        x
        for x in (route_label(answer.get("route")), f"{seconds:.1f} s" if isinstance(seconds, int | float) else "")
        if x
    )
    md = _download("Markdown", f"answer-{number}.md", "text/markdown", answer_markdown(turn), "ra-export-md")
    links = [md]
    if answer.get("citations"):
        links.append(
            _download("BibTeX", f"answer-{number}.bib", "text/x-bibtex", bibtex(answer["citations"]), "ra-export-bib")
        )
    voted = turn.get("vote")
    status = f"Feedback saved ({'good' if voted == 'up' else 'bad'})." if voted else ""
    off = " disabled" if voted else ""

    def vote(value: str, label: str, title: str) -> str:
        pressed = "true" if voted == value else "false"
        return (
            f'<button class="ra-vote" data-turn="{tid}" data-vote="{value}" aria-pressed="{pressed}" title="{title}"'
            f"{off}>{label}</button>"
        )

    return (
        f'<div class="ra-foot"><span class="ra-route">{esc(facts)}</span>{" ".join(links)}'
        f'<button class="ra-copy" data-text="{esc(answer.get("text", ""))}" title="Copy the answer">⧉ Copy</button>'
        f"{vote('up', '▲ Good', 'This answer is good')}{vote('down', '▼ Bad', 'Wrong or unhelpful')}"
        f'<input class="ra-comment" placeholder="Comment (optional), then vote" maxlength="1000"{off}>'
        f'<span class="ra-vote-status">{esc(status)}</span></div>'
    )


def render_conversation(turns: Sequence[dict[str, Any]]) -> str:
    """The whole conversation, with conversation-wide exports on top once an answer is finished."""
    if not turns:
        return f'<div class="ra-conv">{EMPTY}</div>'
    body = "".join(render_turn(t, i) for i, t in enumerate(turns, start=1))
    done = [t for t in turns if t.get("status") in (DONE, ERROR, STOPPED)]
    exports = ""
    if any(t.get("status") == DONE for t in done):
        links = [
            _download(
                "conversation as Markdown",
                "conversation.md",
                "text/markdown",
                conversation_markdown(done),
                "ra-export-conv-md",
            )
        ]
        cited = conversation_citations(done)
        if cited:
            links.append(
                _download(
                    "cited entries as BibTeX", "conversation.bib", "text/x-bibtex", bibtex(cited), "ra-export-conv-bib"
                )
            )
        exports = f'<div class="ra-exports">Export: {" · ".join(links)}</div>'
    return f'<div class="ra-conv">{exports}{body}</div>'
