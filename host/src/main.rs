fn main() -> std::process::ExitCode {
    fasthooks_host::cli::main()
}
