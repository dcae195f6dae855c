//! Diagnostics: one type for every problem the tool reports, with a stable code, labelled spans
//! and a help line, rendered through miette (graphical, plain or JSON).
//!
//! Codes are namespaced by the stage that finds the problem: `policyspace::parse::*`,
//! `policyspace::resolve::*`, `policyspace::policy::*`, `policyspace::lint::*`. They are stable:
//! users cite and filter them.

use crate::source::{Sources, Span};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Informational (used for findings that are not conflicts).
    Advice,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// A problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diag {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The first label is the primary location.
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diag {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diag {
        Diag {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diag {
        Diag {
            severity: Severity::Warning,
            ..Diag::error(code, message)
        }
    }
    pub fn label(mut self, span: Span, text: impl Into<String>) -> Diag {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }
    pub fn help_opt(mut self, help: Option<String>) -> Diag {
        if help.is_some() {
            self.help = help;
        }
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
    pub fn primary(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }
}

/// Sort diagnostics by file and position, errors and warnings interleaved, so output is deterministic.
pub fn sort(diags: &mut [Diag]) {
    diags.sort_by_key(|d| {
        let s = d.primary().unwrap_or_default();
        (s.file, s.start, s.end, d.code)
    });
}

/// "Did you mean": the closest candidate by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&wanted.to_lowercase(), &c.to_lowercase());
        if best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let limit = (wanted.chars().count() / 3).max(1) + 1;
    (d <= limit && d > 0 || (d == 0 && c != wanted)).then(|| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

// ---------------------------------------------------------------------------------------------
// Rendering through miette

/// How diagnostics are printed: `human` (graphical, colour when allowed), `plain` (narrated, for
/// screen readers and logs), `json` (one object per line, for tools).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ErrorFormat {
    #[default]
    Human,
    Plain,
    Json,
}

/// A diagnostic bound to its sources, so miette can render it.
struct Bound<'a> {
    diag: &'a Diag,
    sources: &'a Sources,
    /// Labels of this (sub)diagnostic: all in one file.
    labels: Vec<&'a Label>,
    related: Vec<Bound<'a>>,
    is_root: bool,
}

impl<'a> Bound<'a> {
    fn new(diag: &'a Diag, sources: &'a Sources) -> Bound<'a> {
        // Group labels by file: miette shows one source per diagnostic, so labels in other files
        // (a policy and the ruleset line of a provision) become related diagnostics.
        let mut groups: Vec<(crate::source::FileId, Vec<&Label>)> = Vec::new();
        for l in &diag.labels {
            match groups.iter_mut().find(|(f, _)| *f == l.span.file) {
                Some((_, v)) => v.push(l),
                None => groups.push((l.span.file, vec![l])),
            }
        }
        let mut groups = groups.into_iter();
        let labels = groups.next().map(|(_, v)| v).unwrap_or_default();
        let related = groups
            .map(|(_, v)| Bound {
                diag,
                sources,
                labels: v,
                related: Vec::new(),
                is_root: false,
            })
            .collect();
        Bound {
            diag,
            sources,
            labels,
            related,
            is_root: true,
        }
    }
    fn file(&self) -> Option<&'a crate::source::SourceFile> {
        self.labels
            .first()
            .and_then(|l| self.sources.get(l.span.file))
    }
}

impl fmt::Debug for Bound<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.diag.message)
    }
}

impl fmt::Display for Bound<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root {
            write!(f, "{}", self.diag.message)
        } else {
            match self.file() {
                Some(file) => write!(f, "see {}", file.name),
                None => write!(f, "see also"),
            }
        }
    }
}

impl std::error::Error for Bound<'_> {}

impl miette::Diagnostic for Bound<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.is_root
            .then(|| Box::new(self.diag.code) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        if !self.is_root {
            return Some(miette::Severity::Advice);
        }
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Advice => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if !self.is_root {
            return None;
        }
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.file().map(|f| f as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().enumerate().map(|(i, l)| {
            let text = (!l.text.is_empty()).then(|| l.text.clone());
            if i == 0 && self.is_root {
                miette::LabeledSpan::new_primary_with_span(text, l.span.miette())
            } else {
                miette::LabeledSpan::new_with_span(text, l.span.miette())
            }
        })))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

impl miette::SourceCode for crate::source::SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// Render diagnostics as text.
///
/// `width` fixes the line width (snapshots use 100); `color` switches ANSI colour on.
pub fn render(
    diags: &[Diag],
    sources: &Sources,
    format: ErrorFormat,
    color: bool,
    width: usize,
) -> String {
    let mut out = String::new();
    let total = diags.len();
    for (i, d) in diags.iter().enumerate() {
        match format {
            ErrorFormat::Json => {
                out.push_str(&render_json(d, sources).to_string());
                out.push('\n');
            }
            ErrorFormat::Human | ErrorFormat::Plain => {
                let bound = Bound::new(d, sources);
                let loc = d
                    .primary()
                    .map(|s| sources.location(s).to_string())
                    .unwrap_or_default();
                if total > 1 {
                    out.push_str(&format!("[{}/{}] {}\n", i + 1, total, loc));
                } else if !loc.is_empty() {
                    out.push_str(&format!("{loc}\n"));
                }
                if format == ErrorFormat::Plain {
                    let handler = miette::NarratableReportHandler::new();
                    let _ = handler.render_report(&mut out, &bound);
                } else {
                    let theme = if color {
                        miette::GraphicalTheme::unicode()
                    } else {
                        miette::GraphicalTheme::unicode_nocolor()
                    };
                    let handler = miette::GraphicalReportHandler::new_themed(theme)
                        .with_width(width)
                        .with_links(false);
                    let _ = handler.render_report(&mut out, &bound);
                }
                if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// One diagnostic as a JSON object: code, severity, message, help, and labels with file:line:col.
pub fn render_json(d: &Diag, sources: &Sources) -> serde_json::Value {
    let labels: Vec<serde_json::Value> = d
        .labels
        .iter()
        .map(|l| {
            let start = sources.location(l.span);
            serde_json::json!({
                "file": start.file,
                "line": start.line,
                "column": start.column,
                "start": l.span.start,
                "end": l.span.end,
                "text": l.text,
            })
        })
        .collect();
    serde_json::json!({
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "help": d.help,
        "labels": labels,
    })
}

/// A summary line: "2 errors, 1 warning".
pub fn summary(diags: &[Diag]) -> String {
    let e = diags.iter().filter(|d| d.is_error()).count();
    let w = diags
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    let plural = |n: usize, s: &str| format!("{n} {s}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}", plural(e, "error"), plural(w, "warning"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_close_names() {
        let c = ["export-prohibition", "export-quota", "export-duty"];
        assert_eq!(
            did_you_mean("export-prohibtion", c).as_deref(),
            Some("export-prohibition")
        );
        assert_eq!(did_you_mean("banana", c), None);
    }
}
