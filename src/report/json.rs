//! The JSON report, schema `policyspace/report/v1` (field names are stable; see docs/report-json.md).

use super::Report;
use crate::eval::{DefenceResult, Finding};
use serde_json::{Value, json};

pub const SCHEMA: &str = "policyspace/report/v1";

pub fn value(r: &Report) -> Value {
    let e = r.eval;
    let summary: serde_json::Map<String, Value> = r
        .counts()
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    json!({
        "schema": SCHEMA,
        "policy": e.policy,
        "title": e.title,
        "country": e.country,
        "date": e.date,
        "investment_date": e.investment_date,
        "rulesets": r.rulesets,
        "verdict": e.verdict,
        "summary": summary,
        "findings": e.findings.iter().map(|f| finding(r, f)).collect::<Vec<_>>(),
        "open_questions": e.open_questions,
    })
}

pub fn render(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&value(r)).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn finding(r: &Report, f: &Finding) -> Value {
    let loc = r.location(f.span);
    json!({
        "measure": f.measure,
        "instrument": f.instrument,
        "article": f.article,
        "cite": f.cite,
        "title": f.title,
        "status": f.status,
        "binding": f.binding,
        "prima_facie": f.prima_facie,
        "partners": f.partners,
        "summary": f.summary,
        "exceptions": f.exceptions.iter().map(defence).collect::<Vec<_>>(),
        "questions": f.questions,
        "caveats": f.caveats,
        "enforcement": f.enforcement,
        "source": {
            "file": loc.file,
            "line": loc.line,
            "column": loc.column,
            "url": f.source_url,
        },
        "trace": f.trace.iter().map(|s| {
            let mut v = json!({"step": s.step, "result": s.result, "detail": s.detail});
            if let Some(span) = s.span {
                let l = r.location(span);
                v["at"] = json!(format!("{}:{}:{}", l.file, l.line, l.column));
            }
            v
        }).collect::<Vec<_>>(),
    })
}

fn defence(d: &DefenceResult) -> Value {
    json!({
        "instrument": d.instrument,
        "article": d.article,
        "cite": d.cite,
        "kind": d.kind,
        "title": d.title,
        "status": d.status,
        "because": d.because,
        "conditions": d.conditions.iter().map(defence).collect::<Vec<_>>(),
    })
}
