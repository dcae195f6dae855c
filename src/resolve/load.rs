//! Loading files: a ruleset directory, the rulesets embedded in the binary, or single files with
//! their imports. Imports are relative to the importing file and never leave the root.

use crate::diag::Diag;
use crate::source::{FileId, Sources, Span};
use crate::syntax::ast::{File, StmtKind, Str};
use crate::syntax::parser;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Parsed files and the problems found while loading them.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: Sources,
    pub files: Vec<(FileId, File)>,
    pub diags: Vec<Diag>,
    /// Files already loaded, by displayed name: each file is loaded once, however it is reached.
    seen: HashMap<String, FileId>,
}

/// Where files come from: a directory on disk, or the embedded rulesets.
pub trait Root {
    /// Read a file by its path relative to the root (forward slashes).
    fn read(&self, rel: &str) -> Result<String, String>;
    /// Every `.pspace` file under the root, sorted.
    fn list(&self) -> Vec<String>;
    /// The name shown to users for a file.
    fn display(&self, rel: &str) -> String;
}

/// The rulesets compiled into the binary.
pub struct Embedded;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rulesets.rs"));
}

impl Root for Embedded {
    fn read(&self, rel: &str) -> Result<String, String> {
        embedded::FILES
            .iter()
            .find(|(p, _)| *p == rel)
            .map(|(_, t)| (*t).to_string())
            .ok_or_else(|| "no such file in the embedded rulesets".to_string())
    }
    fn list(&self) -> Vec<String> {
        embedded::FILES
            .iter()
            .map(|(p, _)| (*p).to_string())
            .collect()
    }
    fn display(&self, rel: &str) -> String {
        format!("rulesets/{rel}")
    }
}

/// A directory on disk.
pub struct Dir {
    pub path: PathBuf,
    /// Prefix for displayed names (the directory as the user gave it).
    pub shown: String,
}

impl Dir {
    pub fn new(path: &Path) -> Dir {
        let shown = path.to_string_lossy().trim_end_matches('/').to_string();
        Dir {
            path: path.to_path_buf(),
            shown,
        }
    }
}

impl Root for Dir {
    fn read(&self, rel: &str) -> Result<String, String> {
        let p = self.path.join(rel);
        let bytes = std::fs::read(&p).map_err(|e| e.to_string())?;
        String::from_utf8(bytes)
            .map_err(|e| format!("not valid UTF-8 (byte {})", e.utf8_error().valid_up_to()))
    }
    fn list(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.path, &self.path, &mut out);
        out.sort();
        out
    }
    fn display(&self, rel: &str) -> String {
        if self.shown.is_empty() || self.shown == "." {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.shown)
        }
    }
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, root, out);
        } else if p.extension().is_some_and(|x| x == "pspace")
            && let Ok(rel) = p.strip_prefix(root)
        {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// Join an import path to the importing file's directory, staying inside the root.
/// Returns `None` if the path leaves the root.
pub fn join(importer: &str, path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\\') {
        return None;
    }
    let mut parts: Vec<&str> = importer.split('/').collect();
    parts.pop();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

impl Loaded {
    /// Re-parse already-loaded sources (to resolve them again with more files on top).
    pub fn from_sources(sources: &Sources) -> Loaded {
        let mut l = Loaded {
            sources: sources.clone(),
            ..Loaded::default()
        };
        for (id, f) in sources.iter() {
            let (file, errors) = parser::parse(&f.text, id);
            l.diags.extend(errors);
            l.files.push((id, file));
            l.seen.insert(f.name.clone(), id);
        }
        l
    }

    /// Load every `.pspace` file under a root (and check their imports).
    pub fn all(root: &dyn Root) -> Loaded {
        let mut l = Loaded::default();
        let mut by_rel = HashMap::new();
        for rel in root.list() {
            l.load_one(root, &rel, &mut by_rel, None);
        }
        l.follow_imports(root, &mut by_rel);
        l
    }

    /// Load one file (relative to `root`) and, transitively, what it imports.
    pub fn file(root: &dyn Root, rel: &str) -> Loaded {
        let mut l = Loaded::default();
        let mut by_rel = HashMap::new();
        l.load_one(root, rel, &mut by_rel, None);
        l.follow_imports(root, &mut by_rel);
        l
    }

    /// Add a file given by its path (a policy, a draft, test-only law): its directory is the
    /// root its imports stay inside, and its name is shown as given.
    pub fn add_path(&mut self, p: &Path) -> Option<FileId> {
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let mut root = Dir::new(dir);
        root.shown = root.shown.trim_start_matches("./").to_string();
        if root.shown == "." {
            root.shown.clear();
        }
        self.add_file(&root, &name)
    }

    /// Add one more file (e.g. a policy or a draft) to an existing load, following its imports.
    pub fn add_file(&mut self, root: &dyn Root, rel: &str) -> Option<FileId> {
        let mut by_rel: HashMap<String, FileId> = HashMap::new();
        let id = self.load_one(root, rel, &mut by_rel, None);
        self.follow_imports(root, &mut by_rel);
        id
    }

    fn load_one(
        &mut self,
        root: &dyn Root,
        rel: &str,
        by_rel: &mut HashMap<String, FileId>,
        from: Option<(FileId, Span)>,
    ) -> Option<FileId> {
        if let Some(id) = by_rel.get(rel) {
            return Some(*id);
        }
        if let Some(id) = self.seen.get(&root.display(rel)) {
            by_rel.insert(rel.to_string(), *id);
            return Some(*id);
        }
        match root.read(rel) {
            Ok(text) => {
                let id = self.sources.add(root.display(rel), text);
                let text = self
                    .sources
                    .get(id)
                    .map(|f| f.text.clone())
                    .unwrap_or_default();
                let (file, errors) = parser::parse(&text, id);
                self.diags.extend(errors);
                self.files.push((id, file));
                by_rel.insert(rel.to_string(), id);
                self.seen.insert(root.display(rel), id);
                Some(id)
            }
            Err(e) => {
                let d = Diag::error(
                    "policyspace::resolve::unreadable_file",
                    format!("cannot read `{}`: {e}", root.display(rel)),
                );
                self.diags.push(match from {
                    Some((_, span)) => d
                        .label(span, "imported here")
                        .help("check the path: it is relative to the importing file"),
                    None => d.help("check that the file exists and is readable"),
                });
                None
            }
        }
    }

    /// Load imported files (once each) and report imports that leave the root, are missing, or
    /// form a cycle.
    fn follow_imports(&mut self, root: &dyn Root, by_rel: &mut HashMap<String, FileId>) {
        let rel_of: HashMap<FileId, String> = by_rel.iter().map(|(r, i)| (*i, r.clone())).collect();
        let mut rel_of = rel_of;
        let mut edges: HashMap<FileId, Vec<(FileId, Span)>> = HashMap::new();
        let mut i = 0;
        while i < self.files.len() {
            let (fid, imports) = {
                let (fid, file) = &self.files[i];
                let imports: Vec<Str> = file
                    .items
                    .iter()
                    .filter_map(|s| match &s.kind {
                        StmtKind::Import { path } => Some(path.clone()),
                        _ => None,
                    })
                    .collect();
                (*fid, imports)
            };
            i += 1;
            let Some(importer) = rel_of.get(&fid).cloned() else {
                continue;
            };
            for path in imports {
                let Some(target) = join(&importer, &path.value) else {
                    self.diags.push(
                        Diag::error("policyspace::resolve::import_outside_root", format!("`{}` is outside the ruleset root", path.value))
                            .label(path.span, "this import leaves the root")
                            .help("imports are relative to the importing file and must stay inside the directory being loaded"),
                    );
                    continue;
                };
                if !target.ends_with(".pspace") {
                    self.diags.push(
                        Diag::error(
                            "policyspace::resolve::import_not_pspace",
                            format!("`{}` is not a .pspace file", path.value),
                        )
                        .label(path.span, "imported here")
                        .help("only .pspace files can be imported"),
                    );
                    continue;
                }
                if let Some(id) = self.load_one(root, &target, by_rel, Some((fid, path.span))) {
                    rel_of.entry(id).or_insert_with(|| target.clone());
                    edges.entry(fid).or_default().push((id, path.span));
                }
            }
        }
        self.report_cycles(&edges);
    }

    fn report_cycles(&mut self, edges: &HashMap<FileId, Vec<(FileId, Span)>>) {
        // Depth-first search; each cycle is reported once, at the import that closes it.
        let mut state: HashMap<FileId, u8> = HashMap::new(); // 1 = on stack, 2 = done
        let mut keys: Vec<FileId> = edges.keys().copied().collect();
        keys.sort();
        for start in keys {
            let mut stack: Vec<(FileId, usize)> = vec![(start, 0)];
            if state.get(&start).copied().unwrap_or(0) != 0 {
                continue;
            }
            state.insert(start, 1);
            while let Some((node, next)) = stack.last().copied() {
                let out = edges.get(&node).map(Vec::as_slice).unwrap_or(&[]);
                if let Some((to, span)) = out.get(next) {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    match state.get(to).copied().unwrap_or(0) {
                        0 => {
                            state.insert(*to, 1);
                            stack.push((*to, 0));
                        }
                        1 => {
                            let pos = stack.iter().position(|(n, _)| n == to).unwrap_or(0);
                            let chain: Vec<String> = stack[pos..]
                                .iter()
                                .map(|(n, _)| self.sources.name(*n).to_string())
                                .chain(std::iter::once(self.sources.name(*to).to_string()))
                                .collect();
                            self.diags.push(
                                Diag::error("policyspace::resolve::import_cycle", "import cycle")
                                    .label(*span, "this import closes a cycle")
                                    .help(format!("the files import each other: {}; remove one of the imports", chain.join(" → "))),
                            );
                        }
                        _ => {}
                    }
                } else {
                    state.insert(node, 2);
                    stack.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn joins_inside_the_root() {
        assert_eq!(
            join("wto/gatt.pspace", "trims.pspace").as_deref(),
            Some("wto/trims.pspace")
        );
        assert_eq!(
            join("wto/gatt.pspace", "../core/facts.pspace").as_deref(),
            Some("core/facts.pspace")
        );
        assert_eq!(join("a.pspace", "../x.pspace"), None);
        assert_eq!(join("a.pspace", "/etc/passwd"), None);
    }
}
