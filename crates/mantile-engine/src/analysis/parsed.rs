//! What is read from one file version once, and what other files need from
//! it ([`Facts`]): a config's model id and the layers that need gap
//! reports; a spec's tests (a gap's suite); a gap report's suite path.

use super::input::{Db, FileData};
use crate::FileKind;
use mantile_config::Catalog;
use mantile_gap::{GapDoc, GapRef, Suite};
use mantile_json::Tree;
use mantile_spec::SpecReport;
use std::collections::HashMap;
use std::sync::Arc;

/// A file's syntax, read once per version.
#[derive(Clone)]
pub(crate) enum Parsed {
    Config(Arc<Tree>),
    Spec(Arc<SpecReport>),
    Gap(Arc<GapDoc>, Arc<SpecReport>),
    /// The file could not be read as text.
    None,
}

impl Parsed {
    pub fn of(file: &FileData, db: &Db) -> Parsed {
        let Some(text) = file.content.as_text() else {
            return Parsed::None;
        };
        match file.kind {
            FileKind::Config => Parsed::Config(Arc::new(mantile_json::parse_shared(text.clone()))),
            FileKind::TestSpec => {
                let cache = db.spec_caches.get(&file.path).cloned();
                // Two checks of one document may overlap (an edit arrives
                // while the previous version is checked): the later one
                // does not wait, it checks without the cache. A cache left by
                // a check that panicked is still sound (what it holds is
                // matched by text).
                let guard = cache.as_ref().and_then(|c| match c.try_lock() {
                    Ok(g) => Some(g),
                    Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
                    Err(std::sync::TryLockError::WouldBlock) => None,
                });
                let report = match guard {
                    Some(mut g) => mantile_spec::check_spec_cached(text, &mut g),
                    None => mantile_spec::check_spec(text),
                };
                Parsed::Spec(Arc::new(report))
            }
            FileKind::GapReport => Parsed::Gap(
                Arc::new(mantile_gap::parse(text)),
                Arc::new(mantile_spec::check_spec(text)),
            ),
        }
    }

    pub fn tree(&self) -> Option<&Arc<Tree>> {
        match self {
            Parsed::Config(t) => Some(t),
            _ => None,
        }
    }

    /// The spec engine's report: a spec's, or a gap report's calculations.
    pub fn spec(&self) -> Option<&Arc<SpecReport>> {
        match self {
            Parsed::Spec(r) | Parsed::Gap(_, r) => Some(r),
            _ => None,
        }
    }
}

/// What other files' checks need from one file version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    /// A config's Hugging Face id, when it is one (`org/name`).
    pub hf_model_id: Option<String>,
    /// A config's layers that need a gap report.
    pub gap_refs: Vec<GapRef>,
    /// A spec's tests, as a gap's suite.
    pub suite: Option<Arc<Suite>>,
    /// A gap report's suite (the one it links, else by its name).
    pub suite_path: Option<String>,
}

impl Facts {
    pub fn of(file: &FileData, parsed: &Parsed, catalog: &Catalog) -> Facts {
        let mut facts = Facts::default();
        match parsed {
            Parsed::Config(tree) => {
                if let Some(root) = tree.valid_root() {
                    facts.hf_model_id = model_id_of(&root);
                    facts.gap_refs = gap_refs(&file.path, &root, catalog);
                }
            }
            Parsed::Spec(report) => facts.suite = Some(Arc::new(suite(&file.path, report))),
            Parsed::Gap(doc, _) => {
                facts.suite_path = Some(mantile_gap::suite_path(&file.path, doc))
            }
            Parsed::None => {}
        }
        facts
    }
}

/// The Hugging Face id a config names (`hf_model_id`), if it is one.
pub(crate) fn model_id_of(root: &mantile_json::Node) -> Option<String> {
    let id = root.get("hf_model_id")?.as_str()?.trim();
    let (org, name) = id.split_once('/')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    };
    (ok(org) && ok(name)).then(|| id.to_string())
}

/// A spec's tests and their Expected results, as a gap's suite.
pub(crate) fn suite(path: &str, report: &SpecReport) -> Suite {
    Suite {
        path: path.to_string(),
        tests: report
            .tests
            .iter()
            .map(|t| (t.id.clone(), t.title.clone()))
            .collect(),
        expected: report
            .tests
            .iter()
            .map(|t| {
                let metrics = t
                    .expected
                    .iter()
                    .map(|m| (m.name.clone(), m.display()))
                    .collect();
                (t.id.clone(), metrics)
            })
            .collect(),
    }
}

/// The layers of one config that need a gap report: those marked
/// `supported: false`, those of a class the catalog lacks, and supported
/// ones that name a report (a known difference, such as a dimension
/// mismatch, documented as a gap).
pub(crate) fn gap_refs(path: &str, root: &mantile_json::Node, catalog: &Catalog) -> Vec<GapRef> {
    let config = mantile_config::Config::new(*root);
    let text = root.tree().text();
    let mut base = None;
    config
        .layers
        .iter()
        .filter_map(|l| {
            let class = l.class_str()?;
            let unsupported = l.supported == Some(false);
            if !unsupported && l.gap_report.is_none() && catalog.get(class).is_some() {
                return None;
            }
            let report = l.gap_report.filter(|g| g.as_str().is_some()).and_then(|g| {
                mantile_config::gap_report_path(g, &text[g.range.as_range()]).map(|(p, _)| p)
            });
            let base = *base.get_or_insert_with(|| config.dims());
            Some(GapRef {
                config: path.to_string(),
                layer: l.name_str().unwrap_or("?").to_string(),
                class: class.to_string(),
                count: l.count,
                report,
                marked_unsupported: unsupported,
                dims: l.dims().or(base),
            })
        })
        .collect()
}

/// The workspace's gap bookkeeping, from every config's facts.
#[derive(Debug, Default)]
pub(crate) struct GapIndex {
    /// Every layer that needs a report, in path order.
    pub refs: Vec<GapRef>,
    /// The indices in `refs` of the layers naming each report.
    pub by_report: HashMap<String, Vec<usize>>,
}

impl GapIndex {
    pub fn refs_to(&self, report: &str) -> impl Iterator<Item = &GapRef> {
        self.by_report
            .get(report)
            .into_iter()
            .flatten()
            .map(|&i| &self.refs[i])
    }
}
