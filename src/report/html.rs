//! A self-contained HTML report (one file, no external resources, readable offline).

use super::{ORDER, Report, status_meaning};
use crate::model::Status;
use std::fmt::Write as _;

/// Escape text for HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The colour of a status (shared with the policy-space heatmap).
pub fn status_color(s: Status) -> &'static str {
    match s {
        Status::Breach => "#c0392b",
        Status::Conditional => "#e67e22",
        Status::Tension => "#8e44ad",
        Status::Justified => "#2980b9",
        Status::Compatible => "#27ae60",
        Status::NotApplicable => "#95a5a6",
    }
}

pub const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
.meta { color: #555; margin-top: 0; }
.verdict { font-size: 1.15rem; padding: .6rem .9rem; border-radius: .4rem; color: #fff; display: inline-block; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: .92rem; }
th, td { border: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
.status { color: #fff; font-weight: 600; padding: .1rem .4rem; border-radius: .25rem; white-space: nowrap; }
details { margin: .4rem 0; }
summary { cursor: pointer; }
code, .trace { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; }
.trace td { border-color: #eee; }
.legend span { display: inline-block; margin-right: 1rem; }
.swatch { display: inline-block; width: .9rem; height: .9rem; border-radius: .2rem; vertical-align: middle; margin-right: .3rem; }
"#;

pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

pub fn badge(s: Status) -> String {
    format!(
        "<span class=\"status\" style=\"background:{}\">{}</span>",
        status_color(s),
        s.as_str()
    )
}

pub fn legend() -> String {
    let mut o = String::from("<p class=\"legend\" id=\"legend\">");
    for s in ORDER {
        let _ = write!(
            o,
            "<span title=\"{}\"><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            esc(status_meaning(s)),
            status_color(s),
            s.as_str()
        );
    }
    o.push_str("</p>\n");
    o
}

pub fn render(r: &Report) -> String {
    let e = r.eval;
    let mut b = String::new();
    let _ = writeln!(b, "<h1>{}</h1>", esc(e.title));
    let inv = e
        .investment_date
        .map(|d| format!(" · investments made {d}"))
        .unwrap_or_default();
    let _ = writeln!(
        b,
        "<p class=\"meta\">Policy <code>{}</code> · {} ({}) · assessed on {}{} · rulesets <code>{}</code></p>",
        esc(e.policy),
        esc(&r.country_name()),
        esc(e.country),
        e.date,
        esc(&inv),
        esc(r.rulesets)
    );
    let vcol = match e.verdict {
        crate::model::Verdict::Conflict => status_color(Status::Breach),
        crate::model::Verdict::Uncertain => status_color(Status::Conditional),
        crate::model::Verdict::Compatible => status_color(Status::Compatible),
    };
    let _ = writeln!(
        b,
        "<p class=\"verdict\" style=\"background:{vcol}\">Verdict: {} — {}</p>",
        e.verdict.as_str(),
        esc(super::verdict_sentence(e.verdict))
    );
    let _ = writeln!(b, "<p>{}</p>", esc(&r.count_line()));
    b.push_str(&legend());
    let _ = writeln!(
        b,
        "<h2>Findings</h2>\n<table id=\"findings\">\n<tr><th>Status</th><th>Measure</th><th>Provision</th><th>Partners</th><th>Why</th></tr>"
    );
    for f in r.ordered() {
        let cite = match &f.source_url {
            Some(u) => format!("<a href=\"{}\">{}</a>", esc(u), esc(&f.cite)),
            None => esc(&f.cite),
        };
        let mut why = esc(&f.summary);
        for d in &f.exceptions {
            let _ = write!(
                why,
                "<br><small>{} {} <b>{}</b>{}</small>",
                d.kind.as_str(),
                esc(&d.cite),
                d.status.as_str(),
                if d.because.is_empty() {
                    String::new()
                } else {
                    format!(": {}", esc(&d.because.join("; ")))
                }
            );
        }
        for c in &f.caveats {
            let _ = write!(
                why,
                "<br><small><i>{} reading: {}</i></small>",
                c.level.as_str(),
                esc(c.reason.as_deref().unwrap_or(&c.about))
            );
        }
        let mut trace = String::from("<details><summary>trace</summary><table class=\"trace\">");
        for s in &f.trace {
            let at = s
                .span
                .map(|sp| r.location(sp).to_string())
                .unwrap_or_default();
            let _ = write!(
                trace,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(s.step),
                esc(&s.result),
                esc(&s.detail),
                esc(&at)
            );
        }
        trace.push_str("</table></details>");
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{cite}</td><td>{}</td><td>{why}{trace}</td></tr>",
            badge(f.status),
            esc(f.measure),
            esc(&f.partners.join(", "))
        );
    }
    b.push_str("</table>\n");
    if !e.open_questions.is_empty() {
        b.push_str("<h2>Open questions</h2>\n<ol>\n");
        for q in &e.open_questions {
            let _ = write!(
                b,
                "<li><b>{}</b> <code>{}</code><ul>",
                esc(&q.question),
                esc(q.fact)
            );
            for a in &q.affects {
                let cite = r.affected_cite(a);
                let answers = super::answers_text(a);
                let _ = write!(
                    b,
                    "<li>{} under {}: now {}{}</li>",
                    esc(a.measure),
                    esc(&cite),
                    a.now.as_str(),
                    esc(&answers)
                );
            }
            b.push_str("</ul></li>\n");
        }
        b.push_str("</ol>\n");
    }
    page(e.title, &b)
}
