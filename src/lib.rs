//! policyspace: a treaty-compatibility rules engine for critical-minerals industrial policy.
//!
//! The pipeline (design.md §1) flows one way:
//!
//! ```text
//! .pspace ──parse──▶ syntax ──resolve──▶ model ──eval──▶ findings ──space──▶ policy space ──report──▶ text/JSON/Markdown/HTML
//! policy.json ──serde─────────────────────┘
//! ```
#![forbid(unsafe_code)]

pub mod cli;
pub mod date;
pub mod diag;
pub mod eval;
pub mod hs;
pub mod model;
pub mod policy_json;
pub mod report;
pub mod resolve;
pub mod rulesets;
pub mod source;
pub mod space;
pub mod syntax;
pub mod testing;
