//! The grammar and its guide cannot drift from the parser: every example in grammar/README.md
//! parses, formats stably, and every keyword of the grammar is one the parser knows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use policyspace::source::FileId;
use policyspace::syntax::{format, parse, parser::Ctx};

fn examples() -> Vec<(usize, String)> {
    let text = std::fs::read_to_string("grammar/README.md").expect("grammar/README.md exists");
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim() == "```pspace" => current = Some((n + 2, String::new())),
            Some(_) if line.trim() == "```" => {
                if let Some(c) = current.take() {
                    out.push(c);
                }
            }
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    out
}

#[test]
fn every_example_in_the_guide_parses() {
    let ex = examples();
    assert!(ex.len() >= 10, "only {} examples found", ex.len());
    for (line, text) in &ex {
        let (_, errors) = parse(text, FileId(0));
        assert!(
            errors.is_empty(),
            "grammar/README.md example at line {line} does not parse: {errors:?}"
        );
    }
}

#[test]
fn every_example_formats_stably() {
    for (line, text) in examples() {
        let once =
            format::format(&text).unwrap_or_else(|e| panic!("example at line {line}: {e:?}"));
        let twice = format::format(&once)
            .unwrap_or_else(|e| panic!("example at line {line}, second pass: {e:?}"));
        assert_eq!(
            once, twice,
            "formatting the example at line {line} is not idempotent"
        );
    }
}

#[test]
fn every_example_resolves_against_the_shipped_vocabulary() {
    // Examples that define instruments already shipped are renamed, so they can be resolved on top.
    for (line, text) in examples() {
        let text = format!("\n{text}");
        let text = text
            .replace("instrument gatt-1994 ", "instrument example-gatt ")
            .replace("instrument scm ", "instrument example-scm ")
            .replace("instrument ect ", "instrument example-ect ")
            .replace("instrument wto-accession-chn ", "instrument example-chn ")
            .replace("instrument bit-arg-usa-1991 ", "instrument example-bit-a ")
            .replace("instrument bit-bol-usa-1998 ", "instrument example-bit-b ")
            .replace("group ldc ", "group example-ldc ")
            .replace("group wto-members ", "group example-members ")
            .replace("\nfact temporary ", "\nfact example-temporary ")
            .replace("\nfact critical-shortage ", "\nfact example-shortage ")
            .replace("\nfact local-share", "\nfact example-share")
            .replace("\nfact enforcement-body", "\nfact example-body")
            .replace(
                "category local-services-purchase ",
                "category example-services ",
            )
            .replace(
                "measure-kind domestic-processing-requirement ",
                "measure-kind example-dpr ",
            )
            .replace(
                "objective domestic-value-addition ",
                "objective example-dva ",
            )
            .replace("products nickel ", "products example-nickel ")
            .replace("products critical-minerals ", "products example-cm ")
            .replace("include nickel", "include example-nickel")
            .replace("policy idn-nickel-ore-2020 ", "policy example-idn ")
            .replace("country IDN \"Indonesia\"", "")
            .replace("country COD \"Congo, Democratic Republic of the\"", "");
        let dir =
            std::env::temp_dir().join(format!("policyspace-grammar-{}-{line}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("example.pspace");
        std::fs::write(&path, &text).expect("write example");
        let (loaded, _) = policyspace::cli::load_with_extras(None, &[path]);
        let (_, diags) = policyspace::resolve::resolve(&loaded);
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        // Instruments in isolated examples reference each other (XI:1 lists XX(g) defined beside it),
        // so only unknown *vocabulary* would be a drift between the guide and the shipped rulesets.
        let drift: Vec<_> = errors
            .iter()
            .filter(|e| {
                e.contains("unknown_fact")
                    || e.contains("unknown_measure_kind")
                    || e.contains("unknown_country")
                    || e.contains("parse::")
            })
            .collect();
        assert!(drift.is_empty(), "example at line {line}: {drift:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn the_ebnf_names_every_statement_keyword() {
    let ebnf = std::fs::read_to_string("grammar/pspace.ebnf").expect("grammar/pspace.ebnf exists");
    let all = [
        Ctx::Top,
        Ctx::Group,
        Ctx::Fact,
        Ctx::Kind,
        Ctx::Objective,
        Ctx::OptionBody,
        Ctx::Products,
        Ctx::Instrument,
        Ctx::Provision,
        Ctx::Defence,
        Ctx::Cap,
        Ctx::Policy,
        Ctx::Measure,
        Ctx::Test,
    ];
    for ctx in all {
        for kw in ctx.keywords() {
            assert!(
                ebnf.contains(&format!("\"{kw}\"")),
                "the grammar does not mention the keyword \"{kw}\" ({})",
                ctx.describe()
            );
        }
    }
}
