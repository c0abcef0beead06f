"""Typed Claude Code hook events: a dataclass per event, with its fields as Claude Code spells
them (``event.session_id``, ``event.prompt``, ``event.tool_name``…) and, on tool events, the
built-in tools' inputs as properties (``event.command``, ``event.file_path``, ``event.content``,
``event.url``…). Fields this SDK does not know are kept: ``event.raw`` is the whole JSON, and
any other attribute is looked up there, then in ``tool_input`` (None when absent)."""

from dataclasses import dataclass, field, fields

__all__ = [
    "Event", "ToolEvent", "PreToolUse", "PermissionRequest", "PermissionDenied", "PostToolUse",
    "PostToolUseFailure", "UserPromptSubmit", "Stop", "SubagentStart", "SubagentStop",
    "SessionStart", "SessionEnd", "Notification", "PreCompact", "PostCompact", "from_raw",
]


@dataclass
class Event:
    hook_event_name: str = ""
    session_id: str = ""
    cwd: str = ""
    transcript_path: str | None = None
    permission_mode: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.hook_event_name

    def __getattr__(self, name):
        # Only called for attributes the class does not define: unknown fields of the event.
        if name.startswith("__"):
            raise AttributeError(name)
        raw = self.__dict__.get("raw") or {}
        if name in raw:
            return raw[name]
        tool_input = raw.get("tool_input")
        if isinstance(tool_input, dict) and name in tool_input:
            return tool_input[name]
        return None


def _input(key):
    return property(lambda self: self.tool_input.get(key) if isinstance(self.tool_input, dict) else None,
                    doc=f"``tool_input.{key}``")


@dataclass
class ToolEvent(Event):
    tool_name: str = ""
    tool_input: dict = field(default_factory=dict)
    tool_use_id: str | None = None

    command = _input("command")
    description = _input("description")
    file_path = _input("file_path")
    content = _input("content")
    old_string = _input("old_string")
    new_string = _input("new_string")
    edits = _input("edits")
    pattern = _input("pattern")
    path = _input("path")
    url = _input("url")
    query = _input("query")


@dataclass
class PreToolUse(ToolEvent):
    pass


@dataclass
class PermissionRequest(ToolEvent):
    permission_suggestions: list = field(default_factory=list)


@dataclass
class PermissionDenied(ToolEvent):
    reason: str | None = None


@dataclass
class PostToolUse(ToolEvent):
    tool_response: object = None


@dataclass
class PostToolUseFailure(ToolEvent):
    error: str | None = None
    is_interrupt: bool = False


@dataclass
class UserPromptSubmit(Event):
    prompt: str = ""


@dataclass
class Stop(Event):
    stop_hook_active: bool = False
    last_assistant_message: str | None = None


@dataclass
class SubagentStart(Event):
    agent_id: str | None = None
    agent_type: str | None = None


@dataclass
class SubagentStop(Stop):
    agent_id: str | None = None
    agent_type: str | None = None
    agent_transcript_path: str | None = None


@dataclass
class SessionStart(Event):
    source: str | None = None
    model: str | None = None


@dataclass
class SessionEnd(Event):
    reason: str | None = None


@dataclass
class Notification(Event):
    message: str | None = None
    notification_type: str | None = None
    title: str | None = None


@dataclass
class PreCompact(Event):
    trigger: str | None = None
    custom_instructions: str | None = None


@dataclass
class PostCompact(Event):
    trigger: str | None = None


_CLASSES = {cls.__name__: cls for cls in (
    PreToolUse, PermissionRequest, PermissionDenied, PostToolUse, PostToolUseFailure,
    UserPromptSubmit, Stop, SubagentStart, SubagentStop, SessionStart, SessionEnd,
    Notification, PreCompact, PostCompact)}


def from_raw(raw: dict) -> Event:
    """The typed event for Claude Code's JSON (``Event`` for events without a class here)."""
    cls = _CLASSES.get(raw.get("hook_event_name"), Event)
    known = {f.name for f in fields(cls)} - {"raw"}
    values = {name: raw[name] for name in known if name in raw and raw[name] is not None}
    if "tool_input" in values and not isinstance(values["tool_input"], dict):
        values["tool_input"] = {}
    return cls(raw=raw, **values)
