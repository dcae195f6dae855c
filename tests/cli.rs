//! The command line as users run it: exit statuses (0 compatible, 1 conflict, 2 error,
//! 3 uncertain), output formats, colour rules, `fmt` safety, `parse --json`, `lint` and `test`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_policyspace"));
    c.env_remove("NO_COLOR").env("COLUMNS", "100");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("policyspace-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

const DS592: &str = "fixtures/policies/wto/ds592-indonesia-raw-materials.pspace";
const DS512: &str = "fixtures/policies/wto/ds512-russia-traffic-in-transit.pspace";
const BAUXITE: &str = "fixtures/policies/wto/idn-bauxite-export-ban-2023.pspace";

#[test]
fn check_exit_statuses_follow_the_verdict() {
    assert_eq!(run(&["check", DS592]).status.code(), Some(1), "conflict");
    assert_eq!(run(&["check", DS512]).status.code(), Some(0), "compatible");
    assert_eq!(run(&["check", BAUXITE]).status.code(), Some(3), "uncertain");
    let bad = run(&["check", "fixtures/invalid/unknown-country.pspace"]);
    assert_eq!(bad.status.code(), Some(2), "error in the input");
    assert!(stderr(&bad).contains("policyspace::resolve::unknown_country"));
    let missing = run(&["check", "no/such/file.pspace"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(!stderr(&missing).contains("panicked"));
    // Several policies: the most severe verdict decides.
    assert_eq!(run(&["check", DS512, DS592]).status.code(), Some(1));
    assert_eq!(run(&["check", DS512, BAUXITE]).status.code(), Some(3));
}

#[test]
fn check_formats() {
    let j = run(&["check", "--format", "json", DS592]);
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).expect("JSON output");
    assert_eq!(v["schema"], "policyspace/report/v1");
    assert_eq!(v["verdict"], "conflict");
    assert!(
        v["rulesets"]
            .as_str()
            .is_some_and(|h| h.starts_with("sha256:"))
    );
    let md = stdout(&run(&["check", "--format", "markdown", DS592]));
    assert!(
        md.starts_with("# ")
            && md.contains("**Verdict: conflict**")
            && md.contains("GATT 1994 Art. XI:1")
    );
    let html = stdout(&run(&["check", "--format", "html", DS592]));
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("</html>"));
    assert!(
        !html.contains("<script src") && !html.contains("<link rel=\"stylesheet\""),
        "the HTML report is self-contained"
    );
    let human = stdout(&run(&["check", DS592]));
    assert!(human.contains("verdict: CONFLICT") && human.contains("breach"));
    assert!(
        !human.contains('\x1b'),
        "no colour when not writing to a terminal"
    );
    let forced = stdout(&run(&["--color", "always", "check", DS592]));
    assert!(forced.contains('\x1b'), "--color always colours");
    let no_color = bin()
        .args(["--color", "auto", "check", DS592])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert!(!stdout(&no_color).contains('\x1b'));
}

#[test]
fn check_explain_all_and_date() {
    let explained = stdout(&run(&["check", "--explain", DS592]));
    assert!(explained.contains("trace:") && explained.contains("counts-as"));
    let all = run(&["check", "--all", "--format", "json", DS592]);
    let v: serde_json::Value = serde_json::from_slice(&all.stdout).expect("JSON");
    let na = v["findings"].as_array().map_or(0, |a| {
        a.iter().filter(|f| f["status"] == "not-applicable").count()
    });
    assert!(na > 0, "--all lists not-applicable findings");
    // Before Indonesia's membership the WTO binds nothing: the ban has no conflict on 1990-01-01.
    let early = run(&["check", "--date", "1990-01-01", "--format", "json", DS592]);
    let v: serde_json::Value = serde_json::from_slice(&early.stdout).expect("JSON");
    assert!(
        v["findings"]
            .as_array()
            .is_some_and(|a| a.iter().all(|f| f["instrument"] != "gatt-1994"))
    );
    let bad_date = run(&["check", "--date", "2026-02-30", DS592]);
    assert_eq!(bad_date.status.code(), Some(2));
    assert!(stderr(&bad_date).contains("February 2026 has 28 days"));
}

#[test]
fn check_output_is_byte_identical() {
    let a = run(&["check", "--format", "json", "--all", DS592]).stdout;
    let b = run(&["check", "--format", "json", "--all", DS592]).stdout;
    assert_eq!(a, b);
    let a = run(&["check", "--explain", DS592]).stdout;
    let b = run(&["check", "--explain", DS592]).stdout;
    assert_eq!(a, b);
}

#[test]
fn check_writes_a_report_file() {
    let d = tmp("report");
    let out = d.join("report.html");
    let o = run(&[
        "check",
        "--format",
        "html",
        "--output",
        out.to_str().expect("utf-8"),
        DS592,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(std::fs::read_to_string(&out).is_ok_and(|t| t.contains("<!DOCTYPE html>")));
}

#[test]
fn fmt_formats_keeps_comments_and_checks() {
    let d = tmp("fmt");
    let f = d.join("p.pspace");
    let messy = "// header comment\npolicy p \"P\" {   country IDN // trailing\n  date 2020-01-01\n\n\n  measure m {kind export-duty rate 10}\n}\n";
    std::fs::write(&f, messy).expect("write");
    let check = run(&["fmt", "--check", f.to_str().expect("utf-8")]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "--check reports a file to reformat"
    );
    assert_eq!(
        std::fs::read_to_string(&f).expect("read"),
        messy,
        "--check does not write"
    );
    assert_eq!(
        run(&["fmt", f.to_str().expect("utf-8")]).status.code(),
        Some(0)
    );
    let formatted = std::fs::read_to_string(&f).expect("read");
    assert!(
        formatted.contains("// header comment") && formatted.contains("// trailing"),
        "comments kept:\n{formatted}"
    );
    assert!(
        formatted.contains("\n  measure m { kind export-duty rate 10 }\n"),
        "{formatted}"
    );
    assert_eq!(
        run(&["fmt", "--check", f.to_str().expect("utf-8")])
            .status
            .code(),
        Some(0),
        "idempotent"
    );
    // A file that does not parse is reported and left untouched.
    let broken = d.join("broken.pspace");
    std::fs::write(&broken, "policy p \"unterminated {\n").expect("write");
    let o = run(&["fmt", broken.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("policyspace::parse::unterminated_string"));
    assert_eq!(
        std::fs::read_to_string(&broken).expect("read"),
        "policy p \"unterminated {\n"
    );
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("policyspace-tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn parse_prints_the_tree_as_json() {
    let o = run(&["parse", "--json", DS592]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON tree");
    assert!(v["items"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(
        v["comments"].as_array().is_some_and(|a| !a.is_empty()),
        "comments are in the tree"
    );
    assert!(
        v["items"][0]["span"]["start"].is_number(),
        "spans are in the tree"
    );
    let bad = run(&["parse", "--json", "fixtures/invalid/missing-comma.pspace"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn lint_and_test() {
    let ok = run(&["lint", "--deny-warnings"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let dir = run(&["lint", "--deny-warnings", "rulesets"]);
    assert_eq!(dir.status.code(), Some(0), "{}", stderr(&dir));
    let bad = run(&["lint", "fixtures/invalid/impossible-date.pspace"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("fixtures/invalid/impossible-date.pspace:4:8"));
    let json = run(&[
        "--error-format",
        "json",
        "lint",
        "fixtures/invalid/impossible-date.pspace",
    ]);
    let first = stderr(&json)
        .lines()
        .next()
        .map(str::to_string)
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&first).expect("one JSON object per line");
    assert_eq!(v["code"], "policyspace::resolve::invalid_date");
    assert_eq!(v["labels"][0]["line"], 4);
    let plain = run(&[
        "--error-format",
        "plain",
        "lint",
        "fixtures/invalid/impossible-date.pspace",
    ]);
    assert!(
        !stderr(&plain).contains('╭'),
        "plain output has no box drawing"
    );
    let t = run(&["test"]);
    assert_eq!(t.status.code(), Some(0), "{}", stdout(&t));
    assert!(stdout(&t).contains("0 failed"));
    let f = run(&["test", "fixtures/policies"]);
    assert_eq!(f.status.code(), Some(0), "{}", stdout(&f));
}

#[test]
fn a_failing_test_exits_1_and_shows_expected_and_found() {
    let d = tmp("failing");
    let f = d.join("t.pspace");
    std::fs::write(
        &f,
        "test \"wrong on purpose\" {\n  policy p \"P\" {\n    country IDN\n    date 2020-01-01\n    measure m { kind export-duty products [\"2604\"] rate 10 }\n  }\n  expect finding m gatt-1994.\"XI:1\" breach\n}\n",
    )
    .expect("write");
    let o = run(&["test", f.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("FAIL wrong on purpose")
            && out.contains("expected:")
            && out.contains("found:"),
        "{out}"
    );
}

#[test]
fn json_policies_are_checked_like_pspace_ones() {
    let j = run(&[
        "check",
        "--format",
        "json",
        "fixtures/policies/wto/ds592-indonesia-raw-materials.json",
    ]);
    assert_eq!(j.status.code(), Some(1));
    let bad = run(&["check", "fixtures/invalid/json-unknown-field.json"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("json-unknown-field.json:6:57"));
}

#[test]
fn help_and_version() {
    assert_eq!(run(&["--help"]).status.code(), Some(0));
    assert_eq!(run(&["--version"]).status.code(), Some(0));
    assert_eq!(run(&["no-such-command"]).status.code(), Some(2));
    let _ = Path::new(DS592);
}

#[test]
fn space_command() {
    let base = [
        "space",
        "--country",
        "IDN",
        "--objective",
        "domestic-value-addition",
        "--products",
        "2604",
        "--date",
        "2024-01-01",
    ];
    let o = run(&base);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("export-prohibition") && text.contains("blocked by GATT 1994 Art. XI:1"),
        "{text}"
    );
    let mut json_args = base.to_vec();
    json_args.extend(["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&run(&json_args).stdout).expect("JSON");
    assert_eq!(v["schema"], "policyspace/report/v1");
    assert_eq!(v["kind"], "space");
    assert!(
        v["space"]["options"]
            .as_array()
            .is_some_and(|a| a.len() > 5)
    );
    let mut html_args = base.to_vec();
    html_args.extend(["--format", "html"]);
    let html = stdout(&run(&html_args));
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains("id=\"legend\"")
            && !html.contains("<script src")
    );
    let mut md_args = base.to_vec();
    md_args.extend(["--format", "markdown"]);
    assert!(stdout(&run(&md_args)).starts_with("# Policy space"));
    let mut with = base.to_vec();
    with.extend(["--with", "fixtures/drafts/raw-materials-chapter.pspace"]);
    let w = run(&with);
    assert_eq!(w.status.code(), Some(0), "{}", stderr(&w));
    assert!(stdout(&w).contains("The price in policy space of signing"));
    let bloc = run(&[
        "space",
        "--countries",
        "COD,ZMB,ZWE",
        "--objective",
        "domestic-value-addition",
        "--products",
        "2605",
        "--date",
        "2025-06-01",
    ]);
    assert!(stdout(&bloc).contains("open to all:"));
    let world = run(&[
        "space",
        "--world",
        "--products",
        "2604",
        "--date",
        "2025-01-01",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&world.stdout).expect("JSON");
    assert_eq!(v["kind"], "world-map");
    let bad = run(&["space", "--country", "IDN", "--objective", "value-addition"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("domestic-value-addition"),
        "the message lists the objectives"
    );
    let bad_country = run(&["space", "--country", "IDX", "--objective", "revenue"]);
    assert_eq!(bad_country.status.code(), Some(2));
    let bad_without = run(&[
        "space",
        "--country",
        "IDN",
        "--objective",
        "revenue",
        "--without",
        "rcpe",
    ]);
    assert_eq!(bad_without.status.code(), Some(2));
    assert!(stderr(&bad_without).contains("did you mean `rcep`?"));
}
