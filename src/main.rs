//! The `policyspace` command.
#![forbid(unsafe_code)]

// mimalloc: evaluation allocates many small, short-lived values; glibc's allocator spends about
// half the time of a `check` consolidating them (benches/check.rs measures both).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(policyspace::cli::main());
}
