//! The bad-input catalogue: every file in fixtures/invalid/ must produce its diagnostic code,
//! located at file:line:col with an underlined span, and never a panic. The rendered diagnostics
//! are snapshot-tested (tests/snapshots/invalid__*.snap).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use policyspace::diag::{self, Diag, ErrorFormat};
use policyspace::rulesets::Rulesets;
use std::path::{Path, PathBuf};

fn catalogue() -> Vec<(String, String)> {
    let text = std::fs::read_to_string("fixtures/invalid/CODES").unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            l.split_once(' ')
                .map(|(f, c)| (f.to_string(), c.trim().to_string()))
        })
        .collect()
}

/// Diagnostics for one bad input, as `policyspace lint FILE` / `check FILE` would report them.
fn diagnose(rel: &str) -> (Vec<Diag>, policyspace::source::Sources) {
    let path = PathBuf::from("fixtures/invalid").join(rel);
    if rel.ends_with(".json") {
        let rs = Rulesets::embedded().expect("embedded rulesets resolve");
        match rs.policies_from_file(&path) {
            Ok(_) => (Vec::new(), rs.sources),
            Err(e) => (e.diags, e.sources),
        }
    } else {
        let (loaded, _) = policyspace::cli::load_with_extras(None, &[path]);
        let (_, mut diags) = policyspace::resolve::resolve(&loaded);
        // Only what concerns the bad input (and what it imports): the shipped rulesets are clean.
        let sources = &loaded.sources;
        diags.retain(|d| {
            d.labels
                .iter()
                .any(|l| sources.name(l.span.file).starts_with("fixtures/"))
        });
        (diags, loaded.sources)
    }
}

#[test]
fn every_bad_input_reports_its_code_with_a_location() {
    let cases = catalogue();
    assert!(cases.len() >= 30, "the catalogue has {} cases", cases.len());
    let distinct: std::collections::BTreeSet<&String> = cases.iter().map(|(_, c)| c).collect();
    assert!(
        distinct.len() >= 30,
        "only {} distinct codes",
        distinct.len()
    );
    for (file, code) in &cases {
        let (diags, sources) = diagnose(file);
        assert!(
            diags.iter().any(|d| d.code == code),
            "{file}: expected {code}, got {:?}",
            diags.iter().map(|d| d.code).collect::<Vec<_>>()
        );
        let d = diags
            .iter()
            .find(|d| d.code == code)
            .expect("checked above");
        assert!(d.is_error(), "{file}: {code} must be an error");
        assert!(d.help.is_some(), "{file}: {code} has no help line");
        let span = d.primary().expect("a primary label");
        let loc = sources.location(span);
        assert!(
            loc.file.contains("fixtures/invalid"),
            "{file}: label points at {}",
            loc.file
        );
        let rendered = diag::render(&diags, &sources, ErrorFormat::Human, false, 100);
        assert!(
            rendered.contains(code.as_str()),
            "{file}: rendering lacks the code"
        );
        assert!(
            rendered.contains(&format!("{}:{}:{}", loc.file, loc.line, loc.column)),
            "{file}: rendering lacks file:line:col"
        );
        assert!(!rendered.contains("panicked"), "{file}: panic in rendering");
        insta::assert_snapshot!(snapshot_name(file), rendered);
    }
}

#[test]
fn the_catalogue_lists_every_file() {
    let listed: Vec<String> = catalogue().into_iter().map(|(f, _)| f).collect();
    for entry in std::fs::read_dir("fixtures/invalid")
        .expect("fixtures/invalid exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.path().is_file() && (name.ends_with(".pspace") || name.ends_with(".json")) {
            assert!(
                listed.contains(&name),
                "fixtures/invalid/{name} is not listed in CODES"
            );
        }
    }
    for (f, _) in catalogue() {
        assert!(
            Path::new("fixtures/invalid").join(&f).is_file(),
            "CODES lists a missing file {f}"
        );
    }
}

#[test]
fn pspace_fixtures_state_their_code() {
    for (file, code) in catalogue() {
        if file.ends_with(".pspace") {
            let text = std::fs::read_to_string(Path::new("fixtures/invalid").join(&file))
                .unwrap_or_default();
            assert!(
                text.starts_with(&format!("// expect: {code}")),
                "{file} should start with `// expect: {code}`"
            );
        }
    }
}

fn snapshot_name(file: &str) -> String {
    file.replace(['/', '.'], "_")
}
