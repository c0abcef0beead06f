"""memory: the seed's memory lookup across sessions, in Python.

- UserPromptSubmit: pops the result of the previous prompt's search and adds it as context
  (``Relevant context:``), then queues a search (``search_memory``) for this prompt, so the
  hook never waits for it.
- The search: the host's full-text index of this plugin's notes (``fasthooks_sdk.memory``,
  SQLite FTS5 ranked by BM25), across every session.
- Stop and SessionEnd: keeps what this turn of the session did (the prompt and Claude's last
  answer) as a note, once per turn (a Stop keeps it; the SessionEnd after it does not again).
"""

from fasthooks_sdk import HookApp, context, export, log, memory, state

app = HookApp("memory", "0.1.0")

MAX_NOTES_SHOWN = 3


@app.task(ttl=600)
def search_memory(prompt: str) -> str:
    notes = memory.search(prompt, limit=MAX_NOTES_SHOWN)
    return "\n".join(f"- {note.text}" for note in notes)


@app.on_prompt()
def recall(event, tasks):
    found = tasks.pop(search_memory)
    prompt = (event.prompt or "").strip()
    if prompt:
        state.set("prompt", prompt)
        state.set("kept", "no")
        tasks.add(search_memory, prompt)
    if found:
        return context(f"Relevant context:\n{found}")
    return None


def keep(answer):
    prompt = state.get("prompt")
    if not prompt or state.get("kept") != "no":
        return
    note = f"Asked: {prompt}"
    if answer:
        note += f"\nAnswered: {answer}"
    # The host keeps notes of up to 16 KiB: cut by bytes, never inside a character.
    note = note.encode()[:16000].decode(errors="ignore")
    try:
        memory.remember(note)
    except memory.MemoryStoreError as refused:
        log("warn", f"memory: note not kept: {refused}")
        return
    state.set("kept", "yes")


@app.on_stop()
def on_stop(event):
    keep(event.raw.get("last_assistant_message"))


@app.on_session_end()
def on_session_end(event):
    keep(None)


WitWorld = export(app)
