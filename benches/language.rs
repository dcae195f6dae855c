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

fn main() {
    let treaties = corpus::treaties(3300, "IDN", 150);
    let mb = treaties.len() as f64 / 1e6;
    // Parse throughput.
    let (med, p10, p90) = corpus::time(15, || {
        let (file, errors) = policyspace::syntax::parse(&treaties, FileId(0));
        assert!(errors.is_empty(), "{errors:?}");
        std::hint::black_box(file);
    });
    println!(
        "parse: {mb:.1} MB in {:.1} ms median (p10 {:.1}, p90 {:.1}) = {:.0} MB/s",
        med / 1e3,
        p10 / 1e3,
        p90 / 1e3,
        mb / (med / 1e6)
    );

    // Format (print) throughput.
    let (file, _) = policyspace::syntax::parse(&treaties, FileId(0));
    let (med, _, _) = corpus::time(10, || {
        std::hint::black_box(policyspace::syntax::format::print(&file, Some(&treaties)));
    });
    println!(
        "fmt print: {:.1} ms median = {:.0} MB/s",
        med / 1e3,
        mb / (med / 1e6)
    );

    // Load = parse + resolve, world scale (3,300 instruments, 194 countries).
    let mut instruments = 0;
    let (med, p10, p90) = corpus::time(7, || {
        let model = corpus::model(vec![("generated.pspace".to_string(), treaties.clone())]);
        instruments = model.instruments.len();
    });
    println!(
        "load (parse + resolve) of {instruments} instruments, {mb:.1} MB: {:.0} ms median (p10 {:.0}, p90 {:.0})",
        med / 1e3,
        p10 / 1e3,
        p90 / 1e3
    );

    // The embedded rulesets.
    let (med, _, _) = corpus::time(15, || {
        std::hint::black_box(policyspace::rulesets::Rulesets::embedded().expect("embedded"));
    });
    println!("load of the embedded rulesets: {:.1} ms median", med / 1e3);
}
