//! The canonical layout of `.pspace` files (`policyspace fmt`).
//!
//! Two-space indentation; every block on its own lines; lists inline when they fit in
//! [`WIDTH`] columns, one element per line otherwise; long conditions broken before `and`/`or`.
//! Comments are re-attached by position: a comment is printed before the first statement or list
//! element that follows it, or at the end of the line it trailed. At most one blank line is kept
//! between statements. [`format`] re-parses its output and refuses to return it if the tree or the
//! comments changed, so formatting cannot change meaning.

use super::ast::*;
use super::parser::{self, is_plain_ident};
use crate::source::FileId;

pub const WIDTH: usize = 100;

/// Format source text. Errors if the text does not parse, or (an internal error) if formatting
/// would change the tree.
pub fn format(src: &str) -> Result<String, FormatError> {
    let (file, errors) = parser::parse(src, FileId(0));
    if !errors.is_empty() {
        return Err(FormatError::Syntax(errors));
    }
    let out = print(&file, Some(src));
    let (again, errors) = parser::parse(&out, FileId(0));
    let same_comments = again
        .comments
        .iter()
        .map(|c| c.text.trim())
        .eq(file.comments.iter().map(|c| c.text.trim()));
    if !errors.is_empty() || again.items != file.items || !same_comments {
        return Err(FormatError::Unstable);
    }
    Ok(out)
}

#[derive(Debug)]
pub enum FormatError {
    Syntax(Vec<crate::diag::Diag>),
    /// The formatter's output would not parse back to the same tree (a bug in the formatter).
    Unstable,
}

/// Print a tree. With the original source, comments and blank lines are kept.
pub fn print(file: &File, src: Option<&str>) -> String {
    let mut p = Printer {
        out: String::new(),
        indent: 0,
        comments: if src.is_some() { &file.comments } else { &[] },
        next: 0,
        src,
        after_comment: false,
    };
    let mut prev_end: Option<u32> = None;
    let mut prev_block = false;
    for item in &file.items {
        let is_block = item.kind.body().is_some_and(|b| !b.is_empty())
            || matches!(
                item.kind,
                StmtKind::Instrument { .. }
                    | StmtKind::Policy { .. }
                    | StmtKind::Test { .. }
                    | StmtKind::Group { .. }
            );
        if let Some(end) = prev_end {
            // With the original text, blank lines are kept as written (at most one); a tree built
            // by a program gets a blank line around every block.
            let blank = match src {
                Some(_) => p.blank_between(end, p.first_start(item.span.start)),
                None => prev_block || is_block,
            };
            if blank {
                p.out.push('\n');
            }
        }
        p.stmt(item);
        prev_end = Some(item.span.end);
        prev_block = is_block;
    }
    p.leading(u32::MAX);
    if p.out.is_empty() {
        return p.out;
    }
    while p.out.ends_with("\n\n") {
        p.out.pop();
    }
    p.out
}

struct Printer<'a> {
    out: String,
    indent: usize,
    comments: &'a [Comment],
    next: usize,
    src: Option<&'a str>,
    /// The last thing printed was a comment (so a blank line before the next comment is the
    /// author's separation between comment groups).
    after_comment: bool,
}

impl Printer<'_> {
    fn pad(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
    }

    /// Where the next thing printed at `pos` really starts: its first leading comment, if any.
    fn first_start(&self, pos: u32) -> u32 {
        match self.comments.get(self.next) {
            Some(c) if c.span.start < pos => c.span.start,
            _ => pos,
        }
    }

    fn blank_between(&self, a: u32, b: u32) -> bool {
        let Some(src) = self.src else { return false };
        let (a, b) = (a as usize, b as usize);
        if a >= b || b > src.len() {
            return false;
        }
        src.get(a..b).is_some_and(|s| s.matches('\n').count() >= 2)
    }

    /// Print every pending comment that starts before `pos`, each on its own line.
    fn leading(&mut self, pos: u32) {
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= pos {
                break;
            }
            if !self.out.is_empty() && !self.out.ends_with('\n') {
                self.out.push('\n');
            }
            // Keep one blank line between groups of comments as written.
            if self.next > 0
                && self.after_comment
                && let Some(prev) = self.comments.get(self.next - 1)
                && self.blank_between(prev.span.end, c.span.start)
                && !self.out.ends_with("\n\n")
                && !self.out.ends_with("{\n")
            {
                self.out.push('\n');
            }
            self.pad();
            self.out.push_str("//");
            self.out.push_str(&c.text);
            self.out.push('\n');
            self.next += 1;
            self.after_comment = true;
            // A blank line between the last comment and what follows is kept.
            let followed_by_comment = self
                .comments
                .get(self.next)
                .is_some_and(|n| n.span.start < pos);
            if !followed_by_comment && pos != u32::MAX && self.blank_between(c.span.end, pos) {
                self.out.push('\n');
            }
        }
    }

    /// Append a comment that trailed `end` on the same line.
    fn trailing(&mut self, end: u32) {
        let Some(src) = self.src else { return };
        if let Some(c) = self.comments.get(self.next)
            && c.span.start >= end
            && src
                .get(end as usize..c.span.start as usize)
                .is_some_and(|s| !s.contains('\n'))
        {
            while self.out.ends_with('\n') {
                self.out.pop();
            }
            self.out.push_str(" //");
            self.out.push_str(&c.text);
            self.out.push('\n');
            self.next += 1;
        }
    }

    fn has_comment_before(&self, pos: u32) -> bool {
        self.comments
            .get(self.next)
            .is_some_and(|c| c.span.start < pos)
    }

    /// A block written on one line in the source stays on one line if it still fits and holds
    /// only one-line statements and no comments.
    fn inline_body(&self, body: &[Stmt], span: crate::source::Span) -> Option<String> {
        let src = self.src?;
        let text = src.get(span.start as usize..span.end as usize)?;
        if text.contains('\n')
            || body.is_empty()
            || self.has_comment_before(span.end)
                && self
                    .comments
                    .get(self.next)
                    .is_some_and(|c| c.span.start >= span.start)
        {
            return None;
        }
        let mut parts = Vec::new();
        for s in body {
            if s.kind.body().is_some_and(|b| !b.is_empty()) {
                return None;
            }
            let mut sub = Printer {
                out: String::new(),
                indent: 0,
                comments: &[],
                next: 0,
                src: None,
                after_comment: false,
            };
            sub.stmt(s);
            let line = sub.out.trim_end().to_string();
            if line.contains('\n') {
                return None;
            }
            parts.push(line);
        }
        Some(format!(" {{ {} }}", parts.join(" ")))
    }

    fn body_at(&mut self, body: &[Stmt], span: crate::source::Span, line_start: usize) {
        if let Some(inline) = self.inline_body(body, span) {
            let current = self.out.len() - line_start + self.indent * 2;
            if current + inline.len() <= WIDTH {
                self.out.push_str(&inline);
                return;
            }
        }
        self.body(body, span.end);
    }

    fn body(&mut self, body: &[Stmt], end: u32) {
        self.out.push_str(" {\n");
        self.indent += 1;
        let mut prev_end: Option<u32> = None;
        for s in body {
            if let Some(pe) = prev_end
                && self.blank_between(pe, self.first_start(s.span.start))
            {
                self.out.push('\n');
            }
            self.stmt(s);
            prev_end = Some(s.span.end);
        }
        // Comments before the closing brace.
        self.leading(end.saturating_sub(1).max(1));
        self.indent -= 1;
        self.pad();
        self.out.push('}');
    }

    /// A block that may be omitted when empty.
    fn opt_body(&mut self, body: &[Stmt], span: crate::source::Span, line_start: usize) {
        if !body.is_empty() || self.has_comment_before(span.end.saturating_sub(1)) {
            self.body_at(body, span, line_start);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        use StmtKind as K;
        self.leading(s.span.start);
        self.after_comment = false;
        self.pad();
        let line_start = self.out.len();
        let kw = s.kind.keyword();
        self.out.push_str(kw);
        let end = s.span.end;
        match &s.kind {
            K::Import { path } => self.str_arg(path),
            K::CountryDecl { code, name } => {
                self.ident_arg(code);
                self.str_arg(name);
            }
            K::Group { id, title, body }
            | K::Products { id, title, body }
            | K::Instrument { id, title, body }
            | K::Policy { id, title, body } => {
                self.ident_arg(id);
                self.str_arg(title);
                self.body(body, end);
            }
            K::Category { id, title, body }
            | K::MeasureKind { id, title, body }
            | K::Objective { id, title, body } => {
                self.ident_arg(id);
                self.str_arg(title);
                self.opt_body(body, s.span, line_start);
            }
            K::Option { id, title, body } => {
                self.ident_arg(id);
                self.str_arg(title);
                self.opt_body(body, s.span, line_start);
            }
            K::FactDecl {
                id,
                ty,
                question,
                body,
            } => {
                self.ident_arg(id);
                self.out.push(' ');
                match ty {
                    FactType::OneOf { values, .. } => {
                        self.out.push_str("one-of ");
                        self.list(
                            values
                                .iter()
                                .map(|v| (v.name.clone(), v.span.start))
                                .collect(),
                            line_start,
                        );
                    }
                    other => self.out.push_str(other.name()),
                }
                self.str_arg(question);
                self.opt_body(body, s.span, line_start);
            }
            K::Test { name, body } => {
                self.str_arg(name);
                self.body(body, end);
            }
            K::Source { text }
            | K::Note { text }
            | K::Text { text }
            | K::Help { text }
            | K::Cite { text } => self.str_arg(text),
            K::Member { code, attrs } | K::Party { code, attrs } => {
                self.ident_arg(code);
                for a in attrs {
                    self.out.push(' ');
                    self.out.push_str(&a.key.name);
                    match &a.text {
                        Some(t) => self.str_arg(t),
                        None => {
                            self.out.push(' ');
                            self.value(&a.value);
                        }
                    }
                }
            }
            K::Include { id } | K::Incorporates { id } => self.ident_arg(id),
            K::Line { hs, rate, label } => {
                self.str_arg(hs);
                if let Some(r) = rate {
                    self.out.push(' ');
                    self.num(r);
                }
                if let Some(l) = label {
                    self.str_arg(l);
                }
            }
            K::CountsAs {
                kind,
                when,
                because,
            } => {
                self.ident_arg(kind);
                if let Some(w) = when {
                    self.out.push_str(" when ");
                    self.expr_wrapped(w, line_start);
                }
                if let Some(b) = because {
                    self.out.push_str(" because");
                    self.str_arg(b);
                }
            }
            K::Kind { value } | K::ImposedAs { value } => self.ident_arg(value),
            K::Binding { value } => self.out.push_str(if *value { " true" } else { " false" }),
            K::Signed { date }
            | K::InForce { date }
            | K::Terminated { date }
            | K::Date { date }
            | K::InvestmentDate { date }
            | K::Until { date } => {
                self.out.push(' ');
                self.out.push_str(&date.raw);
            }
            K::Survival { years } => {
                self.out.push(' ');
                self.num(years);
                self.out.push_str(" years");
            }
            K::Partners { mode } | K::Enforcement { mode } => self.ident_arg(mode),
            K::Confidence { level, reason } => {
                self.ident_arg(level);
                if let Some(r) = reason {
                    self.str_arg(r);
                }
            }
            K::Parties { parties: items }
            | K::Prohibits { kinds: items }
            | K::Permits { kinds: items } => {
                self.out.push(' ');
                self.list(
                    items
                        .iter()
                        .map(|v| (v.name.clone(), v.span.start))
                        .collect(),
                    line_start,
                );
            }
            K::Provision(b) | K::Exception(b) | K::CarveOut(b) | K::Condition(b) => {
                self.str_arg(&b.label);
                if let Some(f) = &b.from {
                    self.out.push_str(" from ");
                    self.out.push_str(&qref(f));
                }
                if let Some(t) = &b.title {
                    self.str_arg(t);
                }
                self.opt_body(&b.body, s.span, line_start);
            }
            K::Cap { kind, body } => {
                self.ident_arg(kind);
                self.body_at(body, s.span, line_start);
            }
            K::Default { rate } | K::Rate { rate } => {
                self.out.push(' ');
                self.num(rate);
            }
            K::Scope { expr } | K::Requires { expr } => {
                self.out.push(' ');
                self.expr_wrapped(expr, line_start);
            }
            K::CarveOuts { refs } | K::Exceptions { refs } | K::SubjectTo { refs } => {
                self.out.push(' ');
                self.list(
                    refs.iter().map(|r| (qref(r), r.span.start)).collect(),
                    line_start,
                );
            }
            K::Country { code } => self.ident_arg(code),
            K::Measure { id, title, body } => {
                self.ident_arg(id);
                if let Some(t) = title {
                    self.str_arg(t);
                }
                self.body_at(body, s.span, line_start);
            }
            K::Targets { targets } => match targets {
                Targets::All { .. } => self.out.push_str(" all"),
                Targets::ForeignInvestors { .. } => self.out.push_str(" foreign-investors"),
                Targets::InvestorsOf { codes, .. } => {
                    self.out.push_str(" investors-of ");
                    self.list(
                        codes
                            .iter()
                            .map(|v| (v.name.clone(), v.span.start))
                            .collect(),
                        line_start,
                    );
                }
            },
            K::ObjectiveRef { id } => self.ident_arg(id),
            K::ProductsList { codes } => {
                self.out.push(' ');
                self.list(
                    codes
                        .iter()
                        .map(|v| (quote(&v.value), v.span.start))
                        .collect(),
                    line_start,
                );
            }
            K::FactValue { fact, value } => {
                self.ident_arg(fact);
                self.out.push(' ');
                self.value(value);
            }
            K::Check { policy } => self.ident_arg(policy),
            K::ExpectVerdict { verdict } => {
                self.out.push_str(" verdict");
                self.ident_arg(verdict);
            }
            K::ExpectFinding {
                measure,
                provision,
                status,
                partner,
            } => {
                self.out.push_str(" finding");
                self.ident_arg(measure);
                self.out.push(' ');
                self.out.push_str(&qref(provision));
                self.ident_arg(status);
                if let Some(p) = partner {
                    self.out.push_str(" partner");
                    self.ident_arg(p);
                }
            }
            K::ExpectException {
                measure,
                provision,
                defence,
                outcome,
            } => {
                self.out.push_str(" exception");
                self.ident_arg(measure);
                self.out.push(' ');
                self.out.push_str(&qref(provision));
                self.out.push(' ');
                self.out.push_str(&qref(defence));
                self.ident_arg(outcome);
            }
            K::ExpectQuestion { fact } => {
                self.out.push_str(" question");
                self.ident_arg(fact);
            }
        }
        self.out.push('\n');
        self.trailing(end);
    }

    fn ident_arg(&mut self, i: &Ident) {
        self.out.push(' ');
        self.out.push_str(&i.name);
    }

    fn str_arg(&mut self, s: &Str) {
        self.out.push(' ');
        self.out.push_str(&quote(&s.value));
    }

    fn num(&mut self, n: &Num) {
        self.out.push_str(&number(n));
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Bool { value, .. } => self.out.push_str(if *value { "true" } else { "false" }),
            Value::Number(n) => self.num(n),
            Value::Date(d) => self.out.push_str(&d.raw),
            Value::Ident(i) => self.out.push_str(&i.name),
        }
    }

    /// A list: inline if it fits and holds no comments; otherwise one element per line.
    fn list(&mut self, items: Vec<(String, u32)>, line_start: usize) {
        let inline = format!(
            "[{}]",
            items
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let last = items.last().map_or(0, |(_, p)| *p);
        let current = self.out.len() - line_start + self.indent * 2;
        if current + inline.len() <= WIDTH && !self.has_comment_before(last.saturating_add(1)) {
            self.out.push_str(&inline);
            return;
        }
        self.out.push_str("[\n");
        self.indent += 1;
        for (text, pos) in &items {
            self.leading(*pos);
            self.pad();
            self.out.push_str(text);
            self.out.push_str(",\n");
            if let Some(src) = self.src {
                // A comment trailing this element on its line.
                if let Some(c) = self.comments.get(self.next) {
                    let elem_end = src
                        .get(*pos as usize..)
                        .and_then(|s| s.find([',', ']', '\n']))
                        .map_or(*pos as usize, |n| *pos as usize + n);
                    if c.span.start as usize >= elem_end
                        && src
                            .get(elem_end..c.span.start as usize)
                            .is_some_and(|s| !s.contains('\n'))
                    {
                        self.out.pop();
                        self.out.push_str(" //");
                        self.out.push_str(&c.text);
                        self.out.push('\n');
                        self.next += 1;
                    }
                }
            }
        }
        self.indent -= 1;
        self.pad();
        self.out.push(']');
    }

    /// An expression, broken before top-level `and`/`or` when the line would be too long.
    fn expr_wrapped(&mut self, e: &Expr, line_start: usize) {
        let flat = expr(e);
        let current = self.out.len() - line_start + self.indent * 2;
        let (op, operands) = match &e.kind {
            ExprKind::And { operands } => ("and", operands),
            ExprKind::Or { operands } => ("or", operands),
            _ => {
                self.out.push_str(&flat);
                return;
            }
        };
        if current + flat.len() <= WIDTH {
            self.out.push_str(&flat);
            return;
        }
        for (n, o) in operands.iter().enumerate() {
            if n > 0 {
                self.out.push('\n');
                self.pad();
                self.out.push_str("  ");
                self.out.push_str(op);
                self.out.push(' ');
            }
            self.out.push_str(&operand(o, op));
        }
    }
}

/// An operand of `and`/`or`, parenthesised where needed to keep the tree.
fn operand(e: &Expr, parent: &str) -> String {
    match (&e.kind, parent) {
        (ExprKind::Or { .. }, _) | (ExprKind::And { .. }, "and") => format!("({})", expr(e)),
        _ => expr(e),
    }
}

/// An expression on one line.
pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::And { operands } => operands
            .iter()
            .map(|o| operand(o, "and"))
            .collect::<Vec<_>>()
            .join(" and "),
        ExprKind::Or { operands } => operands
            .iter()
            .map(|o| operand(o, "or"))
            .collect::<Vec<_>>()
            .join(" or "),
        ExprKind::Not { operand } => match operand.kind {
            ExprKind::And { .. } | ExprKind::Or { .. } => format!("not ({})", expr(operand)),
            _ => format!("not {}", expr(operand)),
        },
        ExprKind::Bool { value } => value.to_string(),
        ExprKind::Fact { fact, cmp } => match cmp {
            None => format!("fact {}", fact.name),
            Some((op, v)) => format!("fact {} {} {}", fact.name, op.as_str(), value(v)),
        },
        ExprKind::In { subject, set } => {
            let items: Vec<String> = set
                .iter()
                .map(|i| match i {
                    SetItem::Ident(id) => id.name.clone(),
                    SetItem::Str(s) => quote(&s.value),
                })
                .collect();
            if items.len() == 1 {
                format!("{} in {}", subject.name, items.join(""))
            } else {
                format!("{} in [{}]", subject.name, items.join(", "))
            }
        }
        ExprKind::Cmp {
            subject,
            op,
            value: v,
        } => format!("{} {} {}", subject.name, op.as_str(), value(v)),
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::Bool { value, .. } => value.to_string(),
        Value::Number(n) => number(n),
        Value::Date(d) => d.raw.clone(),
        Value::Ident(i) => i.name.clone(),
    }
}

pub fn number(n: &Num) -> String {
    format!("{}{}", n.value, if n.percent { "%" } else { "" })
}

pub fn qref(q: &QRef) -> String {
    match &q.instrument {
        Some(i) => format!("{}.{}", i.name, quote(&q.article.value)),
        None => quote(&q.article.value),
    }
}

/// A string literal: triple-quoted when it holds line breaks (and no `"""`), escaped otherwise.
pub fn quote(s: &str) -> String {
    if s.contains('\n') && !s.contains("\"\"\"") && !s.ends_with('"') {
        return format!("\"\"\"{s}\"\"\"");
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether a name can be printed bare (used by generators and tooling).
pub fn is_bare(name: &str) -> bool {
    is_plain_ident(name)
}
