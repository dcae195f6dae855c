//! The `policyspace` command.
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(policyspace::cli::main());
}
