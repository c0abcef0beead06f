"""Background tasks, the seed's ``fasthooks.tasks``: ``@task`` (or ``@app.task``), ``Tasks``
(injected into a handler's parameter annotated ``Tasks``, or named ``tasks``), ``TaskResult`` and
``TaskStatus``. A task runs in a fresh sandboxed instance of the plugin; arguments and results
travel as JSON.

Deliberate differences from the seed, each a flaw it has:

- Task names are unique: ``@task`` names a task by its function's qualified name (or
  ``name=``); a second task of that name, or a lambda without ``name=``, is refused at once.
- Call options never swallow a task's arguments: ``tasks.add(fn, *args, key=, ttl=, priority=,
  wake=, **kwargs)`` refuses an option that is also a parameter of ``fn``; ``tasks.add_with(fn,
  TaskOptions(...), *args, **kwargs)`` passes every keyword to ``fn``.
- "Completed with None" and "not ready" can be told apart: ``tasks.pop(fn, default=NOT_READY)``
  returns the default only when there is no result, and ``tasks.get(fn)`` has a status.
"""

import inspect
import json
from dataclasses import dataclass
from enum import Enum

from .. import errors
from .._host import calling, host

__all__ = ["task", "Task", "Tasks", "TaskOptions", "TaskResult", "TaskStatus", "TaskError",
           "NOT_READY"]

_OPTIONS = ("key", "ttl", "priority", "wake")


class TaskError(Exception):
    """The host refused a task call (for example: the session's queue is full)."""


class _NotReady:
    def __repr__(self):
        return "NOT_READY"

    def __bool__(self):
        return False


NOT_READY = _NotReady()
"""A ``default`` for ``pop`` that no task can return: the result is not there (yet)."""


class TaskStatus(str, Enum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass
class TaskResult:
    key: str
    name: str
    status: TaskStatus
    value: object = None
    error: str | None = None
    created_at_ms: int = 0
    started_at_ms: int | None = None
    finished_at_ms: int | None = None

    @property
    def done(self) -> bool:
        return self.status in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)


@dataclass
class TaskOptions:
    key: str | None = None
    ttl: int | None = None
    priority: int | None = None
    wake: bool = False


def resolve(value):
    """The value of a handler's or task's result, running it first if it is a coroutine: an
    ``async def`` may await this SDK's calls (they finish at once), nothing that suspends."""
    if not inspect.iscoroutine(value):
        return value
    try:
        value.send(None)
    except StopIteration as done:
        return done.value
    value.close()
    raise RuntimeError("an async handler or task awaited something that does not finish at once: "
                       "in a plugin only fasthooks_sdk calls (tasks.wait, agent.query…) can be awaited")


class Task:
    """A background task: a function the host runs in a fresh instance of the plugin.
    ``takes`` is the function the caller's arguments go to (an agent task's, without its
    agent), for the clash check of ``tasks.add``."""

    def __init__(self, fn, name=None, ttl=300, priority=0, transform=None, takes=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"a task's name is a str, not {type(name).__name__}")
        _check_options(ttl, priority)
        self.fn, self.ttl, self.priority, self.transform = fn, ttl, priority, transform
        self.name = name or fn.__qualname__
        if name is None and self.name.endswith("<lambda>"):
            raise ValueError("a lambda task needs a name: task(name=\"...\")(lambda ...)")
        self.code = getattr(takes or fn, "__code__", None)
        try:
            parameters = list(inspect.signature(takes or fn).parameters.values())
        except (TypeError, ValueError):
            parameters = []
        if takes is not None:
            parameters = parameters[1:]  # the agent
        self.parameters = {p.name for p in parameters}
        self.any_keyword = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)

    def __call__(self, *args, **kwargs):
        result = resolve(self.fn(*args, **kwargs))
        return self.transform(result) if self.transform else result

    def __repr__(self):
        return f"Task({self.name!r})"


class Registry:
    """Tasks by name, each name once (a definition run again, as a test run twice does,
    replaces itself)."""

    def __init__(self):
        self.tasks = {}

    def add(self, task: Task) -> Task:
        known = self.tasks.get(task.name)
        if known is not None and (known.code is None or known.code is not task.code):
            raise ValueError(f"two tasks are named {task.name!r}: give one another name with name=\"...\"")
        self.tasks[task.name] = task
        return task


registry = Registry()
"""The tasks of ``@task``, module-level as in the seed (``@app.task`` registers here too)."""


def task(fn=None, *, name=None, ttl=300, priority=0, transform=None, _takes=None):
    """``@task`` or ``@task(ttl=600, priority=5, transform=f, name="...")``."""
    def register(function):
        return registry.add(Task(function, name, ttl, priority, transform, _takes))
    return register(fn) if fn is not None else register


def _check_options(ttl, priority, key=None):
    if key is not None and not isinstance(key, str):
        raise TypeError(f"a task key is a str, not {type(key).__name__}")
    for option, value in (("ttl", ttl), ("priority", priority)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(f"a task's {option} is an int, not {type(value).__name__}")


def _key(task_or_key) -> str:
    if isinstance(task_or_key, Task):
        return task_or_key.name
    if not isinstance(task_or_key, str):
        raise TypeError(f"a task key is a str or a task, not {type(task_or_key).__name__}")
    return task_or_key


def _host(call, *args):
    return calling(TaskError, call, *args)


def _ms(seconds) -> int:
    return max(0, min(int(seconds * 1000), 2**32 - 1))


def _decode(text):
    return None if text is None else json.loads(text)


def _result(info):
    if info is None:
        return None
    return TaskResult(info["key"], info["name"], TaskStatus(info["status"]), _decode(info["value"]),
                      info["error"], info["created_at_ms"], info["started_at_ms"],
                      info["finished_at_ms"])


_NOT_GIVEN = object()


class Tasks:
    """The task API of one session (the host knows the session: nothing here names it).

    ``Tasks(ImmediateBackend(), session_id="test")`` (``fasthooks_sdk.tasks.testing``) gives one
    for a unit test, as in the seed."""

    def __init__(self, backend=None, session_id=None):
        if backend is not None:
            backend.enter(session_id)

    def add(self, task, *args, key=_NOT_GIVEN, ttl=_NOT_GIVEN, priority=_NOT_GIVEN, wake=_NOT_GIVEN,
            **kwargs):
        """Queue ``task(*args, **kwargs)``; returns at once with its ``TaskResult``. An option
        the task could also take as an argument (a parameter of that name, or ``**kwargs``) is
        refused: say which with ``add_with``."""
        if not isinstance(task, Task):
            raise TypeError("tasks.add takes a function decorated with @task or @app.task")
        given = dict(key=key, ttl=ttl, priority=priority, wake=wake)
        clash = [name for name in _OPTIONS if given[name] is not _NOT_GIVEN
                 and (name in task.parameters or task.any_keyword)]
        if clash:
            raise TypeError(
                f"task {task.name} can take an argument named {clash[0]}, which is also an option of tasks.add: "
                f"use tasks.add_with({task.name}, TaskOptions({clash[0]}=...), ...) to keep them apart")
        options = {name: value for name, value in given.items() if value is not _NOT_GIVEN}
        return self.add_with(task, TaskOptions(**options), *args, **kwargs)

    def add_with(self, task, options, *args, **kwargs):
        """Queue ``task(*args, **kwargs)`` with ``options`` (a ``TaskOptions``); every keyword goes
        to the task."""
        if not isinstance(task, Task):
            raise TypeError("tasks.add_with takes a function decorated with @task or @app.task")
        options = options or TaskOptions()
        _check_options(options.ttl, options.priority, options.key)
        payload = json.dumps({"args": list(args), "kwargs": kwargs})
        ttl = task.ttl if options.ttl is None else options.ttl
        priority = task.priority if options.priority is None else options.priority
        added = _host(host.task_add, task.name, payload, options.key, ttl, priority, _run_now)
        if options.wake:
            self.wake(added["key"])
        return _result(added)

    def wake(self, task_or_key) -> bool:
        """Mark a task so its result wakes Claude when it lands after Claude stopped (the
        ``fasthooks-host wake`` hook install adds); False if there is no such task."""
        try:
            return host.task_wake(_key(task_or_key))
        except host.HostRefused as refused:
            raise TaskError(f"cannot mark `{_key(task_or_key)}` to wake Claude: {refused.reason}") from None

    def pop(self, task_or_key, default=None):
        """The result, removed; ``default`` when there is none (yet)."""
        value = _host(host.task_pop, _key(task_or_key))
        return default if value is None else json.loads(value)

    def get(self, task_or_key):
        """A ``TaskResult`` (decoded value, status, error), or None."""
        return _result(_host(host.task_get, _key(task_or_key)))

    def has(self, task_or_key=None) -> bool:
        return _host(host.task_has, None if task_or_key is None else _key(task_or_key))

    def cancel(self, task_or_key) -> bool:
        return _host(host.task_cancel, _key(task_or_key))

    def cancel_all(self) -> int:
        return _host(host.task_cancel_all)

    def pop_all(self) -> dict:
        return {key: json.loads(value) for key, value in _host(host.task_pop_all)}

    def pop_errors(self) -> list:
        """Failed tasks, removed: ``[(key, error)]``."""
        return list(_host(host.task_pop_errors))

    async def wait(self, task_or_key, timeout=30.0, default=None):
        """The result once it completes (kept in the store), or ``default`` when it did not
        complete within ``timeout`` seconds (``NOT_READY`` tells that from a result of None)."""
        value = _host(host.task_wait, _key(task_or_key), _ms(timeout))
        return default if value is None else json.loads(value)

    async def wait_all(self, keys, timeout=30.0) -> dict:
        done = _host(host.task_wait_all, [_key(k) for k in keys], _ms(timeout))
        return {key: json.loads(value) for key, value in done}

    async def wait_any(self, keys, timeout=30.0):
        """``(key, value)`` of the first to complete, or None."""
        done = _host(host.task_wait_any, [_key(k) for k in keys], _ms(timeout))
        return None if done is None else (done[0], json.loads(done[1]))


def _run_now(name, args):
    """The native host's runner (a component's host runs tasks itself): ``(ok, json or error)``."""
    try:
        return True, run(name, args)
    except Exception as err:  # noqa: BLE001 (a failing task: its error text, logged as a component logs it)
        host.log("error", f"task {name}: {errors.full(err)}")
        return False, errors.one_line(err)


def run(name, args):
    """Run task ``name`` with the JSON arguments of its add; its result as JSON text."""
    found = registry.tasks.get(name)
    if found is None:
        raise LookupError(f"this plugin has no task {name}")
    payload = json.loads(args)
    return json.dumps(found(*payload.get("args", []), **payload.get("kwargs", {})))
