//! Policies and tests, the indexes the evaluator uses, and lints.

use super::Resolver;
use crate::diag::Diag;
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast::{self, File, Stmt, StmtKind};

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Resolve the policies (and tests) of extra files (policy files given on the command line)
/// against resolved rulesets. Other items in those files are reported as misplaced.
pub fn resolve_policies(model: &Model, files: &[&File]) -> (Vec<Policy>, Vec<TestCase>, Vec<Diag>) {
    let mut r = Resolver {
        model: Cow::Borrowed(model),
        ..Resolver::default()
    };
    let mut out = Vec::new();
    let mut seen: HashMap<String, Span> = HashMap::new();
    let mut tests = Vec::new();
    for f in files {
        for item in &f.items {
            match &item.kind {
                StmtKind::Policy { id, .. } => {
                    if let Some(first) = seen
                        .get(&id.name)
                        .copied()
                        .or_else(|| model.policies.get(&id.name).and_then(|p| p.span))
                    {
                        r.err(
                            Diag::error(
                                "policyspace::resolve::duplicate_definition",
                                format!("policy `{}` is defined twice", id.name),
                            )
                            .label(id.span, "defined again here")
                            .label(first, "first defined here")
                            .help("policy ids must be unique"),
                        );
                        continue;
                    }
                    seen.insert(id.name.clone(), id.span);
                    if let Some(p) = r.policy(item) {
                        out.push(p);
                    }
                }
                StmtKind::Test { .. } | StmtKind::Import { .. } => {}
                other => {
                    r.err(
                        Diag::error("policyspace::resolve::misplaced_item", format!("a `{}` cannot be defined in a policy file", other.keyword()))
                            .label(item.keyword, "ruleset item in a policy file")
                            .help("move it into the rulesets (or pass this file to `--rulesets` / `--with`)"),
                    );
                }
            }
        }
    }
    // Tests in policy files may check the policies defined beside them.
    let extra: Map<String, Policy> = out.iter().map(|p| (p.id.clone(), p.clone())).collect();
    for f in files {
        for item in &f.items {
            if matches!(item.kind, StmtKind::Test { .. })
                && let Some(t) = r.test_case(item, &extra)
            {
                tests.push(t);
            }
        }
    }
    let mut diags = r.diags;
    crate::diag::sort(&mut diags);
    (out, tests, diags)
}

impl<'a> Resolver<'a> {
    pub(super) fn policy(&mut self, stmt: &Stmt) -> Option<Policy> {
        let StmtKind::Policy { id, title, body } = &stmt.kind else {
            return None;
        };
        let mut p = Policy {
            id: id.name.clone(),
            title: title.value.clone(),
            country: String::new(),
            date: None,
            investment_date: None,
            measures: Vec::new(),
            span: Some(id.span),
        };
        let mut ok = true;
        let mut ids: HashMap<String, Span> = HashMap::new();
        for s in body {
            match &s.kind {
                StmtKind::Country { code } => {
                    if self.country(code) {
                        p.country = code.name.clone();
                    } else {
                        ok = false;
                    }
                }
                StmtKind::Date { date } => p.date = self.date(date),
                StmtKind::InvestmentDate { date } => p.investment_date = self.date(date),
                StmtKind::Measure {
                    id: mid,
                    title,
                    body,
                } => {
                    if let Some(first) = ids.insert(mid.name.clone(), mid.span) {
                        self.err(
                            Diag::error(
                                "policyspace::resolve::duplicate_definition",
                                format!(
                                    "measure `{}` is defined twice in policy `{}`",
                                    mid.name, id.name
                                ),
                            )
                            .label(mid.span, "defined again here")
                            .label(first, "first defined here")
                            .help("measure ids must be unique within a policy"),
                        );
                        ok = false;
                        continue;
                    }
                    match self.measure(mid, title.as_ref(), body) {
                        Some(m) => p.measures.push(m),
                        None => ok = false,
                    }
                }
                _ => {}
            }
        }
        if p.country.is_empty()
            && !body
                .iter()
                .any(|s| matches!(s.kind, StmtKind::Country { .. }))
        {
            self.err(
                Diag::error(
                    "policyspace::resolve::missing_country",
                    format!("policy `{}` does not say which country adopts it", id.name),
                )
                .label(id.span, "no `country`")
                .help("add `country <ISO alpha-3 code>`, e.g. `country IDN`"),
            );
            ok = false;
        }
        if p.measures.is_empty() && ok {
            self.err(
                Diag::error(
                    "policyspace::resolve::no_measures",
                    format!("policy `{}` has no measures", id.name),
                )
                .label(id.span, "nothing to check")
                .help("add at least one `measure <id> { kind ... }`"),
            );
            ok = false;
        }
        ok.then_some(p)
    }

    fn measure(
        &mut self,
        id: &ast::Ident,
        title: Option<&ast::Str>,
        body: &[Stmt],
    ) -> Option<Measure> {
        let mut m = Measure {
            id: id.name.clone(),
            title: title.map(|t| t.value.clone()),
            kind: String::new(),
            products: Vec::new(),
            imposed_as: None,
            targets: None,
            rate: None,
            until: None,
            objective: None,
            facts: Map::default(),
            span: Some(id.span),
            kind_span: None,
        };
        let mut ok = true;
        let mut fact_spans: HashMap<String, Span> = HashMap::new();
        for s in body {
            match &s.kind {
                StmtKind::Kind { value } => {
                    if self.measure_kind_ref(value) {
                        m.kind = value.name.clone();
                        m.kind_span = Some(value.span);
                    } else {
                        ok = false;
                    }
                }
                StmtKind::ProductsList { codes } => {
                    for c in codes {
                        match self.hs_code(c) {
                            Some(code) => m.products.push(code),
                            None => ok = false,
                        }
                    }
                }
                StmtKind::ImposedAs { value } => {
                    m.imposed_as = self.imposed_as(value);
                    ok &= m.imposed_as.is_some();
                }
                StmtKind::Targets { targets } => {
                    m.targets = Some(match targets {
                        ast::Targets::All { .. } => Targets::All,
                        ast::Targets::ForeignInvestors { .. } => Targets::ForeignInvestors,
                        ast::Targets::InvestorsOf { codes, .. } => {
                            let mut out = Vec::new();
                            for c in codes {
                                if self.country(c) {
                                    out.push(c.name.clone());
                                } else {
                                    ok = false;
                                }
                            }
                            Targets::InvestorsOf(out)
                        }
                    })
                }
                StmtKind::Rate { rate } => {
                    if rate.value < 0.0 {
                        self.err(
                            Diag::error(
                                "policyspace::resolve::negative_rate",
                                "a rate cannot be negative",
                            )
                            .label(rate.span, "negative")
                            .help("rates are percentages: an export duty of 10% is `rate 10`"),
                        );
                        ok = false;
                    }
                    m.rate = Some(rate.value);
                }
                StmtKind::Until { date } => m.until = self.date(date),
                StmtKind::ObjectiveRef { id } => {
                    if self.objective_ref(id) {
                        m.objective = Some(id.name.clone());
                    } else {
                        ok = false;
                    }
                }
                StmtKind::FactValue { fact, value } => {
                    if let Some(first) = fact_spans.insert(fact.name.clone(), fact.span) {
                        self.err(
                            Diag::error(
                                "policyspace::resolve::duplicate_fact",
                                format!(
                                    "fact `{}` is stated twice for measure `{}`",
                                    fact.name, id.name
                                ),
                            )
                            .label(fact.span, "stated again here")
                            .label(first, "first stated here")
                            .help("state each fact once"),
                        );
                        ok = false;
                        continue;
                    }
                    match self.fact_value(fact, value) {
                        Some(v) => {
                            m.facts.insert(fact.name.clone(), v);
                        }
                        None => ok = false,
                    }
                }
                _ => {}
            }
        }
        if m.kind.is_empty() && !body.iter().any(|s| matches!(s.kind, StmtKind::Kind { .. })) {
            self.err(
                Diag::error(
                    "policyspace::resolve::missing_kind",
                    format!("measure `{}` has no kind", id.name),
                )
                .label(id.span, "no `kind`")
                .help("add `kind <measure-kind>`, e.g. `kind export-prohibition`"),
            );
            ok = false;
        }
        ok.then_some(m)
    }

    pub(super) fn test(&mut self, stmt: &Stmt) {
        let policies = self.model.policies.clone();
        if let Some(t) = self.test_case(stmt, &policies) {
            self.model.to_mut().tests.push(t);
        }
    }

    /// A test: one policy and its expectations, checked against the model.
    pub(super) fn test_case(
        &mut self,
        stmt: &Stmt,
        extra: &Map<String, Policy>,
    ) -> Option<TestCase> {
        let StmtKind::Test { name, body } = &stmt.kind else {
            return None;
        };
        let mut policy: Option<TestPolicy> = None;
        let mut resolved: Option<Policy> = None;
        let mut ok = true;
        for s in body {
            let this = match &s.kind {
                StmtKind::Policy { .. } => {
                    let p = self.policy(s);
                    ok &= p.is_some();
                    resolved = p.clone();
                    p.map(|p| TestPolicy::Inline(Box::new(p)))
                }
                StmtKind::Check { policy: pid } => match self
                    .model
                    .policies
                    .get(&pid.name)
                    .or_else(|| extra.get(&pid.name))
                {
                    Some(p) => {
                        resolved = Some(p.clone());
                        Some(TestPolicy::Named(pid.name.clone(), pid.span))
                    }
                    None => {
                        let c: Vec<String> = self
                            .model
                            .policies
                            .keys()
                            .chain(extra.keys())
                            .cloned()
                            .collect();
                        let hint =
                            crate::diag::did_you_mean(&pid.name, c.iter().map(String::as_str));
                        self.err(
                            Diag::error(
                                "policyspace::resolve::unknown_policy",
                                format!("unknown policy `{}`", pid.name),
                            )
                            .label(pid.span, "no policy of this name")
                            .help(match hint {
                                Some(h) => format!("did you mean `{h}`?"),
                                None => "the policy must be defined in a file loaded with the test"
                                    .into(),
                            }),
                        );
                        ok = false;
                        None
                    }
                },
                _ => continue,
            };
            if policy.is_some() {
                self.err(
                    Diag::error(
                        "policyspace::resolve::test_policy_count",
                        format!("test \"{}\" has more than one policy", name.value),
                    )
                    .label(s.keyword, "a second policy")
                    .help("a test checks exactly one policy; split it into two tests"),
                );
                ok = false;
            }
            if this.is_some() {
                policy = this;
            }
        }
        let Some(policy) = policy else {
            if ok {
                self.err(
                    Diag::error(
                        "policyspace::resolve::test_policy_count",
                        format!("test \"{}\" has no policy", name.value),
                    )
                    .label(name.span, "nothing to check")
                    .help("add an inline `policy ... { }` or `check <policy-id>`"),
                );
            }
            return None;
        };
        let measures: HashSet<String> = resolved
            .as_ref()
            .map(|p| p.measures.iter().map(|m| m.id.clone()).collect())
            .unwrap_or_default();
        let mut expects = Vec::new();
        for s in body {
            match &s.kind {
                StmtKind::ExpectVerdict { verdict } => {
                    let v = match verdict.name.as_str() {
                        "conflict" => Verdict::Conflict,
                        "uncertain" => Verdict::Uncertain,
                        _ => Verdict::Compatible,
                    };
                    expects.push(Expect::Verdict(v, s.span));
                }
                StmtKind::ExpectFinding {
                    measure,
                    provision,
                    status,
                    partner,
                } => {
                    ok &= self.expect_measure(measure, &measures);
                    let Some((inst, art)) = self.expect_provision(provision) else {
                        ok = false;
                        continue;
                    };
                    if let Some(p) = partner {
                        ok &= self.country(p);
                    }
                    expects.push(Expect::Finding {
                        measure: measure.name.clone(),
                        instrument: inst,
                        article: art,
                        status: Status::parse(&status.name).unwrap_or(Status::NotApplicable),
                        partner: partner.as_ref().map(|p| p.name.clone()),
                        span: s.span,
                    });
                }
                StmtKind::ExpectException {
                    measure,
                    provision,
                    defence,
                    outcome,
                } => {
                    ok &= self.expect_measure(measure, &measures);
                    let Some((inst, art)) = self.expect_provision(provision) else {
                        ok = false;
                        continue;
                    };
                    let d_inst = defence
                        .instrument
                        .as_ref()
                        .map_or(inst.clone(), |i| i.name.clone());
                    let exists = self
                        .model
                        .instruments
                        .get(&d_inst)
                        .is_some_and(|i| i.defences.contains_key(&defence.article.value));
                    if !exists {
                        let labels: Vec<String> = self
                            .model
                            .instruments
                            .get(&d_inst)
                            .map(|i| i.defences.keys().cloned().collect())
                            .unwrap_or_default();
                        let hint = crate::diag::did_you_mean(
                            &defence.article.value,
                            labels.iter().map(String::as_str),
                        );
                        self.err(
                            Diag::error("policyspace::resolve::unknown_article", format!("`{d_inst}` has no exception, carve-out or condition \"{}\"", defence.article.value))
                                .label(defence.span, "unknown defence")
                                .help(match hint {
                                    Some(h) => format!("did you mean \"{h}\"?"),
                                    None => "qualify it with its instrument if it belongs to another one: gatt-1994.\"XX(g)\"".into(),
                                }),
                        );
                        ok = false;
                        continue;
                    }
                    expects.push(Expect::Defence {
                        measure: measure.name.clone(),
                        instrument: inst,
                        article: art,
                        defence: DefRef::new(d_inst, defence.article.value.clone()),
                        outcome: match outcome.name.as_str() {
                            "holds" => Outcome::Holds,
                            "fails" => Outcome::Fails,
                            _ => Outcome::Unknown,
                        },
                        span: s.span,
                    });
                }
                StmtKind::ExpectQuestion { fact } => {
                    if !self.model.facts.contains_key(&fact.name)
                        && !crate::eval::BUILTIN_QUESTIONS.contains(&fact.name.as_str())
                    {
                        let c = self.model.facts.keys().cloned().collect();
                        self.unknown(super::NS_FACT, fact, c);
                        ok = false;
                        continue;
                    }
                    expects.push(Expect::Question(fact.name.clone(), s.span));
                }
                _ => {}
            }
        }
        if expects.is_empty() && ok {
            self.err(
                Diag::error(
                    "policyspace::resolve::test_without_expectations",
                    format!("test \"{}\" expects nothing", name.value),
                )
                .label(name.span, "no `expect`")
                .help(
                    "a test must be able to fail: add `expect verdict ...` or `expect finding ...`",
                ),
            );
            ok = false;
        }
        ok.then(|| TestCase {
            name: name.value.clone(),
            policy,
            expects,
            span: stmt.span,
        })
    }

    fn expect_measure(&mut self, m: &ast::Ident, measures: &HashSet<String>) -> bool {
        if measures.is_empty() || measures.contains(&m.name) {
            return true;
        }
        let hint = crate::diag::did_you_mean(&m.name, measures.iter().map(String::as_str));
        self.err(
            Diag::error(
                "policyspace::resolve::unknown_measure",
                format!("the test's policy has no measure `{}`", m.name),
            )
            .label(m.span, "no such measure")
            .help(match hint {
                Some(h) => format!("did you mean `{h}`?"),
                None => format!(
                    "measures: {}",
                    measures.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            }),
        );
        false
    }

    fn expect_provision(&mut self, q: &ast::QRef) -> Option<(String, String)> {
        let Some(inst) = &q.instrument else {
            self.err(
                Diag::error(
                    "policyspace::resolve::unqualified_reference",
                    format!("\"{}\" needs its instrument", q.article.value),
                )
                .label(q.span, "which instrument?")
                .help(format!(
                    "write it as <instrument>.\"{}\", e.g. gatt-1994.\"XI:1\"",
                    q.article.value
                )),
            );
            return None;
        };
        let Some(i) = self.model.instruments.get(&inst.name) else {
            let c = self.model.instruments.keys().cloned().collect();
            self.unknown_instrument(inst, c);
            return None;
        };
        if !i.provisions.contains_key(&q.article.value) {
            let labels: Vec<String> = i.provisions.keys().cloned().collect();
            let hint =
                crate::diag::did_you_mean(&q.article.value, labels.iter().map(String::as_str));
            self.err(
                Diag::error(
                    "policyspace::resolve::unknown_article",
                    format!("`{}` has no provision \"{}\"", inst.name, q.article.value),
                )
                .label(q.span, "no provision with this label")
                .help(match hint {
                    Some(h) => format!("did you mean \"{h}\"?"),
                    None => "labels are written exactly as the instrument numbers them".into(),
                }),
            );
            return None;
        }
        Some((inst.name.clone(), q.article.value.clone()))
    }

    // ------------------------------------------------------------------ index

    pub(super) fn build_index(&mut self) {
        let m = self.model.to_mut();
        let mut counts: FastMap<String, Vec<String>> = FastMap::default();
        for (id, _) in m.kinds.iter() {
            let mut seen = vec![id.clone()];
            let mut i = 0;
            while i < seen.len() {
                if let Some(k) = m.kinds.get(&seen[i]) {
                    for c in &k.counts_as {
                        if !seen.contains(&c.target) {
                            seen.push(c.target.clone());
                        }
                    }
                }
                i += 1;
            }
            counts.insert(id.clone(), seen);
        }
        let mut by_country: FastMap<String, Vec<usize>> = FastMap::default();
        for (ii, inst) in m.instruments.values().enumerate() {
            for code in inst.parties.keys() {
                by_country.entry(code.clone()).or_default().push(ii);
            }
        }
        let mut always: FastMap<String, Vec<String>> = FastMap::default();
        for (id, _) in m.kinds.iter() {
            let mut seen = vec![id.clone()];
            let mut i = 0;
            while i < seen.len() {
                if let Some(k) = m.kinds.get(&seen[i]) {
                    for c in k.counts_as.iter().filter(|c| c.when.is_none()) {
                        if !seen.contains(&c.target) {
                            seen.push(c.target.clone());
                        }
                    }
                }
                i += 1;
            }
            always.insert(id.clone(), seen);
        }
        let mut defences: FastMap<DefRef, (usize, usize)> = FastMap::default();
        for (ii, inst) in m.instruments.values().enumerate() {
            for (di, d) in inst.defences.values().enumerate() {
                defences.insert(DefRef::new(inst.id.clone(), d.label.clone()), (ii, di));
            }
        }
        // Resolve every reference to an exception, carve-out or condition to its position.
        for inst in m.instruments.values_mut() {
            for p in inst.provisions.values_mut() {
                for r in p.carve_outs.iter_mut().chain(p.exceptions.iter_mut()) {
                    r.at = defences.get(r).copied();
                }
            }
            for d in inst.defences.values_mut() {
                for r in d.subject_to.iter_mut() {
                    r.at = defences.get(r).copied();
                }
            }
        }
        m.index = Index {
            instruments_by_country: by_country,
            counts_as: counts,
            counts_as_always: always,
            defences,
        };
    }

    // ------------------------------------------------------------------ lints

    pub(super) fn lint(&mut self) {
        let mut warnings = Vec::new();
        let mut listed: HashSet<DefRef> = HashSet::new();
        for inst in self.model.instruments.values() {
            for p in inst.provisions.values() {
                listed.extend(p.carve_outs.iter().cloned());
                listed.extend(p.exceptions.iter().cloned());
            }
            for d in inst.defences.values() {
                listed.extend(d.subject_to.iter().cloned());
            }
        }
        for inst in self.model.instruments.values() {
            if inst.source.is_none() {
                warnings.push(
                    Diag::warning(
                        "policyspace::lint::missing_source",
                        format!("instrument `{}` has no source", inst.id),
                    )
                    .label(inst.span, "no `source`")
                    .help("add `source \"<URL of the official text>\"`"),
                );
            }
            for p in inst.provisions.values() {
                if p.source.is_none() && !p.incorporated {
                    warnings.push(
                        Diag::warning("policyspace::lint::missing_source", format!("provision \"{}\" of `{}` has no source", p.label, inst.id))
                            .label(p.span, "no `source`")
                            .help("every provision needs the URL of the official text or of the adjudicating report"),
                    );
                }
            }
            for d in inst.defences.values() {
                if d.source.is_none() && !d.incorporated {
                    warnings.push(
                        Diag::warning("policyspace::lint::missing_source", format!("{} \"{}\" of `{}` has no source", d.kind.as_str(), d.label, inst.id))
                            .label(d.span, "no `source`")
                            .help("every exception, carve-out and condition needs the URL of its official text"),
                    );
                }
                let r = DefRef::new(inst.id.clone(), d.label.clone());
                if !listed.contains(&r) && !d.incorporated {
                    warnings.push(
                        Diag::warning("policyspace::lint::unreachable_exception", format!("{} \"{}\" of `{}` is never used", d.kind.as_str(), d.label, inst.id))
                            .label(d.span, "no provision lists it")
                            .help("list it in a provision's `exceptions`/`carve-outs` (or an exception's `subject-to`), or remove it"),
                    );
                }
            }
        }
        self.diags.extend(warnings);
    }
}
