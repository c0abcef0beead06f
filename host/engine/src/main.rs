//! `fasthooks-engine`: the daemon, in-process hooks and admin commands (started by `fasthooks-host`).
fn main() -> std::process::ExitCode {
    fasthooks_engine::commands::main()
}
