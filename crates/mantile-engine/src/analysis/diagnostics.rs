//! A file's diagnostics, computed once per state of what they read, and the
//! record of what that was.

use super::Analysis;
use super::input::{FileData, Scope};
use super::parsed::Parsed;
use crate::{CONFIG_DIR, FileKind, TESTS_DIR};
use mantile_config::{ConfigContext, WorkspaceFiles};
use mantile_diag::{Diagnostic, sort_diagnostics};
use mantile_gap::{GapRef, Suite};
use mantile_spec::SpecStats;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The findings for one file version.
#[derive(Debug)]
pub struct FileDiagnostics {
    pub path: Arc<str>,
    pub kind: FileKind,
    /// The client's version of an open document (`None`: the disk's text).
    pub version: Option<i32>,
    /// The text the ranges are in (the lossy decoding of a file that is not
    /// UTF-8; empty for one that could not be read).
    pub text: Arc<str>,
    pub diagnostics: Vec<Diagnostic>,
    /// Claim counts, for test specs.
    pub stats: Option<SpecStats>,
    /// A config's model whose Hugging Face answer these checks would use
    /// and is not known yet: the caller may fetch it and record it
    /// ([`super::AnalysisHost::set_hub_outcome`]).
    pub wants_hub: Option<String>,
}

/// What one file's diagnostics read, to tell whether they still hold.
#[derive(Clone, Debug, PartialEq)]
struct Record {
    file: u64,
    overrides: u64,
    inputs: Inputs,
}

#[derive(Clone, Debug, PartialEq)]
enum Inputs {
    /// The file alone (a spec, a file that cannot be read).
    Own,
    Config {
        catalog: u64,
        unreadable: u64,
        hub_enabled: bool,
        /// The revision of the Hub answer used, if any.
        hub: Option<u64>,
        /// Each "does this file exist" asked, with its answer.
        exists: Vec<(String, bool)>,
    },
    Gap {
        unreadable: u64,
        /// The layers that name the report.
        refs: Vec<GapRef>,
        /// The report's suite.
        suite: Option<Arc<Suite>>,
    },
}

/// A result with the record of what it read.
type Entry = (Record, Arc<FileDiagnostics>);

/// The diagnostics computed so far, one entry per file (its latest).
#[derive(Default)]
pub(crate) struct Memo {
    entries: Mutex<HashMap<Arc<str>, Entry>>,
}

impl Memo {
    pub fn forget(&self, paths: &[Arc<str>]) {
        let mut e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        for p in paths {
            e.remove(p);
        }
    }
}

/// `WorkspaceFiles` answered by the analysis, each answer recorded.
struct Recorder<'a> {
    analysis: &'a Analysis,
    asked: RefCell<Vec<(String, bool)>>,
}

impl WorkspaceFiles for Recorder<'_> {
    fn exists(&self, rel_path: &str) -> bool {
        let answer = self.analysis.db.exists(rel_path);
        self.asked.borrow_mut().push((rel_path.to_string(), answer));
        answer
    }
}

impl Analysis {
    /// A file's diagnostics (`None`: not a file the analysis knows).
    pub fn diagnostics(&self, path: &str) -> Option<Arc<FileDiagnostics>> {
        let file = self.db.file(path)?.clone();
        let cached = self
            .memo
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned();
        if let Some((record, result)) = cached
            && self.still_holds(&file, &record)
        {
            return Some(result);
        }
        let (record, result) = self.compute(&file);
        let result = Arc::new(result);
        self.memo
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(file.path.clone(), (record, result.clone()));
        Some(result)
    }

    /// The layers naming `report` and its suite, as its check reads them.
    fn gap_inputs(&self, file: &FileData) -> (Vec<GapRef>, Option<Arc<Suite>>) {
        let refs = self.gap_index().refs_to(&file.path).cloned().collect();
        let suite = self
            .facts(file)
            .suite_path
            .as_deref()
            .and_then(|p| self.suite(p));
        (refs, suite)
    }

    fn hub_revision(&self, file: &FileData) -> Option<u64> {
        if !self.db.hub_enabled {
            return None;
        }
        let repo = self.facts(file).hf_model_id.clone()?;
        Some(self.db.hub.get(&repo)?.revision)
    }

    fn still_holds(&self, file: &FileData, record: &Record) -> bool {
        if record.file != file.revision || record.overrides != self.db.overrides_revision {
            return false;
        }
        match &record.inputs {
            Inputs::Own => true,
            Inputs::Config {
                catalog,
                unreadable,
                hub_enabled,
                hub,
                exists,
            } => {
                *catalog == self.db.catalog_revision
                    && *unreadable == self.db.unreadable_revision
                    && *hub_enabled == self.db.hub_enabled
                    && *hub == self.hub_revision(file)
                    && exists.iter().all(|(p, e)| self.db.exists(p) == *e)
            }
            Inputs::Gap {
                unreadable,
                refs,
                suite,
            } => {
                *unreadable == self.db.unreadable_revision && {
                    let (r, s) = self.gap_inputs(file);
                    r == *refs && s == *suite
                }
            }
        }
    }

    fn compute(&self, file: &FileData) -> (Record, FileDiagnostics) {
        let mut stats = None;
        let mut wants_hub = None;
        let overrides = &self.db.overrides;
        let workspace = self.db.scope == Scope::Workspace;
        let (mut diagnostics, inputs) = match (file.content.problem(), self.parsed(file)) {
            (Some(problem), _) => (vec![problem], Inputs::Own),
            (None, Parsed::Config(tree)) => {
                let file_name = file.path.rsplit('/').next().unwrap_or(&file.path);
                let recorder = Recorder {
                    analysis: self,
                    asked: RefCell::default(),
                };
                let ctx = ConfigContext {
                    file_stem: file_name.strip_suffix(".json"),
                    catalog: &self.db.catalog,
                    files: workspace.then_some(&recorder as &dyn WorkspaceFiles),
                    one_shot: self.db.one_shot,
                };
                let mut found = mantile_config::check_tree(tree, &ctx);
                let mut hub = None;
                if self.db.hub_enabled
                    && let Some(root) = tree.valid_root()
                    && let Some(repo) = self.facts(file).hf_model_id.clone()
                {
                    match self.db.hub.get(&repo) {
                        Some(entry) => {
                            hub = Some(entry.revision);
                            // A problem that is not the model's (no network,
                            // offline without a cache) is the caller's to
                            // report once, not in each config.
                            if !entry.outcome.as_ref().as_ref().err().is_some_and(is_global) {
                                found.extend(crate::hub_diagnostics_of(&root, &entry.outcome));
                            }
                        }
                        None => wants_hub = Some(repo),
                    }
                }
                (
                    found,
                    Inputs::Config {
                        catalog: self.db.catalog_revision,
                        unreadable: self.db.unreadable_revision,
                        hub_enabled: self.db.hub_enabled,
                        hub,
                        exists: recorder.asked.into_inner(),
                    },
                )
            }
            (None, Parsed::Spec(report)) => {
                stats = Some(report.stats);
                (report.diagnostics.clone(), Inputs::Own)
            }
            (None, Parsed::Gap(doc, spec)) => {
                let text = file.content.as_text().map(|t| &**t).unwrap_or_default();
                if workspace {
                    let (refs, suite) = self.gap_inputs(file);
                    let ws = mantile_gap::GapWorkspace {
                        refs: refs.clone(),
                        suites: suite
                            .iter()
                            .map(|s| (s.path.clone(), (**s).clone()))
                            .collect(),
                    };
                    let ctx = mantile_gap::GapContext {
                        path: &file.path,
                        workspace: Some(&ws),
                    };
                    let mut found = mantile_gap::check_parsed(text, doc, spec, &ctx);
                    found.retain(|d| !self.unknowable(d.rule.code));
                    (
                        found,
                        Inputs::Gap {
                            unreadable: self.db.unreadable_revision,
                            refs,
                            suite,
                        },
                    )
                } else {
                    let ctx = mantile_gap::GapContext {
                        path: &file.path,
                        workspace: None,
                    };
                    (
                        mantile_gap::check_parsed(text, doc, spec, &ctx),
                        Inputs::Own,
                    )
                }
            }
            (None, Parsed::None) => (Vec::new(), Inputs::Own),
        };
        overrides.apply(&mut diagnostics);
        sort_diagnostics(&mut diagnostics);
        (
            Record {
                file: file.revision,
                overrides: self.db.overrides_revision,
                inputs,
            },
            FileDiagnostics {
                path: file.path.clone(),
                kind: file.kind,
                version: file.version,
                text: file.content.shown(),
                diagnostics,
                stats,
                wants_hub,
            },
        )
    }

    /// Whether a gap report's finding `code` rests on files that could not
    /// be read: with part of `tests/` unreadable a suite may exist unseen
    /// (GR010 to GR012); with part of the configs unreadable a config may
    /// name the report (GR013).
    fn unknowable(&self, code: &str) -> bool {
        use mantile_gap::{
            MISSING_TEST_SUITE, ORPHANED_REPORT, TEST_SUITE_COVERAGE, TEST_SUITE_SIZE,
        };
        if [&MISSING_TEST_SUITE, &TEST_SUITE_SIZE, &TEST_SUITE_COVERAGE]
            .iter()
            .any(|r| r.code == code)
        {
            return self.db.partly_unreadable(TESTS_DIR);
        }
        code == ORPHANED_REPORT.code && self.db.partly_unreadable(CONFIG_DIR)
    }
}

/// Problems of the whole Hub rather than of one model (no network, offline
/// with nothing cached): said once by the caller, never in each config.
pub fn is_global(p: &crate::HubProblem) -> bool {
    matches!(
        p,
        crate::HubProblem::Network { .. } | crate::HubProblem::OfflineNoCache
    )
}
