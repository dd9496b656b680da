"""The shapes and limits the APIs and the MCP server share (assistant/service.py), in process."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from assistant import service
from assistant.errors import AssistantError
from assistant.retrieve import Filters
from tests.helpers.api import QUOTED_QUESTION, RECORD_QUESTION, TALK_TITLE, assert_verified


def test_answer_payload_places_every_sentence_and_span(fake_assistant: Any) -> None:
    assistant = fake_assistant()
    for question in (RECORD_QUESTION, QUOTED_QUESTION, "Which speakers are from EPFL?"):
        answer = assistant.ask(question)
        data = service.answer_payload(answer)
        assert set(answer.to_dict()) <= set(data)
        for sentence in data["sentences"]:
            assert data["text"][sentence["start"] : sentence["end"]] == sentence["text"]
        if any(s["spans"] for s in data["sentences"]):
            assert_verified(data, assistant.corpus.entries)
    text = service.citations_text(service.answer_payload(assistant.ask(RECORD_QUESTION)))
    assert text.startswith(f"[1] {TALK_TITLE} (talk;") and "\n    " in text


def test_filters_blank_all_and_unknown_kind() -> None:
    assert service.check_filters("All", " ", None) == Filters()
    assert service.check_filters("Talk", "a.txt", "Monday") == Filters(kind="talk", source="a.txt", day="Monday")
    with pytest.raises(AssistantError, match="kind must be one of"):
        service.check_filters("poem")


def test_list_entries_filters_queries_and_pages(fake_assistant: Any) -> None:
    entries = fake_assistant().entries
    talks = service.list_entries(entries, filters=Filters(kind="talk"), limit=1000)
    assert talks["total"] == sum(e.kind == "talk" for e in entries) and "text" not in talks["entries"][0]
    epfl = service.list_entries(entries, query="epfl", filters=Filters(kind="talk"))
    assert epfl["total"] >= 2 and all("EPFL" in e.get("affiliation", "") for e in epfl["entries"])
    accents = service.list_entries(entries, query="BRBIC")
    assert accents["total"] >= 1  # "Brbić" found without its accent
    page = service.list_entries(entries, limit=3, offset=3)
    assert page["offset"] == 3 and len(page["entries"]) == 3
    for bad in ({"limit": 0}, {"limit": True}, {"offset": -1}):
        with pytest.raises(AssistantError):
            service.list_entries(entries, **bad)


def test_search_and_entries(fake_assistant: Any) -> None:
    assistant = fake_assistant()
    found = service.search(assistant, "pointer networks", 2)
    assert len(found["results"]) == 2 and found["results"][0]["title"] == "Pointer Networks"
    entry = service.entry_payload(service.get_entry(assistant, found["results"][0]["entry_id"]))
    assert entry["text"] and entry["source"] and entry["line"]
    with pytest.raises(service.NotFoundError):
        service.get_entry(assistant, "nope")
    with pytest.raises(AssistantError, match="k must be"):
        service.search(assistant, "x", 0)


def test_run_with_deadline_returns_raises_or_gives_up() -> None:
    assert service.run_with_deadline(lambda: 7, 1) == 7
    with pytest.raises(ZeroDivisionError):
        service.run_with_deadline(lambda: 1 / 0, 1)
    began = time.perf_counter()
    with pytest.raises(service.DeadlineError, match="longer than 0.2 s"):
        service.run_with_deadline(lambda: time.sleep(5), 0.2)
    assert time.perf_counter() - began < 1


def test_slots_refuse_beyond_the_waiting_limit() -> None:
    slots = service.Slots(limit=1, max_waiting=1)
    slots.acquire(1)
    waiter = threading.Thread(target=lambda: (slots.acquire(5), slots.release()))
    waiter.start()
    time.sleep(0.2)
    with pytest.raises(service.BusyError):
        slots.acquire(1)
    slots.release()
    waiter.join(5)
    slots.acquire(0.1)
    with pytest.raises(service.DeadlineError):
        slots.acquire(0.1)  # the one slot is held: none within 0.1 s
    slots.release()
