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

CONVERSATION_JS = """
element.addEventListener('click', (ev) => {
  const cite = ev.target.closest('a.ra-cite');
  if (cite) {
    ev.preventDefault();
    const card = element.querySelector('#' + cite.dataset.target);
    if (!card) return;
    const box = card.closest('details');
    if (box) box.open = true;
    element.querySelectorAll('.ra-hl').forEach((c) => c.classList.remove('ra-hl'));
    card.classList.add('ra-hl');
    card.scrollIntoView({block: 'center', behavior: 'smooth'});
    return;
  }
  const vote = ev.target.closest('button.ra-vote');
  if (vote) {
    const foot = vote.closest('.ra-foot');
    const comment = foot.querySelector('.ra-comment');
    const status = foot.querySelector('.ra-vote-status');
    status.textContent = 'Saving…';
    server.vote({turn: vote.dataset.turn, vote: vote.dataset.vote, comment: comment ? comment.value : ''})
      .then((msg) => { status.textContent = msg; })
      .catch(() => { status.textContent = 'Could not save the feedback; try again.'; });
  }
});
"""

CONVERSATION_CSS = """
.ra-conv { display: flex; flex-direction: column; gap: 14px; font-size: 15px; line-height: 1.5; padding: 4px; }
.ra-empty { color: var(--body-text-color-subdued); padding: 12px; border: 1px dashed var(--border-color-primary);
  border-radius: 8px; }
.ra-exports { font-size: 13px; color: var(--body-text-color-subdued); display: flex; gap: 12px; flex-wrap: wrap; }
.ra-exports a, .ra-foot a { color: var(--color-accent); }
.ra-turn { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  background: var(--block-background-fill); }
.ra-q { font-weight: 600; color: var(--body-text-color); margin-bottom: 6px; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.ra-q::before { content: "Q  "; color: var(--color-accent); }
.ra-a { color: var(--body-text-color); white-space: pre-wrap; overflow-wrap: anywhere; }
.ra-progress { color: var(--body-text-color-subdued); font-style: italic; font-size: 13px; margin-top: 4px; }
.ra-evidence { font-size: 13px; color: var(--body-text-color-subdued); margin: 4px 0; }
.ra-evidence ul { margin: 2px 0 0 18px; padding: 0; }
.ra-cite { color: var(--color-accent); font-weight: 700; text-decoration: none; cursor: pointer; display: inline;
  margin: 0; padding: 0; }
.ra-cite:hover { text-decoration: underline; }
.ra-sources { display: flex; flex-direction: column; gap: 8px; margin-top: 8px; }
.ra-sources > summary { cursor: pointer; font-weight: 600; font-size: 14px; }
.ra-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-top: 6px;
  background: var(--background-fill-secondary); font-size: 14px; transition: box-shadow .2s; }
.ra-card.ra-hl, .ra-card:target { box-shadow: 0 0 0 3px var(--color-accent); }
.ra-card-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.ra-marker { flex: none; font-weight: 700; color: var(--color-accent); }
.ra-title { font-weight: 600; color: var(--body-text-color); flex: 1; min-width: 12em; }
.ra-kind, .ra-route { flex: none; font-size: 11px; text-transform: uppercase; letter-spacing: .04em;
  padding: 1px 7px; border-radius: 10px; background: var(--color-accent-soft); color: var(--color-accent); }
.ra-meta { margin: 6px 0 0 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; }
.ra-meta dt { color: var(--body-text-color-subdued); font-size: 12px; padding-top: 1px; }
.ra-meta dd { margin: 0; color: var(--body-text-color); overflow-wrap: anywhere; }
.ra-quote { margin: 6px 0 0 0; padding: 6px 10px; border-left: 3px solid var(--color-accent);
  background: var(--block-background-fill); color: var(--body-text-color); font-size: 13px; }
.ra-quote mark { background: #fde68a; color: #1f2937; padding: 0 1px; border-radius: 2px; }
.ra-abstain { border: 1px solid #f59e0b; background: rgba(245, 158, 11, .10); border-radius: 8px;
  padding: 8px 10px; margin-top: 6px; }
.ra-abstain ul { margin: 4px 0 0 18px; padding: 0; }
.ra-error { border: 1px solid #ef4444; background: rgba(239, 68, 68, .08); border-radius: 8px; padding: 8px 10px;
  margin-top: 6px; }
.ra-foot { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-top: 8px; font-size: 13px;
  color: var(--body-text-color-subdued); }
.ra-foot button { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 1px 8px;
  background: var(--block-background-fill); cursor: pointer; font-size: 14px; }
.ra-comment { flex: 1; min-width: 8em; font-size: 13px; padding: 2px 6px; border-radius: 6px;
  border: 1px solid var(--border-color-primary); background: var(--block-background-fill);
  color: var(--body-text-color); }
@media (max-width: 600px) { .ra-conv { font-size: 14px; } .ra-meta { grid-template-columns: 1fr; } }
"""


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
        out.append(esc(piece) if i % 2 == 0 else link(_MARKER.match(f"[{piece}]")))  # type: ignore[arg-type]
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
    location = f"{c.get('source', '')}:{c['line']}" if c.get("line") else str(c.get("source", ""))
    meta = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    name = c.get("source_name") or ""
    page = f" · page {esc(c['page'])}" if c.get("page") else ""
    meta += f"<dt>Source</dt><dd>{esc(name) + ' · ' if name else ''}<code>{esc(location)}</code>{page}</dd>"
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
        f'<dl class="ra-meta">{meta}</dl>{blocks}</div>'
    )


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
        f"<li>{esc(e.get('title', ''))} <small>({esc(e.get('kind', ''))}, {esc(e.get('source_name', ''))})</small></li>"
        for e in items
    )
    head = f"Reading {len(items)} entr{'y' if len(items) == 1 else 'ies'}:" if live else "Entries read"
    if live:
        return f'<div class="ra-evidence">{head}<ul>{lis}</ul></div>'
    return f'<details class="ra-evidence"><summary>{head} ({len(items)})</summary><ul>{lis}</ul></details>'


def _abstention(answer: dict[str, Any]) -> str:
    closest = "".join(
        f"<li>{esc(p.get('title', ''))} <small>({esc(p.get('kind', ''))})</small></li>"
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
    parts.append(f'<div class="ra-q">{esc(turn.get("question", ""))}</div>')
    citations = answer.get("citations") or []
    if status in (QUEUED, READING, WRITING):
        parts.append(_evidence(turn, live=True))
        if turn.get("text"):
            parts.append(f'<div class="ra-a">{linked_text(turn["text"], [], tid)}</div>')
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
    return (
        f'<div class="ra-foot"><span class="ra-route">{esc(facts)}</span>{" ".join(links)}'
        f'<button class="ra-vote" data-turn="{tid}" data-vote="up" title="This answer is good">▲ Good</button>'
        f'<button class="ra-vote" data-turn="{tid}" data-vote="down" title="Wrong or unhelpful">▼ Bad</button>'
        f'<input class="ra-comment" placeholder="Comment (optional), then vote" maxlength="1000">'
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
