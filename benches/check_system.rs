//! `check` latency with the system allocator (what a library user gets without choosing one);
//! benches/check.rs measures it with mimalloc, the allocator of the `policyspace` binary.
//! Run: `cargo bench --bench check_system`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark program"
)]

#[allow(dead_code, reason = "shared with the other benchmarks")]
mod corpus;

use policyspace::eval::Options;

fn main() {
    let model = corpus::model(vec![
        (
            "generated.pspace".to_string(),
            corpus::treaties(3300, "IDN", 150),
        ),
        ("policy.pspace".to_string(), corpus::policy("IDN")),
    ]);
    let policy = model.policies.get("bench").expect("policy");
    for (label, o) in [
        ("full", Options::default()),
        (
            "statuses only",
            Options {
                brief: true,
                no_answers: true,
                ..Options::default()
            },
        ),
    ] {
        let (med, p10, p90) = corpus::time(300, || {
            std::hint::black_box(policyspace::eval::check(&model, policy, &o));
        });
        println!(
            "check (system allocator), 5 measures × 184 instruments, {label}: {med:.0} µs median (p10 {p10:.0}, p90 {p90:.0})"
        );
    }
}
