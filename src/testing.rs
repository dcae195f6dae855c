//! Running the test cases written in rulesets and policy files (`policyspace test`).

use crate::eval::{self, Evaluation, Options};
use crate::model::*;
use crate::source::Span;

/// The result of one test case.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TestResult {
    pub name: String,
    pub passed: bool,
    /// One line per failed expectation: expected vs found.
    pub failures: Vec<Failure>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Failure {
    pub expected: String,
    pub found: String,
    #[serde(skip)]
    pub span: Span,
}

/// Run a test case against a model. `extra` holds policies defined outside the rulesets.
pub fn run(model: &Model, t: &TestCase, extra: &[Policy]) -> TestResult {
    let policy = match &t.policy {
        TestPolicy::Inline(p) => Some(p.as_ref()),
        TestPolicy::Named(id, _) => model
            .policies
            .get(id)
            .or_else(|| extra.iter().find(|p| p.id == *id)),
    };
    let Some(policy) = policy else {
        return TestResult {
            name: t.name.clone(),
            passed: false,
            failures: vec![Failure {
                expected: "a policy to check".into(),
                found: "none".into(),
                span: t.span,
            }],
            span: t.span,
        };
    };
    let ev = eval::check(
        model,
        policy,
        &Options {
            all: true,
            ..Options::default()
        },
    );
    let failures: Vec<Failure> = t.expects.iter().filter_map(|e| check_one(&ev, e)).collect();
    TestResult {
        name: t.name.clone(),
        passed: failures.is_empty(),
        failures,
        span: t.span,
    }
}

fn check_one(ev: &Evaluation, e: &Expect) -> Option<Failure> {
    match e {
        Expect::Verdict(v, span) => (ev.verdict != *v).then(|| Failure {
            expected: format!("verdict {}", v.as_str()),
            found: format!("verdict {}", ev.verdict.as_str()),
            span: *span,
        }),
        Expect::Finding {
            measure,
            instrument,
            article,
            status,
            partner,
            span,
        } => {
            let matching: Vec<&eval::Finding> = ev
                .findings
                .iter()
                .filter(|f| {
                    f.measure == *measure && f.instrument == *instrument && f.article == *article
                })
                .filter(|f| {
                    partner
                        .as_ref()
                        .is_none_or(|p| f.partners.contains(&p.as_str()))
                })
                .collect();
            let ok = if matching.is_empty() {
                // A provision that was not even considered is not applicable.
                *status == Status::NotApplicable
            } else {
                matching.iter().all(|f| f.status == *status)
            };
            let who = partner
                .as_ref()
                .map(|p| format!(" (partner {p})"))
                .unwrap_or_default();
            (!ok).then(|| Failure {
                expected: format!(
                    "{measure} × {instrument}.\"{article}\"{who}: {}",
                    status.as_str()
                ),
                found: if matching.is_empty() {
                    "no finding (the provision was not considered for this measure)".into()
                } else {
                    matching
                        .iter()
                        .map(|f| {
                            let p = if f.partners.is_empty() {
                                String::new()
                            } else {
                                format!(" [{}]", f.partners.join(", "))
                            };
                            format!("{}{p} — {}", f.status.as_str(), f.summary)
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                },
                span: *span,
            })
        }
        Expect::Defence {
            measure,
            instrument,
            article,
            defence,
            outcome,
            span,
        } => {
            let found: Vec<Outcome> = ev
                .findings
                .iter()
                .filter(|f| {
                    f.measure == *measure && f.instrument == *instrument && f.article == *article
                })
                .flat_map(|f| f.exceptions.iter())
                .filter(|d| d.instrument == defence.instrument && d.article == defence.label)
                .map(|d| d.status)
                .collect();
            let ok = !found.is_empty() && found.iter().all(|o| o == outcome);
            (!ok).then(|| Failure {
                expected: format!(
                    "{measure} × {instrument}.\"{article}\": {}.\"{}\" {}",
                    defence.instrument,
                    defence.label,
                    outcome.as_str()
                ),
                found: if found.is_empty() {
                    "the defence was not tried (the finding stopped earlier, or does not list it)"
                        .into()
                } else {
                    found
                        .iter()
                        .map(|o| o.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                span: *span,
            })
        }
        Expect::Question(fact, span) => {
            let ok = ev.open_questions.iter().any(|q| q.fact == *fact);
            (!ok).then(|| Failure {
                expected: format!("open question `{fact}`"),
                found: if ev.open_questions.is_empty() {
                    "no open questions".into()
                } else {
                    format!(
                        "open questions: {}",
                        ev.open_questions
                            .iter()
                            .map(|q| q.fact)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                span: *span,
            })
        }
    }
}
