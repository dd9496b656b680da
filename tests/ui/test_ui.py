"""The web UI's parts without a server: rendering (escaping, linked markers, highlighting), readable sources and
dates, exports, parameter checks, the login guard, the model guard, and one question through ``answer_turn``."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from assistant import AssistantError, Settings
from assistant.llm import ScriptedChatModel
from assistant.ui import (
    LoginGuard,
    answer_markdown,
    bibtex,
    check_exposure,
    conversation_markdown,
    filter_rows,
    highlight_shared_words,
    launch_kwargs,
    render_turn,
    sortable_date,
    source_names,
)
from assistant.ui.corpus import corpus_intro
from assistant.ui.render import linked_text
from assistant.ui.session import DONE, ERROR, STOPPED, Conversation, GuardedChatModel, new_turn, run_events
from assistant.ui.turns import Shared, answer_turn, check_k, check_kind, check_source
from index.parsers import parse_seed_file
from tests.helpers import REPO
from tests.helpers.bibtex import parse_bibtex

ROOT = REPO
NEURON = "What does the neuron do? A new model for neuroscience and AI"
CITATION: dict[str, Any] = {
    "marker": 1,
    "entry_id": "talk-what-does-the-neuron-do-1234",
    "title": NEURON,
    "kind": "talk",
    "source": "003_c10c96c1afa68c83.txt",
    "source_name": "Symposium agenda (Rovinj 2024)",
    "line": 84,
    "quote": "Speaker: Mitya Chklovskii (Flatiron Institute). When: Wednesday 4:20 pm.",
    "sentence": "Mitya Chklovskii talks on Wednesday at 4:20 pm.",
    "speaker": "Mitya Chklovskii",
    "affiliation": "Flatiron Institute",
    "day": "Wednesday",
    "date": "2024-10-02",
    "time": "4:20 pm",
    "event": "1st Symposium on Machine Learning for Theories and Theories of Machine Learning",
    "location": "Rovinj, Croatia",
}


def _done_turn(text: str, citations: list[dict[str, Any]], question: str = "Who talks at 4:20 pm?") -> dict[str, Any]:
    turn = new_turn(question, "All", "All", 6)
    turn.update(status=DONE, answer={"text": text, "abstained": False, "route": "record:who", "citations": citations})
    return turn


# -- rendering -----------------------------------------------------------------------------------------------------


def test_highlight_uses_the_verifier_vocabulary_stems_and_accents() -> None:
    out = highlight_shared_words("The Neurons of Stéphane & <b>the</b> model", "What does stephane say about a neuron?")
    assert "<mark>Neurons</mark>" in out and "<mark>Stéphane</mark>" in out  # stem and accent-folded matches
    assert "<mark>The" not in out and "<mark>the" not in out  # stop words never marked
    assert "&lt;b&gt;" in out and "<b>" not in out  # quote text is escaped


def test_markers_become_links_to_this_turns_cards_and_text_stays_plain() -> None:
    text = 'See <a href="http://evil.example">here</a> ${alert} [1] and [7].'
    out = linked_text(text, [CITATION], "abc123")
    assert '<a class="ra-cite" href="#ra-c-abc123-1" data-target="ra-c-abc123-1"' in out
    assert f'title="{NEURON}"' in out.replace("&#x27;", "'")
    assert "[7]" in out and 'data-target="ra-c-abc123-7"' not in out  # a marker without a source stays text
    assert "<a href" not in out and "&lt;a href" in out  # a link from the text is shown, not live
    assert "${" not in out  # no template syntax reaches Gradio's HTML component


def test_rendered_turn_has_its_own_cards_exports_and_votes() -> None:
    turn = _done_turn("Mitya Chklovskii talks then [1].", [CITATION])
    html = render_turn(turn, 1)
    tid = turn["id"]
    assert f'id="ra-c-{tid}-1"' in html and "Symposium agenda (Rovinj 2024)" in html
    assert "Symposium agenda (Rovinj 2024) · line 84" in html and "<mark>" in html
    card = html.split('class="ra-card"', 1)[1].split("</dl>", 1)[0]
    assert "003_c10c96c1afa68c83.txt" not in card  # readable names, not hashed file names
    assert 'class="ra-export-md"' in html and 'class="ra-export-bib"' in html
    assert html.count('class="ra-vote"') == 2 and 'aria-pressed="true"' not in html and "disabled" not in html
    assert f'data-entry="{CITATION["entry_id"]}"' in html and 'class="ra-copy"' in html and 'class="ra-edit"' in html
    # the card names the quote's own line when it was found, and a vote shows pressed and cannot be sent again
    turn["answer"]["citations"] = [dict(CITATION, quote_line=235)]
    turn["vote"] = "up"
    html = render_turn(turn, 1)
    assert "Symposium agenda (Rovinj 2024) · line 235" in html
    assert 'data-vote="up" aria-pressed="true"' in html and html.count(" disabled>") == 3  # both votes and the comment


def test_markdown_in_questions_and_answers_renders_and_stays_safe() -> None:
    turn = _done_turn("It is **bold** and *new* [1].", [CITATION], question="Is `x` **really** <b>so</b>?")
    html = render_turn(turn, 1)
    assert "<strong>really</strong>" in html and "<code>x</code>" in html and "&lt;b&gt;so&lt;/b&gt;" in html
    assert 'It is <strong>bold</strong> and <em>new</em> <a class="ra-cite"' in html
    shown = html.split('class="ra-a"', 1)[1].split("</div>", 1)[0]
    assert "**" not in shown and 'data-text="It is **bold** and *new* [1]."' in html  # Copy copies the raw text


def test_the_first_screen_says_what_the_corpus_is() -> None:
    entries = [e for f in sorted((ROOT / "seeds").glob("*.txt")) for e in parse_seed_file(f).entries]
    line = corpus_intro(entries, source_names(entries))
    assert "25 talks of the 1st Symposium on Machine Learning for Theories" in line and "Rovinj" in line
    assert "10 tutorials" in line and "70 papers from 2 Daily Papers pages" in line
    assert "194 papers in a Research Papers library" in line and "chunk" not in line


def test_seed_links_in_quotes_are_not_clickable() -> None:
    evil = dict(CITATION, quote="Read [this](http://evil.example/x) and <a href='http://evil.example'>that</a>.")
    html = render_turn(_done_turn("It says so [1].", [evil]), 1)
    assert "http://evil.example" in html  # shown as text
    assert not re.search(r"<a [^>]*href=['\"]http", html)


def test_error_and_stopped_turns_say_what_happened() -> None:
    turn = new_turn("q", "All", "All", 6)
    turn.update(status=ERROR, error="⚠️ No entries match these filters (kind: talk).")
    assert "No entries match these filters" in render_turn(turn, 1)
    turn.update(status=STOPPED, error="Stopped.", text="Half an answer")
    html = render_turn(turn, 1)
    assert "Stopped." in html and "Half an answer" in html


# -- corpus: names, dates, search ------------------------------------------------------------------------------------


def test_sortable_dates() -> None:
    assert sortable_date("Aug 28, 2023") == "2023-08-28"
    assert sortable_date("2024-10-02") == "2024-10-02"
    assert sortable_date("Jan 19") == "--01-19"
    assert sortable_date("3 October 2024") == "2024-10-03"
    assert sortable_date(None) == "" and sortable_date("sometime") == "sometime"
    assert sorted(["2023-08-28", "--01-19", "2021-12-20"]) == ["--01-19", "2021-12-20", "2023-08-28"]


def test_source_names_are_readable_for_the_real_seeds() -> None:
    entries = [e for p in sorted((ROOT / "seeds").glob("*.txt")) for e in parse_seed_file(p).entries]
    names = source_names(entries)
    assert names["003_c10c96c1afa68c83.txt"] == "Symposium agenda (Rovinj 2024)"
    assert names["002_5ebcb6642b623e7b.txt"] == "Daily Papers (page 1)"
    assert names["004_d8db48d4075f29ae.txt"] == "Daily Papers (page 2)"
    assert names["000_fd45bc4d7915428a.txt"] == "Tutorials"
    assert len(set(names.values())) == len(names)


def test_search_ignores_accents_and_case() -> None:
    rows = [{"title": "Score Diffusion", "people": "Stéphane Mallat"}, {"title": "Other", "people": "Ann"}]
    assert filter_rows(rows, "stephane MALLAT") == rows[:1]
    assert filter_rows(rows, "Stéphane") == rows[:1]
    assert filter_rows(rows, "") == rows and filter_rows(rows, "nobody") == []


# -- exports -----------------------------------------------------------------------------------------------------------


def test_markdown_export_has_a_numbered_reference_list() -> None:
    paper = {"marker": 2, "entry_id": "paper-x", "title": "Pointer *Networks*", "kind": "paper", "authors_count": 3}
    turn = _done_turn("Chklovskii talks [1]; see also [2].", [CITATION, paper])
    md = answer_markdown(turn)
    assert md.startswith("## Who talks at 4:20 pm?")
    assert "Chklovskii talks [1]; see also [2]." in md
    refs = re.findall(r"^\[(\d+)\] (.+)$", md, re.M)
    assert [n for n, _ in refs] == ["1", "2"]
    assert NEURON in refs[0][1] and "Mitya Chklovskii" in refs[0][1] and "003_c10c96c1afa68c83.txt:84" in refs[0][1]
    assert "3 authors" in refs[1][1] and r"Pointer \*Networks\*" in refs[1][1]
    conv = conversation_markdown([turn, _done_turn("Other [1].", [paper], "Second?")])
    assert conv.count("**References**") == 2 and "## 2. Second?" in conv


def test_bibtex_export_parses_with_the_fields_the_corpus_has() -> None:
    tutorial = {"marker": 2, "entry_id": "tut-1", "title": "Proofs & {types}", "kind": "tutorial"}
    tutorial["presenters"] = ["Ann Lee", "Bo Chen"]
    records = parse_bibtex(bibtex([CITATION, tutorial, CITATION]))
    assert len(records) == 2  # deduplicated by entry
    talk, tut = records
    assert talk["title"] == NEURON and talk["author"] == "Mitya Chklovskii"
    assert "Rovinj, Croatia" in talk["howpublished"] and talk["year"] == "2024" and talk["date"] == "2024-10-02"
    assert tut["author"] == "Ann Lee and Bo Chen" and tut["title"] == r"Proofs \& (types)"


# -- parameters, login, exposure ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-5, 0, 11, "abc", 2.5, None, True])
def test_k_is_checked_with_a_clear_message(bad: object) -> None:
    with pytest.raises(AssistantError, match="whole number from 1 to 10"):
        check_k(bad)


def test_kind_and_source_are_checked_by_name() -> None:
    names = {"003_x.txt": "Symposium agenda (Rovinj 2024)"}
    assert check_k("5") == 5 and check_kind("All") is None and check_kind("Talk") == "talk"
    assert check_source("Symposium agenda (Rovinj 2024)", names) == "003_x.txt"
    assert check_source("003_x.txt", names) == "003_x.txt" and check_source("All", names) is None
    with pytest.raises(AssistantError, match="kind must be"):
        check_kind("poem")
    with pytest.raises(AssistantError, match=r"unknown source 'nope'.*Rovinj"):
        check_source("nope", names)


def test_login_attempts_are_rate_limited() -> None:
    guard = LoginGuard("ann", "s3cret", per_minute=3)
    assert guard("ann", "s3cret")
    assert not any(guard("ann", f"guess{i}") for i in range(3))
    assert not guard("ann", "s3cret")  # locked for the rest of the minute, even with the right password


def test_public_address_without_login_is_refused_unless_allowed() -> None:
    settings = Settings()
    settings.ui.host = "0.0.0.0"
    with pytest.raises(AssistantError, match="allow-public"):
        check_exposure(settings)
    settings.ui.allow_public = True
    check_exposure(settings)
    settings.ui.allow_public, settings.ui.username, settings.ui.password = False, "ann", "pw"
    check_exposure(settings)
    options = launch_kwargs(settings)
    assert isinstance(options["auth"], LoginGuard) and options["max_file_size"] == 50_000_000  # the whole request
    settings.ui.password = None
    with pytest.raises(AssistantError, match="both"):
        launch_kwargs(settings)


# -- the model guard and the answer runner --------------------------------------------------------------------------


class SlowModel(ScriptedChatModel):
    """A scripted model that takes ``delay`` seconds per word and records when its stream is closed."""

    def __init__(self, reply: Any, delay: float = 0.02) -> None:
        super().__init__(reply)
        self.delay = delay
        self.active = 0
        self.most_active = 0
        self.closed = threading.Event()

    def _pieces(self, reply: str) -> Iterator[str]:
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            for piece in super()._pieces(reply):
                time.sleep(self.delay)
                yield piece
        finally:
            self.active -= 1
            self.closed.set()


def test_guard_runs_one_generation_at_a_time_and_times_it() -> None:
    inner = SlowModel("one two three four", delay=0.01)
    guard = GuardedChatModel(inner)
    outputs: list[str] = []
    threads = [
        threading.Thread(target=lambda: outputs.append("".join(guard.stream([], max_tokens=5)))) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outputs == ["one two three four"] * 3 and inner.most_active == 1
    assert guard.typical_seconds() is not None and "about" in guard.wait_estimate(0)
    assert guard.wait_estimate(2).startswith("2 answers ahead")


def test_stop_closes_the_model_stream_between_tokens() -> None:
    inner = SlowModel(" ".join(["word"] * 400), delay=0.01)
    guard = GuardedChatModel(inner)
    cancel = threading.Event()
    got: list[tuple[str, Any]] = []
    started = time.perf_counter()
    for kind, item in run_events(lambda: guard.stream([], max_tokens=500), cancel, poll_s=0.05):
        got.append((kind, item))
        if len(got) == 5:
            cancel.set()
    assert got[-1][0] == "stopped" and time.perf_counter() - started < 2
    assert inner.closed.wait(2)  # the generation itself ended, not just the display


@pytest.fixture
def shared_fake(fake_assistant: Any) -> Any:
    def make(reply: Any) -> Shared:
        model = reply if isinstance(reply, ScriptedChatModel) else ScriptedChatModel(reply)
        assistant = fake_assistant(model)
        return Shared(lambda: assistant)

    return make


def test_answer_turn_record_answer_keeps_enriched_sources(shared_fake: Any) -> None:
    shared = shared_fake("I don't know.")
    conv = Conversation()
    turn = new_turn("Who talks at 4:20 pm on Wednesday?", "All", "All", 6)
    conv.add(turn)
    list(answer_turn(shared, conv, turn))
    assert turn["status"] == DONE and "Mitya Chklovskii" in turn["answer"]["text"]
    cited = turn["answer"]["citations"][0]
    assert cited["title"] == NEURON and cited["source_name"] == "Symposium agenda (Rovinj 2024)"
    assert cited["event"].startswith("1st Symposium") and turn["evidence"]


def test_answer_turn_says_when_filters_match_nothing(shared_fake: Any) -> None:
    shared = shared_fake("I don't know.")
    conv = Conversation()
    turn = new_turn("Who talks at 4:20 pm on Wednesday?", "talk", "Daily Papers (page 1)", 6)
    conv.add(turn)
    list(answer_turn(shared, conv, turn))
    assert turn["status"] == ERROR
    assert "No entries match these filters (kind: talk, source: Daily Papers (page 1))" in turn["error"]


def test_answer_turn_stop_ends_generation(shared_fake: Any) -> None:
    # One long unfinished sentence: the answer never completes on its own (a verified sentence would end it early,
    # and so would two unsupported ones).
    model = SlowModel("Bananas grow on the moon every winter and " * 60, delay=0.01)
    shared = shared_fake(model)
    conv = Conversation()
    turn = new_turn("What is Pointer Networks about?", "All", "All", 6)
    conv.add(turn)
    stopper = threading.Timer(0.5, conv.stop)
    stopper.start()
    started = time.perf_counter()
    list(answer_turn(shared, conv, turn))
    assert turn["status"] == STOPPED and "Stopped" in turn["error"]
    assert time.perf_counter() - started < 3 and model.closed.wait(2)


def test_reload_restores_finished_turns_and_marks_unfinished_ones() -> None:
    done = _done_turn("Yes [1].", [CITATION])
    running = new_turn("still going", "All", "All", 6)
    conv = Conversation([done, running, {"junk": True}])
    assert [t["status"] for t in conv.turns] == [DONE, STOPPED]
    assert conv.history(conv.turns[1]) == [
        {"role": "user", "content": done["question"]},
        {"role": "assistant", "content": "Yes [1]."},
    ]


def test_each_quoted_span_is_highlighted_against_the_sentence_it_supports() -> None:
    cited = dict(CITATION, quotes=["The neuron model is new.", "Chklovskii works at Flatiron."])
    turn = _done_turn("A new neuron model [1]. He is at Flatiron [1].", [cited])
    turn["answer"]["sentences"] = [
        {
            "text": "A new neuron model [1].",
            "claim": "A new neuron model.",
            "spans": [{"marker": 1, "quote": "The neuron model is new."}],
        },
        {
            "text": "He is at Flatiron [1].",
            "claim": "He is at Flatiron.",
            "spans": [{"marker": 1, "quote": "Chklovskii works at Flatiron."}],
        },
    ]
    html = render_turn(turn, 1)
    assert "<mark>neuron model</mark>" in html and "<mark>Flatiron</mark>" in html
    assert "<mark>Chklovskii" not in html  # the second span is matched against its own sentence only
