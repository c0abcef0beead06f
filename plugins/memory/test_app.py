"""memory's unit tests, in the SDK's native test mode (``python -m pytest plugins/memory``)."""

from app import app
from fasthooks_sdk import testing


def setup_function():
    testing.reset()


def test_a_turn_is_kept_once_and_found_by_a_later_session():
    testing.run_event(app, testing.events.prompt("where does the deploy key live?"))
    testing.run_event(app, testing.events.stop(last_assistant_message="In vault at secret/deploy."))
    testing.run_event(app, testing.events.session_end())
    # A second session: its first prompt queues the search, its second gets the result.
    second = {"session_id": "session-2"}
    assert testing.run_event(app, testing.events.prompt("the deploy key again?", **second)) == {}
    answer = testing.run_event(app, testing.events.prompt("and?", **second))
    assert answer == {"context": "Relevant context:\n- Asked: where does the deploy key live?\n"
                                 "Answered: In vault at secret/deploy."}


def test_nothing_is_kept_without_a_prompt_and_an_empty_search_adds_nothing():
    testing.run_event(app, testing.events.stop(last_assistant_message="hello"))
    assert testing.run_event(app, testing.events.prompt("unrelated words")) == {}
    assert testing.run_event(app, testing.events.prompt("more")) == {}


def test_a_note_is_cut_to_what_the_host_keeps():
    testing.run_event(app, testing.events.prompt("big " + "é" * 20000))
    testing.run_event(app, testing.events.stop(last_assistant_message="ok"))
    [note] = testing.host.world.notes
    assert len(note["text"].encode()) <= 16000 and note["text"].startswith("Asked: big é")
