"""seed-scenarios-py: the Python twin of plugins/seed-scenarios (the seed's background-task
examples as scenarios driven by prompts), written as the seed writes them: ``fasthooks_sdk.tasks``
with module-level ``@task``, ``Tasks`` by annotation, ``async def`` handlers awaiting waits."""

from fasthooks_sdk import HookApp, allow, context, export
from fasthooks_sdk.tasks import Tasks, task

app = HookApp("seed-scenarios-py", "0.1.0")


@task
def analyze_code(code: str) -> str:
    return f"Analysis complete: {len(code)} chars"


@task(ttl=600, priority=5)
def important_task(query: str) -> str:
    return f"found:{query}"


@task(transform=lambda r: r[:5])
def long_output_task() -> str:
    return "abcdefghij"


@task
def fetch(page: str) -> str:
    return f"page {page}"


@task
def double(x: int) -> int:
    return x * 2


@task
def risky_task() -> str:
    raise ValueError("Something went wrong")


def or_none(value):
    return "none" if value is None else str(value)


def pairs(results: dict) -> str:
    return ",".join(sorted(f"{key}:{value}" for key, value in results.items()))


@app.pre_tool("Write")
def on_write(event, tasks: Tasks):
    tasks.add(analyze_code, event.content)
    return allow()


@app.on_prompt()
async def scenario(event, tasks: Tasks):
    prompt = (event.prompt or "").strip()
    if prompt == "quick-start":
        if result := tasks.pop(analyze_code):
            return context(f"Previous analysis: {result}")
        return None
    if prompt == "options add":
        tasks.add(important_task, "q")
        tasks.add(long_output_task)
        tasks.add(fetch, "a", key="fetch:a")
        tasks.add(fetch, "b", key="fetch:b")
        return context("added")
    if prompt == "options check":
        return context(f"important={or_none(tasks.pop(important_task))} "
                       f"long={or_none(tasks.pop(long_output_task))} "
                       f"fetch:a={or_none(tasks.pop('fetch:a'))} fetch:b={or_none(tasks.pop('fetch:b'))}")
    if prompt == "methods add":
        for key, x in (("a", 2), ("b", 3), ("c", 4)):
            tasks.add(double, x, key=key)
        tasks.add(risky_task)
        return context("added")
    if prompt == "methods check":
        has = tasks.has("a")
        info = tasks.get("a")
        status, got = (info.status.value, info.value) if info else (None, None)
        popped, again = tasks.pop("a"), tasks.pop("a")
        cancel = tasks.cancel("b")
        wait = await tasks.wait("b", timeout=1.0)
        every = await tasks.wait_all(["b", "c"], timeout=1.0)
        first = await tasks.wait_any(["c"], timeout=1.0)
        any_ = "none" if first is None else f"{first[0]}:{first[1]}"
        pop_all = tasks.pop_all()
        errors = ",".join(f"{key}:{'Something went wrong' in error}".replace("True", "true")
                          .replace("False", "false") for key, error in tasks.pop_errors())
        return context(f"has={str(has).lower()} status={or_none(status)} get={or_none(got)} "
                       f"pop={or_none(popped)} again={or_none(again)} cancel={str(cancel).lower()} "
                       f"wait={or_none(wait)} all={pairs(every)} any={any_} popall={pairs(pop_all)} "
                       f"errors={errors} has_after={str(tasks.has()).lower()} "
                       f"cancel_all={tasks.cancel_all()}")
    if prompt == "waiting":
        tasks.add(double, 21, key="w")
        result = await tasks.wait("w", timeout=10.0)
        results = await tasks.wait_all(["w"], timeout=30.0)
        completed = await tasks.wait_any(["w"])
        key, value = completed
        return context(f"wait={result} all={pairs(results)} any={key}:{value}")
    if prompt == "status add":
        tasks.add(double, 1, key="s1")
        tasks.add(risky_task, key="s2")
        return context("added")
    if prompt == "status check":
        def status(key):
            result = tasks.get(key)
            return "none" if result is None else result.status.value
        return context(f"s1={status('s1')} s2={status('s2')} nothing={status('nothing')}")
    return None


WitWorld = export(app)
