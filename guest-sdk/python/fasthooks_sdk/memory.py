"""Notes kept across sessions and found again by relevance (``fasthooks:hooks/memory``):

    from fasthooks_sdk import memory

    memory.remember("The deploy key lives in vault at secret/deploy.")
    for note in memory.search("where is the deploy key?", limit=3):
        print(note.score, note.session_id, note.text)

The host keeps a full-text index (SQLite FTS5, ranked by BM25) per plugin: no plugin sees
another's notes, and every session of the plugin sees all of them. A search is plain words.
Failures (a note over 16 KiB, an empty one) raise ``MemoryStoreError`` with the host's message.
"""

from dataclasses import dataclass

from ._host import calling, host

__all__ = ["remember", "search", "forget", "Note", "MemoryStoreError"]


class MemoryStoreError(Exception):
    pass


@dataclass
class Note:
    id: int
    text: str
    session_id: str
    created_at_ms: int
    score: float


def _host(call, *args):
    return calling(MemoryStoreError, call, *args)


def remember(text: str) -> int:
    """Keep ``text`` (tagged with this session); returns its id."""
    return _host(host.memory_remember, text)


def search(words: str, limit: int = 5) -> list:
    """The plugin's notes that best match ``words``, most relevant first."""
    return [Note(**note) for note in _host(host.memory_search, words, limit)]


def forget(note_id: int) -> bool:
    """Drop the note ``note_id``; True if it was there."""
    return _host(host.memory_forget, note_id)
