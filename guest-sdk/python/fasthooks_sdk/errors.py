"""An exception escaping a handler or a task, said in one line for the host
(``ValueError: message (app.py:12)``, which the host prints after the plugin's name), with the
whole traceback for the log."""

import os
import traceback

_SDK_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# Frames of the standard library (where `os` lives, in a component too) are not the plugin's
# either: json.loads failing names the plugin's call of it, not decoder.py.
_STDLIB_DIR = os.path.dirname(os.path.abspath(os.__file__)) + os.sep
_NOT_THE_PLUGINS = (_SDK_DIR, _STDLIB_DIR)


def one_line(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}".replace("\n", " ")
    where = _thrown_at(err)
    return f"{text} ({where})" if where else text


def _thrown_at(err):
    """The innermost frame of the traceback that is the plugin's (not this SDK's)."""
    frames = traceback.extract_tb(err.__traceback__)
    for frame in reversed(frames):
        if not os.path.abspath(frame.filename).startswith(_NOT_THE_PLUGINS):
            return f"{os.path.basename(frame.filename)}:{frame.lineno}"
    return None


def full(err: BaseException) -> str:
    return "".join(traceback.format_exception(type(err), err, err.__traceback__)).rstrip()
