"""Outgoing HTTP for fasthooks plugins, shaped like ``requests``:

    from fasthooks_sdk import http

    response = http.get("https://docs.rs/serde", headers={"accept": "text/html"})
    if response.ok:
        text = response.text[:5000]
    made = http.post("https://api.example.com/notes", json={"text": "hi"})

The plugin must be built against the ``plugin-http`` world (``componentize-py -d wit -w
plugin-http ...``): importing ``wasi:http/outgoing-handler`` is how it asks for HTTP, and the
user grants it with ``--allow-http URL``. The host sends only requests under the grants; any
other raises ``RequestDenied``, whose message names the grant to add. Redirects are followed
(``max_redirects``, 5), each hop checked by the host again. Every failure is an ``HttpError``
(``RequestDenied``, ``Timeout``, ``TooLarge``, ...), with one line saying why.
"""

import json as _json

try:
    import wit_world  # noqa: F401  (present only inside a componentize-py build)
except ImportError:
    # The native test mode: requests go out with urllib, unchecked (the host's --allow-http
    # grants apply in a component), redirects handed back as in a component.
    _NATIVE = True
else:
    _NATIVE = False
    try:
        from componentize_py_types import Err
        from wit_world.imports import outgoing_handler as _handler
        from wit_world.imports import streams as _streams
        from wit_world.imports import wasi_http_types as _http
    except ImportError as missing:  # pragma: no cover - a build without the world
        raise ImportError(
            "fasthooks_sdk.http needs the plugin built against the plugin-http world "
            "(componentize-py -d wit -w plugin-http ...)"
        ) from missing

__all__ = [
    "get", "post", "request", "Response",
    "HttpError", "RequestDenied", "InvalidUrl", "Timeout", "TooLarge", "TlsError",
    "TooManyRedirects",
]


class HttpError(Exception):
    """A request that got no response."""


class RequestDenied(HttpError):
    """The host refused the request: no --allow-http grant of this plugin covers the URL."""

    def __init__(self, url):
        self.url = url
        super().__init__(
            f"HTTP request to {url} denied: this plugin is not granted it (the user adds "
            f"--allow-http {_origin(url) or url} after its --plugin)"
        )


class InvalidUrl(HttpError):
    pass


class Timeout(HttpError):
    pass


class TooLarge(HttpError):
    pass


class TlsError(HttpError):
    pass


class TooManyRedirects(HttpError):
    pass


class Response:
    """``status_code``, ``headers`` (lowercase names), ``content`` (bytes), ``text``, ``json()``,
    ``ok``, and ``url`` (after redirects)."""

    def __init__(self, status_code, headers, content, url):
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.url = url

    @property
    def ok(self):
        return 200 <= self.status_code < 400

    @property
    def text(self):
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        return _json.loads(self.content)

    def raise_for_status(self):
        if self.status_code >= 400:
            raise HttpError(f"{self.url} answered {self.status_code}")
        return self


def get(url, headers=None, **options):
    return request("GET", url, headers=headers, **options)


def post(url, data=None, json=None, headers=None, **options):
    return request("POST", url, data=data, json=json, headers=headers, **options)


def request(method, url, data=None, json=None, headers=None, max_redirects=5):
    """Send ``method url``; ``data`` (bytes or str) or ``json`` (encoded, with its
    content-type) is the body. Redirects are followed up to ``max_redirects`` times (0: the 3xx
    is returned)."""
    headers = {k.lower(): str(v) for k, v in (headers or {}).items()}
    if json is not None:
        data = _json.dumps(json)
        headers.setdefault("content-type", "application/json")
    body = data.encode() if isinstance(data, str) else (data or b"")
    method = method.upper()
    hops = 0
    while True:
        response = _send_once(method, url, headers, body)
        location = response.headers.get("location")
        if response.status_code not in (301, 302, 303, 307, 308) or location is None:
            return response
        if hops == max_redirects:
            if max_redirects == 0:
                return response
            raise TooManyRedirects(f"more than {max_redirects} redirects from {url}")
        hops += 1
        following = _resolve(url, location)
        # Credentials are for the origin they were given for, not where it redirects to.
        if _origin(following) != _origin(url):
            for name in ("authorization", "cookie", "proxy-authorization"):
                headers.pop(name, None)
        url = following
        # As browsers do: 303, and 301/302 after a POST, fetch the new place with GET.
        if response.status_code == 303 or (method == "POST" and response.status_code < 303):
            method, body = "GET", b""
            headers.pop("content-type", None)
            headers.pop("content-length", None)


def _split(url):
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    rest = rest.split("#", 1)[0]
    cut = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0], default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    if not authority or "@" in authority:
        return None
    return scheme.lower(), authority, path or "/"


def _origin(url):
    parts = _split(url)
    return f"{parts[0]}://{parts[1].lower()}" if parts else None


def _resolve(base, location):
    if _split(location):
        return location
    scheme, authority, path = _split(base)
    if location.startswith("//"):
        return f"{scheme}:{location}"
    if location.startswith("/"):
        return f"{scheme}://{authority}{location}"
    directory = path.split("?", 1)[0].rsplit("/", 1)[0]
    return f"{scheme}://{authority}{directory}/{location}"


_METHODS = {} if _NATIVE else {
    "GET": _http.Method_Get, "HEAD": _http.Method_Head, "POST": _http.Method_Post,
    "PUT": _http.Method_Put, "DELETE": _http.Method_Delete, "OPTIONS": _http.Method_Options,
    "PATCH": _http.Method_Patch,
}


def _send_native(method, url, headers, body):
    import urllib.error
    import urllib.request

    class _HandBack(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *_args, **_kwargs):
            return None

    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.build_opener(_HandBack).open(request, timeout=30) as answer:
            status, received, content = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as answer:
        status, received, content = answer.code, answer.headers, answer.read()
    except urllib.error.URLError as failed:
        raise HttpError(f"HTTP request failed: {failed.reason}") from None
    return Response(status, {k.lower(): v for k, v in received.items()}, content, url)


def _send_once(method, url, headers, body):
    parts = _split(url)
    if parts is None:
        raise InvalidUrl(f"not an http:// or https:// URL: {url}")
    if _NATIVE:
        return _send_native(method, url, headers, body)
    scheme, authority, path = parts
    entries = [(name, value.encode()) for name, value in headers.items()]
    if body and "content-length" not in headers:
        entries.append(("content-length", str(len(body)).encode()))
    try:
        fields = _http.Fields.from_list(entries)
    except Err as refused:
        raise HttpError(f"header refused: {refused.value}") from None
    outgoing = _http.OutgoingRequest(fields)
    method_value = _METHODS[method]() if method in _METHODS else _http.Method_Other(method)
    try:
        outgoing.set_method(method_value)
        outgoing.set_scheme(_http.Scheme_Https() if scheme == "https" else _http.Scheme_Http())
        outgoing.set_authority(authority)
        outgoing.set_path_with_query(path)
    except Err:
        raise InvalidUrl(f"not a URL the host can send: {url}") from None
    outgoing_body = outgoing.body()
    try:
        pending = _handler.handle(outgoing, None)
    except Err as failed:
        raise _error(url, failed.value) from None
    with outgoing_body.write() as stream:
        for start in range(0, len(body), 4096):
            stream.blocking_write_and_flush(body[start:start + 4096])
    _http.OutgoingBody.finish(outgoing_body, None)
    with pending.subscribe() as ready:
        ready.block()
    answer = pending.get()
    if answer is None or isinstance(answer, Err):
        raise HttpError("no response")
    inner = answer.value
    if isinstance(inner, Err):
        raise _error(url, inner.value)
    incoming = inner.value
    status = incoming.status()
    with incoming.headers() as fields:
        received = {}
        for name, value in fields.entries():
            received.setdefault(name.lower(), value.decode("utf-8", errors="replace"))
    incoming_body = incoming.consume()
    content = bytearray()
    with incoming_body.stream() as stream:
        while True:
            try:
                content += stream.blocking_read(64 * 1024)
            except Err as ended:
                if isinstance(ended.value, _streams.StreamError_Closed):
                    break
                code = _http.http_error_code(ended.value.value)
                raise (_error(url, code) if code is not None
                       else _body_failed(ended.value.value.to_debug_string())) from None
    return Response(status, received, bytes(content), url)


def _body_failed(text):
    # wasmtime-wasi-http hands failures while a body streams in as a plain I/O error that
    # http-error-code cannot classify, so its text is all there is (the HTTP tests pin it).
    if "body size exceeds limit" in text:
        return TooLarge("HTTP response too large")
    if "timeout" in text or "timed out" in text:
        return Timeout("HTTP request timed out")
    return HttpError(f"HTTP request failed: {text}")


def _error(url, code):
    if isinstance(code, _http.ErrorCode_HttpRequestDenied):
        return RequestDenied(url)
    if isinstance(code, _http.ErrorCode_HttpRequestUriInvalid):
        return InvalidUrl(f"not a URL the host can send: {url}")
    if isinstance(code, (_http.ErrorCode_ConnectionTimeout, _http.ErrorCode_ConnectionReadTimeout,
                         _http.ErrorCode_HttpResponseTimeout)):
        return Timeout("HTTP request timed out")
    if isinstance(code, _http.ErrorCode_HttpResponseBodySize):
        return TooLarge("HTTP response too large")
    if isinstance(code, _http.ErrorCode_TlsCertificateError):
        return TlsError("TLS failed: the server's certificate is not trusted")
    if isinstance(code, _http.ErrorCode_TlsProtocolError):
        return TlsError("TLS failed: protocol error")
    if isinstance(code, _http.ErrorCode_InternalError) and code.value:
        return HttpError(f"HTTP request failed: {code.value}")
    return HttpError(f"HTTP request failed: {type(code).__name__.removeprefix('ErrorCode_')}")
