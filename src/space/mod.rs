//! Remaining policy space (design.md §6): alternatives, counterfactuals, blocs and draft deals.

pub mod cli;
