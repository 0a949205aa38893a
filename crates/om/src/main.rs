fn main() -> std::process::ExitCode {
    om::main()
}
