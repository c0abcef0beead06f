"""Claude sub-agents (``fasthooks:hooks/agent``), for plugins the user runs with
``--allow-agent``. The seed's ``@agent_task`` is ``HookApp.agent_task``: the task function gets an
``Agent`` first, set up with the decorator's options::

    @app.agent_task(model="haiku", system_prompt="You review code.", allowed_tools=["Read"])
    def review(agent, code):
        return agent.query(f"Review this code:\\n{code}")

The host caps every option by what the user granted (``--allow-agent-tools``,
``--agent-max-turns``, ``--agent-max-budget-usd``); a refusal, or a query that runs out of turns
or budget, raises ``AgentError`` with the host's reason (and so fails the task).
"""

from ._host import host

__all__ = ["Agent", "AgentError"]


class AgentError(Exception):
    pass


class Agent:
    """A sub-agent with fixed options; ``query(prompt, **overrides)`` asks it one thing."""

    def __init__(self, model=None, system_prompt=None, allowed_tools=(), max_turns=None,
                 max_budget_usd=None):
        self.options = dict(model=model, system_prompt=system_prompt,
                            allowed_tools=list(allowed_tools), max_turns=max_turns,
                            max_budget_usd=max_budget_usd)

    def query(self, prompt: str, **overrides) -> str:
        unknown = set(overrides) - set(self.options)
        if unknown:
            raise AgentError(f"unknown agent options: {', '.join(sorted(unknown))}")
        request = {**self.options, **overrides, "prompt": prompt}
        request["allowed_tools"] = list(request["allowed_tools"])
        try:
            return host.agent_query(request)
        except host.HostRefused as refused:
            raise AgentError(refused.reason) from None
