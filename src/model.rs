//! The resolved model: every name checked, every date parsed, indexes built. The evaluator reads
//! only this.

use crate::date::Date;
use crate::source::Span;
use serde::Serialize;

/// The maps of the model: insertion-ordered (deterministic output) with a fast hasher.
pub type Map<K, V> = indexmap::IndexMap<K, V, rustc_hash::FxBuildHasher>;
/// Unordered lookup tables of the index.
pub type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

pub use crate::syntax::ast::CmpOp;

/// The statuses of design.md §4, in order of severity for summaries.
pub const STATUS_NAMES: &[&str] = &[
    "breach",
    "conditional",
    "justified",
    "compatible",
    "tension",
    "not-applicable",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Breach,
    Conditional,
    Tension,
    Justified,
    Compatible,
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Breach => "breach",
            Status::Conditional => "conditional",
            Status::Justified => "justified",
            Status::Compatible => "compatible",
            Status::Tension => "tension",
            Status::NotApplicable => "not-applicable",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "breach" => Status::Breach,
            "conditional" => Status::Conditional,
            "justified" => Status::Justified,
            "compatible" => Status::Compatible,
            "tension" => Status::Tension,
            "not-applicable" => Status::NotApplicable,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Conflict,
    Uncertain,
    Compatible,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Conflict => "conflict",
            Verdict::Uncertain => "uncertain",
            Verdict::Compatible => "compatible",
        }
    }
    /// Exit status of `check` (design.md §4).
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Compatible => 0,
            Verdict::Conflict => 1,
            Verdict::Uncertain => 3,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Verified,
    Reported,
    Unverified,
}

impl Confidence {
    pub fn parse(s: &str) -> Option<Confidence> {
        Some(match s {
            "verified" => Confidence::Verified,
            "reported" => Confidence::Reported,
            "unverified" => Confidence::Unverified,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Verified => "verified",
            Confidence::Reported => "reported",
            Confidence::Unverified => "unverified",
        }
    }
}

/// A confidence mark with its reason and where it was stated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Caveat {
    pub level: Confidence,
    pub reason: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImposedAs {
    Mandatory,
    AdvantageCondition,
    EntryCondition,
}

impl ImposedAs {
    pub const NAMES: &'static [&'static str] =
        &["mandatory", "advantage-condition", "entry-condition"];
    pub fn parse(s: &str) -> Option<ImposedAs> {
        Some(match s {
            "mandatory" => ImposedAs::Mandatory,
            "advantage-condition" => ImposedAs::AdvantageCondition,
            "entry-condition" => ImposedAs::EntryCondition,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ImposedAs::Mandatory => "mandatory",
            ImposedAs::AdvantageCondition => "advantage-condition",
            ImposedAs::EntryCondition => "entry-condition",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Targets {
    All,
    ForeignInvestors,
    InvestorsOf(Vec<String>),
}

impl Targets {
    pub const CLASSES: &'static [&'static str] =
        &["all", "foreign-investors", "specific-investors"];
    pub fn class(&self) -> &'static str {
        match self {
            Targets::All => "all",
            Targets::ForeignInvestors => "foreign-investors",
            Targets::InvestorsOf(_) => "specific-investors",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstrumentKind {
    Multilateral,
    Plurilateral,
    Regional,
    Bilateral,
    AccessionProtocol,
    Mou,
    ModelText,
}

impl InstrumentKind {
    pub const NAMES: &'static [&'static str] = &[
        "multilateral",
        "plurilateral",
        "regional",
        "bilateral",
        "accession-protocol",
        "mou",
        "model-text",
    ];
    pub fn parse(s: &str) -> Option<InstrumentKind> {
        Some(match s {
            "multilateral" => InstrumentKind::Multilateral,
            "plurilateral" => InstrumentKind::Plurilateral,
            "regional" => InstrumentKind::Regional,
            "bilateral" => InstrumentKind::Bilateral,
            "accession-protocol" => InstrumentKind::AccessionProtocol,
            "mou" => InstrumentKind::Mou,
            "model-text" => InstrumentKind::ModelText,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentKind::Multilateral => "multilateral",
            InstrumentKind::Plurilateral => "plurilateral",
            InstrumentKind::Regional => "regional",
            InstrumentKind::Bilateral => "bilateral",
            InstrumentKind::AccessionProtocol => "accession-protocol",
            InstrumentKind::Mou => "mou",
            InstrumentKind::ModelText => "model-text",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartnersMode {
    None,
    All,
    Investors,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Enforcement {
    Isds,
    StateState,
    None,
}

impl Enforcement {
    pub fn parse(s: &str) -> Option<Enforcement> {
        Some(match s {
            "isds" => Enforcement::Isds,
            "state-state" => Enforcement::StateState,
            "none" => Enforcement::None,
            _ => return None,
        })
    }
}

// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize)]
pub struct Country {
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub span: Span,
}

/// A dated interval `[since, until)`; open ends are unbounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Interval {
    pub since: Option<Date>,
    pub until: Option<Date>,
}

impl Interval {
    pub const ALWAYS: Interval = Interval {
        since: None,
        until: None,
    };
    pub fn contains(&self, d: Date) -> bool {
        self.since.is_none_or(|s| s <= d) && self.until.is_none_or(|u| d < u)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub source: Option<String>,
    /// Country code → membership intervals (after `include`s are flattened).
    pub members: Map<String, Vec<Interval>>,
    #[serde(skip)]
    pub span: Span,
}

impl Group {
    pub fn contains(&self, code: &str, date: Date) -> bool {
        self.members
            .get(code)
            .is_some_and(|iv| iv.iter().any(|i| i.contains(date)))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FactType {
    Bool,
    Number,
    Date,
    OneOf(Vec<String>),
}

impl FactType {
    pub fn name(&self) -> &'static str {
        match self {
            FactType::Bool => "bool",
            FactType::Number => "number",
            FactType::Date => "date",
            FactType::OneOf(_) => "one-of",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct FactDef {
    pub id: String,
    pub ty: FactType,
    pub question: String,
    pub help: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// A stated fact value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    Bool(bool),
    Number(f64),
    Date(Date),
    Word(String),
}

impl std::fmt::Display for FactValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FactValue::Bool(b) => write!(f, "{b}"),
            FactValue::Number(n) => write!(f, "{n}"),
            FactValue::Date(d) => write!(f, "{d}"),
            FactValue::Word(w) => write!(f, "{w}"),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CountsAs {
    pub target: String,
    pub when: Option<Cond>,
    pub because: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// A measure kind or a category (an abstract kind that only provisions name).
#[derive(Clone, Debug, Serialize)]
pub struct KindDef {
    pub id: String,
    pub title: String,
    pub category: bool,
    pub counts_as: Vec<CountsAs>,
    pub source: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Objective {
    pub id: String,
    pub title: String,
    pub options: Vec<OptionDef>,
    #[serde(skip)]
    pub span: Span,
}

/// A policy option in an objective's catalogue: a template measure.
#[derive(Clone, Debug, Serialize)]
pub struct OptionDef {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub imposed_as: Option<ImposedAs>,
    pub rate: Option<f64>,
    pub facts: Map<String, FactValue>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProductLine {
    pub code: String,
    pub label: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProductTable {
    pub id: String,
    pub title: String,
    pub source: Option<String>,
    /// Lines after `include`s are flattened.
    pub lines: Vec<ProductLine>,
    #[serde(skip)]
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// Conditions

/// A resolved three-valued condition. `text` is the condition as written, for traces.
#[derive(Clone, Debug, Serialize)]
pub struct Cond {
    pub kind: CondKind,
    pub text: String,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CondKind {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Const(bool),
    /// A bool fact, or a comparison of a fact with a value.
    Fact {
        fact: String,
        cmp: Option<(CmpOp, FactValue)>,
    },
    Kind(Vec<String>),
    /// HS prefixes (product tables expanded).
    Product(Vec<String>),
    ImposedAs(Vec<ImposedAs>),
    Targets(Vec<String>),
    Objective(Vec<String>),
    Country(Vec<CountryRef>),
    Partner(Vec<CountryRef>),
    Rate(CmpOp, f64),
    Date(DateSubject, CmpOp, Date),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CountryRef {
    Code(String),
    Group(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateSubject {
    Date,
    InvestmentDate,
    Until,
}

// ---------------------------------------------------------------------------------------------
// Instruments

#[derive(Clone, Debug, Serialize)]
pub struct Party {
    pub code: String,
    pub signed: Option<Date>,
    pub in_force: Option<Date>,
    pub terminated: Option<Date>,
    /// The group that brought this party in, if any.
    pub via: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Cap {
    pub kind: String,
    pub default: Option<f64>,
    /// (HS prefix, maximum rate, label), longest prefix first.
    pub lines: Vec<(String, f64, Option<String>)>,
}

impl Cap {
    /// The maximum rate for a product, and the line that sets it (`None` = the default).
    pub fn max_for(&self, product: &str) -> Option<(f64, Option<&str>)> {
        for (prefix, rate, _) in &self.lines {
            if product.starts_with(prefix.as_str()) {
                return Some((*rate, Some(prefix.as_str())));
            }
        }
        self.default.map(|d| (d, None))
    }
}

/// A reference to an exception, carve-out or condition: (instrument, label).
#[derive(Clone, Debug, Serialize)]
pub struct DefRef {
    pub instrument: String,
    pub label: String,
    /// Where it is in the model (instrument index, defence index), filled when the index is
    /// built; not part of the reference's identity.
    #[serde(skip)]
    pub at: Option<(usize, usize)>,
}

impl DefRef {
    pub fn new(instrument: impl Into<String>, label: impl Into<String>) -> DefRef {
        DefRef {
            instrument: instrument.into(),
            label: label.into(),
            at: None,
        }
    }
}

impl PartialEq for DefRef {
    fn eq(&self, o: &Self) -> bool {
        self.instrument == o.instrument && self.label == o.label
    }
}
impl Eq for DefRef {}
impl std::hash::Hash for DefRef {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.instrument.hash(h);
        self.label.hash(h);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DefenceKind {
    Exception,
    CarveOut,
    Condition,
}

impl DefenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DefenceKind::Exception => "exception",
            DefenceKind::CarveOut => "carve-out",
            DefenceKind::Condition => "condition",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Provision {
    pub instrument: String,
    pub label: String,
    pub title: Option<String>,
    pub source: Option<String>,
    pub text: Option<String>,
    pub notes: Vec<String>,
    pub caveat: Option<Caveat>,
    pub enforcement: Option<Enforcement>,
    pub prohibits: Vec<String>,
    pub permits: Vec<String>,
    pub cap: Option<Cap>,
    pub scope: Option<Cond>,
    pub requires: Option<Cond>,
    pub carve_outs: Vec<DefRef>,
    pub exceptions: Vec<DefRef>,
    /// Where the provision was copied from (`from` or `incorporates`).
    pub from: Option<DefRef>,
    /// Copied whole by `incorporates` (it keeps the original's source).
    #[serde(skip)]
    pub incorporated: bool,
    #[serde(skip)]
    pub span: Span,
}

impl Provision {
    /// Every kind the provision names (prohibited, permitted or capped).
    pub fn kinds(&self) -> impl Iterator<Item = &String> {
        self.prohibits
            .iter()
            .chain(self.permits.iter())
            .chain(self.cap.iter().map(|c| &c.kind))
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Defence {
    pub instrument: String,
    pub label: String,
    pub kind: DefenceKind,
    pub title: Option<String>,
    pub source: Option<String>,
    pub caveat: Option<Caveat>,
    pub requires: Option<Cond>,
    pub subject_to: Vec<DefRef>,
    pub from: Option<DefRef>,
    #[serde(skip)]
    pub incorporated: bool,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Instrument {
    pub id: String,
    pub title: String,
    pub kind: InstrumentKind,
    pub binding: bool,
    pub cite: String,
    pub source: Option<String>,
    pub notes: Vec<String>,
    pub signed: Option<Date>,
    pub in_force: Option<Date>,
    pub terminated: Option<Date>,
    pub survival_years: Option<f64>,
    pub partners: PartnersMode,
    pub enforcement: Option<Enforcement>,
    pub caveat: Option<Caveat>,
    pub parties: Map<String, Party>,
    pub provisions: Map<String, Provision>,
    pub defences: Map<String, Defence>,
    /// A draft added with `--with`: treated as in force for its parties on the analysis date.
    pub draft: bool,
    #[serde(skip)]
    pub span: Span,
}

impl Instrument {
    /// `GATT 1994 Art. XI:1`; labels that name their own division (`Annex 1(a)`, `Ch. 11 Art. 5`,
    /// `Part V`) are not prefixed with `Art.`.
    pub fn citation(&self, label: &str) -> String {
        let own_division = [
            "Art",
            "Article",
            "Annex",
            "Area",
            "Ch",
            "Chapter",
            "Part",
            "Schedule",
            "Section",
            "Para",
            "Paragraph",
            "Pillar",
            "Protocol",
            "Appendix",
            "Note",
        ]
        .iter()
        .any(|w| {
            label
                .strip_prefix(w)
                .is_some_and(|rest| rest.starts_with([' ', '.']))
        });
        if own_division {
            format!("{} {}", self.cite, label)
        } else {
            format!("{} Art. {}", self.cite, label)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Policies

#[derive(Clone, Debug, Serialize)]
pub struct Policy {
    pub id: String,
    pub title: String,
    pub country: String,
    pub date: Option<Date>,
    pub investment_date: Option<Date>,
    pub measures: Vec<Measure>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    pub id: String,
    pub title: Option<String>,
    pub kind: String,
    pub products: Vec<String>,
    pub imposed_as: Option<ImposedAs>,
    pub targets: Option<Targets>,
    pub rate: Option<f64>,
    pub until: Option<Date>,
    pub objective: Option<String>,
    pub facts: Map<String, FactValue>,
    #[serde(skip)]
    pub span: Option<Span>,
    #[serde(skip)]
    pub kind_span: Option<Span>,
}

// ---------------------------------------------------------------------------------------------
// Tests written in rulesets

#[derive(Clone, Debug)]
pub struct TestCase {
    pub name: String,
    pub policy: TestPolicy,
    pub expects: Vec<Expect>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TestPolicy {
    Inline(Box<Policy>),
    Named(String, Span),
}

#[derive(Clone, Debug)]
pub enum Expect {
    Verdict(Verdict, Span),
    Finding {
        measure: String,
        instrument: String,
        article: String,
        status: Status,
        partner: Option<String>,
        span: Span,
    },
    Defence {
        measure: String,
        instrument: String,
        article: String,
        defence: DefRef,
        outcome: Outcome,
        span: Span,
    },
    Question(String, Span),
}

/// The outcome of an exception, carve-out or condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Holds,
    Fails,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Holds => "holds",
            Outcome::Fails => "fails",
            Outcome::Unknown => "unknown",
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// Everything the rulesets define, resolved and indexed.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub countries: Map<String, Country>,
    pub groups: Map<String, Group>,
    pub facts: Map<String, FactDef>,
    pub kinds: Map<String, KindDef>,
    pub objectives: Map<String, Objective>,
    pub products: Map<String, ProductTable>,
    pub instruments: Map<String, Instrument>,
    pub policies: Map<String, Policy>,
    pub tests: Vec<TestCase>,
    pub index: Index,
}

/// Lookup tables for a linear evaluator.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// Country → indexes of the instruments it is a party to (in model order).
    pub instruments_by_country: FastMap<String, Vec<usize>>,
    /// Measure kind → every kind or category it can count as (itself included), with the chain.
    pub counts_as: FastMap<String, Vec<String>>,
    /// Measure kind → the kinds it counts as through unconditional `counts-as` only.
    pub counts_as_always: FastMap<String, Vec<String>>,
    /// Every referenced exception, carve-out or condition → (instrument index, defence index).
    pub defences: FastMap<DefRef, (usize, usize)>,
}

impl Model {
    /// The instrument and definition of an exception, carve-out or condition.
    pub fn defence(&self, r: &DefRef) -> Option<(&Instrument, &Defence)> {
        let (i, d) = match r.at {
            Some(at) => at,
            None => *self.index.defences.get(r)?,
        };
        let (_, inst) = self.instruments.get_index(i)?;
        let (_, def) = inst.defences.get_index(d)?;
        Some((inst, def))
    }
}
