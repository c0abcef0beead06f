//! The key that signs `http` hook URLs, so the daemon runs only the hooks `install` wrote.
//!
//! The peer-uid check ([`crate::loopback`]) keeps other users out, but a process of this same
//! user confined away from the Unix socket and the files (a sandboxed app sharing loopback, a
//! container on the host network) could still post to the port. Without this, it could name any
//! plugin file with any grant in the query (`allow-write=/`), and the daemon would run it with
//! them. So `install` signs each query with a key kept in the data directory (mode 0600): the
//! URL ends `&sig=HEX`, an HMAC-SHA256 of the query before it, and the daemon refuses a query
//! whose signature is missing or wrong before it parses anything.
//!
//! What a signature does not hide: a process that can read the settings file can post the
//! installed URLs, that is run the installed plugins, with their grants, on events of its
//! making (as it could run the command transport's `fasthooks-host`).

use crate::Paths;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::PathBuf;

/// The file, in the data directory, that holds the key (64 hex digits).
pub const KEY_FILE: &str = "http-key";
/// The query's last pair: `sig=HEX`.
pub const SIGNATURE_KEY: &str = "sig";

/// A home's URL-signing key.
#[derive(Clone)]
pub struct UrlKey([u8; 32]);

/// Never printed: a log line or a panic message must not give the key away.
impl std::fmt::Debug for UrlKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlKey(..)")
    }
}

/// Why a query is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error(
        "the URL is not signed: only the http hooks `install --transport http` wrote are served"
    )]
    Missing,
    #[error(
        "the URL's signature is wrong: only the http hooks `install --transport http` wrote for this home are served (install again to rewrite them)"
    )]
    Wrong,
    #[error("{0}")]
    NoKey(String),
}

pub fn key_file(paths: &Paths) -> PathBuf {
    paths.data.join(KEY_FILE)
}

impl UrlKey {
    /// This home's key; `None` when no `http` hook was ever installed for it.
    pub fn load(paths: &Paths) -> Result<Option<UrlKey>, String> {
        let file = key_file(paths);
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(format!("cannot read {}: {err}", file.display())),
        };
        let bytes = decode_hex(text.trim())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| {
                format!(
                    "{} is not a key (64 hex digits): remove it and run `install --transport http` again",
                    file.display()
                )
            })?;
        Ok(Some(UrlKey(bytes)))
    }

    /// This home's key, made now (random, kept with mode 0600) if there is none.
    pub fn load_or_create(paths: &Paths) -> Result<UrlKey, String> {
        if let Some(key) = UrlKey::load(paths)? {
            return Ok(key);
        }
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|err| format!("no random bytes: {err}"))?;
        let file = key_file(paths);
        // Written whole under another name, then linked into place, which fails if a key got
        // there first (two installs at once): then that one is everybody's key.
        let draft = paths
            .data
            .join(format!("{KEY_FILE}.{}.new", std::process::id()));
        let written = crate::private::create_dir(&paths.data)
            .and_then(|()| {
                let _ = std::fs::remove_file(&draft);
                crate::private::write_file(&draft, format!("{}\n", encode_hex(&bytes)).as_bytes())
            })
            .and_then(|()| std::fs::hard_link(&draft, &file));
        let _ = std::fs::remove_file(&draft);
        match written {
            Ok(()) => Ok(UrlKey(bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => UrlKey::load(paths)?
                .ok_or_else(|| format!("{} went away while it was made", file.display())),
            Err(err) => Err(format!("cannot keep the key in {}: {err}", file.display())),
        }
    }

    fn mac(&self, query: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(query.as_bytes());
        mac
    }

    /// `query` with its signature appended (`…&sig=HEX`).
    pub fn sign(&self, query: &str) -> String {
        let signature = encode_hex(&self.mac(query).finalize().into_bytes());
        format!("{query}&{SIGNATURE_KEY}={signature}")
    }

    /// The query a signed query stands for, if its signature is this key's (checked in constant
    /// time).
    pub fn verify<'q>(&self, signed: &'q str) -> Result<&'q str, SignatureError> {
        let (query, signature) = split_signature(signed);
        let signature = signature.ok_or(SignatureError::Missing)?;
        let bytes = decode_hex(signature).ok_or(SignatureError::Wrong)?;
        self.mac(query)
            .verify_slice(&bytes)
            .map_err(|_| SignatureError::Wrong)?;
        Ok(query)
    }
}

/// A query and its signature, if its last pair is `sig=…`.
pub fn split_signature(query: &str) -> (&str, Option<&str>) {
    let marker = format!("&{SIGNATURE_KEY}=");
    match query.rfind(&marker) {
        Some(at) => (&query[..at], Some(&query[at + marker.len()..])),
        None => (query, None),
    }
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_query_verifies_and_any_change_is_refused() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::under(home.path());
        assert!(UrlKey::load(&paths).unwrap().is_none());
        let key = UrlKey::load_or_create(&paths).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key_file(&paths))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = UrlKey::load_or_create(&paths).unwrap();
        assert_eq!(again.0, key.0, "made once, then kept");

        let signed = key.sign("plugin=%2Fp%2Fguard.wasm");
        assert_eq!(key.verify(&signed), Ok("plugin=%2Fp%2Fguard.wasm"));
        let widened = signed.replace(
            "plugin=%2Fp%2Fguard.wasm",
            "plugin=%2Fp%2Fguard.wasm&allow-write=%2F",
        );
        assert_eq!(key.verify(&widened), Err(SignatureError::Wrong));
        assert_eq!(key.verify("plugin=%2Fp.wasm"), Err(SignatureError::Missing));
        assert_eq!(
            key.verify("plugin=%2Fp.wasm&sig=zz"),
            Err(SignatureError::Wrong)
        );
        let other = UrlKey([7; 32]);
        assert_eq!(other.verify(&signed), Err(SignatureError::Wrong));

        std::fs::write(key_file(&paths), "short").unwrap();
        assert!(UrlKey::load(&paths).unwrap_err().contains("not a key"));
    }

    #[test]
    fn the_signature_matches_a_reference_hmac() {
        // RFC 4231, test case 2 ("Jefe" is shorter than 32 bytes: padded with zeros, which
        // HMAC does itself for any key under the block size).
        let mut jefe = [0u8; 32];
        jefe[..4].copy_from_slice(b"Jefe");
        let key = UrlKey(jefe);
        let signed = key.sign("what do ya want for nothing?");
        let (_, signature) = split_signature(&signed);
        assert_eq!(
            signature,
            Some("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
    }
}
