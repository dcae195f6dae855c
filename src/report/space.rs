//! Rendering the policy space: a terminal table, JSON (the report's `space`), Markdown, and a
//! self-contained HTML page with the matrix as a colour-coded heatmap and a bloc chart.

use super::html::{esc, page};
use crate::cli::Format;
use crate::model::Model;
use crate::space::{Comparison, CountrySpace, Space, Standing, WorldMap};
use serde_json::json;
use std::fmt::Write as _;

pub fn render(s: &Space, model: &Model, hash: &str, format: Format) -> String {
    match format {
        Format::Human => human(s, model),
        Format::Json => json_text(&json!({
            "schema": super::json::SCHEMA,
            "kind": "space",
            "rulesets": hash,
            "countries": s.countries,
            "date": s.date,
            "space": s,
        })),
        Format::Markdown => markdown(s, model),
        Format::Html => page(
            &format!("Policy space: {}", s.objective_title),
            &html_body(s, model),
        ),
    }
}

pub fn comparison(c: &Comparison, model: &Model, hash: &str, format: Format) -> String {
    match format {
        Format::Json => json_text(&json!({
            "schema": super::json::SCHEMA,
            "kind": "space-comparison",
            "rulesets": hash,
            "drafts": c.drafts,
            "space": { "before": c.before, "after": c.after, "changes": c.changes, "added": c.added },
        })),
        Format::Human | Format::Markdown => {
            let mut o = String::new();
            let md = format == Format::Markdown;
            let _ = writeln!(
                o,
                "{}The price in policy space of signing {}\n",
                if md { "# " } else { "" },
                c.drafts.join(", ")
            );
            if c.changes.is_empty() {
                let _ = writeln!(
                    o,
                    "No option changes standing: the draft closes nothing for {}.\n",
                    c.after.countries.join(", ")
                );
            } else {
                let _ = writeln!(o, "{} option(s) change standing:\n", c.changes.len());
                for ch in &c.changes {
                    let _ = writeln!(
                        o,
                        "{} {} ({}): {} → {}{}",
                        if md { "-" } else { " " },
                        ch.option,
                        ch.country,
                        ch.before.as_str(),
                        ch.after.as_str(),
                        if ch.by.is_empty() {
                            String::new()
                        } else {
                            format!(" by {}", ch.by.join(", "))
                        }
                    );
                }
                o.push('\n');
            }
            if !c.added.is_empty() {
                let _ = writeln!(o, "Constraints the draft adds, option by option:\n");
                for a in &c.added {
                    let _ = writeln!(
                        o,
                        "{} {} ({}): {} by {}",
                        if md { "-" } else { " " },
                        a.option,
                        a.country,
                        a.standing.as_str(),
                        a.provisions.join(", ")
                    );
                }
                o.push('\n');
            }
            let _ = writeln!(o, "{}After signing\n", if md { "## " } else { "== " });
            o.push_str(&if md {
                markdown(&c.after, model)
            } else {
                human(&c.after, model)
            });
            o
        }
        Format::Html => {
            let mut b = String::new();
            let _ = writeln!(
                b,
                "<h1>The price in policy space of signing {}</h1>",
                esc(&c.drafts.join(", "))
            );
            if c.changes.is_empty() {
                b.push_str("<p>No option changes standing.</p>\n");
            } else {
                b.push_str("<table id=\"changes\"><tr><th>Option</th><th>Country</th><th>Before</th><th>After</th><th>By</th></tr>\n");
                for ch in &c.changes {
                    let _ = writeln!(
                        b,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(&ch.option),
                        esc(&ch.country),
                        badge(ch.before),
                        badge(ch.after),
                        esc(&ch.by.join("; "))
                    );
                }
                b.push_str("</table>\n");
            }
            if !c.added.is_empty() {
                b.push_str("<h2>Constraints the draft adds</h2>\n<table id=\"added\"><tr><th>Option</th><th>Country</th><th>Standing</th><th>Provisions</th></tr>\n");
                for a in &c.added {
                    let _ = writeln!(
                        b,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(&a.option),
                        esc(&a.country),
                        badge(a.standing),
                        esc(&a.provisions.join("; "))
                    );
                }
                b.push_str("</table>\n");
            }
            b.push_str("<h2>Before</h2>\n");
            b.push_str(&html_body(&c.before, model));
            b.push_str("<h2>After</h2>\n");
            b.push_str(&html_body(&c.after, model));
            page("Price in policy space of a draft deal", &b)
        }
    }
}

pub fn world(w: &WorldMap, model: &Model, hash: &str, format: Format) -> String {
    match format {
        Format::Json => json_text(
            &json!({"schema": super::json::SCHEMA, "kind": "world-map", "rulesets": hash, "world": w}),
        ),
        Format::Html => {
            let mut b = String::from("<h1>World map of policy space</h1>\n");
            let _ = writeln!(
                b,
                "<p class=\"meta\">{} countries × {} options · on {} · products {}</p>",
                w.rows.len(),
                w.options.len(),
                w.date,
                esc(&w.products.join(", "))
            );
            b.push_str(&legend());
            b.push_str("<table class=\"heatmap\" id=\"world\"><tr><th>Country</th>");
            for (obj, o) in &w.options {
                let _ = write!(b, "<th title=\"{}\">{}</th>", esc(obj), esc(o));
            }
            b.push_str("</tr>\n");
            for (c, st) in &w.rows {
                let name = model
                    .countries
                    .get(c)
                    .map_or(c.as_str(), |x| x.name.as_str());
                let _ = write!(b, "<tr><th title=\"{}\">{}</th>", esc(name), esc(c));
                for s in st {
                    let _ = write!(b, "{}", cell_td(*s, s.as_str()));
                }
                b.push_str("</tr>\n");
            }
            b.push_str("</table>\n");
            page("World map of policy space", &b)
        }
        Format::Human | Format::Markdown => {
            let mut o = String::new();
            let _ = writeln!(
                o,
                "world map: {} countries × {} options · on {}\n",
                w.rows.len(),
                w.options.len(),
                w.date
            );
            let _ = writeln!(
                o,
                "country  {}",
                w.options
                    .iter()
                    .enumerate()
                    .map(|(i, _)| format!("{:>2}", i + 1))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            for (c, st) in &w.rows {
                let _ = writeln!(
                    o,
                    "{c:<8} {}",
                    st.iter()
                        .map(|s| format!("{:>2}", letter(*s)))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
            }
            let _ = writeln!(o, "\noptions:");
            for (i, (obj, opt)) in w.options.iter().enumerate() {
                let _ = writeln!(o, "{:>3}. {obj} / {opt}", i + 1);
            }
            let _ = writeln!(o, "\n{}", legend_text());
            o
        }
    }
}

fn json_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn letter(s: Standing) -> &'static str {
    match s {
        Standing::Blocked => "B",
        Standing::Uncertain => "U",
        Standing::Tension => "T",
        Standing::Open => "·",
    }
}

fn legend_text() -> String {
    format!(
        "legend: B blocked — {}; U uncertain — {}; T tension — {}; · open — {}; (blank) the instrument does not apply",
        Standing::Blocked.meaning(),
        Standing::Uncertain.meaning(),
        Standing::Tension.meaning(),
        Standing::Open.meaning()
    )
}

fn header(s: &Space, o: &mut String) {
    let _ = writeln!(o, "policy space — {} ({})", s.objective_title, s.objective);
    let products = if s.products.is_empty() {
        "all products".to_string()
    } else {
        format!("products {}", s.products.join(", "))
    };
    let inv = s
        .investment_date
        .map(|d| format!(" · investments made {d}"))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "{} · on {}{inv} · {}",
        s.countries.join(", "),
        s.date,
        products
    );
    if !s.without.is_empty() {
        let _ = writeln!(
            o,
            "counterfactual: without {} (terminated on {}; survival clauses still bind earlier investments)",
            s.without.join(", "),
            s.date
        );
    }
}

fn human(s: &Space, model: &Model) -> String {
    let mut o = String::new();
    header(s, &mut o);
    o.push('\n');
    // Options × countries.
    let w = s
        .options
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        o,
        "{:<w$}  {}",
        "option",
        s.countries
            .iter()
            .map(|c| format!("{c:<9}"))
            .collect::<String>()
            .trim_end()
    );
    for r in &s.options {
        let _ = writeln!(
            o,
            "{:<w$}  {}",
            r.id,
            r.countries
                .iter()
                .map(|c| format!("{:<9}", c.standing.as_str()))
                .collect::<String>()
                .trim_end()
        );
    }
    let open: Vec<&str> = s
        .options
        .iter()
        .filter(|r| r.standing == Standing::Open)
        .map(|r| r.id.as_str())
        .collect();
    let _ = writeln!(
        o,
        "\nopen{}: {}",
        if s.countries.len() > 1 { " to all" } else { "" },
        if open.is_empty() {
            "none".to_string()
        } else {
            open.join(", ")
        }
    );

    // The matrix of each country.
    for (ci, country) in s.countries.iter().enumerate() {
        let cols = columns(s, ci);
        if cols.is_empty() {
            continue;
        }
        let _ = writeln!(o, "\n{country}: option × binding instrument");
        let _ = writeln!(
            o,
            "{:<w$}  {}",
            "",
            (1..=cols.len())
                .map(|i| format!("{i:>3}"))
                .collect::<String>()
        );
        for r in &s.options {
            let cs = &r.countries[ci];
            let line: String = cols
                .iter()
                .map(|c| {
                    format!(
                        "{:>3}",
                        cs.cells
                            .iter()
                            .find(|x| &x.instrument == c)
                            .map_or(" ", |x| letter(x.standing))
                    )
                })
                .collect();
            let _ = writeln!(o, "{:<w$}  {line}", r.id);
        }
        for (i, c) in cols.iter().enumerate() {
            let cite = model
                .instruments
                .get(c)
                .map_or(c.as_str(), |x| x.cite.as_str());
            let _ = writeln!(o, "  {:>2} {c} ({cite})", i + 1);
        }
    }
    let _ = writeln!(o, "\n{}", legend_text());

    // What blocks each option, and what would unblock it.
    let mut any = false;
    for r in &s.options {
        for cs in &r.countries {
            if cs.blockers.is_empty() && cs.questions.is_empty() {
                continue;
            }
            if !any {
                let _ = writeln!(
                    o,
                    "\nwhat blocks each option, and the facts that would unblock it:"
                );
                any = true;
            }
            let _ = writeln!(o, "  {} in {}: {}", r.id, cs.country, cs.standing.as_str());
            blockers_text(cs, &mut o, "    ");
        }
    }
    o
}

fn blockers_text(cs: &CountrySpace, o: &mut String, pad: &str) {
    for b in &cs.blockers {
        let partners = if b.partners.is_empty() {
            String::new()
        } else {
            format!(" [{}]", b.partners.join(", "))
        };
        let _ = writeln!(o, "{pad}blocked by {}{partners}", b.cite);
        if b.routes.is_empty() {
            let _ = writeln!(o, "{pad}  no carve-out or exception is available");
        }
        for rt in &b.routes {
            let facts: Vec<String> = rt
                .facts
                .iter()
                .map(|f| match f.answer {
                    Some(true) => format!("{} = yes", f.fact),
                    Some(false) => format!("{} = no", f.fact),
                    None => f.fact.clone(),
                })
                .collect();
            let needs = if facts.is_empty() {
                rt.requires.clone().unwrap_or_default()
            } else {
                facts.join(", ")
            };
            let _ = writeln!(
                o,
                "{pad}  unless {} {} holds: {needs}",
                rt.kind.as_str(),
                rt.cite
            );
        }
    }
    if !cs.questions.is_empty() {
        let _ = writeln!(o, "{pad}turns on: {}", cs.questions.join(", "));
    }
}

/// The instruments with a cell for any option, for one country, in model order of appearance.
fn columns(s: &Space, ci: usize) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for r in &s.options {
        if let Some(cs) = r.countries.get(ci) {
            for c in &cs.cells {
                if !cols.contains(&c.instrument) {
                    cols.push(c.instrument.clone());
                }
            }
        }
    }
    cols
}

fn markdown(s: &Space, model: &Model) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Policy space: {}\n", s.objective_title);
    let mut h = String::new();
    header(s, &mut h);
    for l in h.lines().skip(1) {
        let _ = writeln!(o, "{l}  ");
    }
    o.push('\n');
    let _ = writeln!(o, "| Option | {} |", s.countries.join(" | "));
    let _ = writeln!(o, "|---|{}", "---|".repeat(s.countries.len()));
    for r in &s.options {
        let _ = writeln!(
            o,
            "| {} | {} |",
            r.title,
            r.countries
                .iter()
                .map(|c| c.standing.as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    let open: Vec<&str> = s
        .options
        .iter()
        .filter(|r| r.standing == Standing::Open)
        .map(|r| r.title.as_str())
        .collect();
    let _ = writeln!(
        o,
        "\n**Open{}:** {}\n",
        if s.countries.len() > 1 { " to all" } else { "" },
        if open.is_empty() {
            "none".to_string()
        } else {
            open.join("; ")
        }
    );
    let _ = writeln!(o, "## What blocks each option\n");
    for r in &s.options {
        for cs in &r.countries {
            if cs.blockers.is_empty() && cs.questions.is_empty() {
                continue;
            }
            let _ = writeln!(
                o,
                "**{}** in {} — {}\n",
                r.title,
                cs.country,
                cs.standing.as_str()
            );
            let mut t = String::new();
            blockers_text(cs, &mut t, "- ");
            o.push_str(&t);
            o.push('\n');
        }
    }
    let _ = writeln!(
        o,
        "Standings: {}.",
        Standing::ALL
            .iter()
            .map(|x| format!("*{}* — {}", x.as_str(), x.meaning()))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let _ = model;
    o
}

fn color(s: Standing) -> &'static str {
    match s {
        Standing::Blocked => "#c0392b",
        Standing::Uncertain => "#e67e22",
        Standing::Tension => "#8e44ad",
        Standing::Open => "#27ae60",
    }
}

fn badge(s: Standing) -> String {
    format!(
        "<span class=\"status\" style=\"background:{}\">{}</span>",
        color(s),
        s.as_str()
    )
}

fn cell_td(s: Standing, title: &str) -> String {
    format!(
        "<td class=\"cell {}\" style=\"background:{}\" title=\"{}\">{}</td>",
        s.as_str(),
        color(s),
        esc(title),
        letter(s)
    )
}

fn legend() -> String {
    let mut o = String::from("<p class=\"legend\" id=\"legend\">");
    for s in Standing::ALL {
        let _ = write!(
            o,
            "<span title=\"{}\"><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            esc(s.meaning()),
            color(s),
            s.as_str()
        );
    }
    o.push_str(
        "<span><span class=\"swatch\" style=\"background:#eee\"></span>not bound</span></p>\n",
    );
    o
}

fn html_body(s: &Space, model: &Model) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "<h1>Policy space: {}</h1>", esc(&s.objective_title));
    let mut h = String::new();
    header(s, &mut h);
    let _ = writeln!(
        b,
        "<p class=\"meta\">{}</p>",
        esc(h.lines().skip(1).collect::<Vec<_>>().join(" · ").as_str())
    );
    b.push_str(&legend());
    b.push_str("<style>.heatmap td.cell{color:#fff;text-align:center;font-weight:600;min-width:2.2rem} .heatmap td.none{background:#eee} .heatmap th{font-size:.8rem}</style>\n");

    // Options × countries, and the bloc chart.
    b.push_str(
        "<h2>Options by country</h2>\n<table class=\"heatmap\" id=\"bloc\"><tr><th>Option</th>",
    );
    for c in &s.countries {
        let name = model
            .countries
            .get(c)
            .map_or(c.as_str(), |x| x.name.as_str());
        let _ = write!(b, "<th title=\"{}\">{}</th>", esc(name), esc(c));
    }
    b.push_str("</tr>\n");
    for r in &s.options {
        let _ = write!(
            b,
            "<tr><th title=\"{}\">{}</th>",
            esc(&r.kind),
            esc(&r.title)
        );
        for cs in &r.countries {
            let why: Vec<String> = cs
                .blockers
                .iter()
                .map(|x| x.cite.clone())
                .chain(cs.questions.iter().map(|q| format!("turns on {q}")))
                .collect();
            let _ = write!(
                b,
                "{}",
                cell_td(
                    cs.standing,
                    &format!(
                        "{}: {}{}",
                        cs.country,
                        cs.standing.as_str(),
                        if why.is_empty() {
                            String::new()
                        } else {
                            format!(" — {}", why.join("; "))
                        }
                    )
                )
            );
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</table>\n");
    b.push_str(&bloc_chart(s));

    // The matrix of each country.
    for (ci, country) in s.countries.iter().enumerate() {
        let cols = columns(s, ci);
        let name = model
            .countries
            .get(country)
            .map_or(country.as_str(), |x| x.name.as_str());
        let _ = writeln!(
            b,
            "<h2>{} ({}): option × binding instrument</h2>",
            esc(name),
            esc(country)
        );
        if cols.is_empty() {
            b.push_str("<p>No instrument binding this country applies to these options.</p>\n");
            continue;
        }
        let _ = write!(
            b,
            "<table class=\"heatmap matrix\" id=\"matrix-{}\"><tr><th>Option</th>",
            esc(country)
        );
        for c in &cols {
            let cite = model
                .instruments
                .get(c)
                .map_or(c.as_str(), |x| x.cite.as_str());
            let _ = write!(b, "<th title=\"{}\">{}</th>", esc(c), esc(cite));
        }
        b.push_str("</tr>\n");
        for r in &s.options {
            let cs = &r.countries[ci];
            let _ = write!(b, "<tr><th>{}</th>", esc(&r.title));
            for c in &cols {
                match cs.cells.iter().find(|x| &x.instrument == c) {
                    Some(cell) => {
                        let tip: Vec<String> = cell
                            .provisions
                            .iter()
                            .map(|p| {
                                format!(
                                    "{}: {}{}",
                                    p.cite,
                                    p.status.as_str(),
                                    if p.partners.is_empty() {
                                        String::new()
                                    } else {
                                        format!(" [{}]", p.partners.join(", "))
                                    }
                                )
                            })
                            .collect();
                        let _ = write!(b, "{}", cell_td(cell.standing, &tip.join("\n")));
                    }
                    None => b.push_str("<td class=\"cell none\" title=\"does not apply\"></td>"),
                }
            }
            b.push_str("</tr>\n");
        }
        b.push_str("</table>\n");
    }

    // What would unblock.
    b.push_str("<h2>What blocks each option, and what would unblock it</h2>\n<ul>\n");
    for r in &s.options {
        for cs in &r.countries {
            if cs.blockers.is_empty() && cs.questions.is_empty() {
                continue;
            }
            let mut t = String::new();
            blockers_text(cs, &mut t, "");
            let _ = writeln!(
                b,
                "<li><b>{}</b> in {}: {}<pre>{}</pre></li>",
                esc(&r.title),
                esc(&cs.country),
                badge(cs.standing),
                esc(&t)
            );
        }
    }
    b.push_str("</ul>\n");
    b
}

/// Per country, how many options stand where: a stacked bar chart in inline SVG.
fn bloc_chart(s: &Space) -> String {
    let n = s.options.len().max(1);
    let (bar_w, bar_h, gap, label_w) = (420.0, 18.0, 8.0, 60.0);
    let height = s.countries.len() as f64 * (bar_h + gap) + gap;
    let mut o = format!(
        "<h2>Bloc comparison</h2>\n<svg id=\"bloc-chart\" role=\"img\" aria-label=\"options by standing for each country\" width=\"{}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        label_w + bar_w + 10.0
    );
    for (i, c) in s.countries.iter().enumerate() {
        let y = gap + i as f64 * (bar_h + gap);
        let _ = writeln!(
            o,
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text>",
            y + bar_h * 0.75,
            esc(c)
        );
        let mut x = label_w;
        for st in Standing::ALL {
            let k = s
                .options
                .iter()
                .filter(|r| r.countries.get(i).is_some_and(|cs| cs.standing == st))
                .count();
            if k == 0 {
                continue;
            }
            let w = bar_w * k as f64 / n as f64;
            let _ = writeln!(
                o,
                "<rect class=\"bar {}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"{}\"><title>{c}: {k} {}</title></rect>",
                st.as_str(),
                color(st),
                st.as_str()
            );
            x += w;
        }
    }
    o.push_str("</svg>\n");
    o
}
