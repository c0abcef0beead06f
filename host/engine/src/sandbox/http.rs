//! The web a plugin granted `--allow-http URL` sees: `wasi:http/outgoing-handler`, served by
//! `wasmtime-wasi-http`, with every request sent by this module.
//!
//! - A request goes out only when a grant covers its scheme, host, port and path
//!   ([`HttpGrant::allows`]). Any other is refused before a connection is made with
//!   `error-code.HTTP-request-denied` (what the guest sees as "request denied"), and the host log
//!   names the `--allow-http` to add.
//! - No redirect is followed here: `wasi:http` hands a 3xx to the guest, and the request it
//!   makes next is checked like any other. So a redirect out of the grants is refused.
//! - Each request must be sent, answered and read within [`REQUEST_TIMEOUT`], and before the
//!   call's own deadline (with [`ANSWER_MARGIN`] left for the guest to handle the error). A
//!   response body is capped at [`MAX_RESPONSE_BYTES`].
//! - A plugin's requests are rate-limited by a token bucket per plugin file, across all its
//!   calls and tasks in this process: bursts of up to `--http-per-minute` requests
//!   ([`DEFAULT_PER_MINUTE`]), refilled at that many a minute. (An `--inline` hook is a process of
//!   its own, so its budget is its own.)
//! - HTTPS trusts the system's roots, or the file `SSL_CERT_FILE` names (and `SSL_CERT_DIR`)
//!   instead, as curl and OpenSSL do; they are read at the first HTTPS request of the process
//!   (for the daemon, the environment it started with) and kept.
//! - Headers: `Host` is the host's, written from the checked authority (an authority with a user
//!   name is refused); hop-by-hop headers and those some servers and proxies take as another
//!   path or host (`X-Original-URL`, `X-Forwarded-Host`, `Forwarded`, ...) are refused.
//! - What a guest can make the host hold is bounded: request bodies are buffered 16 KiB at a
//!   time, header sets are capped at 32 KiB (see [`crate::sandbox`] for the resource table).
//! - Refusals are logged within the plugin's log rate, like its own lines.

use bytes::Bytes;
use fasthooks_ipc::HttpGrant;
use http::uri::Scheme;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// The longest one request may take, from connecting to the last byte of the body.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Time kept between a request's end and the call's deadline, for the guest to answer.
pub const ANSWER_MARGIN: Duration = Duration::from_millis(200);
/// The largest response body a plugin is given.
pub const MAX_RESPONSE_BYTES: u64 = 8 << 20;
/// Requests a plugin may start per minute unless `--http-per-minute` says otherwise.
pub const DEFAULT_PER_MINUTE: u32 = 60;
/// The most bytes of a request body the host holds at once for a guest.
pub const OUTGOING_BODY_CHUNK: usize = 16 << 10;
/// The most bytes one set of headers may take (in memory).
pub const FIELDS_BYTES: usize = 32 << 10;

/// Headers a guest may not set: the hop-by-hop ones wasi:http refuses by default, and those that
/// servers and proxies may read as another path or host than the one checked.
const FORBIDDEN_HEADERS: &[&str] = &[
    "x-original-url",
    "x-rewrite-url",
    "x-forwarded-host",
    "x-forwarded-prefix",
    "x-forwarded-proto",
    "x-forwarded-for",
    "x-host",
    "x-http-method-override",
    "forwarded",
];

type SendResult = Result<(http::Response<WasiBody>, IoFuture), Error>;
type IoFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;

/// What one instance may send: its plugin's grants and rate, and when its call ends. Made for
/// every instance, so it only shares what the instance holds already (no allocation).
pub struct GuardedHttp {
    grants: Arc<fasthooks_ipc::Grants>,
    plugin: Arc<crate::call::PluginId>,
    /// The call's wall-clock end ([`crate::sandbox::InstanceState::wall_deadline`]).
    wall_deadline: Arc<Mutex<Instant>>,
}

impl GuardedHttp {
    pub fn new(
        grants: Arc<fasthooks_ipc::Grants>,
        plugin: Arc<crate::call::PluginId>,
        wall_deadline: Arc<Mutex<Instant>>,
    ) -> GuardedHttp {
        GuardedHttp {
            grants,
            plugin,
            wall_deadline,
        }
    }

    fn per_minute(&self) -> u32 {
        self.grants.http_per_minute.unwrap_or(DEFAULT_PER_MINUTE)
    }

    /// Why `request` may not go out, if it may not.
    fn refusal(&self, request: &http::Request<WasiBody>) -> Option<(Error, String)> {
        let uri = request.uri();
        let authority = uri.authority()?;
        if authority.as_str().contains('@') || !fasthooks_ipc::http_grant::port_is_valid(authority)
        {
            let why = format!(
                "HTTP request {} refused: the address has a user name or a port that is not a \
                 number from 1 to 65535",
                request.method()
            );
            return Some((Error::HttpRequestUriInvalid, why));
        }
        let scheme = uri.scheme_str().unwrap_or("https");
        let host = uri.host().unwrap_or("");
        let port = uri
            .port_u16()
            .unwrap_or(fasthooks_ipc::http_grant::default_port(scheme));
        if !self
            .grants
            .http
            .iter()
            .any(|grant| grant.allows(scheme, host, port, uri.path()))
        {
            let why = format!(
                "HTTP request {} {} refused: it is not under any --allow-http grant of this \
                 plugin; add --allow-http {} after its --plugin to allow it",
                request.method(),
                shown_uri(uri),
                HttpGrant::for_request(scheme, host, port)
            );
            return Some((Error::HttpRequestDenied, why));
        }
        if !take_request_slot(&self.plugin.path, self.per_minute()) {
            let why = format!(
                "HTTP request {} {} refused: the plugin has started {} requests in the last \
                 minute, its limit; --http-per-minute N after its --plugin changes it",
                request.method(),
                shown_uri(uri),
                self.per_minute()
            );
            return Some((Error::InternalError(Some(why.clone())), why));
        }
        None
    }
}

impl WasiHttpHooks for GuardedHttp {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _response_errors: IoFuture,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        if let Some((error, why)) = self.refusal(&request) {
            let plugin = self.plugin.name.as_str();
            crate::logging::within_rate(&self.plugin.path, plugin, || {
                tracing::warn!(plugin, "{}", crate::logging::guest_line(&why, 1024));
            });
            return Box::new(async move { Err(error) });
        }
        let call_end = *self.wall_deadline.lock().unwrap_or_else(|e| e.into_inner());
        let end = (Instant::now() + REQUEST_TIMEOUT).min(
            call_end
                .checked_sub(crate::call::WALL_MARGIN + ANSWER_MARGIN)
                .unwrap_or(call_end),
        );
        Box::new(send(request, end))
    }

    fn set_host_header(&mut self) -> bool {
        // Written in `send` from the checked host and port, not from the guest's text.
        false
    }

    fn forbidden_header_filter(&mut self) -> wasmtime_wasi_http::ForbiddenHeaderFilter {
        Arc::new(|name| {
            wasmtime_wasi_http::DEFAULT_FORBIDDEN_HEADERS.contains(name)
                || FORBIDDEN_HEADERS.contains(&name.as_str())
        })
    }

    fn p2_outgoing_body_chunk_size(&mut self) -> usize {
        OUTGOING_BODY_CHUNK
    }

    fn p2_outgoing_body_buffer_chunks(&mut self) -> usize {
        1
    }
}

/// The URI for a log line: without its query (which may carry a key), capped.
fn shown_uri(uri: &http::Uri) -> String {
    let text = format!(
        "{}://{}{}",
        uri.scheme_str().unwrap_or("https"),
        uri.authority().map_or("", |a| a.as_str()),
        uri.path()
    );
    fasthooks_protocol::one_line(&text, 300)
}

/// One slot of the plugin's per-minute budget: a token bucket per plugin file, holding up to
/// `per_minute` tokens and refilled continuously.
fn take_request_slot(plugin: &Path, per_minute: u32) -> bool {
    struct Bucket {
        tokens: f64,
        at: Instant,
    }
    static BUCKETS: LazyLock<Mutex<HashMap<PathBuf, Bucket>>> = LazyLock::new(Default::default);
    let capacity = f64::from(per_minute);
    let now = Instant::now();
    let mut buckets = BUCKETS.lock().unwrap_or_else(|e| e.into_inner());
    let bucket = buckets.entry(plugin.to_owned()).or_insert(Bucket {
        tokens: capacity,
        at: now,
    });
    let refill = now.duration_since(bucket.at).as_secs_f64() * capacity / 60.0;
    bucket.tokens = (bucket.tokens + refill).min(capacity);
    bucket.at = now;
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        true
    } else {
        false
    }
}

/// The TLS settings of every HTTPS request: the trusted roots, read once.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let mut roots = rustls::RootCertStore::empty();
            let (added, _ignored) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                let errors: Vec<String> = found.errors.iter().map(|e| e.to_string()).collect();
                return Err(format!(
                    "no trusted root certificates found (set SSL_CERT_FILE to a PEM file of \
                     them){}",
                    if errors.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", errors.join("; "))
                    }
                ));
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|builder| {
                    Arc::new(builder.with_root_certificates(roots).with_no_client_auth())
                })
                .map_err(|e| e.to_string())
        })
        .clone()
}

trait Connection: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static> Connection for T {}

/// Connect, send `request` over HTTP/1.1 and return the response, its body capped and bounded
/// by `end`, with the future that drives the connection while the guest reads it.
async fn send(mut request: http::Request<WasiBody>, end: Instant) -> SendResult {
    let end = tokio::time::Instant::from_std(end);
    let uri = request.uri().clone();
    let tls = uri.scheme() == Some(&Scheme::HTTPS);
    let host = uri
        .host()
        .ok_or(Error::HttpRequestUriInvalid)?
        .trim_matches(['[', ']'])
        .to_owned();
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let timed_out = |_| Error::ConnectionTimeout;
    let host_header = HttpGrant::for_request(if tls { "https" } else { "http" }, &host, port)
        .split_once("://")
        .map(|(_, authority)| authority.to_owned())
        .unwrap_or_default();
    let host_header =
        http::HeaderValue::try_from(host_header).map_err(|_| Error::HttpRequestUriInvalid)?;
    request
        .headers_mut()
        .insert(http::header::HOST, host_header);
    let bodiless = request.method() == http::Method::HEAD;

    let tcp = tokio::time::timeout_at(end, tokio::net::TcpStream::connect((host.as_str(), port)))
        .await
        .map_err(timed_out)?
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::ConnectionRefused => Error::ConnectionRefused,
            _ => Error::Connect(err),
        })?;
    let stream: Box<dyn Connection> = if tls {
        let config = tls_config().map_err(|why| Error::InternalError(Some(why)))?;
        let name = rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|_| Error::HttpRequestUriInvalid)?;
        let connecting = tokio_rustls::TlsConnector::from(config).connect(name, tcp);
        let stream = tokio::time::timeout_at(end, connecting)
            .await
            .map_err(timed_out)?
            .map_err(tls_error)?;
        Box::new(stream)
    } else {
        Box::new(tcp)
    };
    let (mut sender, connection) = tokio::time::timeout_at(
        end,
        hyper::client::conn::http1::handshake::<_, WasiBody>(TokioIo::new(stream)),
    )
    .await
    .map_err(timed_out)??;

    // On the wire, the request line carries the path only (the host is in `Host`).
    *request.uri_mut() = http::Uri::builder()
        .path_and_query(uri.path_and_query().map_or("/", |p| p.as_str()))
        .build()
        .map_err(|_| Error::HttpRequestUriInvalid)?;

    let mut connection = Box::pin(connection);
    let mut connection_done = false;
    let mut response = Box::pin(sender.send_request(request));
    let response = loop {
        tokio::select! {
            biased;
            answered = &mut response => break answered.map_err(Error::from)?,
            closed = &mut connection, if !connection_done => {
                closed.map_err(Error::from)?;
                connection_done = true;
            }
            () = tokio::time::sleep_until(end) => return Err(Error::ConnectionReadTimeout),
        }
    };
    let no_body = bodiless
        || response.status() == http::StatusCode::NO_CONTENT
        || response.status() == http::StatusCode::NOT_MODIFIED;
    if !no_body
        && let Some(length) = response
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        && length > MAX_RESPONSE_BYTES
    {
        return Err(Error::HttpResponseBodySize(Some(length)));
    }
    let response = response.map(|incoming| {
        CappedBody {
            incoming,
            left: MAX_RESPONSE_BYTES,
            over: false,
            end: Box::pin(tokio::time::sleep_until(end)),
        }
        .boxed_unsync()
    });
    let drive: IoFuture = Box::new(async move {
        if connection_done {
            return Ok(());
        }
        match tokio::time::timeout_at(end, connection).await {
            Ok(result) => result.map_err(Error::from),
            Err(_) => Err(Error::HttpResponseTimeout),
        }
    });
    Ok((response, drive))
}

/// A TLS failure as `wasi:http` names it: a certificate the roots do not vouch for is a
/// certificate error.
fn tls_error(err: std::io::Error) -> Error {
    let certificate = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|e| {
            matches!(
                e,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            )
        });
    if certificate {
        Error::TlsCertificateError
    } else {
        Error::Tls(err)
    }
}

/// A response body that ends in an error past [`MAX_RESPONSE_BYTES`] or past the request's end.
struct CappedBody {
    incoming: hyper::body::Incoming,
    left: u64,
    /// Past the cap: the body has ended in its error, and nothing more is given.
    over: bool,
    end: Pin<Box<tokio::time::Sleep>>,
}

impl Body for CappedBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        if self.over {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let size = frame.data_ref().map_or(0, |data| data.len() as u64);
                match self.left.checked_sub(size) {
                    Some(left) => {
                        self.left = left;
                        Poll::Ready(Some(Ok(frame)))
                    }
                    None => {
                        self.over = true;
                        Poll::Ready(Some(Err(Error::HttpResponseBodySize(Some(
                            MAX_RESPONSE_BYTES + 1,
                        )))))
                    }
                }
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(Error::from(err)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match self.end.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Error::HttpResponseTimeout))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.over || self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_per_minute_budget_is_per_plugin_and_refills() {
        let a = Path::new("/test/rate/a.wasm");
        let b = Path::new("/test/rate/b.wasm");
        assert!(take_request_slot(a, 2));
        assert!(take_request_slot(a, 2));
        assert!(
            !take_request_slot(a, 2),
            "a third request in the same minute"
        );
        assert!(take_request_slot(b, 2), "another plugin has its own budget");
        assert!(!take_request_slot(Path::new("/test/rate/none.wasm"), 0));
    }
}
