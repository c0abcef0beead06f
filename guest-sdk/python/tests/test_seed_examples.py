"""The seed's own examples (fasthooks' background-tasks page) with the import root changed from
``fasthooks`` to ``fasthooks_sdk``. Where an example is a fragment (it waits for keys it never
adds, or only prints), the test adds what it needs around the seed's own lines, and the
Quick Start's two-second sleep is shortened."""

import time

from fasthooks_sdk import HookApp, allow, testing
from fasthooks_sdk.contrib.claude import ClaudeAgent, agent_task
from fasthooks_sdk.tasks import TaskStatus, Tasks, task
from fasthooks_sdk.tasks.testing import ImmediateBackend


@task
def analyze_code(code: str) -> str:
    # This runs in a thread pool
    time.sleep(0.01)  # Simulate long operation
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
    tasks.add(double, 21, key="analysis")
    tasks.add(double, 1, key="task1")
    tasks.add(double, 2, key="task2")
    # Wait for specific task (with timeout)
    result = await tasks.wait("analysis", timeout=10.0)

    # Wait for multiple tasks
    results = await tasks.wait_all(["task1", "task2"], timeout=30.0)

    # Wait for any task to complete
    completed = await tasks.wait_any(["task1", "task2"])
    if completed:
        key, result_any = completed
        return allow(message=f"{result} {results} {key}={result_any}")

    return allow()


checker = HookApp()


@checker.on_prompt()
def check_errors(event, tasks: Tasks):
    # Pop all failed tasks
    for key, error in tasks.pop_errors():
        print(f"Task {key} failed: {error}")
    return allow()


@checker.on_stop()
def check_status(event, tasks: Tasks):
    result = tasks.get("my-task")
    if result:
        if result.status == TaskStatus.COMPLETED:
            print(f"Done: {result.value}")
        elif result.status == TaskStatus.RUNNING:
            print("Still running...")
        elif result.status == TaskStatus.FAILED:
            print(f"Error: {result.error}")
    return allow()


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
    assert answer == {"system_message": "42 {'task1': 2, 'task2': 4} task1=2"}


def test_error_handling_and_status_checks_print_what_the_seed_prints(capsys):
    tasks = Tasks(ImmediateBackend(), session_id="test-session")
    tasks.add(risky_task)
    tasks.add(double, 4, key="my-task")
    assert testing.run_event(checker, testing.events.prompt("x")) == {}
    assert testing.run_event(checker, testing.events.stop()) == {}
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("Task risky_task failed: ValueError: Something went wrong")
    assert printed[1] == "Done: 8"
