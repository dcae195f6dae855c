//! Rendering evaluations: the human terminal report (miette), JSON (schema
//! `policyspace/report/v1`), a Markdown brief and a self-contained HTML page. All renderers read
//! the same [`Report`]; output is deterministic (same inputs, same bytes).

pub mod cli;
pub mod html;
pub mod human;
pub mod json;
pub mod markdown;
pub mod space;

use crate::eval::Evaluation;
use crate::model::{Model, Status};
use crate::source::{Location, Sources};

/// An evaluation with what renderers need around it.
pub struct Report<'a> {
    pub eval: &'a Evaluation<'a>,
    pub model: &'a Model,
    pub sources: &'a Sources,
    /// The rulesets' content hash.
    pub rulesets: &'a str,
    pub explain: bool,
}

impl<'a> Report<'a> {
    pub fn country_name(&self) -> String {
        self.model
            .countries
            .get(self.eval.country)
            .map_or(self.eval.country.to_string(), |c| c.name.clone())
    }

    pub fn location(&self, span: crate::source::Span) -> Location {
        self.sources.location(span)
    }

    /// Findings in reading order: conflicts first, then by measure and instrument order.
    pub fn ordered(&self) -> Vec<&'a crate::eval::Finding<'a>> {
        let mut v: Vec<&'a crate::eval::Finding<'a>> = self.eval.findings.iter().collect();
        v.sort_by_key(|f| status_rank(f.status));
        v
    }

    /// The citation of the provision an open question affects.
    pub fn affected_cite(&self, a: &crate::eval::Affected) -> String {
        self.model
            .instruments
            .get(a.instrument)
            .map_or(a.article.to_string(), |i| i.citation(a.article))
    }

    pub fn counts(&self) -> Vec<(Status, usize)> {
        ORDER
            .iter()
            .map(|s| {
                (
                    *s,
                    self.eval.findings.iter().filter(|f| f.status == *s).count(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// "2 breaches, 1 conditional".
    pub fn count_line(&self) -> String {
        let parts: Vec<String> = self
            .counts()
            .iter()
            .map(|(s, n)| plural_status(*s, *n))
            .collect();
        if parts.is_empty() {
            "no provision applies".into()
        } else {
            parts.join(", ")
        }
    }
}

pub const ORDER: [Status; 6] = [
    Status::Breach,
    Status::Conditional,
    Status::Tension,
    Status::Justified,
    Status::Compatible,
    Status::NotApplicable,
];

pub fn status_rank(s: Status) -> usize {
    ORDER.iter().position(|x| *x == s).unwrap_or(ORDER.len())
}

/// " — if yes: breach; if no: compatible", when both answers are known.
pub fn answers_text(a: &crate::eval::Affected) -> String {
    match (a.if_yes, a.if_no) {
        (Some(y), Some(n)) => format!(" — if yes: {}; if no: {}", y.as_str(), n.as_str()),
        _ => String::new(),
    }
}

pub fn plural_status(s: Status, n: usize) -> String {
    match (s, n) {
        (Status::Breach, 1) => "1 breach".into(),
        (Status::Breach, n) => format!("{n} breaches"),
        (Status::Tension, 1) => "1 tension".into(),
        (Status::Tension, n) => format!("{n} tensions"),
        (s, n) => format!("{n} {}", s.as_str()),
    }
}

/// What a verdict means, in plain words.
pub fn verdict_sentence(v: crate::model::Verdict) -> &'static str {
    match v {
        crate::model::Verdict::Conflict => {
            "the policy conflicts with at least one binding treaty provision"
        }
        crate::model::Verdict::Uncertain => {
            "no breach on the stated facts, but open questions could turn a finding into a breach"
        }
        crate::model::Verdict::Compatible => {
            "no binding treaty provision is breached on the stated facts"
        }
    }
}

/// What a status means, in plain words (for legends).
pub fn status_meaning(s: Status) -> &'static str {
    match s {
        Status::Breach => {
            "the provision applies, the measure is within what it prohibits, and no exception holds on the stated facts"
        }
        Status::Conditional => {
            "a breach unless facts that are not stated are shown (see the open questions)"
        }
        Status::Justified => "prima facie a breach, but an exception holds on the stated facts",
        Status::Compatible => "the provision applies and the measure is outside what it prohibits",
        Status::Tension => "conflicts with a non-binding instrument: political, not legal",
        Status::NotApplicable => "not in force for this country on this date, or out of scope",
    }
}
