//! `policyspace space`.

use crate::cli::Out;

#[derive(clap::Args, Debug)]
pub struct SpaceArgs {
    /// Country (ISO alpha-3), or use --countries for a bloc.
    #[arg(long)]
    pub country: Option<String>,
}

pub fn run(_out: &Out, _args: &SpaceArgs) -> i32 {
    eprintln!("error: `policyspace space` is not available in this build yet");
    2
}
