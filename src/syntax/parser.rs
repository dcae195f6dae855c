//! The nom parser for `.pspace` files.
//!
//! Lexemes (identifiers, strings, numbers, dates, comments) are nom combinators; the structure is
//! table-driven: each block kind ([`Ctx`]) has the list of statement keywords it accepts, and a
//! statement's parser commits (`nom::Err::Failure`) as soon as its keyword is read, so the most
//! specific message wins. Errors carry a code, a label and a help line. After an error the parser
//! recovers at the next top-level item, so one run reports every broken item.

// nom passes errors by value; a boxed error would allocate on every failed alternative.
#![expect(
    clippy::result_large_err,
    reason = "nom's error type is returned by value throughout the parser"
)]

use super::ast::*;
use crate::diag::{Diag, did_you_mean};
use crate::source::{FileId, Span};
use nom::IResult;
use nom::Parser as _;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char as chr, digit1, satisfy};
use nom::combinator::{opt, recognize};

/// A parse error: where, what was expected, and a hint.
#[derive(Clone, Debug, PartialEq)]
pub struct PErr {
    /// Length of the input remaining at the error: the offset is `src.len() - rest_len`.
    rest_len: usize,
    /// Length of the offending text (0 for a point).
    len: usize,
    code: &'static str,
    message: String,
    label: String,
    help: Option<String>,
    /// A secondary label: (rest_len, len, text), e.g. where an unclosed block was opened.
    secondary: Option<(usize, usize, String)>,
}

impl<'a> nom::error::ParseError<&'a str> for PErr {
    fn from_error_kind(input: &'a str, kind: nom::error::ErrorKind) -> Self {
        PErr {
            rest_len: input.len(),
            len: 0,
            code: "policyspace::parse::syntax",
            message: format!("unexpected input ({})", kind.description()),
            label: "here".into(),
            help: None,
            secondary: None,
        }
    }
    fn append(_: &'a str, _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
    fn or(self, other: Self) -> Self {
        // The error that got further wins.
        if other.rest_len < self.rest_len {
            other
        } else {
            self
        }
    }
}

type Res<'a, T> = IResult<&'a str, T, PErr>;

/// The kinds of block, each with the statements it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    Top,
    Group,
    Fact,
    Kind,
    Objective,
    OptionBody,
    Products,
    Instrument,
    Provision,
    Defence,
    Cap,
    Policy,
    Measure,
    Test,
}

impl Ctx {
    pub fn keywords(self) -> &'static [&'static str] {
        match self {
            Ctx::Top => &[
                "import",
                "country",
                "group",
                "fact",
                "category",
                "measure-kind",
                "objective",
                "products",
                "instrument",
                "policy",
                "test",
            ],
            Ctx::Group => &["source", "note", "member", "include"],
            Ctx::Fact => &["help", "source", "note"],
            Ctx::Kind => &["counts-as", "source", "note"],
            Ctx::Objective => &["option", "note"],
            Ctx::OptionBody => &["kind", "imposed-as", "rate", "fact", "note"],
            Ctx::Products => &["line", "include", "source", "note"],
            Ctx::Instrument => &[
                "kind",
                "binding",
                "cite",
                "source",
                "note",
                "signed",
                "in-force",
                "terminated",
                "survival",
                "partners",
                "enforcement",
                "confidence",
                "parties",
                "party",
                "incorporates",
                "provision",
                "exception",
                "carve-out",
                "condition",
            ],
            Ctx::Provision => &[
                "source",
                "text",
                "note",
                "confidence",
                "enforcement",
                "prohibits",
                "permits",
                "cap",
                "scope",
                "requires",
                "carve-outs",
                "exceptions",
            ],
            Ctx::Defence => &[
                "source",
                "text",
                "note",
                "confidence",
                "requires",
                "subject-to",
            ],
            Ctx::Cap => &["default", "line", "source"],
            Ctx::Policy => &["country", "date", "investment-date", "note", "measure"],
            Ctx::Measure => &[
                "kind",
                "products",
                "imposed-as",
                "targets",
                "rate",
                "until",
                "objective",
                "fact",
                "note",
            ],
            Ctx::Test => &["policy", "check", "expect"],
        }
    }

    /// The block as the subject of a sentence.
    pub fn noun(self) -> &'static str {
        match self {
            Ctx::Top => "A file",
            Ctx::Group => "A group",
            Ctx::Fact => "A fact",
            Ctx::Kind => "A measure kind or category",
            Ctx::Objective => "An objective",
            Ctx::OptionBody => "An option",
            Ctx::Products => "A product table",
            Ctx::Instrument => "An instrument",
            Ctx::Provision => "A provision",
            Ctx::Defence => "An exception, carve-out or condition",
            Ctx::Cap => "A cap",
            Ctx::Policy => "A policy",
            Ctx::Measure => "A measure",
            Ctx::Test => "A test",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Ctx::Top => "at the top level of a file",
            Ctx::Group => "in a group",
            Ctx::Fact => "in a fact",
            Ctx::Kind => "in a measure kind or category",
            Ctx::Objective => "in an objective",
            Ctx::OptionBody => "in an option",
            Ctx::Products => "in a product table",
            Ctx::Instrument => "in an instrument",
            Ctx::Provision => "in a provision",
            Ctx::Defence => "in an exception, carve-out or condition",
            Ctx::Cap => "in a cap",
            Ctx::Policy => "in a policy",
            Ctx::Measure => "in a measure",
            Ctx::Test => "in a test",
        }
    }
}

/// Words with a fixed meaning inside expressions.
const RESERVED: &[&str] = &["and", "or", "not", "in", "true", "false"];

/// Parse a whole file. Returns the tree (with the items that parsed) and every syntax error.
pub fn parse(src: &str, file: FileId) -> (File, Vec<Diag>) {
    let p = Parser { src, file };
    p.file()
}

struct Parser<'a> {
    src: &'a str,
    file: FileId,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}
fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

impl<'a> Parser<'a> {
    // ------------------------------------------------------------------ positions and errors

    fn offset(&self, rest: &str) -> usize {
        self.src.len().saturating_sub(rest.len())
    }

    fn span(&self, from: &str, to: &str) -> Span {
        Span::new(self.file, self.offset(from), self.offset(to))
    }

    /// A committed error at `at`, underlining the next token.
    fn fail<T>(
        &self,
        at: &'a str,
        code: &'static str,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Res<'a, T> {
        Err(nom::Err::Failure(self.err(at, code, message, label)))
    }

    fn err(
        &self,
        at: &'a str,
        code: &'static str,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> PErr {
        PErr {
            rest_len: at.len(),
            len: token_len(at),
            code,
            message: message.into(),
            label: label.into(),
            help: None,
            secondary: None,
        }
    }

    fn to_diag(&self, e: PErr) -> Diag {
        let start = self.src.len().saturating_sub(e.rest_len);
        let help = e.help.unwrap_or_else(|| default_help(e.code).to_string());
        let mut d = Diag::error(e.code, e.message)
            .label(Span::new(self.file, start, start + e.len), e.label)
            .help(help);
        if let Some((rest, len, text)) = e.secondary {
            let s = self.src.len().saturating_sub(rest);
            d = d.label(Span::new(self.file, s, s + len), text);
        }
        d
    }

    /// What the next token looks like, for messages.
    fn found(&self, at: &str) -> String {
        let t = at.trim_start_matches([' ', '\t', '\r', '\n']);
        if t.is_empty() {
            return "end of file".into();
        }
        let n = token_len(t);
        let tok: String = t.chars().take(n.clamp(1, 40)).collect();
        format!("`{tok}`")
    }

    // ------------------------------------------------------------------ lexemes

    /// Skip whitespace and comments.
    fn ws(&self, mut i: &'a str) -> &'a str {
        loop {
            let t = i.trim_start_matches([' ', '\t', '\r', '\n']);
            if let Some(rest) = t.strip_prefix("//") {
                i = rest.find('\n').map_or("", |n| &rest[n..]);
            } else {
                return t;
            }
        }
    }

    fn peek_char(&self, i: &'a str) -> Option<char> {
        self.ws(i).chars().next()
    }

    /// The next identifier, without consuming it.
    fn peek_ident(&self, i: &'a str) -> Option<&'a str> {
        let t = self.ws(i);
        let r: Res<'a, &'a str> =
            recognize((satisfy(is_ident_start), take_while(is_ident_char))).parse(t);
        r.ok().map(|(_, s)| s)
    }

    fn ident(&self, i: &'a str, what: &str) -> Res<'a, Ident> {
        let t = self.ws(i);
        let r: Res<'a, &'a str> =
            recognize((satisfy(is_ident_start), take_while(is_ident_char))).parse(t);
        match r {
            Ok((rest, name)) => Ok((
                rest,
                Ident {
                    name: name.to_string(),
                    span: self.span(t, rest),
                },
            )),
            Err(_) => {
                let mut e = self.err(
                    t,
                    "policyspace::parse::expected_name",
                    format!("expected {what}, found {}", self.found(t)),
                    format!("expected {what}"),
                );
                if t.starts_with('"') {
                    e.help = Some("names are written without quotes".into());
                } else if t.starts_with(['=', ':']) {
                    e.help =
                        Some("statements are written `keyword value`, without `=` or `:`".into());
                }
                Err(nom::Err::Failure(e))
            }
        }
    }

    /// A specific keyword.
    fn keyword(&self, i: &'a str, kw: &'static str) -> Res<'a, Span> {
        let t = self.ws(i);
        match self.peek_ident(t) {
            Some(w) if w == kw => {
                let rest = &t[w.len()..];
                Ok((rest, self.span(t, rest)))
            }
            _ => self.fail(
                t,
                "policyspace::parse::expected_keyword",
                format!("expected `{kw}`, found {}", self.found(t)),
                format!("expected `{kw}`"),
            ),
        }
    }

    /// One of a fixed set of words (a closed vocabulary such as `partners all|none|investors`).
    fn one_of(&self, i: &'a str, words: &[&str], what: &str) -> Res<'a, Ident> {
        let t = self.ws(i);
        let (rest, id) = self.ident(t, what)?;
        if words.contains(&id.name.as_str()) {
            Ok((rest, id))
        } else {
            let mut e = self.err(
                t,
                "policyspace::parse::unexpected_word",
                format!("`{}` is not {what}", id.name),
                format!("expected {}", list_words(words)),
            );
            e.help = Some(match did_you_mean(&id.name, words.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("use one of {}", list_words(words)),
            });
            Err(nom::Err::Failure(e))
        }
    }

    fn string(&self, i: &'a str, what: &str) -> Res<'a, Str> {
        let t = self.ws(i);
        if let Some(body) = t.strip_prefix("\"\"\"") {
            return match body.find("\"\"\"") {
                Some(n) => {
                    let rest = &body[n + 3..];
                    Ok((
                        rest,
                        Str {
                            value: body[..n].to_string(),
                            span: self.span(t, rest),
                        },
                    ))
                }
                None => {
                    let mut e = self.err(
                        t,
                        "policyspace::parse::unterminated_string",
                        "unterminated text block",
                        "this `\"\"\"` is never closed",
                    );
                    e.len = 3;
                    e.help = Some("close the text block with `\"\"\"`".into());
                    Err(nom::Err::Failure(e))
                }
            };
        }
        let Some(body) = t.strip_prefix('"') else {
            let mut e = self.err(
                t,
                "policyspace::parse::expected_string",
                format!("expected {what}, found {}", self.found(t)),
                format!("expected {what}"),
            );
            if t.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                e.help = Some("write it in double quotes: \"...\"".into());
            }
            return Err(nom::Err::Failure(e));
        };
        let mut value = String::new();
        let mut chars = body.char_indices();
        while let Some((n, c)) = chars.next() {
            match c {
                '"' => {
                    let rest = &body[n + 1..];
                    return Ok((
                        rest,
                        Str {
                            value,
                            span: self.span(t, rest),
                        },
                    ));
                }
                '\\' => match chars.next() {
                    Some((_, '"')) => value.push('"'),
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, 't')) => value.push('\t'),
                    Some((m, other)) => {
                        let at = &body[m..];
                        let mut e = self.err(
                            at,
                            "policyspace::parse::bad_escape",
                            format!("unknown escape `\\{other}` in a string"),
                            "unknown escape",
                        );
                        e.rest_len += 1;
                        e.len = 1 + other.len_utf8();
                        e.help = Some("the escapes are \\\" \\\\ \\n \\t".into());
                        return Err(nom::Err::Failure(e));
                    }
                    None => break,
                },
                '\n' => break,
                c => value.push(c),
            }
        }
        let line_len = t.find('\n').unwrap_or(t.len());
        let mut e = self.err(
            t,
            "policyspace::parse::unterminated_string",
            "unterminated string",
            "this string is not closed on its line",
        );
        e.len = line_len;
        e.help = Some("add the closing `\"`; use `\"\"\"` for text over several lines".into());
        Err(nom::Err::Failure(e))
    }

    fn number(&self, i: &'a str, what: &str) -> Res<'a, Num> {
        let t = self.ws(i);
        let r: Res<'a, &'a str> =
            recognize((opt(chr('-')), digit1, opt((chr('.'), digit1)))).parse(t);
        match r {
            Ok((rest, text)) => {
                let (rest, pct): (&str, Option<char>) = opt(chr('%')).parse(rest)?;
                if rest.starts_with(|c: char| is_ident_char(c) || c == '.') {
                    return self.fail(
                        t,
                        "policyspace::parse::expected_number",
                        format!("expected {what}, found {}", self.found(t)),
                        format!("expected {what}"),
                    );
                }
                match text.parse::<f64>() {
                    Ok(value) if value.is_finite() => Ok((
                        rest,
                        Num {
                            value,
                            percent: pct.is_some(),
                            span: self.span(t, rest),
                        },
                    )),
                    _ => self.fail(
                        t,
                        "policyspace::parse::expected_number",
                        format!("`{text}` is not a usable number"),
                        "number out of range",
                    ),
                }
            }
            Err(_) => self.fail(
                t,
                "policyspace::parse::expected_number",
                format!("expected {what}, found {}", self.found(t)),
                format!("expected {what}"),
            ),
        }
    }

    fn looks_like_date(&self, i: &'a str) -> bool {
        let t = self.ws(i).as_bytes();
        t.len() >= 10
            && t[..4].iter().all(u8::is_ascii_digit)
            && t[4] == b'-'
            && t[5..7].iter().all(u8::is_ascii_digit)
            && t[7] == b'-'
            && t[8..10].iter().all(u8::is_ascii_digit)
            && !t
                .get(10)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
    }

    fn date(&self, i: &'a str) -> Res<'a, DateLit> {
        let t = self.ws(i);
        if self.looks_like_date(t) {
            let rest = &t[10..];
            Ok((
                rest,
                DateLit {
                    raw: t[..10].to_string(),
                    span: self.span(t, rest),
                },
            ))
        } else {
            let word = t
                .find(|c: char| c.is_whitespace() || c == '}' || c == ']')
                .unwrap_or(t.len());
            let shown: String = t[..word].chars().take(40).collect();
            let mut e = self.err(
                t,
                "policyspace::parse::expected_date",
                if shown.is_empty() {
                    "expected a date, found end of file".to_string()
                } else {
                    format!("expected a date, found `{shown}`")
                },
                "expected a date",
            );
            e.len = word;
            e.help = Some("dates are written YYYY-MM-DD, e.g. 2020-01-01".into());
            Err(nom::Err::Failure(e))
        }
    }

    fn boolean(&self, i: &'a str) -> Res<'a, (bool, Span)> {
        let (rest, id) = self.one_of(i, &["true", "false"], "`true` or `false`")?;
        Ok((rest, (id.name == "true", id.span)))
    }

    /// A fact value or comparison operand: bool, date, number or name.
    fn value(&self, i: &'a str) -> Res<'a, Value> {
        let t = self.ws(i);
        if self.looks_like_date(t) {
            let (rest, d) = self.date(t)?;
            return Ok((rest, Value::Date(d)));
        }
        match t.chars().next() {
            Some(c) if c.is_ascii_digit() || c == '-' => {
                let (rest, n) = self.number(t, "a number")?;
                Ok((rest, Value::Number(n)))
            }
            Some(c) if is_ident_start(c) => {
                let (rest, id) = self.ident(t, "a value")?;
                match id.name.as_str() {
                    "true" | "false" => Ok((
                        rest,
                        Value::Bool {
                            value: id.name == "true",
                            span: id.span,
                        },
                    )),
                    _ => Ok((rest, Value::Ident(id))),
                }
            }
            _ => {
                let mut e = self.err(
                    t,
                    "policyspace::parse::expected_value",
                    format!("expected a value, found {}", self.found(t)),
                    "expected a value",
                );
                e.help = Some(
                    "a value is `true`, `false`, a number, a date (YYYY-MM-DD) or a name".into(),
                );
                Err(nom::Err::Failure(e))
            }
        }
    }

    /// `[a, b, c]` with an optional trailing comma; at least one element.
    fn list<T>(
        &self,
        i: &'a str,
        what: &str,
        mut elem: impl FnMut(&'a str) -> Res<'a, T>,
    ) -> Res<'a, Vec<T>> {
        let t = self.ws(i);
        let Some(mut rest) = t.strip_prefix('[') else {
            let mut e = self.err(
                t,
                "policyspace::parse::expected_list",
                format!("expected a list of {what}, found {}", self.found(t)),
                "expected `[`",
            );
            e.help = Some(format!("write a list in brackets: [{what}, ...]"));
            return Err(nom::Err::Failure(e));
        };
        let open = t;
        let mut out = Vec::new();
        loop {
            if self.peek_char(rest) == Some(']') {
                if out.is_empty() {
                    let at = self.ws(rest);
                    let mut e = self.err(
                        at,
                        "policyspace::parse::empty_list",
                        format!("empty list: expected at least one of {what}"),
                        "empty list",
                    );
                    e.help = Some("remove the statement, or name at least one element".into());
                    return Err(nom::Err::Failure(e));
                }
                let r = self.ws(rest);
                return Ok((&r[1..], out));
            }
            if self.ws(rest).is_empty() {
                let mut e = self.err(
                    self.ws(rest),
                    "policyspace::parse::unclosed",
                    "this list is never closed",
                    "end of file",
                );
                e.secondary = Some((open.len(), 1, "list opened here".into()));
                e.help = Some("add `]`".into());
                return Err(nom::Err::Failure(e));
            }
            let (r, v) = elem(rest)?;
            out.push(v);
            rest = r;
            match self.peek_char(rest) {
                Some(',') => rest = &self.ws(rest)[1..],
                Some(']') => {}
                _ => {
                    let at = self.ws(rest);
                    let mut e = self.err(
                        at,
                        "policyspace::parse::expected_comma",
                        format!("expected `,` or `]` in a list, found {}", self.found(at)),
                        "expected `,` or `]`",
                    );
                    e.secondary = Some((open.len(), 1, "list opened here".into()));
                    e.help = Some("separate list elements with commas".into());
                    return Err(nom::Err::Failure(e));
                }
            }
        }
    }

    /// `instrument."article"` or `"article"`.
    fn qref(&self, i: &'a str) -> Res<'a, QRef> {
        let t = self.ws(i);
        if t.starts_with('"') {
            let (rest, article) = self.string(t, "an article label")?;
            return Ok((
                rest,
                QRef {
                    instrument: None,
                    span: article.span,
                    article,
                },
            ));
        }
        let (rest, inst) =
            self.ident(t, "an article reference (\"XI:1\" or instrument.\"XI:1\")")?;
        let Some(rest) = rest.strip_prefix('.') else {
            let mut e = self.err(
                rest,
                "policyspace::parse::expected_article",
                format!("expected `.` and an article label after `{}`", inst.name),
                "expected `.\"<article>\"`",
            );
            e.help = Some(format!("refer to an article as {}.\"XI:1\"", inst.name));
            return Err(nom::Err::Failure(e));
        };
        if !rest.starts_with('"') {
            return self.fail(
                rest,
                "policyspace::parse::expected_article",
                "expected an article label in quotes after `.`",
                "expected \"<article>\"",
            );
        }
        let (rest, article) = self.string(rest, "an article label")?;
        Ok((
            rest,
            QRef {
                span: inst.span.to(article.span),
                instrument: Some(inst),
                article,
            },
        ))
    }

    fn ident_list(&self, i: &'a str, what: &str) -> Res<'a, Vec<Ident>> {
        self.list(i, what, |r| self.ident(r, what))
    }

    fn hs_list(&self, i: &'a str) -> Res<'a, Vec<Str>> {
        self.list(i, "HS codes", |r| {
            self.string(r, "an HS code in quotes (\"2604\")")
        })
    }

    fn ref_list(&self, i: &'a str) -> Res<'a, Vec<QRef>> {
        self.list(i, "article references", |r| self.qref(r))
    }

    // ------------------------------------------------------------------ expressions

    fn expr(&self, i: &'a str) -> Res<'a, Expr> {
        self.binary(i, "or")
    }

    fn binary(&self, i: &'a str, op: &'static str) -> Res<'a, Expr> {
        let start = self.ws(i);
        let (mut rest, first) = if op == "or" {
            self.binary(start, "and")?
        } else {
            self.not_expr(start)?
        };
        let mut operands = vec![first];
        while self.peek_ident(rest) == Some(op) {
            let (r, _) = self.keyword(rest, op)?;
            let (r, e) = if op == "or" {
                self.binary(r, "and")?
            } else {
                self.not_expr(r)?
            };
            operands.push(e);
            rest = r;
        }
        if operands.len() == 1
            && let Some(e) = operands.pop()
        {
            return Ok((rest, e));
        }
        let span = self.span(start, rest);
        let kind = if op == "or" {
            ExprKind::Or { operands }
        } else {
            ExprKind::And { operands }
        };
        Ok((rest, Expr { kind, span }))
    }

    fn not_expr(&self, i: &'a str) -> Res<'a, Expr> {
        let start = self.ws(i);
        if self.peek_ident(start) == Some("not") {
            let (rest, _) = self.keyword(start, "not")?;
            let (rest, e) = self.not_expr(rest)?;
            return Ok((
                rest,
                Expr {
                    kind: ExprKind::Not {
                        operand: Box::new(e),
                    },
                    span: self.span(start, rest),
                },
            ));
        }
        self.atom(start)
    }

    fn cmp_op(&self, i: &'a str) -> Option<(&'a str, CmpOp)> {
        let t = self.ws(i);
        for (s, op) in [
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("=", CmpOp::Eq),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ] {
            let r: Res<'a, &'a str> = tag(s).parse(t);
            if let Ok((rest, _)) = r {
                return Some((rest, op));
            }
        }
        None
    }

    fn atom(&self, i: &'a str) -> Res<'a, Expr> {
        let start = self.ws(i);
        if let Some(rest) = start.strip_prefix('(') {
            let (rest, mut e) = self.expr(rest)?;
            let r = self.ws(rest);
            let Some(rest) = r.strip_prefix(')') else {
                let mut err = self.err(
                    r,
                    "policyspace::parse::unclosed",
                    format!("expected `)`, found {}", self.found(r)),
                    "expected `)`",
                );
                err.secondary = Some((start.len(), 1, "opened here".into()));
                return Err(nom::Err::Failure(err));
            };
            // Parentheses only group: the tree keeps the inner expression, with the outer span.
            e.span = self.span(start, rest);
            return Ok((rest, e));
        }
        let Some(word) = self.peek_ident(start) else {
            let mut e = self.err(
                start,
                "policyspace::parse::expected_condition",
                format!("expected a condition, found {}", self.found(start)),
                "expected a condition",
            );
            e.help = Some(condition_help());
            return Err(nom::Err::Failure(e));
        };
        let (rest, subject) = self.ident(start, "a condition")?;
        match word {
            "true" | "false" => Ok((
                rest,
                Expr {
                    kind: ExprKind::Bool {
                        value: word == "true",
                    },
                    span: subject.span,
                },
            )),
            "fact" => {
                let (rest, fact) = self.ident(rest, "a fact name")?;
                if RESERVED.contains(&fact.name.as_str()) {
                    return self.fail(
                        self.ws(rest),
                        "policyspace::parse::expected_name",
                        format!("expected a fact name, found the keyword `{}`", fact.name),
                        "a keyword, not a fact name",
                    );
                }
                let (rest, cmp) = match self.cmp_op(rest) {
                    Some((r, op)) => {
                        let (r, v) = self.value(r)?;
                        (r, Some((op, v)))
                    }
                    None => (rest, None),
                };
                Ok((
                    rest,
                    Expr {
                        kind: ExprKind::Fact { fact, cmp },
                        span: self.span(start, rest),
                    },
                ))
            }
            w if IN_SUBJECTS.contains(&w) => {
                let after = self.ws(rest);
                let rest = if self.peek_ident(after) == Some("in") {
                    self.keyword(after, "in")?.0
                } else if let Some((r, CmpOp::Eq)) = self.cmp_op(after) {
                    // `kind = x` is accepted as `kind in [x]`.
                    r
                } else {
                    let mut e = self.err(
                        after,
                        "policyspace::parse::expected_in",
                        format!("expected `in` after `{w}`, found {}", self.found(after)),
                        "expected `in`",
                    );
                    e.help = Some(format!("write `{w} in [a, b]`"));
                    return Err(nom::Err::Failure(e));
                };
                let (rest, set) = self.set(rest)?;
                Ok((
                    rest,
                    Expr {
                        kind: ExprKind::In { subject, set },
                        span: self.span(start, rest),
                    },
                ))
            }
            w if CMP_SUBJECTS.contains(&w) => {
                let after = self.ws(rest);
                let Some((rest, op)) = self.cmp_op(after) else {
                    let mut e = self.err(
                        after,
                        "policyspace::parse::expected_comparison",
                        format!(
                            "expected a comparison after `{w}`, found {}",
                            self.found(after)
                        ),
                        "expected = != < <= > >=",
                    );
                    e.help = Some(format!("write e.g. `{w} >= ...`"));
                    return Err(nom::Err::Failure(e));
                };
                let (rest, value) = self.value(rest)?;
                Ok((
                    rest,
                    Expr {
                        kind: ExprKind::Cmp { subject, op, value },
                        span: self.span(start, rest),
                    },
                ))
            }
            other => {
                let mut e = self.err(
                    start,
                    "policyspace::parse::unknown_condition",
                    format!("`{other}` does not start a condition"),
                    "unknown condition",
                );
                let all: Vec<&str> = ["fact", "true", "false", "not"]
                    .into_iter()
                    .chain(IN_SUBJECTS.iter().copied())
                    .chain(CMP_SUBJECTS.iter().copied())
                    .collect();
                e.help = Some(match did_you_mean(other, all) {
                    Some(s) => format!("did you mean `{s}`? {}", condition_help()),
                    None => condition_help(),
                });
                Err(nom::Err::Failure(e))
            }
        }
    }

    fn set(&self, i: &'a str) -> Res<'a, Vec<SetItem>> {
        let t = self.ws(i);
        if t.starts_with('[') {
            self.list(t, "names or HS codes", |r| self.set_item(r))
        } else {
            let (rest, item) = self.set_item(t)?;
            Ok((rest, vec![item]))
        }
    }

    fn set_item(&self, i: &'a str) -> Res<'a, SetItem> {
        let t = self.ws(i);
        if t.starts_with('"') {
            let (rest, s) = self.string(t, "an HS code")?;
            Ok((rest, SetItem::Str(s)))
        } else {
            let (rest, id) = self.ident(t, "a name or an HS code in quotes")?;
            Ok((rest, SetItem::Ident(id)))
        }
    }

    // ------------------------------------------------------------------ blocks and statements

    fn file(&self) -> (File, Vec<Diag>) {
        let mut items = Vec::new();
        let mut errors = Vec::new();
        let mut rest = self.src;
        // A byte-order mark is tolerated at the very start.
        if let Some(r) = rest.strip_prefix('\u{feff}') {
            rest = r;
        }
        loop {
            let t = self.ws(rest);
            if t.is_empty() {
                break;
            }
            match self.stmt(t, Ctx::Top) {
                Ok((r, s)) => {
                    items.push(s);
                    rest = r;
                }
                Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                    let at = self.src.len().saturating_sub(e.rest_len);
                    errors.push(self.to_diag(e));
                    rest = self.recover(at.max(self.offset(t) + 1));
                }
                Err(nom::Err::Incomplete(_)) => break,
            }
        }
        let comments = collect_comments(self.src, self.file);
        (File { items, comments }, errors)
    }

    /// After an error at byte `at`, resume at the next line that starts (in column 1) with a
    /// top-level keyword.
    fn recover(&self, at: usize) -> &'a str {
        let mut pos = at.min(self.src.len());
        while pos < self.src.len() && !self.src.is_char_boundary(pos) {
            pos += 1;
        }
        let tail = &self.src[pos..];
        let mut offset = 0;
        for line in tail.split_inclusive('\n') {
            let line_start = pos + offset;
            offset += line.len();
            if line_start == pos && pos != 0 && !self.src[..pos].ends_with('\n') {
                continue; // the rest of the broken line
            }
            let word = self.peek_ident(line);
            if !line.starts_with([' ', '\t'])
                && word.is_some_and(|w| Ctx::Top.keywords().contains(&w))
            {
                return &self.src[line_start..];
            }
        }
        ""
    }

    /// `{ stmt* }` for a context. `opener` is where the block's statement began (for messages).
    fn body(&self, i: &'a str, ctx: Ctx, opener: &'a str) -> Res<'a, Vec<Stmt>> {
        let t = self.ws(i);
        let Some(mut rest) = t.strip_prefix('{') else {
            let mut e = self.err(
                t,
                "policyspace::parse::expected_block",
                format!("expected `{{`, found {}", self.found(t)),
                "expected `{`",
            );
            if t.starts_with(['=', ':']) {
                e.help = Some("statements are written `keyword value`, without `=` or `:`".into());
            }
            return Err(nom::Err::Failure(e));
        };
        let mut out = Vec::new();
        loop {
            let r = self.ws(rest);
            if let Some(after) = r.strip_prefix('}') {
                return Ok((after, out));
            }
            if r.is_empty() {
                let mut e = self.err(
                    r,
                    "policyspace::parse::unclosed",
                    "unexpected end of file: a block is never closed",
                    "end of file",
                );
                e.secondary = Some((
                    opener.len(),
                    token_len(opener),
                    "this block is not closed".into(),
                ));
                e.help = Some("add the missing `}`".into());
                return Err(nom::Err::Failure(e));
            }
            let (r2, s) = self.stmt(r, ctx)?;
            out.push(s);
            rest = r2;
        }
    }

    /// An optional block: parsed only if the next character is `{`.
    fn opt_body(&self, i: &'a str, ctx: Ctx, opener: &'a str) -> Res<'a, Vec<Stmt>> {
        if self.peek_char(i) == Some('{') {
            self.body(i, ctx, opener)
        } else {
            Ok((i, Vec::new()))
        }
    }

    fn opt_string(&self, i: &'a str, what: &str) -> Res<'a, Option<Str>> {
        if self.peek_char(i) == Some('"') {
            let (r, s) = self.string(i, what)?;
            Ok((r, Some(s)))
        } else {
            Ok((i, None))
        }
    }

    fn stmt(&self, i: &'a str, ctx: Ctx) -> Res<'a, Stmt> {
        let start = self.ws(i);
        let Some(word) = self.peek_ident(start) else {
            let mut e = self.err(
                start,
                "policyspace::parse::expected_statement",
                format!(
                    "expected a statement {}, found {}",
                    ctx.describe(),
                    self.found(start)
                ),
                "expected a keyword",
            );
            e.help = Some(if start.starts_with('}') && ctx == Ctx::Top {
                "this `}` closes nothing: remove it".to_string()
            } else {
                format!("{} accepts: {}", ctx.noun(), ctx.keywords().join(", "))
            });
            return Err(nom::Err::Failure(e));
        };
        if !ctx.keywords().contains(&word) {
            let mut e = self.err(
                start,
                "policyspace::parse::unknown_statement",
                format!("unknown statement `{word}` {}", ctx.describe()),
                "not allowed here",
            );
            let accepts = format!("{} accepts: {}", ctx.noun(), ctx.keywords().join(", "));
            e.help = Some(match did_you_mean(word, ctx.keywords().iter().copied()) {
                Some(s) => format!("did you mean `{s}`? {accepts}"),
                None => accepts,
            });
            return Err(nom::Err::Failure(e));
        }
        let (rest, kw) = self.ident(start, "a keyword")?;
        let after_kw = rest;
        if self
            .peek_char(after_kw)
            .is_some_and(|c| c == '=' || c == ':')
            && !matches!(word, "fact")
        {
            let at = self.ws(after_kw);
            let mut e = self.err(
                at,
                "policyspace::parse::stray_assignment",
                format!("unexpected `{}` after `{word}`", &at[..1]),
                "remove this",
            );
            e.len = 1;
            e.help = Some(format!(
                "statements are written `{word} value`, without `=` or `:`"
            ));
            return Err(nom::Err::Failure(e));
        }
        let (rest, kind) = self.stmt_kind(after_kw, ctx, word, start)?;
        Ok((
            rest,
            Stmt {
                kind,
                span: self.span(start, rest),
                keyword: kw.span,
            },
        ))
    }

    fn stmt_kind(&self, i: &'a str, ctx: Ctx, word: &str, start: &'a str) -> Res<'a, StmtKind> {
        use StmtKind as K;
        Ok(match (ctx, word) {
            // ---------------- top level
            (Ctx::Top, "import") => {
                let (r, path) = self.string(i, "a file path in quotes")?;
                (r, K::Import { path })
            }
            (Ctx::Top, "country") => {
                let (r, code) = self.ident(i, "a country code (ISO 3166 alpha-3)")?;
                let (r, name) = self.string(r, "the country's name in quotes")?;
                (r, K::CountryDecl { code, name })
            }
            (Ctx::Top, "group") => {
                let (r, id) = self.ident(i, "a group name")?;
                let (r, title) = self.string(r, "a title in quotes")?;
                let (r, body) = self.body(r, Ctx::Group, start)?;
                (r, K::Group { id, title, body })
            }
            (Ctx::Top, "fact") => {
                let (r, id) = self.ident(i, "a fact name")?;
                let (r, ty) = self.fact_type(r)?;
                let (r, question) = self.string(r, "the fact's question in quotes")?;
                let (r, body) = self.opt_body(r, Ctx::Fact, start)?;
                (
                    r,
                    K::FactDecl {
                        id,
                        ty,
                        question,
                        body,
                    },
                )
            }
            (Ctx::Top, "category") => {
                let (r, id) = self.ident(i, "a category name")?;
                let (r, title) = self.string(r, "a title in quotes")?;
                let (r, body) = self.opt_body(r, Ctx::Kind, start)?;
                (r, K::Category { id, title, body })
            }
            (Ctx::Top, "measure-kind") => {
                let (r, id) = self.ident(i, "a measure-kind name")?;
                let (r, title) = self.string(r, "a title in quotes")?;
                let (r, body) = self.opt_body(r, Ctx::Kind, start)?;
                (r, K::MeasureKind { id, title, body })
            }
            (Ctx::Top, "objective") => {
                let (r, id) = self.ident(i, "an objective name")?;
                let (r, title) = self.string(r, "a title in quotes")?;
                let (r, body) = self.opt_body(r, Ctx::Objective, start)?;
                (r, K::Objective { id, title, body })
            }
            (Ctx::Top, "products") => {
                let (r, id) = self.ident(i, "a product-table name")?;
                let (r, title) = self.string(r, "a title in quotes")?;
                let (r, body) = self.body(r, Ctx::Products, start)?;
                (r, K::Products { id, title, body })
            }
            (Ctx::Top, "instrument") => {
                let (r, id) = self.ident(i, "an instrument id")?;
                let (r, title) = self.string(r, "the instrument's title in quotes")?;
                let (r, body) = self.body(r, Ctx::Instrument, start)?;
                (r, K::Instrument { id, title, body })
            }
            (Ctx::Top | Ctx::Test, "policy") => {
                let (r, id) = self.ident(i, "a policy id")?;
                let (r, title) = self.string(r, "the policy's title in quotes")?;
                let (r, body) = self.body(r, Ctx::Policy, start)?;
                (r, K::Policy { id, title, body })
            }
            (Ctx::Top, "test") => {
                let (r, name) = self.string(i, "the test's name in quotes")?;
                let (r, body) = self.body(r, Ctx::Test, start)?;
                (r, K::Test { name, body })
            }

            // ---------------- shared
            (_, "source") => {
                let (r, text) = self.string(i, "a source (URL) in quotes")?;
                (r, K::Source { text })
            }
            (_, "note") => {
                let (r, text) = self.string(i, "a note in quotes")?;
                (r, K::Note { text })
            }
            (_, "text") => {
                let (r, text) = self.string(i, "the text in quotes")?;
                (r, K::Text { text })
            }
            (_, "help") => {
                let (r, text) = self.string(i, "a help text in quotes")?;
                (r, K::Help { text })
            }
            (_, "cite") => {
                let (r, text) = self.string(i, "a citation prefix in quotes")?;
                (r, K::Cite { text })
            }
            (_, "include") => {
                let (r, id) = self.ident(i, "a name to include")?;
                (r, K::Include { id })
            }
            (_, "confidence") => {
                let (r, level) = self.one_of(
                    i,
                    &["verified", "reported", "unverified"],
                    "a confidence level",
                )?;
                let (r, reason) = self.opt_string(r, "a reason in quotes")?;
                (r, K::Confidence { level, reason })
            }
            (_, "enforcement") => {
                let (r, mode) =
                    self.one_of(i, &["isds", "state-state", "none"], "an enforcement route")?;
                (r, K::Enforcement { mode })
            }
            (_, "requires") => {
                let (r, expr) = self.expr(i)?;
                (r, K::Requires { expr })
            }

            // ---------------- groups
            (Ctx::Group, "member") => {
                let (r, code) = self.ident(i, "a country code")?;
                let (r, attrs) = self.attrs(r, &["since", "until", "source"])?;
                (r, K::Member { code, attrs })
            }

            // ---------------- facts
            (Ctx::Kind, "counts-as") => {
                let (r, kind) = self.ident(i, "a measure kind or category")?;
                let (r, when) = if self.peek_ident(r) == Some("when") {
                    let (r, _) = self.keyword(r, "when")?;
                    let (r, e) = self.expr(r)?;
                    (r, Some(e))
                } else {
                    (r, None)
                };
                let (r, because) = if self.peek_ident(r) == Some("because") {
                    let (r, _) = self.keyword(r, "because")?;
                    let (r, s) = self.string(r, "a reason in quotes")?;
                    (r, Some(s))
                } else {
                    (r, None)
                };
                (
                    r,
                    K::CountsAs {
                        kind,
                        when,
                        because,
                    },
                )
            }
            (Ctx::Objective, "option") => {
                let (r, id) = self.ident(i, "an option name")?;
                let (r, title) = self.string(r, "a title in quotes")?;
                let (r, body) = self.opt_body(r, Ctx::OptionBody, start)?;
                (r, K::Option { id, title, body })
            }

            // ---------------- products and caps
            (Ctx::Products, "line") => {
                let (r, hs) = self.string(i, "an HS code in quotes (\"2604\")")?;
                let (r, label) = self.opt_string(r, "a label in quotes")?;
                (
                    r,
                    K::Line {
                        hs,
                        rate: None,
                        label,
                    },
                )
            }
            (Ctx::Cap, "line") => {
                let (r, hs) = self.string(i, "an HS code in quotes (\"2604\")")?;
                let (r, rate) = self.number(r, "the maximum rate (a number)")?;
                let (r, label) = self.opt_string(r, "a label in quotes")?;
                (
                    r,
                    K::Line {
                        hs,
                        rate: Some(rate),
                        label,
                    },
                )
            }
            (Ctx::Cap, "default") => {
                let (r, rate) = self.number(i, "the default maximum rate (a number)")?;
                (r, K::Default { rate })
            }

            // ---------------- instruments
            (Ctx::Instrument | Ctx::OptionBody | Ctx::Measure, "kind") => {
                let (r, value) = self.ident(i, "a kind")?;
                (r, K::Kind { value })
            }
            (Ctx::Instrument, "binding") => {
                let (r, (value, _)) = self.boolean(i)?;
                (r, K::Binding { value })
            }
            (Ctx::Instrument, "signed") => {
                let (r, date) = self.date(i)?;
                (r, K::Signed { date })
            }
            (Ctx::Instrument, "in-force") => {
                let (r, date) = self.date(i)?;
                (r, K::InForce { date })
            }
            (Ctx::Instrument, "terminated") => {
                let (r, date) = self.date(i)?;
                (r, K::Terminated { date })
            }
            (Ctx::Instrument, "survival") => {
                let (r, years) = self.number(i, "a number of years")?;
                let (r, _) = self.keyword(r, "years")?;
                (r, K::Survival { years })
            }
            (Ctx::Instrument, "partners") => {
                let (r, mode) = self.one_of(i, &["none", "all", "investors"], "a partners mode")?;
                (r, K::Partners { mode })
            }
            (Ctx::Instrument, "parties") => {
                let (r, parties) = self.ident_list(i, "country codes or groups")?;
                (r, K::Parties { parties })
            }
            (Ctx::Instrument, "party") => {
                let (r, code) = self.ident(i, "a country code")?;
                let (r, attrs) = self.attrs(r, &["signed", "in-force", "terminated", "source"])?;
                (r, K::Party { code, attrs })
            }
            (Ctx::Instrument, "incorporates") => {
                let (r, id) = self.ident(i, "an instrument id")?;
                (r, K::Incorporates { id })
            }
            (Ctx::Instrument, "provision") => {
                let (r, b) = self.article_block(i, Ctx::Provision, start)?;
                (r, K::Provision(b))
            }
            (Ctx::Instrument, "exception") => {
                let (r, b) = self.article_block(i, Ctx::Defence, start)?;
                (r, K::Exception(b))
            }
            (Ctx::Instrument, "carve-out") => {
                let (r, b) = self.article_block(i, Ctx::Defence, start)?;
                (r, K::CarveOut(b))
            }
            (Ctx::Instrument, "condition") => {
                let (r, b) = self.article_block(i, Ctx::Defence, start)?;
                (r, K::Condition(b))
            }

            // ---------------- provisions and defences
            (Ctx::Provision, "prohibits") => {
                let (r, kinds) = self.ident_list(i, "measure kinds")?;
                (r, K::Prohibits { kinds })
            }
            (Ctx::Provision, "permits") => {
                let (r, kinds) = self.ident_list(i, "measure kinds")?;
                (r, K::Permits { kinds })
            }
            (Ctx::Provision, "cap") => {
                let (r, kind) = self.ident(i, "the measure kind the cap limits")?;
                let (r, body) = self.body(r, Ctx::Cap, start)?;
                (r, K::Cap { kind, body })
            }
            (Ctx::Provision, "scope") => {
                let (r, expr) = self.expr(i)?;
                (r, K::Scope { expr })
            }
            (Ctx::Provision, "carve-outs") => {
                let (r, refs) = self.ref_list(i)?;
                (r, K::CarveOuts { refs })
            }
            (Ctx::Provision, "exceptions") => {
                let (r, refs) = self.ref_list(i)?;
                (r, K::Exceptions { refs })
            }
            (Ctx::Defence, "subject-to") => {
                let (r, refs) = self.ref_list(i)?;
                (r, K::SubjectTo { refs })
            }

            // ---------------- policies and measures
            (Ctx::Policy, "country") => {
                let (r, code) = self.ident(i, "a country code (ISO 3166 alpha-3)")?;
                (r, K::Country { code })
            }
            (Ctx::Policy, "date") => {
                let (r, date) = self.date(i)?;
                (r, K::Date { date })
            }
            (Ctx::Policy, "investment-date") => {
                let (r, date) = self.date(i)?;
                (r, K::InvestmentDate { date })
            }
            (Ctx::Policy, "measure") => {
                let (r, id) = self.ident(i, "a measure id")?;
                let (r, title) = self.opt_string(r, "a title in quotes")?;
                let (r, body) = self.body(r, Ctx::Measure, start)?;
                (r, K::Measure { id, title, body })
            }
            (Ctx::Measure, "products") => {
                let (r, codes) = self.hs_list(i)?;
                (r, K::ProductsList { codes })
            }
            (Ctx::Measure | Ctx::OptionBody, "imposed-as") => {
                let (r, value) = self.ident(i, "how the measure is imposed")?;
                (r, K::ImposedAs { value })
            }
            (Ctx::Measure, "targets") => {
                let (r, targets) = self.targets(i)?;
                (r, K::Targets { targets })
            }
            (Ctx::Measure | Ctx::OptionBody, "rate") => {
                let (r, rate) = self.number(i, "a rate (a number)")?;
                (r, K::Rate { rate })
            }
            (Ctx::Measure, "until") => {
                let (r, date) = self.date(i)?;
                (r, K::Until { date })
            }
            (Ctx::Measure, "objective") => {
                let (r, id) = self.ident(i, "an objective")?;
                (r, K::ObjectiveRef { id })
            }
            (Ctx::Measure | Ctx::OptionBody, "fact") => {
                let (r, fact) = self.ident(i, "a fact name")?;
                let at = self.ws(r);
                if at.starts_with(['=', ':']) {
                    let mut e = self.err(
                        at,
                        "policyspace::parse::stray_assignment",
                        format!("unexpected `{}` after the fact name", &at[..1]),
                        "remove this",
                    );
                    e.len = 1;
                    e.help = Some(format!("write `fact {} true`", fact.name));
                    return Err(nom::Err::Failure(e));
                }
                let (r, value) = self.value(r)?;
                (r, K::FactValue { fact, value })
            }

            // ---------------- tests
            (Ctx::Test, "check") => {
                let (r, policy) = self.ident(i, "a policy id")?;
                (r, K::Check { policy })
            }
            (Ctx::Test, "expect") => self.expect(i)?,

            (ctx, w) => {
                return self.fail(
                    start,
                    "policyspace::parse::unknown_statement",
                    format!("unknown statement `{w}` {}", ctx.describe()),
                    "not allowed here",
                );
            }
        })
    }

    fn fact_type(&self, i: &'a str) -> Res<'a, FactType> {
        let t = self.ws(i);
        let (r, id) = self.one_of(t, &["bool", "number", "date", "one-of"], "a fact type")?;
        Ok(match id.name.as_str() {
            "bool" => (r, FactType::Bool { span: id.span }),
            "number" => (r, FactType::Number { span: id.span }),
            "date" => (r, FactType::Date { span: id.span }),
            _ => {
                let (r, values) = self.ident_list(r, "allowed values")?;
                let span = self.span(t, r);
                (r, FactType::OneOf { values, span })
            }
        })
    }

    /// `key value` attributes of `member` and `party`. They must be on the keyword's line:
    /// `source` and the dates are also statements of the enclosing block, and the line break is
    /// what tells them apart.
    fn attrs(&self, i: &'a str, keys: &[&'static str]) -> Res<'a, Vec<Attr>> {
        let mut rest = i;
        let mut out = Vec::new();
        while let Some(w) = self.peek_ident(rest) {
            if !keys.contains(&w) {
                break;
            }
            let gap = &rest[..rest.len() - self.ws(rest).len()];
            if gap.contains('\n') || gap.contains("//") {
                break;
            }
            let (r, key) = self.ident(rest, "an attribute")?;
            if w == "source" {
                let (r, s) = self.string(r, "a source in quotes")?;
                out.push(Attr {
                    value: Value::Ident(key.clone()),
                    key,
                    text: Some(s),
                });
                rest = r;
            } else {
                let (r, d) = self.date(r)?;
                out.push(Attr {
                    key,
                    value: Value::Date(d),
                    text: None,
                });
                rest = r;
            }
        }
        Ok((rest, out))
    }

    fn article_block(&self, i: &'a str, ctx: Ctx, start: &'a str) -> Res<'a, ArticleBlock> {
        let (r, label) = self.string(i, "the article label in quotes (\"XI:1\")")?;
        let (r, from) = if self.peek_ident(r) == Some("from") {
            let (r, _) = self.keyword(r, "from")?;
            let (r, q) = self.qref(r)?;
            (r, Some(q))
        } else {
            (r, None)
        };
        let (r, title) = self.opt_string(r, "a title in quotes")?;
        let (r, body) = self.opt_body(r, ctx, start)?;
        Ok((
            r,
            ArticleBlock {
                label,
                from,
                title,
                body,
            },
        ))
    }

    fn targets(&self, i: &'a str) -> Res<'a, Targets> {
        let t = self.ws(i);
        let (r, w) = self.one_of(t, &["all", "foreign-investors", "investors-of"], "a target")?;
        Ok(match w.name.as_str() {
            "all" => (r, Targets::All { span: w.span }),
            "foreign-investors" => (r, Targets::ForeignInvestors { span: w.span }),
            _ => {
                let (r, codes) = self.ident_list(r, "country codes")?;
                let span = self.span(t, r);
                (r, Targets::InvestorsOf { codes, span })
            }
        })
    }

    fn expect(&self, i: &'a str) -> Res<'a, StmtKind> {
        let (r, what) = self.one_of(
            i,
            &["verdict", "finding", "exception", "question"],
            "an expectation",
        )?;
        Ok(match what.name.as_str() {
            "verdict" => {
                let (r, verdict) =
                    self.one_of(r, &["conflict", "uncertain", "compatible"], "a verdict")?;
                (r, StmtKind::ExpectVerdict { verdict })
            }
            "finding" => {
                let (r, measure) = self.ident(r, "a measure id")?;
                let (r, provision) = self.qref(r)?;
                let (r, status) = self.one_of(r, crate::model::STATUS_NAMES, "a status")?;
                let (r, partner) = if self.peek_ident(r) == Some("partner") {
                    let (r, _) = self.keyword(r, "partner")?;
                    let (r, c) = self.ident(r, "a country code")?;
                    (r, Some(c))
                } else {
                    (r, None)
                };
                (
                    r,
                    StmtKind::ExpectFinding {
                        measure,
                        provision,
                        status,
                        partner,
                    },
                )
            }
            "exception" => {
                let (r, measure) = self.ident(r, "a measure id")?;
                let (r, provision) = self.qref(r)?;
                let (r, defence) = self.qref(r)?;
                let (r, outcome) = self.one_of(r, &["holds", "fails", "unknown"], "an outcome")?;
                (
                    r,
                    StmtKind::ExpectException {
                        measure,
                        provision,
                        defence,
                        outcome,
                    },
                )
            }
            _ => {
                let (r, fact) = self.ident(r, "a fact name")?;
                (r, StmtKind::ExpectQuestion { fact })
            }
        })
    }
}

/// Length of the token at the start of `s` (for underlining).
fn token_len(s: &str) -> usize {
    let t = s;
    let Some(c) = t.chars().next() else { return 0 };
    if c == '"' {
        return t[1..]
            .find(['"', '\n'])
            .map_or(t.len(), |n| n + 2)
            .min(t.find('\n').unwrap_or(t.len()));
    }
    if is_ident_char(c) {
        return t
            .find(|c: char| !(is_ident_char(c) || c == '.'))
            .unwrap_or(t.len());
    }
    c.len_utf8()
}

/// A hint for errors whose site gave none.
fn default_help(code: &str) -> &'static str {
    match code {
        "policyspace::parse::expected_number" => {
            "numbers are written with digits, e.g. 15 or 12.5 (a % sign is allowed)"
        }
        "policyspace::parse::expected_keyword" => {
            "see grammar/pspace.ebnf for the form of this statement"
        }
        "policyspace::parse::expected_name" => {
            "names are letters, digits, `-` and `_`, starting with a letter"
        }
        "policyspace::parse::expected_block" => {
            "a block is written `{ ... }` after the item's name and title"
        }
        "policyspace::parse::expected_article" => {
            "refer to an article as \"XI:1\" (same instrument) or gatt-1994.\"XI:1\""
        }
        "policyspace::parse::unclosed" => "add the missing closing bracket",
        "policyspace::parse::unknown_statement" => {
            "see grammar/pspace.ebnf for the statements each block accepts"
        }
        _ => "see grammar/README.md for the language",
    }
}

fn list_words(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn condition_help() -> String {
    "a condition is `fact <name>`, `kind in [...]`, `product in [...]`, `imposed-as in [...]`, `targets in [...]`, \
`objective in [...]`, `country in [...]`, `partner in [...]`, `rate > N`, `date < YYYY-MM-DD`, combined with `and`, `or`, `not` and parentheses"
        .to_string()
}

/// Every `//` comment of a file, skipping string contents.
pub fn collect_comments(src: &str, file: FileId) -> Vec<Comment> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"\"\"\"") {
            i = src[i + 3..]
                .find("\"\"\"")
                .map_or(b.len(), |n| i + 3 + n + 3);
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' && b[j] != b'\n' {
                if b[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            i = j + 1;
        } else if b[i..].starts_with(b"//") {
            let end = src[i..].find('\n').map_or(b.len(), |n| i + n);
            let text = src.get(i + 2..end).unwrap_or("").trim_end().to_string();
            out.push(Comment {
                text,
                span: Span::new(file, i, end),
            });
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// `take_while1` is re-exported for the formatter's identifier check.
pub fn is_plain_ident(s: &str) -> bool {
    let r: IResult<&str, &str, PErr> = take_while1(is_ident_char).parse(s);
    s.starts_with(is_ident_start) && matches!(r, Ok(("", _)))
}
