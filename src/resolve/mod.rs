//! Resolution: from syntax trees to the [`Model`]. Every name is looked up, every date parsed,
//! every fact value type-checked, and every problem reported (not just the first), each as a
//! diagnostic with a stable code, labelled spans and a help line.

mod instruments;
pub mod load;
mod policies;

use crate::date::Date;
use crate::diag::{Diag, did_you_mean};
use crate::hs;
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast::{
    self, ArticleBlock, Expr, ExprKind, Ident, SetItem, Stmt, StmtKind, Str, Value,
};
use crate::syntax::format;

use load::Loaded;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

pub use policies::resolve_policies;

/// Resolve loaded files into a model. Returns the model (as complete as the errors allow) and
/// every diagnostic, parse errors included.
pub fn resolve(loaded: &Loaded) -> (Model, Vec<Diag>) {
    let mut r = Resolver::default();
    r.diags.extend(loaded.diags.iter().cloned());
    r.run(loaded);
    let mut diags = r.diags;
    crate::diag::sort(&mut diags);
    (r.model.into_owned(), diags)
}

#[derive(Default)]
pub(crate) struct Resolver<'a> {
    /// Owned while rulesets are resolved; borrowed when policies are resolved against them.
    pub(crate) model: Cow<'a, Model>,
    pub(crate) diags: Vec<Diag>,
    /// Where each name was first defined, per namespace (for duplicate reports).
    defined: HashMap<(&'static str, String), Span>,
    groups_ast: Map<String, &'a Stmt>,
    kinds_ast: Map<String, &'a Stmt>,
    products_ast: Map<String, &'a Stmt>,
    objectives_ast: Vec<&'a Stmt>,
    instruments_ast: Map<String, &'a Stmt>,
    policies_ast: Vec<&'a Stmt>,
    tests_ast: Vec<&'a Stmt>,
}

/// The namespaces of names, as shown in messages.
const NS_COUNTRY: &str = "country";
const NS_GROUP: &str = "group";
const NS_FACT: &str = "fact";
const NS_KIND: &str = "measure kind or category";
const NS_MEASURE_KIND: &str = "measure kind";
const NS_OBJECTIVE: &str = "objective";
const NS_PRODUCTS: &str = "product table";
const NS_INSTRUMENT: &str = "instrument";
const NS_POLICY: &str = "policy";

impl<'a> Resolver<'a> {
    fn run(&mut self, loaded: &'a Loaded) {
        for (_, file) in &loaded.files {
            for item in &file.items {
                self.declare(item);
            }
        }
        self.resolve_groups();
        self.resolve_products();
        self.resolve_kinds();
        self.resolve_objectives();
        self.resolve_instruments();
        let policies = std::mem::take(&mut self.policies_ast);
        for p in policies {
            if let Some(policy) = self.policy(p) {
                self.model
                    .to_mut()
                    .policies
                    .insert(policy.id.clone(), policy);
            }
        }
        let tests = std::mem::take(&mut self.tests_ast);
        for t in tests {
            self.test(t);
        }
        self.build_index();
        self.lint();
    }

    pub(crate) fn err(&mut self, d: Diag) {
        self.diags.push(d);
    }

    /// Register a name; report a duplicate with both places.
    fn define(&mut self, ns: &'static str, id: &Ident) -> bool {
        let key = (ns, id.name.clone());
        if let Some(first) = self.defined.get(&key) {
            let first = *first;
            self.err(
                Diag::error("policyspace::resolve::duplicate_definition", format!("{ns} `{}` is defined twice", id.name))
                    .label(id.span, "defined again here")
                    .label(first, "first defined here")
                    .help(format!("rename one of them or remove the duplicate: {ns} ids must be unique across all loaded files")),
            );
            return false;
        }
        self.defined.insert(key, id.span);
        true
    }

    fn declare(&mut self, item: &'a Stmt) {
        use StmtKind as K;
        match &item.kind {
            K::Import { .. } => {}
            K::CountryDecl { code, name } => {
                if !is_country_code(&code.name) {
                    self.err(
                        Diag::error(
                            "policyspace::resolve::bad_country_code",
                            format!("`{}` is not an ISO 3166 alpha-3 code", code.name),
                        )
                        .label(code.span, "expected three capital letters")
                        .help("country codes are ISO 3166-1 alpha-3, such as IDN, COD or CHL"),
                    );
                    return;
                }
                if self.define(NS_COUNTRY, code) {
                    self.model.to_mut().countries.insert(
                        code.name.clone(),
                        Country {
                            code: code.name.clone(),
                            name: name.value.clone(),
                            span: code.span,
                        },
                    );
                }
            }
            K::Group { id, .. } if self.define(NS_GROUP, id) => {
                self.groups_ast.insert(id.name.clone(), item);
            }
            K::FactDecl {
                id,
                ty,
                question,
                body,
            } if self.define(NS_FACT, id) => {
                let ty = match ty {
                    ast::FactType::Bool { .. } => FactType::Bool,
                    ast::FactType::Number { .. } => FactType::Number,
                    ast::FactType::Date { .. } => FactType::Date,
                    ast::FactType::OneOf { values, .. } => {
                        FactType::OneOf(values.iter().map(|v| v.name.clone()).collect())
                    }
                };
                let help = body.iter().find_map(|s| match &s.kind {
                    K::Help { text } => Some(text.value.clone()),
                    _ => None,
                });
                if question.value.trim().is_empty() {
                    self.err(
                        Diag::error(
                            "policyspace::resolve::empty_question",
                            format!("fact `{}` has an empty question", id.name),
                        )
                        .label(question.span, "empty")
                        .help("write the question an analyst would be asked, in plain words"),
                    );
                }
                self.model.to_mut().facts.insert(
                    id.name.clone(),
                    FactDef {
                        id: id.name.clone(),
                        ty,
                        question: question.value.clone(),
                        help,
                        span: id.span,
                    },
                );
            }
            K::Category { id, title, .. } | K::MeasureKind { id, title, .. }
                if self.define(NS_KIND, id) =>
            {
                self.kinds_ast.insert(id.name.clone(), item);
                self.model.to_mut().kinds.insert(
                    id.name.clone(),
                    KindDef {
                        id: id.name.clone(),
                        title: title.value.clone(),
                        category: matches!(item.kind, K::Category { .. }),
                        counts_as: Vec::new(),
                        source: None,
                        span: item.span,
                    },
                );
            }
            K::Objective { id, title, .. } if self.define(NS_OBJECTIVE, id) => {
                self.objectives_ast.push(item);
                self.model.to_mut().objectives.insert(
                    id.name.clone(),
                    Objective {
                        id: id.name.clone(),
                        title: title.value.clone(),
                        options: Vec::new(),
                        span: item.span,
                    },
                );
            }
            K::Products { id, .. } if self.define(NS_PRODUCTS, id) => {
                self.products_ast.insert(id.name.clone(), item);
            }
            K::Instrument { id, .. } => {
                if !is_kebab(&id.name) {
                    self.err(
                        Diag::error("policyspace::resolve::bad_instrument_id", format!("instrument id `{}` is not lowercase kebab-case", id.name))
                            .label(id.span, "not kebab-case")
                            .help("instrument ids are lowercase words joined by `-`, e.g. `gatt-1994` or `bit-arg-usa-1991`"),
                    );
                }
                if self.define(NS_INSTRUMENT, id) {
                    self.instruments_ast.insert(id.name.clone(), item);
                }
            }
            K::Policy { id, .. } if self.define(NS_POLICY, id) => {
                self.policies_ast.push(item);
            }
            K::Test { .. } => self.tests_ast.push(item),
            _ => {}
        }
    }

    // ------------------------------------------------------------------ shared helpers

    pub(crate) fn date(&mut self, d: &ast::DateLit) -> Option<Date> {
        match Date::parse(&d.raw) {
            Ok(date) => Some(date),
            Err(why) => {
                self.err(
                    Diag::error(
                        "policyspace::resolve::invalid_date",
                        format!("`{}` is not a real date: {why}", d.raw),
                    )
                    .label(d.span, "impossible date")
                    .help("dates are YYYY-MM-DD and must exist in the calendar"),
                );
                None
            }
        }
    }

    pub(crate) fn country(&mut self, code: &Ident) -> bool {
        if !is_country_code(&code.name) {
            self.err(
                Diag::error(
                    "policyspace::resolve::bad_country_code",
                    format!("`{}` is not an ISO 3166 alpha-3 code", code.name),
                )
                .label(code.span, "expected three capital letters")
                .help("country codes are ISO 3166-1 alpha-3, such as IDN, COD or CHL"),
            );
            return false;
        }
        if self.model.countries.contains_key(&code.name) {
            return true;
        }
        let hint = did_you_mean(&code.name, self.model.countries.keys().map(String::as_str));
        let d = Diag::error("policyspace::resolve::unknown_country", format!("unknown country code `{}`", code.name))
            .label(code.span, "not a known country")
            .help(match hint {
                Some(h) => format!("did you mean `{h}`? Countries are ISO 3166-1 alpha-3 codes declared with `country`"),
                None => "countries are ISO 3166-1 alpha-3 codes declared with `country` (rulesets/core/countries.pspace)".into(),
            });
        self.err(d);
        false
    }

    fn unknown(&mut self, ns: &str, id: &Ident, candidates: Vec<String>) {
        let hint = did_you_mean(&id.name, candidates.iter().map(String::as_str));
        let code = match ns {
            NS_GROUP => "policyspace::resolve::unknown_group",
            NS_FACT => "policyspace::resolve::unknown_fact",
            NS_KIND | NS_MEASURE_KIND => "policyspace::resolve::unknown_measure_kind",
            NS_OBJECTIVE => "policyspace::resolve::unknown_objective",
            NS_PRODUCTS => "policyspace::resolve::unknown_product_table",
            NS_INSTRUMENT => "policyspace::resolve::unknown_instrument",
            NS_POLICY => "policyspace::resolve::unknown_policy",
            _ => "policyspace::resolve::unknown_name",
        };
        let help = match hint {
            Some(h) => format!("did you mean `{h}`?"),
            None if candidates.is_empty() => format!("no {ns} is defined in the loaded files"),
            None => format!(
                "declare it, or use one of the known names ({} defined)",
                candidates.len()
            ),
        };
        self.err(
            Diag::error(code, format!("unknown {ns} `{}`", id.name))
                .label(id.span, format!("no {ns} of this name"))
                .help(help),
        );
    }

    pub(crate) fn kind_ref(&mut self, id: &Ident) -> bool {
        if self.model.kinds.contains_key(&id.name) {
            return true;
        }
        let c = self.model.kinds.keys().cloned().collect();
        self.unknown(NS_KIND, id, c);
        false
    }

    /// A measure kind that a measure can state (not a category).
    pub(crate) fn measure_kind_ref(&mut self, id: &Ident) -> bool {
        match self.model.kinds.get(&id.name) {
            Some(k) if k.category => {
                self.err(
                    Diag::error("policyspace::resolve::category_as_kind", format!("`{}` is a category, not a measure kind", id.name))
                        .label(id.span, "a category")
                        .help("a measure states what it is (e.g. `domestic-processing-requirement`); categories are what treaty clauses list, reached through `counts-as`"),
                );
                false
            }
            Some(_) => true,
            None => {
                let c = self
                    .model
                    .kinds
                    .values()
                    .filter(|k| !k.category)
                    .map(|k| k.id.clone())
                    .collect();
                self.unknown(NS_MEASURE_KIND, id, c);
                false
            }
        }
    }

    pub(crate) fn objective_ref(&mut self, id: &Ident) -> bool {
        if self.model.objectives.contains_key(&id.name) {
            return true;
        }
        let c = self.model.objectives.keys().cloned().collect();
        self.unknown(NS_OBJECTIVE, id, c);
        false
    }

    pub(crate) fn imposed_as(&mut self, id: &Ident) -> Option<ImposedAs> {
        let v = ImposedAs::parse(&id.name);
        if v.is_none() {
            self.bad_word(
                id,
                "a way of imposing a measure",
                ImposedAs::NAMES,
                "policyspace::resolve::unknown_imposed_as",
            );
        }
        v
    }

    fn bad_word(&mut self, id: &Ident, what: &str, words: &[&str], code: &'static str) {
        let hint = did_you_mean(&id.name, words.iter().copied());
        self.err(
            Diag::error(code, format!("`{}` is not {what}", id.name))
                .label(id.span, format!("expected one of {}", words.join(", ")))
                .help(match hint {
                    Some(h) => format!("did you mean `{h}`?"),
                    None => format!("use one of: {}", words.join(", ")),
                }),
        );
    }

    /// Normalise an HS code; report malformed codes (error) and codes not in HS 2022 (warning).
    pub(crate) fn hs_code(&mut self, s: &Str) -> Option<String> {
        match hs::normalise(&s.value) {
            Ok(code) => {
                if !hs::exists(&code) {
                    self.err(
                        Diag::warning("policyspace::lint::unknown_hs_code", format!("HS code `{}` is not in the HS 2022 nomenclature", s.value))
                            .label(s.span, "no such chapter, heading or subheading")
                            .help("check the code against the HS 2022 list (shared/data/harmonized-system)"),
                    );
                }
                Some(code)
            }
            Err(why) => {
                self.err(
                    Diag::error("policyspace::resolve::malformed_hs_code", format!("`{}` is not an HS code: {why}", s.value))
                        .label(s.span, "malformed HS code")
                        .help("HS codes have 2, 4 or 6 digits (\"26\", \"2604\", \"280530\"), or the dotted form \"2805.30\""),
                );
                None
            }
        }
    }

    /// A fact value, type-checked against the fact's declaration.
    pub(crate) fn fact_value(&mut self, fact: &Ident, value: &Value) -> Option<FactValue> {
        let Some(def) = self.model.facts.get(&fact.name) else {
            let c = self.model.facts.keys().cloned().collect();
            self.unknown(NS_FACT, fact, c);
            return None;
        };
        let ty = def.ty.clone();
        let def_span = def.span;
        let got = match value {
            Value::Bool { value, .. } => (FactValue::Bool(*value), "bool"),
            Value::Number(n) => (FactValue::Number(n.value), "number"),
            Value::Date(d) => match self.date(d) {
                Some(d) => (FactValue::Date(d), "date"),
                None => return None,
            },
            Value::Ident(i) => (FactValue::Word(i.name.clone()), "word"),
        };
        let ok = match (&ty, &got.0) {
            (FactType::Bool, FactValue::Bool(_))
            | (FactType::Number, FactValue::Number(_))
            | (FactType::Date, FactValue::Date(_)) => true,
            (FactType::OneOf(vs), FactValue::Word(w)) => vs.contains(w),
            _ => false,
        };
        if ok {
            return Some(got.0);
        }
        let expected = match &ty {
            FactType::Bool => "`true` or `false`".to_string(),
            FactType::Number => "a number".to_string(),
            FactType::Date => "a date (YYYY-MM-DD)".to_string(),
            FactType::OneOf(vs) => format!(
                "one of {}",
                vs.iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.err(
            Diag::error(
                "policyspace::resolve::ill_typed_fact",
                format!(
                    "fact `{}` is a {} fact; this value does not fit",
                    fact.name,
                    ty.name()
                ),
            )
            .label(value.span(), format!("expected {expected}"))
            .label(def_span, "declared here")
            .help(format!("give `{}` {expected}", fact.name)),
        );
        None
    }

    // ------------------------------------------------------------------ conditions

    pub(crate) fn cond(&mut self, e: &Expr) -> Option<Cond> {
        let text = format::expr(e);
        let kind = match &e.kind {
            ExprKind::And { operands } => CondKind::And(self.conds(operands)?),
            ExprKind::Or { operands } => CondKind::Or(self.conds(operands)?),
            ExprKind::Not { operand } => CondKind::Not(Box::new(self.cond(operand)?)),
            ExprKind::Bool { value } => CondKind::Const(*value),
            ExprKind::Fact { fact, cmp } => self.fact_cond(fact, cmp.as_ref())?,
            ExprKind::In { subject, set } => self.in_cond(subject, set)?,
            ExprKind::Cmp { subject, op, value } => self.cmp_cond(subject, *op, value)?,
        };
        Some(Cond {
            kind,
            text,
            span: e.span,
        })
    }

    fn conds(&mut self, es: &[Expr]) -> Option<Vec<Cond>> {
        let out: Vec<Option<Cond>> = es.iter().map(|e| self.cond(e)).collect();
        out.into_iter().collect()
    }

    fn fact_cond(&mut self, fact: &Ident, cmp: Option<&(ast::CmpOp, Value)>) -> Option<CondKind> {
        let Some(def) = self.model.facts.get(&fact.name) else {
            let c = self.model.facts.keys().cloned().collect();
            self.unknown(NS_FACT, fact, c);
            return None;
        };
        let ty = def.ty.clone();
        match cmp {
            None => {
                if ty != FactType::Bool {
                    self.err(
                        Diag::error(
                            "policyspace::resolve::ill_typed_fact",
                            format!("fact `{}` is a {} fact, not a bool", fact.name, ty.name()),
                        )
                        .label(fact.span, "not a bool fact")
                        .help(format!(
                            "compare it with a value: `fact {} = ...`",
                            fact.name
                        )),
                    );
                    return None;
                }
                Some(CondKind::Fact {
                    fact: fact.name.clone(),
                    cmp: None,
                })
            }
            Some((op, value)) => {
                let v = self.fact_value(fact, value)?;
                let ordered = matches!(ty, FactType::Number | FactType::Date);
                if !ordered && !matches!(op, ast::CmpOp::Eq | ast::CmpOp::Ne) {
                    self.err(
                        Diag::error(
                            "policyspace::resolve::ill_typed_fact",
                            format!(
                                "`{}` cannot be ordered: it is a {} fact",
                                fact.name,
                                ty.name()
                            ),
                        )
                        .label(value.span(), "only = and != apply")
                        .help("use `=` or `!=`"),
                    );
                    return None;
                }
                Some(CondKind::Fact {
                    fact: fact.name.clone(),
                    cmp: Some((*op, v)),
                })
            }
        }
    }

    fn in_cond(&mut self, subject: &Ident, set: &[SetItem]) -> Option<CondKind> {
        let idents = |set: &[SetItem], this: &mut Self, what: &str| -> Option<Vec<Ident>> {
            let mut out = Vec::new();
            for s in set {
                match s {
                    SetItem::Ident(i) => out.push(i.clone()),
                    SetItem::Str(st) => {
                        this.err(
                            Diag::error(
                                "policyspace::resolve::wrong_set_item",
                                format!("expected {what}, found a string"),
                            )
                            .label(st.span, "a string")
                            .help("names are written without quotes; only HS codes are strings"),
                        );
                        return None;
                    }
                }
            }
            Some(out)
        };
        Some(match subject.name.as_str() {
            "kind" => {
                let ids = idents(set, self, "measure kinds")?;
                let mut ok = true;
                for i in &ids {
                    ok &= self.kind_ref(i);
                }
                if !ok {
                    return None;
                }
                CondKind::Kind(ids.into_iter().map(|i| i.name).collect())
            }
            "product" => {
                let mut prefixes = Vec::new();
                for s in set {
                    match s {
                        SetItem::Str(st) => prefixes.push(self.hs_code(st)?),
                        SetItem::Ident(i) => match self.model.products.get(&i.name) {
                            Some(t) => prefixes.extend(t.lines.iter().map(|l| l.code.clone())),
                            None => {
                                let c = self.model.products.keys().cloned().collect();
                                self.unknown(NS_PRODUCTS, i, c);
                                return None;
                            }
                        },
                    }
                }
                CondKind::Product(prefixes)
            }
            "imposed-as" => {
                let ids = idents(set, self, "ways of imposing a measure")?;
                let mut out = Vec::new();
                for i in &ids {
                    out.push(self.imposed_as(i)?);
                }
                CondKind::ImposedAs(out)
            }
            "targets" => {
                let ids = idents(set, self, "target classes")?;
                for i in &ids {
                    if !Targets::CLASSES.contains(&i.name.as_str()) {
                        self.bad_word(
                            i,
                            "a target class",
                            Targets::CLASSES,
                            "policyspace::resolve::unknown_target",
                        );
                        return None;
                    }
                }
                CondKind::Targets(ids.into_iter().map(|i| i.name).collect())
            }
            "objective" => {
                let ids = idents(set, self, "objectives")?;
                for i in &ids {
                    if !self.objective_ref(i) {
                        return None;
                    }
                }
                CondKind::Objective(ids.into_iter().map(|i| i.name).collect())
            }
            "country" | "partner" => {
                let ids = idents(set, self, "country codes or groups")?;
                let mut out = Vec::new();
                for i in &ids {
                    out.push(self.country_ref(i)?);
                }
                if subject.name == "country" {
                    CondKind::Country(out)
                } else {
                    CondKind::Partner(out)
                }
            }
            _ => return None,
        })
    }

    /// A country code or a group name.
    pub(crate) fn country_ref(&mut self, i: &Ident) -> Option<CountryRef> {
        if self.model.groups.contains_key(&i.name) || self.groups_ast.contains_key(&i.name) {
            return Some(CountryRef::Group(i.name.clone()));
        }
        if is_country_code(&i.name) {
            return self.country(i).then(|| CountryRef::Code(i.name.clone()));
        }
        let c = self.model.groups.keys().cloned().collect();
        self.unknown(NS_GROUP, i, c);
        None
    }

    fn cmp_cond(&mut self, subject: &Ident, op: ast::CmpOp, value: &Value) -> Option<CondKind> {
        match (subject.name.as_str(), value) {
            ("rate", Value::Number(n)) => Some(CondKind::Rate(op, n.value)),
            ("date" | "investment-date" | "until", Value::Date(d)) => {
                let date = self.date(d)?;
                let s = match subject.name.as_str() {
                    "date" => DateSubject::Date,
                    "investment-date" => DateSubject::InvestmentDate,
                    _ => DateSubject::Until,
                };
                Some(CondKind::Date(s, op, date))
            }
            (s, v) => {
                let expected = if s == "rate" {
                    "a number"
                } else {
                    "a date (YYYY-MM-DD)"
                };
                self.err(
                    Diag::error(
                        "policyspace::resolve::ill_typed_comparison",
                        format!("`{s}` is compared with {expected}"),
                    )
                    .label(v.span(), format!("expected {expected}"))
                    .help(format!(
                        "write e.g. `{s} {} {}`",
                        op.as_str(),
                        if s == "rate" { "10" } else { "2000-01-01" }
                    )),
                );
                None
            }
        }
    }

    // ------------------------------------------------------------------ groups, products, kinds, objectives

    fn resolve_groups(&mut self) {
        let asts: Vec<(String, &'a Stmt)> = self
            .groups_ast
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        // Direct members first.
        let mut direct: Map<String, (Group, Vec<Ident>)> = Map::default();
        for (id, stmt) in &asts {
            let StmtKind::Group { title, body, .. } = &stmt.kind else {
                continue;
            };
            let mut g = Group {
                id: id.clone(),
                title: title.value.clone(),
                source: None,
                members: Map::default(),
                span: stmt.span,
            };
            let mut includes = Vec::new();
            for s in body {
                match &s.kind {
                    StmtKind::Source { text } => g.source = Some(text.value.clone()),
                    StmtKind::Member { code, attrs } => {
                        if !self.country(code) {
                            continue;
                        }
                        let mut iv = Interval::ALWAYS;
                        for a in attrs {
                            if let Value::Date(d) = &a.value {
                                let date = self.date(d);
                                match a.key.name.as_str() {
                                    "since" => iv.since = date,
                                    _ => iv.until = date,
                                }
                            }
                        }
                        if let (Some(s0), Some(u0)) = (iv.since, iv.until)
                            && u0 <= s0
                        {
                            self.err(
                                    Diag::error("policyspace::resolve::empty_interval", format!("membership of `{}` ends before it begins", code.name))
                                        .label(s.span, format!("until {u0} is not after since {s0}"))
                                        .help("`since` is the first day of membership and `until` the first day after it"),
                                );
                        }
                        g.members.entry(code.name.clone()).or_default().push(iv);
                    }
                    StmtKind::Include { id } => includes.push(id.clone()),
                    _ => {}
                }
            }
            direct.insert(id.clone(), (g, includes));
        }
        // Flatten includes, detecting cycles.
        let names: Vec<String> = direct.keys().cloned().collect();
        for name in names {
            let mut members: Map<String, Vec<Interval>> = Map::default();
            for g in self.included(
                &name,
                &direct,
                NS_GROUP,
                "policyspace::resolve::group_cycle",
            ) {
                if let Some((grp, _)) = direct.get(&g) {
                    for (code, iv) in &grp.members {
                        members
                            .entry(code.clone())
                            .or_default()
                            .extend(iv.iter().copied());
                    }
                }
            }
            if let Some((mut g, _)) = direct.get(&name).cloned() {
                g.members = members;
                self.model.to_mut().groups.insert(name.clone(), g);
            }
        }
    }

    /// The names a table reaches through `include` (itself first, each once), reporting include
    /// cycles and unknown names (once, from the table where they are written).
    fn included<T>(
        &mut self,
        start: &str,
        direct: &Map<String, (T, Vec<Ident>)>,
        ns: &'static str,
        cycle_code: &'static str,
    ) -> Vec<String> {
        let mut out = vec![start.to_string()];
        let mut stack: Vec<(String, Vec<String>)> =
            vec![(start.to_string(), vec![start.to_string()])];
        while let Some((name, path)) = stack.pop() {
            let Some((_, includes)) = direct.get(&name) else {
                continue;
            };
            for inc in includes {
                if path.contains(&inc.name) {
                    if inc.name == start {
                        self.err(
                            Diag::error(cycle_code, format!("{ns} `{}` includes itself", inc.name))
                                .label(inc.span, "this include closes a cycle")
                                .help(format!(
                                    "they include each other: {} → {}",
                                    path.join(" → "),
                                    inc.name
                                )),
                        );
                    }
                    continue;
                }
                if !direct.contains_key(&inc.name) {
                    if name == start {
                        let c = direct.keys().cloned().collect();
                        self.unknown(ns, inc, c);
                    }
                    continue;
                }
                if !out.contains(&inc.name) {
                    out.push(inc.name.clone());
                }
                let mut p = path.clone();
                p.push(inc.name.clone());
                stack.push((inc.name.clone(), p));
            }
        }
        out
    }

    fn resolve_products(&mut self) {
        let asts: Vec<(String, &'a Stmt)> = self
            .products_ast
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let mut direct: Map<String, (ProductTable, Vec<Ident>)> = Map::default();
        for (id, stmt) in &asts {
            let StmtKind::Products { title, body, .. } = &stmt.kind else {
                continue;
            };
            let mut t = ProductTable {
                id: id.clone(),
                title: title.value.clone(),
                source: None,
                lines: Vec::new(),
                span: stmt.span,
            };
            let mut includes = Vec::new();
            for s in body {
                match &s.kind {
                    StmtKind::Source { text } => t.source = Some(text.value.clone()),
                    StmtKind::Line { hs, label, .. } => {
                        if let Some(code) = self.hs_code(hs) {
                            if t.lines.iter().any(|l| l.code == code) {
                                self.err(
                                    Diag::warning(
                                        "policyspace::lint::duplicate_line",
                                        format!("HS line `{code}` is listed twice in `{id}`"),
                                    )
                                    .label(hs.span, "listed again")
                                    .help("remove the duplicate line"),
                                );
                            }
                            t.lines.push(ProductLine {
                                code,
                                label: label.as_ref().map(|l| l.value.clone()),
                            });
                        }
                    }
                    StmtKind::Include { id } => includes.push(id.clone()),
                    _ => {}
                }
            }
            direct.insert(id.clone(), (t, includes));
        }
        let names: Vec<String> = direct.keys().cloned().collect();
        for name in names {
            let mut lines: Vec<ProductLine> = Vec::new();
            for t in self.included(
                &name,
                &direct,
                NS_PRODUCTS,
                "policyspace::resolve::product_table_cycle",
            ) {
                if let Some((table, _)) = direct.get(&t) {
                    lines.extend(table.lines.iter().cloned());
                }
            }
            if let Some((mut t, _)) = direct.get(&name).cloned() {
                let mut uniq = HashSet::new();
                lines.retain(|l: &ProductLine| uniq.insert(l.code.clone()));
                t.lines = lines;
                self.model.to_mut().products.insert(name.clone(), t);
            }
        }
    }

    fn resolve_kinds(&mut self) {
        let asts: Vec<(String, &'a Stmt)> = self
            .kinds_ast
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        for (id, stmt) in &asts {
            let (title, body, category) = match &stmt.kind {
                StmtKind::Category { title, body, .. } => (title, body, true),
                StmtKind::MeasureKind { title, body, .. } => (title, body, false),
                _ => continue,
            };
            let mut k = KindDef {
                id: id.clone(),
                title: title.value.clone(),
                category,
                counts_as: Vec::new(),
                source: None,
                span: stmt.span,
            };
            let _ = &title;
            for s in body {
                match &s.kind {
                    StmtKind::Source { text } => k.source = Some(text.value.clone()),
                    StmtKind::CountsAs {
                        kind,
                        when,
                        because,
                    } => {
                        if !self.kind_ref(kind) {
                            continue;
                        }
                        if kind.name == *id {
                            self.err(
                                Diag::error(
                                    "policyspace::resolve::kind_cycle",
                                    format!("`{id}` counts as itself"),
                                )
                                .label(kind.span, "remove this")
                                .help("every kind already counts as itself"),
                            );
                            continue;
                        }
                        let when = match when {
                            Some(w) => match self.cond(w) {
                                Some(c) => Some(c),
                                None => continue,
                            },
                            None => None,
                        };
                        k.counts_as.push(CountsAs {
                            target: kind.name.clone(),
                            when,
                            because: because.as_ref().map(|b| b.value.clone()),
                            span: s.span,
                        });
                    }
                    _ => {}
                }
            }
            self.model.to_mut().kinds.insert(id.clone(), k);
        }
        // Cycles in `counts-as`.
        let ids: Vec<String> = self.model.kinds.keys().cloned().collect();
        for id in ids {
            let mut stack = vec![(id.clone(), vec![id.clone()])];
            let mut reported = false;
            let mut visited = HashSet::new();
            while let Some((k, path)) = stack.pop() {
                let edges: Vec<(String, Span)> = self
                    .model
                    .kinds
                    .get(&k)
                    .map(|d| {
                        d.counts_as
                            .iter()
                            .map(|c| (c.target.clone(), c.span))
                            .collect()
                    })
                    .unwrap_or_default();
                for (t, span) in edges {
                    if t == id && !reported {
                        reported = true;
                        // Report once, at the lexicographically smallest kind of the cycle.
                        if path.iter().all(|p| *p >= id) {
                            self.err(
                                Diag::error(
                                    "policyspace::resolve::kind_cycle",
                                    format!("`{id}` counts as itself through a cycle"),
                                )
                                .label(span, "this `counts-as` closes the cycle")
                                .help(format!(
                                    "the kinds count as each other: {} → {id}",
                                    path.join(" → ")
                                )),
                            );
                        }
                    } else if visited.insert(t.clone()) {
                        let mut p = path.clone();
                        p.push(t.clone());
                        stack.push((t, p));
                    }
                }
            }
        }
    }

    fn resolve_objectives(&mut self) {
        let asts = std::mem::take(&mut self.objectives_ast);
        for stmt in asts {
            let StmtKind::Objective { id, title, body } = &stmt.kind else {
                continue;
            };
            let mut o = Objective {
                id: id.name.clone(),
                title: title.value.clone(),
                options: Vec::new(),
                span: stmt.span,
            };
            let mut seen = HashMap::new();
            for s in body {
                let StmtKind::Option {
                    id: oid,
                    title,
                    body,
                } = &s.kind
                else {
                    continue;
                };
                if let Some(first) = seen.insert(oid.name.clone(), oid.span) {
                    self.err(
                        Diag::error(
                            "policyspace::resolve::duplicate_definition",
                            format!(
                                "option `{}` is defined twice in objective `{}`",
                                oid.name, id.name
                            ),
                        )
                        .label(oid.span, "defined again here")
                        .label(first, "first defined here")
                        .help("option names must be unique within an objective"),
                    );
                    continue;
                }
                let mut opt = OptionDef {
                    id: oid.name.clone(),
                    title: title.value.clone(),
                    kind: String::new(),
                    imposed_as: None,
                    rate: None,
                    facts: Map::default(),
                    span: s.span,
                };
                for b in body {
                    match &b.kind {
                        StmtKind::Kind { value } if self.measure_kind_ref(value) => {
                            opt.kind = value.name.clone();
                        }
                        StmtKind::ImposedAs { value } => opt.imposed_as = self.imposed_as(value),
                        StmtKind::Rate { rate } => opt.rate = Some(rate.value),
                        StmtKind::FactValue { fact, value } => {
                            if let Some(v) = self.fact_value(fact, value) {
                                opt.facts.insert(fact.name.clone(), v);
                            }
                        }
                        _ => {}
                    }
                }
                if opt.kind.is_empty() {
                    if !body.iter().any(|b| matches!(b.kind, StmtKind::Kind { .. })) {
                        self.err(
                            Diag::error(
                                "policyspace::resolve::missing_kind",
                                format!("option `{}` has no measure kind", oid.name),
                            )
                            .label(oid.span, "no `kind`")
                            .help("add `kind <measure-kind>` to the option's block"),
                        );
                    }
                    continue;
                }
                o.options.push(opt);
            }
            self.model.to_mut().objectives.insert(id.name.clone(), o);
        }
    }
}

fn is_country_code(s: &str) -> bool {
    s.len() == 3 && s.chars().all(|c| c.is_ascii_uppercase())
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

pub(crate) fn block_of(s: &Stmt) -> Option<(&ArticleBlock, DefenceKindOrProvision)> {
    match &s.kind {
        StmtKind::Provision(b) => Some((b, DefenceKindOrProvision::Provision)),
        StmtKind::Exception(b) => {
            Some((b, DefenceKindOrProvision::Defence(DefenceKind::Exception)))
        }
        StmtKind::CarveOut(b) => Some((b, DefenceKindOrProvision::Defence(DefenceKind::CarveOut))),
        StmtKind::Condition(b) => {
            Some((b, DefenceKindOrProvision::Defence(DefenceKind::Condition)))
        }
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DefenceKindOrProvision {
    Provision,
    Defence(DefenceKind),
}
