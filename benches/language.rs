//! Parse throughput and load time on a generated world-scale corpus.
//! Run: `cargo bench --bench language`. Prints medians (and p10/p90) of repeated runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark program"
)]

#[allow(dead_code, reason = "shared with the other benchmark")]
mod corpus;

use policyspace::source::FileId;
use std::time::Instant;

fn main() {
    let treaties = corpus::treaties(3300, "IDN", 150);
    let mb = treaties.len() as f64 / 1e6;
    // Parse throughput.
    let mut times = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        let (file, errors) = policyspace::syntax::parse(&treaties, FileId(0));
        assert!(errors.is_empty(), "{errors:?}");
        std::hint::black_box(file);
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let (med, p10, p90) = corpus::stats(times);
    println!(
        "parse: {mb:.1} MB in {:.1} ms median (p10 {:.1}, p90 {:.1}) = {:.0} MB/s",
        med / 1e3,
        p10 / 1e3,
        p90 / 1e3,
        mb / (med / 1e6)
    );

    // Format (print) throughput.
    let (file, _) = policyspace::syntax::parse(&treaties, FileId(0));
    let mut times = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        std::hint::black_box(policyspace::syntax::format::print(&file, Some(&treaties)));
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let (med, _, _) = corpus::stats(times);
    println!(
        "fmt print: {:.1} ms median = {:.0} MB/s",
        med / 1e3,
        mb / (med / 1e6)
    );

    // Load = parse + resolve, world scale (3,300 instruments, 194 countries).
    let mut times = Vec::new();
    let mut instruments = 0;
    for _ in 0..7 {
        let t = Instant::now();
        let model = corpus::model(vec![("generated.pspace".to_string(), treaties.clone())]);
        instruments = model.instruments.len();
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let (med, p10, p90) = corpus::stats(times);
    println!(
        "load (parse + resolve) of {instruments} instruments, {mb:.1} MB: {:.0} ms median (p10 {:.0}, p90 {:.0})",
        med / 1e3,
        p10 / 1e3,
        p90 / 1e3
    );

    // The embedded rulesets.
    let mut times = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        std::hint::black_box(policyspace::rulesets::Rulesets::embedded().expect("embedded"));
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let (med, _, _) = corpus::stats(times);
    println!("load of the embedded rulesets: {:.1} ms median", med / 1e3);
}
