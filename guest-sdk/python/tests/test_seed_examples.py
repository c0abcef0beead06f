"""The seed's own examples (fasthooks' background-tasks page), with only the import root
changed from ``fasthooks`` to ``fasthooks_sdk``."""

from fasthooks_sdk import HookApp, allow, testing
from fasthooks_sdk.contrib.claude import ClaudeAgent, agent_task
from fasthooks_sdk.tasks import TaskStatus, Tasks, task
from fasthooks_sdk.tasks.testing import ImmediateBackend


@task
def analyze_code(code: str) -> str:
    return f"Analysis complete: {len(code)} chars"


app = HookApp()


@app.pre_tool("Write")
def on_write(event, tasks: Tasks):
    tasks.add(analyze_code, event.content)
    return allow()


@app.on_prompt()
def check_results(event, tasks: Tasks):
    if result := tasks.pop(analyze_code):
        return allow(message=f"Previous analysis: {result}")
    return allow()


@agent_task(model="haiku", system_prompt="You review code for security issues.")
async def security_review(agent: ClaudeAgent, code: str) -> str:
    return await agent.query(f"Review for security:\n{code}")


@task
def double(x: int) -> int:
    return x * 2


@task
def risky_task() -> str:
    raise ValueError("Something went wrong")


waiter = HookApp()


@waiter.on_stop()
async def wait_for_results(event, tasks: Tasks):
    tasks.add(double, 21)
    result = await tasks.wait("double", timeout=10.0)
    results = await tasks.wait_all(["double"], timeout=30.0)
    completed = await tasks.wait_any(["double"])
    key, value = completed
    return allow(message=f"{result} {results} {key}={value}")


def setup_function():
    testing.reset()


def test_quick_start():
    assert testing.run_event(app, testing.events.pre_tool("Write", file_path="a.py", content="x = 1\n")) == {}
    answer = testing.run_event(app, testing.events.prompt("next"))
    assert answer == {"system_message": "Previous analysis: Analysis complete: 6 chars"}
    assert testing.run_event(app, testing.events.prompt("again")) == {}


def test_background_task_with_the_immediate_backend():
    backend = ImmediateBackend()
    tasks = Tasks(backend, session_id="test")
    tasks.add(double, 5)
    assert tasks.pop(double) == 10


def test_error_handling_and_task_status():
    tasks = Tasks(ImmediateBackend(), session_id="test")
    tasks.add(risky_task)
    result = tasks.get("risky_task")
    assert result.status == TaskStatus.FAILED
    assert result.error.startswith("ValueError: Something went wrong (test_seed_examples.py:")
    assert [key for key, _ in tasks.pop_errors()] == ["risky_task"]
    assert tasks.pop_errors() == []


def test_agent_task_gets_the_agent_first():
    asked = []
    testing.respond_with(lambda request: asked.append(request) or "no issues")
    assert testing.run_task(security_review, "eval(input())") == "no issues"
    assert asked[0]["model"] == "haiku"
    assert asked[0]["system_prompt"] == "You review code for security issues."
    assert asked[0]["prompt"] == "Review for security:\neval(input())"
    assert "agent" in app.describe()["capabilities"]


def test_async_waits():
    answer = testing.run_event(waiter, testing.events.stop())
    assert answer == {"system_message": "42 {'double': 42} double=42"}
