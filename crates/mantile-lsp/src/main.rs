fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(mantile_lsp::cli::main(args));
}
