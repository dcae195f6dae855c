//! Three-valued (Kleene) logic over conditions, with the facts that stayed unknown.

use crate::date::Date;
use crate::model::*;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum T3 {
    True,
    False,
    Unknown,
}

impl T3 {
    pub fn from_bool(b: bool) -> T3 {
        if b { T3::True } else { T3::False }
    }
    pub fn and(self, o: T3) -> T3 {
        match (self, o) {
            (T3::False, _) | (_, T3::False) => T3::False,
            (T3::True, T3::True) => T3::True,
            _ => T3::Unknown,
        }
    }
    pub fn or(self, o: T3) -> T3 {
        match (self, o) {
            (T3::True, _) | (_, T3::True) => T3::True,
            (T3::False, T3::False) => T3::False,
            _ => T3::Unknown,
        }
    }
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> T3 {
        match self {
            T3::True => T3::False,
            T3::False => T3::True,
            T3::Unknown => T3::Unknown,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            T3::True => "true",
            T3::False => "false",
            T3::Unknown => "unknown",
        }
    }
}

/// What a condition is evaluated against: one measure of one policy, on a date, for a partner.
pub struct Env<'a> {
    pub model: &'a Model,
    pub policy: &'a Policy,
    pub measure: &'a Measure,
    pub date: Date,
    pub partner: Option<&'a str>,
    /// A hypothetical answer to a yes/no fact.
    pub fact_override: Option<(&'a str, bool)>,
    /// When the investments were made (the policy's, or a hypothetical one).
    pub investment: Option<Date>,
}

impl Env<'_> {
    /// A fact's value: the measure's statement, or what follows from `until`.
    pub fn fact(&self, id: &str) -> Option<FactValue> {
        if let Some((f, v)) = self.fact_override
            && f == id
        {
            return Some(FactValue::Bool(v));
        }
        if let Some(v) = self.measure.facts.get(id) {
            return Some(v.clone());
        }
        if id == "temporary" && self.measure.until.is_some() {
            return Some(FactValue::Bool(true));
        }
        None
    }

    pub fn in_country_set(&self, code: &str, set: &[CountryRef]) -> bool {
        set.iter().any(|r| match r {
            CountryRef::Code(c) => c == code,
            CountryRef::Group(g) => self
                .model
                .groups
                .get(g)
                .is_some_and(|g| g.contains(code, self.date)),
        })
    }
}

/// Evaluate a condition; facts that were needed but unknown are pushed to `unknown` (once).
pub fn eval<'a>(c: &'a Cond, env: &Env<'a>, unknown: &mut Vec<&'a str>) -> T3 {
    match &c.kind {
        CondKind::And(cs) => {
            let mut acc = T3::True;
            for x in cs {
                acc = acc.and(eval(x, env, unknown));
            }
            acc
        }
        CondKind::Or(cs) => {
            let mut acc = T3::False;
            for x in cs {
                acc = acc.or(eval(x, env, unknown));
            }
            acc
        }
        CondKind::Not(x) => eval(x, env, unknown).not(),
        CondKind::Const(b) => T3::from_bool(*b),
        CondKind::Fact { fact, cmp } => match env.fact(fact) {
            None => {
                note_unknown(unknown, fact);
                T3::Unknown
            }
            Some(v) => match cmp {
                None => T3::from_bool(v == FactValue::Bool(true)),
                Some((op, want)) => T3::from_bool(compare_values(&v, *op, want)),
            },
        },
        CondKind::Kind(kinds) => kinds
            .iter()
            .map(|k| counts_as(env, &env.measure.kind, k, None, unknown, 0))
            .fold(T3::False, T3::or),
        // A measure's product overlaps a table when either code is a prefix of the other: a
        // measure on "26" (all ores) covers the nickel ores of "2604".
        CondKind::Product(prefixes) => {
            if env.measure.products.is_empty() {
                note_unknown(unknown, "products");
                return T3::Unknown;
            }
            T3::from_bool(env.measure.products.iter().any(|p| {
                prefixes
                    .iter()
                    .any(|x| p.starts_with(x.as_str()) || x.starts_with(p.as_str()))
            }))
        }
        CondKind::ImposedAs(ways) => match env.measure.imposed_as {
            Some(w) => T3::from_bool(ways.contains(&w)),
            None => {
                note_unknown(unknown, "imposed-as");
                T3::Unknown
            }
        },
        CondKind::Targets(classes) => match &env.measure.targets {
            Some(t) => T3::from_bool(classes.iter().any(|c| c == t.class())),
            None => {
                note_unknown(unknown, "targets");
                T3::Unknown
            }
        },
        CondKind::Objective(objs) => match &env.measure.objective {
            Some(o) => T3::from_bool(objs.contains(o)),
            None => {
                note_unknown(unknown, "objective");
                T3::Unknown
            }
        },
        CondKind::Country(set) => T3::from_bool(env.in_country_set(&env.policy.country, set)),
        CondKind::Partner(set) => match env.partner {
            Some(p) => T3::from_bool(env.in_country_set(p, set)),
            None => T3::False,
        },
        CondKind::Rate(op, n) => match env.measure.rate {
            Some(r) => T3::from_bool(compare_f64(r, *op, *n)),
            None => {
                note_unknown(unknown, "rate");
                T3::Unknown
            }
        },
        CondKind::Date(subject, op, d) => {
            let v = match subject {
                DateSubject::Date => Some(env.date),
                DateSubject::InvestmentDate => env.investment,
                DateSubject::Until => env.measure.until,
            };
            match v {
                Some(v) => T3::from_bool(compare_ord(v, *op, *d)),
                None => {
                    if *subject == DateSubject::InvestmentDate {
                        note_unknown(unknown, super::INVESTMENT_DATE_QUESTION);
                    }
                    T3::Unknown
                }
            }
        }
    }
}

fn note_unknown<'a>(unknown: &mut Vec<&'a str>, what: &'a str) {
    if !unknown.contains(&what) {
        unknown.push(what);
    }
}

/// One step of a `counts-as` chain: (kind, what it counts as, the value of the edge's condition).
pub type Edge<'a> = (&'a str, &'a str, T3);

/// Whether `kind` counts as `target`, following `counts-as` edges and their conditions. With a
/// `path`, it receives the edges of the first chain found that is not false.
pub fn counts_as<'a>(
    env: &Env<'a>,
    kind: &'a str,
    target: &str,
    mut path: Option<&mut Vec<Edge<'a>>>,
    unknown: &mut Vec<&'a str>,
    depth: usize,
) -> T3 {
    if kind == target {
        return T3::True;
    }
    let index = &env.model.index;
    // Reached without conditions: no need to walk the edges unless the chain is wanted.
    if path.is_none()
        && index
            .counts_as_always
            .get(kind)
            .is_some_and(|r| r.iter().any(|k| k == target))
    {
        return T3::True;
    }
    if depth > 32 {
        return T3::False;
    }
    let Some(def) = env.model.kinds.get(kind) else {
        return T3::False;
    };
    let mut best = T3::False;
    for edge in &def.counts_as {
        if !index
            .counts_as
            .get(&edge.target)
            .is_some_and(|r| r.iter().any(|k| k == target))
        {
            continue;
        }
        let w = edge
            .when
            .as_ref()
            .map_or(T3::True, |c| eval(c, env, unknown));
        if w == T3::False {
            continue;
        }
        let mut sub = Vec::new();
        let rest = counts_as(
            env,
            &edge.target,
            target,
            path.is_some().then_some(&mut sub),
            unknown,
            depth + 1,
        );
        let v = w.and(rest);
        if v != T3::False && (best == T3::False || (best == T3::Unknown && v == T3::True)) {
            best = v;
            if let Some(p) = path.as_deref_mut() {
                p.clear();
                p.push((kind, edge.target.as_str(), w));
                p.extend(sub);
            }
        }
        if best == T3::True {
            break;
        }
    }
    best
}

fn compare_values(v: &FactValue, op: CmpOp, want: &FactValue) -> bool {
    match (v, want) {
        (FactValue::Number(a), FactValue::Number(b)) => compare_f64(*a, op, *b),
        (FactValue::Date(a), FactValue::Date(b)) => compare_ord(*a, op, *b),
        (a, b) => match op {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            _ => false,
        },
    }
}

fn compare_f64(a: f64, op: CmpOp, b: f64) -> bool {
    compare_ord(a, op, b)
}

fn compare_ord<T: PartialOrd>(a: T, op: CmpOp, b: T) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
    }
}

/// Plain-words reasons for a condition's value: which parts were false or unknown (or, when it
/// holds, what made it hold).
pub fn explain(c: &Cond, env: &Env) -> Vec<String> {
    let mut sink = Vec::new();
    let v = eval(c, env, &mut sink);
    let mut out = Vec::new();
    reasons(c, env, v, &mut out);
    out
}

fn reasons(c: &Cond, env: &Env, want: T3, out: &mut Vec<String>) {
    let mut sink = Vec::new();
    match &c.kind {
        CondKind::And(cs) | CondKind::Or(cs) => {
            let is_and = matches!(c.kind, CondKind::And(_));
            // For `and` that is false, the false parts explain it; for `or` that is true, the true parts.
            let decisive = match (is_and, want) {
                (true, T3::False) | (false, T3::False) => T3::False,
                (true, T3::True) | (false, T3::True) => T3::True,
                _ => T3::Unknown,
            };
            for x in cs {
                let v = eval(x, env, &mut sink);
                if v == decisive || (want == T3::Unknown && v == T3::Unknown) {
                    reasons(x, env, v, out);
                }
            }
        }
        CondKind::Not(x) => {
            let v = eval(x, env, &mut sink);
            let mut inner = Vec::new();
            reasons(x, env, v, &mut inner);
            out.extend(inner.into_iter().map(|r| format!("not: {r}")));
        }
        CondKind::Fact { fact, .. } => {
            let v = eval(c, env, &mut sink);
            let stated = env.fact(fact);
            let state = match (&stated, v) {
                (None, _) => "unknown (not stated)".to_string(),
                (Some(s), T3::True) if matches!(c.kind, CondKind::Fact { cmp: None, .. }) => {
                    format!("true (stated {s})")
                }
                (Some(s), _) => format!("{} (stated {s})", v.as_str()),
            };
            out.push(format!("`{}` is {state}", c.text));
        }
        _ => {
            let v = eval(c, env, &mut sink);
            out.push(format!("`{}` is {}", c.text, v.as_str()));
        }
    }
}

/// The unknowns that decide a condition's value: empty if it is decided; otherwise the unknown
/// atoms inside its undecided parts (for `and`/`or`, the parts that are themselves unknown).
pub fn relevant_unknowns<'a>(c: &'a Cond, env: &Env<'a>, out: &mut Vec<&'a str>) {
    let mut sink = Vec::new();
    if eval(c, env, &mut sink) != T3::Unknown {
        return;
    }
    match &c.kind {
        CondKind::And(cs) | CondKind::Or(cs) => {
            for x in cs {
                relevant_unknowns(x, env, out);
            }
        }
        CondKind::Not(x) => relevant_unknowns(x, env, out),
        CondKind::Kind(_) => {
            // Unknown through a conditional `counts-as`: the conditions' unknowns decide it.
            for u in sink {
                if !out.contains(&u) {
                    out.push(u);
                }
            }
        }
        _ => {
            for u in sink {
                if !out.contains(&u) {
                    out.push(u);
                }
            }
        }
    }
}
