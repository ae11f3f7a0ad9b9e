fn main() -> std::process::ExitCode {
    feedwright::cli::main()
}
