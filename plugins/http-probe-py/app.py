"""http-probe-py: the Python twin of plugins/http-probe, for the --allow-http tests of the
Python SDK. On a prompt ``GET URL`` or ``POST URL BODY`` it makes the request in the hook (with
``fasthooks_sdk.http``, built against the ``plugin-http`` world) and answers with
``status=N url=FINAL bytes=N body=TEXT`` or ``error: WHY`` as context.
"""

from fasthooks_sdk import HookApp, context, export, http

app = HookApp("http-probe-py", "0.1.0")


@app.on_prompt()
def probe(event):
    words = (event.prompt or "").strip().split(" ", 2)
    if len(words) < 2 or words[0] not in ("GET", "POST"):
        return None
    method, url = words[0], words[1]
    body = words[2] if len(words) > 2 else None
    try:
        if method == "GET":
            response = http.get(url, headers={"x-probe": "1"})
        else:
            response = http.post(url, data=body, headers={"x-probe": "1"})
    except http.HttpError as failed:
        return context(f"error: {failed}")
    return context(
        f"status={response.status_code} url={response.url} bytes={len(response.content)} "
        f"body={response.text[:200]}"
    )


WitWorld = export(app)
