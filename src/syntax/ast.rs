//! The syntax tree of a `.pspace` file: a span on every node, comments kept in a side table.
//!
//! Bodies of blocks are lists of [`Stmt`]; which statements a block accepts is decided by the
//! parser's per-context tables (see `parser.rs`) and checked again by the resolver. Equality
//! ignores spans, so `parse(fmt(x)) == parse(x)` is a meaningful property.

use crate::source::Span;
use serde::Serialize;

/// A parsed file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct File {
    pub items: Vec<Stmt>,
    /// Every comment of the file in order, with its span (the formatter re-attaches them).
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comment {
    /// The text after `//`, trailing whitespace removed.
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

/// A date as written; its validity is checked by the resolver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DateLit {
    pub raw: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Num {
    pub value: f64,
    pub percent: bool,
    pub span: Span,
}

/// A reference to an article: `gatt-1994."XX(g)"` or `"XX(g)"` (same instrument).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QRef {
    pub instrument: Option<Ident>,
    pub article: Str,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Value {
    Bool { value: bool, span: Span },
    Number(Num),
    Date(DateLit),
    Ident(Ident),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Bool { span, .. } => *span,
            Value::Number(n) => n.span,
            Value::Date(d) => d.span,
            Value::Ident(i) => i.span,
        }
    }
}

/// An element of a set in `x in [...]`: a name or a string (an HS code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SetItem {
    Ident(Ident),
    Str(Str),
}

impl SetItem {
    pub fn span(&self) -> Span {
        match self {
            SetItem::Ident(i) => i.span,
            SetItem::Str(s) => s.span,
        }
    }
    pub fn text(&self) -> &str {
        match self {
            SetItem::Ident(i) => &i.name,
            SetItem::Str(s) => &s.value,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A three-valued condition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "expr", rename_all = "kebab-case")]
pub enum ExprKind {
    And {
        operands: Vec<Expr>,
    },
    Or {
        operands: Vec<Expr>,
    },
    Not {
        operand: Box<Expr>,
    },
    Bool {
        value: bool,
    },
    /// `fact f` or `fact f >= 10`.
    Fact {
        fact: Ident,
        cmp: Option<(CmpOp, Value)>,
    },
    /// `kind in [..]`, `product in [..]`, `country in [..]` ...
    In {
        subject: Ident,
        set: Vec<SetItem>,
    },
    /// `rate > 10`, `date < 2000-01-01` ...
    Cmp {
        subject: Ident,
        op: CmpOp,
        value: Value,
    },
}

/// Subjects of `in` and comparisons.
pub const IN_SUBJECTS: &[&str] = &[
    "kind",
    "product",
    "imposed-as",
    "targets",
    "objective",
    "country",
    "partner",
];
pub const CMP_SUBJECTS: &[&str] = &["rate", "date", "investment-date", "until"];

/// A block with a label: provisions, exceptions, carve-outs and conditions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArticleBlock {
    pub label: Str,
    pub from: Option<QRef>,
    pub title: Option<Str>,
    pub body: Vec<Stmt>,
}

/// `member CODE since D until D source "..."` and `party CODE in-force D ...`: attributes in order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attr {
    pub key: Ident,
    pub value: Value,
    /// For `source "..."` attributes.
    pub text: Option<Str>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Targets {
    All { span: Span },
    ForeignInvestors { span: Span },
    InvestorsOf { codes: Vec<Ident>, span: Span },
}

/// A statement (top-level items are statements too).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stmt {
    pub kind: StmtKind,
    /// The whole statement, keyword to last value or closing brace.
    pub span: Span,
    /// The keyword.
    pub keyword: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "stmt", rename_all = "kebab-case")]
pub enum StmtKind {
    // ---- top-level items
    Import {
        path: Str,
    },
    CountryDecl {
        code: Ident,
        name: Str,
    },
    Group {
        id: Ident,
        title: Str,
        body: Vec<Stmt>,
    },
    FactDecl {
        id: Ident,
        ty: FactType,
        question: Str,
        body: Vec<Stmt>,
    },
    Category {
        id: Ident,
        title: Str,
        body: Vec<Stmt>,
    },
    MeasureKind {
        id: Ident,
        title: Str,
        body: Vec<Stmt>,
    },
    Objective {
        id: Ident,
        title: Str,
        body: Vec<Stmt>,
    },
    Products {
        id: Ident,
        title: Str,
        body: Vec<Stmt>,
    },
    Instrument {
        id: Ident,
        title: Str,
        body: Vec<Stmt>,
    },
    Policy {
        id: Ident,
        title: Str,
        body: Vec<Stmt>,
    },
    Test {
        name: Str,
        body: Vec<Stmt>,
    },

    // ---- shared statements
    Source {
        text: Str,
    },
    Note {
        text: Str,
    },
    Text {
        text: Str,
    },
    Help {
        text: Str,
    },
    Cite {
        text: Str,
    },

    // ---- groups and products
    Member {
        code: Ident,
        attrs: Vec<Attr>,
    },
    Include {
        id: Ident,
    },
    Line {
        hs: Str,
        rate: Option<Num>,
        label: Option<Str>,
    },

    // ---- measure kinds, objectives
    CountsAs {
        kind: Ident,
        when: Option<Expr>,
        because: Option<Str>,
    },
    Option {
        id: Ident,
        title: Str,
        body: Vec<Stmt>,
    },

    // ---- instruments
    Kind {
        value: Ident,
    },
    Binding {
        value: bool,
    },
    Signed {
        date: DateLit,
    },
    InForce {
        date: DateLit,
    },
    Terminated {
        date: DateLit,
    },
    Survival {
        years: Num,
    },
    Partners {
        mode: Ident,
    },
    Enforcement {
        mode: Ident,
    },
    Confidence {
        level: Ident,
        reason: Option<Str>,
    },
    Parties {
        parties: Vec<Ident>,
    },
    Party {
        code: Ident,
        attrs: Vec<Attr>,
    },
    Incorporates {
        id: Ident,
    },
    Provision(ArticleBlock),
    Exception(ArticleBlock),
    CarveOut(ArticleBlock),
    Condition(ArticleBlock),

    // ---- provisions and defences
    Prohibits {
        kinds: Vec<Ident>,
    },
    Permits {
        kinds: Vec<Ident>,
    },
    Cap {
        kind: Ident,
        body: Vec<Stmt>,
    },
    Default {
        rate: Num,
    },
    Scope {
        expr: Expr,
    },
    Requires {
        expr: Expr,
    },
    CarveOuts {
        refs: Vec<QRef>,
    },
    Exceptions {
        refs: Vec<QRef>,
    },
    SubjectTo {
        refs: Vec<QRef>,
    },

    // ---- policies and measures
    Country {
        code: Ident,
    },
    Date {
        date: DateLit,
    },
    InvestmentDate {
        date: DateLit,
    },
    Measure {
        id: Ident,
        title: Option<Str>,
        body: Vec<Stmt>,
    },
    ImposedAs {
        value: Ident,
    },
    Targets {
        targets: Targets,
    },
    Rate {
        rate: Num,
    },
    Until {
        date: DateLit,
    },
    ObjectiveRef {
        id: Ident,
    },
    ProductsList {
        codes: Vec<Str>,
    },
    FactValue {
        fact: Ident,
        value: Value,
    },

    // ---- tests
    Check {
        policy: Ident,
    },
    ExpectVerdict {
        verdict: Ident,
    },
    ExpectFinding {
        measure: Ident,
        provision: QRef,
        status: Ident,
        partner: Option<Ident>,
    },
    ExpectException {
        measure: Ident,
        provision: QRef,
        defence: QRef,
        outcome: Ident,
    },
    ExpectQuestion {
        fact: Ident,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FactType {
    Bool { span: Span },
    Number { span: Span },
    Date { span: Span },
    OneOf { values: Vec<Ident>, span: Span },
}

impl FactType {
    pub fn span(&self) -> Span {
        match self {
            FactType::Bool { span }
            | FactType::Number { span }
            | FactType::Date { span }
            | FactType::OneOf { span, .. } => *span,
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            FactType::Bool { .. } => "bool",
            FactType::Number { .. } => "number",
            FactType::Date { .. } => "date",
            FactType::OneOf { .. } => "one-of",
        }
    }
}

impl StmtKind {
    /// The keyword that starts this statement, as written in the language.
    pub fn keyword(&self) -> &'static str {
        use StmtKind::*;
        match self {
            Import { .. } => "import",
            CountryDecl { .. } | Country { .. } => "country",
            Group { .. } => "group",
            FactDecl { .. } | FactValue { .. } => "fact",
            Category { .. } => "category",
            MeasureKind { .. } => "measure-kind",
            Objective { .. } | ObjectiveRef { .. } => "objective",
            Products { .. } | ProductsList { .. } => "products",
            Instrument { .. } => "instrument",
            Policy { .. } => "policy",
            Test { .. } => "test",
            Source { .. } => "source",
            Note { .. } => "note",
            Text { .. } => "text",
            Help { .. } => "help",
            Cite { .. } => "cite",
            Member { .. } => "member",
            Include { .. } => "include",
            Line { .. } => "line",
            CountsAs { .. } => "counts-as",
            Option { .. } => "option",
            Kind { .. } => "kind",
            Binding { .. } => "binding",
            Signed { .. } => "signed",
            InForce { .. } => "in-force",
            Terminated { .. } => "terminated",
            Survival { .. } => "survival",
            Partners { .. } => "partners",
            Enforcement { .. } => "enforcement",
            Confidence { .. } => "confidence",
            Parties { .. } => "parties",
            Party { .. } => "party",
            Incorporates { .. } => "incorporates",
            Provision(_) => "provision",
            Exception(_) => "exception",
            CarveOut(_) => "carve-out",
            Condition(_) => "condition",
            Prohibits { .. } => "prohibits",
            Permits { .. } => "permits",
            Cap { .. } => "cap",
            Default { .. } => "default",
            Scope { .. } => "scope",
            Requires { .. } => "requires",
            CarveOuts { .. } => "carve-outs",
            Exceptions { .. } => "exceptions",
            SubjectTo { .. } => "subject-to",
            Date { .. } => "date",
            InvestmentDate { .. } => "investment-date",
            Measure { .. } => "measure",
            ImposedAs { .. } => "imposed-as",
            Targets { .. } => "targets",
            Rate { .. } => "rate",
            Until { .. } => "until",
            Check { .. } => "check",
            ExpectVerdict { .. }
            | ExpectFinding { .. }
            | ExpectException { .. }
            | ExpectQuestion { .. } => "expect",
        }
    }

    /// The body of a block statement, if it has one.
    pub fn body(&self) -> Option<&Vec<Stmt>> {
        use StmtKind::*;
        match self {
            Group { body, .. }
            | FactDecl { body, .. }
            | Category { body, .. }
            | MeasureKind { body, .. }
            | Objective { body, .. }
            | Products { body, .. }
            | Instrument { body, .. }
            | Policy { body, .. }
            | Test { body, .. }
            | Option { body, .. }
            | Cap { body, .. }
            | Measure { body, .. } => Some(body),
            Provision(b) | Exception(b) | CarveOut(b) | Condition(b) => Some(&b.body),
            _ => None,
        }
    }
}
