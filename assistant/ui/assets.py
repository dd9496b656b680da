"""The page's own CSS and JavaScript: the conversation (links to source cards, the source viewer, copy, edit, votes,
keys: Esc stops, ArrowUp recalls), the whole app's layout (phone width, the input kept in view, the viewer), and
the dark-mode switch that the browser remembers."""

from __future__ import annotations

CONVERSATION_JS = """
const box = () => document.querySelector('#ra-question textarea');
const setBox = (text) => {
  const b = box(); if (!b) return;
  b.value = text; b.dispatchEvent(new Event('input', {bubbles: true})); b.focus();
};
const viewer = () => {
  let d = document.getElementById('ra-viewer');
  if (!d) {
    d = document.createElement('dialog');
    d.id = 'ra-viewer';
    d.innerHTML = '<button class="ra-viewer-close" aria-label="Close">✕ Close</button>'
      + '<div class="ra-viewer-body"></div>';
    d.querySelector('.ra-viewer-close').addEventListener('click', () => d.close());
    d.addEventListener('click', (ev) => { if (ev.target === d) d.close(); });
    document.body.appendChild(d);
  }
  return d;
};
if (!window.raKeys) {  // once per page: Esc stops the answer, ArrowUp in an empty box recalls the last question
  window.raKeys = true;
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !document.querySelector('#ra-viewer[open]')) {
      document.querySelector('#ra-stop')?.click();
    }
    if (ev.key === 'ArrowUp' && ev.target === box() && !ev.target.value) {
      const asked = [...document.querySelectorAll('#ra-conv .ra-edit')].pop();
      if (asked) { ev.preventDefault(); setBox(asked.dataset.question); }
    }
  });
}
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
  const open = ev.target.closest('a.ra-open');
  if (open) {
    ev.preventDefault();
    const d = viewer();
    const body = d.querySelector('.ra-viewer-body');
    body.textContent = 'Opening the source…';
    if (!d.open) d.showModal();
    server.open_source({entry: open.dataset.entry, quote: open.dataset.quote || ''})
      .then((html) => { body.innerHTML = html; body.querySelector('mark')?.scrollIntoView({block: 'center'}); })
      .catch(() => { body.textContent = 'Could not open the source; try again.'; });
    return;
  }
  const copy = ev.target.closest('button.ra-copy');
  if (copy) {
    const done = () => { copy.textContent = '✓ Copied'; setTimeout(() => { copy.textContent = '⧉ Copy'; }, 1500); };
    const text = copy.dataset.text;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      const t = document.createElement('textarea'); t.value = text; document.body.appendChild(t); t.select();
      document.execCommand('copy'); t.remove(); done();
    }
    return;
  }
  const edit = ev.target.closest('button.ra-edit');
  if (edit) { setBox(edit.dataset.question); return; }
  const vote = ev.target.closest('button.ra-vote');
  if (vote) {
    const foot = vote.closest('.ra-foot');
    const comment = foot.querySelector('.ra-comment');
    const status = foot.querySelector('.ra-vote-status');
    foot.querySelectorAll('button.ra-vote').forEach((b) => {
      b.disabled = true; b.setAttribute('aria-pressed', b === vote ? 'true' : 'false');
    });
    if (comment) comment.disabled = true;
    status.textContent = 'Saving…';
    server.vote({turn: vote.dataset.turn, vote: vote.dataset.vote, comment: comment ? comment.value : ''})
      .then((msg) => { status.textContent = msg; })
      .catch(() => {
        status.textContent = 'Could not save the feedback; try again.';
        foot.querySelectorAll('button.ra-vote').forEach((b) => { b.disabled = false; });
      });
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
.ra-q .ra-edit { float: right; font-weight: 400; }
.ra-q code, .ra-a code { font-size: 90%; padding: 0 3px; border-radius: 4px;
  background: var(--background-fill-secondary); }
.ra-streaming::after { content: " ▍"; color: var(--color-accent); }
.ra-open { font-size: 13px; color: var(--color-accent); }
.ra-card > .ra-open { display: inline-block; margin-top: 6px; }
.ra-vote[aria-pressed=true] { background: var(--color-accent-soft) !important;
  border-color: var(--color-accent) !important; font-weight: 700; }
.ra-vote:disabled { cursor: default; }
.ra-vote:disabled:not([aria-pressed=true]) { opacity: .5; }
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
.ra-foot button, .ra-q button { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 1px 8px;
  background: var(--block-background-fill); cursor: pointer; font-size: 14px; }
.ra-comment { flex: 1; min-width: 8em; font-size: 13px; padding: 2px 6px; border-radius: 6px;
  border: 1px solid var(--border-color-primary); background: var(--block-background-fill);
  color: var(--body-text-color); }
@media (max-width: 600px) { .ra-conv { font-size: 14px; } .ra-meta { grid-template-columns: 1fr; } }
"""

APP_CSS = """
.ra-status { font-size: 13px; color: var(--body-text-color-subdued); }
.ra-status p { margin: 0; }
#ra-conv { min-height: 240px; }
#ra-table .virtual-row, #ra-table .header-table, #ra-table td, #ra-table th { font-family: var(--font) !important; }
#ra-docs .virtual-row, #ra-docs .header-table, #ra-docs td, #ra-docs th, #ra-upload-results .virtual-row,
#ra-upload-results .header-table, #ra-upload-results td, #ra-upload-results th { font-family: var(--font) !important; }
.ra-details { font-size: 14px; line-height: 1.5; }
.ra-details .ra-meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; }
.ra-details dt { color: var(--body-text-color-subdued); }
.ra-details dd { margin: 0; }
.ra-fulltext { white-space: pre-wrap; overflow-wrap: anywhere; margin-top: 8px; }
/* overflow: hidden on the container would make it the sticky row's scroller; clip cuts the same without that */
.gradio-container { overflow-x: clip !important; overflow-y: visible !important; }
#ra-ask-row { position: sticky; bottom: 0; z-index: 20; background: var(--body-background-fill); padding: 6px 0; }
#ra-viewer { width: min(900px, 94vw); max-height: 86vh; border: 1px solid var(--border-color-primary);
  border-radius: 10px; padding: 12px 14px; background: var(--block-background-fill); color: var(--body-text-color);
  font-family: var(--font); }
#ra-viewer::backdrop { background: rgba(0, 0, 0, .45); }
.ra-viewer-close { float: right; border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 2px 8px;
  background: var(--block-background-fill); color: var(--body-text-color); cursor: pointer; }
.ra-source .ra-card-head, .ra-details .ra-card-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap;
  margin-bottom: 4px; }
.ra-source .ra-title, .ra-details .ra-title { font-weight: 600; flex: 1; min-width: 12em; }
.ra-source .ra-kind, .ra-details .ra-kind { flex: none; font-size: 11px; text-transform: uppercase;
  letter-spacing: .04em; padding: 1px 7px; border-radius: 10px; background: var(--color-accent-soft);
  color: var(--color-accent); }
.ra-src-where { font-size: 13px; color: var(--body-text-color-subdued); margin-bottom: 6px; }
.ra-src-lines { border-collapse: collapse; font-size: 13px; width: 100%; table-layout: fixed; }
.ra-src-lines td { padding: 1px 6px; vertical-align: top; white-space: pre-wrap; overflow-wrap: anywhere;
  border: none; }
.ra-src-lines td.ra-ln { width: 3.5em; text-align: right; color: var(--body-text-color-subdued); user-select: none; }
.ra-src-gap { color: var(--body-text-color-subdued); padding: 2px 6px; }
.ra-src-text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 14px; }
.ra-source mark { background: #fde68a; color: #1f2937; }
/* the Corpus table is for reading: a click opens the entry, so no spreadsheet handles or raised, ringed cell */
#ra-table .selection-button { display: none !important; }
#ra-table .cell-selected .text { box-shadow: none !important; position: static !important; }
#ra-table .cell-selected, #ra-table .cell-selected::before, #ra-table .cell-selected::after {
  box-shadow: none !important; border-color: transparent !important; outline: none !important; }
.ra-intro { font-size: 15px; }
@media (max-width: 600px) {
  .gradio-container .main { padding-left: 8px !important; padding-right: 8px !important; }
  #ra-conv .html-container { padding: 0 !important; }
  #ra-ask-row { flex-wrap: wrap; }
  #ra-ask-row > #ra-question { flex: 1 1 100% !important; min-width: 100% !important; }
  #ra-ask-row > button { flex: 1 1 40% !important; }
  .ra-turn { padding: 8px !important; }
  .ra-card { padding: 6px 8px !important; }
}
"""

DARK_JS = """() => {
  const dark = document.body.classList.toggle('dark');
  try { localStorage.setItem('ra-dark', dark ? '1' : '0'); } catch (e) {}
}"""
DARK_RESTORE_JS = """() => {
  try { if (localStorage.getItem('ra-dark') === '1') document.body.classList.add('dark'); } catch (e) {}
}"""
