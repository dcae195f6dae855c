//! Policies in JSON (schema `policyspace/policy/v1`, design.md §5a), read into the same model as
//! `.pspace` policies: the JSON is turned into a syntax tree (with spans pointing into the JSON
//! text) and resolved by the same code, so both forms get the same checks and messages.

use crate::diag::Diag;
use crate::model::{Model, Policy};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, DateLit, Ident, Num, Stmt, StmtKind, Str, Value};
use serde::Deserialize;

pub const SCHEMA: &str = "policyspace/policy/v1";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyJson {
    schema: String,
    id: String,
    #[serde(default)]
    title: Option<String>,
    country: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    investment_date: Option<String>,
    measures: Vec<MeasureJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeasureJson {
    id: String,
    #[serde(default)]
    title: Option<String>,
    kind: String,
    #[serde(default)]
    products: Vec<String>,
    #[serde(default)]
    imposed_as: Option<String>,
    #[serde(default)]
    targets: Option<TargetsJson>,
    #[serde(default)]
    rate: Option<f64>,
    #[serde(default)]
    until: Option<String>,
    #[serde(default)]
    objective: Option<String>,
    #[serde(default)]
    facts: indexmap::IndexMap<String, serde_json::Value>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TargetsJson {
    Word(String),
    InvestorsOf(InvestorsOf),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvestorsOf {
    investors_of: Vec<String>,
}

/// Parse and resolve a JSON policy.
pub fn parse(model: &Model, text: &str, file: FileId) -> Result<Policy, Vec<Diag>> {
    let json: PolicyJson = match serde_json::from_str(text) {
        Ok(j) => j,
        Err(e) => return Err(vec![serde_error(text, file, &e)]),
    };
    let mut at = Locator { text, file, pos: 0 };
    if json.schema != SCHEMA {
        let span = at.find_str(&json.schema);
        return Err(vec![
            Diag::error(
                "policyspace::policy::unknown_schema",
                format!("unknown policy schema `{}`", json.schema),
            )
            .label(span, "unsupported schema")
            .help(format!("this version reads `\"schema\": \"{SCHEMA}\"`")),
        ]);
    }
    for m in &json.measures {
        if let Some(TargetsJson::Word(w)) = &m.targets
            && w != "all"
            && w != "foreign-investors"
        {
            let span = at.find_str(w);
            return Err(vec![
                    Diag::error("policyspace::policy::unknown_target", format!("`{w}` is not a target"))
                        .label(span, "unknown target")
                        .help("`targets` is \"all\", \"foreign-investors\" or {\"investors_of\": [\"USA\", ...]}"),
                ]);
        }
    }
    at.pos = 0;
    let stmt = at.policy(&json);
    let file_ast = ast::File {
        items: vec![stmt],
        comments: Vec::new(),
    };
    let (policies, _, diags) = crate::resolve::resolve_policies(model, &[&file_ast]);
    if diags.iter().any(Diag::is_error) {
        return Err(diags);
    }
    policies.into_iter().next().ok_or_else(|| {
        vec![Diag::error(
            "policyspace::policy::no_policy",
            "the JSON holds no policy",
        )]
    })
}

/// A serde error as a diagnostic pointing at its line and column.
fn serde_error(text: &str, file: FileId, e: &serde_json::Error) -> Diag {
    let (line, col) = (e.line(), e.column());
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            offset += l
                .char_indices()
                .nth(col.saturating_sub(1))
                .map_or(l.len(), |(b, _)| b);
            break;
        }
        offset += l.len();
    }
    let offset = offset.min(text.len());
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let (code, help) = if msg.contains("unknown field") {
        (
            "policyspace::policy::unknown_field",
            "the policy schema policyspace/policy/v1 has: schema, id, title, country, date, investment_date, measures; a measure has: id, title, kind, products, imposed_as, targets, rate, until, objective, facts, note",
        )
    } else if msg.contains("missing field") {
        (
            "policyspace::policy::missing_field",
            "add the field; see the schema in docs/policy-json.md",
        )
    } else if e.is_syntax() || e.is_eof() {
        (
            "policyspace::policy::json_syntax",
            "the file is not valid JSON at this point",
        )
    } else {
        (
            "policyspace::policy::json_type",
            "check the value's type against docs/policy-json.md",
        )
    };
    Diag::error(code, msg)
        .label(
            Span::new(file, offset, (offset + 1).min(text.len()).max(offset)),
            format!("line {line}, column {col}"),
        )
        .help(help)
}

/// Finds the spans of values in the JSON text, scanning forward in document order.
struct Locator<'a> {
    text: &'a str,
    file: FileId,
    pos: usize,
}

impl Locator<'_> {
    fn span_of(&mut self, needle: &str) -> Span {
        match self.text.get(self.pos..).and_then(|t| t.find(needle)) {
            Some(n) => {
                let start = self.pos + n;
                self.pos = start + needle.len();
                Span::new(self.file, start, start + needle.len())
            }
            None => Span::new(self.file, self.pos, self.pos),
        }
    }

    /// The span of a string value, quotes included.
    fn find_str(&mut self, s: &str) -> Span {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        self.span_of(&quoted)
    }

    fn key(&mut self, k: &str) -> Span {
        self.span_of(&format!("\"{k}\""))
    }

    fn ident(&mut self, s: &str) -> Ident {
        Ident {
            name: s.to_string(),
            span: self.find_str(s),
        }
    }

    fn str(&mut self, s: &str) -> Str {
        Str {
            value: s.to_string(),
            span: self.find_str(s),
        }
    }

    fn date(&mut self, s: &str) -> DateLit {
        DateLit {
            raw: s.to_string(),
            span: self.find_str(s),
        }
    }

    fn stmt(kind: StmtKind, span: Span) -> Stmt {
        Stmt {
            kind,
            span,
            keyword: span,
        }
    }

    fn policy(&mut self, j: &PolicyJson) -> Stmt {
        self.key("id");
        let id = self.ident(&j.id);
        let title = Str {
            value: j.title.clone().unwrap_or_else(|| j.id.clone()),
            span: id.span,
        };
        let mut body = Vec::new();
        self.pos = 0;
        let k = self.key("country");
        body.push(Self::stmt(
            StmtKind::Country {
                code: self.ident(&j.country),
            },
            k,
        ));
        if let Some(d) = &j.date {
            self.pos = 0;
            let k = self.key("date");
            body.push(Self::stmt(StmtKind::Date { date: self.date(d) }, k));
        }
        if let Some(d) = &j.investment_date {
            self.pos = 0;
            let k = self.key("investment_date");
            body.push(Self::stmt(
                StmtKind::InvestmentDate { date: self.date(d) },
                k,
            ));
        }
        self.pos = 0;
        self.key("measures");
        for m in &j.measures {
            body.push(self.measure(m));
        }
        Self::stmt(
            StmtKind::Policy { id, title, body },
            Span::new(self.file, 0, self.text.len()),
        )
    }

    fn measure(&mut self, m: &MeasureJson) -> Stmt {
        let k = self.key("id");
        let id = self.ident(&m.id);
        let start = self.pos;
        let title = m.title.as_ref().map(|t| self.str(t));
        let mut body = Vec::new();
        // Each field is searched from the start of this measure, in a fixed order.
        let field = |this: &mut Self, key: &str| {
            this.pos = start;
            this.key(key)
        };
        let kk = field(self, "kind");
        body.push(Self::stmt(
            StmtKind::Kind {
                value: self.ident(&m.kind),
            },
            kk,
        ));
        if !m.products.is_empty() {
            let kk = field(self, "products");
            let codes = m.products.iter().map(|p| self.str(p)).collect();
            body.push(Self::stmt(StmtKind::ProductsList { codes }, kk));
        }
        if let Some(v) = &m.imposed_as {
            let kk = field(self, "imposed_as");
            body.push(Self::stmt(
                StmtKind::ImposedAs {
                    value: self.ident(v),
                },
                kk,
            ));
        }
        if let Some(t) = &m.targets {
            let kk = field(self, "targets");
            let targets = match t {
                TargetsJson::Word(w) if w == "all" => ast::Targets::All {
                    span: self.find_str(w),
                },
                TargetsJson::Word(w) if w == "foreign-investors" => {
                    ast::Targets::ForeignInvestors {
                        span: self.find_str(w),
                    }
                }
                TargetsJson::Word(w) => ast::Targets::All {
                    span: self.find_str(w),
                },
                TargetsJson::InvestorsOf(io) => {
                    let codes: Vec<Ident> = io.investors_of.iter().map(|c| self.ident(c)).collect();
                    ast::Targets::InvestorsOf { codes, span: kk }
                }
            };
            body.push(Self::stmt(StmtKind::Targets { targets }, kk));
        }
        if let Some(r) = m.rate {
            let kk = field(self, "rate");
            body.push(Self::stmt(
                StmtKind::Rate {
                    rate: Num {
                        value: r,
                        percent: false,
                        span: kk,
                    },
                },
                kk,
            ));
        }
        if let Some(u) = &m.until {
            let kk = field(self, "until");
            body.push(Self::stmt(StmtKind::Until { date: self.date(u) }, kk));
        }
        if let Some(o) = &m.objective {
            let kk = field(self, "objective");
            body.push(Self::stmt(StmtKind::ObjectiveRef { id: self.ident(o) }, kk));
        }
        if !m.facts.is_empty() {
            field(self, "facts");
            for (name, v) in &m.facts {
                let ks = self.key(name);
                let fact = Ident {
                    name: name.clone(),
                    span: Span::new(self.file, ks.start as usize + 1, ks.end as usize - 1),
                };
                let vspan = Span::new(self.file, ks.end as usize, ks.end as usize + 1);
                let value = match v {
                    serde_json::Value::Null => continue,
                    serde_json::Value::Bool(b) => Value::Bool {
                        value: *b,
                        span: vspan,
                    },
                    serde_json::Value::Number(n) => Value::Number(Num {
                        value: n.as_f64().unwrap_or(0.0),
                        percent: false,
                        span: vspan,
                    }),
                    serde_json::Value::String(s) if looks_like_date(s) => Value::Date(self.date(s)),
                    serde_json::Value::String(s) => Value::Ident(self.ident(s)),
                    other => Value::Ident(Ident {
                        name: other.to_string(),
                        span: vspan,
                    }),
                };
                body.push(Self::stmt(StmtKind::FactValue { fact, value }, ks));
            }
        }
        if let Some(n) = &m.note {
            body.push(Self::stmt(
                StmtKind::Note {
                    text: Str {
                        value: n.clone(),
                        span: k,
                    },
                },
                k,
            ));
        }
        Self::stmt(StmtKind::Measure { id, title, body }, k)
    }
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-'
}
