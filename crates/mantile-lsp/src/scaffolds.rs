//! The files a generated config brings with it: for every gap it names, the
//! gap report (§4.1 filled from the real tensors, §4.3 with the computed
//! mismatch) and its test suite, scaffolded as the editor's code action
//! does. Planned here, written (never over an existing file) by the caller.

use mantile_config::Catalog;
use mantile_config::generate::{Gap, GapTensor};
use mantile_config::hub::Generated;
use mantile_gap::scaffold::{Observed, ObservedTensor, gap_report_observed, test_suite};

/// A file to create, relative to the workspace root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub rel: String,
    pub content: String,
}

/// The tensors of a gap, for a scaffold's §4.1 and §4.2.
pub fn observed_tensors(tensors: &[GapTensor]) -> Vec<ObservedTensor> {
    tensors
        .iter()
        .map(|t| ObservedTensor {
            example: t.example.clone(),
            repeats: t.repeats.clone(),
            shape: t.shape.clone(),
            dtype: t.dtype.clone(),
            elements: t.elements,
        })
        .collect()
}

/// What the checkpoint shows about a gap, for the scaffold.
pub fn observed(g: &Gap) -> Observed {
    Observed {
        tensors: observed_tensors(&g.tensors),
        mismatch: g.mismatch.clone(),
        severity: Some(g.severity.to_string()),
        why: Some(format!("{}: {}.", g.feature, g.why)),
        config_layer: Some(g.layer.clone()),
        references: g.references.iter().map(|r| r.to_string()).collect(),
    }
}

/// Gives each gap of `generated` a report that documents this model.
///
/// A gap type's report is `model_builder/gaps/<slug>.md` (the guide's
/// `gaps/{layer_type}.md`). Its §4.1 tensors, §4.3 mismatch and its test
/// suite's numbers belong to one model, and `check` holds a report's tensor
/// shapes to the config that names it (GR004), so a second model with the
/// same gap gets a report of its own, `<slug>_<model_id>.md` (and
/// `tests/<slug>_<model_id>_tests.md`), rather than a report whose numbers
/// are another model's — and no existing file is ever rewritten or appended
/// to. `existing` reads a workspace file (`None`: absent). A report
/// documents a model when its `**Model**:` line names it.
pub fn assign_reports(generated: &mut Generated, existing: &dyn Fn(&str) -> Option<String>) {
    let repo = hf_model_id(&generated.text);
    let Some(repo) = repo else { return };
    let documents = |text: &str| {
        text.lines().any(|l| {
            l.strip_prefix("**Model**:")
                .map(str::trim_start)
                .and_then(|v| v.split_whitespace().next())
                == Some(repo.as_str())
        })
    };
    let slugs: Vec<String> = {
        let mut v: Vec<String> = generated.gaps.iter().map(|g| g.slug.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    for slug in slugs {
        let shared = format!("model_builder/gaps/{slug}.md");
        match existing(&shared) {
            None => continue,
            Some(text) if documents(&text) => continue,
            Some(_) => {}
        }
        let own = format!("{slug}_{}", generated.model_id);
        let own_path = format!("model_builder/gaps/{own}.md");
        generated.text = generated.text.replace(&shared, &own_path);
        for u in &mut generated.unsupported {
            *u = u.replace(&shared, &own_path);
        }
        for g in generated.gaps.iter_mut().filter(|g| g.slug == slug) {
            g.slug = own.clone();
        }
    }
}

/// A workspace file for [`assign_reports`], read only inside the workspace
/// (links followed must stay in it) and only if it is a regular file of a
/// sane size: `None` when nothing is at `rel`; a file that is there but
/// cannot be read so reads as empty, which documents no model (the gap gets
/// a report of its own rather than one nobody can vouch for).
pub fn workspace_file(root: &std::path::Path, rel: &str) -> Option<String> {
    let path = root.join(rel);
    std::fs::symlink_metadata(&path).ok()?;
    Some(
        crate::files::read_in_workspace(root, &path, mantile_engine::MAX_FILE_SIZE as u64)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default(),
    )
}

/// The config's `hf_model_id`.
fn hf_model_id(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    v.get("hf_model_id")?.as_str().map(str::to_string)
}

/// The report and suite of every gap of `generated` (each report once).
pub fn plan(generated: &Generated, catalog: &Catalog) -> Vec<Planned> {
    let mut out: Vec<Planned> = Vec::new();
    for g in &generated.gaps {
        let rel = g.report_path();
        if out.iter().any(|p| p.rel == rel) {
            continue;
        }
        let Some(mut input) = mantile_engine::scaffold_input(&generated.text, &g.layer, catalog)
        else {
            continue;
        };
        input.layer = g.slug.clone();
        input.parameters = Some(g.parameters);
        out.push(Planned {
            rel,
            content: gap_report_observed(&input, &observed(g)),
        });
        out.push(Planned {
            rel: g.suite_path(),
            content: test_suite(&input),
        });
    }
    out
}

/// Whether every file of `files` could be written inside `root` (see
/// [`write`]), checked before anything is written so that a refusal leaves
/// no config naming reports that are not there.
pub fn check_paths(root: &std::path::Path, files: &[Planned]) -> Result<(), String> {
    for f in files {
        crate::files::confine(root, &f.rel).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Writes `files` under `root`, each only if nothing is at its path yet
/// (a dangling link counts) and only inside the root: each path is plain and
/// relative, no folder on the way is a link that leads out, and the folders
/// that do not exist are made without following links
/// ([`crate::files::confine`], [`crate::files::write_new`]). Returns
/// (written, kept) workspace paths.
pub fn write(
    root: &std::path::Path,
    files: &[Planned],
) -> Result<(Vec<String>, Vec<String>), String> {
    use crate::files::{WriteError, confine, exists, write_new};
    let mut written = Vec::new();
    let mut kept = Vec::new();
    for f in files {
        let path = confine(root, &f.rel).map_err(|e| e.to_string())?;
        if exists(&path) {
            kept.push(f.rel.clone());
            continue;
        }
        match write_new(&path, f.content.as_bytes()) {
            Ok(()) => written.push(f.rel.clone()),
            Err(WriteError::Exists(_)) => kept.push(f.rel.clone()),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok((written, kept))
}
