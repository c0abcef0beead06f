"""The host as a plugin built by componentize-py sees it: the WIT imports of ``fasthooks:hooks``,
turned into plain Python values once, here (records into dicts, enums into their names, an
``Err`` into ``HostRefused`` naming the call). ``_host`` picks this module when ``wit_world``
can be imported, that is inside a component."""

import json

from componentize_py_types import Err
from wit_world.imports import agent as _agent
from wit_world.imports import log as _log
from wit_world.imports import memory as _memory
from wit_world.imports import routing as _routing
from wit_world.imports import state as _state
from wit_world.imports import tasks as _tasks

try:
    from wit_world.imports import types as _types
except ImportError:
    # Built against `plugin-http`, whose wasi:http has a `types` interface too.
    from wit_world.imports import fasthooks_hooks_types as _types

NATIVE = False


class HostRefused(Exception):
    """The host answered a call with an error."""

    def __init__(self, call, reason):
        super().__init__(f"{call}: {reason}")
        self.call, self.reason = call, reason


def _call(name, fn, *args):
    try:
        return fn(*args)
    except Err as err:
        raise HostRefused(name, str(err.value)) from None


def _info(raw):
    if raw is None:
        return None
    return dict(key=raw.key, name=raw.name, status=raw.status.name.lower(), value=raw.value,
                error=raw.error, created_at_ms=raw.created_at_ms, started_at_ms=raw.started_at_ms,
                finished_at_ms=raw.finished_at_ms)


# ── tasks (the host runs them, in a fresh instance: `run` is the native host's) ────────────

def task_add(name, args, key, ttl, priority, run):
    options = _types.TaskOptions(key, ttl, priority)
    return _info(_call("tasks.add", _tasks.add, name, args, options))


def task_pop(key):
    return _call("tasks.pop", _tasks.pop, key)


def task_get(key):
    return _info(_call("tasks.get", _tasks.get, key))


def task_has(key):
    return _call("tasks.has", _tasks.has, key)


def task_cancel(key):
    return _call("tasks.cancel", _tasks.cancel, key)


def task_cancel_all():
    return _call("tasks.cancel-all", _tasks.cancel_all)


def task_pop_all():
    return [(o.key, o.value) for o in _call("tasks.pop-all", _tasks.pop_all)]


def task_pop_errors():
    return [(e.key, e.error) for e in _call("tasks.pop-errors", _tasks.pop_errors)]


def task_wait(key, ms):
    return _call("tasks.wait", _tasks.wait, key, ms)


def task_wait_all(keys, ms):
    return [(o.key, o.value) for o in _call("tasks.wait-all", _tasks.wait_all, keys, ms)]


def task_wait_any(keys, ms):
    done = _call("tasks.wait-any", _tasks.wait_any, keys, ms)
    return None if done is None else (done.key, done.value)


def task_wake(key):
    return _call("tasks.wake", _tasks.wake, key)


# ── state, memory, agent, log ───────────────────────────────────────────────────────────────

def _scope(scope):
    return _types.StateScope.GLOBAL if scope == "global" else _types.StateScope.SESSION


def state_get(scope, key):
    return _call("state.get", _state.get, _scope(scope), key)


def state_set(scope, key, value):
    _call("state.set", _state.set, _scope(scope), key, value)


def state_delete(scope, key):
    return _call("state.delete", _state.delete, _scope(scope), key)


def state_keys(scope):
    return list(_call("state.keys", _state.keys, _scope(scope)))


def memory_remember(text):
    return _call("memory.remember", _memory.remember, text)


def memory_search(words, limit):
    notes = _call("memory.search", _memory.search, words, limit)
    return [dict(id=n.id, text=n.text, session_id=n.session_id, created_at_ms=n.created_at_ms,
                 score=n.score) for n in notes]


def memory_forget(note_id):
    return _call("memory.forget", _memory.forget, note_id)


def agent_query(request):
    budget = request["max_budget_usd"]
    wit = _types.AgentRequest(request["prompt"], request["model"], request["system_prompt"],
                              list(request["allowed_tools"]), request["max_turns"],
                              None if budget is None else float(budget))
    return _call("agent.query", _agent.query, wit)


def log(level, message):
    _log.log(getattr(_types.LogLevel, level.upper()), message)


# ── routing and the exports' types ──────────────────────────────────────────────────────────

_DECISIONS = {d.name.lower(): d for d in _types.Decision}
_CAPABILITIES = {c.name.lower().replace("_", "-"): c for c in _types.Capability}


def matched_subscriptions(_subscriptions, _raw):
    """The host tested the subscriptions' matchers (the same code for every language)."""
    return list(_routing.matched_subscriptions())


def _response(answer):
    decision = answer.get("decision")
    updated = answer.get("updated_input")
    return _types.Response(None if decision is None else _DECISIONS[decision], answer.get("reason"),
                           answer.get("context"), None if updated is None else json.dumps(updated),
                           answer.get("system_message"), answer.get("stop_reason"))


def merge(answers):
    """One WIT response from the answers of the handlers that fired (by the host's one rule)."""
    if not answers:
        return _types.Response(None, None, None, None, None, None)
    if len(answers) == 1:
        return _response(answers[0])
    return _call("routing.merge", _routing.merge, [_response(a) for a in answers])


def plugin_info(name, version, subscriptions, capabilities):
    return _types.PluginInfo(name, version, [_types.Subscription(e, m) for e, m in subscriptions],
                             [_CAPABILITIES[c] for c in capabilities])


def failure(message):
    """What an export raises to return `err(message)` to the host."""
    return Err(message)
