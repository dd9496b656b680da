"""Answer feedback: thumbs up or down with an optional comment, stored locally as JSON Lines in the data folder, and
its export as gold questions (the ``evals/gold.py`` format) so that judged answers become evaluation questions."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError

FEEDBACK_FILE = "feedback.jsonl"
VOTES = ("up", "down")
MAX_COMMENT_CHARS = 1000
_write_lock = threading.Lock()


def feedback_path(data_dir: Path) -> Path:
    """Where the feedback of this data folder is kept."""
    return Path(data_dir) / FEEDBACK_FILE


def record_vote(path: Path, turn: dict[str, Any], vote: str, comment: str = "") -> dict[str, Any]:
    """Append one vote on a finished answer (a UI turn dict) and return the stored record.

    Raises AssistantError naming the problem for an unknown vote, an unfinished answer or an overlong comment.
    """
    if vote not in VOTES:
        raise AssistantError(f"vote must be 'up' or 'down', got {vote!r}")
    answer = turn.get("answer")
    if not isinstance(answer, dict):
        raise AssistantError("only a finished answer can be rated")
    comment = " ".join(str(comment or "").split())
    if len(comment) > MAX_COMMENT_CHARS:
        raise AssistantError(f"the comment is {len(comment)} characters long; the limit is {MAX_COMMENT_CHARS}")
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "turn_id": str(turn.get("id", "")),
        "question": str(turn.get("question", "")),
        "answer": str(answer.get("text", "")),
        "abstained": bool(answer.get("abstained")),
        "route": str(answer.get("route", "")),
        "citations": [
            {k: c.get(k) for k in ("marker", "entry_id", "title", "kind", "source", "line", "quote") if k in c}
            for c in answer.get("citations") or []
        ],
        "filters": turn.get("filters") or {},
        "vote": vote,
        "comment": comment,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _write_lock, path.open("a", encoding="utf-8") as fh:
        fh.write(line)
    return record


def read_feedback(path: Path) -> list[dict[str, Any]]:
    """Every stored vote, oldest first; unreadable lines (a crash mid-write) are skipped."""
    if not path.is_file():
        return []
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict) and item.get("vote") in VOTES and item.get("question"):
            out.append(item)
    return out


def to_gold(records: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Gold questions from feedback, and the votes that need a person first.

    The latest vote per question counts. A thumbs-up answer becomes a gold question with its cited titles and the
    answer as reference (a thumbs-up decline becomes an unanswerable question). A thumbs-down answer is returned
    for review, with its comment: the right entries are not known yet.
    """
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        latest[" ".join(str(r["question"]).split()).lower()] = r
    gold, review = [], []
    for r in latest.values():
        if r["vote"] == "down":
            review.append(
                {
                    "question": r["question"],
                    "answer": r.get("answer", ""),
                    "comment": r.get("comment", ""),
                    "cited_titles": _titles(r),
                }
            )
            continue
        qid = f"feedback-{r.get('turn_id') or len(gold) + 1}"
        if r.get("abstained") or not _titles(r):
            gold.append({"id": qid, "question": r["question"], "kind": "unanswerable", "gold_titles": []})
        else:
            gold.append(
                {
                    "id": qid,
                    "question": r["question"],
                    "kind": "feedback",
                    "gold_titles": _titles(r),
                    "reference": r.get("answer", ""),
                }
            )
    return gold, review


def export_gold(feedback_file: Path, out: Path) -> tuple[int, int, Path | None]:
    """Write the gold questions to ``out`` (JSONL) and the votes needing review beside it (``*.review.jsonl``).

    Returns (gold questions written, votes for review, review file or None)."""
    records = read_feedback(feedback_file)
    if not records:
        raise AssistantError(f"no feedback in {feedback_file} yet; rate answers in the web UI first")
    gold, review = to_gold(records)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold), encoding="utf-8")
    review_path = None
    if review:
        review_path = out.with_name(out.stem + ".review.jsonl")
        review_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in review), encoding="utf-8")
    return len(gold), len(review), review_path


def _titles(record: dict[str, Any]) -> list[str]:
    titles: list[str] = []
    for c in record.get("citations") or []:
        title = str(c.get("title") or "").strip()
        if title and title not in titles:
            titles.append(title)
    return titles
