//! The evaluator's semantics on a small fictional ruleset (fixtures/rulesets/semantics): every
//! construct of the language and every status, one case each, written as ruleset tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use policyspace::rulesets::Rulesets;
use std::path::Path;

#[test]
fn every_semantics_case_passes() {
    let rs = Rulesets::from_dir(Path::new("fixtures/rulesets/semantics"))
        .unwrap_or_else(|e| panic!("{:?}", e.diags));
    assert!(rs.warnings.is_empty(), "{:?}", rs.warnings);
    assert!(
        rs.model.tests.len() >= 30,
        "only {} cases",
        rs.model.tests.len()
    );
    let mut failures = String::new();
    for t in &rs.model.tests {
        let r = policyspace::testing::run(&rs.model, t, &[]);
        for f in &r.failures {
            failures.push_str(&format!(
                "{}: expected {}, found {}\n",
                r.name, f.expected, f.found
            ));
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn every_status_is_exercised() {
    let rs = Rulesets::from_dir(Path::new("fixtures/rulesets/semantics")).expect("resolves");
    let text = std::fs::read_to_string("fixtures/rulesets/semantics/cases.pspace").expect("cases");
    for s in policyspace::model::STATUS_NAMES {
        assert!(text.contains(&format!("\" {s}")), "no case expects `{s}`");
    }
    let _ = rs;
}
