//! A Markdown brief a non-programmer can read: verdict, conflicts with citations, open
//! questions, sources.

use super::{Report, status_meaning};
use crate::model::{Outcome, Status};
use std::fmt::Write as _;

pub fn render(r: &Report) -> String {
    let e = r.eval;
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", md(e.title));
    let inv = e
        .investment_date
        .map(|d| format!(", investments made on {d}"))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "Policy `{}` of {} ({}), assessed on {}{inv}.\n",
        e.policy,
        md(&r.country_name()),
        e.country,
        e.date
    );
    let _ = writeln!(
        o,
        "**Verdict: {}** — {}. ({})\n",
        e.verdict.as_str(),
        super::verdict_sentence(e.verdict),
        r.count_line()
    );

    let (conflicts, others): (Vec<_>, Vec<_>) = r.ordered().into_iter().partition(|f| {
        matches!(
            f.status,
            Status::Breach | Status::Conditional | Status::Tension
        )
    });
    let _ = writeln!(o, "## Conflicts\n");
    if conflicts.is_empty() {
        let _ = writeln!(o, "None on the stated facts.\n");
    } else {
        table(&mut o, &conflicts);
    }
    if !others.is_empty() {
        let _ = writeln!(o, "## Provisions that apply without conflict\n");
        table(&mut o, &others);
    }

    if !e.open_questions.is_empty() {
        let _ = writeln!(o, "## Open questions\n");
        let _ = writeln!(
            o,
            "These facts are not stated in the policy. Each answer could change the findings listed.\n"
        );
        for (i, q) in e.open_questions.iter().enumerate() {
            let _ = writeln!(o, "{}. **{}**", i + 1, md(&q.question));
            for a in &q.affects {
                let cite = r.affected_cite(a);
                let answers = super::answers_text(a);
                let _ = writeln!(
                    o,
                    "   - {} under {}: now {}{answers}",
                    md(a.measure),
                    md(&cite),
                    a.now.as_str()
                );
            }
        }
        o.push('\n');
    }

    let caveats: Vec<String> = e
        .findings
        .iter()
        .flat_map(|f| f.caveats.iter())
        .map(|c| {
            format!(
                "{} — {} reading{}",
                c.about,
                c.level.as_str(),
                c.reason
                    .as_ref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            )
        })
        .fold(Vec::new(), |mut v, s| {
            if !v.contains(&s) {
                v.push(s);
            }
            v
        });
    if !caveats.is_empty() {
        let _ = writeln!(o, "## Readings not verified\n");
        for c in caveats {
            let _ = writeln!(o, "- {}", md(&c));
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Sources\n");
    let mut seen = Vec::new();
    for f in &e.findings {
        if let Some(u) = &f.source_url
            && !seen.contains(u)
        {
            seen.push(*u);
            let _ = writeln!(o, "- {}: <{}>", md(&f.cite), u);
        }
    }
    let _ = writeln!(
        o,
        "\nStatuses: {}.",
        super::ORDER
            .iter()
            .map(|s| format!("*{}* — {}", s.as_str(), status_meaning(*s)))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let _ = writeln!(o, "\nRulesets: `{}`.", r.rulesets);
    o
}

fn table(o: &mut String, findings: &[&crate::eval::Finding]) {
    let _ = writeln!(o, "| Status | Measure | Provision | Partners | Why |");
    let _ = writeln!(o, "|---|---|---|---|---|");
    for f in findings {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            f.status.as_str(),
            md(f.measure),
            cite_link(f),
            md(&f.partners.join(", ")),
            md(&why(f))
        );
    }
    o.push('\n');
}

fn cite_link(f: &crate::eval::Finding) -> String {
    match &f.source_url {
        Some(u) => format!(
            "[{}]({})",
            md(&f.cite),
            u.replace(')', "%29").replace(' ', "%20")
        ),
        None => md(&f.cite),
    }
}

fn why(f: &crate::eval::Finding) -> String {
    let mut s = f.summary.to_string();
    let failed: Vec<String> = f
        .exceptions
        .iter()
        .filter(|d| d.status != Outcome::Holds || f.status == Status::Justified)
        .map(|d| format!("{} {}", d.cite, d.status.as_str()))
        .collect();
    if !failed.is_empty() {
        s.push_str(&format!(" ({})", failed.join(", ")));
    }
    s
}

/// Escape Markdown table and emphasis characters.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('\n', " ")
}
