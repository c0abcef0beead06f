//! Outgoing HTTP through `wasi:http`, for plugins the user runs with `--allow-http URL`.
//!
//! A plugin that calls anything here imports `wasi:http/outgoing-handler`, and that import is
//! how the host knows it asks for HTTP: `install` refuses it without an `--allow-http` grant, and
//! `inspect` lists the capability. The host sends only requests under the granted URLs; any
//! other is [`HttpError::Denied`], which names the grant the user would add.
//!
//! Redirects (301, 302, 303, 307, 308) are followed, at most [`Request::max_redirects`] times
//! (5 by default). Each hop is a new request the host checks against the grants, so a redirect
//! out of them ends in [`HttpError::Denied`]. Requests take time: make them from a background
//! task where the hook should not wait for the answer. The host caps each response's size and
//! time, and how many requests a plugin starts per minute.
//!
//! ```
//! use fasthooks_sdk::http;
//!
//! fn fetch_docs(url: &str) -> Result<String, String> {
//!     let response = http::get(url).map_err(|e| e.to_string())?;
//!     if response.status != 200 {
//!         return Err(format!("{url} answered {}", response.status));
//!     }
//!     Ok(response.text())
//! }
//!
//! // Natively (plugin unit tests) there is no network: a test answers requests itself.
//! http::testing::respond_with(|request| {
//!     Ok(http::Response::new(200, format!("docs for {}", request.url)))
//! });
//! assert_eq!(fetch_docs("https://docs.rs/serde").unwrap(), "docs for https://docs.rs/serde");
//! ```

use std::fmt;

/// An HTTP request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// An absolute `http://` or `https://` URL.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty for none).
    pub body: Vec<u8>,
    /// Redirects followed before giving up with [`HttpError::TooManyRedirects`].
    pub max_redirects: u8,
}

/// An HTTP response, body read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names (lowercase) and values, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The URL that answered (after any redirect).
    pub url: String,
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The host refused it: no `--allow-http` grant of this plugin covers `url`.
    Denied {
        /// The URL refused.
        url: String,
    },
    /// Not an absolute `http://` or `https://` URL.
    InvalidUrl(String),
    /// No answer in time (the host bounds each request, and the call it is made from).
    Timeout,
    /// The response was larger than the host allows.
    TooLarge,
    /// The server's certificate is not trusted, or TLS failed.
    Tls(String),
    /// More redirects than [`Request::max_redirects`].
    TooManyRedirects,
    /// Anything else, as the host put it.
    Other(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Denied { url } => write!(
                f,
                "HTTP request to {url} denied: this plugin is not granted it (the user adds \
                 --allow-http {} after its --plugin)",
                origin(url).unwrap_or_else(|| url.clone())
            ),
            HttpError::InvalidUrl(url) => write!(f, "not an http:// or https:// URL: {url}"),
            HttpError::Timeout => write!(f, "HTTP request timed out"),
            HttpError::TooLarge => write!(f, "HTTP response too large"),
            HttpError::Tls(why) => write!(f, "TLS failed: {why}"),
            HttpError::TooManyRedirects => write!(f, "too many HTTP redirects"),
            HttpError::Other(why) => write!(f, "HTTP request failed: {why}"),
        }
    }
}

impl std::error::Error for HttpError {}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Request {
        Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            max_redirects: 5,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// Sets how many redirects are followed (0: none, the 3xx is returned).
    pub fn max_redirects(mut self, n: u8) -> Request {
        self.max_redirects = n;
        self
    }

    /// Sends the request, following redirects.
    pub fn send(self) -> Result<Response, HttpError> {
        let mut request = self;
        let mut hops = 0;
        loop {
            let response = send_once(&request)?;
            let location = response.header("location").map(str::to_owned);
            let redirect = matches!(response.status, 301 | 302 | 303 | 307 | 308);
            let (true, Some(location)) = (redirect, location) else {
                return Ok(response);
            };
            if hops == request.max_redirects {
                return if request.max_redirects == 0 {
                    Ok(response)
                } else {
                    Err(HttpError::TooManyRedirects)
                };
            }
            hops += 1;
            let next = resolve(&request.url, &location)
                .ok_or_else(|| HttpError::InvalidUrl(location.clone()))?;
            // Credentials are for the origin they were given for, not where it redirects to.
            if origin(&next) != origin(&request.url) {
                request.headers.retain(|(name, _)| {
                    !["authorization", "cookie", "proxy-authorization"]
                        .contains(&name.to_ascii_lowercase().as_str())
                });
            }
            request.url = next;
            // As browsers do: 303, and 301/302 after a POST, fetch the new place with GET.
            if response.status == 303 || (request.method == "POST" && response.status < 303) {
                request.method = "GET".into();
                request.body.clear();
                request.headers.retain(|(name, _)| {
                    !["content-length", "content-type"]
                        .contains(&name.to_ascii_lowercase().as_str())
                });
            }
        }
    }
}

impl Response {
    /// A response with `status` and `body` and no headers (for tests).
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
            url: String::new(),
        }
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("response is not that JSON: {e}"))
    }
}

/// `GET url`.
pub fn get(url: &str) -> Result<Response, HttpError> {
    Request::new("GET", url).send()
}

/// `POST url` with `body`, sent as `content-type`.
pub fn post(
    url: &str,
    content_type: &str,
    body: impl Into<Vec<u8>>,
) -> Result<Response, HttpError> {
    Request::new("POST", url)
        .header("content-type", content_type)
        .body(body)
        .send()
}

/// The parts of an absolute URL: scheme, authority, path with query.
pub(crate) fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let rest = rest.split('#').next().unwrap_or("");
    let at = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(at);
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some((scheme, authority, if path.is_empty() { "/" } else { path }))
}

/// `scheme://authority` of `url`, lowercase: the `--allow-http` that would cover it.
fn origin(url: &str) -> Option<String> {
    let (scheme, authority, _) = split_url(url)?;
    Some(format!("{scheme}://{authority}").to_ascii_lowercase())
}

/// Where a `Location` header sends a request made to `base`.
fn resolve(base: &str, location: &str) -> Option<String> {
    if split_url(location).is_some() {
        return Some(location.to_owned());
    }
    let (scheme, authority, path) = split_url(base)?;
    if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{rest}"));
    }
    if location.starts_with('/') {
        return Some(format!("{scheme}://{authority}{location}"));
    }
    let path = path.split('?').next().unwrap_or("/");
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    Some(format!("{scheme}://{authority}{dir}{location}"))
}

#[cfg(target_arch = "wasm32")]
fn send_once(request: &Request) -> Result<Response, HttpError> {
    wasm::send_once(request)
}

#[cfg(not(target_arch = "wasm32"))]
fn send_once(request: &Request) -> Result<Response, HttpError> {
    testing::answer(request)
}

/// Requests natively: answered by the function a test gives [`testing::respond_with`].
pub mod testing {
    use super::{HttpError, Request, Response};
    use std::cell::RefCell;

    type Responder = Box<dyn Fn(&Request) -> Result<Response, HttpError>>;

    thread_local! {
        static RESPONDER: RefCell<Option<Responder>> = const { RefCell::new(None) };
    }

    /// Natively, answer this thread's requests with `responder` (in the sandbox it does
    /// nothing: requests go to the network). Without one, requests fail.
    pub fn respond_with(responder: impl Fn(&Request) -> Result<Response, HttpError> + 'static) {
        RESPONDER.with(|r| *r.borrow_mut() = Some(Box::new(responder)));
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(super) fn answer(request: &Request) -> Result<Response, HttpError> {
        RESPONDER.with(|r| match &*r.borrow() {
            Some(responder) => responder(request).map(|mut response| {
                if response.url.is_empty() {
                    response.url = request.url.clone();
                }
                response
            }),
            None => Err(HttpError::Other(
                "no network natively: give fasthooks_sdk::http::testing::respond_with an \
                 answer for the test"
                    .into(),
            )),
        })
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::{HttpError, Request, Response, split_url};
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, Scheme};
    use wasip2::io::streams::StreamError;

    pub(super) fn send_once(request: &Request) -> Result<Response, HttpError> {
        let invalid = || HttpError::InvalidUrl(request.url.clone());
        let (scheme, authority, path) = split_url(&request.url).ok_or_else(invalid)?;
        let mut entries: Vec<(String, Vec<u8>)> = request
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone().into_bytes()))
            .collect();
        // A body of known length goes with its length, not chunked: servers take it more often.
        if !request.body.is_empty() && !entries.iter().any(|(n, _)| n == "content-length") {
            entries.push((
                "content-length".into(),
                request.body.len().to_string().into_bytes(),
            ));
        }
        let headers = Fields::from_list(&entries)
            .map_err(|e| HttpError::Other(format!("header refused: {e:?}")))?;
        let outgoing = OutgoingRequest::new(headers);
        let method = match request.method.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            "PATCH" => Method::Patch,
            other => Method::Other(other.to_owned()),
        };
        let scheme = if scheme.eq_ignore_ascii_case("https") {
            Scheme::Https
        } else {
            Scheme::Http
        };
        outgoing
            .set_method(&method)
            .and_then(|()| outgoing.set_scheme(Some(&scheme)))
            .and_then(|()| outgoing.set_authority(Some(authority)))
            .and_then(|()| outgoing.set_path_with_query(Some(path)))
            .map_err(|()| invalid())?;
        let body = outgoing
            .body()
            .map_err(|()| HttpError::Other("no request body".into()))?;
        let pending = outgoing_handler::handle(outgoing, None).map_err(|e| failed(request, e))?;
        write_body(body, &request.body)?;
        pending.subscribe().block();
        let incoming = match pending.get() {
            Some(Ok(Ok(response))) => response,
            Some(Ok(Err(code))) => return Err(failed(request, code)),
            Some(Err(())) | None => return Err(HttpError::Other("no response".into())),
        };
        let status = incoming.status();
        let headers = incoming
            .headers()
            .entries()
            .into_iter()
            .map(|(n, v)| (n, String::from_utf8_lossy(&v).into_owned()))
            .collect();
        let body = incoming
            .consume()
            .map_err(|()| HttpError::Other("response body taken".into()))?;
        let stream = body
            .stream()
            .map_err(|()| HttpError::Other("response body taken".into()))?;
        let mut bytes = Vec::new();
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(err)) => {
                    return Err(match wasip2::http::types::http_error_code(&err) {
                        Some(code) => failed(request, code),
                        None => body_failed(err.to_debug_string()),
                    });
                }
            }
        }
        drop(stream);
        Ok(Response {
            status,
            headers,
            body: bytes,
            url: request.url.clone(),
        })
    }

    fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<(), HttpError> {
        let broken = |why: &str| HttpError::Other(format!("sending the body: {why}"));
        {
            let stream = body.write().map_err(|()| broken("no stream"))?;
            for chunk in bytes.chunks(4096) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(|e| broken(&format!("{e:?}")))?;
            }
        }
        OutgoingBody::finish(body, None).map_err(|e| broken(&format!("{e:?}")))
    }

    /// A failure while the body streams in. wasmtime-wasi-http 48 hands these to the guest
    /// as a plain I/O error that `http-error-code` cannot classify, so its text is all there
    /// is (the HTTP tests pin both texts).
    fn body_failed(text: String) -> HttpError {
        if text.contains("body size exceeds limit") {
            HttpError::TooLarge
        } else if text.contains("timeout") || text.contains("timed out") {
            HttpError::Timeout
        } else {
            HttpError::Other(text)
        }
    }

    fn failed(request: &Request, code: ErrorCode) -> HttpError {
        match code {
            ErrorCode::HttpRequestDenied => HttpError::Denied {
                url: request.url.clone(),
            },
            ErrorCode::HttpRequestUriInvalid => HttpError::InvalidUrl(request.url.clone()),
            ErrorCode::ConnectionTimeout
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::HttpResponseTimeout => HttpError::Timeout,
            ErrorCode::HttpResponseBodySize(_) => HttpError::TooLarge,
            ErrorCode::TlsCertificateError => {
                HttpError::Tls("the server's certificate is not trusted".into())
            }
            ErrorCode::TlsProtocolError => HttpError::Tls("protocol error".into()),
            ErrorCode::InternalError(Some(why)) => HttpError::Other(why),
            other => HttpError::Other(format!("{other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_the_request() {
        let base = "https://docs.rs/serde/latest/serde/index.html?x=1";
        assert_eq!(
            resolve(base, "http://a.example/b").unwrap(),
            "http://a.example/b"
        );
        assert_eq!(
            resolve(base, "//b.example/c").unwrap(),
            "https://b.example/c"
        );
        assert_eq!(resolve(base, "/root").unwrap(), "https://docs.rs/root");
        assert_eq!(
            resolve(base, "de/index.html").unwrap(),
            "https://docs.rs/serde/latest/serde/de/index.html"
        );
        assert_eq!(
            split_url("https://h:8/p?q#f"),
            Some(("https", "h:8", "/p?q"))
        );
        assert_eq!(split_url("https://h?q"), Some(("https", "h", "?q")));
        assert_eq!(split_url("https://u@h/"), None);
        assert_eq!(split_url("ftp://h/"), None);
    }

    #[test]
    fn redirects_are_followed_up_to_the_limit_and_a_303_becomes_a_get() {
        testing::respond_with(|request| {
            let mut response = Response::new(200, format!("{} {}", request.method, request.url));
            if request.url.ends_with("/loop") {
                response.status = 302;
                response.headers.push(("location".into(), "/loop".into()));
            } else if request.url.ends_with("/post") {
                response.status = 303;
                response.headers.push(("location".into(), "done".into()));
            }
            Ok(response)
        });
        let answer = post("http://h/a/post", "text/plain", "x").unwrap();
        assert_eq!(answer.text(), "GET http://h/a/done");
        assert_eq!(get("http://h/loop"), Err(HttpError::TooManyRedirects));
        let unfollowed = Request::new("GET", "http://h/loop").max_redirects(0).send();
        assert_eq!(unfollowed.unwrap().status, 302);
        testing::respond_with(|request| {
            let mut response = Response::new(200, format!("{:?}", request.headers));
            if request.url == "http://h/away" {
                response.status = 307;
                response
                    .headers
                    .push(("location".into(), "http://other/x".into()));
            }
            Ok(response)
        });
        let sent = Request::new("GET", "http://h/away")
            .header("Authorization", "Bearer secret")
            .header("accept", "text/plain")
            .send()
            .unwrap();
        assert_eq!(
            sent.text(),
            r#"[("accept", "text/plain")]"#,
            "credentials do not follow a redirect to another origin"
        );
    }

    #[test]
    fn a_denial_names_the_grant_to_add() {
        let denied = HttpError::Denied {
            url: "https://Docs.rs:8443/x?y".into(),
        };
        assert!(
            denied
                .to_string()
                .contains("--allow-http https://docs.rs:8443 "),
            "{denied}"
        );
    }
}
