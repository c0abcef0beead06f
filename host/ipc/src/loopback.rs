//! Who owns a TCP socket on this machine's loopback: the kernel's answer, not the peer's word.
//!
//! A loopback connection has both ends on this host, so the kernel knows the uid of the
//! process that opened the other end, as it does for a Unix socket (`SO_PEERCRED`). TCP has no
//! such option; the uid is asked of the kernel's socket table through netlink `sock_diag`
//! (`NETLINK_SOCK_DIAG`, `SOCK_DIAG_BY_FAMILY`): one exact lookup by address and port, which
//! the daemon's `http` transport makes on every connection, and a dump of the listeners, which
//! tells `install`, `doctor` and the SessionStart hook who holds the `http` port. Only answers
//! from the kernel to this request are read.
//!
//! Linux only; elsewhere the lookup answers `Unsupported`, and the `http` transport refuses
//! every connection rather than serve one it cannot attribute.

use std::io;
use std::net::SocketAddrV4;

/// The uid that owns the connected TCP socket whose own address is `local` and whose other end
/// is `remote`: for the peer of a connection accepted on `ours` from `peer`, ask
/// `tcp_socket_owner(peer, ours)`. Only a live connection with exactly these addresses answers:
/// a listener the kernel falls back to, or a closed socket in TIME_WAIT (owned by nobody, uid 0
/// in the table), is `NotFound`.
pub fn tcp_socket_owner(local: SocketAddrV4, remote: SocketAddrV4) -> io::Result<u32> {
    imp::owner(local, remote)
}

/// The uids of the sockets that listen on TCP `port` where a connection to 127.0.0.1:`port`
/// can land: bound to a loopback or a wildcard address, IPv4 or IPv6 (a dual-stack `[::]`
/// listener takes IPv4 connections too). Empty when nobody listens.
pub fn tcp_listener_owners(port: u16) -> io::Result<Vec<u32>> {
    imp::listener_owners(port)
}

#[cfg(target_os = "linux")]
mod imp {
    use std::io;
    use std::net::SocketAddrV4;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    const SOCK_DIAG_BY_FAMILY: u16 = 20;
    const NLMSG_ERROR: u16 = 2;
    const NLMSG_DONE: u16 = 3;
    /// Every TCP state (bits 1..=11): a lookup by exact address needs no state filter.
    const ALL_STATES: u32 = 0xfff;
    const NO_COOKIE: u32 = !0;
    const TCP_TIME_WAIT: u8 = 6;
    const TCP_LISTEN: u8 = 10;

    /// `struct inet_diag_sockid`: ports and addresses in network byte order.
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct SockId {
        sport: u16,
        dport: u16,
        src: [u32; 4],
        dst: [u32; 4],
        interface: u32,
        cookie: [u32; 2],
    }

    /// `struct nlmsghdr` followed by `struct inet_diag_req_v2`.
    #[repr(C)]
    struct Request {
        len: u32,
        kind: u16,
        flags: u16,
        seq: u32,
        pid: u32,
        family: u8,
        protocol: u8,
        ext: u8,
        pad: u8,
        states: u32,
        id: SockId,
    }

    /// `struct inet_diag_msg`, after the netlink header.
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Answer {
        family: u8,
        state: u8,
        timer: u8,
        retrans: u8,
        id: SockId,
        expires: u32,
        rqueue: u32,
        wqueue: u32,
        uid: u32,
        inode: u32,
    }

    const HEADER: usize = 16;

    fn sock_id(local: SocketAddrV4, remote: SocketAddrV4) -> SockId {
        let mut id = SockId {
            sport: local.port().to_be(),
            dport: remote.port().to_be(),
            cookie: [NO_COOKIE, NO_COOKIE],
            ..SockId::default()
        };
        id.src[0] = u32::from_ne_bytes(local.ip().octets());
        id.dst[0] = u32::from_ne_bytes(remote.ip().octets());
        id
    }

    pub fn owner(local: SocketAddrV4, remote: SocketAddrV4) -> io::Result<u32> {
        let wanted = sock_id(local, remote);
        let answers = ask(libc::AF_INET as u8, ALL_STATES, wanted, false)?;
        let answer = answers.first().ok_or_else(not_found)?;
        let same = answer.id.sport == wanted.sport
            && answer.id.dport == wanted.dport
            && answer.id.src[0] == wanted.src[0]
            && answer.id.dst[0] == wanted.dst[0];
        if !same || answer.state == TCP_LISTEN || answer.state == TCP_TIME_WAIT {
            return Err(not_found());
        }
        Ok(answer.uid)
    }

    pub fn listener_owners(port: u16) -> io::Result<Vec<u32>> {
        let mut owners = Vec::new();
        for family in [libc::AF_INET, libc::AF_INET6] {
            let listening = ask(family as u8, 1 << TCP_LISTEN, SockId::default(), true)?;
            owners.extend(
                listening
                    .iter()
                    .filter(|a| u16::from_be(a.id.sport) == port && reaches_loopback(a))
                    .map(|a| a.uid),
            );
        }
        Ok(owners)
    }

    /// Can a connection to 127.0.0.1 land on this listener? Bound to 127.0.0.1 or 0.0.0.0, to
    /// `::ffff:127.0.0.1`, or to `::` (counted even when it is IPv6-only: a port wrongly
    /// called taken is refused, never given away). Addresses come as network-order words.
    fn reaches_loopback(answer: &Answer) -> bool {
        let src = answer.id.src;
        let localhost = u32::from_ne_bytes([127, 0, 0, 1]);
        if answer.family == libc::AF_INET as u8 {
            return src[0] == 0 || src[0] == localhost;
        }
        let mapped = src[0] == 0 && src[1] == 0 && src[2] == u32::from_ne_bytes([0, 0, 0xff, 0xff]);
        src == [0; 4] || (mapped && src[3] == localhost)
    }

    /// Send one `sock_diag` request for `family`; the sockets it answers with (one at most for
    /// an exact lookup, every match for a `dump`).
    fn ask(family: u8, states: u32, id: SockId, dump: bool) -> io::Result<Vec<Answer>> {
        // SAFETY: plain socket(2); the descriptor is owned at once.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                libc::NETLINK_SOCK_DIAG,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor nobody else owns.
        let socket = unsafe { OwnedFd::from_raw_fd(fd) };
        let flags = libc::NLM_F_REQUEST | if dump { libc::NLM_F_DUMP } else { 0 };
        let request = Request {
            len: std::mem::size_of::<Request>() as u32,
            kind: SOCK_DIAG_BY_FAMILY,
            flags: flags as u16,
            seq: 1,
            pid: 0,
            family,
            protocol: libc::IPPROTO_TCP as u8,
            ext: 0,
            pad: 0,
            states,
            id,
        };
        let mut kernel: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        kernel.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: request and kernel are valid for the lengths given.
        let sent = unsafe {
            libc::sendto(
                socket.as_raw_fd(),
                (&request as *const Request).cast(),
                request.len as usize,
                0,
                (&kernel as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut answers = Vec::new();
        let mut buffer = vec![0u8; 32 << 10];
        loop {
            let mut from: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
            let mut from_len = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
            // SAFETY: buffer and from are writable for the lengths given.
            let read = unsafe {
                libc::recvfrom(
                    socket.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                    0,
                    (&mut from as *mut libc::sockaddr_nl).cast(),
                    &mut from_len,
                )
            };
            if read < 0 {
                return Err(io::Error::last_os_error());
            }
            // Only the kernel (port id 0) answers for the socket table.
            if from.nl_pid != 0 {
                continue;
            }
            let mut messages = &buffer[..read as usize];
            if messages.is_empty() {
                return Ok(answers);
            }
            while messages.len() >= HEADER {
                let len = u32::from_ne_bytes(messages[0..4].try_into().unwrap()) as usize;
                let kind = u16::from_ne_bytes(messages[4..6].try_into().unwrap());
                let seq = u32::from_ne_bytes(messages[8..12].try_into().unwrap());
                if len < HEADER || len > messages.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a malformed sock_diag answer",
                    ));
                }
                match kind {
                    _ if seq != request.seq => {}
                    NLMSG_DONE => return Ok(answers),
                    NLMSG_ERROR => {
                        let errno = messages
                            .get(HEADER..HEADER + 4)
                            .map(|b| i32::from_ne_bytes(b.try_into().unwrap()))
                            .unwrap_or(0);
                        return match -errno {
                            libc::ENOENT | 0 => Ok(answers),
                            code => Err(io::Error::from_raw_os_error(code)),
                        };
                    }
                    SOCK_DIAG_BY_FAMILY if len >= HEADER + std::mem::size_of::<Answer>() => {
                        // SAFETY: the bytes hold a whole inet_diag_msg; read unaligned.
                        let answer: Answer =
                            unsafe { std::ptr::read_unaligned(messages[HEADER..].as_ptr().cast()) };
                        answers.push(answer);
                        if !dump {
                            return Ok(answers);
                        }
                    }
                    _ => {}
                }
                let aligned = (len + 3) & !3;
                messages = &messages[aligned.min(messages.len())..];
            }
        }
    }

    fn not_found() -> io::Error {
        io::Error::new(io::ErrorKind::NotFound, "no such TCP socket")
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::io;
    use std::net::SocketAddrV4;

    pub fn owner(_local: SocketAddrV4, _remote: SocketAddrV4) -> io::Result<u32> {
        Err(unsupported())
    }

    pub fn listener_owners(_port: u16) -> io::Result<Vec<u32>> {
        Err(unsupported())
    }

    fn unsupported() -> io::Error {
        io::Error::new(
            io::ErrorKind::Unsupported,
            "the owner of a TCP socket is known only on Linux",
        )
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, TcpListener, TcpStream};

    fn v4(addr: std::net::SocketAddr) -> SocketAddrV4 {
        match addr {
            std::net::SocketAddr::V4(addr) => addr,
            other => panic!("not IPv4: {other}"),
        }
    }

    /// The reference: the uid column of the socket's row in /proc/net/tcp.
    fn proc_net_tcp_owner(local: SocketAddrV4, remote: SocketAddrV4) -> Option<u32> {
        let hex = |addr: SocketAddrV4| {
            format!(
                "{:08X}:{:04X}",
                u32::from_ne_bytes(addr.ip().octets()),
                addr.port()
            )
        };
        let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
        table.lines().skip(1).find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.get(1) == Some(&hex(local).as_str())
                && fields.get(2) == Some(&hex(remote).as_str()))
            .then(|| fields[7].parse().ok())
            .flatten()
        })
    }

    #[test]
    fn the_owner_of_both_ends_and_of_the_listener_is_the_kernels_answer() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let ours = v4(listener.local_addr().unwrap());
        let client = TcpStream::connect(ours).unwrap();
        let (_accepted, peer) = listener.accept().unwrap();
        let peer = v4(peer);
        assert_eq!(v4(client.local_addr().unwrap()), peer);

        let me = crate::private::current_uid();
        for (local, remote) in [(peer, ours), (ours, peer)] {
            assert_eq!(tcp_socket_owner(local, remote).unwrap(), me);
            assert_eq!(proc_net_tcp_owner(local, remote), Some(me));
        }
        let any = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0);
        assert_eq!(proc_net_tcp_owner(ours, any), Some(me));
        assert_eq!(tcp_listener_owners(ours.port()).unwrap(), vec![me]);
        // A connection lookup never answers with the listener the kernel may fall back to.
        let unknown = SocketAddrV4::new(Ipv4Addr::LOCALHOST, peer.port().wrapping_add(1));
        assert_eq!(
            tcp_socket_owner(ours, unknown).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        assert_eq!(
            tcp_socket_owner(ours, any).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn wildcard_and_dual_stack_listeners_are_found_too() {
        let me = crate::private::current_uid();
        let any = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        let port = any.local_addr().unwrap().port();
        assert_eq!(tcp_listener_owners(port).unwrap(), vec![me]);
        if let Ok(six) = TcpListener::bind((std::net::Ipv6Addr::UNSPECIFIED, 0)) {
            let port = six.local_addr().unwrap().port();
            assert_eq!(tcp_listener_owners(port).unwrap(), vec![me]);
        }
    }

    #[test]
    fn a_closed_connection_in_time_wait_is_owned_by_nobody() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let ours = v4(listener.local_addr().unwrap());
        let client = TcpStream::connect(ours).unwrap();
        let (accepted, peer) = listener.accept().unwrap();
        let peer = v4(peer);
        // The client closes first, so its end goes through TIME_WAIT.
        drop(client);
        let mut rest = Vec::new();
        use std::io::Read;
        (&accepted).read_to_end(&mut rest).unwrap();
        drop(accepted);
        let err = tcp_socket_owner(peer, ours).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    }

    #[test]
    fn a_socket_nobody_holds_is_not_found() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = v4(listener.local_addr().unwrap());
        drop(listener);
        assert_eq!(tcp_listener_owners(addr.port()).unwrap(), Vec::<u32>::new());
    }
}
