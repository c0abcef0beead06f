"""The seed's ``fasthooks.contrib.claude``: ``ClaudeAgent`` and ``@agent_task``, on the host's
sub-agents (``fasthooks:hooks/agent``; the user grants ``--allow-agent``)::

    from fasthooks_sdk.contrib.claude import ClaudeAgent, agent_task

    @agent_task(model="haiku", system_prompt="You review code for security issues.")
    async def security_review(agent: ClaudeAgent, code: str) -> str:
        return await agent.query(f"Review for security:\\n{code}")

``query`` is a coroutine, as in the seed; it finishes at once inside the host's call. A refusal,
or a query out of turns or budget, raises ``AgentError`` with the host's reason.

An ``@agent_task`` makes the plugin ask for the agent capability when it is registered on a
``HookApp`` (``app.needs("agent")``); ``export`` adds it for every agent task it finds.
"""

import inspect

from ..agent import Agent, AgentError
from ..tasks import task

__all__ = ["ClaudeAgent", "AgentError", "agent_task", "AGENT_TASKS"]

AGENT_TASKS = []
"""Names of the tasks made by ``@agent_task``: a HookApp that runs them declares the capability."""


class ClaudeAgent:
    """The seed's ClaudeAgent: a sub-agent with default options, overridden per query."""

    def __init__(self, model=None, system_prompt=None, allowed_tools=(), max_turns=None,
                 max_budget_usd=None):
        self._agent = Agent(model, system_prompt, allowed_tools, max_turns, max_budget_usd)

    async def query(self, prompt: str, **overrides) -> str:
        return self._agent.query(prompt, **overrides)


def agent_task(fn=None, *, model=None, system_prompt=None, allowed_tools=(), max_turns=None,
               max_budget_usd=None, name=None, ttl=300, priority=0, transform=None):
    """A task whose function gets a ``ClaudeAgent`` first (the seed's ``@agent_task``)."""
    agent = ClaudeAgent(model, system_prompt, allowed_tools, max_turns, max_budget_usd)

    def register(function):
        async def with_agent(*args, **kwargs):
            result = function(agent, *args, **kwargs)
            return await result if inspect.isawaitable(result) else result
        with_agent.__qualname__ = function.__qualname__
        made = task(with_agent, name=name, ttl=ttl, priority=priority, transform=transform,
                    _takes=function)
        AGENT_TASKS.append(made.name)
        return made
    return register(fn) if fn is not None else register
