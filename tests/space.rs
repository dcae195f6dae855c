//! Policy space (issue #5): one country's space for nickel ore under its real treaties, a
//! counterfactual that frees an option, a sunset clause that keeps one blocked, a bloc of three
//! countries, a draft deal that closes an option, the world map, and the HTML heatmap rendered
//! in headless Chromium.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use policyspace::cli::Format;
use policyspace::date::Date;
use policyspace::rulesets::Rulesets;
use policyspace::space::{self, Request, Space, Standing};
use std::path::Path;

fn rulesets() -> &'static Rulesets {
    static RS: std::sync::OnceLock<Rulesets> = std::sync::OnceLock::new();
    RS.get_or_init(|| Rulesets::embedded().expect("embedded rulesets"))
}

fn date(s: &str) -> Date {
    Date::parse(s).expect("date")
}

fn request(countries: &[&str], objective: &str, products: &[&str], on: &str) -> Request {
    Request {
        countries: countries.iter().map(|c| c.to_string()).collect(),
        objective: objective.into(),
        products: products.iter().map(|p| p.to_string()).collect(),
        date: date(on),
        investment_date: None,
        without: Vec::new(),
    }
}

fn standing(s: &Space, option: &str, country: &str) -> Standing {
    let row = s
        .options
        .iter()
        .find(|o| o.id == option)
        .unwrap_or_else(|| panic!("no option {option}"));
    row.countries
        .iter()
        .find(|c| c.country == country)
        .unwrap_or_else(|| panic!("no {country}"))
        .standing
}

fn blockers(s: &Space, option: &str, country: &str) -> Vec<String> {
    let row = s.options.iter().find(|o| o.id == option).expect("option");
    let cs = row
        .countries
        .iter()
        .find(|c| c.country == country)
        .expect("country");
    cs.blockers
        .iter()
        .map(|b| format!("{}.\"{}\"", b.instrument, b.article))
        .collect()
}

fn snapshot_text(s: &Space) -> String {
    policyspace::report::space::render(s, &rulesets().model, "sha256:[rulesets]", Format::Human)
}

#[test]
fn indonesia_nickel_ore_under_its_real_treaties() {
    let s = space::analyse(
        &rulesets().model,
        &request(&["IDN"], "domestic-value-addition", &["2604"], "2024-01-01"),
    )
    .expect("space");
    // The ban and the processing mandate are within GATT XI:1 (DS592); the routes are XI:2(a) and Art. XX.
    assert_eq!(standing(&s, "export-prohibition", "IDN"), Standing::Blocked);
    assert!(blockers(&s, "export-prohibition", "IDN").contains(&"gatt-1994.\"XI:1\"".to_string()));
    assert_eq!(
        standing(&s, "domestic-processing", "IDN"),
        Standing::Blocked
    );
    let row = s
        .options
        .iter()
        .find(|o| o.id == "export-prohibition")
        .expect("option");
    let b = row.countries[0]
        .blockers
        .iter()
        .find(|b| b.article == "XI:1")
        .expect("XI:1 blocker");
    let routes: Vec<&str> = b.routes.iter().map(|r| r.article.as_str()).collect();
    for r in ["XI:2(a)", "XX(g)", "XX(j)", "XXI(b)(iii)"] {
        assert!(routes.contains(&r), "route {r} missing: {routes:?}");
    }
    let xx_g = b
        .routes
        .iter()
        .find(|r| r.article == "XX(g)")
        .expect("XX(g)");
    assert!(
        xx_g.facts
            .iter()
            .any(|f| f.fact == "conservation-purpose" && f.answer == Some(true))
    );
    assert!(
        xx_g.facts
            .iter()
            .any(|f| f.fact == "arbitrary-discrimination" && f.answer == Some(false)),
        "the chapeau is part of the route"
    );
    // Local content is caught by GATT III:4 and the TRIMs Agreement.
    assert_eq!(standing(&s, "local-content", "IDN"), Standing::Blocked);
    assert!(
        blockers(&s, "local-content", "IDN")
            .iter()
            .any(|b| b.starts_with("gatt-1994.\"III:4\""))
    );
    // No WTO rule reaches an export duty for Indonesia (no accession commitment); royalties and
    // a production subsidy not contingent on exports or domestic goods stay open.
    assert!(
        !blockers(&s, "export-duty", "IDN")
            .iter()
            .any(|b| b.starts_with("gatt-1994"))
    );
    assert_eq!(standing(&s, "royalty", "IDN"), Standing::Open);
    assert_eq!(standing(&s, "production-subsidy", "IDN"), Standing::Open);
    insta::assert_snapshot!("idn_nickel_ore_human", snapshot_text(&s));
    insta::assert_json_snapshot!(
        "idn_nickel_ore_json",
        s.options
            .iter()
            .map(|o| (o.id.as_str(), o.standing, blockers(&s, &o.id, "IDN")))
            .collect::<Vec<_>>()
    );
}

#[test]
fn terminating_rcep_frees_technology_transfer_for_indonesia() {
    let model = &rulesets().model;
    let mut req = request(&["IDN"], "technology-acquisition", &[], "2024-06-01");
    let s = space::analyse(model, &req).expect("space");
    assert_eq!(
        standing(&s, "technology-transfer", "IDN"),
        Standing::Blocked
    );
    assert_eq!(
        blockers(&s, "technology-transfer", "IDN"),
        vec!["rcep.\"10.6.1(f)\"".to_string()]
    );
    // RCEP has no survival clause: terminated, it binds no one, old investments included.
    req.without = vec!["rcep".into()];
    req.investment_date = Some(date("2020-01-01"));
    let freed = space::analyse(model, &req).expect("space");
    assert_eq!(
        standing(&freed, "technology-transfer", "IDN"),
        Standing::Open
    );
}

#[test]
fn a_survival_clause_keeps_an_option_blocked_for_earlier_investments() {
    let model = &rulesets().model;
    // Mongolia: an export-performance requirement is blocked only by the Japan-Mongolia EPA
    // (Art. 10.7.1(a)), whose investment chapter survives termination for 10 years.
    let mut req = request(&["MNG"], "export-promotion", &[], "2026-01-01");
    let s = space::analyse(model, &req).expect("space");
    assert_eq!(standing(&s, "export-performance", "MNG"), Standing::Blocked);
    assert!(
        blockers(&s, "export-performance", "MNG")
            .iter()
            .all(|b| b.starts_with("fta-jpn-mng-2015"))
    );
    req.without = vec!["fta-jpn-mng-2015".into()];
    // Investments made before the termination stay protected during the survival period.
    req.investment_date = Some(date("2020-01-01"));
    assert_eq!(
        standing(
            &space::analyse(model, &req).expect("space"),
            "export-performance",
            "MNG"
        ),
        Standing::Blocked
    );
    // Investments made on or after termination are not.
    req.investment_date = Some(date("2026-01-01"));
    assert_eq!(
        standing(
            &space::analyse(model, &req).expect("space"),
            "export-performance",
            "MNG"
        ),
        Standing::Open
    );
    // Unknown investment date: it turns on it.
    req.investment_date = None;
    let open = space::analyse(model, &req).expect("space");
    assert_eq!(
        standing(&open, "export-performance", "MNG"),
        Standing::Uncertain
    );
    let row = open
        .options
        .iter()
        .find(|o| o.id == "export-performance")
        .expect("option");
    assert!(
        row.countries[0]
            .questions
            .iter()
            .any(|q| q == "investment-date")
    );
}

#[test]
fn a_bloc_of_three_countries() {
    let s = space::analyse(
        &rulesets().model,
        &request(
            &["COD", "ZMB", "ZWE"],
            "domestic-value-addition",
            &["2605"],
            "2025-06-01",
        ),
    )
    .expect("space");
    assert_eq!(s.countries, vec!["COD", "ZMB", "ZWE"]);
    for o in &s.options {
        let worst = o
            .countries
            .iter()
            .map(|c| c.standing)
            .min()
            .expect("three countries");
        assert_eq!(
            o.standing, worst,
            "an option is open to the bloc only if open to every member"
        );
    }
    for c in ["COD", "ZMB", "ZWE"] {
        assert_eq!(
            standing(&s, "export-prohibition", c),
            Standing::Blocked,
            "{c}"
        );
        assert_eq!(standing(&s, "royalty", c), Standing::Open, "{c}");
    }
    let open: Vec<&str> = s
        .options
        .iter()
        .filter(|o| o.standing == Standing::Open)
        .map(|o| o.id.as_str())
        .collect();
    assert!(
        open.contains(&"export-duty") && open.contains(&"royalty"),
        "{open:?}"
    );
    // The groups work as blocs too.
    let ldc = space::expand_countries(&rulesets().model, &["ldc".to_string()], date("2025-06-01"))
        .expect("group");
    assert!(
        ldc.contains(&"COD".to_string())
            && ldc.contains(&"ZMB".to_string())
            && !ldc.contains(&"ZWE".to_string())
    );
    insta::assert_snapshot!("bloc_cod_zmb_zwe_human", snapshot_text(&s));
}

#[test]
fn a_draft_deal_closes_an_option() {
    let rs = rulesets();
    let req = request(&["IDN"], "domestic-value-addition", &["2604"], "2024-01-01");
    let before = space::analyse(&rs.model, &req).expect("space");
    let (model, drafts) = space::with_drafts(
        rs,
        &[Path::new("fixtures/drafts/raw-materials-chapter.pspace")],
    )
    .expect("draft resolves");
    assert_eq!(
        drafts,
        vec!["draft-raw-materials-chapter", "draft-raw-materials-mou"]
    );
    let after = space::analyse(&model, &req).expect("space");
    let cmp = space::compare(drafts, before, after);
    // The export duty, open to Indonesia under WTO law, is closed by the draft's Art. RM.3.
    let duty = cmp
        .changes
        .iter()
        .find(|c| c.option == "export-duty")
        .expect("export duty changes");
    assert_eq!(duty.after, Standing::Blocked);
    assert!(duty.by.iter().any(|b| b.contains("RM.3")));
    // The non-binding draft adds tension, never a block.
    assert!(
        cmp.added
            .iter()
            .any(|a| a.instrument == "draft-raw-materials-mou" && a.standing == Standing::Tension)
    );
    assert!(
        cmp.added
            .iter()
            .filter(|a| a.instrument == "draft-raw-materials-mou")
            .all(|a| a.standing == Standing::Tension)
    );
    // Options the draft does not touch keep their standing.
    assert!(!cmp.changes.iter().any(|c| c.option == "royalty"));
    insta::assert_snapshot!(
        "draft_deal_human",
        policyspace::report::space::comparison(&cmp, &model, "sha256:[rulesets]", Format::Human)
    );
}

#[test]
fn the_world_map_covers_every_country_and_option() {
    let model = &rulesets().model;
    let countries =
        space::expand_countries(model, &["all".to_string()], date("2025-01-01")).expect("all");
    let w = space::world(model, &countries, &["2604".to_string()], date("2025-01-01"));
    assert_eq!(w.rows.len(), countries.len());
    let n = model
        .objectives
        .values()
        .map(|o| o.options.len())
        .sum::<usize>();
    assert!(w.rows.iter().all(|(_, r)| r.len() == n));
    // Every WTO member's export ban on nickel ore is blocked (GATT XI:1).
    let ban = w
        .options
        .iter()
        .position(|(o, x)| o == "domestic-value-addition" && x == "export-prohibition")
        .expect("column");
    let members = model.groups.get("wto-members").expect("group");
    for (c, row) in &w.rows {
        if members.contains(c, date("2025-01-01")) {
            assert_eq!(row[ban], Standing::Blocked, "{c}");
        }
    }
}

#[test]
fn the_html_heatmap_renders_in_headless_chromium() {
    let s = space::analyse(
        &rulesets().model,
        &request(
            &["COD", "ZMB", "ZWE"],
            "domestic-value-addition",
            &["2605"],
            "2025-06-01",
        ),
    )
    .expect("space");
    let html = policyspace::report::space::render(
        &s,
        &rulesets().model,
        "sha256:[rulesets]",
        Format::Html,
    );
    assert!(html.contains("id=\"legend\"") && html.contains("id=\"bloc-chart\""));
    let chromium = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .map(String::from)
    .chain(std::env::var("CHROMIUM").ok())
    .find(|p| Path::new(p).is_file());
    let Some(chromium) = chromium else {
        // The setup that .ci/run calls installs Chromium; where it could not, it says why in
        // POLICYSPACE_SKIP_BROWSER, and only then is this test skipped, loudly.
        match std::env::var("POLICYSPACE_SKIP_BROWSER") {
            Ok(why) => {
                eprintln!(
                    "SKIPPED the_html_heatmap_renders_in_headless_chromium: Chromium is not installed ({why})"
                );
                return;
            }
            Err(_) => panic!(
                "Chromium is not installed: run .ci/setup-browser (Debian package `chromium`), or set POLICYSPACE_SKIP_BROWSER to a reason to skip"
            ),
        }
    };
    let dir = std::env::temp_dir().join(format!("policyspace-chromium-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("space.html");
    std::fs::write(&file, &html).expect("write");
    let out = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", dir.join("profile").display()),
            "--dump-dom",
            &format!("file://{}", file.display()),
        ])
        .output()
        .expect("Chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The bloc table: one cell per option × country; the per-country matrices; legend; chart.
    let cells = dom.matches("class=\"cell ").count();
    assert!(cells >= s.options.len() * 3, "only {cells} cells rendered");
    assert!(
        dom.contains("id=\"legend\"") && dom.contains("blocked") && dom.contains("open"),
        "legend missing"
    );
    assert!(
        dom.contains("id=\"matrix-COD\"")
            && dom.contains("id=\"matrix-ZMB\"")
            && dom.contains("id=\"matrix-ZWE\"")
    );
    assert!(dom.contains("<rect class=\"bar "), "bloc chart missing");
    assert!(
        dom.contains("title=\"GATT 1994 Art. XI:1"),
        "citations on hover missing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
