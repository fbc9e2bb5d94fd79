//! Reading a Mantile workspace from disk into what the engine needs.
//!
//! Every read goes through [`crate::files`]: regular files only, the size
//! checked before reading, and files found inside a workspace only if they
//! resolve inside it. A file or folder that cannot be read is reported
//! (recorded in the snapshot, or returned as a problem), never silently
//! treated as missing or empty.

use crate::files::{self, ReadError};
use mantile_engine::{
    AnalysisHost, CONFIG_DIR, Content, DiskState, FileKind, GAPS_DIR, LAYERS_DIR, MAX_FILE_SIZE,
    Scope, TESTS_DIR, classify, classify_loose,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Whether `dir` is a Mantile workspace root.
pub fn is_root(dir: &Path) -> bool {
    dir.join(CONFIG_DIR).is_dir() || dir.join(TESTS_DIR).is_dir()
}

/// The workspace root holding `path`: the nearest folder, walking up, that
/// holds `backend/data/model_configs` or `tests/`.
pub fn find_root(path: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(path).ok()?;
    let start = if abs.is_dir() {
        abs.as_path()
    } else {
        abs.parent()?
    };
    start
        .ancestors()
        .find(|d| is_root(d))
        .map(Path::to_path_buf)
}

/// `path` relative to `root`, with `/` separators (a name that is not valid
/// UTF-8 is decoded lossily: see [`name_is_utf8`]).
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let abs = std::path::absolute(path).ok()?;
    let rel = abs.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Whether the file name of `path` is valid UTF-8 (else the checks see a
/// lossy decoding of it).
pub fn name_is_utf8(path: &Path) -> bool {
    path.file_name().is_none_or(|n| n.to_str().is_some())
}

/// A folder's entries, sorted, each with whether it is a folder (a symbolic
/// link to a folder counts; a link that leads nowhere does not). A folder
/// that does not exist has no entries; one that cannot be read is an error.
fn list(dir: &Path) -> std::io::Result<Vec<(PathBuf, bool)>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut v = Vec::new();
    for entry in rd {
        let entry = entry?;
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()),
            Ok(t) => t.is_dir(),
            Err(_) => false,
        };
        v.push((entry.path(), is_dir));
    }
    v.sort();
    Ok(v)
}

/// A file's content for the analysis (read as every workspace file is:
/// inside the workspace, regular, bounded), or `None` when it is not there.
pub fn read_content(root: &Path, rel: &str) -> Option<Content> {
    match files::read_in_workspace(root, &root.join(rel), MAX_FILE_SIZE as u64) {
        Ok(bytes) => Some(Content::from_bytes(bytes)),
        Err(ReadError::NotFound) => None,
        Err(ReadError::TooLarge(len)) => Some(Content::TooLarge(len)),
        Err(e) => Some(Content::Unreadable(e.to_string())),
    }
}

/// `(relative path, text)` of each file read, or `(relative path, reason)`
/// of each one that could not be.
pub type PathTexts = Vec<(String, String)>;

/// The layer sources of a workspace: `(relative path, text)` of each
/// `backend/layers/*.py` (`None`: no such folder), and what could not be
/// read.
fn layer_sources(root: &Path) -> (Option<PathTexts>, PathTexts) {
    let mut unreadable = Vec::new();
    let dir = root.join(LAYERS_DIR);
    let sources = match list(&dir) {
        Ok(entries) if dir.is_dir() => Some(
            entries
                .into_iter()
                .filter(|(p, is_dir)| !is_dir && p.extension().is_some_and(|e| e == "py"))
                .filter_map(|(p, _)| {
                    let rel = relative(root, &p)?;
                    match read_content(root, &rel)? {
                        Content::Text(t) => Some((rel, t.to_string())),
                        Content::NotUtf8 { .. } => None,
                        Content::TooLarge(_) => {
                            unreadable.push((rel, "too large".to_string()));
                            None
                        }
                        Content::Unreadable(why) => {
                            unreadable.push((rel, why));
                            None
                        }
                    }
                })
                .collect(),
        ),
        Ok(_) => None,
        Err(e) => {
            unreadable.push((LAYERS_DIR.to_string(), e.to_string()));
            None
        }
    };
    (sources, unreadable)
}

/// The layer catalog of a workspace (`backend/layers/*.py`, else the
/// built-in one).
pub fn catalog(root: &Path) -> mantile_config::Catalog {
    let mut host = AnalysisHost::new(Scope::Workspace);
    let (sources, unreadable) = layer_sources(root);
    host.set_disk(DiskState {
        layer_sources: sources,
        unreadable,
        ..Default::default()
    });
    host.analysis().catalog().clone()
}

/// Reads a workspace for the analysis: the listing of the folders the
/// checks look in, the layer sources (unless `with_layers` is false: for
/// checks that do not read the catalog), and the Mantile files `want` accepts
/// (by relative path and kind). What cannot be read is recorded
/// ([`DiskState::unreadable`]); a Mantile file that cannot be read is also
/// given with its problem, so that it gets a finding of its own.
pub fn read_workspace(
    root: &Path,
    with_layers: bool,
    want: impl Fn(&str, FileKind) -> bool,
) -> DiskState {
    let (layer_sources, mut unreadable) = if with_layers {
        layer_sources(root)
    } else {
        (None, Vec::new())
    };
    let mut listed = Vec::new();
    for dir in [CONFIG_DIR, TESTS_DIR, GAPS_DIR] {
        match list(&root.join(dir)) {
            Ok(entries) => listed.extend(
                entries
                    .into_iter()
                    .filter(|(_, is_dir)| !is_dir)
                    .filter_map(|(p, _)| relative(root, &p)),
            ),
            Err(e) => unreadable.push((dir.to_string(), e.to_string())),
        }
    }
    let mut files = Vec::new();
    for rel in &listed {
        let Some(kind) = classify(rel) else { continue };
        if !want(rel, kind) {
            continue;
        }
        let Some(content) = read_content(root, rel) else {
            continue;
        };
        match &content {
            Content::Unreadable(why) => unreadable.push((rel.clone(), why.clone())),
            Content::TooLarge(_) => unreadable.push((rel.clone(), "too large".to_string())),
            _ => {}
        }
        files.push((rel.clone(), kind, content));
    }
    unreadable.sort();
    DiskState {
        listed,
        layer_sources,
        unreadable,
        files,
    }
}

/// A file to check.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    pub kind: FileKind,
    /// The path as it will be printed (as given, or under the folder given).
    pub display: PathBuf,
    /// The workspace root and the path relative to it, if inside one.
    pub workspace: Option<(PathBuf, String)>,
    /// Named on the command line (rather than found in a folder): read
    /// wherever it leads, as asked. Files found in a folder of a workspace
    /// are read only if they resolve inside it.
    pub named: bool,
}

impl Target {
    /// The file's bytes (see [`crate::files`]).
    pub fn read(&self) -> Result<Vec<u8>, ReadError> {
        let limit = MAX_FILE_SIZE as u64;
        match &self.workspace {
            Some((root, _)) if !self.named => files::read_in_workspace(root, &self.display, limit),
            _ => files::read_regular(&self.display, limit),
        }
    }
}

/// What a command-line path holds: the files to check, and the folders that
/// could not be read (with the reason).
#[derive(Debug, Default)]
pub struct Found {
    pub targets: Vec<Target>,
    pub unreadable: Vec<(PathBuf, String)>,
}

/// The files to check for one command-line path. An error when the path
/// does not exist at all (or names a file that is not a config or a spec).
pub fn targets(path: &Path) -> Result<Found, String> {
    // A symbolic link that leads nowhere still names a file (reading it
    // gives a finding); only a path with nothing at all is an error.
    let meta = std::fs::metadata(path)
        .or_else(|_| std::fs::symlink_metadata(path))
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let root = find_root(path);
    let mut found = Found::default();
    if !meta.is_dir() {
        let rel = root.as_ref().and_then(|r| relative(r, path));
        let kind = rel
            .as_deref()
            .and_then(classify)
            .or_else(|| classify_loose(&path.to_string_lossy()))
            .ok_or_else(|| {
                format!(
                    "`{}` is not a model config (.json) or a test spec (.md)",
                    path.display()
                )
            })?;
        found.targets.push(Target {
            kind,
            display: path.to_path_buf(),
            workspace: root.zip(rel),
            named: true,
        });
        return Ok(found);
    }
    // A folder: every workspace file below it (the standard layout is
    // shallow). Folders reached twice (through symbolic links) are read once.
    let mut stack = vec![path.to_path_buf()];
    let mut visited: HashSet<PathBuf> = HashSet::new();
    if let Ok(c) = path.canonicalize() {
        visited.insert(c);
    }
    while let Some(dir) = stack.pop() {
        let entries = match list(&dir) {
            Ok(e) => e,
            Err(e) => {
                found.unreadable.push((dir, e.to_string()));
                continue;
            }
        };
        for (p, is_dir) in entries {
            if is_dir {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let skip = name.starts_with('.') || name == "node_modules" || name == "target";
                let fresh = p.canonicalize().is_ok_and(|c| visited.insert(c));
                if !skip && fresh && visited.len() < 10_000 {
                    stack.push(p);
                }
                continue;
            }
            let rel = root.as_ref().and_then(|r| relative(r, &p));
            if let Some(kind) = rel.as_deref().and_then(classify) {
                found.targets.push(Target {
                    kind,
                    display: p.clone(),
                    workspace: root.clone().zip(rel),
                    named: false,
                });
            }
        }
    }
    found.targets.sort();
    found.unreadable.sort();
    Ok(found)
}
