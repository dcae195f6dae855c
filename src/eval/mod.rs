//! Evaluation: a policy × the instruments binding its country on its date → findings, each with
//! the trace of why (design.md §4).
//!
//! The evaluator is linear: provisions are looked up by measure kind and instruments by country
//! in the model's index; nothing is searched.

pub mod logic;

use crate::date::Date;
use crate::model::*;
use crate::source::Span;
use logic::{Env, T3, counts_as, eval, explain, relevant_unknowns};
use serde::Serialize;
use std::borrow::Cow;

/// The pseudo-fact for an unknown investment date (sunset questions).
pub const INVESTMENT_DATE_QUESTION: &str = "investment-date";

/// Open questions that are not declared facts: attributes of the measure or the policy.
pub const BUILTIN_QUESTIONS: &[&str] = &[
    INVESTMENT_DATE_QUESTION,
    "rate",
    "products",
    "imposed-as",
    "targets",
    "objective",
];

/// Evaluation options.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Evaluate on this date instead of the policy's.
    pub date: Option<Date>,
    /// Keep `not-applicable` findings.
    pub all: bool,
    /// Counterfactual terminations: instrument id → the day termination takes effect. Survival
    /// periods still bind investments made before.
    pub terminate: Vec<(String, Date)>,
    /// Statuses only: no trace, reasons or citations (for analyses that evaluate many
    /// variants, such as the policy-space matrix).
    pub brief: bool,
    /// Leave out what each answer to an open question would give (`if_yes` / `if_no`).
    pub no_answers: bool,
}

/// What is evaluated: one measure of a policy, on a date, under options.
#[derive(Clone, Copy, Debug)]
pub struct Case<'a, 'o> {
    pub model: &'a Model,
    pub policy: &'a Policy,
    pub measure: &'a Measure,
    pub date: Date,
    pub opts: &'o Options,
}

/// Hypothetical answers to open questions, for "what if" evaluations.
#[derive(Clone, Copy, Debug, Default)]
pub struct WhatIf<'a> {
    /// A yes/no fact and its answer.
    pub fact: Option<(&'a str, bool)>,
    /// When the investments were made.
    pub investment: Option<Date>,
}

/// Collects the trace when explanations are wanted; a no-op otherwise (what-if and policy-space
/// evaluations need only the status).
struct Tracer {
    on: bool,
    steps: Vec<Step>,
}

impl Tracer {
    fn new(on: bool) -> Tracer {
        Tracer {
            on,
            steps: Vec::new(),
        }
    }
    fn push(
        &mut self,
        step: &'static str,
        result: impl FnOnce() -> String,
        detail: impl FnOnce() -> String,
        span: Option<Span>,
    ) {
        if self.on {
            self.steps.push(Step {
                step,
                result: result(),
                detail: detail(),
                span,
            });
        }
    }
    fn extend(&mut self, steps: impl IntoIterator<Item = Step>) {
        if self.on {
            self.steps.extend(steps);
        }
    }
}

/// The result of checking one policy.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation<'a> {
    pub policy: &'a str,
    pub title: &'a str,
    pub country: &'a str,
    pub date: Date,
    pub investment_date: Option<Date>,
    pub verdict: Verdict,
    pub findings: Vec<Finding<'a>>,
    pub open_questions: Vec<OpenQuestion<'a>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding<'a> {
    pub measure: &'a str,
    pub instrument: &'a str,
    pub article: &'a str,
    pub cite: String,
    pub title: Option<&'a str>,
    pub status: Status,
    pub binding: bool,
    pub partners: Vec<&'a str>,
    /// One line: why this status.
    pub summary: Cow<'static, str>,
    /// Carve-outs and exceptions tried, in order.
    pub exceptions: Vec<DefenceResult<'a>>,
    /// Facts whose value is unknown and could change this finding.
    pub questions: Vec<&'a str>,
    /// Readings this finding rests on that are not verified.
    pub caveats: Vec<CaveatNote>,
    pub enforcement: Option<Enforcement>,
    pub source_url: Option<&'a str>,
    pub trace: Vec<Step>,
    /// For each question: the status if the answer is yes / no (bool facts and the investment date).
    #[serde(skip)]
    pub effects: Vec<(&'a str, Option<Status>, Option<Status>)>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub measure_span: Option<Span>,
    /// The provision applies and the measure is within what it prohibits, before carve-outs
    /// and exceptions: a breach unless one of them is shown to hold.
    pub prima_facie: bool,
    /// The questions on which the provision's application itself turns (binding, kind, scope,
    /// elements), as opposed to those of its carve-outs and exceptions.
    #[serde(skip)]
    pub scope_questions: Vec<&'a str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DefenceResult<'a> {
    pub instrument: &'a str,
    pub article: &'a str,
    pub cite: String,
    pub kind: DefenceKind,
    pub title: Option<&'a str>,
    pub status: Outcome,
    pub because: Vec<String>,
    /// Shared general conditions (the Art. XX chapeau) and their outcomes.
    pub conditions: Vec<DefenceResult<'a>>,
    /// The unknown facts that leave the outcome open.
    #[serde(skip)]
    pub open: Vec<&'a str>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct CaveatNote {
    pub level: Confidence,
    pub about: String,
    pub reason: Option<String>,
}

/// One event of the evaluation (design: one trace, many views).
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub step: &'static str,
    pub result: String,
    pub detail: String,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OpenQuestion<'a> {
    pub fact: &'a str,
    pub question: Cow<'a, str>,
    pub help: Option<&'a str>,
    /// The findings the answer could change, with the status each answer would give.
    pub affects: Vec<Affected<'a>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Affected<'a> {
    pub measure: &'a str,
    pub instrument: &'a str,
    pub article: &'a str,
    pub partners: Vec<&'a str>,
    pub now: Status,
    /// Status if the answer is yes / no (bool facts and the investment date only).
    pub if_yes: Option<Status>,
    pub if_no: Option<Status>,
}

/// Check a policy against the model.
pub fn check<'a>(model: &'a Model, policy: &'a Policy, opts: &Options) -> Evaluation<'a> {
    let date = opts.date.or(policy.date).unwrap_or_else(Date::today);
    let mut findings = Vec::with_capacity(64);
    let empty = Vec::new();
    let mine = model
        .index
        .instruments_by_country
        .get(&policy.country)
        .unwrap_or(&empty);
    for m in &policy.measures {
        let case = Case {
            model,
            policy,
            measure: m,
            date,
            opts,
        };
        // Every kind the measure can count as (through conditional `counts-as` too).
        let Some(reach) = model.index.counts_as.get(&m.kind) else {
            continue;
        };
        for &ii in mine {
            let Some((_, inst)) = model.instruments.get_index(ii) else {
                continue;
            };
            for prov in inst.provisions.values() {
                if !prov.kinds().any(|k| reach.contains(k)) {
                    continue;
                }
                for mut f in evaluate_provision(case, inst, prov, !opts.brief, WhatIf::default()) {
                    if opts.all || f.status != Status::NotApplicable {
                        if opts.no_answers {
                            f.effects = f.questions.iter().map(|q| (*q, None, None)).collect();
                        } else {
                            refine_questions(case, inst, prov, &mut f);
                        }
                        findings.push(f);
                    }
                }
            }
        }
    }
    let verdict = verdict_of(&findings);
    let open_questions = open_questions(model, &findings);
    Evaluation {
        policy: &policy.id,
        title: &policy.title,
        country: &policy.country,
        date,
        investment_date: policy.investment_date,
        verdict,
        findings,
        open_questions,
    }
}

pub fn verdict_of(findings: &[Finding<'_>]) -> Verdict {
    if findings.iter().any(|f| f.status == Status::Breach) {
        Verdict::Conflict
    } else if findings.iter().any(|f| f.status == Status::Conditional) {
        Verdict::Uncertain
    } else {
        Verdict::Compatible
    }
}

/// Whether an instrument binds a country (or a country pair) on a date.
#[derive(Clone, Debug, PartialEq)]
pub enum Binding {
    InForce {
        since: Option<Date>,
    },
    /// Terminated, but within the survival period; binds investments made before `terminated`.
    Sunset {
        terminated: Date,
        until: Date,
        investment: Option<Date>,
    },
    NotYet {
        from: Option<Date>,
    },
    Ended {
        terminated: Date,
        survival_end: Option<Date>,
        investment_after: bool,
    },
}

impl Binding {
    /// True, false, or unknown (a sunset with no investment date).
    pub fn t3(&self) -> T3 {
        match self {
            Binding::InForce { .. } => T3::True,
            Binding::Sunset {
                investment: Some(_),
                ..
            } => T3::True,
            Binding::Sunset {
                investment: None, ..
            } => T3::Unknown,
            _ => T3::False,
        }
    }
    pub fn describe(&self, who: &str) -> String {
        match self {
            Binding::InForce { since: Some(d) } => format!("in force for {who} since {d}"),
            Binding::InForce { since: None } => format!("in force for {who}"),
            Binding::Sunset {
                terminated,
                until,
                investment: Some(i),
            } => {
                format!(
                    "terminated for {who} on {terminated}; its survival clause protects investments made before then (these were made on {i}) until {until}"
                )
            }
            Binding::Sunset {
                terminated,
                until,
                investment: None,
            } => format!(
                "terminated for {who} on {terminated}; its survival clause protects investments made before then until {until}, and the policy does not say when the investments were made"
            ),
            Binding::NotYet { from: Some(d) } => {
                format!("not in force for {who} on this date (in force from {d})")
            }
            Binding::NotYet { from: None } => format!("not in force for {who}"),
            Binding::Ended {
                terminated,
                survival_end: Some(e),
                investment_after: false,
            } => {
                format!("terminated for {who} on {terminated}; its survival period ended on {e}")
            }
            Binding::Ended {
                terminated,
                investment_after: true,
                ..
            } => {
                format!(
                    "terminated for {who} on {terminated}; the investments were made after termination, so the survival clause does not protect them"
                )
            }
            Binding::Ended { terminated, .. } => format!("terminated for {who} on {terminated}"),
        }
    }
}

/// The binding state of an instrument between `in_force` and `terminated`.
pub fn binding(
    inst: &Instrument,
    in_force: Option<Date>,
    terminated: Option<Date>,
    date: Date,
    investment: Option<Date>,
) -> Binding {
    if inst.draft {
        return Binding::InForce { since: None };
    }
    let Some(start) = in_force else {
        return Binding::NotYet { from: None };
    };
    if date < start {
        return Binding::NotYet { from: Some(start) };
    }
    match terminated {
        Some(t) if date >= t => match inst.survival_years {
            Some(y) if y > 0.0 && date < t.add_years(y) => match investment {
                Some(i) if i >= t => Binding::Ended {
                    terminated: t,
                    survival_end: Some(t.add_years(y)),
                    investment_after: true,
                },
                _ => Binding::Sunset {
                    terminated: t,
                    until: t.add_years(y),
                    investment,
                },
            },
            Some(y) => Binding::Ended {
                terminated: t,
                survival_end: Some(t.add_years(y)),
                investment_after: false,
            },
            None => Binding::Ended {
                terminated: t,
                survival_end: None,
                investment_after: false,
            },
        },
        _ => Binding::InForce { since: Some(start) },
    }
}

fn min_date(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_date(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        _ => None,
    }
}

/// The findings of one measure under one provision: one per group of partners that end the same way.
pub fn evaluate_provision<'a>(
    case: Case<'a, '_>,
    inst: &'a Instrument,
    prov: &'a Provision,
    detail: bool,
    what_if: WhatIf<'a>,
) -> Vec<Finding<'a>> {
    let Case {
        policy,
        measure: m,
        date,
        opts,
        ..
    } = case;
    let Some(me) = inst.parties.get(&policy.country) else {
        return Vec::new();
    };
    let investment = what_if.investment.or(policy.investment_date);
    let cut = opts
        .terminate
        .iter()
        .find(|(id, _)| *id == inst.id)
        .map(|(_, d)| *d);
    let my_end = min_date(me.terminated, cut);
    let mut out: Vec<Finding> = Vec::new();
    match inst.partners {
        PartnersMode::None => {
            let b = binding(inst, me.in_force, my_end, date, investment);
            out.push(finding(case, inst, prov, &b, None, detail, what_if));
        }
        PartnersMode::All | PartnersMode::Investors => {
            let mut any = false;
            for (code, partner) in &inst.parties {
                if *code == policy.country {
                    continue;
                }
                if inst.partners == PartnersMode::Investors && !targets_partner(m, code) {
                    continue;
                }
                any = true;
                // Between two parties the treaty runs from the later entry into force to the
                // earlier termination.
                let b = binding(
                    inst,
                    max_date(me.in_force, partner.in_force),
                    min_date(my_end, partner.terminated),
                    date,
                    investment,
                );
                let f = finding(case, inst, prov, &b, Some(code), detail, what_if);
                merge(&mut out, f);
            }
            if !any {
                let b = binding(inst, me.in_force, my_end, date, investment);
                let mut f = finding(case, inst, prov, &b, None, detail, what_if);
                if b.t3() != T3::False {
                    f.status = Status::NotApplicable;
                    f.summary = "the measure does not target investors of any other party".into();
                    f.trace.push(Step {
                        step: "partners",
                        result: "none".into(),
                        detail: "no other party's investors are targeted by the measure".into(),
                        span: None,
                    });
                }
                out.push(f);
            }
        }
    }
    out
}

/// Whether a measure reaches the investors of `partner`.
fn targets_partner(m: &Measure, partner: &str) -> bool {
    match &m.targets {
        Some(Targets::InvestorsOf(list)) => list.iter().any(|c| c == partner),
        _ => true,
    }
}

/// Add a per-partner finding, merging it with an identical one for other partners.
fn merge<'a>(out: &mut Vec<Finding<'a>>, f: Finding<'a>) {
    if let Some(g) = out.iter_mut().find(|g| same_outcome(g, &f)) {
        g.partners.extend(f.partners);
        g.partners.sort();
        return;
    }
    out.push(f);
}

fn same_outcome(a: &Finding, b: &Finding) -> bool {
    a.status == b.status
        && a.summary_key() == b.summary_key()
        && a.questions == b.questions
        && a.exceptions.len() == b.exceptions.len()
        && a.exceptions
            .iter()
            .zip(&b.exceptions)
            .all(|(x, y)| x.status == y.status && x.because == y.because)
}

impl Finding<'_> {
    /// The summary with partner names removed, for grouping.
    fn summary_key(&self) -> String {
        let mut s = self.summary.to_string();
        for p in &self.partners {
            s = s.replace(p, "");
        }
        s
    }
}

/// Evaluate one measure × provision for one partner (or none).
#[allow(clippy::too_many_arguments)]
fn finding<'a>(
    case: Case<'a, '_>,
    inst: &'a Instrument,
    prov: &'a Provision,
    b: &Binding,
    partner: Option<&'a String>,
    detail: bool,
    what_if: WhatIf<'a>,
) -> Finding<'a> {
    let Case {
        model,
        policy,
        measure: m,
        date,
        ..
    } = case;
    let env = Env {
        model,
        policy,
        measure: m,
        date,
        partner: partner.map(String::as_str),
        fact_override: what_if.fact,
        investment: what_if.investment.or(policy.investment_date),
    };
    let who = || match partner {
        Some(p) => format!("{} and {p}", policy.country),
        None => policy.country.clone(),
    };
    let mut tr = Tracer::new(detail);
    // Every unknown met on the way (`unknown`), and those that leave the outcome open (`open`).
    let mut unknown: Vec<&str> = Vec::new();
    let mut open: Vec<&'a str> = Vec::new();
    let note_open = |v: Vec<&'a str>, open: &mut Vec<&'a str>| {
        for u in v {
            if !open.contains(&u) {
                open.push(u);
            }
        }
    };
    let mut caveats = Vec::new();
    if detail {
        if let Some(c) = &inst.caveat {
            caveats.push(note(c, &inst.id));
        }
        if let Some(c) = &prov.caveat {
            caveats.push(note(c, &inst.citation(&prov.label)));
        }
    }

    // 1. Is the instrument binding between these parties on this date?
    let bind = b.t3();
    tr.push(
        "binding",
        || bind.as_str().to_string(),
        || b.describe(&who()),
        Some(inst.span),
    );
    if bind == T3::Unknown {
        open.push(INVESTMENT_DATE_QUESTION);
    }
    let mut result = Outcome3 {
        status: Status::NotApplicable,
        summary: Cow::Borrowed(""),
    };
    let mut defences = Vec::new();
    let mut prima_facie = false;
    let mut scope_open: Vec<&'a str> = Vec::new();
    'eval: {
        if bind == T3::False {
            result.summary = if detail {
                b.describe(&who()).into()
            } else {
                Cow::Borrowed("")
            };
            break 'eval;
        }
        // 2. Does the measure's kind fall under what the provision names?
        let mut kind_unknown = Vec::new();
        let (kind_t, kind_steps) = kind_test(&env, prov, &mut kind_unknown, detail);
        tr.extend(kind_steps);
        if kind_t == T3::Unknown {
            note_open(kind_unknown, &mut open);
        }
        if kind_t == T3::False {
            result.summary = lazy(detail, || {
                format!(
                    "`{}` is not a kind of measure this provision covers",
                    m.kind
                )
            });
            break 'eval;
        }
        // 3. Scope.
        let scope = match &prov.scope {
            Some(c) => {
                let v = eval(c, &env, &mut unknown);
                tr.push(
                    "scope",
                    || v.as_str().to_string(),
                    || reasons_line(c, &env),
                    Some(c.span),
                );
                let mut r = Vec::new();
                relevant_unknowns(c, &env, &mut r);
                note_open(r, &mut open);
                v
            }
            None => T3::True,
        };
        if scope == T3::False {
            result.summary = lazy(detail, || {
                format!(
                    "out of scope: {}",
                    prov.scope
                        .as_ref()
                        .map_or(String::new(), |c| reasons_line(c, &env))
                )
            });
            break 'eval;
        }
        let applies = bind.and(kind_t).and(scope);

        // 4. An express permission.
        let permitted = prov
            .permits
            .iter()
            .map(|k| counts_as(&env, &m.kind, k, None, &mut unknown, 0))
            .fold(T3::False, T3::or);
        let prohibited_kind = prov
            .prohibits
            .iter()
            .map(|k| counts_as(&env, &m.kind, k, None, &mut unknown, 0))
            .fold(T3::False, T3::or);
        let capped_kind = prov.cap.as_ref().map_or(T3::False, |c| {
            counts_as(&env, &m.kind, &c.kind, None, &mut unknown, 0)
        });
        if permitted != T3::False && prohibited_kind == T3::False && capped_kind == T3::False {
            result.status = Status::Compatible;
            result.summary = lazy(detail, || {
                format!("expressly permitted by {}", inst.citation(&prov.label))
            });
            tr.push(
                "permits",
                || permitted.as_str().to_string(),
                || {
                    format!(
                        "the provision expressly permits {}",
                        prov.permits.join(", ")
                    )
                },
                Some(prov.span),
            );
            break 'eval;
        }

        // 5. The elements of a breach: a prohibited kind, or a rate above the cap; and `requires`.
        let mut elements = prohibited_kind;
        if capped_kind != T3::False
            && let Some(cap) = &prov.cap
        {
            let (over, step) = cap_test(cap, m, detail);
            tr.extend(step);
            if over.is_none() && prohibited_kind == T3::False {
                result.summary = "no product of the measure is covered by the cap".into();
                break 'eval;
            }
            let over = over.unwrap_or(T3::False);
            if over == T3::Unknown && m.rate.is_none() {
                open.push("rate");
            }
            elements = elements.or(capped_kind.and(over));
        }
        if let Some(r) = &prov.requires {
            let v = eval(r, &env, &mut unknown);
            tr.push(
                "requires",
                || v.as_str().to_string(),
                || reasons_line(r, &env),
                Some(r.span),
            );
            let mut rel = Vec::new();
            relevant_unknowns(r, &env, &mut rel);
            note_open(rel, &mut open);
            elements = elements.and(v);
        }
        if elements == T3::False {
            result.status = Status::Compatible;
            result.summary = match (&prov.cap, capped_kind) {
                (Some(_), T3::True) if prohibited_kind == T3::False => {
                    "the rate is within the maximum".into()
                }
                _ => "the measure is outside what the provision prohibits".into(),
            };
            break 'eval;
        }

        // 6. Carve-outs limit the provision's reach.
        let mut carve = T3::False;
        for r in &prov.carve_outs {
            let d = defence(&env, model, r, &mut unknown, &mut caveats, 0, detail);
            tr.push(
                "carve-out",
                || d.status.as_str().to_string(),
                || format!("{}: {}", d.cite, d.because.join("; ")),
                Some(d.span),
            );
            carve = carve.or(outcome_t3(d.status));
            defences.push(d);
        }
        if carve == T3::Unknown {
            for d in defences.iter().filter(|d| d.status == Outcome::Unknown) {
                note_open(d.open.clone(), &mut open);
            }
        }
        prima_facie = applies.and(elements) == T3::True;
        scope_open = open.clone();
        let prima = applies.and(elements).and(carve.not());
        if prima == T3::False {
            result.status = Status::Compatible;
            result.summary = match defences.iter().find(|d| d.status == Outcome::Holds) {
                Some(d) => lazy(detail, || {
                    format!("outside the provision: {} holds", d.cite)
                }),
                None => "the measure is outside what the provision prohibits".into(),
            };
            break 'eval;
        }

        // 7. Exceptions justify a breach.
        let mut exc = T3::False;
        for r in &prov.exceptions {
            let d = defence(&env, model, r, &mut unknown, &mut caveats, 0, detail);
            tr.push(
                "exception",
                || d.status.as_str().to_string(),
                || format!("{}: {}", d.cite, d.because.join("; ")),
                Some(d.span),
            );
            exc = exc.or(outcome_t3(d.status));
            defences.push(d);
        }
        if exc == T3::Unknown {
            for d in defences
                .iter()
                .filter(|d| d.kind == DefenceKind::Exception && d.status == Outcome::Unknown)
            {
                note_open(d.open.clone(), &mut open);
            }
        }
        result = match (prima, exc) {
            (_, T3::True) => Outcome3 {
                status: Status::Justified,
                summary: lazy(detail, || {
                    format!(
                        "justified: {} holds",
                        defences
                            .iter()
                            .filter(
                                |d| d.kind == DefenceKind::Exception && d.status == Outcome::Holds
                            )
                            .map(|d| d.cite.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
            },
            (T3::True, T3::False) => Outcome3 {
                status: Status::Breach,
                summary: if prov.exceptions.is_empty() {
                    "within the prohibition, and no exception is available".into()
                } else {
                    "within the prohibition, and no exception holds on the stated facts".into()
                },
            },
            _ => Outcome3 {
                status: Status::Conditional,
                summary: "a breach unless facts that are not stated are shown".into(),
            },
        };
    }

    if !inst.binding && matches!(result.status, Status::Breach | Status::Conditional) {
        result.summary = lazy(detail, || {
            format!(
                "{} (a non-binding instrument: political, not legal)",
                result.summary
            )
        });
        result.status = Status::Tension;
    }
    tr.push(
        "outcome",
        || result.status.as_str().to_string(),
        || result.summary.to_string(),
        None,
    );
    // The unknowns that leave a conditional finding open; `check` records what each answer gives.
    let _ = unknown;
    let mut questions = Vec::new();
    if matches!(result.status, Status::Conditional | Status::Tension) {
        for q in open {
            if !questions.contains(&q) {
                questions.push(q);
            }
        }
    }
    Finding {
        measure: &m.id,
        instrument: &inst.id,
        article: &prov.label,
        cite: if detail {
            inst.citation(&prov.label)
        } else {
            String::new()
        },
        title: prov.title.as_deref(),
        status: result.status,
        binding: inst.binding,
        partners: partner.map(|p| vec![p.as_str()]).unwrap_or_default(),
        summary: result.summary,
        exceptions: defences,
        questions,
        caveats: dedup_caveats(caveats),
        enforcement: prov.enforcement.or(inst.enforcement),
        source_url: prov.source.as_deref().or_else(|| {
            prov.from
                .as_ref()
                .and_then(|f| model.instruments.get(&f.instrument))
                .and_then(|i| {
                    i.provisions
                        .get(&prov.label)
                        .or_else(|| prov.from.as_ref().and_then(|f| i.provisions.get(&f.label)))
                })
                .and_then(|p| p.source.as_deref())
        }),
        trace: tr.steps,
        effects: Vec::new(),
        span: prov.span,
        measure_span: m.kind_span.or(m.span),
        prima_facie,
        scope_questions: if matches!(result.status, Status::Conditional | Status::Tension) {
            if prima_facie { Vec::new() } else { scope_open }
        } else {
            Vec::new()
        },
    }
}

/// A summary line, built only when explanations are wanted.
fn lazy(detail: bool, f: impl FnOnce() -> String) -> Cow<'static, str> {
    if detail {
        Cow::Owned(f())
    } else {
        Cow::Borrowed("")
    }
}

struct Outcome3 {
    status: Status,
    summary: Cow<'static, str>,
}

fn note(c: &Caveat, about: &str) -> CaveatNote {
    CaveatNote {
        level: c.level,
        about: about.to_string(),
        reason: c.reason.clone(),
    }
}

fn dedup_caveats(mut v: Vec<CaveatNote>) -> Vec<CaveatNote> {
    v.retain(|c| c.level != Confidence::Verified);
    let mut seen = Vec::new();
    v.retain(|c| {
        let key = (c.about.clone(), c.reason.clone());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    v
}

fn outcome_t3(o: Outcome) -> T3 {
    match o {
        Outcome::Holds => T3::True,
        Outcome::Fails => T3::False,
        Outcome::Unknown => T3::Unknown,
    }
}

fn reasons_line(c: &crate::model::Cond, env: &Env) -> String {
    let r = explain(c, env);
    if r.is_empty() {
        format!("`{}`", c.text)
    } else {
        r.join("; ")
    }
}

/// The kind test, with the `counts-as` chain for the trace.
fn kind_test<'a>(
    env: &Env<'a>,
    prov: &'a Provision,
    unknown: &mut Vec<&'a str>,
    detail: bool,
) -> (T3, Vec<Step>) {
    let mut best = T3::False;
    let mut best_path = Vec::new();
    let mut best_target = "";
    for k in prov.kinds() {
        let mut path = Vec::new();
        let v = counts_as(
            env,
            &env.measure.kind,
            k,
            detail.then_some(&mut path),
            unknown,
            0,
        );
        if v != T3::False && (best == T3::False || (best == T3::Unknown && v == T3::True)) {
            best = v;
            best_path = path;
            best_target = k.as_str();
        }
    }
    let mut steps = Vec::new();
    if !detail {
        return (best, steps);
    }
    if best == T3::False {
        steps.push(Step {
            step: "kind",
            result: "false".into(),
            detail: format!(
                "`{}` does not count as any of: {}",
                env.measure.kind,
                prov.kinds().cloned().collect::<Vec<_>>().join(", ")
            ),
            span: Some(prov.span),
        });
        return (best, steps);
    }
    if best_path.is_empty() {
        steps.push(Step {
            step: "kind",
            result: "true".into(),
            detail: format!("the provision names `{best_target}`"),
            span: Some(prov.span),
        });
    }
    for (from, to, w) in best_path {
        let edge = env
            .model
            .kinds
            .get(from)
            .and_then(|k| k.counts_as.iter().find(|c| c.target == to));
        let mut detail = format!("`{from}` counts as `{to}`");
        if let Some(e) = edge {
            if let Some(c) = &e.when {
                detail.push_str(&format!(" when {} ({})", c.text, reasons_line(c, env)));
            }
            if let Some(b) = &e.because {
                detail.push_str(&format!(" — {b}"));
            }
        }
        steps.push(Step {
            step: "counts-as",
            result: w.as_str().into(),
            detail,
            span: edge.map(|e| e.span),
        });
    }
    (best, steps)
}

/// Whether a rate exceeds the cap: `None` if no product of the measure is covered.
fn cap_test(cap: &Cap, m: &Measure, detail: bool) -> (Option<T3>, Option<Step>) {
    let mut covered = Vec::new();
    let products: Vec<String> = if m.products.is_empty() {
        vec![String::new()]
    } else {
        m.products.clone()
    };
    for p in &products {
        if let Some((max, line)) = cap.max_for(p) {
            covered.push((p.clone(), max, line.map(str::to_string)));
        }
    }
    if covered.is_empty() {
        return (
            None,
            detail.then(|| Step {
                step: "cap",
                result: "false".into(),
                detail: format!(
                    "no product of the measure ({}) has a maximum rate for `{}`",
                    m.products.join(", "),
                    cap.kind
                ),
                span: None,
            }),
        );
    }
    let describe = |(p, max, line): &(String, f64, Option<String>)| match line {
        Some(l) => format!("{p}: maximum {max}% (line {l})"),
        None if p.is_empty() => format!("maximum {max}% (default)"),
        None => format!("{p}: maximum {max}% (default)"),
    };
    let limits = || covered.iter().map(describe).collect::<Vec<_>>().join("; ");
    match m.rate {
        None => (
            Some(T3::Unknown),
            detail.then(|| Step {
                step: "cap",
                result: "unknown".into(),
                detail: format!("the measure states no rate; {}", limits()),
                span: None,
            }),
        ),
        Some(r) => {
            let over = covered.iter().any(|(_, max, _)| r > *max);
            (
                Some(T3::from_bool(over)),
                detail.then(|| Step {
                    step: "cap",
                    result: T3::from_bool(over).as_str().into(),
                    detail: format!("rate {r}% against {}", limits()),
                    span: None,
                }),
            )
        }
    }
}

/// Evaluate an exception, carve-out or condition (with the conditions it is subject to).
fn defence<'a>(
    env: &Env<'a>,
    model: &'a Model,
    r: &'a DefRef,
    unknown: &mut Vec<&'a str>,
    caveats: &mut Vec<CaveatNote>,
    depth: usize,
    detail: bool,
) -> DefenceResult<'a> {
    let found = model.defence(r);
    let inst = found.map(|(i, _)| i);
    let Some(d) = found.map(|(_, d)| d) else {
        return DefenceResult {
            instrument: &r.instrument,
            article: &r.label,
            cite: r.label.clone(),
            kind: DefenceKind::Exception,
            title: None,
            status: Outcome::Unknown,
            because: vec!["not defined in the rulesets".into()],
            conditions: Vec::new(),
            open: Vec::new(),
            span: Span::default(),
        };
    };
    let cite = if detail {
        inst.map_or(r.label.clone(), |i| i.citation(&r.label))
    } else {
        String::new()
    };
    if detail && let Some(c) = &d.caveat {
        caveats.push(note(c, &cite));
    }
    let own = d
        .requires
        .as_ref()
        .map_or(T3::True, |c| eval(c, env, unknown));
    let mut because = if detail {
        d.requires
            .as_ref()
            .map(|c| explain(c, env))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut conditions = Vec::new();
    let mut conditions_open: Vec<&'a str> = Vec::new();
    let mut all = own;
    // Shared conditions (the Art. XX chapeau) are reached only once the defence's own elements
    // are not ruled out: the order of analysis of US - Gasoline.
    if depth < 8 && own != T3::False {
        for s in &d.subject_to {
            let c = defence(env, model, s, unknown, caveats, depth + 1, detail);
            all = all.and(outcome_t3(c.status));
            if c.status == Outcome::Unknown {
                conditions_open.extend(c.open.iter().copied());
            }
            if detail {
                conditions.push(c);
            }
        }
    }
    for c in conditions.iter().filter(|_| detail) {
        if c.status != Outcome::Holds || all == T3::True {
            because.push(format!("{} {}", c.cite, c.status.as_str()));
        }
    }
    let status = match all {
        T3::True => Outcome::Holds,
        T3::False => Outcome::Fails,
        T3::Unknown => Outcome::Unknown,
    };
    let mut open: Vec<&'a str> = Vec::new();
    if all == T3::Unknown {
        if let Some(c) = &d.requires {
            relevant_unknowns(c, env, &mut open);
        }
        for u in conditions_open {
            if !open.contains(&u) {
                open.push(u);
            }
        }
    }
    DefenceResult {
        instrument: &d.instrument,
        article: &d.label,
        cite,
        kind: d.kind,
        title: d.title.as_deref(),
        status,
        because,
        conditions,
        open,
        span: d.span,
    }
}

/// Record what each answer to a finding's open questions would give. Yes/no facts and the
/// investment date are tried both ways, one at a time (the others stay unknown).
#[allow(clippy::too_many_arguments)]
fn refine_questions<'a>(
    case: Case<'a, '_>,
    inst: &'a Instrument,
    prov: &'a Provision,
    f: &mut Finding<'a>,
) {
    let Case {
        model,
        policy,
        opts,
        ..
    } = case;
    let mut effects = Vec::with_capacity(f.questions.len());
    for &q in &f.questions {
        let is_bool = model.facts.get(q).is_some_and(|d| d.ty == FactType::Bool);
        let is_inv = q == INVESTMENT_DATE_QUESTION;
        if !is_bool && !is_inv {
            effects.push((q, None, None));
            continue;
        }
        let answer = |yes: bool| -> Option<Status> {
            let what_if = if is_bool {
                WhatIf {
                    fact: Some((q, yes)),
                    investment: None,
                }
            } else {
                let partner = f
                    .partners
                    .first()
                    .and_then(|c| inst.parties.get(*c))
                    .and_then(|p| p.terminated);
                let mine = inst.parties.get(&policy.country).and_then(|p| p.terminated);
                let cut = opts
                    .terminate
                    .iter()
                    .find(|(id, _)| *id == inst.id)
                    .map(|(_, d)| *d);
                let t = min_date(min_date(mine, partner), cut)?;
                // Yes: made the year before termination; no: made on the day it took effect.
                let before = Date {
                    year: t.year - 1,
                    day: t.day.min(28),
                    ..t
                };
                WhatIf {
                    fact: None,
                    investment: Some(if yes { before } else { t }),
                }
            };
            evaluate_provision(case, inst, prov, false, what_if)
                .into_iter()
                .find(|g| {
                    f.partners.is_empty() || f.partners.iter().any(|p| g.partners.contains(p))
                })
                .map(|g| g.status)
        };
        effects.push((q, answer(true), answer(false)));
    }
    f.effects = effects;
}

/// Open questions: each unknown fact that could change a finding, with the findings it affects.
fn open_questions<'a>(model: &'a Model, findings: &[Finding<'a>]) -> Vec<OpenQuestion<'a>> {
    let mut out: Vec<OpenQuestion<'a>> = Vec::new();
    for f in findings {
        for &(q, yes, no) in &f.effects {
            let affected = Affected {
                measure: f.measure,
                instrument: f.instrument,
                article: f.article,
                partners: f.partners.clone(),
                now: f.status,
                if_yes: yes,
                if_no: no,
            };
            match out.iter_mut().find(|o| o.fact == q) {
                Some(o) => o.affects.push(affected),
                None => {
                    let (question, help) = match model.facts.get(q) {
                        Some(def) => (Cow::Borrowed(def.question.as_str()), def.help.as_deref()),
                        None => (builtin_question(q), None),
                    };
                    out.push(OpenQuestion {
                        fact: q,
                        question,
                        help,
                        affects: vec![affected],
                    });
                }
            }
        }
    }
    out
}

/// Questions for things that are not declared facts (measure attributes, the investment date).
pub fn builtin_question(q: &str) -> Cow<'static, str> {
    Cow::Borrowed(match q {
        INVESTMENT_DATE_QUESTION => {
            "When were the affected investments made (before or after the treaty was terminated)?"
        }
        "rate" => "What is the rate of the measure (per cent)?",
        "products" => "Which products (HS codes) does the measure cover?",
        "imposed-as" => {
            "How is the measure imposed: as a mandatory requirement, as a condition of an advantage, or as a condition of entry?"
        }
        "targets" => {
            "Whom does the measure apply to: all enterprises, foreign investors, or investors of particular countries?"
        }
        "objective" => "What objective does the measure pursue?",
        other => return Cow::Owned(format!("What is `{other}`?")),
    })
}
