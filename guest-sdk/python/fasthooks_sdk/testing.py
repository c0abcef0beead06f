"""The native test mode: a plugin's handlers and tasks under plain Python (``pytest``), with no
componentize step, like the seed's ``ImmediateBackend``. Tasks run as soon as they are added;
``state``, ``memory`` and the log live in memory; the agent answers with ``respond_with``; HTTP
goes out with urllib::

    from fasthooks_sdk import testing
    from app import app

    def test_denies_rm():
        testing.reset()
        answer = testing.run_event(app, testing.events.pre_tool("Bash", command="rm -rf /"))
        assert answer["decision"] == "deny"

``run_event`` returns the answer as the host reads it (``decision``, ``reason``, ``context``,
``updated_input``, ``system_message``, ``stop_reason``: only the fields given; ``{}`` for no
opinion). An exception comes back as ``testing.PluginFailed`` with the line the host would print.
"""

import json

from ._event_table import EVENT_TABLE
from ._host import host
from .events import from_raw

if not host.NATIVE:
    raise ImportError("fasthooks_sdk.testing runs under plain Python, not inside a component")

__all__ = ["host", "events", "run_event", "check", "run_task", "queued_tasks", "respond_with", "log_lines",
           "reset", "PluginFailed"]

PluginFailed = host.ExportFailed
"""A handler or task failed: its message is the line the host would print."""
SESSION = "test-session"


def _event(name, **fields):
    return {"session_id": SESSION, "transcript_path": "/tmp/fasthooks-test/transcript.jsonl",
            "cwd": "/tmp/fasthooks-test", "hook_event_name": name, **fields}


class events:
    """Claude Code events as it sends them (session ``test-session``); extra fields by keyword.
    ``of(name, **fields)`` builds any event of the host's table."""

    of = staticmethod(_event)

    @staticmethod
    def pre_tool(tool, fields=None, **tool_input):
        return _event("PreToolUse", permission_mode="default", tool_name=tool, tool_input=tool_input,
                      tool_use_id="toolu_test", **(fields or {}))

    @staticmethod
    def post_tool(tool, response=None, fields=None, **tool_input):
        return _event("PostToolUse", permission_mode="default", tool_name=tool, tool_input=tool_input,
                      tool_response=response if response is not None else {}, tool_use_id="toolu_test",
                      **(fields or {}))

    @staticmethod
    def post_tool_failure(tool, error="failed", fields=None, **tool_input):
        return _event("PostToolUseFailure", permission_mode="default", tool_name=tool,
                      tool_input=tool_input, error=error, tool_use_id="toolu_test", **(fields or {}))

    @staticmethod
    def permission_request(tool, fields=None, **tool_input):
        return _event("PermissionRequest", permission_mode="default", tool_name=tool,
                      tool_input=tool_input, **(fields or {}))

    @staticmethod
    def permission_denied(tool, reason="denied", fields=None, **tool_input):
        return _event("PermissionDenied", permission_mode="auto", tool_name=tool, tool_input=tool_input,
                      tool_use_id="toolu_test", reason=reason, **(fields or {}))

    @staticmethod
    def prompt(text, **fields):
        return _event("UserPromptSubmit", permission_mode="default", prompt=text, **fields)

    @staticmethod
    def stop(last_assistant_message="", stop_hook_active=False, **fields):
        return _event("Stop", permission_mode="default", stop_hook_active=stop_hook_active,
                      last_assistant_message=last_assistant_message, **fields)

    @staticmethod
    def subagent_stop(agent_type="general-purpose", last_assistant_message="", **fields):
        return _event("SubagentStop", agent_type=agent_type, stop_hook_active=False,
                      last_assistant_message=last_assistant_message, **fields)

    @staticmethod
    def subagent_start(agent_type="general-purpose", **fields):
        return _event("SubagentStart", agent_id="agent_test", agent_type=agent_type, **fields)

    @staticmethod
    def session_start(source="startup", **fields):
        return _event("SessionStart", source=source, **fields)

    @staticmethod
    def session_end(reason="other", **fields):
        return _event("SessionEnd", reason=reason, **fields)

    @staticmethod
    def notification(message, notification_type="idle_prompt", **fields):
        return _event("Notification", message=message, notification_type=notification_type, **fields)

    @staticmethod
    def pre_compact(trigger="manual", custom_instructions="", **fields):
        return _event("PreCompact", trigger=trigger, custom_instructions=custom_instructions, **fields)

    @staticmethod
    def post_compact(trigger="manual", **fields):
        return _event("PostCompact", trigger=trigger, **fields)


def run_event(app, raw: dict) -> dict:
    """One event through the plugin as the host would send it: its answer."""
    name = raw.get("hook_event_name")
    if name not in EVENT_TABLE["events"]:
        raise ValueError(f"unknown event {name!r}: one of {', '.join(EVENT_TABLE['events'])}")
    check(app)
    host.world.session = raw.get("session_id", SESSION)
    from . import export

    class _WitEvent:
        pass

    event = _WitEvent()
    event.name, event.raw_json = name, json.dumps(raw)
    return export(app)().handle(event)


def check(app):
    """What the host checks when it loads a plugin: every subscription names a known event (or
    ``*``) and a matcher it can run; ValueError otherwise."""
    from . import _matching

    for event, matcher in app.subscriptions():
        if event != "*" and event not in EVENT_TABLE["events"]:
            raise ValueError(f"subscription to unknown event {event!r}: one of {', '.join(EVENT_TABLE['events'])}")
        _matching.matches(event, matcher, None)


def run_task(task_or_name, *args, **kwargs):
    """Run a task with these arguments, as the host's fresh instance would: its value."""
    from . import export
    from .tasks import Task

    name = task_or_name.name if isinstance(task_or_name, Task) else task_or_name
    text = export(None)().run_task(name, json.dumps({"args": list(args), "kwargs": kwargs}))
    return json.loads(text)


def queued_tasks():
    """The tasks of the current session, as dicts (key, name, status, value as JSON text, error)."""
    return [dict(info) for info in host.world.tasks.get(host.world.session, {}).values()]


def respond_with(responder):
    """The agent's answers here: ``responder(request)`` gets a dict (prompt, model,
    system_prompt, allowed_tools, max_turns, max_budget_usd) and returns the answer."""
    host.world.responder = responder


def log_lines():
    """What the plugin logged: ``[(level, message)]``."""
    return list(host.world.logs)


def reset():
    """Forget every task, state entry, memory note, responder and log line."""
    host.reset()


def event_of(raw: dict):
    """The typed event a handler would get for ``raw``."""
    return from_raw(raw)
