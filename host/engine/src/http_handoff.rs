//! A daemon replaced by a newer build hands its `http` listening socket to its successor, so
//! the port is never free between them: another user's process looping on `bind` cannot take
//! it (and with it the events Claude Code posts there) in the moment between one daemon's exit
//! and the next one's start.
//!
//! ```text
//! old daemon: stop accepting ─ offer the socket on run/http-handoff.sock ─ reply Replaced ─ … exit
//! new daemon:                                     take it (SCM_RIGHTS) ─ serve it ─ own the store
//! ```
//!
//! The offer is a Unix socket in the private runtime directory, and the taker must be this same
//! user (`SO_PEERCRED`); the socket it receives must be a TCP listener on 127.0.0.1 at the
//! configured port, or it is dropped. Connections that arrive meanwhile wait in the kernel's
//! accept queue, and the new daemon answers them. An offer nobody takes within
//! [`OFFER_TIMEOUT`] lapses, and the port is free once the old daemon exits.

use crate::http_hooks::ListenError;
use fasthooks_ipc::Paths;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long an offer stays open for the successor.
pub const OFFER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a starting daemon waits for an offered socket to arrive.
const TAKE_TIMEOUT: Duration = Duration::from_secs(2);

fn offer_path(paths: &Paths) -> PathBuf {
    paths.runtime.join("http-handoff.sock")
}

/// An open offer; [`Offer::wait`] lets the caller exit only once it is taken or has lapsed.
pub struct Offer(std::thread::JoinHandle<()>);

impl Offer {
    pub fn wait(self) {
        let _ = self.0.join();
    }
}

/// Offer `listener` to the next daemon, on a thread of its own.
pub fn offer(paths: &Paths, listener: TcpListener) -> io::Result<Offer> {
    let path = offer_path(paths);
    let _ = std::fs::remove_file(&path);
    let socket = UnixListener::bind(&path)?;
    socket.set_nonblocking(true)?;
    let me = fasthooks_ipc::private::current_uid();
    let thread = std::thread::Builder::new()
        .name("fasthooks-handoff".into())
        .spawn(move || {
            let deadline = Instant::now() + OFFER_TIMEOUT;
            while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                if !readable(socket.as_raw_fd(), left) {
                    break;
                }
                let Ok((stream, _)) = socket.accept() else {
                    continue;
                };
                if fasthooks_ipc::private::peer_uid(&stream).ok() != Some(me) {
                    continue;
                }
                match send_fd(&stream, listener.as_raw_fd()) {
                    Ok(()) => {
                        tracing::info!("handed the http port to the next daemon");
                        break;
                    }
                    Err(err) => tracing::warn!("cannot hand the http port over: {err}"),
                }
            }
            let _ = std::fs::remove_file(&path);
        })?;
    Ok(Offer(thread))
}

/// The listening socket a replaced daemon offers, if there is an offer: a TCP listener on
/// 127.0.0.1:`port`, or nothing.
pub fn take(paths: &Paths, port: u16) -> Option<TcpListener> {
    let stream = UnixStream::connect(offer_path(paths)).ok()?;
    let me = fasthooks_ipc::private::current_uid();
    if fasthooks_ipc::private::peer_uid(&stream).ok()? != me {
        return None;
    }
    stream.set_read_timeout(Some(TAKE_TIMEOUT)).ok()?;
    let fd = receive_fd(&stream).ok()?;
    let listener = TcpListener::from(fd);
    let wanted: SocketAddr = ([127, 0, 0, 1], port).into();
    let listening = listener.local_addr().ok() == Some(wanted) && is_listening(&listener);
    listening.then_some(listener)
}

/// Bind 127.0.0.1:`port`; when a daemon of this user holds it (one on its way out, or one that
/// lost the race to own the store), take it from that daemon's offer.
pub fn bind_or_take(paths: &Paths, port: u16) -> Result<TcpListener, ListenError> {
    crate::http_hooks::bind(port).or_else(|err| match err {
        ListenError::Taken {
            holder: Some(uid), ..
        } if uid == fasthooks_ipc::private::current_uid() => take(paths, port).ok_or(err),
        err => Err(err),
    })
}

fn is_listening(listener: &TcpListener) -> bool {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt on a descriptor we own, into a c_int.
    let ok = unsafe {
        libc::getsockopt(
            listener.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ACCEPTCONN,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    } == 0;
    ok && value == 1
}

/// Wait until `fd` is readable (a connection to accept), at most `timeout`.
fn readable(fd: RawFd, timeout: Duration) -> bool {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut poll, 1, millis) > 0 }
}

/// Space for one descriptor's control message, aligned as `struct cmsghdr` must be.
#[repr(C, align(8))]
struct Control([u8; 64]);

/// The control message length of exactly one descriptor.
fn one_fd_len() -> usize {
    // SAFETY: CMSG_LEN is arithmetic on its argument.
    unsafe { libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as usize }
}

/// A message of one byte (in `byte`) with room for control data in `control`; both must outlive
/// it.
fn message(byte: &mut [u8; 1], iov: &mut libc::iovec, control: &mut Control) -> libc::msghdr {
    *iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: msghdr is plain data; zero is its empty value.
    let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
    message.msg_iov = iov;
    message.msg_iovlen = 1;
    message.msg_control = control.0.as_mut_ptr().cast();
    message.msg_controllen = control.0.len() as _;
    message
}

fn empty_iov() -> libc::iovec {
    libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }
}

fn send_fd(stream: &UnixStream, fd: RawFd) -> io::Result<()> {
    let (mut byte, mut iov, mut control) = ([1u8], empty_iov(), Control([0; 64]));
    let mut message = message(&mut byte, &mut iov, &mut control);
    // SAFETY: the message points at live buffers; the control message is built within
    // `control` (aligned for cmsghdr) with the libc CMSG macros, for exactly one descriptor.
    unsafe {
        message.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) as _;
        let header = libc::CMSG_FIRSTHDR(&message);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = one_fd_len() as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(header).cast::<RawFd>(), fd);
        if libc::sendmsg(stream.as_raw_fd(), &message, 0) != 1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn receive_fd(stream: &UnixStream) -> io::Result<OwnedFd> {
    let (mut byte, mut iov, mut control) = ([0u8], empty_iov(), Control([0; 64]));
    let mut message = message(&mut byte, &mut iov, &mut control);
    // SAFETY: as in send_fd; a descriptor received is owned at once (CLOEXEC set on receipt).
    unsafe {
        if libc::recvmsg(stream.as_raw_fd(), &mut message, libc::MSG_CMSG_CLOEXEC) != 1 {
            return Err(io::Error::last_os_error());
        }
        let header = libc::CMSG_FIRSTHDR(&message);
        if header.is_null()
            || (*header).cmsg_level != libc::SOL_SOCKET
            || (*header).cmsg_type != libc::SCM_RIGHTS
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "no descriptor came with the handoff",
            ));
        }
        // Every descriptor that came is owned (and so closed unless it is the one wanted):
        // exactly one, whole, is what the offer sends.
        let data = libc::CMSG_DATA(header).cast::<RawFd>();
        let count = ((*header).cmsg_len as usize).saturating_sub(libc::CMSG_LEN(0) as usize)
            / std::mem::size_of::<RawFd>();
        let mut received: Vec<OwnedFd> = (0..count)
            .map(|at| OwnedFd::from_raw_fd(std::ptr::read_unaligned(data.add(at))))
            .collect();
        let one = count == 1
            && message.msg_flags & libc::MSG_CTRUNC == 0
            && libc::CMSG_NXTHDR(&message, header).is_null();
        match (one, received.pop()) {
            (true, Some(fd)) => Ok(fd),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the handoff held other than one descriptor",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listener_itself_goes_to_the_taker_and_keeps_its_queue() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::under(home.path());
        paths.ensure_private_runtime_dir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // A connection made before the handoff waits in the queue for the new owner.
        let early = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let offer = offer(&paths, listener).unwrap();
        let taken = take(&paths, port).expect("the offered listener");
        offer.wait();
        let (accepted, _) = taken.accept().unwrap();
        assert_eq!(accepted.peer_addr().unwrap(), early.local_addr().unwrap());
        assert!(!offer_path(&paths).exists(), "the offer is gone once taken");
        // Nothing offered: nothing taken.
        assert!(take(&paths, port).is_none());
    }

    #[test]
    fn a_socket_on_another_port_is_not_taken() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::under(home.path());
        paths.ensure_private_runtime_dir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let offer = offer(&paths, listener).unwrap();
        assert!(take(&paths, port.wrapping_add(1)).is_none());
        offer.wait();
    }
}
