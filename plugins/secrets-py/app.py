"""secrets: a fasthooks plugin written in Python (built with componentize-py).

- PreToolUse for Write, Edit and MultiEdit: denies content that carries a credential (an AWS
  access key id, a private key block, a GitHub or Slack token, a password assignment).
- UserPromptSubmit: queues the background task `prompt_stats` for the prompt and, on the next
  prompt, reports the previous one's statistics as context: a task written in Python, run by the
  host in a fresh sandboxed instance, its result carried from one hook process to the next.
"""

import json
import re

import wit_world
from componentize_py_types import Err
from wit_world.imports import log, tasks, types

NAME = "secrets"
VERSION = "0.1.0"

CREDENTIALS = [
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN (RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Slack token", re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}\b")),
    ("a hard-coded password", re.compile(r"(?i)\bpassword\s*[:=]\s*['\"][^'\"]{6,}['\"]")),
]


def none() -> types.Response:
    return types.Response(None, None, None, None, None, None)


def written_text(tool_input: dict) -> str:
    """Everything a Write, Edit or MultiEdit call would put into the file."""
    parts = [tool_input.get("content") or "", tool_input.get("new_string") or ""]
    for edit in tool_input.get("edits") or []:
        parts.append(edit.get("new_string") or "")
    return "\n".join(parts)


def find_credential(text: str):
    for what, pattern in CREDENTIALS:
        if pattern.search(text):
            return what
    return None


def prompt_stats(prompt: str) -> dict:
    words = re.findall(r"[A-Za-z0-9_']+", prompt.lower())
    counts = {}
    for word in words:
        if len(word) > 3:
            counts[word] = counts.get(word, 0) + 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    return {"words": len(words), "characters": len(prompt), "top": [word for word, _ in top]}


class WitWorld(wit_world.WitWorld):
    def describe(self) -> types.PluginInfo:
        return types.PluginInfo(
            NAME,
            VERSION,
            [
                types.Subscription("PreToolUse", "Write|Edit|MultiEdit"),
                types.Subscription("UserPromptSubmit", ""),
            ],
            [],
        )

    def handle(self, event: types.Event) -> types.Response:
        raw = json.loads(event.raw_json)
        if event.name == "PreToolUse":
            what = find_credential(written_text(raw.get("tool_input") or {}))
            if what is None:
                return none()
            path = (raw.get("tool_input") or {}).get("file_path", "the file")
            reason = f"fasthooks secrets: this would write {what} into {path}. Keep credentials out of files; read them from the environment or a secret store."
            return types.Response(types.Decision.DENY, reason, None, None, None, None)
        if event.name == "UserPromptSubmit":
            previous = tasks.pop("prompt_stats")
            tasks.add("prompt_stats", json.dumps(raw.get("prompt", "")), types.TaskOptions(None, 600, None))
            if previous is None:
                return none()
            stats = json.loads(previous)
            context = f"Previous prompt: {stats['words']} words; frequent: {', '.join(stats['top']) or 'none'}"
            return types.Response(None, None, context, None, None, None)
        return none()

    def run_task(self, name: str, args: str) -> str:
        if name != "prompt_stats":
            raise Err(f"unknown task {name}")
        log.log(types.LogLevel.DEBUG, "computing prompt statistics")
        return json.dumps(prompt_stats(json.loads(args)))
