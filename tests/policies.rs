//! The policy fixtures: each is checked against the embedded rulesets, and its human and JSON
//! reports are snapshot-tested (tests/snapshots/policies__*.snap). Beyond the snapshots, the
//! suite asserts verdicts, that the fixtures cover every status and the cases issue #3 names,
//! that JSON twins give the same findings as their .pspace form, and that output is
//! byte-identical from run to run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use policyspace::eval::{Evaluation, Options};
use policyspace::model::{Status, Verdict};
use policyspace::report::{Report, human, json};
use policyspace::rulesets::{LoadedPolicies, Rulesets};
use std::path::{Path, PathBuf};

fn rulesets() -> &'static Rulesets {
    static RS: std::sync::OnceLock<Rulesets> = std::sync::OnceLock::new();
    RS.get_or_init(|| Rulesets::embedded().expect("embedded rulesets"))
}

fn fixture_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(Path::new("fixtures/policies"), &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("fixtures/policies").flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "pspace" || x == "json") {
            out.push(p);
        }
    }
}

/// Every fixture that defines policies, loaded.
fn loaded() -> Vec<(PathBuf, LoadedPolicies)> {
    fixture_files()
        .into_iter()
        .filter_map(|p| match rulesets().policies_from_file(&p) {
            Ok(lp) => Some((p, lp)),
            Err(e)
                if e.diags
                    .iter()
                    .all(|d| d.code == "policyspace::policy::no_policy") =>
            {
                None
            }
            Err(e) => panic!(
                "{}: {:?}",
                p.display(),
                e.diags
                    .iter()
                    .map(|d| format!("{}: {}", d.code, d.message))
                    .collect::<Vec<_>>()
            ),
        })
        .collect()
}

fn evaluate(lp: &LoadedPolicies, all: bool) -> Vec<Evaluation<'_>> {
    let model = lp.model(rulesets());
    lp.policies
        .iter()
        .map(|p| {
            policyspace::eval::check(
                model,
                p,
                &Options {
                    all,
                    ..Options::default()
                },
            )
        })
        .collect()
}

fn human_text(lp: &LoadedPolicies, ev: &Evaluation, explain: bool) -> String {
    let r = Report {
        eval: ev,
        model: lp.model(rulesets()),
        sources: &lp.sources,
        rulesets: "sha256:[rulesets]",
        explain,
    };
    human::render(&r, false, 100)
}

fn json_value(lp: &LoadedPolicies, ev: &Evaluation) -> serde_json::Value {
    let r = Report {
        eval: ev,
        model: lp.model(rulesets()),
        sources: &lp.sources,
        rulesets: "sha256:[rulesets]",
        explain: false,
    };
    json::value(&r)
}

#[test]
fn reports_match_their_snapshots() {
    let all = loaded();
    assert!(all.len() >= 12, "only {} policy fixtures", all.len());
    for (path, lp) in &all {
        // JSON twins are compared with their .pspace form below, not snapshotted twice.
        if path.extension().is_some_and(|x| x == "json") && path.with_extension("pspace").is_file()
        {
            continue;
        }
        for (p, ev) in lp.policies.iter().zip(evaluate(lp, false)) {
            assert!(
                p.date.is_some(),
                "{}: a fixture must state its date, or its report changes every day",
                path.display()
            );
            let stem = path
                .strip_prefix("fixtures/policies")
                .unwrap_or(path)
                .display()
                .to_string()
                .replace(['/', '.'], "_");
            let name = format!("{stem}__{}", p.id);
            insta::assert_snapshot!(format!("{name}__human"), human_text(lp, &ev, false));
            insta::assert_snapshot!(format!("{name}__json"), json_lines(&json_value(lp, &ev)));
        }
    }
}

/// The JSON report with one finding (and one open question) per line, traces left out (they are
/// snapshotted once, through --explain): compact enough to read in review.
fn json_lines(v: &serde_json::Value) -> String {
    let mut head = v.clone();
    let mut out = String::new();
    if let Some(o) = head.as_object_mut() {
        let findings = o.remove("findings").unwrap_or_default();
        let questions = o.remove("open_questions").unwrap_or_default();
        out.push_str(&serde_json::to_string(&head).unwrap_or_default());
        out.push_str("\nfindings:\n");
        for mut f in findings.as_array().cloned().unwrap_or_default() {
            if let Some(fo) = f.as_object_mut() {
                fo.remove("trace");
            }
            out.push_str(&serde_json::to_string(&f).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("open_questions:\n");
        for q in questions.as_array().cloned().unwrap_or_default() {
            out.push_str(&serde_json::to_string(&q).unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

#[test]
fn explain_shows_the_trace() {
    let lp = rulesets()
        .policies_from_file(Path::new(
            "fixtures/policies/wto/ds592-indonesia-raw-materials.pspace",
        ))
        .expect("DS592 fixture");
    let ev = &evaluate(&lp, false)[0];
    let text = human_text(&lp, ev, true);
    for step in [
        "trace:",
        "binding",
        "counts-as",
        "carve-out",
        "exception",
        "outcome",
    ] {
        assert!(text.contains(step), "--explain output lacks `{step}`");
    }
    insta::assert_snapshot!("ds592__explain", text);
}

#[test]
fn verdicts_of_the_main_fixtures() {
    let expect: &[(&str, Verdict)] = &[
        (
            "wto/ds592-indonesia-raw-materials.pspace",
            Verdict::Conflict,
        ),
        ("wto/ds394-china-raw-materials.pspace", Verdict::Conflict),
        ("wto/ds456-india-solar-cells.pspace", Verdict::Conflict),
        (
            "wto/ds412-canada-renewable-energy.pspace",
            Verdict::Conflict,
        ),
        (
            "wto/ds512-russia-traffic-in-transit.pspace",
            Verdict::Compatible,
        ),
        ("wto/idn-bauxite-export-ban-2023.pspace", Verdict::Uncertain),
        ("investment/mobil-murphy-v-canada.pspace", Verdict::Conflict),
        ("investment/sd-myers-v-canada.pspace", Verdict::Uncertain),
    ];
    for (file, verdict) in expect {
        let lp = rulesets()
            .policies_from_file(&Path::new("fixtures/policies").join(file))
            .unwrap_or_else(|e| panic!("{file}: {:?}", e.diags));
        let ev = &evaluate(&lp, false)[0];
        assert_eq!(ev.verdict, *verdict, "{file}");
        assert_eq!(
            ev.verdict.exit_code(),
            match verdict {
                Verdict::Compatible => 0,
                Verdict::Conflict => 1,
                Verdict::Uncertain => 3,
            }
        );
    }
}

#[test]
fn the_fixtures_cover_every_status_and_the_required_cases() {
    let mut seen = std::collections::BTreeSet::new();
    let (mut sunset, mut tension, mut partners, mut questions, mut twins) =
        (false, false, false, false, 0);
    for (path, lp) in loaded() {
        if path.extension().is_some_and(|x| x == "json") {
            twins += 1;
        }
        for ev in evaluate(&lp, true) {
            questions |= !ev.open_questions.is_empty();
            for f in &ev.findings {
                seen.insert(f.status);
                tension |= f.status == Status::Tension && !f.binding;
                partners |= !f.partners.is_empty() && f.status == Status::Breach;
                sunset |= f
                    .trace
                    .iter()
                    .any(|s| s.step == "binding" && s.detail.contains("survival clause"));
            }
        }
    }
    for s in [
        Status::Breach,
        Status::Conditional,
        Status::Justified,
        Status::Compatible,
        Status::Tension,
        Status::NotApplicable,
    ] {
        assert!(seen.contains(&s), "no fixture produces `{}`", s.as_str());
    }
    assert!(sunset, "no sunset case");
    assert!(tension, "no MOU tension case");
    assert!(partners, "no bilateral case with partners");
    assert!(questions, "no case with open questions");
    assert!(twins >= 6, "only {twins} JSON fixtures");
}

/// A finding reduced to what both forms of a policy must agree on.
fn essence<'a>(ev: &Evaluation<'a>) -> Vec<(&'a str, &'a str, &'a str, Vec<&'a str>, Status)> {
    let mut v: Vec<_> = ev
        .findings
        .iter()
        .map(|f| {
            (
                f.measure,
                f.instrument,
                f.article,
                f.partners.clone(),
                f.status,
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn json_twins_give_the_same_findings() {
    let mut compared = 0;
    for path in fixture_files() {
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let twin = path.with_extension("pspace");
        let j = rulesets()
            .policies_from_file(&path)
            .unwrap_or_else(|e| panic!("{}: {:?}", path.display(), e.diags));
        let p = rulesets()
            .policies_from_file(&twin)
            .unwrap_or_else(|e| panic!("{}: {:?}", twin.display(), e.diags));
        let jev = &evaluate(&j, true)[0];
        let pev = evaluate(&p, true)
            .into_iter()
            .find(|e| e.policy == jev.policy)
            .unwrap_or_else(|| {
                panic!(
                    "{}: no policy `{}` in the .pspace twin",
                    path.display(),
                    jev.policy
                )
            });
        assert_eq!(jev.verdict, pev.verdict, "{}", path.display());
        assert_eq!(essence(jev), essence(&pev), "{}", path.display());
        assert_eq!(
            jev.open_questions.len(),
            pev.open_questions.len(),
            "{}",
            path.display()
        );
        compared += 1;
    }
    assert!(compared >= 6);
}

#[test]
fn reports_are_byte_identical_from_run_to_run() {
    for (_, lp) in loaded().into_iter().take(6) {
        let a = evaluate(&lp, true);
        let b = evaluate(&lp, true);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(human_text(&lp, x, true), human_text(&lp, y, true));
            assert_eq!(
                json_value(&lp, x).to_string(),
                json_value(&lp, y).to_string()
            );
            let r = |e| Report {
                eval: e,
                model: lp.model(rulesets()),
                sources: &lp.sources,
                rulesets: "h",
                explain: false,
            };
            assert_eq!(
                policyspace::report::markdown::render(&r(x)),
                policyspace::report::markdown::render(&r(y))
            );
            assert_eq!(
                policyspace::report::html::render(&r(x)),
                policyspace::report::html::render(&r(y))
            );
        }
    }
}

#[test]
fn the_json_report_has_the_stable_fields() {
    let lp = rulesets()
        .policies_from_file(Path::new(
            "fixtures/policies/wto/ds592-indonesia-raw-materials.json",
        ))
        .expect("DS592 JSON fixture");
    let ev = &evaluate(&lp, false)[0];
    let v = json_value(&lp, ev);
    for k in [
        "schema",
        "policy",
        "country",
        "date",
        "rulesets",
        "verdict",
        "findings",
        "open_questions",
    ] {
        assert!(v.get(k).is_some(), "report lacks `{k}`");
    }
    assert_eq!(v["schema"], "policyspace/report/v1");
    let f = &v["findings"][0];
    for k in [
        "measure",
        "instrument",
        "article",
        "cite",
        "status",
        "binding",
        "partners",
        "exceptions",
        "source",
        "trace",
    ] {
        assert!(f.get(k).is_some(), "finding lacks `{k}`");
    }
    for k in ["file", "line", "column"] {
        assert!(f["source"].get(k).is_some(), "finding source lacks `{k}`");
    }
    let e = &f["exceptions"][0];
    for k in ["article", "status", "because"] {
        assert!(e.get(k).is_some(), "exception lacks `{k}`");
    }
}
