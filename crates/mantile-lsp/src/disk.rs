//! Reading a Mantile workspace from disk into what the engine needs.

use mantile_engine::{
    CONFIG_DIR, FileKind, GAPS_DIR, LAYERS_DIR, Snapshot, TESTS_DIR, classify, classify_loose,
};
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

/// `path` relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let abs = std::path::absolute(path).ok()?;
    let rel = abs.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

fn list(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Builds the engine's snapshot of a workspace: the layer catalog from
/// `backend/layers/*.py` and the list of files the checks may look up.
pub fn snapshot(root: &Path) -> Snapshot {
    let layers_dir = root.join(LAYERS_DIR);
    let layer_sources: Option<Vec<(String, String)>> = layers_dir.is_dir().then(|| {
        list(&layers_dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "py"))
            .filter_map(|p| {
                let text = std::fs::read_to_string(&p).ok()?;
                Some((relative(root, &p)?, text))
            })
            .collect()
    });
    let mut files = Vec::new();
    for dir in [CONFIG_DIR, TESTS_DIR, GAPS_DIR] {
        for p in list(&root.join(dir)) {
            if p.is_file()
                && let Some(rel) = relative(root, &p)
            {
                files.push(rel);
            }
        }
    }
    let texts = |kind: FileKind| -> Vec<(String, String)> {
        files
            .iter()
            .filter(|f| classify(f) == Some(kind))
            .filter_map(|f| Some((f.clone(), read_text(&root.join(f))?)))
            .collect()
    };
    let (configs, specs) = (texts(FileKind::Config), texts(FileKind::TestSpec));
    Snapshot::new(layer_sources.as_deref(), files).with_texts(&configs, &specs)
}

/// The gap reports of a workspace: `(relative path, text)`.
pub fn gap_reports(root: &Path) -> Vec<(String, String)> {
    list(&root.join(GAPS_DIR))
        .into_iter()
        .filter_map(|p| {
            let rel = relative(root, &p)?;
            (classify(&rel) == Some(FileKind::GapReport)).then_some(())?;
            Some((rel, read_text(&p)?))
        })
        .collect()
}

/// A file's text, if it is a readable UTF-8 file of sane size.
fn read_text(p: &Path) -> Option<String> {
    let meta = std::fs::metadata(p).ok()?;
    if meta.len() > mantile_engine::MAX_FILE_SIZE as u64 {
        return None;
    }
    std::fs::read_to_string(p).ok()
}

/// A file to check.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    pub kind: FileKind,
    /// The path as it will be printed (as given, or under the folder given).
    pub display: PathBuf,
    /// The workspace root and the path relative to it, if inside one.
    pub workspace: Option<(PathBuf, String)>,
}

/// The files to check for one command-line path.
pub fn targets(path: &Path) -> Result<Vec<Target>, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let root = find_root(path);
    let mut out = Vec::new();
    if meta.is_file() {
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
        out.push(Target {
            kind,
            display: path.to_path_buf(),
            workspace: root.zip(rel),
        });
        return Ok(out);
    }
    // A folder: every workspace file below it (the standard layout is shallow).
    let mut stack = vec![path.to_path_buf()];
    let mut seen = 0usize;
    while let Some(dir) = stack.pop() {
        for p in list(&dir) {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if p.is_dir() {
                if !name.starts_with('.') && name != "node_modules" && name != "target" {
                    seen += 1;
                    if seen < 10_000 {
                        stack.push(p);
                    }
                }
                continue;
            }
            let rel = root.as_ref().and_then(|r| relative(r, &p));
            let kind = match &rel {
                Some(rel) => classify(rel),
                None => None,
            };
            if let Some(kind) = kind {
                out.push(Target {
                    kind,
                    display: p.clone(),
                    workspace: root.clone().zip(rel),
                });
            }
        }
    }
    out.sort();
    Ok(out)
}
