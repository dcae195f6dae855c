//! The command line: `check`, `space`, `lint`, `fmt`, `test`, `parse`.
//!
//! Exit statuses are a contract (design.md §4): 0 compatible / success, 1 conflict (or `fmt
//! --check` found files to reformat, or a test failed), 2 error in the input or rulesets,
//! 3 uncertain.

use crate::diag::{self, Diag, ErrorFormat};
use crate::resolve::load;
use crate::rulesets::{LoadError, Rulesets};
use crate::source::Sources;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "policyspace",
    version,
    about = "Which treaties does a proposed mineral policy conflict with, and what policy space remains?"
)]
pub struct Cli {
    /// How to print errors: human (graphical), plain (narrated, for screen readers), json (one object per line).
    #[arg(long, global = true, value_enum, default_value_t = ErrFmt::Human)]
    pub error_format: ErrFmt,
    /// Colour: auto (when writing to a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ErrFmt {
    Human,
    Plain,
    Json,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Markdown,
    Html,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check policies against the treaties binding their country; exit 0 compatible, 1 conflict, 2 error, 3 uncertain.
    Check {
        /// Policy files (.pspace or .json).
        #[arg(required = true)]
        policies: Vec<PathBuf>,
        /// Ruleset directory (default: the rulesets embedded in the binary).
        #[arg(long)]
        rulesets: Option<PathBuf>,
        /// Evaluate on this date (YYYY-MM-DD) instead of the policy's.
        #[arg(long)]
        date: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Show the trace of each finding: scope, classification, exceptions tried.
        #[arg(long)]
        explain: bool,
        /// Also list not-applicable findings (every provision considered).
        #[arg(long)]
        all: bool,
        /// Write the report to a file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// The policy space of a country or bloc: which catalogued instruments for an objective remain open.
    Space(crate::space::cli::SpaceArgs),
    /// Resolve rulesets (a directory, or files on top of the rulesets) and report every problem; exit 2 on errors.
    Lint {
        /// A ruleset directory, or files (policies, drafts) to lint on top of the rulesets.
        paths: Vec<PathBuf>,
        /// Ruleset directory when linting files (default: embedded).
        #[arg(long)]
        rulesets: Option<PathBuf>,
        /// Treat warnings as errors (exit 2).
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Format .pspace files in the canonical layout (comments kept; atomic writes).
    Fmt {
        /// Files or directories (default: the current directory).
        paths: Vec<PathBuf>,
        /// Do not write; list files that would change and exit 1 if any.
        #[arg(long)]
        check: bool,
    },
    /// Run the test cases in the rulesets and in the given files; exit 1 if any fails.
    Test {
        /// Extra files with tests (e.g. dispute fixtures), or a ruleset directory.
        paths: Vec<PathBuf>,
        /// Ruleset directory (default: embedded).
        #[arg(long)]
        rulesets: Option<PathBuf>,
        /// Print every test, not only failures.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Print the syntax tree of a file, for tooling.
    Parse {
        /// Print JSON (the only format).
        #[arg(long)]
        json: bool,
        file: PathBuf,
    },
}

/// Output settings shared by commands.
pub struct Out {
    pub err_format: ErrorFormat,
    pub color_stdout: bool,
    pub color_stderr: bool,
}

impl Out {
    fn new(cli: &Cli) -> Out {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let pick = |tty: bool| match cli.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => tty && !no_color,
        };
        Out {
            err_format: match cli.error_format {
                ErrFmt::Human => ErrorFormat::Human,
                ErrFmt::Plain => ErrorFormat::Plain,
                ErrFmt::Json => ErrorFormat::Json,
            },
            color_stdout: pick(std::io::stdout().is_terminal()),
            color_stderr: pick(std::io::stderr().is_terminal()),
        }
    }

    /// Print diagnostics to standard error.
    pub fn diags(&self, diags: &[Diag], sources: &Sources) {
        if diags.is_empty() {
            return;
        }
        let text = diag::render(
            diags,
            sources,
            self.err_format,
            self.color_stderr,
            terminal_width(),
        );
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(text.as_bytes());
        if self.err_format != ErrorFormat::Json {
            let _ = writeln!(e, "{}", diag::summary(diags));
        }
    }

    pub fn load_error(&self, e: &LoadError) -> i32 {
        self.diags(&e.diags, &e.sources);
        2
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
        .clamp(60, 200)
}

/// Run the command line; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let out = Out::new(&cli);
    match &cli.command {
        Command::Check {
            policies,
            rulesets,
            date,
            format,
            explain,
            all,
            output,
        } => crate::report::cli::check(
            &out,
            policies,
            rulesets.as_deref(),
            date.as_deref(),
            *format,
            *explain,
            *all,
            output.as_deref(),
        ),
        Command::Space(args) => crate::space::cli::run(&out, args),
        Command::Lint {
            paths,
            rulesets,
            deny_warnings,
        } => lint(&out, paths, rulesets.as_deref(), *deny_warnings),
        Command::Fmt { paths, check } => fmt(&out, paths, *check),
        Command::Test {
            paths,
            rulesets,
            verbose,
        } => test(&out, paths, rulesets.as_deref(), *verbose),
        Command::Parse { json: _, file } => parse(&out, file),
    }
}

/// Load rulesets: a directory, or the embedded ones.
pub fn load_rulesets(dir: Option<&Path>) -> Result<Rulesets, LoadError> {
    match dir {
        Some(d) => Rulesets::from_dir(d),
        None => Rulesets::embedded(),
    }
}

pub fn parse_date(out: &Out, s: Option<&str>) -> Result<Option<crate::date::Date>, i32> {
    match s {
        None => Ok(None),
        Some(s) => match crate::date::Date::parse(s) {
            Ok(d) => Ok(Some(d)),
            Err(why) => {
                let d = Diag::error(
                    "policyspace::cli::invalid_date",
                    format!("`--date {s}`: {why}"),
                )
                .help("dates are YYYY-MM-DD, e.g. 2020-01-01");
                out.diags(&[d], &Sources::new());
                Err(2)
            }
        },
    }
}

/// The rulesets (a directory, or the embedded ones) with extra files on top: policies, tests,
/// drafts, test-only law. A file that has the same name as a ruleset file replaces it, so
/// `policyspace lint rulesets/wto/gatt-1994.pspace` lints the file on disk. Returns the load and
/// the ids of the extra files.
pub fn load_with_extras(
    rulesets: Option<&Path>,
    paths: &[PathBuf],
) -> (load::Loaded, Vec<crate::source::FileId>) {
    let mut loaded = match rulesets {
        Some(d) => load::Loaded::all(&load::Dir::new(d)),
        None => load::Loaded::all(&load::Embedded),
    };
    let mut extra = Vec::new();
    let files = if paths.is_empty() {
        Vec::new()
    } else {
        pspace_files(paths)
    };
    for p in files {
        let shown = p.to_string_lossy().trim_start_matches("./").to_string();
        let dup: Vec<crate::source::FileId> = loaded
            .sources
            .iter()
            .filter(|(_, f)| f.name == shown)
            .map(|(id, _)| id)
            .collect();
        loaded.files.retain(|(id, _)| !dup.contains(id));
        if let Some(id) = loaded.add_path(&p) {
            extra.push(id);
        }
    }
    (loaded, extra)
}

fn lint(out: &Out, paths: &[PathBuf], rulesets: Option<&Path>, deny: bool) -> i32 {
    let (sources, diags) = if paths.len() == 1
        && paths[0].is_dir()
        && rulesets.is_none()
        && looks_like_rulesets(&paths[0])
    {
        let loaded = load::Loaded::all(&load::Dir::new(&paths[0]));
        let (_, diags) = crate::resolve::resolve(&loaded);
        (loaded.sources, diags)
    } else {
        let (loaded, _) = load_with_extras(rulesets, paths);
        let (_, diags) = crate::resolve::resolve(&loaded);
        (loaded.sources, diags)
    };
    out.diags(&diags, &sources);
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags
        .iter()
        .filter(|d| d.severity == crate::diag::Severity::Warning)
        .count();
    if errors > 0 || (deny && warnings > 0) {
        return 2;
    }
    if diags.is_empty() {
        eprintln!("ok: {} files, no problems", sources.len());
    }
    0
}

/// A directory that holds a whole ruleset tree (by convention it has a `core/` directory for
/// its vocabulary), rather than extra files (policies, tests, drafts) to load on top of the
/// rulesets.
fn looks_like_rulesets(dir: &Path) -> bool {
    dir.join("core").is_dir()
}

fn pspace_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    for p in paths {
        if p.is_dir() {
            let root = load::Dir::new(p);
            use load::Root as _;
            out.extend(root.list().into_iter().map(|rel| p.join(rel)));
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn fmt(out: &Out, paths: &[PathBuf], check: bool) -> i32 {
    let mut status = 0;
    let mut changed = Vec::new();
    for path in pspace_files(paths) {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                out.diags(
                    &[Diag::error(
                        "policyspace::fmt::unreadable",
                        format!("cannot read `{}`: {e}", path.display()),
                    )
                    .help("check the path")],
                    &Sources::new(),
                );
                status = 2;
                continue;
            }
        };
        match crate::syntax::format::format(&text) {
            Ok(formatted) => {
                if formatted != text {
                    changed.push(path.clone());
                    if !check && let Err(e) = write_atomically(&path, &formatted) {
                        out.diags(
                            &[Diag::error(
                                "policyspace::fmt::write_failed",
                                format!("cannot write `{}`: {e}", path.display()),
                            )
                            .help("the original file is unchanged")],
                            &Sources::new(),
                        );
                        status = 2;
                    }
                }
            }
            Err(crate::syntax::format::FormatError::Syntax(diags)) => {
                let mut sources = Sources::new();
                let id = sources.add(path.display().to_string(), text.clone());
                let (_, diags2) = crate::syntax::parse(&text, id);
                let _ = diags;
                out.diags(&diags2, &sources);
                status = 2;
            }
            Err(crate::syntax::format::FormatError::Unstable) => {
                out.diags(
                    &[Diag::error(
                        "policyspace::fmt::unstable",
                        format!(
                            "formatting `{}` would change its meaning; the file was left as it is",
                            path.display()
                        ),
                    )
                    .help("this is a bug in the formatter: please report it with the file")],
                    &Sources::new(),
                );
                status = 2;
            }
        }
    }
    for c in &changed {
        if check {
            println!("would reformat {}", c.display());
        } else {
            eprintln!("formatted {}", c.display());
        }
    }
    if status == 0 && check && !changed.is_empty() {
        return 1;
    }
    status
}

/// Write to a temporary file beside the target, then rename over it.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.policyspace-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = std::fs::set_permissions(&tmp, meta.permissions());
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn test(_out: &Out, paths: &[PathBuf], rulesets: Option<&Path>, verbose: bool) -> i32 {
    let out = _out;
    let (rs_dir, extras): (Option<&Path>, &[PathBuf]) = if paths.len() == 1
        && paths[0].is_dir()
        && rulesets.is_none()
        && looks_like_rulesets(&paths[0])
    {
        (Some(paths[0].as_path()), &[])
    } else {
        (rulesets, paths)
    };
    let (loaded, extra_ids) = load_with_extras(rs_dir, extras);
    let (model, diags) = crate::resolve::resolve(&loaded);
    let errors: Vec<Diag> = diags.iter().filter(|d| d.is_error()).cloned().collect();
    if !errors.is_empty() {
        out.diags(&errors, &loaded.sources);
        return 2;
    }
    let sources = loaded.sources;
    let results: Vec<crate::testing::TestResult> = model
        .tests
        .iter()
        .filter(|t| extras.is_empty() || extra_ids.contains(&t.span.file))
        .map(|t| crate::testing::run(&model, t, &[]))
        .collect();
    let failed = results.iter().filter(|r| !r.passed).count();
    let mut o = std::io::stdout().lock();
    for r in &results {
        if r.passed && !verbose {
            continue;
        }
        let loc = sources.location(r.span);
        let _ = writeln!(
            o,
            "{} {} ({loc})",
            if r.passed { "pass" } else { "FAIL" },
            r.name
        );
        for f in &r.failures {
            let _ = writeln!(o, "    at {}", sources.location(f.span));
            let _ = writeln!(o, "    expected: {}", f.expected);
            let _ = writeln!(o, "    found:    {}", f.found);
        }
    }
    let _ = writeln!(
        o,
        "{} tests: {} passed, {} failed",
        results.len(),
        results.len() - failed,
        failed
    );
    if failed == 0 { 0 } else { 1 }
}

fn parse(out: &Out, file: &Path) -> i32 {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            out.diags(
                &[Diag::error(
                    "policyspace::parse::unreadable",
                    format!("cannot read `{}`: {e}", file.display()),
                )
                .help("check the path")],
                &Sources::new(),
            );
            return 2;
        }
    };
    let mut sources = Sources::new();
    let id = sources.add(file.display().to_string(), text.clone());
    let (tree, diags) = crate::syntax::parse(&text, id);
    if !diags.is_empty() {
        out.diags(&diags, &sources);
        return 2;
    }
    match serde_json::to_string_pretty(&tree) {
        Ok(s) => {
            println!("{s}");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}
