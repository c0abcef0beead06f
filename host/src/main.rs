//! `fasthooks-host`: the command Claude Code runs for every hook event.
fn main() -> std::process::ExitCode {
    fasthooks_host::cli::front_main()
}
