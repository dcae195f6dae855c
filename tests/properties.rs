//! Properties of the language tools:
//! - on generated syntax trees, `parse(print(t)) == t` (spans aside) and printing is idempotent;
//! - `fmt` is idempotent on every shipped file and keeps every comment;
//! - arbitrary bytes, and random edits of real files, never panic the parser or the resolver.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use policyspace::source::{FileId, Span};
use policyspace::syntax::ast::*;
use policyspace::syntax::{format, parse};
use proptest::prelude::*;

const RESERVED: &[&str] = &["and", "or", "not", "in", "true", "false"];

fn sp() -> Span {
    Span::default()
}

fn ident() -> impl Strategy<Value = Ident> {
    "[a-z][a-z0-9-]{0,8}[a-z0-9]"
        .prop_filter("not a reserved word", |s| {
            !RESERVED.contains(&s.as_str()) && !s.contains("--")
        })
        .prop_map(|name| Ident { name, span: sp() })
}

fn code() -> impl Strategy<Value = Ident> {
    "[A-Z]{3}".prop_map(|name| Ident { name, span: sp() })
}

fn text() -> impl Strategy<Value = Str> {
    // Quotes, backslashes, tabs, line breaks and non-ASCII text all survive printing.
    prop_oneof!["[ -~]{0,20}", "[a-zé\"\\\\\t\n ]{0,20}", "[\\PC]{0,12}",]
        .prop_map(|value| Str { value, span: sp() })
}

fn date() -> impl Strategy<Value = DateLit> {
    "[12][0-9]{3}-[01][0-9]-[0-3][0-9]".prop_map(|raw| DateLit { raw, span: sp() })
}

fn num() -> impl Strategy<Value = Num> {
    (
        prop_oneof![
            0.0..1000.0f64,
            (0u32..500).prop_map(f64::from),
            -100.0..0.0f64
        ],
        any::<bool>(),
    )
        .prop_map(|(value, percent)| Num {
            value,
            percent,
            span: sp(),
        })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(|value| Value::Bool { value, span: sp() }),
        num().prop_map(Value::Number),
        date().prop_map(Value::Date),
        ident().prop_map(Value::Ident),
    ]
}

fn hs() -> impl Strategy<Value = Str> {
    "[0-9]{2}([0-9]{2}([0-9]{2})?)?".prop_map(|value| Str { value, span: sp() })
}

fn qref() -> impl Strategy<Value = QRef> {
    (proptest::option::of(ident()), "[A-Z0-9:().]{1,8}").prop_map(|(instrument, a)| QRef {
        instrument,
        article: Str {
            value: a,
            span: sp(),
        },
        span: sp(),
    })
}

fn cmp() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge)
    ]
}

fn set_item() -> impl Strategy<Value = SetItem> {
    prop_oneof![
        ident().prop_map(SetItem::Ident),
        hs().prop_map(SetItem::Str)
    ]
}

fn atom() -> impl Strategy<Value = Expr> {
    let e = |kind| Expr { kind, span: sp() };
    prop_oneof![
        any::<bool>().prop_map(move |value| e(ExprKind::Bool { value })),
        (ident(), proptest::option::of((cmp(), value())))
            .prop_map(move |(fact, cmp)| e(ExprKind::Fact { fact, cmp })),
        (
            proptest::sample::select(IN_SUBJECTS),
            proptest::collection::vec(set_item(), 1..4)
        )
            .prop_map(move |(s, set)| e(ExprKind::In {
                subject: Ident {
                    name: s.to_string(),
                    span: sp()
                },
                set
            })),
        (cmp(), num()).prop_map(move |(op, n)| e(ExprKind::Cmp {
            subject: Ident {
                name: "rate".into(),
                span: sp()
            },
            op,
            value: Value::Number(n)
        })),
        (
            proptest::sample::select(&["date", "investment-date", "until"][..]),
            cmp(),
            date()
        )
            .prop_map(move |(s, op, d)| e(ExprKind::Cmp {
                subject: Ident {
                    name: s.to_string(),
                    span: sp()
                },
                op,
                value: Value::Date(d)
            })),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    atom().prop_recursive(3, 12, 3, |inner| {
        let e = |kind| Expr { kind, span: sp() };
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4)
                .prop_map(move |operands| e(ExprKind::And { operands })),
            proptest::collection::vec(inner.clone(), 2..4)
                .prop_map(move |operands| e(ExprKind::Or { operands })),
            inner.prop_map(move |o| e(ExprKind::Not {
                operand: Box::new(o)
            })),
        ]
    })
}

fn stmt(kind: StmtKind) -> Stmt {
    Stmt {
        kind,
        span: sp(),
        keyword: sp(),
    }
}

fn shared() -> impl Strategy<Value = Stmt> {
    prop_oneof![
        text().prop_map(|text| stmt(StmtKind::Source { text })),
        text().prop_map(|text| stmt(StmtKind::Note { text })),
    ]
}

fn provision_body() -> impl Strategy<Value = Vec<Stmt>> {
    proptest::collection::vec(
        prop_oneof![
            shared(),
            text().prop_map(|text| stmt(StmtKind::Text { text })),
            proptest::collection::vec(ident(), 1..4)
                .prop_map(|kinds| stmt(StmtKind::Prohibits { kinds })),
            proptest::collection::vec(ident(), 1..3)
                .prop_map(|kinds| stmt(StmtKind::Permits { kinds })),
            expr().prop_map(|expr| stmt(StmtKind::Scope { expr })),
            expr().prop_map(|expr| stmt(StmtKind::Requires { expr })),
            proptest::collection::vec(qref(), 1..3)
                .prop_map(|refs| stmt(StmtKind::CarveOuts { refs })),
            proptest::collection::vec(qref(), 1..4)
                .prop_map(|refs| stmt(StmtKind::Exceptions { refs })),
            (
                proptest::sample::select(&["verified", "reported", "unverified"][..]),
                proptest::option::of(text())
            )
                .prop_map(|(l, reason)| stmt(StmtKind::Confidence {
                    level: Ident {
                        name: l.into(),
                        span: sp()
                    },
                    reason
                })),
            (
                ident(),
                proptest::collection::vec((hs(), num(), proptest::option::of(text())), 0..3),
                proptest::option::of(num())
            )
                .prop_map(|(kind, lines, default)| {
                    let mut body: Vec<Stmt> = lines
                        .into_iter()
                        .map(|(hs, rate, label)| {
                            stmt(StmtKind::Line {
                                hs,
                                rate: Some(rate),
                                label,
                            })
                        })
                        .collect();
                    if let Some(rate) = default {
                        body.push(stmt(StmtKind::Default { rate }));
                    }
                    stmt(StmtKind::Cap { kind, body })
                }),
        ],
        0..6,
    )
}

fn article_block(body: BoxedStrategy<Vec<Stmt>>) -> impl Strategy<Value = ArticleBlock> {
    (
        "[A-Z0-9:().]{1,8}",
        proptest::option::of(qref()),
        proptest::option::of(text()),
        body,
    )
        .prop_map(|(label, from, title, body)| ArticleBlock {
            label: Str {
                value: label,
                span: sp(),
            },
            from,
            title,
            body,
        })
}

fn instrument() -> impl Strategy<Value = Stmt> {
    let defence_body = proptest::collection::vec(
        prop_oneof![
            shared(),
            expr().prop_map(|expr| stmt(StmtKind::Requires { expr })),
            proptest::collection::vec(qref(), 1..3)
                .prop_map(|refs| stmt(StmtKind::SubjectTo { refs })),
        ],
        0..4,
    )
    .boxed();
    let item = prop_oneof![
        shared(),
        ident().prop_map(|value| stmt(StmtKind::Kind { value })),
        any::<bool>().prop_map(|value| stmt(StmtKind::Binding { value })),
        text().prop_map(|text| stmt(StmtKind::Cite { text })),
        date().prop_map(|date| stmt(StmtKind::Signed { date })),
        date().prop_map(|date| stmt(StmtKind::InForce { date })),
        date().prop_map(|date| stmt(StmtKind::Terminated { date })),
        num().prop_map(|years| stmt(StmtKind::Survival { years })),
        proptest::sample::select(&["none", "all", "investors"][..]).prop_map(|m| stmt(
            StmtKind::Partners {
                mode: Ident {
                    name: m.into(),
                    span: sp()
                }
            }
        )),
        proptest::sample::select(&["isds", "state-state", "none"][..]).prop_map(|m| stmt(
            StmtKind::Enforcement {
                mode: Ident {
                    name: m.into(),
                    span: sp()
                }
            }
        )),
        proptest::collection::vec(prop_oneof![code(), ident()], 1..5)
            .prop_map(|parties| stmt(StmtKind::Parties { parties })),
        (
            code(),
            proptest::collection::vec(
                (
                    proptest::sample::select(&["signed", "in-force", "terminated"][..]),
                    date()
                ),
                0..3
            )
        )
            .prop_map(|(code, attrs)| {
                let attrs = attrs
                    .into_iter()
                    .map(|(k, d)| Attr {
                        key: Ident {
                            name: k.into(),
                            span: sp(),
                        },
                        value: Value::Date(d),
                        text: None,
                    })
                    .collect();
                stmt(StmtKind::Party { code, attrs })
            }),
        ident().prop_map(|id| stmt(StmtKind::Incorporates { id })),
        article_block(provision_body().boxed()).prop_map(|b| stmt(StmtKind::Provision(b))),
        article_block(defence_body.clone()).prop_map(|b| stmt(StmtKind::Exception(b))),
        article_block(defence_body.clone()).prop_map(|b| stmt(StmtKind::CarveOut(b))),
        article_block(defence_body).prop_map(|b| stmt(StmtKind::Condition(b))),
    ];
    (ident(), text(), proptest::collection::vec(item, 0..8))
        .prop_map(|(id, title, body)| stmt(StmtKind::Instrument { id, title, body }))
}

fn measure() -> impl Strategy<Value = Stmt> {
    let item = prop_oneof![
        ident().prop_map(|value| stmt(StmtKind::Kind { value })),
        proptest::collection::vec(hs(), 1..4)
            .prop_map(|codes| stmt(StmtKind::ProductsList { codes })),
        ident().prop_map(|value| stmt(StmtKind::ImposedAs { value })),
        prop_oneof![
            Just(Targets::All { span: sp() }),
            Just(Targets::ForeignInvestors { span: sp() }),
            proptest::collection::vec(code(), 1..3)
                .prop_map(|codes| Targets::InvestorsOf { codes, span: sp() }),
        ]
        .prop_map(|targets| stmt(StmtKind::Targets { targets })),
        num().prop_map(|rate| stmt(StmtKind::Rate { rate })),
        date().prop_map(|date| stmt(StmtKind::Until { date })),
        ident().prop_map(|id| stmt(StmtKind::ObjectiveRef { id })),
        (ident(), value()).prop_map(|(fact, value)| stmt(StmtKind::FactValue { fact, value })),
        text().prop_map(|text| stmt(StmtKind::Note { text })),
    ];
    (
        ident(),
        proptest::option::of(text()),
        proptest::collection::vec(item, 0..6),
    )
        .prop_map(|(id, title, body)| stmt(StmtKind::Measure { id, title, body }))
}

fn policy() -> impl Strategy<Value = Stmt> {
    let item = prop_oneof![
        code().prop_map(|code| stmt(StmtKind::Country { code })),
        date().prop_map(|date| stmt(StmtKind::Date { date })),
        date().prop_map(|date| stmt(StmtKind::InvestmentDate { date })),
        text().prop_map(|text| stmt(StmtKind::Note { text })),
        measure(),
    ];
    (ident(), text(), proptest::collection::vec(item, 0..5))
        .prop_map(|(id, title, body)| stmt(StmtKind::Policy { id, title, body }))
}

fn test_item() -> impl Strategy<Value = Stmt> {
    let status = proptest::sample::select(policyspace::model::STATUS_NAMES).prop_map(|s| Ident {
        name: s.into(),
        span: sp(),
    });
    let outcome =
        proptest::sample::select(&["holds", "fails", "unknown"][..]).prop_map(|s| Ident {
            name: s.into(),
            span: sp(),
        });
    let verdict =
        proptest::sample::select(&["conflict", "uncertain", "compatible"][..]).prop_map(|s| {
            Ident {
                name: s.into(),
                span: sp(),
            }
        });
    let item = prop_oneof![
        policy(),
        ident().prop_map(|policy| stmt(StmtKind::Check { policy })),
        verdict.prop_map(|verdict| stmt(StmtKind::ExpectVerdict { verdict })),
        (ident(), qref(), status, proptest::option::of(code())).prop_map(
            |(measure, provision, status, partner)| stmt(StmtKind::ExpectFinding {
                measure,
                provision,
                status,
                partner
            })
        ),
        (ident(), qref(), qref(), outcome).prop_map(|(measure, provision, defence, outcome)| stmt(
            StmtKind::ExpectException {
                measure,
                provision,
                defence,
                outcome
            }
        )),
        ident().prop_map(|fact| stmt(StmtKind::ExpectQuestion { fact })),
    ];
    (text(), proptest::collection::vec(item, 0..5))
        .prop_map(|(name, body)| stmt(StmtKind::Test { name, body }))
}

fn vocabulary_item() -> impl Strategy<Value = Stmt> {
    let fact_type = prop_oneof![
        Just(FactType::Bool { span: sp() }),
        Just(FactType::Number { span: sp() }),
        Just(FactType::Date { span: sp() }),
        proptest::collection::vec(ident(), 1..4)
            .prop_map(|values| FactType::OneOf { values, span: sp() }),
    ];
    let kind_body = proptest::collection::vec(
        prop_oneof![
            shared(),
            (
                ident(),
                proptest::option::of(expr()),
                proptest::option::of(text())
            )
                .prop_map(|(kind, when, because)| stmt(StmtKind::CountsAs {
                    kind,
                    when,
                    because
                })),
        ],
        0..3,
    );
    let member = (
        code(),
        proptest::option::of(date()),
        proptest::option::of(date()),
        proptest::option::of(text()),
    )
        .prop_map(|(code, since, until, source)| {
            let mut attrs = Vec::new();
            if let Some(d) = since {
                attrs.push(Attr {
                    key: Ident {
                        name: "since".into(),
                        span: sp(),
                    },
                    value: Value::Date(d),
                    text: None,
                });
            }
            if let Some(d) = until {
                attrs.push(Attr {
                    key: Ident {
                        name: "until".into(),
                        span: sp(),
                    },
                    value: Value::Date(d),
                    text: None,
                });
            }
            if let Some(s) = source {
                attrs.push(Attr {
                    key: Ident {
                        name: "source".into(),
                        span: sp(),
                    },
                    value: Value::Ident(Ident {
                        name: "source".into(),
                        span: sp(),
                    }),
                    text: Some(s),
                });
            }
            stmt(StmtKind::Member { code, attrs })
        });
    let option_body = proptest::collection::vec(
        prop_oneof![
            ident().prop_map(|value| stmt(StmtKind::Kind { value })),
            ident().prop_map(|value| stmt(StmtKind::ImposedAs { value })),
            num().prop_map(|rate| stmt(StmtKind::Rate { rate })),
            (ident(), value()).prop_map(|(fact, value)| stmt(StmtKind::FactValue { fact, value })),
        ],
        0..3,
    );
    prop_oneof![
        text().prop_map(|path| stmt(StmtKind::Import { path })),
        (code(), text()).prop_map(|(code, name)| stmt(StmtKind::CountryDecl { code, name })),
        (
            ident(),
            text(),
            proptest::collection::vec(
                prop_oneof![
                    shared(),
                    member,
                    ident().prop_map(|id| stmt(StmtKind::Include { id }))
                ],
                0..4
            )
        )
            .prop_map(|(id, title, body)| stmt(StmtKind::Group { id, title, body })),
        (
            ident(),
            fact_type,
            text(),
            proptest::collection::vec(
                prop_oneof![
                    shared(),
                    text().prop_map(|text| stmt(StmtKind::Help { text }))
                ],
                0..2
            )
        )
            .prop_map(|(id, ty, question, body)| stmt(StmtKind::FactDecl {
                id,
                ty,
                question,
                body
            })),
        (ident(), text(), kind_body.clone())
            .prop_map(|(id, title, body)| stmt(StmtKind::Category { id, title, body })),
        (ident(), text(), kind_body).prop_map(|(id, title, body)| stmt(StmtKind::MeasureKind {
            id,
            title,
            body
        })),
        (
            ident(),
            text(),
            proptest::collection::vec((ident(), text(), option_body), 0..3)
        )
            .prop_map(|(id, title, opts)| {
                let body = opts
                    .into_iter()
                    .map(|(id, title, body)| stmt(StmtKind::Option { id, title, body }))
                    .collect();
                stmt(StmtKind::Objective { id, title, body })
            }),
        (
            ident(),
            text(),
            proptest::collection::vec((hs(), proptest::option::of(text())), 0..4)
        )
            .prop_map(|(id, title, lines)| {
                let body = lines
                    .into_iter()
                    .map(|(hs, label)| {
                        stmt(StmtKind::Line {
                            hs,
                            rate: None,
                            label,
                        })
                    })
                    .collect();
                stmt(StmtKind::Products { id, title, body })
            }),
    ]
}

fn file() -> impl Strategy<Value = File> {
    proptest::collection::vec(
        prop_oneof![vocabulary_item(), instrument(), policy(), test_item()],
        0..5,
    )
    .prop_map(|items| File {
        items,
        comments: Vec::new(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn printing_round_trips_and_is_idempotent(f in file()) {
        let printed = format::print(&f, None);
        let (back, errors) = parse(&printed, FileId(0));
        prop_assert!(errors.is_empty(), "printed text does not parse: {errors:?}\n{printed}");
        prop_assert_eq!(&back.items, &f.items, "round trip changed the tree:\n{}", printed);
        let again = format::format(&printed).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(format::format(&again).ok(), Some(again.clone()), "fmt is not idempotent");
        let (again_tree, _) = parse(&again, FileId(0));
        prop_assert_eq!(&again_tree.items, &f.items);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        resolve_alone(&text);
        let _ = format::format(&text);
    }

    #[test]
    fn arbitrary_text_from_the_alphabet_never_panics(text in "[a-z\\-\"{}\\[\\](),.:=<>!%0-9 \n/]{0,300}") {
        resolve_alone(&text);
        let _ = format::format(&text);
    }

    #[test]
    fn random_edits_of_real_files_never_panic(which in 0usize..64, edits in proptest::collection::vec((any::<u16>(), 0u8..3, any::<char>()), 1..6)) {
        let files = shipped_files();
        let (_, text) = &files[which % files.len()];
        let mut chars: Vec<char> = text.chars().collect();
        for (pos, op, c) in edits {
            if chars.is_empty() { break; }
            let i = usize::from(pos) % chars.len();
            match op {
                0 => { chars.remove(i); }
                1 => chars.insert(i, c),
                _ => chars[i] = c,
            }
        }
        let edited: String = chars.into_iter().collect();
        resolve_alone(&edited);
        let _ = format::format(&edited);
    }
}

/// Parse and resolve one file on its own (with the core vocabulary, so resolution goes deep).
fn resolve_alone(text: &str) {
    let mut loaded = policyspace::resolve::load::Loaded::default();
    for (name, t) in core_files() {
        let id = loaded.sources.add(name, t.clone());
        let (f, d) = parse(t, id);
        loaded.files.push((id, f));
        loaded.diags.extend(d);
    }
    let id = loaded.sources.add("input.pspace", text.to_string());
    let (f, d) = parse(text, id);
    loaded.files.push((id, f));
    loaded.diags.extend(d);
    let (model, _) = policyspace::resolve::resolve(&loaded);
    for t in &model.tests {
        let _ = policyspace::testing::run(&model, t, &[]);
    }
    for p in model.policies.values() {
        let _ = policyspace::eval::check(
            &model,
            p,
            &policyspace::eval::Options {
                all: true,
                ..Default::default()
            },
        );
    }
}

fn core_files() -> &'static Vec<(String, String)> {
    static CORE: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    CORE.get_or_init(|| {
        ["countries", "facts", "measures", "objectives"]
            .iter()
            .map(|n| {
                let p = format!("rulesets/core/{n}.pspace");
                (p.clone(), std::fs::read_to_string(&p).unwrap_or_default())
            })
            .collect()
    })
}

fn shipped_files() -> &'static Vec<(String, String)> {
    static FILES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let mut out = Vec::new();
        for dir in ["rulesets", "fixtures"] {
            collect(std::path::Path::new(dir), &mut out);
        }
        out.sort();
        out
    })
}

fn collect(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "pspace") {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap_or_default(),
            ));
        }
    }
}

#[test]
fn fmt_is_idempotent_on_every_shipped_file_and_keeps_comments() {
    for (name, text) in shipped_files() {
        if name.contains("fixtures/invalid") {
            continue;
        }
        let once = format::format(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let twice = format::format(&once).unwrap_or_else(|e| panic!("{name} (second pass): {e:?}"));
        assert_eq!(once, twice, "{name}: fmt is not idempotent");
        let count = |s: &str| parse(s, FileId(0)).0.comments.len();
        assert_eq!(count(text), count(&once), "{name}: fmt lost comments");
    }
}

#[test]
fn the_shipped_files_are_formatted() {
    let mut unformatted = Vec::new();
    for (name, text) in shipped_files() {
        if name.contains("fixtures/invalid") {
            continue;
        }
        if format::format(text).ok().as_deref() != Some(text.as_str()) {
            unformatted.push(name.clone());
        }
    }
    assert!(
        unformatted.is_empty(),
        "run `policyspace fmt rulesets fixtures`: {unformatted:?}"
    );
}
