"""agent-task-py: a test plugin for the Python SDK's agent tasks (``@app.agent_task``). A prompt
``ask QUESTION`` queues the agent task ``ask`` (a haiku sub-agent with a fixed system prompt and
no tools); the next prompt gets its answer as ``Agent said: ...`` (or its error). The prompt
``throw`` raises a ValueError in the handler, to test how a plugin's exception is reported.
"""

from fasthooks_sdk import HookApp, context, export

app = HookApp("agent-task-py", "0.1.0")


@app.agent_task(model="haiku", system_prompt="You are the agent-task-py test agent.", max_turns=2)
def ask(agent, question):
    return agent.query(question)


@app.on_prompt()
def on_prompt(event, tasks):
    answer = tasks.pop(ask)
    errors = [error for key, error in tasks.pop_errors() if key == "ask"]
    prompt = (event.prompt or "").strip()
    if prompt == "throw":
        raise ValueError("thrown on purpose")
    if prompt.startswith("ask "):
        tasks.add(ask, prompt[4:])
    if answer is not None:
        return context(f"Agent said: {answer}")
    if errors:
        return context(f"Agent failed: {errors[0]}")
    return None


WitWorld = export(app)
