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

from ._host import calling, host

__all__ = ["get", "set", "delete", "keys", "StateError"]


class StateError(Exception):
    pass


def _scope(scope: str) -> str:
    if scope not in ("session", "global"):
        raise StateError(f'scope is "session" or "global", not {scope!r}')
    return scope


def _host(call, *args):
    return calling(StateError, call, *args)


def get(key: str, scope: str = "session"):
    return _host(host.state_get, _scope(scope), key)


def set(key: str, value: str, scope: str = "session") -> None:
    if not isinstance(key, str) or not isinstance(value, str):
        raise TypeError(f"a state key and value are str, not {type(key).__name__} and "
                        f"{type(value).__name__} (json.dumps a structured value)")
    _host(host.state_set, _scope(scope), key, value)


def delete(key: str, scope: str = "session") -> bool:
    return _host(host.state_delete, _scope(scope), key)


def keys(scope: str = "session") -> list:
    return _host(host.state_keys, _scope(scope))
