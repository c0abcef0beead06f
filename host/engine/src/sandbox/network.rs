//! The network a plugin granted `--allow-net HOST[:PORT]` sees: outgoing TCP to the granted
//! hosts only, and name lookups of the granted names only.
//!
//! - A lookup of any other name is refused in the host ("access denied"), before any resolver
//!   sees it: a name is a data channel (`secret.attacker.example`), so only granted names leave.
//! - Granted names are resolved by the host when the guest connects (or looks one up), not when
//!   the instance is made: a name that does not resolve fails that connection only, and a
//!   plugin that needs no network for an event is not touched by it.
//! - A connection is allowed to the granted port of an address a granted name resolves to (or
//!   a granted address). Listening, accepting and UDP are never allowed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use wasmtime::component::{HasData, Resource};
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::SocketError;
use wasmtime_wasi::p2::bindings::sockets::ip_name_lookup::{
    self, HostResolveAddressStream, ResolveAddressStream,
};
use wasmtime_wasi::p2::bindings::sockets::network::{self, ErrorCode, IpAddress, Network};
use wasmtime_wasi::sockets::WasiSocketsCtxView;

/// Port of a grant written without one.
pub const DEFAULT_PORT: u16 = 443;

/// The hosts of one plugin's `--allow-net` grants.
#[derive(Debug, Default)]
pub struct NetPolicy {
    hosts: Vec<(String, u16)>,
    /// Every address the granted names resolved to, once per instance, on first use.
    resolved: tokio::sync::OnceCell<Vec<SocketAddr>>,
}

impl NetPolicy {
    pub fn new(grants: &[String]) -> NetPolicy {
        let hosts = grants
            .iter()
            .map(|grant| match grant.rsplit_once(':') {
                Some((host, port)) if port.parse::<u16>().is_ok() => (
                    host.trim_matches(['[', ']']).to_ascii_lowercase(),
                    port.parse().expect("checked"),
                ),
                _ => (
                    grant.trim_matches(['[', ']']).to_ascii_lowercase(),
                    DEFAULT_PORT,
                ),
            })
            .collect();
        NetPolicy {
            hosts,
            resolved: Default::default(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// May the guest look `name` up? Only granted names (and address literals).
    pub fn may_look_up(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        name.parse::<IpAddr>().is_ok() || self.hosts.iter().any(|(host, _)| *host == name)
    }

    /// May the guest connect to `addr`? Resolves the granted names the first time it is asked.
    pub async fn may_connect(&self, addr: SocketAddr) -> bool {
        let allowed = self
            .resolved
            .get_or_init(|| async {
                let mut addrs = Vec::new();
                for (host, port) in &self.hosts {
                    match host.parse::<IpAddr>() {
                        Ok(ip) => addrs.push(SocketAddr::new(ip, *port)),
                        // A name that does not resolve allows nothing; the others still work.
                        Err(_) => {
                            if let Ok(found) = tokio::net::lookup_host((host.as_str(), *port)).await
                            {
                                addrs.extend(found);
                            }
                        }
                    }
                }
                addrs
            })
            .await;
        allowed.contains(&addr)
    }
}

/// Implements `HasData` for the guarded `wasi:sockets/ip-name-lookup`.
pub struct GuardedNameLookup;

impl HasData for GuardedNameLookup {
    type Data<'a> = NameLookupView<'a>;
}

pub struct NameLookupView<'a> {
    pub inner: WasiSocketsCtxView<'a>,
    pub policy: &'a Arc<NetPolicy>,
}

impl network::Host for NameLookupView<'_> {
    fn convert_error_code(&mut self, error: SocketError) -> wasmtime::Result<ErrorCode> {
        network::Host::convert_error_code(&mut self.inner, error)
    }

    fn network_error_code(
        &mut self,
        err: Resource<wasmtime::Error>,
    ) -> wasmtime::Result<Option<ErrorCode>> {
        network::Host::network_error_code(&mut self.inner, err)
    }
}

impl network::HostNetwork for NameLookupView<'_> {
    fn drop(&mut self, this: Resource<Network>) -> wasmtime::Result<()> {
        network::HostNetwork::drop(&mut self.inner, this)
    }
}

impl ip_name_lookup::Host for NameLookupView<'_> {
    fn resolve_addresses(
        &mut self,
        network: Resource<Network>,
        name: String,
    ) -> Result<Resource<ResolveAddressStream>, SocketError> {
        if !self.policy.may_look_up(&name) {
            return Err(ErrorCode::AccessDenied.into());
        }
        ip_name_lookup::Host::resolve_addresses(&mut self.inner, network, name)
    }
}

impl HostResolveAddressStream for NameLookupView<'_> {
    fn resolve_next_address(
        &mut self,
        resource: Resource<ResolveAddressStream>,
    ) -> Result<Option<IpAddress>, SocketError> {
        HostResolveAddressStream::resolve_next_address(&mut self.inner, resource)
    }

    fn subscribe(
        &mut self,
        resource: Resource<ResolveAddressStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        HostResolveAddressStream::subscribe(&mut self.inner, resource)
    }

    fn drop(&mut self, resource: Resource<ResolveAddressStream>) -> wasmtime::Result<()> {
        HostResolveAddressStream::drop(&mut self.inner, resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_granted_names_are_looked_up() {
        let policy = NetPolicy::new(&["Docs.RS".into(), "127.0.0.1:8080".into(), "[::1]:9".into()]);
        assert!(policy.may_look_up("docs.rs"));
        assert!(policy.may_look_up("docs.rs."));
        assert!(policy.may_look_up("127.0.0.1"));
        assert!(!policy.may_look_up("stolen-secret-4242.exfil.example"));
        assert!(!policy.may_look_up("rs"));
        assert_eq!(policy.hosts[0], ("docs.rs".into(), 443));
        assert_eq!(policy.hosts[2], ("::1".into(), 9));
    }

    #[tokio::test]
    async fn connections_go_to_granted_addresses_and_ports_only() {
        let policy = NetPolicy::new(&["127.0.0.1:8080".into(), "no-such-host.invalid".into()]);
        assert!(policy.may_connect("127.0.0.1:8080".parse().unwrap()).await);
        assert!(!policy.may_connect("127.0.0.1:8081".parse().unwrap()).await);
        assert!(!policy.may_connect("10.0.0.1:8080".parse().unwrap()).await);
    }
}
