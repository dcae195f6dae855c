//! The world map: every country × every catalogued option, on the embedded rulesets and on a
//! generated world-scale corpus (about 3,300 instruments, 194 countries). Uses every core.
//! Run: `cargo bench --bench space`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark program"
)]

#[allow(dead_code, reason = "shared with the other benchmarks")]
mod corpus;

// The allocator of the `policyspace` binary (src/main.rs); benches/check_system.rs measures
// the same with the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use policyspace::date::Date;

fn main() {
    let date = Date::parse("2025-01-01").expect("date");
    let products = vec!["2604".to_string()];
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let rs = policyspace::rulesets::Rulesets::embedded().expect("embedded");
    let countries =
        policyspace::space::expand_countries(&rs.model, &["all".to_string()], date).expect("all");
    let mut cells = 0;
    let (med, p10, p90) = corpus::time(15, || {
        let w = policyspace::space::world(&rs.model, &countries, &products, date);
        cells = w.rows.len() * w.options.len();
    });
    println!(
        "world map, embedded rulesets: {} countries × {} options = {cells} cells on {cores} cores: {:.0} ms median (p10 {:.0}, p90 {:.0})",
        countries.len(),
        cells / countries.len().max(1),
        med / 1e3,
        p10 / 1e3,
        p90 / 1e3
    );

    let treaties = corpus::treaties(3300, "IDN", 150);
    let model = corpus::model(vec![("generated.pspace".to_string(), treaties)]);
    let countries = corpus::countries();
    let (med, p10, p90) = corpus::time(7, || {
        let w = policyspace::space::world(&model, &countries, &products, date);
        cells = w.rows.len() * w.options.len();
    });
    println!(
        "world map, generated corpus ({} instruments): {} countries × {} options = {cells} cells on {cores} cores: {:.0} ms median (p10 {:.0}, p90 {:.0})",
        model.instruments.len(),
        countries.len(),
        cells / countries.len().max(1),
        med / 1e3,
        p10 / 1e3,
        p90 / 1e3
    );
}
