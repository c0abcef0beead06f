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
- Events are typed (``fasthooks_sdk.events``): a dataclass per event, with tool inputs as
  properties (``event.command``, ``event.file_path``…) and unknown fields kept.
- Background tasks (``fasthooks_sdk.tasks``, the seed's ``fasthooks.tasks``): ``@task`` or
  ``@app.task`` (``ttl=600, priority=5, transform=f, name=...``); a handler gets ``Tasks`` in
  its parameter annotated ``Tasks`` (or named ``tasks``): ``tasks.add(fn, *args, key=None,
  ttl=None, priority=None, wake=False, **kwargs)`` (``wake=True``, or ``tasks.wake(key)``: the
  result wakes Claude if it lands after Claude stopped), ``add_with(fn, TaskOptions(...), *args,
  **kwargs)``, ``pop(fn_or_key, default=None)``, ``get`` (a ``TaskResult``), ``has``,
  ``cancel``, ``cancel_all``, ``pop_all``, ``pop_errors``, and ``await tasks.wait(key,
  timeout=s)``, ``wait_all``, ``wait_any`` in ``async def`` handlers. A task runs in a fresh
  sandboxed instance of the plugin; arguments and results travel as JSON.
- Agent tasks: ``@app.agent_task(model=..., system_prompt=..., allowed_tools=[...],
  max_turns=..., max_budget_usd=...)``, whose function gets an ``Agent`` first
  (``agent.query(prompt)``), or the seed's ``fasthooks_sdk.contrib.claude.agent_task`` with an
  async ``ClaudeAgent``; the plugin then asks for ``--allow-agent``.
- Native test mode: under plain Python (``pytest``) the SDK runs against an in-memory host, tasks
  run at once (``fasthooks_sdk.testing``, and the seed's ``ImmediateBackend``).
- An exception in a handler or task reaches the host as one line, ``ValueError: message
  (app.py:12)``, and its traceback goes to the host's log.
- ``from fasthooks_sdk import state``: ``state.get/set/delete/keys`` (``scope="session"`` or
  ``"global"``); ``from fasthooks_sdk import memory``: ``memory.remember(text)``,
  ``memory.search(words, limit=5)`` (ranked notes across sessions), ``memory.forget(id)``.
- HTTP (with the user's ``--allow-http URL``): ``from fasthooks_sdk import http``, then
  ``http.get(url)``, ``http.post(url, data=..., json=...)``, as with ``requests``. Build such a
  plugin against the ``plugin-http`` world (``-w plugin-http``).
"""

import inspect
import json

# Every module is imported here, at start-up: componentize-py snapshots the interpreter then,
# and a module first imported later is not in the component.
from . import errors
from ._host import host
from .agent import Agent
from .contrib.claude import AGENT_TASKS
from .events import Event, from_raw
from .tasks import (NOT_READY, Task, TaskError, TaskOptions, TaskResult, TaskStatus, Tasks,
                    resolve, task)
from .tasks import registry as _task_registry
from .tasks import run as run_task

__all__ = [
    "HookApp", "Event", "Response", "Tasks", "TaskError", "Task", "TaskOptions", "TaskResult",
    "TaskStatus", "NOT_READY", "task", "export", "allow", "approve", "deny", "ask", "block",
    "defer", "context", "stop", "log",
]


# ── responses ───────────────────────────────────────────────────────────────────────────────

_DECISIONS = ("allow", "deny", "ask", "block", "defer")


class Response:
    """What a handler returns. Every field is optional; ``decision`` is one of allow, deny, ask,
    block, defer."""

    def __init__(self, decision=None, reason=None, context=None, updated_input=None,
                 system_message=None, stop_reason=None):
        if decision is not None and decision not in _DECISIONS:
            raise ValueError(f"decision is one of {', '.join(_DECISIONS)}, not {decision!r}")
        # Checked here: a value of the wrong type would reach the host's types and trap.
        for field, value in (("reason", reason), ("context", context), ("system_message", system_message),
                             ("stop_reason", stop_reason)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"a response's {field} is a str, not {type(value).__name__}")
        if updated_input is not None and not isinstance(updated_input, dict):
            raise TypeError(f"a response's updated_input is a dict, not {type(updated_input).__name__}")
        self.decision = decision
        self.reason = reason
        self.context = context
        self.updated_input = updated_input
        self.system_message = system_message
        self.stop_reason = stop_reason

    def answer(self) -> dict:
        """The fields given, as the host's merge reads them."""
        return {k: v for k, v in vars(self).items() if v is not None}

    def __repr__(self):
        return f"Response({self.answer()})"


def allow(message=None, modify=None) -> Response:
    """No objection (Claude Code's normal permission flow runs); optionally a message shown to
    the user and a rewritten tool input."""
    return Response(system_message=message, updated_input=modify)


def approve(reason=None) -> Response:
    """Let the call through without a permission prompt."""
    return Response("allow", reason)


def deny(reason: str) -> Response:
    return Response("deny", reason)


def ask(reason: str) -> Response:
    return Response("ask", reason)


def block(reason: str) -> Response:
    """Stop/SubagentStop: keep Claude working; UserPromptSubmit: drop the prompt; ..."""
    return Response("block", reason)


def defer(reason=None) -> Response:
    """Leave the decision to the next hook or to the user."""
    return Response("defer", reason)


def context(text: str) -> Response:
    """Extra context for Claude."""
    return Response(context=text)


def stop(reason: str) -> Response:
    """Stop Claude after this hook."""
    return Response(stop_reason=reason)


_LEVELS = ("trace", "debug", "info", "warn", "error")


def log(level: str, message: str) -> None:
    """Into the host's log: level is trace, debug, info, warn or error."""
    if level not in _LEVELS:
        raise ValueError(f"log level is one of {', '.join(_LEVELS)}, not {level!r}")
    host.log(level, str(message))


# ── the app ─────────────────────────────────────────────────────────────────────────────────

_CAPABILITIES = ("read-files", "write-files", "network", "environment", "agent")


def _tasks_parameter(handler):
    """The parameter that gets ``Tasks``: the one annotated ``Tasks``, else one named ``tasks``."""
    try:
        parameters = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):
        return None
    for parameter in parameters:
        if parameter.annotation is Tasks or parameter.annotation == "Tasks":
            return parameter.name
    return "tasks" if any(p.name == "tasks" for p in parameters) else None


class HookApp:
    def __init__(self, name: str = "plugin", version: str = "0.1.0"):
        self.name, self.version = name, version
        self.routes = []  # (event, matcher, guard, handler, tasks parameter)
        self.capabilities = []

    def on(self, event: str, matcher: str = "", when=None):
        def register(handler):
            self.routes.append((event, matcher, when, handler, _tasks_parameter(handler)))
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

    def task(self, fn=None, *, name=None, ttl=300, priority=0, transform=None):
        """``@app.task`` or ``@app.task(ttl=600, priority=5, transform=f, name=...)``: the same as
        ``fasthooks_sdk.tasks.task``."""
        return task(fn, name=name, ttl=ttl, priority=priority, transform=transform)

    def agent_task(self, fn=None, *, model=None, system_prompt=None, allowed_tools=(),
                   max_turns=None, max_budget_usd=None, name=None, ttl=300, priority=0,
                   transform=None):
        """The seed's ``@agent_task(model=..., system_prompt=..., allowed_tools=...)``: a task
        whose function gets an ``Agent`` (``fasthooks_sdk.agent``) as its first argument. The
        plugin then asks for the agent capability (the user grants ``--allow-agent``)."""
        agent = Agent(model, system_prompt, allowed_tools, max_turns, max_budget_usd)

        def register(function):
            def with_agent(*args, **kwargs):
                return function(agent, *args, **kwargs)
            with_agent.__qualname__ = function.__qualname__
            self.needs("agent")
            return task(with_agent, name=name, ttl=ttl, priority=priority, transform=transform,
                        _takes=function)
        return register(fn) if fn is not None else register

    def needs(self, *capabilities):
        """Declare capabilities the user must grant: read-files, write-files, network,
        environment, agent."""
        for capability in capabilities:
            capability = getattr(capability, "name", capability).lower().replace("_", "-")
            if capability not in _CAPABILITIES:
                raise ValueError(f"capability is one of {', '.join(_CAPABILITIES)}, not {capability!r}")
            if capability not in self.capabilities:
                self.capabilities.append(capability)

    def subscriptions(self):
        """(event, matcher) pairs, once each, in registration order: what describe() declares."""
        subscriptions = []
        for event, matcher, *_ in self.routes:
            if (event, matcher) not in subscriptions:
                subscriptions.append((event, matcher))
        return subscriptions

    def describe(self):
        # The seed's module-level @agent_task asks for the agent for the plugin that has it.
        capabilities = self.capabilities + (["agent"] if AGENT_TASKS and "agent" not in self.capabilities else [])
        return host.plugin_info(self.name, self.version, self.subscriptions(), capabilities)

    def dispatch(self, raw: dict):
        """Run the routes of the subscriptions the host matched, in registration order; the
        first deny or block answers at once, otherwise the host merges the answers by its one
        rule (the same for handlers of a plugin as for plugins of a hook)."""
        subscriptions = self.subscriptions()
        fired = {subscriptions[i] for i in host.matched_subscriptions(subscriptions, raw)
                 if i < len(subscriptions)}
        event = from_raw(raw)
        tasks = Tasks()
        answers = []
        for route_event, matcher, guard, handler, tasks_parameter in self.routes:
            if (route_event, matcher) not in fired:
                continue
            if guard is not None and not guard(event):
                continue
            extra = {tasks_parameter: tasks} if tasks_parameter else {}
            response = resolve(handler(event, **extra))
            if response is None:
                continue
            if not isinstance(response, Response):
                raise TypeError(f"a handler returned {type(response).__name__}: return a Response "
                                "(allow(), deny(reason), context(text), ...) or None")
            if response.decision in ("deny", "block"):
                return host.merge([response.answer()])
            answers.append(response.answer())
        return host.merge(answers)


def _fail(where, err):
    """What an export raises for ``err``: one line for the host; the traceback into the log."""
    try:
        host.log("error", f"{where}: {errors.full(err)}")
    except Exception:  # noqa: BLE001 (the log is best effort; the answer still says what failed)
        pass
    return host.failure(errors.one_line(err))


def export(app: HookApp):
    """The class componentize-py exports: assign it to ``WitWorld`` in the app module. Under
    plain Python (the native test mode) it is the same class on no WIT world."""
    if host.NATIVE:
        base = object
    else:
        import wit_world

        base = wit_world.WitWorld

    class Exported(base):
        def describe(self):
            return app.describe()

        # BaseException too: sys.exit() in a handler must not trap the component.
        def handle(self, event):
            try:
                return app.dispatch(json.loads(event.raw_json))
            except BaseException as err:  # noqa: BLE001 (every failure becomes one line)
                raise _fail(f"handling {getattr(event, 'name', 'an event')}", err) from None

        def run_task(self, name: str, args: str) -> str:
            try:
                return run_task(name, args)
            except BaseException as err:  # noqa: BLE001 (a failing task: its error text)
                raise _fail(f"task {name}", err) from None

        def task_names(self) -> list:
            return list(_task_registry.tasks)

    return Exported
