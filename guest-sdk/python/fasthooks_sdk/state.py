"""A small persistent key-value store per plugin (``fasthooks:hooks/state``), scoped to the
session (``scope="session"``, the default) or to every session of the plugin
(``scope="global"``):

    from fasthooks_sdk import state

    state.set("last_prompt", event.prompt)
    previous = state.get("last_prompt")           # None when absent
    count = int(state.get("runs", scope="global") or 0)

Keys up to 1 KiB, values up to 1 MiB (text), 10,000 keys per scope; a refusal raises
``StateError`` with the host's message.
"""

from componentize_py_types import Err
from wit_world.imports import state as _state

try:
    from wit_world.imports.types import StateScope as _Scope
except ImportError:
    from wit_world.imports.fasthooks_hooks_types import StateScope as _Scope

__all__ = ["get", "set", "delete", "keys", "StateError"]


class StateError(Exception):
    pass


def _scope(scope: str):
    if scope == "session":
        return _Scope.SESSION
    if scope == "global":
        return _Scope.GLOBAL
    raise StateError(f'scope is "session" or "global", not {scope!r}')


def _host(call, *args):
    try:
        return call(*args)
    except Err as failed:
        raise StateError(failed.value) from None


def get(key: str, scope: str = "session"):
    return _host(_state.get, _scope(scope), key)


def set(key: str, value: str, scope: str = "session") -> None:
    _host(_state.set, _scope(scope), key, value)


def delete(key: str, scope: str = "session") -> bool:
    return _host(_state.delete, _scope(scope), key)


def keys(scope: str = "session") -> list:
    return _host(_state.keys, _scope(scope))
