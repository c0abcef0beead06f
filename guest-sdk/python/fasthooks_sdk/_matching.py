"""Claude Code's matcher rules over the host's event table, for the native test mode only (in a
component the host tests matchers and tells the plugin which subscriptions fired).

Regular expressions run with Python's ``re``, close to JavaScript's for the patterns matchers
use; unlike the host's engine, which is linear in the subject, ``re`` backtracks, so a pattern
such as ``^([a-z_]+)+\\d`` is slow here on a long subject and fast in the host. Look-around and
back-references are refused, as the host refuses them when the plugin loads."""

import re

from ._event_table import EVENT_TABLE

_EXACT = {"general": re.compile(r"^[A-Za-z0-9_\- ,|]*$"), "narrow": re.compile(r"^[A-Za-z0-9_|]*$")}
_NOT_LINEAR = re.compile(r"\(\?<?[=!]|\\[1-9]|\\k<")


def subject(raw):
    """What a matcher is tested against on this event, or None: then every subscription applies."""
    spec = EVENT_TABLE["events"].get(raw.get("hook_event_name"))
    if not spec or not spec["subject"]:
        return None
    value = raw.get(spec["subject"]["field"])
    if not isinstance(value, str) or value == "":
        return None
    if spec["subject"].get("basename"):
        return re.split(r"[/\\]", value)[-1]
    if spec["subject"].get("model"):
        return value.split("[", 1)[0]
    return value


def matches(event, matcher, subject_value):
    """Whether ``matcher`` on ``event`` accepts the subject; ValueError for one the host refuses."""
    text = matcher.strip()
    if text in ("", "*"):
        return True
    spec = EVENT_TABLE["events"].get(event, {})
    if _EXACT[spec.get("exactNames", "general")].match(text):
        names = [n.strip() for n in re.split(r"[|,]", text) if n.strip()]
        return subject_value is None or subject_value in names
    if _NOT_LINEAR.search(text):
        raise ValueError(f"matcher `{matcher}`: look-around and back-references are not supported")
    try:
        pattern = re.compile(text)
    except re.error as err:
        raise ValueError(f"matcher `{matcher}`: {err}") from None
    return subject_value is None or pattern.search(subject_value) is not None
