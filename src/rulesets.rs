//! The library entry point: load rulesets once, then load and check many policies.
//!
//! ```
//! use policyspace::rulesets::Rulesets;
//! use policyspace::eval::Options;
//!
//! let rulesets = Rulesets::embedded().expect("the embedded rulesets resolve");
//! let policy = r#"
//! policy nickel "Ban on exports of nickel ore" {
//!   country IDN
//!   date 2020-01-01
//!   measure ban { kind export-prohibition products ["2604"] }
//! }"#;
//! let loaded = rulesets.policies_from_str("policy.pspace", policy).expect("the policy is valid");
//! let evaluation = rulesets.check(&loaded.policies[0], &Options::default());
//! assert!(evaluation.findings.iter().any(|f| f.instrument == "gatt-1994" && f.article == "XI:1"));
//! ```

use crate::diag::Diag;
use crate::eval::{self, Evaluation, Options};
use crate::model::{Model, Policy, TestCase};
use crate::resolve::{self, load};
use crate::source::Sources;
use sha2::Digest as _;
use std::path::Path;

/// Resolved rulesets, ready to check policies.
#[derive(Clone, Debug)]
pub struct Rulesets {
    pub sources: Sources,
    pub model: Model,
    /// Warnings found while resolving (errors prevent loading).
    pub warnings: Vec<Diag>,
    /// A content hash of every ruleset file (name and text), so a report says which law it applied.
    pub hash: String,
    /// Where the rulesets came from, for messages.
    pub origin: String,
}

/// Rulesets or policies that could not be loaded: every problem, with the sources to render them.
#[derive(Clone, Debug)]
pub struct LoadError {
    pub sources: Sources,
    pub diags: Vec<Diag>,
}

/// Policies (and tests) loaded from a file, with the sources to render findings and errors.
#[derive(Clone, Debug)]
pub struct LoadedPolicies {
    pub sources: Sources,
    pub policies: Vec<Policy>,
    pub tests: Vec<TestCase>,
    pub warnings: Vec<Diag>,
    /// When the file imports or defines law of its own (a draft deal, test-only treaties), the
    /// rulesets extended with it; otherwise `None` and the rulesets' model applies.
    pub extended: Option<Box<Model>>,
}

impl LoadedPolicies {
    /// The model these policies are checked against.
    pub fn model<'a>(&'a self, rulesets: &'a Rulesets) -> &'a Model {
        self.extended.as_deref().unwrap_or(&rulesets.model)
    }
}

impl Rulesets {
    /// The rulesets embedded in the binary.
    pub fn embedded() -> Result<Rulesets, LoadError> {
        Rulesets::from_loaded(load::Loaded::all(&load::Embedded), "embedded rulesets")
    }

    /// Every `.pspace` file under a directory.
    pub fn from_dir(path: &Path) -> Result<Rulesets, LoadError> {
        if !path.is_dir() {
            return Err(LoadError {
                sources: Sources::new(),
                diags: vec![
                    Diag::error("policyspace::resolve::no_rulesets", format!("`{}` is not a directory", path.display()))
                        .help("give the directory that holds the .pspace ruleset files, or omit --rulesets to use the embedded ones"),
                ],
            });
        }
        Rulesets::from_loaded(
            load::Loaded::all(&load::Dir::new(path)),
            &path.display().to_string(),
        )
    }

    /// Resolve already-loaded files.
    pub fn from_loaded(loaded: load::Loaded, origin: &str) -> Result<Rulesets, LoadError> {
        let (model, diags) = resolve::resolve(&loaded);
        if diags.iter().any(Diag::is_error) {
            return Err(LoadError {
                sources: loaded.sources,
                diags,
            });
        }
        let hash = content_hash(&loaded.sources);
        Ok(Rulesets {
            sources: loaded.sources,
            model,
            warnings: diags,
            hash,
            origin: origin.to_string(),
        })
    }

    /// Load policies from `.pspace` or JSON text (by the name's extension).
    pub fn policies_from_str(&self, name: &str, text: &str) -> Result<LoadedPolicies, LoadError> {
        let mut sources = self.sources.clone();
        let id = sources.add(name, text);
        if name.ends_with(".json") {
            return match crate::policy_json::parse(&self.model, text, id) {
                Ok(p) => Ok(LoadedPolicies {
                    sources,
                    policies: vec![p],
                    tests: Vec::new(),
                    warnings: Vec::new(),
                    extended: None,
                }),
                Err(diags) => Err(LoadError { sources, diags }),
            };
        }
        let (file, mut diags) = crate::syntax::parse(text, id);
        let only_policies = file.items.iter().all(|i| {
            matches!(
                i.kind,
                crate::syntax::ast::StmtKind::Policy { .. }
                    | crate::syntax::ast::StmtKind::Test { .. }
            )
        });
        if !only_policies && diags.is_empty() {
            return Err(LoadError {
                sources,
                diags: vec![
                    Diag::error(LAW_IN_TEXT, format!("`{name}` defines law of its own; load it from a file"))
                        .help("policies with imports or their own instruments are loaded with `policies_from_file`, which resolves them on top of the rulesets"),
                ],
            });
        }
        let (policies, tests, more) = resolve::resolve_policies(&self.model, &[&file]);
        diags.extend(more);
        if diags.iter().any(Diag::is_error) {
            crate::diag::sort(&mut diags);
            return Err(LoadError { sources, diags });
        }
        if policies.is_empty() {
            let d = Diag::error(
                "policyspace::policy::no_policy",
                format!("`{name}` defines no policy"),
            )
            .help("a policy file holds `policy <id> \"<title>\" { country ... measure ... }`");
            return Err(LoadError {
                sources,
                diags: vec![d],
            });
        }
        Ok(LoadedPolicies {
            sources,
            policies,
            tests,
            warnings: diags,
            extended: None,
        })
    }

    /// Load policies from a file. A file that imports other files or defines law of its own
    /// (draft instruments, test-only treaties) is resolved together with the rulesets.
    pub fn policies_from_file(&self, path: &Path) -> Result<LoadedPolicies, LoadError> {
        let name = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                // A file that brings law of its own is resolved with the rulesets (parsed once
                // more, with its imports); most policy files are parsed only once.
                Ok(text) => match self.policies_from_str(&name, &text) {
                    Err(e) if e.diags.iter().any(|d| d.code == LAW_IN_TEXT) => {
                        self.extended_load(path)
                    }
                    other => other,
                },
                Err(e) => Err(LoadError {
                    sources: self.sources.clone(),
                    diags: vec![
                        Diag::error(
                            "policyspace::policy::not_utf8",
                            format!(
                                "`{name}` is not UTF-8 text (invalid byte at offset {})",
                                e.utf8_error().valid_up_to()
                            ),
                        )
                        .help("save the file as UTF-8"),
                    ],
                }),
            },
            Err(e) => Err(LoadError {
                sources: self.sources.clone(),
                diags: vec![
                    Diag::error(
                        "policyspace::policy::unreadable",
                        format!("cannot read `{name}`: {e}"),
                    )
                    .help("check the path"),
                ],
            }),
        }
    }

    /// The rulesets with extra files on top (their imports followed), resolved together. Returns
    /// the load, the resolved model and the ids of the extra files (imports included).
    pub fn extend(
        &self,
        paths: &[&Path],
    ) -> (load::Loaded, Model, Vec<Diag>, Vec<crate::source::FileId>) {
        let mut loaded = load::Loaded::from_sources(&self.sources);
        let first_new = loaded.sources.len();
        for p in paths {
            loaded.add_path(p);
        }
        let (model, diags) = resolve::resolve(&loaded);
        let extra = loaded
            .sources
            .iter()
            .map(|(id, _)| id)
            .filter(|id| id.0 as usize >= first_new)
            .collect();
        (loaded, model, diags, extra)
    }

    fn extended_load(&self, path: &Path) -> Result<LoadedPolicies, LoadError> {
        let (loaded, model, diags, extra) = self.extend(&[path]);
        if diags.iter().any(Diag::is_error) {
            return Err(LoadError {
                sources: loaded.sources,
                diags,
            });
        }
        let in_extra = |s: Option<crate::source::Span>| s.is_some_and(|s| extra.contains(&s.file));
        let policies: Vec<Policy> = model
            .policies
            .values()
            .filter(|p| in_extra(p.span))
            .cloned()
            .collect();
        let tests: Vec<TestCase> = model
            .tests
            .iter()
            .filter(|t| extra.contains(&t.span.file))
            .cloned()
            .collect();
        if policies.is_empty() {
            let d = Diag::error(
                "policyspace::policy::no_policy",
                format!("`{}` defines no policy", path.display()),
            )
            .help("a policy file holds `policy <id> \"<title>\" { country ... measure ... }`");
            return Err(LoadError {
                sources: loaded.sources,
                diags: vec![d],
            });
        }
        let warnings = diags
            .into_iter()
            .filter(|d| d.labels.iter().any(|l| extra.contains(&l.span.file)))
            .collect();
        Ok(LoadedPolicies {
            sources: loaded.sources,
            policies,
            tests,
            warnings,
            extended: Some(Box::new(model)),
        })
    }

    /// Check one policy (evaluation only; rendering is in [`crate::report`]).
    pub fn check<'a>(&'a self, policy: &'a Policy, opts: &Options) -> Evaluation<'a> {
        eval::check(&self.model, policy, opts)
    }
}

/// The code of "this text defines law of its own" (loaded from a file, it is resolved with the rulesets).
const LAW_IN_TEXT: &str = "policyspace::policy::law_in_text";

/// SHA-256 over every file's text, in load order (sorted by path relative to the root), so the
/// same law gives the same hash wherever it is loaded from.
pub fn content_hash(sources: &Sources) -> String {
    let mut h = sha2::Sha256::new();
    for (_, f) in sources.iter() {
        h.update(f.text.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
