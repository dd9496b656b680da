"""Answer shapes end to end with the scripted fake model: yes/no and false premises from the records, a record
question answered for the entry a question describes, summaries over several entries, and follow-ups resolved
against the previous answer's citations (structured state, not the reply's words)."""

from __future__ import annotations

import pytest

from assistant.answer import Answer


def test_a_yes_no_record_question_says_no_and_what_the_record_says(fake_assistant):
    ans = fake_assistant().ask("is steven brunton giving his talk on monday?")
    assert ans.text.startswith("No.") and "Wednesday" in ans.text and ans.route.startswith("record")
    yes = fake_assistant().ask("Is Steven Brunton's talk on Wednesday?")
    assert yes.text.startswith("Yes.") and "9:20 am" in yes.text


def test_a_named_speaker_on_a_wrong_day_keeps_the_speaker_and_corrects_the_day(fake_assistant):
    ans = fake_assistant().ask("What time does Sebastian Goldt speak on Thursday?")
    assert ans.text.startswith("Not on Thursday:") and "Sebastian Goldt" in ans.text and "Tuesday" in ans.text
    assert {c.speaker for c in ans.citations} == {"Sebastian Goldt"}


def test_an_affiliation_the_record_contradicts_is_a_no(fake_assistant):
    ans = fake_assistant().ask("Is Sebastian Goldt from EPFL?")
    assert ans.text.startswith("No.") and "SISSA" in ans.text
    assert [c.speaker for c in ans.citations] == ["Sebastian Goldt"]


def test_a_yes_no_question_about_an_institution_the_corpus_does_not_know_is_answered_from_the_record(fake_assistant):
    no = fake_assistant().ask("Is Afonso Bandeira with the University of Oslo?")
    assert no.text.startswith("No.") and "ETH Zurich" in no.text and no.route == "record:premise"
    yes = fake_assistant().ask("is afonso bandeira at eth zurich")
    assert yes.text.startswith("Yes.") and [c.speaker for c in yes.citations] == ["Afonso Bandeira"]


def test_a_content_question_stating_a_wrong_day_is_corrected_before_it_is_answered(fake_assistant):
    ans = fake_assistant().ask("What will Marco Mondelli cover in his Friday talk?")
    assert ans.text.startswith("Not on Friday:") and "Tuesday" in ans.text
    assert [c.speaker for c in ans.citations][:1] == ["Marco Mondelli"] and ans.route.startswith("record:premise")


def test_a_stated_people_count_is_corrected(fake_assistant):
    ans = fake_assistant().ask("who are the 2 presenters of the unlearning data at scale tutorial")
    assert ans.text.startswith("Not 2 presenters:") and "Ashia Wilson" in ans.text


def test_record_yes_no_questions_check_bounds_windows_and_unknown_people(fake_assistant):
    a = fake_assistant()
    assert a.ask("Does Pointer Networks have more than 3 authors?").text.startswith("No.")
    assert a.ask("Does Pointer Networks have at least 3 authors?").text.startswith("Yes.")
    assert a.ask("Does Cengiz Pehlevan speak before 11 am?").text.startswith("Yes.")
    assert a.ask("Is Marco Mondelli's talk in the morning?").text.startswith("No.")
    unknown = a.ask("Is the unlearning data at scale tutorial taught by Ada Lovelace?")
    assert unknown.text.startswith("No.") and "Gautam Kamath" in unknown.text


def test_a_leading_clause_naming_a_speaker_is_not_dropped_as_chit_chat(fake_assistant):
    ans = fake_assistant().ask("Since Marco Mondelli works at MIT, what is his talk about?")
    assert ans.text.startswith("Not MIT:") and [c.speaker for c in ans.citations][:1] == ["Marco Mondelli"]


def test_list_filters_by_people_count_and_year(fake_assistant):
    a = fake_assistant()
    three = a.ask("Which tutorials have exactly three presenters?")
    assert three.route.startswith("list") and three.items
    assert all(len(i.entry.presenters) == 3 for i in three.items)
    old = a.ask("which daily papers are from 2015")
    assert old.items and all("2015" in (i.entry.date or "") for i in old.items)


@pytest.mark.slow
def test_a_record_question_describing_its_entry_is_answered_from_that_entry(real_retrieval_assistant):
    ans = real_retrieval_assistant.ask("who gave the symposium talk on sparse identification of nonlinear dynamics?")
    assert ans.route.startswith("record") and "Steven Brunton" in ans.text


@pytest.mark.slow
def test_a_summary_quotes_several_relevant_entries(real_retrieval_assistant):
    ans = real_retrieval_assistant.ask("give me an overview of the work on GPU kernel generation with LLMs")
    assert ans.route == "summary" and len({c.entry_id for c in ans.citations}) >= 2
    assert all(c.quote and c.quote in (real_retrieval_assistant.corpus.entries[c.entry_id].text) for c in ans.citations)


@pytest.mark.slow
def test_a_summary_of_a_topic_the_corpus_lacks_declines(real_retrieval_assistant):
    ans = real_retrieval_assistant.ask("summarise the work on quantum error correction")
    assert ans.abstained and not ans.citations


def test_a_follow_up_resolves_against_the_previous_answers_citations(fake_assistant):
    a = fake_assistant()
    first = a.ask("Who presents the tutorial Unlearning Data at Scale?")
    assert first.citations
    # The reply's words alone would not name the tutorial: the structured answer carries it.
    history = [
        {"role": "user", "content": "that tutorial i asked about"},
        {"role": "assistant", "content": "(answer shown above)", "answer": first},
    ]
    follow = a.chat(history, "and when is it?")
    assert {c.entry_id for c in follow.citations} <= {c.entry_id for c in first.citations}
    as_dict = [history[0], {**history[1], "answer": first.to_dict()}]
    again = a.chat(as_dict, "who presents it?")
    assert "Ashia Wilson" in again.text


def test_history_may_be_a_list_of_answers(fake_assistant):
    a = fake_assistant()
    first: Answer = a.ask("What is Yue M. Lu's affiliation?")
    follow = a.chat([first], "when does he speak?")
    assert "Yue M. Lu" in follow.text and follow.route.startswith("record")


def test_a_follow_up_picking_among_a_lists_entries_filters_only_those(fake_assistant):
    a = fake_assistant()
    first = a.ask("Which talks are on Wednesday?")
    assert len(first.citations) > 4
    history = [
        {"role": "user", "content": "Which talks are on Wednesday?"},
        {"role": "assistant", "content": first.text, "answer": first},
    ]
    picked = a.chat(history, "which of those is by someone from the University of Washington?")
    assert [c.speaker for c in picked.citations] == ["Steven Brunton"] and picked.route.startswith("list")
    # Not among them: a Thursday speaker's institution finds nothing in the Wednesday list.
    none = a.chat(history, "which of those is by someone from the University of Basel?")
    assert not none.citations


def test_a_topic_the_named_persons_own_abstract_speaks_of_is_no_wrong_person(fake_assistant):
    ans = fake_assistant().ask("Does Steven Brunton's talk get into sparse identification of nonlinear dynamics?")
    assert "not Steven Brunton" not in ans.text
    assert {c.speaker for c in ans.citations} <= {"Steven Brunton"}


def test_a_papers_author_count_and_year_are_checked_against_its_record(fake_assistant):
    no = fake_assistant().ask("was order matters: sequence to sequence for sets published in 2017")
    assert no.text.startswith("No.") and "Nov 19, 2015" in no.text and no.route == "record:premise"
    yes = fake_assistant().ask("Does the Neural Tangent Kernel paper have three authors?")
    assert yes.text.startswith("Yes.") and "3 authors" in yes.text


def test_a_record_question_about_a_kind_is_not_answered_for_an_entry_of_another_kind_named_in_passing(
    real_retrieval_assistant,
):
    ans = real_retrieval_assistant.ask(
        "Our group builds on Pointer Networks for routing. Who teaches the tutorial on calibration for decisions?"
    )
    assert ans.route.startswith("record") and "Aaron Roth" in ans.text
    assert [c.kind for c in ans.citations] == ["tutorial"]
