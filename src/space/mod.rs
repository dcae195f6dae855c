//! Remaining policy space (design.md §6): for an objective, the catalogue of policy instruments
//! (data in the rulesets) evaluated against every instrument binding a country or a bloc; which
//! remain open, which are blocked, by which provisions, and which facts would unblock them.
//! Counterfactuals (`--without`, `--date`) and draft deals (`--with`) are the same analysis on a
//! changed model.

pub mod cli;

use crate::date::Date;
use crate::eval::{self, Options};
use crate::model::*;
use serde::Serialize;

/// Where an option stands under one instrument, or for a country overall (worst first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// Prohibited: a breach, or a prima facie breach unless a carve-out or exception is shown.
    Blocked,
    /// Whether the provision applies turns on facts not stated.
    Uncertain,
    /// Conflicts only with a non-binding instrument.
    Tension,
    /// No binding provision prohibits it.
    Open,
}

impl Standing {
    pub const ALL: [Standing; 4] = [
        Standing::Blocked,
        Standing::Uncertain,
        Standing::Tension,
        Standing::Open,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Blocked => "blocked",
            Standing::Uncertain => "uncertain",
            Standing::Tension => "tension",
            Standing::Open => "open",
        }
    }
    pub fn meaning(self) -> &'static str {
        match self {
            Standing::Blocked => {
                "a binding provision prohibits it, unless a carve-out or exception is shown to hold (the routes say on what facts)"
            }
            Standing::Uncertain => "whether a binding provision applies turns on facts not stated",
            Standing::Tension => {
                "conflicts only with a non-binding instrument (political, not legal)"
            }
            Standing::Open => "no binding provision prohibits it on the stated facts",
        }
    }
    /// The standing a finding gives.
    pub fn of(f: &eval::Finding) -> Standing {
        match f.status {
            Status::Breach => Standing::Blocked,
            Status::Conditional if f.prima_facie => Standing::Blocked,
            Status::Conditional => Standing::Uncertain,
            Status::Tension => Standing::Tension,
            _ => Standing::Open,
        }
    }
}

/// What to analyse.
#[derive(Clone, Debug)]
pub struct Request {
    pub countries: Vec<String>,
    pub objective: String,
    /// HS codes of the products concerned (normalised).
    pub products: Vec<String>,
    pub date: Date,
    pub investment_date: Option<Date>,
    /// Instruments terminated (or renegotiated away) on the analysis date; survival clauses still
    /// bind investments made before.
    pub without: Vec<String>,
}

/// The policy space of one or several countries for one objective.
#[derive(Clone, Debug, Serialize)]
pub struct Space {
    pub objective: String,
    pub objective_title: String,
    pub products: Vec<String>,
    pub date: Date,
    pub investment_date: Option<Date>,
    pub without: Vec<String>,
    pub countries: Vec<String>,
    pub options: Vec<OptionRow>,
}

/// One catalogued option (a template measure) across the countries.
#[derive(Clone, Debug, Serialize)]
pub struct OptionRow {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub imposed_as: Option<ImposedAs>,
    /// The worst standing over the countries: open only if open to every one of them.
    pub standing: Standing,
    pub countries: Vec<CountrySpace>,
}

/// One option for one country.
#[derive(Clone, Debug, Serialize)]
pub struct CountrySpace {
    pub country: String,
    pub standing: Standing,
    /// One cell per instrument with a finding that is not `not-applicable`.
    pub cells: Vec<Cell>,
    /// The provisions that block the option, with the routes that could unblock it.
    pub blockers: Vec<Blocker>,
    /// Unknown facts that leave a provision's application open.
    pub questions: Vec<String>,
}

/// An option under one instrument: the worst standing over its provisions.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub instrument: String,
    pub cite: String,
    pub binding: bool,
    pub standing: Standing,
    pub provisions: Vec<ProvisionCell>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProvisionCell {
    pub article: String,
    pub cite: String,
    pub status: Status,
    pub partners: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Blocker {
    pub instrument: String,
    pub article: String,
    pub cite: String,
    pub partners: Vec<String>,
    pub source: Option<String>,
    /// Carve-outs and exceptions that would unblock the option, and the facts each needs.
    pub routes: Vec<Route>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Route {
    pub kind: DefenceKind,
    pub article: String,
    pub cite: String,
    /// The condition as written in the rulesets.
    pub requires: Option<String>,
    /// Facts to establish, with the answer needed (shared conditions such as the chapeau included).
    pub facts: Vec<FactNeed>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactNeed {
    pub fact: String,
    pub question: String,
    /// The answer the route needs (for yes/no facts).
    pub answer: Option<bool>,
}

/// Analyse the policy space.
pub fn analyse(model: &Model, req: &Request) -> Result<Space, String> {
    let objective = model.objectives.get(&req.objective).ok_or_else(|| {
        let hint =
            crate::diag::did_you_mean(&req.objective, model.objectives.keys().map(String::as_str));
        match hint {
            Some(h) => format!("unknown objective `{}`: did you mean `{h}`?", req.objective),
            None => format!(
                "unknown objective `{}`; objectives: {}",
                req.objective,
                model
                    .objectives
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    })?;
    if objective.options.is_empty() {
        return Err(format!(
            "objective `{}` has no catalogued options",
            req.objective
        ));
    }
    let opts = Options {
        date: Some(req.date),
        terminate: req.without.iter().map(|w| (w.clone(), req.date)).collect(),
        brief: true,
        no_answers: true,
        all: false,
    };
    let results = crate::space::parallel(&req.countries, |country| {
        objective
            .options
            .iter()
            .map(|o| country_space(model, req, &opts, objective, o, country))
            .collect::<Vec<_>>()
    });
    let mut options: Vec<OptionRow> = objective
        .options
        .iter()
        .map(|o| OptionRow {
            id: o.id.clone(),
            title: o.title.clone(),
            kind: o.kind.clone(),
            imposed_as: o.imposed_as,
            standing: Standing::Open,
            countries: Vec::new(),
        })
        .collect();
    for per_country in results {
        for (row, cs) in options.iter_mut().zip(per_country) {
            row.standing = row.standing.min(cs.standing);
            row.countries.push(cs);
        }
    }
    Ok(Space {
        objective: objective.id.clone(),
        objective_title: objective.title.clone(),
        products: req.products.clone(),
        date: req.date,
        investment_date: req.investment_date,
        without: req.without.clone(),
        countries: req.countries.clone(),
        options,
    })
}

/// Run `f` for each country on the available cores, keeping the countries' order.
pub fn parallel<T: Send>(countries: &[String], f: impl Fn(&str) -> T + Sync) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(countries.len().max(1));
    if workers <= 1 {
        return countries.iter().map(|c| f(c)).collect();
    }
    let chunk = countries.len().div_ceil(workers);
    std::thread::scope(|s| {
        let handles: Vec<_> = countries
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().map(|c| f(c)).collect::<Vec<T>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                // A worker's panic is a bug: surface it rather than drop that worker's countries.
                Err(e) => std::panic::resume_unwind(e),
            })
            .collect()
    })
}

/// The policy that tries one option in one country.
pub fn option_policy(req: &Request, objective: &Objective, o: &OptionDef, country: &str) -> Policy {
    Policy {
        id: format!("{}-{}", objective.id, o.id),
        title: o.title.clone(),
        country: country.to_string(),
        date: Some(req.date),
        investment_date: req.investment_date,
        measures: vec![Measure {
            id: o.id.clone(),
            title: Some(o.title.clone()),
            kind: o.kind.clone(),
            products: req.products.clone(),
            imposed_as: o.imposed_as.or(Some(ImposedAs::Mandatory)),
            targets: Some(Targets::All),
            rate: o.rate,
            until: None,
            objective: Some(objective.id.clone()),
            facts: o.facts.clone(),
            span: None,
            kind_span: None,
        }],
        span: None,
    }
}

fn country_space(
    model: &Model,
    req: &Request,
    opts: &Options,
    objective: &Objective,
    o: &OptionDef,
    country: &str,
) -> CountrySpace {
    let policy = option_policy(req, objective, o, country);
    let ev = eval::check(model, &policy, opts);
    let mut cells: Vec<Cell> = Vec::new();
    let mut blockers = Vec::new();
    let mut questions: Vec<String> = Vec::new();
    let mut standing = Standing::Open;
    for f in &ev.findings {
        let st = Standing::of(f);
        standing = standing.min(st);
        let Some(inst) = model.instruments.get(f.instrument) else {
            continue;
        };
        let pc = ProvisionCell {
            article: f.article.to_string(),
            cite: inst.citation(f.article),
            status: f.status,
            partners: f.partners.iter().map(|p| p.to_string()).collect(),
        };
        match cells.iter_mut().find(|c| c.instrument == f.instrument) {
            Some(c) => {
                c.standing = c.standing.min(st);
                c.provisions.push(pc);
            }
            None => cells.push(Cell {
                instrument: f.instrument.to_string(),
                cite: inst.cite.clone(),
                binding: inst.binding,
                standing: st,
                provisions: vec![pc],
            }),
        }
        if st == Standing::Blocked {
            blockers.push(blocker(model, inst, f));
        }
        if st == Standing::Uncertain {
            for q in &f.scope_questions {
                if !questions.iter().any(|x| x == q) {
                    questions.push(q.to_string());
                }
            }
        }
    }
    CountrySpace {
        country: country.to_string(),
        standing,
        cells,
        blockers,
        questions,
    }
}

fn blocker(model: &Model, inst: &Instrument, f: &eval::Finding) -> Blocker {
    let prov = inst.provisions.get(f.article);
    // The carve-outs and exceptions that the stated facts do not rule out.
    let routes = f
        .exceptions
        .iter()
        .filter(|d| d.status != Outcome::Fails)
        .filter_map(|d| {
            let r = DefRef::new(d.instrument, d.article);
            model.defence(&r)
        })
        .map(|(di, d)| {
            let mut facts = Vec::new();
            if let Some(c) = &d.requires {
                needs(model, c, true, &mut facts);
            }
            for s in &d.subject_to {
                if let Some((_, cond)) = model.defence(s)
                    && let Some(c) = &cond.requires
                {
                    needs(model, c, true, &mut facts);
                }
            }
            Route {
                kind: d.kind,
                article: d.label.clone(),
                cite: di.citation(&d.label),
                requires: d.requires.as_ref().map(|c| c.text.clone()),
                facts,
            }
        })
        .collect();
    Blocker {
        instrument: inst.id.clone(),
        article: f.article.to_string(),
        cite: inst.citation(f.article),
        partners: f.partners.iter().map(|p| p.to_string()).collect(),
        source: prov.and_then(|p| p.source.clone()),
        routes,
    }
}

/// The facts a condition needs: `fact x` needs yes, `not fact x` needs no; comparisons and
/// one-of facts are listed without an answer. Other atoms (kind, product, date...) are not facts
/// a government can establish and are left out.
fn needs(model: &Model, c: &Cond, positive: bool, out: &mut Vec<FactNeed>) {
    match &c.kind {
        CondKind::And(cs) | CondKind::Or(cs) => {
            for x in cs {
                needs(model, x, positive, out);
            }
        }
        CondKind::Not(x) => needs(model, x, !positive, out),
        CondKind::Fact { fact, cmp } => {
            let need = FactNeed {
                fact: fact.clone(),
                question: model
                    .facts
                    .get(fact)
                    .map_or_else(|| fact.clone(), |d| d.question.clone()),
                answer: cmp.is_none().then_some(positive),
            };
            if !out.iter().any(|n| n.fact == need.fact) {
                out.push(need);
            }
        }
        _ => {}
    }
}

/// The rulesets with draft deals added: the drafts' instruments count as in force for their
/// parties on the analysis date. Returns the extended model and the drafts' instrument ids.
pub fn with_drafts(
    rs: &crate::rulesets::Rulesets,
    paths: &[&std::path::Path],
) -> Result<(Model, Vec<String>), crate::rulesets::LoadError> {
    let (loaded, mut model, diags, extra) = rs.extend(paths);
    if diags.iter().any(crate::diag::Diag::is_error) {
        return Err(crate::rulesets::LoadError {
            sources: loaded.sources,
            diags,
        });
    }
    let mut drafts = Vec::new();
    for inst in model.instruments.values_mut() {
        if extra.contains(&inst.span.file) {
            inst.draft = true;
            drafts.push(inst.id.clone());
        }
    }
    Ok((model, drafts))
}

/// The policy space before and after joining a draft instrument.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub drafts: Vec<String>,
    pub before: Space,
    pub after: Space,
    /// Option × country pairs whose standing changes.
    pub changes: Vec<Change>,
    /// Every constraint the drafts add, measure kind by measure kind, whether or not the
    /// option was already blocked by another instrument.
    pub added: Vec<Added>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Added {
    pub option: String,
    pub country: String,
    pub instrument: String,
    pub standing: Standing,
    pub provisions: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub option: String,
    pub country: String,
    pub before: Standing,
    pub after: Standing,
    /// The draft's provisions behind the change.
    pub by: Vec<String>,
}

/// Compare two analyses (same request, the second on a model with the drafts added).
pub fn compare(drafts: Vec<String>, before: Space, after: Space) -> Comparison {
    let mut changes = Vec::new();
    for (b, a) in before.options.iter().zip(&after.options) {
        for (bc, ac) in b.countries.iter().zip(&a.countries) {
            if bc.standing != ac.standing {
                let by = ac
                    .cells
                    .iter()
                    .filter(|c| drafts.contains(&c.instrument))
                    .flat_map(|c| {
                        c.provisions
                            .iter()
                            .map(|p| format!("{} ({})", p.cite, p.status.as_str()))
                    })
                    .collect();
                changes.push(Change {
                    option: a.id.clone(),
                    country: ac.country.clone(),
                    before: bc.standing,
                    after: ac.standing,
                    by,
                });
            }
        }
    }
    let mut added = Vec::new();
    for a in &after.options {
        for ac in &a.countries {
            for c in ac
                .cells
                .iter()
                .filter(|c| drafts.contains(&c.instrument) && c.standing != Standing::Open)
            {
                added.push(Added {
                    option: a.id.clone(),
                    country: ac.country.clone(),
                    instrument: c.instrument.clone(),
                    standing: c.standing,
                    provisions: c
                        .provisions
                        .iter()
                        .map(|p| format!("{} ({})", p.cite, p.status.as_str()))
                        .collect(),
                });
            }
        }
    }
    Comparison {
        drafts,
        before,
        after,
        changes,
        added,
    }
}

/// The world map: every country × every option of every objective, as standings.
#[derive(Clone, Debug, Serialize)]
pub struct WorldMap {
    pub date: Date,
    pub products: Vec<String>,
    /// (objective, option) column headers.
    pub options: Vec<(String, String)>,
    /// Country → one standing per option.
    pub rows: Vec<(String, Vec<Standing>)>,
}

/// Evaluate every catalogued option for every country (on all cores).
pub fn world(model: &Model, countries: &[String], products: &[String], date: Date) -> WorldMap {
    let opts = Options {
        date: Some(date),
        brief: true,
        no_answers: true,
        ..Options::default()
    };
    let columns: Vec<(&Objective, &OptionDef)> = model
        .objectives
        .values()
        .flat_map(|o| o.options.iter().map(move |x| (o, x)))
        .collect();
    let req = Request {
        countries: Vec::new(),
        objective: String::new(),
        products: products.to_vec(),
        date,
        investment_date: None,
        without: Vec::new(),
    };
    let rows = parallel(countries, |country| {
        let standings = columns
            .iter()
            .map(|(obj, o)| {
                let policy = option_policy(&req, obj, o, country);
                let ev = eval::check(model, &policy, &opts);
                ev.findings
                    .iter()
                    .map(Standing::of)
                    .min()
                    .unwrap_or(Standing::Open)
            })
            .collect();
        (country.to_string(), standings)
    });
    WorldMap {
        date,
        products: products.to_vec(),
        options: columns
            .iter()
            .map(|(obj, o)| (obj.id.clone(), o.id.clone()))
            .collect(),
        rows,
    }
}

/// The countries of a `--countries` argument: codes, group names, or `all` (every country that
/// is a party to an instrument).
pub fn expand_countries(model: &Model, spec: &[String], date: Date) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for s in spec {
        if s == "all" {
            let mut all: Vec<String> = model.index.instruments_by_country.keys().cloned().collect();
            all.sort();
            out.extend(all);
        } else if let Some(g) = model.groups.get(s) {
            out.extend(g.members.keys().filter(|c| g.contains(c, date)).cloned());
        } else if model.countries.contains_key(s) {
            out.push(s.clone());
        } else {
            let names = model
                .countries
                .keys()
                .chain(model.groups.keys())
                .map(String::as_str);
            return Err(match crate::diag::did_you_mean(s, names) {
                Some(h) => format!("unknown country or group `{s}`: did you mean `{h}`?"),
                None => format!("unknown country or group `{s}`"),
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.clone()));
    Ok(out)
}
