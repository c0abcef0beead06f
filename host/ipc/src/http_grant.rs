//! `--allow-http URL`: where a plugin may send HTTP requests. A grant is a scheme, a host, a port
//! (the scheme's default when not written) and a path prefix (`/` when not written):
//!
//! ```text
//! --allow-http https://docs.rs             any path on https://docs.rs:443
//! --allow-http http://127.0.0.1:8080/api   /api and below (/api, /api/x, /api?q), not /apix
//! ```
//!
//! A request is allowed when some grant has its scheme, host and port, and its path lies under
//! that grant's prefix. Under a prefix other than `/`, a path with a dot segment (`/api/../x`,
//! also percent-encoded) or an encoded slash or backslash is refused: servers resolve those,
//! and the grant is about the path they serve.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One parsed `--allow-http` grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpGrant {
    /// `http` or `https`.
    pub scheme: String,
    /// Lowercase, without brackets for an IPv6 address.
    pub host: String,
    pub port: u16,
    /// Starts with `/`; no trailing `/` unless it is `/` itself.
    pub path_prefix: String,
}

/// Why a grant cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpGrantError {
    #[error("not a URL (write it as https://HOST[:PORT][/PATH])")]
    NotUrl,
    #[error("the scheme must be http or https")]
    Scheme,
    #[error("a grant has no user name, password, query or fragment")]
    Extra,
    #[error("the port must be a number from 1 to 65535")]
    Port,
}

impl HttpGrant {
    pub fn parse(text: &str) -> Result<HttpGrant, HttpGrantError> {
        let uri: http::Uri = text.parse().map_err(|_| HttpGrantError::NotUrl)?;
        let scheme = match uri.scheme_str() {
            Some(scheme) if scheme.eq_ignore_ascii_case("http") => "http",
            Some(scheme) if scheme.eq_ignore_ascii_case("https") => "https",
            Some(_) => return Err(HttpGrantError::Scheme),
            None => return Err(HttpGrantError::NotUrl),
        };
        let authority = uri.authority().ok_or(HttpGrantError::NotUrl)?;
        if authority.as_str().contains('@') || uri.query().is_some() || text.contains('#') {
            return Err(HttpGrantError::Extra);
        }
        let host = authority
            .host()
            .trim_matches(['[', ']'])
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if host.is_empty() {
            return Err(HttpGrantError::NotUrl);
        }
        if !port_is_valid(authority) {
            return Err(HttpGrantError::Port);
        }
        let port = authority.port_u16().unwrap_or(default_port(scheme));
        let path = uri.path();
        let path_prefix = match path.trim_end_matches('/') {
            "" => "/".to_owned(),
            trimmed => trimmed.to_owned(),
        };
        if path_prefix != "/" && !path_is_plain(&path_prefix) {
            return Err(HttpGrantError::NotUrl);
        }
        Ok(HttpGrant {
            scheme: scheme.to_owned(),
            host,
            port,
            path_prefix,
        })
    }

    /// Does this grant allow a request to `scheme://host:port` + `path` (the path without its
    /// query)? `host` may carry IPv6 brackets; case does not matter.
    pub fn allows(&self, scheme: &str, host: &str, port: u16, path: &str) -> bool {
        if !scheme.eq_ignore_ascii_case(&self.scheme)
            || !host
                .trim_matches(['[', ']'])
                .trim_end_matches('.')
                .eq_ignore_ascii_case(&self.host)
            || port != self.port
        {
            return false;
        }
        if self.path_prefix == "/" {
            return true;
        }
        let under = match path.strip_prefix(self.path_prefix.as_str()) {
            Some(rest) => rest.is_empty() || rest.starts_with('/'),
            None => false,
        };
        under && path_is_plain(path)
    }

    /// The grant as a user writes it (what a refusal tells the user to add).
    pub fn for_request(scheme: &str, host: &str, port: u16) -> String {
        let host = host.to_ascii_lowercase();
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host
        };
        if port == default_port(scheme) {
            format!("{scheme}://{host}")
        } else {
            format!("{scheme}://{host}:{port}")
        }
    }
}

impl fmt::Display for HttpGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = HttpGrant::for_request(&self.scheme, &self.host, self.port);
        match self.path_prefix.as_str() {
            "/" => write!(f, "{origin}"),
            prefix => write!(f, "{origin}{prefix}"),
        }
    }
}

/// Is the authority's port, if it has one, a number from 1 to 65535? (`http` accepts
/// `host:99999` and `host:8o80` and reports no port at all for them.)
pub fn port_is_valid(authority: &http::uri::Authority) -> bool {
    let after_host = authority
        .as_str()
        .rsplit('@')
        .next()
        .unwrap_or("")
        .strip_prefix(authority.host())
        .unwrap_or("");
    match after_host.strip_prefix(':') {
        None => after_host.is_empty(),
        Some(port) => port.parse::<u16>().is_ok_and(|p| p != 0),
    }
}

/// The port a URL of this scheme means when it names none.
pub fn default_port(scheme: &str) -> u16 {
    if scheme.eq_ignore_ascii_case("http") {
        80
    } else {
        443
    }
}

/// Nothing a server would resolve to another path: no dot segment (raw or percent-encoded, also
/// with `;parameters`, which Java servers strip), no encoded slash or backslash nor a raw
/// backslash, and no encoding a server might decode twice or read as a dot (`%25`, `%00`,
/// overlong `%c0`/`%c1`).
fn path_is_plain(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if ["%2f", "%5c", "\\", "%25", "%00", "%c0", "%c1"]
        .iter()
        .any(|bad| lower.contains(bad))
    {
        return false;
    }
    !lower.split('/').any(|segment| {
        let segment = segment.split(';').next().unwrap_or("");
        matches!(segment.replace("%2e", ".").as_str(), "." | "..")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(text: &str) -> HttpGrant {
        HttpGrant::parse(text).unwrap()
    }

    #[test]
    fn a_grant_is_scheme_host_port_and_path_prefix() {
        let g = grant("HTTPS://Docs.RS");
        assert_eq!(
            (
                g.scheme.as_str(),
                g.host.as_str(),
                g.port,
                g.path_prefix.as_str()
            ),
            ("https", "docs.rs", 443, "/")
        );
        let g = grant("http://127.0.0.1:8080/api/");
        assert_eq!((g.port, g.path_prefix.as_str()), (8080, "/api"));
        assert_eq!(g.to_string(), "http://127.0.0.1:8080/api");
        assert_eq!(grant("http://[::1]:81").host, "::1");
        assert_eq!(grant("https://Docs.rs.").host, "docs.rs");
        assert_eq!(grant("http://[::1]:81").to_string(), "http://[::1]:81");
        for bad in [
            "docs.rs",
            "ftp://docs.rs",
            "https://user@docs.rs",
            "https://docs.rs/?q=1",
            "https://docs.rs/#x",
            "https://docs.rs/a/../b",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:8o80",
            "",
        ] {
            assert!(HttpGrant::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_request_must_match_scheme_host_port_and_lie_under_the_prefix() {
        let g = grant("http://127.0.0.1:8080/api");
        assert!(g.allows("http", "127.0.0.1", 8080, "/api"));
        assert!(g.allows("http", "127.0.0.1", 8080, "/api/v1/x"));
        assert!(!g.allows("http", "127.0.0.1", 8080, "/apix"));
        assert!(!g.allows("http", "127.0.0.1", 8080, "/"));
        assert!(!g.allows("https", "127.0.0.1", 8080, "/api"));
        assert!(!g.allows("http", "127.0.0.1", 8081, "/api"));
        assert!(!g.allows("http", "127.0.0.2", 8080, "/api"));
        for sneaky in [
            "/api/../admin",
            "/api/%2e%2e/admin",
            "/api/%2E./admin",
            "/api/./x",
            "/api%2f..%2fadmin",
            "/api/..%5cadmin",
            "/api/..\\admin",
            "/api/..;/admin",
            "/api/.;x/admin",
            "/api/%252e%252e/admin",
            "/api/%c0%ae%c0%ae/admin",
            "/api/%00",
        ] {
            assert!(!g.allows("http", "127.0.0.1", 8080, sneaky), "{sneaky}");
        }
        let whole = grant("https://docs.rs");
        assert!(whole.allows("https", "DOCS.rs.", 443, "/anything/at/all"));
        assert!(!whole.allows("https", "docs.rs.evil.example", 443, "/"));
        assert!(!whole.allows("https", "evil.docs.rs", 443, "/"));
    }

    #[test]
    fn a_refusal_names_the_grant_to_add() {
        assert_eq!(
            HttpGrant::for_request("https", "Docs.rs", 443),
            "https://docs.rs"
        );
        assert_eq!(
            HttpGrant::for_request("http", "127.0.0.1", 8080),
            "http://127.0.0.1:8080"
        );
        assert_eq!(HttpGrant::for_request("http", "::1", 80), "http://[::1]");
    }
}
