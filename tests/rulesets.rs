//! The shipped law: it resolves with no error and no warning, every provision cites its source,
//! the binary embeds exactly the files on disk, and every test written beside the law (in the
//! rulesets and in the dispute and treaty fixtures) passes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use policyspace::rulesets::Rulesets;
use std::path::{Path, PathBuf};

fn embedded() -> Rulesets {
    Rulesets::embedded().unwrap_or_else(|e| {
        panic!(
            "the embedded rulesets do not resolve: {:?}",
            e.diags.iter().map(|d| &d.message).collect::<Vec<_>>()
        )
    })
}

#[test]
fn the_shipped_rulesets_lint_clean_with_zero_warnings() {
    let rs = embedded();
    let rendered = policyspace::diag::render(
        &rs.warnings,
        &rs.sources,
        policyspace::diag::ErrorFormat::Plain,
        false,
        100,
    );
    assert!(
        rs.warnings.is_empty(),
        "warnings in the shipped rulesets:\n{rendered}"
    );
}

#[test]
fn the_binary_embeds_the_rulesets_on_disk() {
    let disk = Rulesets::from_dir(Path::new("rulesets"))
        .unwrap_or_else(|e| panic!("rulesets/ does not resolve: {:?}", e.diags));
    assert_eq!(
        disk.hash,
        embedded().hash,
        "the embedded rulesets differ from rulesets/: rebuild"
    );
}

#[test]
fn every_instrument_provision_and_defence_cites_a_source() {
    let rs = embedded();
    let mut missing = Vec::new();
    for inst in rs.model.instruments.values() {
        if inst.source.as_deref().is_none_or(str::is_empty) {
            missing.push(format!("instrument {}", inst.id));
        }
        for p in inst.provisions.values() {
            // Provisions copied whole by `incorporates` keep the original's source.
            if p.source.as_deref().is_none_or(str::is_empty) {
                missing.push(format!("{} provision \"{}\"", inst.id, p.label));
            }
            assert!(
                !p.label.trim().is_empty(),
                "{}: a provision without its article label",
                inst.id
            );
        }
        for d in inst.defences.values() {
            if d.source.as_deref().is_none_or(str::is_empty) {
                missing.push(format!("{} {} \"{}\"", inst.id, d.kind.as_str(), d.label));
            }
        }
    }
    assert!(missing.is_empty(), "without a source: {missing:#?}");
}

#[test]
fn sources_are_urls() {
    let rs = embedded();
    for inst in rs.model.instruments.values() {
        let urls = inst
            .source
            .iter()
            .chain(inst.provisions.values().filter_map(|p| p.source.as_ref()))
            .chain(inst.defences.values().filter_map(|d| d.source.as_ref()));
        for u in urls {
            assert!(
                u.starts_with("http://") || u.starts_with("https://"),
                "{}: source `{u}` is not a URL",
                inst.id
            );
        }
    }
}

#[test]
fn wto_membership_has_166_members() {
    let rs = embedded();
    let g = rs
        .model
        .groups
        .get("wto-members")
        .expect("group wto-members");
    assert_eq!(g.members.len(), 166);
    let d = |s: &str| policyspace::date::Date::parse(s).expect("date");
    assert!(
        g.contains("CHN", d("2001-12-11")) && !g.contains("CHN", d("2001-12-10")),
        "China joined on 2001-12-11"
    );
    assert!(g.contains("IDN", d("1995-01-01")));
    assert!(
        !g.contains("ERI", d("2020-01-01")),
        "Eritrea is not a member"
    );
}

fn report(
    results: &[policyspace::testing::TestResult],
    sources: &policyspace::source::Sources,
) -> String {
    let mut out = String::new();
    for r in results.iter().filter(|r| !r.passed) {
        out.push_str(&format!("FAIL {} ({})\n", r.name, sources.location(r.span)));
        for f in &r.failures {
            out.push_str(&format!(
                "    expected: {}\n    found:    {}\n",
                f.expected, f.found
            ));
        }
    }
    out
}

#[test]
fn every_test_in_the_rulesets_passes() {
    let rs = embedded();
    assert!(
        rs.model.tests.len() >= 100,
        "only {} ruleset tests",
        rs.model.tests.len()
    );
    let results: Vec<_> = rs
        .model
        .tests
        .iter()
        .map(|t| policyspace::testing::run(&rs.model, t, &[]))
        .collect();
    let failures = report(&results, &rs.sources);
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn every_test_in_the_fixtures_passes() {
    let (loaded, extra) =
        policyspace::cli::load_with_extras(None, &[PathBuf::from("fixtures/policies")]);
    let (model, diags) = policyspace::resolve::resolve(&loaded);
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let tests: Vec<_> = model
        .tests
        .iter()
        .filter(|t| extra.contains(&t.span.file))
        .collect();
    assert!(tests.len() >= 40, "only {} fixture tests", tests.len());
    let results: Vec<_> = tests
        .iter()
        .map(|t| policyspace::testing::run(&model, t, &[]))
        .collect();
    let failures = report(&results, &loaded.sources);
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn a_test_can_fail() {
    // The runner reports a wrong expectation as a failure with expected and found.
    let rs = embedded();
    let text = r#"
policy p "Export ban" {
  country IDN
  date 2020-01-01
  measure ban { kind export-prohibition products ["2604"] fact temporary false }
}
test "deliberately wrong" {
  check p
  expect finding ban gatt-1994."XI:1" compatible
  expect verdict compatible
}"#;
    let lp = rs.policies_from_str("wrong.pspace", text).expect("valid");
    let r = policyspace::testing::run(&rs.model, &lp.tests[0], &lp.policies);
    assert!(!r.passed);
    assert_eq!(r.failures.len(), 2);
    assert!(
        r.failures[0].found.contains("conditional") || r.failures[0].found.contains("breach"),
        "{:?}",
        r.failures[0]
    );
}
