//! Plugins are compiled in a short-lived child process (`fasthooks-engine compile-plugin`), so
//! the process that asked (the daemon, most of all) never holds the compiler's memory (hundreds
//! of MiB for a Python or JavaScript plugin, most of which an allocator never gives back), and
//! a compiler crash, or a plugin made to blow the compiler up, ends the child only.
//!
//! The parent sends the plugin's bytes on the child's stdin and names the compile cache's file
//! for them ([`crate::compile_cache`]); the child checks their sha256, compiles them with engine
//! settings of the same compatibility key, writes the file and exits; the parent loads it. The child runs with bounds of its own:
//! [`memory_limit_mb`] of data (`FASTHOOKS_COMPILE_MEMORY_MB`), [`CPU_LIMIT`] of CPU time, twice
//! that in wall-clock time, no core dump, and it dies with its parent.
//!
//! `FASTHOOKS_COMPILE_IN_PROCESS=1` compiles in the asking process instead (the benchmark's
//! baseline); so do the engine's own unit tests, which have no `compile-plugin` command to run.

use crate::runtime::{EngineSettings, new_engine};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The hidden subcommand the child runs.
pub const SUBCOMMAND: &str = "compile-plugin";

/// The memory a compile may use unless `FASTHOOKS_COMPILE_MEMORY_MB` says otherwise: the
/// largest example plugins (Python, JavaScript) need a few hundred MiB.
pub const DEFAULT_MEMORY_MB: u64 = 4096;
pub const MEMORY_ENV: &str = "FASTHOOKS_COMPILE_MEMORY_MB";
pub const IN_PROCESS_ENV: &str = "FASTHOOKS_COMPILE_IN_PROCESS";

/// CPU time a compile may use (all its threads together); the largest example plugins take
/// under a minute.
pub const CPU_LIMIT: Duration = Duration::from_secs(600);

static ENABLED: AtomicBool = AtomicBool::new(false);

/// From now on this process compiles in a child (`fasthooks-engine`'s entry point calls this;
/// the child itself does not).
pub fn enable() {
    let in_process = std::env::var_os(IN_PROCESS_ENV).is_some_and(|v| v == "1");
    ENABLED.store(!in_process, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

pub fn memory_limit_mb() -> u64 {
    std::env::var(MEMORY_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&mb| mb > 0)
        .unwrap_or(DEFAULT_MEMORY_MB)
}

/// Why a compile in the child produced nothing; shown after the plugin's name.
#[derive(Debug, thiserror::Error)]
pub enum CompileFailure {
    #[error("cannot start the compiler process: {0}")]
    Spawn(std::io::Error),
    /// The compiler's own error: the bytes are not a component wasmtime can compile.
    #[error("{0}")]
    Invalid(String),
    #[error(
        "compiling it needed more than the {0} MiB a compile may use (raise {MEMORY_ENV} to allow more)"
    )]
    OutOfMemory(u64),
    #[error("compiling it used more than {} s of CPU time and was stopped", CPU_LIMIT.as_secs())]
    OutOfTime,
    #[error("the compiler process ended without a result ({0})")]
    Died(String),
}

/// Compile `bytes` (which hash to `sha256`) into the file `out`, in a child.
pub fn compile(out: &Path, sha256: &str, bytes: &[u8]) -> Result<(), CompileFailure> {
    let memory_mb = memory_limit_mb();
    // This very binary, even when its file was replaced or removed since it started (an
    // upgrade in place): the child's compiled code is for this build's engine.
    let mut command = Command::new("/proc/self/exe");
    std::os::unix::process::CommandExt::arg0(&mut command, "fasthooks-engine");
    command
        .args([SUBCOMMAND, "--sha256", sha256, "--out"])
        .arg(out)
        .env_remove("FASTHOOKS_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let cpu = CPU_LIMIT.as_secs();
    // SAFETY: setrlimit and prctl are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(move || {
            let limit = |resource, value: u64| {
                let rlim = libc::rlimit {
                    rlim_cur: value,
                    rlim_max: value,
                };
                if libc::setrlimit(resource, &rlim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            };
            // RLIMIT_DATA counts what is writable, not address space reserved and never
            // touched, so many threads or large reservations do not trip it.
            limit(libc::RLIMIT_DATA, memory_mb << 20)?;
            limit(libc::RLIMIT_CPU, cpu)?;
            limit(libc::RLIMIT_CORE, 0)?;
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(CompileFailure::Spawn)?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    // A child that dies before reading everything closes the pipe: its exit says why.
    let _ = stdin.write_all(bytes);
    drop(stdin);
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    let waiter = std::thread::Builder::new()
        .name("fasthooks-compile-wait".into())
        .spawn(move || {
            let _ = done.send(child.wait_with_output());
        })
        .map_err(CompileFailure::Spawn)?;
    let output = match finished.recv_timeout(CPU_LIMIT * 2) {
        Ok(output) => output,
        Err(_) => {
            // Stopped, or blocked without using CPU: the wall-clock bound ends it.
            // SAFETY: `pid` is our child, not reaped yet (its waiter has not returned).
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            finished
                .recv()
                .map_err(|_| CompileFailure::Died("lost".into()))?
        }
    };
    let _ = waiter.join();
    let output = output.map_err(CompileFailure::Spawn)?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    use std::os::unix::process::ExitStatusExt;
    Err(match output.status.signal() {
        Some(libc::SIGXCPU) => CompileFailure::OutOfTime,
        Some(libc::SIGABRT) if stderr.contains("memory allocation of") => {
            CompileFailure::OutOfMemory(memory_mb)
        }
        Some(libc::SIGKILL) => CompileFailure::Died("killed".into()),
        Some(signal) => CompileFailure::Died(format!("signal {signal}")),
        None if last.contains("out of memory") || last.contains("memory allocation of") => {
            CompileFailure::OutOfMemory(memory_mb)
        }
        None => CompileFailure::Invalid(last.to_owned()),
    })
}

/// The child: the plugin's bytes on stdin, compiled into `out`; an error as one line.
pub fn command(out: &Path, sha256: &str) -> ExitCode {
    let fail = |line: String| {
        let _ = writeln!(std::io::stderr(), "{}", line.replace('\n', " "));
        ExitCode::FAILURE
    };
    let mut bytes = Vec::new();
    // Only the parent writes here, bytes it read within its own size limit.
    if let Err(err) = std::io::stdin().read_to_end(&mut bytes) {
        return fail(format!("cannot read the plugin from stdin: {err}"));
    }
    if format!("{:x}", Sha256::digest(&bytes)) != sha256 {
        return fail("the bytes on stdin do not hash to --sha256".into());
    }
    let engine = match new_engine(EngineSettings::for_compiling()) {
        Ok(engine) => engine,
        Err(err) => return fail(format!("cannot make an engine: {err:#}")),
    };
    let compiled = match engine.precompile_component(&bytes) {
        Ok(compiled) => compiled,
        Err(err) => return fail(format!("{err:#}")),
    };
    match fasthooks_ipc::private::write_atomically(out, &compiled) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(format!("cannot write {}: {err}", out.display())),
    }
}
