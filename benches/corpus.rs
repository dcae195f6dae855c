//! A generated world-scale corpus for benchmarks: the real vocabulary (rulesets/core) plus
//! `n` bilateral investment treaties among 194 countries, each with a performance-requirement
//! clause of nine items, carve-outs, exceptions and a shared condition, and a WTO-like
//! multilateral agreement. One country (`focal`) is a party to `focal_share` of the treaties.

use std::fmt::Write as _;

pub fn countries() -> Vec<String> {
    let text = std::fs::read_to_string("rulesets/core/countries.pspace").unwrap_or_default();
    let mut v: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("country "))
        .map(|l| l[..3].to_string())
        .filter(|c| c != "EUU")
        .collect();
    v.truncate(194);
    v
}

/// Ruleset text of the generated treaties (the core vocabulary is loaded beside it).
pub fn treaties(n: usize, focal: &str, focal_count: usize) -> String {
    let cs = countries();
    let mut s = String::with_capacity(n * 3000);
    let _ = writeln!(s, "group gen-members \"Generated members\" {{");
    for c in &cs {
        let _ = writeln!(s, "  member {c} since 1995-01-01");
    }
    s.push_str("}\n\n");
    s.push_str(MULTILATERAL);
    for i in 0..n {
        let a = if i < focal_count {
            focal.to_string()
        } else {
            cs[(i * 7) % cs.len()].clone()
        };
        let mut b = cs[(i * 13 + 1) % cs.len()].clone();
        if b == a {
            b = cs[(i * 13 + 2) % cs.len()].clone();
        }
        let year = 1980 + (i % 40);
        let terminated = if i % 11 == 0 {
            format!(
                "  terminated {}-06-30\n  survival 15 years\n",
                2012 + i % 10
            )
        } else {
            String::new()
        };
        let _ = write!(
            s,
            r#"// A generated treaty; the clause follows the structure of NAFTA Art. 1106.
instrument gen-bit-{i} "Generated bilateral investment treaty {i}" {{
  kind bilateral
  source "https://example.org/treaties/{i}"
  signed {year}-03-01
  in-force {year}-09-01
{terminated}  partners investors
  enforcement isds
  parties [{a}, {b}]

  provision "8.1(a)" "Export a given level or percentage of goods" {{
    source "https://example.org/treaties/{i}#8.1(a)"
    prohibits [requirement-to-export]
    scope imposed-as in [mandatory, entry-condition] and fact linked-to-investment
    carve-outs ["8.3(b)"]
    exceptions ["8.3(c)(i)", "8.3(c)(ii)"]
  }}
  provision "8.1(b)" "Achieve a given level of domestic content" {{
    source "https://example.org/treaties/{i}#8.1(b)"
    prohibits [domestic-content]
    scope imposed-as in [mandatory, entry-condition]
    carve-outs ["8.3(b)", "8.3(d)"]
    exceptions ["8.3(c)(i)", "8.3(c)(ii)", "8.3(c)(iii)"]
  }}
  provision "8.1(c)" "Purchase or prefer local goods or services" {{
    source "https://example.org/treaties/{i}#8.1(c)"
    prohibits [local-goods-purchase, local-services-purchase]
    scope imposed-as in [mandatory, entry-condition]
    carve-outs ["8.3(b)", "8.3(d)"]
    exceptions ["8.3(c)(i)", "8.3(c)(ii)", "8.3(c)(iii)"]
  }}
  provision "8.1(d)" "Trade balancing" {{
    source "https://example.org/treaties/{i}#8.1(d)"
    prohibits [trade-balancing]
  }}
  provision "8.1(f)" "Technology transfer" {{
    source "https://example.org/treaties/{i}#8.1(f)"
    prohibits [technology-transfer]
    scope imposed-as in [mandatory, entry-condition]
    carve-outs ["8.3(e)"]
  }}
  provision "8.2(a)" "Domestic content as a condition of an advantage" {{
    source "https://example.org/treaties/{i}#8.2(a)"
    prohibits [domestic-content, local-goods-purchase]
    scope imposed-as in [advantage-condition]
    carve-outs ["8.3(b)"]
  }}
  provision "8.3(a)" "Advantages for location, training, research" {{
    source "https://example.org/treaties/{i}#8.3(a)"
    permits [location-of-production, local-employment-or-training, local-research]
    scope imposed-as in [advantage-condition]
  }}
  provision "8.5" "Export duties" {{
    source "https://example.org/treaties/{i}#8.5"
    cap export-duty {{
      default 0
      line "2604" 10
      line "2603" 5
    }}
  }}
  carve-out "8.3(b)" "Government procurement" {{
    source "https://example.org/treaties/{i}#8.3(b)"
    requires fact government-procurement
  }}
  carve-out "8.3(d)" "Export promotion and foreign aid" {{
    source "https://example.org/treaties/{i}#8.3(d)"
    requires fact export-promotion-qualification
  }}
  carve-out "8.3(e)" "Competition remedy" {{
    source "https://example.org/treaties/{i}#8.3(e)"
    requires fact competition-remedy
  }}
  condition "8.3(c)" "Not arbitrary or a disguised restriction" {{
    source "https://example.org/treaties/{i}#8.3(c)"
    requires not fact arbitrary-discrimination
  }}
  exception "8.3(c)(i)" "Compliance with laws" {{
    source "https://example.org/treaties/{i}#8.3(c)(i)"
    requires fact secures-compliance and fact necessary
    subject-to ["8.3(c)"]
  }}
  exception "8.3(c)(ii)" "Life or health" {{
    source "https://example.org/treaties/{i}#8.3(c)(ii)"
    requires fact health-purpose and fact necessary
    subject-to ["8.3(c)"]
  }}
  exception "8.3(c)(iii)" "Conservation" {{
    source "https://example.org/treaties/{i}#8.3(c)(iii)"
    requires fact conservation-purpose
    subject-to ["8.3(c)"]
  }}
}}

"#
        );
    }
    s
}

const MULTILATERAL: &str = r#"instrument gen-multilateral "Generated multilateral agreement" {
  kind multilateral
  source "https://example.org/multilateral"
  in-force 1995-01-01
  partners none
  parties [gen-members]
  provision "XI:1" "Export restrictions" {
    source "https://example.org/multilateral#XI:1"
    prohibits [export-restriction]
    carve-outs ["XI:2(a)"]
    exceptions ["XX(g)"]
  }
  carve-out "XI:2(a)" "Critical shortages" {
    source "https://example.org/multilateral#XI:2(a)"
    requires fact temporary and fact critical-shortage and fact essential-product
  }
  exception "XX(g)" "Conservation" {
    source "https://example.org/multilateral#XX(g)"
    requires fact conservation-purpose and fact domestic-restrictions
    subject-to ["XX"]
  }
  condition "XX" "Chapeau" {
    source "https://example.org/multilateral#XX"
    requires not fact arbitrary-discrimination
  }
}

"#;

/// A policy of five measures for the focal country.
pub fn policy(country: &str) -> String {
    format!(
        r#"policy bench "Five measures" {{
  country {country}
  date 2024-01-01
  investment-date 2010-01-01
  measure ban {{ kind export-prohibition products ["2604"] fact temporary false }}
  measure duty {{ kind export-duty products ["2604", "2605"] rate 15 }}
  measure dpr {{ kind domestic-processing-requirement products ["2604"] imposed-as mandatory targets all }}
  measure lcr {{ kind local-content-requirement imposed-as advantage-condition targets foreign-investors fact linked-to-investment true }}
  measure tt {{ kind technology-transfer-requirement imposed-as entry-condition targets all }}
}}
"#
    )
}

/// The core vocabulary files, as (name, text).
pub fn core() -> Vec<(String, String)> {
    ["countries", "facts", "measures", "objectives", "products"]
        .iter()
        .map(|n| {
            let p = format!("rulesets/core/{n}.pspace");
            (p.clone(), std::fs::read_to_string(&p).unwrap_or_default())
        })
        .chain(std::iter::once((
            "rulesets/investment/network/facts.pspace".to_string(),
            std::fs::read_to_string("rulesets/investment/network/facts.pspace").unwrap_or_default(),
        )))
        .collect()
}

/// Run `f` `runs` times; the median, 10th and 90th percentile of its duration in microseconds.
pub fn time(runs: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    let times = (0..runs)
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    stats(times)
}

/// Median, 10th and 90th percentile of timings in microseconds.
pub fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.1), at(0.9))
}

/// Parse and resolve the core vocabulary with extra files (the generated treaties, a policy).
pub fn model(extra: Vec<(String, String)>) -> policyspace::model::Model {
    let mut loaded = policyspace::resolve::load::Loaded::default();
    for (name, text) in core().into_iter().chain(extra) {
        let id = loaded.sources.add(name, text);
        let text = loaded
            .sources
            .get(id)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        let (mut f, d) = policyspace::syntax::parse(&text, id);
        // The vocabulary's own tests refer to instruments the corpus does not have.
        f.items
            .retain(|i| !matches!(i.kind, policyspace::syntax::ast::StmtKind::Test { .. }));
        loaded.files.push((id, f));
        loaded.diags.extend(d);
    }
    let (model, diags) = policyspace::resolve::resolve(&loaded);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).take(3).collect();
    assert!(errors.is_empty(), "{errors:?}");
    model
}
