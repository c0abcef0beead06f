//! Handing a hook over to `fasthooks-engine`, installed next to this binary: replace this
//! process with it, same arguments, the event already read passed on as stdin.

use fasthooks_ipc::hook_io::finish;
use fasthooks_ipc::{ENGINE_BINARY, FALLBACK_NOTE_ENV};
use fasthooks_protocol::Rendered;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::ExitCode;

/// The engine binary next to this one.
fn engine_path() -> Result<PathBuf, String> {
    let exe =
        std::env::current_exe().map_err(|err| format!("cannot find my own executable: {err}"))?;
    let engine = exe.with_file_name(ENGINE_BINARY);
    if engine.exists() {
        Ok(engine)
    } else {
        Err(format!(
            "{} is missing: install it next to {}",
            engine.display(),
            exe.display()
        ))
    }
}

/// Replace this process with the engine, same arguments. With `stdin`, the event already read
/// is handed over through an in-memory file; with a `fallback` reason, the engine runs the hook
/// in-process and says why on stderr.
pub fn exec_engine(stdin: Option<&[u8]>, fallback: Option<&str>) -> ExitCode {
    let engine = match engine_path() {
        Ok(engine) => engine,
        Err(message) => return finish(Rendered::error(message)),
    };
    let mut command = std::process::Command::new(engine);
    command.args(std::env::args_os().skip(1));
    if let Some(why) = fallback {
        command.arg("--inline").env(FALLBACK_NOTE_ENV, why);
    }
    if let Some(bytes) = stdin
        && let Err(err) = replace_stdin(bytes)
    {
        return finish(Rendered::error(format!(
            "cannot hand the event to the engine: {err}"
        )));
    }
    let err = command.exec();
    finish(Rendered::error(format!("cannot run the engine: {err}")))
}

/// Make `bytes` this process's stdin, through an anonymous file (kept across `exec`).
fn replace_stdin(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Seek;
    use std::os::fd::AsRawFd;
    let mut file = anonymous_file()?;
    file.write_all(bytes)?;
    file.seek(std::io::SeekFrom::Start(0))?;
    // SAFETY: both descriptors are valid; dup2 atomically replaces stdin.
    if unsafe { libc::dup2(file.as_raw_fd(), 0) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn anonymous_file() -> std::io::Result<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: memfd_create returns a new descriptor we own (or -1).
    let fd = unsafe { libc::memfd_create(c"fasthooks-event".as_ptr(), 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is valid and owned here.
    Ok(unsafe { std::fs::File::from_raw_fd(fd) })
}

#[cfg(not(target_os = "linux"))]
fn anonymous_file() -> std::io::Result<std::fs::File> {
    let path = std::env::temp_dir().join(format!("fasthooks-event-{}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}
