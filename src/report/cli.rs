//! `policyspace check`.

use super::Report;
use crate::cli::{Format, Out, load_rulesets, parse_date};
use crate::eval::Options;
use crate::model::Verdict;
use std::io::Write as _;
use std::path::{Path, PathBuf};

#[allow(clippy::too_many_arguments)]
pub fn check(
    out: &Out,
    policies: &[PathBuf],
    rulesets: Option<&Path>,
    date: Option<&str>,
    format: Format,
    explain: bool,
    all: bool,
    output: Option<&Path>,
) -> i32 {
    let date = match parse_date(out, date) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let rs = match load_rulesets(rulesets) {
        Ok(r) => r,
        Err(e) => return out.load_error(&e),
    };
    let opts = Options {
        date,
        all,
        ..Options::default()
    };
    let mut texts = Vec::new();
    let mut jsons = Vec::new();
    let mut worst: Option<Verdict> = None;
    let color = output.is_none() && out.color_stdout;
    for path in policies {
        let lp = match rs.policies_from_file(path) {
            Ok(lp) => lp,
            Err(e) => return out.load_error(&e),
        };
        out.diags(&lp.warnings, &lp.sources);
        let model = lp.model(&rs);
        for p in &lp.policies {
            let ev = crate::eval::check(model, p, &opts);
            worst = Some(match worst {
                None => ev.verdict,
                Some(w) => w.min(ev.verdict),
            });
            let r = Report {
                eval: &ev,
                model,
                sources: &lp.sources,
                rulesets: &rs.hash,
                explain,
            };
            match format {
                Format::Human => texts.push(super::human::render(&r, color, 100)),
                Format::Json => jsons.push(super::json::value(&r)),
                Format::Markdown => texts.push(super::markdown::render(&r)),
                Format::Html => texts.push(super::html::render(&r)),
            }
        }
    }
    let text = if format == Format::Json {
        let v = if jsons.len() == 1 {
            jsons.pop().unwrap_or_default()
        } else {
            serde_json::Value::Array(jsons)
        };
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    } else {
        texts.join(if format == Format::Human {
            "\n────────\n\n"
        } else {
            "\n"
        })
    };
    let written = match output {
        Some(p) => crate::cli::write_atomically(p, &text),
        None => std::io::stdout().lock().write_all(text.as_bytes()),
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the report: {e}");
        return 2;
    }
    worst.map_or(0, Verdict::exit_code)
}
