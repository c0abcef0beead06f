"""secrets: a fasthooks plugin written in Python with fasthooks_sdk (guest-sdk/python), in the
style of the Python framework fasthooks, compiled to a WebAssembly component with componentize-py.

- PreToolUse for Write, Edit and MultiEdit: denies content that carries a credential (an AWS
  access key id, a private key block, a GitHub or Slack token, a password assignment).
- UserPromptSubmit: queues the background task `prompt_stats` for the prompt and, on the next
  prompt, reports the previous one's statistics as context: a task written in Python, run by the
  host in a fresh sandboxed instance, its result carried from one hook process to the next.
"""

import re

from fasthooks_sdk import HookApp, context, deny, export

app = HookApp("secrets", "0.1.0")

CREDENTIALS = [
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN (RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Slack token", re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}\b")),
    ("a hard-coded password", re.compile(r"(?i)\bpassword\s*[:=]\s*['\"][^'\"]{6,}['\"]")),
]


def written_text(event) -> str:
    """Everything a Write, Edit or MultiEdit call would put into the file."""
    parts = [event.content or "", event.new_string or ""]
    parts += [edit.get("new_string") or "" for edit in event.edits or []]
    return "\n".join(parts)


@app.pre_tool("Write", "Edit", "MultiEdit")
def no_credentials(event):
    for what, pattern in CREDENTIALS:
        if pattern.search(written_text(event)):
            return deny(
                f"fasthooks secrets: this would write {what} into {event.file_path or 'the file'}. "
                "Keep credentials out of files; read them from the environment or a secret store."
            )
    return None


@app.task(ttl=600)
def prompt_stats(prompt: str) -> dict:
    words = re.findall(r"[A-Za-z0-9_']+", prompt.lower())
    counts = {}
    for word in words:
        if len(word) > 3:
            counts[word] = counts.get(word, 0) + 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    return {"words": len(words), "characters": len(prompt), "top": [word for word, _ in top]}


@app.on_prompt()
def previous_prompt(event, tasks):
    previous = tasks.pop(prompt_stats)
    tasks.add(prompt_stats, event.prompt or "")
    if previous is None:
        return None
    return context(f"Previous prompt: {previous['words']} words; frequent: {', '.join(previous['top']) or 'none'}")


WitWorld = export(app)
