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

/// The pseudo-fact for an unknown investment date (sunset questions).
pub const INVESTMENT_DATE_QUESTION: &str = "investment-date";

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
}

/// The result of checking one policy.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub policy: String,
    pub title: String,
    pub country: String,
    pub date: Date,
    pub investment_date: Option<Date>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub open_questions: Vec<OpenQuestion>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub measure: String,
    pub instrument: String,
    pub article: String,
    pub cite: String,
    pub title: Option<String>,
    pub status: Status,
    pub binding: bool,
    pub partners: Vec<String>,
    /// One line: why this status.
    pub summary: String,
    /// Carve-outs and exceptions tried, in order.
    pub exceptions: Vec<DefenceResult>,
    /// Facts whose value is unknown and could change this finding.
    pub questions: Vec<String>,
    /// Readings this finding rests on that are not verified.
    pub caveats: Vec<CaveatNote>,
    pub enforcement: Option<Enforcement>,
    pub source_url: Option<String>,
    pub trace: Vec<Step>,
    /// For each question: the status if the answer is yes / no (bool facts and the investment date).
    #[serde(skip)]
    pub effects: Vec<(String, Option<Status>, Option<Status>)>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub measure_span: Option<Span>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DefenceResult {
    pub instrument: String,
    pub article: String,
    pub cite: String,
    pub kind: DefenceKind,
    pub title: Option<String>,
    pub status: Outcome,
    pub because: Vec<String>,
    /// Shared general conditions (the Art. XX chapeau) and their outcomes.
    pub conditions: Vec<DefenceResult>,
    /// The unknown facts that leave the outcome open.
    #[serde(skip)]
    pub open: Vec<String>,
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
pub struct OpenQuestion {
    pub fact: String,
    pub question: String,
    pub help: Option<String>,
    /// The findings the answer could change, with the status each answer would give.
    pub affects: Vec<Affected>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Affected {
    pub measure: String,
    pub instrument: String,
    pub article: String,
    pub partners: Vec<String>,
    pub now: Status,
    /// Status if the answer is yes / no (bool facts and the investment date only).
    pub if_yes: Option<Status>,
    pub if_no: Option<Status>,
}

/// Check a policy against the model.
pub fn check(model: &Model, policy: &Policy, opts: &Options) -> Evaluation {
    let date = opts.date.or(policy.date).unwrap_or_else(Date::today);
    let mut findings = Vec::new();
    let empty = Vec::new();
    let no_pairs = Vec::new();
    let mine = model
        .index
        .instruments_by_country
        .get(&policy.country)
        .unwrap_or(&empty);
    for m in &policy.measures {
        let provs = model
            .index
            .provisions_by_kind
            .get(&m.kind)
            .unwrap_or(&no_pairs);
        for &(ii, pi) in provs {
            if mine.binary_search(&ii).is_err() {
                continue;
            }
            let Some((_, inst)) = model.instruments.get_index(ii) else {
                continue;
            };
            let Some((_, prov)) = inst.provisions.get_index(pi) else {
                continue;
            };
            for mut f in evaluate_provision(model, policy, m, inst, prov, date, opts) {
                if opts.all || f.status != Status::NotApplicable {
                    refine_questions(model, policy, m, inst, prov, date, opts, &mut f);
                    findings.push(f);
                }
            }
        }
    }
    let verdict = verdict_of(&findings);
    let open_questions = open_questions(model, &findings);
    Evaluation {
        policy: policy.id.clone(),
        title: policy.title.clone(),
        country: policy.country.clone(),
        date,
        investment_date: policy.investment_date,
        verdict,
        findings,
        open_questions,
    }
}

pub fn verdict_of(findings: &[Finding]) -> Verdict {
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
pub fn evaluate_provision(
    model: &Model,
    policy: &Policy,
    m: &Measure,
    inst: &Instrument,
    prov: &Provision,
    date: Date,
    opts: &Options,
) -> Vec<Finding> {
    let Some(me) = inst.parties.get(&policy.country) else {
        return Vec::new();
    };
    let cut = opts
        .terminate
        .iter()
        .find(|(id, _)| *id == inst.id)
        .map(|(_, d)| *d);
    let my_end = min_date(me.terminated, cut);
    let mut out: Vec<Finding> = Vec::new();
    match inst.partners {
        PartnersMode::None => {
            let b = binding(inst, me.in_force, my_end, date, policy.investment_date);
            out.push(finding(model, policy, m, inst, prov, date, &b, None));
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
                    policy.investment_date,
                );
                let f = finding(model, policy, m, inst, prov, date, &b, Some(code));
                merge(&mut out, f);
            }
            if !any {
                let b = binding(inst, me.in_force, my_end, date, policy.investment_date);
                let mut f = finding(model, policy, m, inst, prov, date, &b, None);
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
fn merge(out: &mut Vec<Finding>, f: Finding) {
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

impl Finding {
    /// The summary with partner names removed, for grouping.
    fn summary_key(&self) -> String {
        let mut s = self.summary.clone();
        for p in &self.partners {
            s = s.replace(p.as_str(), "");
        }
        s
    }
}

/// Evaluate one measure × provision for one partner (or none).
#[allow(clippy::too_many_arguments)]
fn finding(
    model: &Model,
    policy: &Policy,
    m: &Measure,
    inst: &Instrument,
    prov: &Provision,
    date: Date,
    b: &Binding,
    partner: Option<&String>,
) -> Finding {
    let env = Env {
        model,
        policy,
        measure: m,
        date,
        partner: partner.map(String::as_str),
    };
    let who = match partner {
        Some(p) => format!("{} and {p}", policy.country),
        None => policy.country.clone(),
    };
    let mut trace = Vec::new();
    // Every unknown met on the way (`unknown`), and those that leave the outcome open (`open`).
    let mut unknown: Vec<String> = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut caveats = Vec::new();
    if let Some(c) = &inst.caveat {
        caveats.push(note(c, &inst.id));
    }
    if let Some(c) = &prov.caveat {
        caveats.push(note(c, &inst.citation(&prov.label)));
    }

    // 1. Is the instrument binding between these parties on this date?
    let bind = b.t3();
    trace.push(Step {
        step: "binding",
        result: bind.as_str().into(),
        detail: b.describe(&who),
        span: Some(inst.span),
    });
    if bind == T3::Unknown {
        open.push(INVESTMENT_DATE_QUESTION.to_string());
    }
    let mut result = Outcome3 {
        status: Status::NotApplicable,
        summary: String::new(),
    };
    let mut defences = Vec::new();
    'eval: {
        if bind == T3::False {
            result.summary = b.describe(&who);
            break 'eval;
        }
        // 2. Does the measure's kind fall under what the provision names?
        let mut kind_unknown = Vec::new();
        let (kind_t, kind_steps) = kind_test(&env, prov, &mut kind_unknown);
        trace.extend(kind_steps);
        if kind_t == T3::Unknown {
            open.extend(kind_unknown);
        }
        if kind_t == T3::False {
            result.summary = format!(
                "`{}` is not a kind of measure this provision covers",
                m.kind
            );
            break 'eval;
        }
        // 3. Scope.
        let scope = match &prov.scope {
            Some(c) => {
                let v = eval(c, &env, &mut unknown);
                trace.push(Step {
                    step: "scope",
                    result: v.as_str().into(),
                    detail: reasons_line(c, &env),
                    span: Some(c.span),
                });
                relevant_unknowns(c, &env, &mut open);
                v
            }
            None => T3::True,
        };
        if scope == T3::False {
            result.summary = format!(
                "out of scope: {}",
                prov.scope
                    .as_ref()
                    .map_or(String::new(), |c| reasons_line(c, &env))
            );
            break 'eval;
        }
        let applies = bind.and(kind_t).and(scope);

        // 4. An express permission.
        let permitted = prov
            .permits
            .iter()
            .map(|k| counts_as(&env, &m.kind, k, &mut Vec::new(), &mut unknown, 0))
            .fold(T3::False, T3::or);
        let prohibited_kind = prov
            .prohibits
            .iter()
            .map(|k| counts_as(&env, &m.kind, k, &mut Vec::new(), &mut unknown, 0))
            .fold(T3::False, T3::or);
        let capped_kind = prov.cap.as_ref().map_or(T3::False, |c| {
            counts_as(&env, &m.kind, &c.kind, &mut Vec::new(), &mut unknown, 0)
        });
        if permitted != T3::False && prohibited_kind == T3::False && capped_kind == T3::False {
            result.status = Status::Compatible;
            result.summary = format!("expressly permitted by {}", inst.citation(&prov.label));
            trace.push(Step {
                step: "permits",
                result: permitted.as_str().into(),
                detail: format!(
                    "the provision expressly permits {}",
                    prov.permits.join(", ")
                ),
                span: Some(prov.span),
            });
            break 'eval;
        }

        // 5. The elements of a breach: a prohibited kind, or a rate above the cap; and `requires`.
        let mut elements = prohibited_kind;
        if capped_kind != T3::False
            && let Some(cap) = &prov.cap
        {
            let (over, step) = cap_test(cap, m);
            trace.push(step);
            if over.is_none() && prohibited_kind == T3::False {
                result.summary = "no product of the measure is covered by the cap".into();
                break 'eval;
            }
            let over = over.unwrap_or(T3::False);
            if over == T3::Unknown && m.rate.is_none() {
                open.push("rate".into());
            }
            elements = elements.or(capped_kind.and(over));
        }
        if let Some(r) = &prov.requires {
            let v = eval(r, &env, &mut unknown);
            trace.push(Step {
                step: "requires",
                result: v.as_str().into(),
                detail: reasons_line(r, &env),
                span: Some(r.span),
            });
            relevant_unknowns(r, &env, &mut open);
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
            let d = defence(&env, model, r, &mut unknown, &mut caveats, 0);
            trace.push(Step {
                step: "carve-out",
                result: d.status.as_str().into(),
                detail: format!("{}: {}", d.cite, d.because.join("; ")),
                span: Some(d.span),
            });
            carve = carve.or(outcome_t3(d.status));
            defences.push(d);
        }
        if carve == T3::Unknown {
            for d in defences.iter().filter(|d| d.status == Outcome::Unknown) {
                open.extend(d.open.iter().cloned());
            }
        }
        let prima = applies.and(elements).and(carve.not());
        if prima == T3::False {
            result.status = Status::Compatible;
            result.summary = match defences.iter().find(|d| d.status == Outcome::Holds) {
                Some(d) => format!("outside the provision: {} holds", d.cite),
                None => "the measure is outside what the provision prohibits".into(),
            };
            break 'eval;
        }

        // 7. Exceptions justify a breach.
        let mut exc = T3::False;
        for r in &prov.exceptions {
            let d = defence(&env, model, r, &mut unknown, &mut caveats, 0);
            trace.push(Step {
                step: "exception",
                result: d.status.as_str().into(),
                detail: format!("{}: {}", d.cite, d.because.join("; ")),
                span: Some(d.span),
            });
            exc = exc.or(outcome_t3(d.status));
            defences.push(d);
        }
        if exc == T3::Unknown {
            for d in defences
                .iter()
                .filter(|d| d.kind == DefenceKind::Exception && d.status == Outcome::Unknown)
            {
                open.extend(d.open.iter().cloned());
            }
        }
        result = match (prima, exc) {
            (_, T3::True) => Outcome3 {
                status: Status::Justified,
                summary: format!(
                    "justified: {} holds",
                    defences
                        .iter()
                        .filter(|d| d.kind == DefenceKind::Exception && d.status == Outcome::Holds)
                        .map(|d| d.cite.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
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
        result.summary = format!(
            "{} (a non-binding instrument: political, not legal)",
            result.summary
        );
        result.status = Status::Tension;
    }
    trace.push(Step {
        step: "outcome",
        result: result.status.as_str().into(),
        detail: result.summary.clone(),
        span: None,
    });
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
        measure: m.id.clone(),
        instrument: inst.id.clone(),
        article: prov.label.clone(),
        cite: inst.citation(&prov.label),
        title: prov.title.clone(),
        status: result.status,
        binding: inst.binding,
        partners: partner.map(|p| vec![p.clone()]).unwrap_or_default(),
        summary: result.summary,
        exceptions: defences,
        questions,
        caveats: dedup_caveats(caveats),
        enforcement: prov.enforcement.or(inst.enforcement),
        source_url: prov.source.clone().or_else(|| {
            prov.from
                .as_ref()
                .and_then(|f| model.instruments.get(&f.instrument))
                .and_then(|i| {
                    i.provisions
                        .get(&prov.label)
                        .or_else(|| prov.from.as_ref().and_then(|f| i.provisions.get(&f.label)))
                })
                .and_then(|p| p.source.clone())
        }),
        trace,
        effects: Vec::new(),
        span: prov.span,
        measure_span: m.kind_span.or(m.span),
    }
}

struct Outcome3 {
    status: Status,
    summary: String,
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
fn kind_test(env: &Env, prov: &Provision, unknown: &mut Vec<String>) -> (T3, Vec<Step>) {
    let mut best = T3::False;
    let mut best_path = Vec::new();
    let mut best_target = String::new();
    for k in prov.kinds() {
        let mut path = Vec::new();
        let v = counts_as(env, &env.measure.kind, k, &mut path, unknown, 0);
        if v != T3::False && (best == T3::False || (best == T3::Unknown && v == T3::True)) {
            best = v;
            best_path = path;
            best_target = k.clone();
        }
    }
    let mut steps = Vec::new();
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
            .get(&from)
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
fn cap_test(cap: &Cap, m: &Measure) -> (Option<T3>, Step) {
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
            Step {
                step: "cap",
                result: "false".into(),
                detail: format!(
                    "no product of the measure ({}) has a maximum rate for `{}`",
                    m.products.join(", "),
                    cap.kind
                ),
                span: None,
            },
        );
    }
    let describe = |(p, max, line): &(String, f64, Option<String>)| match line {
        Some(l) => format!("{p}: maximum {max}% (line {l})"),
        None if p.is_empty() => format!("maximum {max}% (default)"),
        None => format!("{p}: maximum {max}% (default)"),
    };
    let limits = covered.iter().map(describe).collect::<Vec<_>>().join("; ");
    match m.rate {
        None => (
            Some(T3::Unknown),
            Step {
                step: "cap",
                result: "unknown".into(),
                detail: format!("the measure states no rate; {limits}"),
                span: None,
            },
        ),
        Some(r) => {
            let over = covered.iter().any(|(_, max, _)| r > *max);
            (
                Some(T3::from_bool(over)),
                Step {
                    step: "cap",
                    result: T3::from_bool(over).as_str().into(),
                    detail: format!("rate {r}% against {limits}"),
                    span: None,
                },
            )
        }
    }
}

/// Evaluate an exception, carve-out or condition (with the conditions it is subject to).
fn defence(
    env: &Env,
    model: &Model,
    r: &DefRef,
    unknown: &mut Vec<String>,
    caveats: &mut Vec<CaveatNote>,
    depth: usize,
) -> DefenceResult {
    let inst = model.instruments.get(&r.instrument);
    let Some(d) = inst.and_then(|i| i.defences.get(&r.label)) else {
        return DefenceResult {
            instrument: r.instrument.clone(),
            article: r.label.clone(),
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
    let cite = inst.map_or(r.label.clone(), |i| i.citation(&r.label));
    if let Some(c) = &d.caveat {
        caveats.push(note(c, &cite));
    }
    let own = d
        .requires
        .as_ref()
        .map_or(T3::True, |c| eval(c, env, unknown));
    let mut because = d
        .requires
        .as_ref()
        .map(|c| explain(c, env))
        .unwrap_or_default();
    let mut conditions = Vec::new();
    let mut all = own;
    // Shared conditions (the Art. XX chapeau) are reached only once the defence's own elements
    // are not ruled out: the order of analysis of US - Gasoline.
    if depth < 8 && own != T3::False {
        for s in &d.subject_to {
            let c = defence(env, model, s, unknown, caveats, depth + 1);
            all = all.and(outcome_t3(c.status));
            conditions.push(c);
        }
    }
    for c in &conditions {
        if c.status != Outcome::Holds || all == T3::True {
            because.push(format!("{} {}", c.cite, c.status.as_str()));
        }
    }
    let status = match all {
        T3::True => Outcome::Holds,
        T3::False => Outcome::Fails,
        T3::Unknown => Outcome::Unknown,
    };
    let mut open = Vec::new();
    if all == T3::Unknown {
        if let Some(c) = &d.requires {
            relevant_unknowns(c, env, &mut open);
        }
        for c in &conditions {
            if c.status == Outcome::Unknown {
                for u in &c.open {
                    if !open.contains(u) {
                        open.push(u.clone());
                    }
                }
            }
        }
    }
    DefenceResult {
        instrument: d.instrument.clone(),
        article: d.label.clone(),
        cite,
        kind: d.kind,
        title: d.title.clone(),
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
fn refine_questions(
    model: &Model,
    policy: &Policy,
    m: &Measure,
    inst: &Instrument,
    prov: &Provision,
    date: Date,
    opts: &Options,
    f: &mut Finding,
) {
    let mut kept = Vec::new();
    let mut effects = Vec::new();
    for q in std::mem::take(&mut f.questions) {
        let is_bool = model.facts.get(&q).is_some_and(|d| d.ty == FactType::Bool);
        let is_inv = q == INVESTMENT_DATE_QUESTION;
        if !is_bool && !is_inv {
            kept.push(q.clone());
            effects.push((q, None, None));
            continue;
        }
        let answer = |yes: bool| -> Option<Status> {
            let mut m2 = m.clone();
            let mut p2 = policy.clone();
            if is_bool {
                m2.facts.insert(q.clone(), FactValue::Bool(yes));
            } else {
                let partner = f
                    .partners
                    .first()
                    .and_then(|c| inst.parties.get(c))
                    .and_then(|p| p.terminated);
                let mine = inst.parties.get(&policy.country).and_then(|p| p.terminated);
                let cut = opts
                    .terminate
                    .iter()
                    .find(|(id, _)| *id == inst.id)
                    .map(|(_, d)| *d);
                let t = min_date(min_date(mine, partner), cut)?;
                // Yes: made the year before termination; no: made on the day it took effect.
                p2.investment_date = Some(if yes {
                    Date {
                        year: t.year - 1,
                        day: t.day.min(28),
                        ..t
                    }
                } else {
                    t
                });
            }
            evaluate_provision(model, &p2, &m2, inst, prov, date, opts)
                .into_iter()
                .find(|g| {
                    f.partners.is_empty() || f.partners.iter().any(|p| g.partners.contains(p))
                })
                .map(|g| g.status)
        };
        let (yes, no) = (answer(true), answer(false));
        kept.push(q.clone());
        effects.push((q, yes, no));
    }
    f.questions = kept;
    f.effects = effects;
}

/// Open questions: each unknown fact that could change a finding, with the findings it affects.
fn open_questions(model: &Model, findings: &[Finding]) -> Vec<OpenQuestion> {
    let mut out: Vec<OpenQuestion> = Vec::new();
    for f in findings {
        for (q, yes, no) in &f.effects {
            let (question, help) = match model.facts.get(q) {
                Some(def) => (def.question.clone(), def.help.clone()),
                None => (builtin_question(q), None),
            };
            let affected = Affected {
                measure: f.measure.clone(),
                instrument: f.instrument.clone(),
                article: f.article.clone(),
                partners: f.partners.clone(),
                now: f.status,
                if_yes: *yes,
                if_no: *no,
            };
            match out.iter_mut().find(|o| o.fact == *q) {
                Some(o) => o.affects.push(affected),
                None => out.push(OpenQuestion {
                    fact: q.clone(),
                    question,
                    help,
                    affects: vec![affected],
                }),
            }
        }
    }
    out
}

/// Questions for things that are not declared facts (measure attributes, the investment date).
pub fn builtin_question(q: &str) -> String {
    match q {
        INVESTMENT_DATE_QUESTION => "When were the affected investments made (before or after the treaty was terminated)?".into(),
        "rate" => "What is the rate of the measure (per cent)?".into(),
        "products" => "Which products (HS codes) does the measure cover?".into(),
        "imposed-as" => "How is the measure imposed: as a mandatory requirement, as a condition of an advantage, or as a condition of entry?".into(),
        "targets" => "Whom does the measure apply to: all enterprises, foreign investors, or investors of particular countries?".into(),
        "objective" => "What objective does the measure pursue?".into(),
        other => format!("What is `{other}`?"),
    }
}
