"""A test plugin: one route per (event, matcher) of the shared matcher table
(tests/fixtures/matchers.json, which scripts/build-plugins.sh turns into ``matcher_table.py``
next to this file). Each route answers with its own number, so an end-to-end test sees which
routes fired for an event (in the host's log, which every event reaches, even those whose
output Claude Code discards): the Python SDK's routing, driven by the host's matching. Two
handlers of the prompt "merge" check that the host merges a plugin's answers."""

from fasthooks_sdk import HookApp, Response, export, log
from matcher_table import CASES

app = HookApp("matchers-py", "0.1.0")

ROUTES = []
for case in CASES:
    if case["expected"] == "refused":
        continue  # the host refuses such a plugin outright; the table tests that elsewhere
    key = (case["event"]["hook_event_name"], case["matcher"])
    if key not in ROUTES:
        ROUTES.append(key)


def answer(number):
    def fired(event):
        log("info", f"matcher-table {event.session_id} route {number}.")
    return fired


for number, (event, matcher) in enumerate(ROUTES):
    app.on(event, matcher)(answer(number))


# Two handlers answering one prompt: the host merges their answers by its one rule.
@app.on_prompt(when=lambda event: event.prompt == "merge")
def first_answer(event):
    return Response(context="first", system_message="s1")


@app.on_prompt(when=lambda event: event.prompt == "merge")
def second_answer(event):
    return Response(context="second", system_message="s2")


WitWorld = export(app)
