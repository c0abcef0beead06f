"""The host this plugin talks to: the WIT imports inside a component (``_component``), or the
in-memory stand-in of the native test mode under plain Python (``_native``). Everything else in
the SDK calls the host through this one name."""

try:
    import wit_world  # noqa: F401  (present only inside a componentize-py build)
except ImportError:
    from . import _native as host
else:
    from . import _component as host

__all__ = ["host", "calling"]


def calling(error, call, *args):
    """``call(*args)`` on the host, a refusal raised as ``error`` with the host's reason (each
    module has its own error class: TaskError, StateError, MemoryStoreError…)."""
    try:
        return call(*args)
    except host.HostRefused as refused:
        raise error(refused.reason) from None
