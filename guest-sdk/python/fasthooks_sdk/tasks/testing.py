"""The seed's ``fasthooks.tasks.testing``: ``Tasks(ImmediateBackend(), session_id="test")`` runs
each added task at once, in this process (the SDK's native test mode)."""

from .._host import host

__all__ = ["ImmediateBackend"]


class ImmediateBackend:
    def __init__(self):
        if not host.NATIVE:
            raise RuntimeError("ImmediateBackend is for tests under plain Python, not inside a component")

    def enter(self, session_id=None):
        host.world.session = session_id or "test-session"
