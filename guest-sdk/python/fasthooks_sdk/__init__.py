"""fasthooks_sdk for Python: write fasthooks-host plugins the way the Python framework *fasthooks*
writes hooks, and compile them to WebAssembly components with componentize-py.

    from fasthooks_sdk import HookApp, deny, context, export

    app = HookApp("no-rm", "0.1.0")

    @app.pre_tool("Bash")
    def no_rm_rf(event):
        if "rm -rf" in event.command:
            return deny("Dangerous command")

    WitWorld = export(app)

Build: ``componentize-py -d wit -w plugin componentize -p guest-sdk/python -p DIR app -o out.wasm``.

- Routes: ``pre_tool``, ``post_tool``, ``post_tool_failure``, ``on_permission_request``,
  ``on_prompt``, ``on_stop``, ``on_subagent_stop``, ``on_session_start``, ``on_session_end``,
  ``on_notification``, ``on_pre_compact`` and ``on(event, matcher)`` (event ``"*"``: all), each
  with an optional guard ``when=lambda event: ...``. Matchers follow Claude Code: exact names,
  ``|`` or ``,`` lists, otherwise a JavaScript regular expression searched in the name. The host
  tests them (the same code for every language) and tells the plugin which of its
  subscriptions the event matched (``fasthooks:hooks/routing``); the SDK routes on that.
- A handler takes ``(event)`` or ``(event, tasks)`` and returns a response or None (no
  opinion). Handlers run in registration order; the first deny or block wins; otherwise the
  host merges the answers by its one rule (defer beats ask beats allow, contexts and messages
  are all kept, in order).
- Responses: ``allow(message=None, modify=None)`` (no objection), ``approve(reason=None)``
  (skip the permission prompt), ``deny(reason)``, ``ask(reason)``, ``block(reason)``,
  ``context(text)``, ``stop(reason)``.
- Background tasks: ``@app.task`` (or ``@app.task(ttl=600, priority=5, transform=f)``); in a
  handler, ``tasks.add(fn, *args, key=None, ttl=None, priority=None, wake=False, **kwargs)``
  (``wake=True``, or ``tasks.wake(key)``: the result wakes Claude if it lands after Claude stopped),
  ``tasks.pop(fn_or_key)``, ``get``, ``has``, ``cancel``, ``cancel_all``, ``pop_all``,
  ``pop_errors``, ``wait(key, timeout=s)``, ``wait_all``, ``wait_any``. The task runs in a fresh
  sandboxed instance of the plugin; arguments and results travel as JSON.
- Agent tasks: ``@app.agent_task(model=..., system_prompt=..., allowed_tools=[...],
  max_turns=..., max_budget_usd=...)``; the function gets an ``Agent`` first
  (``agent.query(prompt)``), and the plugin asks for ``--allow-agent``.
- ``from fasthooks_sdk import state``: ``state.get/set/delete/keys`` (``scope="session"`` or
  ``"global"``); ``from fasthooks_sdk import memory``: ``memory.remember(text)``,
  ``memory.search(words, limit=5)`` (ranked notes across sessions), ``memory.forget(id)``.
- HTTP (with the user's ``--allow-http URL``): ``from fasthooks_sdk import http``, then
  ``http.get(url)``, ``http.post(url, data=..., json=...)``, as with ``requests``. Build such a
  plugin against the ``plugin-http`` world (``-w plugin-http``).
"""

import inspect
import json

import wit_world
from componentize_py_types import Err
from wit_world.imports import log as _log
from wit_world.imports import routing as _routing
from wit_world.imports import tasks as _tasks
try:
    from wit_world.imports import types
except ImportError:
    # Built against `plugin-http`, whose wasi:http has a `types` interface too.
    from wit_world.imports import fasthooks_hooks_types as types

__all__ = [
    "HookApp", "Event", "Response", "Tasks", "TaskError", "Task", "export",
    "allow", "approve", "deny", "ask", "block", "context", "stop", "log",
]


# ── events ──────────────────────────────────────────────────────────────────────────────────

class Event:
    """A Claude Code hook event. Every field of the JSON event is an attribute (``event.prompt``,
    ``event.tool_name``, ``event.session_id``...), and so is every field of ``tool_input``
    (``event.command``, ``event.file_path``, ``event.content``...). Missing fields are None."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.name = raw.get("hook_event_name", "")

    def __getattr__(self, field):
        raw = self.__dict__["raw"]
        if field in raw:
            return raw[field]
        tool_input = raw.get("tool_input")
        if isinstance(tool_input, dict) and field in tool_input:
            return tool_input[field]
        return None


# ── responses ───────────────────────────────────────────────────────────────────────────────

class Response:
    """What a handler returns. Every field is optional."""

    def __init__(self, decision=None, reason=None, context=None, updated_input=None,
                 system_message=None, stop_reason=None):
        self.decision = decision
        self.reason = reason
        self.context = context
        self.updated_input = updated_input
        self.system_message = system_message
        self.stop_reason = stop_reason

    def to_wit(self) -> types.Response:
        return types.Response(
            self.decision, self.reason, self.context,
            None if self.updated_input is None else json.dumps(self.updated_input),
            self.system_message, self.stop_reason,
        )


def allow(message=None, modify=None) -> Response:
    """No objection (Claude Code's normal permission flow runs); optionally a message shown to
    the user and a rewritten tool input."""
    return Response(system_message=message, updated_input=modify)


def approve(reason=None) -> Response:
    """Let the call through without a permission prompt."""
    return Response(types.Decision.ALLOW, reason)


def deny(reason: str) -> Response:
    return Response(types.Decision.DENY, reason)


def ask(reason: str) -> Response:
    return Response(types.Decision.ASK, reason)


def block(reason: str) -> Response:
    """Stop/SubagentStop: keep Claude working; UserPromptSubmit: drop the prompt; ..."""
    return Response(types.Decision.BLOCK, reason)


def context(text: str) -> Response:
    """Extra context for Claude."""
    return Response(context=text)


def stop(reason: str) -> Response:
    """Stop Claude after this hook."""
    return Response(stop_reason=reason)


def log(level: str, message: str) -> None:
    """Into the host's log: level is trace, debug, info, warn or error."""
    _log.log(getattr(types.LogLevel, level.upper()), message)


# ── background tasks ────────────────────────────────────────────────────────────────────────

class TaskError(Exception):
    """The host refused a task call (for example: the session's queue is full)."""


class Task:
    """A background task: a function run by the host in a fresh instance of the plugin."""

    def __init__(self, fn, ttl=300, priority=0, transform=None):
        self.fn, self.ttl, self.priority, self.transform = fn, ttl, priority, transform
        self.name = fn.__name__

    def __call__(self, *args, **kwargs):
        result = self.fn(*args, **kwargs)
        return self.transform(result) if self.transform else result


def _key(task_or_key) -> str:
    return task_or_key.name if isinstance(task_or_key, Task) else str(task_or_key)


def _host(call, *args):
    try:
        return call(*args)
    except Err as err:
        raise TaskError(str(err.value)) from None


def _ms(seconds) -> int:
    return max(0, min(int(seconds * 1000), 2**32 - 1))


class Tasks:
    """The task API of one session (the host knows the session: nothing here names it)."""

    def add(self, task, *args, key=None, ttl=None, priority=None, wake=False, **kwargs):
        if not isinstance(task, Task):
            raise TypeError("tasks.add takes a function decorated with @app.task")
        options = types.TaskOptions(key, task.ttl if ttl is None else ttl,
                                    task.priority if priority is None else priority)
        payload = json.dumps({"args": list(args), "kwargs": kwargs})
        added = _host(_tasks.add, task.name, payload, options)
        if wake:
            self.wake(added.key)
        return added

    def wake(self, task_or_key):
        """Mark a task so its result wakes Claude when it lands after Claude stopped (the
        ``fasthooks-host wake`` hook install adds); False if there is no such task."""
        try:
            return _tasks.wake(_key(task_or_key))
        except Err as err:
            raise TaskError(f"cannot mark `{_key(task_or_key)}` to wake Claude: {err.value}") from None

    def pop(self, task_or_key):
        value = _host(_tasks.pop, _key(task_or_key))
        return None if value is None else json.loads(value)

    def get(self, task_or_key):
        return _host(_tasks.get, _key(task_or_key))

    def has(self, task_or_key=None):
        return _host(_tasks.has, None if task_or_key is None else _key(task_or_key))

    def cancel(self, task_or_key):
        return _host(_tasks.cancel, _key(task_or_key))

    def cancel_all(self):
        return _host(_tasks.cancel_all)

    def pop_all(self):
        return {o.key: json.loads(o.value) for o in _host(_tasks.pop_all)}

    def pop_errors(self):
        return [(e.key, e.error) for e in _host(_tasks.pop_errors)]

    def wait(self, task_or_key, timeout=30.0):
        value = _host(_tasks.wait, _key(task_or_key), _ms(timeout))
        return None if value is None else json.loads(value)

    def wait_all(self, keys, timeout=30.0):
        done = _host(_tasks.wait_all, [_key(k) for k in keys], _ms(timeout))
        return {o.key: json.loads(o.value) for o in done}

    def wait_any(self, keys, timeout=30.0):
        done = _host(_tasks.wait_any, [_key(k) for k in keys], _ms(timeout))
        return None if done is None else (done.key, json.loads(done.value))


# ── the app ─────────────────────────────────────────────────────────────────────────────────

class HookApp:
    def __init__(self, name: str, version: str = "0.1.0"):
        self.name, self.version = name, version
        self.routes = []  # (event, matcher, guard, handler)
        self.tasks = {}
        self.capabilities = []

    def on(self, event: str, matcher: str = "", when=None):
        def register(handler):
            self.routes.append((event, matcher, when, handler))
            return handler
        return register

    def _tool_route(self, event, tools, when):
        return self.on(event, "|".join(tools), when)

    def pre_tool(self, *tools, when=None):
        return self._tool_route("PreToolUse", tools, when)

    def post_tool(self, *tools, when=None):
        return self._tool_route("PostToolUse", tools, when)

    def post_tool_failure(self, *tools, when=None):
        return self._tool_route("PostToolUseFailure", tools, when)

    def on_permission_request(self, *tools, when=None):
        return self._tool_route("PermissionRequest", tools, when)

    def on_prompt(self, when=None):
        return self.on("UserPromptSubmit", "", when)

    def on_stop(self, when=None):
        return self.on("Stop", "", when)

    def on_subagent_stop(self, when=None):
        return self.on("SubagentStop", "", when)

    def on_session_start(self, matcher: str = "", when=None):
        return self.on("SessionStart", matcher, when)

    def on_session_end(self, matcher: str = "", when=None):
        return self.on("SessionEnd", matcher, when)

    def on_notification(self, matcher: str = "", when=None):
        return self.on("Notification", matcher, when)

    def on_pre_compact(self, matcher: str = "", when=None):
        return self.on("PreCompact", matcher, when)

    def task(self, fn=None, *, ttl=300, priority=0, transform=None):
        """``@app.task`` or ``@app.task(ttl=600, priority=5, transform=f)``."""
        def register(function):
            task = Task(function, ttl, priority, transform)
            self.tasks[task.name] = task
            return task
        return register(fn) if fn is not None else register

    def agent_task(self, fn=None, *, model=None, system_prompt=None, allowed_tools=(),
                   max_turns=None, max_budget_usd=None, ttl=300, priority=0, transform=None):
        """The seed's ``@agent_task(model=..., system_prompt=..., allowed_tools=...)``: a task
        whose function gets an ``Agent`` (``fasthooks_sdk.agent``) as its first argument. The
        plugin then asks for the agent capability (the user grants ``--allow-agent``)."""
        from .agent import Agent

        agent = Agent(model, system_prompt, allowed_tools, max_turns, max_budget_usd)

        def register(function):
            def with_agent(*args, **kwargs):
                return function(agent, *args, **kwargs)
            with_agent.__name__ = function.__name__
            task = Task(with_agent, ttl, priority, transform)
            self.tasks[task.name] = task
            if types.Capability.AGENT not in self.capabilities:
                self.capabilities.append(types.Capability.AGENT)
            return task
        return register(fn) if fn is not None else register

    def needs(self, *capabilities):
        """Declare capabilities (types.Capability) the user must grant."""
        self.capabilities.extend(capabilities)

    # The three exports.

    def subscriptions(self):
        """(event, matcher) pairs, once each, in registration order: what describe() declares."""
        subscriptions = []
        for event, matcher, _, _ in self.routes:
            if (event, matcher) not in subscriptions:
                subscriptions.append((event, matcher))
        return subscriptions

    def describe(self) -> types.PluginInfo:
        return types.PluginInfo(self.name, self.version,
                                [types.Subscription(e, m) for e, m in self.subscriptions()],
                                list(self.capabilities))

    def dispatch(self, event: Event, matched) -> types.Response:
        """Run the routes of the subscriptions the host matched (indices into describe()); the
        first deny or block answers at once, otherwise the host merges the answers by its one
        rule (the same for handlers of a plugin as for plugins of a hook)."""
        subscriptions = self.subscriptions()
        fired = {subscriptions[i] for i in matched if i < len(subscriptions)}
        tasks = Tasks()
        answers = []
        for route_event, matcher, guard, handler in self.routes:
            if (route_event, matcher) not in fired:
                continue
            if guard is not None and not guard(event):
                continue
            takes_tasks = len(inspect.signature(handler).parameters) >= 2
            response = handler(event, tasks) if takes_tasks else handler(event)
            if response is None:
                continue
            if response.decision in (types.Decision.DENY, types.Decision.BLOCK):
                return response.to_wit()
            answers.append(response.to_wit())
        if len(answers) == 1:
            return answers[0]
        return _routing.merge(answers)

    def run_task(self, name: str, args: str) -> str:
        task = self.tasks.get(name)
        if task is None:
            raise Err(f"unknown task {name}")
        payload = json.loads(args)
        return json.dumps(task(*payload.get("args", []), **payload.get("kwargs", {})))


def export(app: HookApp):
    """The class componentize-py exports: assign it to ``WitWorld`` in the app module."""

    class Exported(wit_world.WitWorld):
        def describe(self) -> types.PluginInfo:
            return app.describe()

        def handle(self, event: types.Event) -> types.Response:
            try:
                matched = _routing.matched_subscriptions()
                return app.dispatch(Event(json.loads(event.raw_json)), matched)
            except TaskError as err:
                raise Err(str(err))

        def run_task(self, name: str, args: str) -> str:
            try:
                return app.run_task(name, args)
            except Err:
                raise
            except Exception as err:  # a failing task: its error text, as the seed keeps it
                raise Err(f"{type(err).__name__}: {err}")

    return Exported
