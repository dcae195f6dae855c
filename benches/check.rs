//! `check` latency: one policy of five measures against a country bound by 150 instruments
//! (after load), and the whole CLI process on a fixture with the embedded rulesets.
//! Run: `cargo bench --bench check`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark program"
)]

#[allow(dead_code, reason = "shared with the other benchmark")]
mod corpus;

// The allocator of the `policyspace` binary (src/main.rs); benches/check_system.rs measures
// the same with the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use policyspace::eval::Options;

fn main() {
    // ONLY_BRIEF=1 runs the status-only check alone, for profiling.
    let only_brief = std::env::var("ONLY_BRIEF").is_ok();
    let treaties = corpus::treaties(3300, "IDN", 150);
    let model = corpus::model(vec![
        ("generated.pspace".to_string(), treaties),
        ("policy.pspace".to_string(), corpus::policy("IDN")),
    ]);
    let bound = model
        .index
        .instruments_by_country
        .get("IDN")
        .map_or(0, Vec::len);
    let policy = model.policies.get("bench").expect("policy");
    let opts = Options::default();
    if only_brief {
        let o = Options {
            brief: true,
            no_answers: true,
            ..Options::default()
        };
        for _ in 0..300 {
            std::hint::black_box(policyspace::eval::check(&model, policy, &o));
        }
        return;
    }
    for _ in 0..50 {
        std::hint::black_box(policyspace::eval::check(&model, policy, &opts));
    }
    let mut findings = 0;
    let (med, p10, p90) = corpus::time(500, || {
        let ev = policyspace::eval::check(&model, policy, &opts);
        findings = ev.findings.len();
    });
    for (label, o) in [
        (
            "without what-if answers",
            Options {
                no_answers: true,
                ..Options::default()
            },
        ),
        (
            "statuses only (brief, no answers)",
            Options {
                brief: true,
                no_answers: true,
                ..Options::default()
            },
        ),
    ] {
        let (m2, a, b) = corpus::time(500, || {
            std::hint::black_box(policyspace::eval::check(&model, policy, &o));
        });
        println!("check {label}: {m2:.0} µs median (p10 {a:.0}, p90 {b:.0})");
    }
    println!(
        "check: 5 measures × {bound} instruments binding IDN ({} in the corpus) → {findings} findings: {med:.0} µs median (p10 {p10:.0}, p90 {p90:.0})",
        model.instruments.len()
    );

    // The real rulesets: five measures of Chile, the most treaty-dense country they hold.
    let rs = policyspace::rulesets::Rulesets::embedded().expect("embedded");
    let lp = rs
        .policies_from_str("chl.pspace", &corpus::policy("CHL"))
        .expect("policy");
    let p = &lp.policies[0];
    let bound = rs
        .model
        .index
        .instruments_by_country
        .get("CHL")
        .map_or(0, Vec::len);
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
        let mut n = 0;
        let (m2, a, b) = corpus::time(300, || {
            let ev = rs.check(p, &o);
            n = ev.findings.len();
        });
        println!(
            "check, embedded rulesets, 5 measures of CHL × {bound} instruments → {n} findings, {label}: {m2:.0} µs median (p10 {a:.0}, p90 {b:.0})"
        );
    }

    // The CLI, end to end, on a dispute fixture with the embedded rulesets.
    let exe = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/policyspace");
    if exe.is_file() {
        let (med, p10, p90) = corpus::time(30, || {
            let o = std::process::Command::new(&exe)
                .args([
                    "check",
                    "fixtures/policies/wto/ds592-indonesia-raw-materials.pspace",
                ])
                .output()
                .expect("runs");
            assert_eq!(o.status.code(), Some(1));
        });
        println!(
            "CLI `check` DS592 with the embedded rulesets: {:.1} ms wall median (p10 {:.1}, p90 {:.1})",
            med / 1e3,
            p10 / 1e3,
            p90 / 1e3
        );
    } else {
        println!(
            "CLI timing skipped: build target/release/policyspace first (cargo build --release)"
        );
    }
}
