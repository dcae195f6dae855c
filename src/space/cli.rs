//! `policyspace space`.

use super::{Request, analyse, compare, expand_countries, world};
use crate::cli::{Format, Out, load_rulesets, parse_date, write_atomically};
use crate::diag::Diag;
use crate::source::Sources;
use std::io::Write as _;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct SpaceArgs {
    /// One country (ISO alpha-3).
    #[arg(long, conflicts_with = "countries")]
    pub country: Option<String>,
    /// Several countries, comma-separated, or a group (`ldc`, `wto-members`...), or `all`.
    #[arg(long, value_delimiter = ',')]
    pub countries: Vec<String>,
    /// The objective whose catalogue of options is evaluated (e.g. domestic-value-addition).
    #[arg(long, required_unless_present = "world")]
    pub objective: Option<String>,
    /// HS codes of the products (e.g. 2604 for nickel ores).
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub products: Vec<String>,
    /// The date of the analysis (YYYY-MM-DD; default today).
    #[arg(long)]
    pub date: Option<String>,
    /// When the affected investments were made (decides sunset clauses).
    #[arg(long)]
    pub investment_date: Option<String>,
    /// Counterfactual: the instrument terminated on the analysis date (repeatable).
    #[arg(long)]
    pub without: Vec<String>,
    /// A draft deal (.pspace): the space before and after joining it (repeatable).
    #[arg(long = "with")]
    pub with: Vec<PathBuf>,
    /// Every country × every catalogued option (the world map).
    #[arg(long)]
    pub world: bool,
    /// Ruleset directory (default: embedded).
    #[arg(long)]
    pub rulesets: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to a file.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

fn fail(out: &Out, msg: String, help: &str) -> i32 {
    out.diags(
        &[Diag::error("policyspace::space::invalid_request", msg).help(help)],
        &Sources::new(),
    );
    2
}

pub fn run(out: &Out, a: &SpaceArgs) -> i32 {
    let date = match parse_date(out, a.date.as_deref()) {
        Ok(d) => d.unwrap_or_else(crate::date::Date::today),
        Err(c) => return c,
    };
    let investment_date = match parse_date(out, a.investment_date.as_deref()) {
        Ok(d) => d,
        Err(c) => return c,
    };
    let rs = match load_rulesets(a.rulesets.as_deref()) {
        Ok(r) => r,
        Err(e) => return out.load_error(&e),
    };
    let mut products = Vec::new();
    for p in &a.products {
        match crate::hs::normalise(p) {
            Ok(c) => products.push(c),
            Err(why) => {
                return fail(
                    out,
                    format!("`{p}` is not an HS code: {why}"),
                    "HS codes have 2, 4 or 6 digits, e.g. --products 2604",
                );
            }
        }
    }
    let spec: Vec<String> = match (&a.country, a.countries.is_empty(), a.world) {
        (Some(c), _, _) => vec![c.clone()],
        (None, false, _) => a.countries.clone(),
        (None, true, true) => vec!["all".to_string()],
        (None, true, false) => {
            return fail(
                out,
                "no country given".into(),
                "use --country IDN, --countries COD,ZMB,ZWE, a group such as --countries ldc, or --world",
            );
        }
    };
    let countries = match expand_countries(&rs.model, &spec, date) {
        Ok(c) if !c.is_empty() => c,
        Ok(_) => {
            return fail(
                out,
                "the countries given are empty on this date".into(),
                "check the group and the date",
            );
        }
        Err(e) => return fail(out, e, "countries are ISO alpha-3 codes or group names"),
    };
    for w in &a.without {
        if !rs.model.instruments.contains_key(w) {
            let hint =
                crate::diag::did_you_mean(w, rs.model.instruments.keys().map(String::as_str));
            return fail(
                out,
                format!("unknown instrument `{w}` in --without"),
                &hint.map_or("give an instrument id, e.g. bit-arg-usa-1991".into(), |h| {
                    format!("did you mean `{h}`?")
                }),
            );
        }
    }

    let text = if a.world {
        let map = world(&rs.model, &countries, &products, date);
        crate::report::space::world(&map, &rs.model, &rs.hash, a.format)
    } else {
        let req = Request {
            countries,
            objective: a.objective.clone().unwrap_or_default(),
            products,
            date,
            investment_date,
            without: a.without.clone(),
        };
        let before = match analyse(&rs.model, &req) {
            Ok(s) => s,
            Err(e) => {
                return fail(
                    out,
                    e,
                    "objectives are declared in rulesets/core/objectives.pspace",
                );
            }
        };
        if a.with.is_empty() {
            crate::report::space::render(&before, &rs.model, &rs.hash, a.format)
        } else {
            let paths: Vec<&std::path::Path> = a.with.iter().map(PathBuf::as_path).collect();
            let (model, drafts) = match super::with_drafts(&rs, &paths) {
                Ok(x) => x,
                Err(e) => return out.load_error(&e),
            };
            if drafts.is_empty() {
                return fail(
                    out,
                    "the --with files define no instrument".into(),
                    "a draft deal is an `instrument` with its parties and provisions",
                );
            }
            let after = match analyse(&model, &req) {
                Ok(s) => s,
                Err(e) => {
                    return fail(
                        out,
                        e,
                        "objectives are declared in rulesets/core/objectives.pspace",
                    );
                }
            };
            let cmp = compare(drafts, before, after);
            crate::report::space::comparison(&cmp, &model, &rs.hash, a.format)
        }
    };
    let written = match &a.output {
        Some(p) => write_atomically(p, &text),
        None => std::io::stdout().lock().write_all(text.as_bytes()),
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the report: {e}");
        return 2;
    }
    0
}
