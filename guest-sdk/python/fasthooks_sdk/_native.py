"""The host as plain Python sees it: the native test mode, an in-memory stand-in like the seed's
``ImmediateBackend``. A task added runs at once, in this process; state and memory live in dicts;
the agent answers with what the test gave ``testing.respond_with``; matchers are tested here
with Claude Code's rules (``_matching``). ``fasthooks_sdk.testing`` drives it."""

import time

from . import _matching

NATIVE = True


class HostRefused(Exception):
    """The host answered a call with an error."""

    def __init__(self, call, reason):
        super().__init__(f"{call}: {reason}")
        self.call, self.reason = call, reason


class ExportFailed(Exception):
    """What an export raises natively to return `err(message)` (a component raises Err)."""


class _World:
    def __init__(self):
        self.session = "test-session"
        self.tasks = {}  # session -> {key: info}
        self.state = {}  # "global" or "session:ID" -> {key: value}
        self.notes = []
        self.next_note = 1
        self.responder = None
        self.logs = []


world = _World()


def reset():
    global world
    world = _World()


def _tasks():
    return world.tasks.setdefault(world.session, {})


def _now():
    return int(time.time() * 1000)


_UNFINISHED = ("pending", "running")


def task_add(name, args, key, ttl, priority, run):
    key = name if key is None else key
    tasks = _tasks()
    earlier = tasks.get(key)
    if earlier and earlier["status"] in _UNFINISHED:
        earlier["status"] = "cancelled"
    info = dict(key=key, name=name, status="running", value=None, error=None,
                created_at_ms=_now(), started_at_ms=_now(), finished_at_ms=None)
    tasks[key] = info
    ok, outcome = run(name, args)
    info["finished_at_ms"] = _now()
    if ok:
        info["status"], info["value"] = "completed", outcome
    else:
        info["status"], info["error"] = "failed", outcome
    return dict(info)


def task_pop(key):
    info = _tasks().get(key)
    if info is None or info["status"] != "completed":
        return None
    del _tasks()[key]
    return info["value"]


def task_get(key):
    info = _tasks().get(key)
    return None if info is None else dict(info)


def task_has(key):
    infos = list(_tasks().values()) if key is None else [i for i in [_tasks().get(key)] if i]
    return any(i["status"] == "completed" for i in infos)


def task_cancel(key):
    info = _tasks().get(key)
    if info is None or info["status"] not in _UNFINISHED:
        return False
    info["status"] = "cancelled"
    return True


def task_cancel_all():
    return sum(task_cancel(key) for key in list(_tasks()))


def _take(status, field):
    taken = [(k, i[field]) for k, i in _tasks().items() if i["status"] == status]
    for key, _ in taken:
        del _tasks()[key]
    return taken


def task_pop_all():
    return _take("completed", "value")


def task_pop_errors():
    return _take("failed", "error")


# Tasks finish inside `add` here: a wait returns what is there.
def task_wait(key, _ms):
    info = _tasks().get(key)
    return info["value"] if info and info["status"] == "completed" else None


def task_wait_all(keys, _ms):
    return [(k, _tasks()[k]["value"]) for k in keys
            if k in _tasks() and _tasks()[k]["status"] == "completed"]


def task_wait_any(keys, ms):
    done = task_wait_all(keys, ms)
    return done[0] if done else None


def task_wake(key):
    info = _tasks().get(key)
    if info is None or info["status"] == "cancelled":
        return False
    info["wake"] = True
    return True


def _scope(scope):
    name = "global" if scope == "global" else f"session:{world.session}"
    return world.state.setdefault(name, {})


def state_get(scope, key):
    return _scope(scope).get(key)


def state_set(scope, key, value):
    _scope(scope)[key] = value


def state_delete(scope, key):
    return _scope(scope).pop(key, None) is not None


def state_keys(scope):
    return list(_scope(scope))


def _words(text):
    return {w for w in "".join(c if c.isalnum() or c == "_" else " " for c in text.lower()).split()}


def memory_remember(text):
    note = dict(id=world.next_note, text=text, session_id=world.session, created_at_ms=_now())
    world.next_note += 1
    world.notes.append(note)
    return note["id"]


def memory_search(words, limit):
    """Ranked by the number of query words a note shares: a stand-in for the host's BM25."""
    wanted = _words(words)
    scored = [dict(note, score=float(len(_words(note["text"]) & wanted))) for note in world.notes]
    scored = [n for n in scored if n["score"] > 0]
    scored.sort(key=lambda n: (-n["score"], -n["id"]))
    return scored[:limit]


def memory_forget(note_id):
    before = len(world.notes)
    world.notes = [n for n in world.notes if n["id"] != note_id]
    return len(world.notes) < before


def agent_query(request):
    if world.responder is None:
        raise HostRefused("agent.query", "no agent in the native test mode: give one with "
                          "fasthooks_sdk.testing.respond_with(lambda request: answer)")
    answer = world.responder(dict(request))
    if not isinstance(answer, str):
        raise HostRefused("agent.query", "the test responder must return a str")
    return answer


def log(level, message):
    world.logs.append((level, message))


def matched_subscriptions(subscriptions, raw):
    name = raw.get("hook_event_name", "")
    subject = _matching.subject(raw)
    return [i for i, (event, matcher) in enumerate(subscriptions)
            if event in ("*", name) and _matching.matches(name, matcher, subject)]


_PRECEDENCE = {"allow": 1, "ask": 2, "defer": 3, "deny": 4, "block": 4}


def merge(answers):
    """The host's merge rule, for the native test mode only (a component asks the host): the
    strongest decision with its reason, contexts joined by a blank line, messages by a newline,
    the last rewritten input, the first stop reason."""
    merged = {}
    for answer in answers:
        decision = answer.get("decision")
        if decision is not None:
            current = _PRECEDENCE.get(merged.get("decision"), 0)
            if _PRECEDENCE[decision] > current:
                merged["decision"], merged["reason"] = decision, answer.get("reason")
            elif merged.get("decision") == decision and merged.get("reason") is None:
                merged["reason"] = answer.get("reason")
        for field, joint in (("context", "\n\n"), ("system_message", "\n")):
            if answer.get(field):
                merged[field] = f"{merged[field]}{joint}{answer[field]}" if merged.get(field) else answer[field]
        if answer.get("updated_input") is not None:
            merged["updated_input"] = answer["updated_input"]
        if merged.get("stop_reason") is None and answer.get("stop_reason") is not None:
            merged["stop_reason"] = answer["stop_reason"]
    return {k: v for k, v in merged.items() if v is not None}


def plugin_info(name, version, subscriptions, capabilities):
    return dict(name=name, version=version,
                subscriptions=[dict(event=e, matcher=m) for e, m in subscriptions],
                capabilities=list(capabilities))


def failure(message):
    return ExportFailed(message)
