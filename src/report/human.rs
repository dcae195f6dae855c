//! The terminal report: a summary table first, then each finding as a miette diagnostic with
//! labels in the policy file and in the ruleset line of the provision, then open questions.

use super::{Report, plural_status};
use crate::diag::{self, Diag, ErrorFormat, Severity};
use crate::eval::{DefenceResult, Finding};
use crate::model::{Outcome, Status};
use std::fmt::Write as _;

pub fn render(r: &Report, color: bool, width: usize) -> String {
    let e = r.eval;
    let mut o = String::new();
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let _ = writeln!(o, "{} — {}", paint("1", e.policy), e.title);
    let inv = e
        .investment_date
        .map(|d| format!(" · investments made {d}"))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "{} ({}) · on {}{inv} · rulesets {}",
        e.country,
        r.country_name(),
        e.date,
        short_hash(r.rulesets)
    );
    let verdict = e.verdict.as_str().to_uppercase();
    let vcol = match e.verdict {
        crate::model::Verdict::Conflict => "1;31",
        crate::model::Verdict::Uncertain => "1;33",
        crate::model::Verdict::Compatible => "1;32",
    };
    let _ = writeln!(
        o,
        "\nverdict: {} — {} ({})",
        paint(vcol, &verdict),
        super::verdict_sentence(e.verdict),
        r.count_line()
    );

    // Summary table.
    if !e.findings.is_empty() {
        let rows: Vec<[String; 4]> = r
            .ordered()
            .iter()
            .map(|f| {
                [
                    f.status.as_str().to_string(),
                    f.measure.to_string(),
                    f.cite.clone(),
                    f.partners.join(", "),
                ]
            })
            .collect();
        let heads = ["status", "measure", "provision", "partners"];
        let mut w = heads.map(str::len);
        for row in &rows {
            for (i, c) in row.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |cells: [&str; 4]| {
            let mut s = String::from(" ");
            for (i, c) in cells.iter().enumerate() {
                s.push_str(c);
                if i < 3 {
                    s.push_str(&" ".repeat(w[i] - c.chars().count() + 2));
                }
            }
            s.trim_end().to_string()
        };
        let _ = writeln!(o, "\n{}", line(heads));
        for row in &rows {
            let _ = writeln!(o, "{}", line([&row[0], &row[1], &row[2], &row[3]]));
        }
    }

    // Each finding that needs reading: conflicts, open findings and justifications (compatible and
    // not-applicable ones are in the table; `--explain` details every finding).
    for f in r.ordered().into_iter().filter(|f| {
        r.explain
            || matches!(
                f.status,
                Status::Breach | Status::Conditional | Status::Tension | Status::Justified
            )
    }) {
        o.push('\n');
        let d = finding_diag(f);
        let text = diag::render(
            std::slice::from_ref(&d),
            r.sources,
            ErrorFormat::Human,
            color,
            width,
        );
        // The location line is redundant with miette's own header.
        let text = text
            .split_once('\n')
            .map_or(text.as_str(), |(_, rest)| rest)
            .to_string();
        o.push_str(&text);
        if r.explain {
            o.push_str(&explain(r, f));
        }
    }

    if !e.open_questions.is_empty() {
        let _ = writeln!(o, "\nopen questions ({}):", e.open_questions.len());
        for (i, q) in e.open_questions.iter().enumerate() {
            let _ = writeln!(o, "  {}. {} [{}]", i + 1, q.question, q.fact);
            for a in &q.affects {
                let partners = if a.partners.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", a.partners.join(", "))
                };
                let answers = match (a.if_yes, a.if_no) {
                    (Some(y), Some(n)) if y != a.now || n != a.now => {
                        format!("; yes → {}, no → {}", y.as_str(), n.as_str())
                    }
                    (Some(_), Some(_)) => "; not decisive alone".to_string(),
                    _ => String::new(),
                };
                let cite = r.affected_cite(a);
                let _ = writeln!(
                    o,
                    "     affects {} × {cite}{partners}: now {}{answers}",
                    a.measure,
                    a.now.as_str()
                );
            }
        }
    }
    o
}

fn short_hash(h: &str) -> String {
    let hex = h.trim_start_matches("sha256:");
    format!("sha256:{}", hex.get(..12).unwrap_or(hex))
}

/// A finding as a diagnostic: the measure in the policy file, the provision in the rulesets.
fn finding_diag(f: &Finding) -> Diag {
    let severity = match f.status {
        Status::Breach => Severity::Error,
        Status::Conditional | Status::Tension => Severity::Warning,
        _ => Severity::Advice,
    };
    let title = f
        .title
        .as_ref()
        .map(|t| format!(" — {t}"))
        .unwrap_or_default();
    let partners = if f.partners.is_empty() {
        String::new()
    } else {
        format!(" [partners: {}]", f.partners.join(", "))
    };
    let mut d = Diag {
        code: status_code(f.status),
        severity,
        message: format!("{}: {}{title}{partners}", f.status.as_str(), f.cite),
        labels: Vec::new(),
        help: None,
    };
    if let Some(ms) = f.measure_span {
        d = d.label(ms, format!("measure `{}`", f.measure));
    }
    d = d.label(f.span, f.cite.clone());
    let mut help = f.summary.to_string();
    for x in &f.exceptions {
        let _ = write!(help, "\n{}", defence_line(x, 0));
    }
    for c in &f.caveats {
        let _ = write!(
            help,
            "\n{} reading: {}{}",
            c.level.as_str(),
            c.about,
            c.reason
                .as_ref()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default()
        );
    }
    if let Some(url) = &f.source_url {
        let _ = write!(help, "\nsource: {url}");
    }
    d.help(help)
}

fn status_code(s: Status) -> &'static str {
    match s {
        Status::Breach => "policyspace::finding::breach",
        Status::Conditional => "policyspace::finding::conditional",
        Status::Justified => "policyspace::finding::justified",
        Status::Compatible => "policyspace::finding::compatible",
        Status::Tension => "policyspace::finding::tension",
        Status::NotApplicable => "policyspace::finding::not_applicable",
    }
}

fn defence_line(d: &DefenceResult, depth: usize) -> String {
    let mark = match d.status {
        Outcome::Holds => "holds",
        Outcome::Fails => "fails",
        Outcome::Unknown => "unknown",
    };
    let pad = "  ".repeat(depth);
    let mut s = format!("{pad}{} {} {mark}", d.kind.as_str(), d.cite);
    if !d.because.is_empty() {
        let _ = write!(s, ": {}", d.because.join("; "));
    }
    s
}

fn explain(r: &Report, f: &Finding) -> String {
    let mut o = String::from("  trace:\n");
    for s in &f.trace {
        let at = s
            .span
            .map(|sp| format!("  ({})", r.location(sp)))
            .unwrap_or_default();
        let _ = writeln!(o, "    {:<10} {:<8} {}{at}", s.step, s.result, s.detail);
    }
    o
}

/// A one-line summary per policy, for checks of several policies.
pub fn one_line(r: &Report) -> String {
    let counts: Vec<String> = r
        .counts()
        .iter()
        .map(|(s, n)| plural_status(*s, *n))
        .collect();
    format!(
        "{}: {} ({})",
        r.eval.policy,
        r.eval.verdict.as_str(),
        counts.join(", ")
    )
}
