"""The Python SDK in its native test mode: routing, typed events, the task API's fixes of the
seed's flaws, state, memory, errors."""

import json

import pytest

from fasthooks_sdk import (NOT_READY, HookApp, Response, TaskOptions, TaskStatus, Tasks, ask,
                           context, deny, export, log, memory, state, testing)
from fasthooks_sdk.events import PostToolUse, PreToolUse, UserPromptSubmit
from fasthooks_sdk.tasks import task
from fasthooks_sdk.tasks.testing import ImmediateBackend


def setup_function():
    testing.reset()


def test_routes_by_event_and_matcher_and_merges_by_the_host_rule():
    app = HookApp("router")
    seen = []

    @app.pre_tool("Bash")
    def bash(event):
        seen.append(type(event))
        return deny("no rm") if "rm -rf" in event.command else context("one")

    @app.pre_tool("Write", "Edit")
    def write(event):
        return context(f"writing {event.file_path}")

    @app.on("PreToolUse", "^(Bash|Read)$")
    def regex(event):
        return ask("sure?")

    assert testing.run_event(app, testing.events.pre_tool("Bash", command="rm -rf /")) == {
        "decision": "deny", "reason": "no rm"}
    assert testing.run_event(app, testing.events.pre_tool("Bash", command="ls")) == {
        "decision": "ask", "reason": "sure?", "context": "one"}
    assert testing.run_event(app, testing.events.pre_tool("Edit", file_path="a.rs")) == {
        "context": "writing a.rs"}
    assert testing.run_event(app, testing.events.pre_tool("NotebookEdit", file_path="a.rs")) == {}
    assert testing.run_event(app, testing.events.pre_tool("bash", command="ls")) == {}
    assert seen == [PreToolUse, PreToolUse]
    assert app.describe()["subscriptions"] == [
        {"event": "PreToolUse", "matcher": "Bash"}, {"event": "PreToolUse", "matcher": "Write|Edit"},
        {"event": "PreToolUse", "matcher": "^(Bash|Read)$"}]


def test_events_are_typed_and_keep_unknown_fields():
    event = testing.event_of(testing.events.post_tool("Write", response={"type": "create"},
                                                      fields={"duration_ms": 9},
                                                      file_path="/a.py", content="x"))
    assert isinstance(event, PostToolUse)
    assert (event.tool_name, event.file_path, event.content, event.tool_response) == (
        "Write", "/a.py", "x", {"type": "create"})
    assert event.duration_ms == 9 and event.raw["duration_ms"] == 9 and event.nothing is None
    prompt = testing.event_of(testing.events.prompt("hi"))
    assert isinstance(prompt, UserPromptSubmit) and prompt.prompt == "hi" and prompt.session_id


def test_tasks_are_injected_by_annotation_or_name():
    app = HookApp("injection")
    got = {}

    @app.on_prompt()
    def annotated(event, queue: Tasks):
        got["annotated"] = isinstance(queue, Tasks)

    @app.on_prompt()
    def named(event, tasks):
        got["named"] = isinstance(tasks, Tasks)

    @app.on_prompt()
    def neither(event):
        got["neither"] = True

    testing.run_event(app, testing.events.prompt("x"))
    assert got == {"annotated": True, "named": True, "neither": True}


def test_task_names_are_unique_and_lambdas_need_one():
    @task
    def unique_name_one():
        return 1

    assert unique_name_one.name.endswith("<locals>.unique_name_one"), "qualified by where it is"

    def other():
        return 2

    with pytest.raises(ValueError, match="two tasks are named"):
        task(name=unique_name_one.name)(other)

    with pytest.raises(ValueError, match="a lambda task needs a name"):
        task(lambda: 1)
    first = task(name="first_lambda")(lambda: "first")
    second = task(name="second_lambda")(lambda: "second")
    tasks = Tasks(ImmediateBackend())
    tasks.add(first)
    tasks.add(second)
    assert (tasks.pop(first), tasks.pop(second)) == ("first", "second")


def test_the_exported_task_names_list_every_registered_task():
    @task(name="listed_for_inspect")
    def listed():
        return 1

    names = export(HookApp("lists"))().task_names()
    assert "listed_for_inspect" in names
    assert len(names) == len(set(names))


def test_options_never_swallow_task_arguments():
    @task
    def keyed(key, ttl=0):
        return f"{key}/{ttl}"

    tasks = Tasks(ImmediateBackend())
    with pytest.raises(TypeError, match="can take an argument named key"):
        tasks.add(keyed, key="k")
    with pytest.raises(TypeError, match="can take an argument named key"):
        tasks.add(keyed, key=None)  # given, even as None
    tasks.add_with(keyed, TaskOptions(key="job"), key="argument", ttl=5)
    assert tasks.pop("job") == "argument/5"
    tasks.add(keyed, "positional", priority=3)
    assert tasks.pop(keyed) == "positional/0"

    @task
    def notify(message, **extra):
        return [message, extra]

    with pytest.raises(TypeError, match="can take an argument named wake"):
        tasks.add(notify, "m", wake=False)  # **extra could take it: ambiguous
    tasks.add_with(notify, TaskOptions(), "m", wake=False)
    assert tasks.pop(notify) == ["m", {"wake": False}]
    with pytest.raises(TypeError, match="a task key is a str"):
        tasks.add_with(notify, TaskOptions(key=42), "m")


def test_an_agent_tasks_options_are_checked_against_its_own_parameters():
    from fasthooks_sdk import HookApp as App

    app = App("agents")

    @app.agent_task(model="haiku")
    def review(agent, code, key="default"):
        return agent.query(f"{key}: {code}")

    testing.respond_with(lambda request: request["prompt"])
    tasks = Tasks(ImmediateBackend())
    with pytest.raises(TypeError, match="can take an argument named key"):
        tasks.add(review, "x", key="mine")
    tasks.add_with(review, TaskOptions(key="job"), "x", key="mine")
    assert tasks.pop("job") == "mine: x"


def test_none_and_not_ready_are_told_apart():
    @task
    def nothing():
        return None

    tasks = Tasks(ImmediateBackend())
    assert tasks.pop(nothing, default=NOT_READY) is NOT_READY
    tasks.add(nothing)
    result = tasks.get(nothing)
    assert result.status == TaskStatus.COMPLETED and result.value is None and result.done
    assert tasks.pop(nothing, default=NOT_READY) is None
    assert tasks.pop(nothing, default=NOT_READY) is NOT_READY


def test_a_handler_exception_is_one_line_with_its_place_and_the_traceback_is_logged():
    app = HookApp("thrower")

    @app.on_prompt()
    def broken(event):
        return json.loads(event.prompt)

    with pytest.raises(testing.PluginFailed) as failed:
        testing.run_event(app, testing.events.prompt("not json"))
    line = str(failed.value)
    assert line.startswith("JSONDecodeError: Expecting value") and "(test_sdk.py:" in line, line
    assert "\n" not in line
    level, message = testing.log_lines()[-1]
    assert level == "error" and "Traceback" in message and "handling UserPromptSubmit" in message


def test_a_malformed_answer_is_refused_with_what_to_return():
    app = HookApp("bad")

    @app.on_prompt()
    def wrong(event):
        return "yes"

    with pytest.raises(testing.PluginFailed, match="return a Response"):
        testing.run_event(app, testing.events.prompt("x"))
    with pytest.raises(ValueError, match="decision is one of"):
        Response(decision="maybe")


def test_values_of_the_wrong_type_are_refused_before_they_reach_the_host():
    with pytest.raises(TypeError, match="reason is a str"):
        deny(3)
    with pytest.raises(TypeError, match="context is a str"):
        context(None or 3)
    with pytest.raises(TypeError, match="a state key and value are str"):
        state.set("n", 5)
    with pytest.raises(TypeError, match="a task key is a str"):
        Tasks().pop(42)


def test_http_works_natively_against_a_local_server():
    import http.server
    import threading

    from fasthooks_sdk import http as fhttp

    class Pages(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("location", "/page")
                self.end_headers()
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"page {self.path}".encode())

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        response = fhttp.get(f"{base}/moved")
        assert (response.status_code, response.text, response.url) == (200, "page /page", f"{base}/page")
        assert fhttp.get(f"{base}/moved", max_redirects=0).status_code == 302
        with pytest.raises(fhttp.InvalidUrl):
            fhttp.get("ftp://example.com/")
    finally:
        server.shutdown()


def test_state_memory_and_log():
    app = HookApp("keeper")

    @app.on_prompt()
    def keep(event):
        count = int(state.get("count") or 0) + 1
        state.set("count", str(count))
        state.set("last", event.prompt, scope="global")
        memory.remember(event.prompt)
        log("info", f"prompt {count}")
        found = memory.search("rust wasm", limit=1)
        return context(f"{count} {found[0].text}")

    testing.run_event(app, testing.events.prompt("rust only"))
    assert testing.run_event(app, testing.events.prompt("rust and wasm")) == {"context": "2 rust and wasm"}
    assert testing.run_event(app, testing.events.prompt("other", session_id="s2")) == {
        "context": "1 rust and wasm"}
    assert state.get("last", scope="global") == "other"
    assert [m for _, m in testing.log_lines()] == ["prompt 1", "prompt 2", "prompt 1"]
    with pytest.raises(ValueError):
        log("loud", "x")


def test_matchers_follow_claude_code():
    from fasthooks_sdk import _matching

    assert _matching.matches("PreToolUse", "Edit, Write", "Write")
    assert not _matching.matches("PreToolUse", "Bash", "BashOutput")
    assert _matching.matches("PreToolUse", "mcp__.*__list", "mcp__gh__list_issues")
    assert _matching.matches("PreToolUse", "", "anything") and _matching.matches("Stop", "x", None)
    for refused in ("(?!Bash)^\\w+$", "(a)\\1", "Bash("):
        with pytest.raises(ValueError, match="matcher"):
            _matching.matches("PreToolUse", refused, "Bash")
    assert _matching.subject({"hook_event_name": "FileChanged", "file_path": "/a/b.rs"}) == "b.rs"


def test_an_unknown_event_is_refused():
    with pytest.raises(ValueError, match="unknown event 'PreTooluse'"):
        testing.run_event(HookApp(), testing.events.of("PreTooluse"))


def test_subscriptions_the_host_would_refuse_are_refused():
    typo = HookApp("typo")
    typo.on("PreTooluse")(lambda event: None)
    with pytest.raises(ValueError, match="unknown event 'PreTooluse'"):
        testing.run_event(typo, testing.events.prompt("x"))
    bad = HookApp("bad-matcher")
    bad.on("PreToolUse", "(?!Bash)")(lambda event: None)
    with pytest.raises(ValueError, match="matcher"):
        testing.run_event(bad, testing.events.prompt("x"))
