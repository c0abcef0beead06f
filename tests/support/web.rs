//! Local web servers for the HTTP tests: plain HTTP or HTTPS with a certificate from a test
//! CA made for the run, on 127.0.0.1 and a free port. One request per connection, answered by
//! the test's own function; every request line received is kept, so a test can show that a
//! refused request never reached the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct WebRequest {
    pub method: String,
    pub path: String,
    /// Lowercase names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl WebRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How the server answers.
pub enum WebReply {
    /// Status, extra headers and a body sent with its length.
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// A 200 whose body of this many bytes is sent chunked, with no length up front.
    Chunked(usize),
    /// Nothing at all: the connection stays open until the client closes it.
    Silence,
}

impl WebReply {
    pub fn text(status: u16, body: impl Into<String>) -> WebReply {
        WebReply::Full(status, Vec::new(), body.into().into_bytes())
    }

    pub fn redirect(location: &str) -> WebReply {
        WebReply::Full(302, vec![("location".into(), location.into())], Vec::new())
    }
}

type Handler = dyn Fn(&WebRequest) -> WebReply + Send + Sync;

pub struct WebServer {
    pub port: u16,
    pub scheme: &'static str,
    seen: Arc<Mutex<Vec<String>>>,
}

impl WebServer {
    /// A plain HTTP server.
    pub fn http(handler: impl Fn(&WebRequest) -> WebReply + Send + Sync + 'static) -> WebServer {
        WebServer::start(None, Arc::new(handler))
    }

    /// An HTTPS server presenting `ca`'s certificate for localhost (and no other name).
    pub fn https(
        ca: &TestCa,
        handler: impl Fn(&WebRequest) -> WebReply + Send + Sync + 'static,
    ) -> WebServer {
        WebServer::start(Some(ca.server_config.clone()), Arc::new(handler))
    }

    fn start(tls: Option<Arc<rustls::ServerConfig>>, handler: Arc<Handler>) -> WebServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let record = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (handler, record, tls) = (handler.clone(), record.clone(), tls.clone());
                std::thread::spawn(move || match tls {
                    Some(config) => {
                        let Ok(connection) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        let tls = rustls::StreamOwned::new(connection, stream);
                        serve(tls, &*handler, &record);
                    }
                    None => serve(stream, &*handler, &record),
                });
            }
        });
        WebServer { port, scheme, seen }
    }

    /// `scheme://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}://127.0.0.1:{}{path}", self.scheme, self.port)
    }

    /// `scheme://127.0.0.1:PORT`: a grant of the whole server.
    pub fn origin(&self) -> String {
        self.url("")
    }

    /// The request lines received so far (`GET /path`).
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve<S: Read + Write>(stream: S, handler: &Handler, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream);
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    seen.lock()
        .unwrap()
        .push(format!("{} {}", request.method, request.path));
    let reply = handler(&request);
    let stream = reader.get_mut();
    let _ = match reply {
        WebReply::Full(status, headers, body) => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream
                .write_all(head.as_bytes())
                .and_then(|()| stream.write_all(&body))
        }
        WebReply::Chunked(size) => {
            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            let chunk = vec![b'x'; 64 * 1024];
            let mut result = stream.write_all(head.as_bytes());
            let mut left = size;
            while left > 0 && result.is_ok() {
                let n = left.min(chunk.len());
                result = stream
                    .write_all(format!("{n:x}\r\n").as_bytes())
                    .and_then(|()| stream.write_all(&chunk[..n]))
                    .and_then(|()| stream.write_all(b"\r\n"));
                left -= n;
            }
            result.and_then(|()| stream.write_all(b"0\r\n\r\n"))
        }
        WebReply::Silence => {
            // Until the client gives up and closes.
            let mut sink = [0u8; 1024];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
            Ok(())
        }
    };
    let _ = reader.get_mut().flush();
}

fn read_request<R: BufRead>(reader: &mut R) -> Option<WebRequest> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(WebRequest {
        method,
        path,
        headers,
        body,
    })
}

/// A certificate authority made for one test, its certificate in a PEM file (what
/// `SSL_CERT_FILE` points at), and a server certificate it signed for localhost only.
pub struct TestCa {
    _dir: tempfile::TempDir,
    pub pem_file: PathBuf,
    server_config: Arc<rustls::ServerConfig>,
}

impl TestCa {
    pub fn new() -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "fasthooks test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().unwrap();
        let server_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let pem_file = dir.path().join("test-ca.pem");
        std::fs::write(&pem_file, ca_cert.pem()).unwrap();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![server_cert.der().clone()], key)
            .unwrap();
        TestCa {
            _dir: dir,
            pem_file,
            server_config: Arc::new(server_config),
        }
    }

    pub fn pem_path(&self) -> &Path {
        &self.pem_file
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}
