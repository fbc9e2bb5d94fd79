//! One analysis of a workspace, shared by the command line and the language
//! server (in the spirit of rust-analyzer's `AnalysisHost`/`Analysis`).
//!
//! [`AnalysisHost`] holds the inputs — each file's content (the text on
//! disk, and over it the unsaved text of an open document, which wins
//! everywhere, cross-file checks included), the layer sources (the
//! catalog), what could not be read, the Hugging Face answers, the rule
//! severities — and is their single writer. Every change gives a new
//! generation and returns the files whose results it may change
//! ([`Affected`]), along the real dependencies:
//!
//! | change | may change the results of |
//! |--------|---------------------------|
//! | a config's text | the config; every gap report (which configs name it, their dimensions) |
//! | a spec's text | the spec; every gap report (its suite) |
//! | a gap report's text | the report |
//! | a file appears or goes | the file; every config (`gap_report` exists); every gap report (its suite) |
//! | `backend/layers/*.py` | every config; every gap report (unknown classes are gaps) |
//! | a Hugging Face answer for a model | the configs that name that model |
//! | severities, unreadable folders | every file |
//!
//! [`Analysis`] is a frozen state (cheap to clone, `Send + Sync`) that
//! answers queries: diagnostics, hover, completion, symbols... A file is
//! read (parsed) once per version. A file's diagnostics are kept with a
//! record of what they read — the revisions of the file and of the inputs,
//! the answers of "does this file exist", the gap-report facts of the other
//! files — and reused as long as those are unchanged, so a change recomputes
//! only what depends on it, and an affected file whose inputs did not
//! really change (a config edit that leaves a report's facts as they were)
//! costs a comparison.
//!
//! Each file has a stamp: the generation of the last change that affected
//! it. A result computed from an [`Analysis`] of generation `g` is the
//! latest one for a file while the file's stamp is at most `g`
//! ([`AnalysisHost::is_current`]); a caller that computes off the writer
//! (the server) publishes only those, so that a slow computation started
//! before a change never replaces a result computed after it.
//!
//! No I/O: the edges read files and pass their contents in.

mod diagnostics;
mod input;
mod parsed;
#[cfg(test)]
mod tests;

pub use diagnostics::{FileDiagnostics, is_global};
pub use input::{Content, HubOutcome, Scope};

use crate::FileKind;
use diagnostics::Memo;
use input::{Db, FileData, HubEntry, Slot};
use mantile_config::Catalog;
use mantile_diag::SeverityOverrides;
pub(crate) use parsed::Parsed;
use parsed::{Facts, GapIndex};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// The files whose results a change may have changed (present or gone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Affected(pub BTreeSet<Arc<str>>);

impl Affected {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<str>> {
        self.0.iter()
    }

    pub fn contains(&self, path: &str) -> bool {
        self.0.contains(path)
    }

    pub fn extend(&mut self, other: Affected) {
        self.0.extend(other.0);
    }
}

/// A whole reading of a workspace from disk (see [`AnalysisHost::set_disk`]).
#[derive(Clone, Debug, Default)]
pub struct DiskState {
    /// Every file of the folders the checks look in (configs, tests, gap
    /// reports), of any kind, relative to the root: for "does it exist".
    pub listed: Vec<String>,
    /// `(relative path, text)` of each `backend/layers/*.py`, or `None` when
    /// that folder does not exist (the built-in catalog is used).
    pub layer_sources: Option<Vec<(String, String)>>,
    /// Folders and files that could not be read, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// The Mantile files read, with their kind and content. Files not given
    /// here are not known (the command line reads only what it checks and
    /// what that depends on).
    pub files: Vec<(String, FileKind, Content)>,
}

/// What a file's checks read besides the file itself, for a caller that
/// loads files on demand (the command line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dependencies {
    /// The layer catalog (`backend/layers/*.py`).
    pub catalog: bool,
    /// Every config of the workspace (a gap report: which configs name it).
    pub all_configs: bool,
    /// Other files, by relative path (a gap report's suite).
    pub files: Vec<String>,
}

/// The inputs of an analysis and their single writer (see the module's
/// documentation). A server holds one per workspace folder.
pub struct AnalysisHost {
    db: Arc<Db>,
    memo: Arc<Memo>,
    /// The generation of the last change that affected each file.
    stamps: HashMap<Arc<str>, u64>,
    /// Unique revisions of files and inputs.
    revisions: u64,
}

impl AnalysisHost {
    /// A host for a workspace folder, or for files named outside any.
    pub fn new(scope: Scope) -> AnalysisHost {
        AnalysisHost {
            db: Arc::new(Db::new(scope)),
            memo: Arc::default(),
            stamps: HashMap::new(),
            revisions: 0,
        }
    }

    /// A host whose files are each checked once (the command line), not
    /// again as they change (a server): the checks then skip what only pays
    /// off on a file's next version, and may spend a thread on a large file
    /// (see `mantile_config::ConfigContext::one_shot`). The findings are the
    /// same.
    pub fn one_shot(scope: Scope) -> AnalysisHost {
        let mut host = AnalysisHost::new(scope);
        Arc::make_mut(&mut host.db).one_shot = true;
        host
    }

    /// A frozen state to query, off the writer if need be.
    pub fn analysis(&self) -> Analysis {
        Analysis {
            db: self.db.clone(),
            memo: self.memo.clone(),
        }
    }

    pub fn generation(&self) -> u64 {
        self.db.generation
    }

    /// The generation of the last change that may have changed `path`'s
    /// results (0: none since the host was made).
    pub fn stamp(&self, path: &str) -> u64 {
        self.stamps.get(path).copied().unwrap_or(0)
    }

    /// Whether results for `path` computed from an analysis of `generation`
    /// are still the latest: no change since has affected the file.
    pub fn is_current(&self, path: &str, generation: u64) -> bool {
        self.stamp(path) <= generation
    }

    /// Makes the change `f` to a copy of the state (shared with no snapshot
    /// if none is alive) under a new generation, and stamps what it affects.
    fn change(&mut self, f: impl FnOnce(&mut Db, &mut u64) -> Affected) -> Affected {
        let mut revisions = self.revisions;
        let db = Arc::make_mut(&mut self.db);
        db.generation += 1;
        let affected = f(db, &mut revisions);
        self.revisions = revisions;
        let generation = db.generation;
        for path in affected.iter() {
            self.stamps.insert(path.clone(), generation);
        }
        // Forget what gone files left behind.
        let gone: Vec<Arc<str>> = affected
            .iter()
            .filter(|p| !self.db.files.contains_key(&***p))
            .cloned()
            .collect();
        if !gone.is_empty() {
            self.memo.forget(&gone);
        }
        affected
    }

    // ----- files -----

    /// Records a file's content on disk (created or changed).
    pub fn set_disk_file(&mut self, path: &str, kind: FileKind, content: Content) -> Affected {
        self.change(|db, rev| {
            let path: Arc<str> = path.into();
            let appeared = !db.listed.contains(&path);
            let slot = db.files.get(&path);
            if slot
                .and_then(|s| s.disk.as_ref())
                .is_some_and(|f| f.content == content && f.kind == kind)
            {
                return Affected::default();
            }
            let shadowed = slot.is_some_and(|s| s.open.is_some());
            *rev += 1;
            let file = Arc::new(FileData::new(path.clone(), kind, content, *rev, None));
            Arc::make_mut(&mut db.files)
                .entry(path.clone())
                .or_default()
                .disk = Some(file);
            if appeared {
                Arc::make_mut(&mut db.listed).insert(path.clone());
            }
            let mut affected = Affected::default();
            if appeared {
                affected.extend(existence_dependents(db, &path));
            }
            if !shadowed {
                affected.extend(content_dependents(db, &path, kind));
            }
            affected
        })
    }

    /// Records that a file is gone from disk (an open document stays).
    pub fn remove_disk_file(&mut self, path: &str) -> Affected {
        self.change(|db, _| {
            let listed = Arc::make_mut(&mut db.listed).remove(path);
            let mut affected = Affected::default();
            let files = Arc::make_mut(&mut db.files);
            let mut kind = None;
            let mut shadowed = false;
            if let Some(slot) = files.get_mut(path) {
                kind = slot.disk.take().map(|f| f.kind);
                shadowed = slot.open.is_some();
                if slot.open.is_none() {
                    files.remove(path);
                }
            }
            let path: Arc<str> = path.into();
            if listed {
                affected.extend(existence_dependents(db, &path));
            }
            if let Some(kind) = kind
                && !shadowed
            {
                affected.extend(content_dependents(db, &path, kind));
            }
            affected
        })
    }

    /// An editor opened a document (its text wins over the disk's).
    pub fn open(&mut self, path: &str, kind: FileKind, text: &str, version: i32) -> Affected {
        self.change(|db, rev| {
            let path: Arc<str> = path.into();
            let existed = db.exists(&path);
            *rev += 1;
            let file = Arc::new(FileData::new(
                path.clone(),
                kind,
                Content::text(text),
                *rev,
                Some(version),
            ));
            Arc::make_mut(&mut db.files)
                .entry(path.clone())
                .or_default()
                .open = Some(file);
            if kind == FileKind::TestSpec {
                Arc::make_mut(&mut db.spec_caches).insert(path.clone(), Arc::default());
            }
            let mut affected = content_dependents(db, &path, kind);
            if !existed {
                affected.extend(existence_dependents(db, &path));
            }
            affected
        })
    }

    /// An open document's new text and version.
    pub fn edit(&mut self, path: &str, text: &str, version: i32) -> Affected {
        let kind = match self.db.files.get(path).and_then(|s| s.open.as_ref()) {
            Some(f) => f.kind,
            None => return Affected::default(),
        };
        self.change(|db, rev| {
            let path: Arc<str> = path.into();
            *rev += 1;
            let file = Arc::new(FileData::new(
                path.clone(),
                kind,
                Content::text(text),
                *rev,
                Some(version),
            ));
            if let Some(slot) = Arc::make_mut(&mut db.files).get_mut(&path) {
                slot.open = Some(file);
            }
            content_dependents(db, &path, kind)
        })
    }

    /// An editor closed a document: the disk's content is the file again.
    pub fn close(&mut self, path: &str) -> Affected {
        let Some(kind) = self
            .db
            .files
            .get(path)
            .and_then(|s| s.open.as_ref())
            .map(|f| f.kind)
        else {
            return Affected::default();
        };
        self.change(|db, _| {
            let path: Arc<str> = path.into();
            let files = Arc::make_mut(&mut db.files);
            let mut gone = false;
            if let Some(slot) = files.get_mut(&path) {
                slot.open = None;
                if slot.disk.is_none() {
                    files.remove(&path);
                    gone = true;
                }
            }
            Arc::make_mut(&mut db.spec_caches).remove(&path);
            let mut affected = content_dependents(db, &path, kind);
            if gone && !db.listed.contains(&path) {
                affected.extend(existence_dependents(db, &path));
            }
            affected
        })
    }

    /// Replaces everything known from disk by a new reading of it: the
    /// listing, the layer sources, what could not be read, and the files'
    /// contents (open documents stay as the editor has them). Only what
    /// differs from the last reading counts as changed.
    pub fn set_disk(&mut self, disk: DiskState) -> Affected {
        self.change(|db, rev| {
            let mut affected = Affected::default();
            let mut catalog_changed = false;
            let mut everything = false;
            // The listing.
            let listed: HashSet<Arc<str>> = disk.listed.iter().map(|p| Arc::from(&**p)).collect();
            let appeared: Vec<Arc<str>> = listed.difference(&db.listed).cloned().collect();
            let vanished: Vec<Arc<str>> = db.listed.difference(&listed).cloned().collect();
            let listing_changed = !appeared.is_empty() || !vanished.is_empty();
            if listing_changed {
                db.listed = Arc::new(listed);
            }
            // What could not be read.
            if *db.unreadable != disk.unreadable {
                *rev += 1;
                db.unreadable = Arc::new(disk.unreadable);
                db.unreadable_revision = *rev;
                everything = true;
                catalog_changed = true;
            }
            // The layer sources.
            if db.layer_sources.as_deref() != disk.layer_sources.as_ref() {
                db.layer_sources = disk.layer_sources.map(Arc::new);
                catalog_changed = true;
            }
            if catalog_changed {
                *rev += 1;
                db.catalog = Arc::new(db.build_catalog());
                db.catalog_revision = *rev;
                db.gap_index = Arc::default();
            }
            // The files.
            let mut seen: HashSet<Arc<str>> = HashSet::new();
            let mut changed: Vec<(Arc<str>, FileKind)> = Vec::new();
            {
                let files = Arc::make_mut(&mut db.files);
                for (path, kind, content) in disk.files {
                    let path: Arc<str> = path.into();
                    seen.insert(path.clone());
                    let slot = files.entry(path.clone()).or_default();
                    if slot
                        .disk
                        .as_ref()
                        .is_some_and(|f| f.content == content && f.kind == kind)
                    {
                        continue;
                    }
                    *rev += 1;
                    slot.disk = Some(Arc::new(FileData::new(
                        path.clone(),
                        kind,
                        content,
                        *rev,
                        None,
                    )));
                    if slot.open.is_none() {
                        changed.push((path, kind));
                    }
                }
                let gone: Vec<Arc<str>> = files
                    .iter()
                    .filter(|(p, s)| s.disk.is_some() && !seen.contains(*p))
                    .map(|(p, _)| p.clone())
                    .collect();
                for path in gone {
                    let Some(slot) = files.get_mut(&path) else {
                        continue;
                    };
                    let kind = slot.disk.take().map(|f| f.kind);
                    if slot.open.is_none() {
                        files.remove(&path);
                        if let Some(kind) = kind {
                            changed.push((path, kind));
                        }
                    }
                }
            }
            if everything {
                affected.0.extend(db.files.keys().cloned());
            } else {
                if catalog_changed {
                    affected.extend(all_of(db, FileKind::Config));
                    affected.extend(all_of(db, FileKind::GapReport));
                }
                for path in appeared.iter().chain(&vanished) {
                    affected.extend(existence_dependents(db, path));
                }
                for (path, kind) in &changed {
                    affected.extend(content_dependents(db, path, *kind));
                }
            }
            affected
        })
    }

    // ----- other inputs -----

    /// The layer sources (`None`: no `backend/layers`, the built-in catalog).
    pub fn set_layer_sources(&mut self, sources: Option<Vec<(String, String)>>) -> Affected {
        if self.db.layer_sources.as_deref() == sources.as_ref() {
            return Affected::default();
        }
        self.change(|db, rev| {
            db.layer_sources = sources.map(Arc::new);
            *rev += 1;
            db.catalog = Arc::new(db.build_catalog());
            db.catalog_revision = *rev;
            db.gap_index = Arc::default();
            let mut affected = all_of(db, FileKind::Config);
            affected.extend(all_of(db, FileKind::GapReport));
            affected
        })
    }

    /// A Hugging Face answer for `repo`: the configs naming it are affected.
    pub fn set_hub_outcome(&mut self, repo: &str, outcome: HubOutcome) -> Affected {
        let naming = self.analysis().configs_naming(repo);
        self.change(|db, rev| {
            *rev += 1;
            Arc::make_mut(&mut db.hub).insert(
                repo.to_string(),
                HubEntry {
                    revision: *rev,
                    outcome,
                },
            );
            Affected(naming.into_iter().collect())
        })
    }

    /// Forgets every Hugging Face answer (new Hub settings).
    pub fn clear_hub(&mut self) -> Affected {
        if self.db.hub.is_empty() {
            return Affected::default();
        }
        self.change(|db, _| {
            db.hub = Arc::default();
            all_of(db, FileKind::Config)
        })
    }

    /// Whether the Hugging Face cross-checks run at all.
    pub fn set_hub_enabled(&mut self, enabled: bool) -> Affected {
        if self.db.hub_enabled == enabled {
            return Affected::default();
        }
        self.change(|db, _| {
            db.hub_enabled = enabled;
            all_of(db, FileKind::Config)
        })
    }

    /// Rule severities: every result changes (unless they are the same).
    pub fn set_overrides(&mut self, overrides: SeverityOverrides) -> Affected {
        if *self.db.overrides == overrides {
            return Affected::default();
        }
        self.change(|db, rev| {
            *rev += 1;
            db.overrides = Arc::new(overrides);
            db.overrides_revision = *rev;
            Affected(db.files.keys().cloned().collect())
        })
    }
}

/// Every current file of one kind.
fn all_of(db: &Db, kind: FileKind) -> Affected {
    Affected(db.of_kind(kind).map(|f| f.path.clone()).collect())
}

/// What a change of `path`'s content (a file of `kind`) affects.
fn content_dependents(db: &mut Db, path: &Arc<str>, kind: FileKind) -> Affected {
    let mut affected = Affected::default();
    affected.0.insert(path.clone());
    match kind {
        FileKind::Config => {
            db.gap_index = Arc::default();
            affected.extend(all_of(db, FileKind::GapReport));
        }
        FileKind::TestSpec => affected.extend(all_of(db, FileKind::GapReport)),
        FileKind::GapReport => {}
    }
    affected
}

/// What a file's appearing or going affects (besides its content).
fn existence_dependents(db: &Db, path: &Arc<str>) -> Affected {
    let mut affected = all_of(db, FileKind::Config);
    affected.extend(all_of(db, FileKind::GapReport));
    if db.files.contains_key(path) {
        affected.0.insert(path.clone());
    }
    affected
}

/// A frozen state of the inputs, to query (see the module's documentation).
#[derive(Clone)]
pub struct Analysis {
    db: Arc<Db>,
    memo: Arc<Memo>,
}

impl Analysis {
    /// The generation this state is.
    pub fn generation(&self) -> u64 {
        self.db.generation
    }

    pub fn scope(&self) -> Scope {
        self.db.scope
    }

    /// Every Mantile file known (configs, specs, gap reports), in path order.
    pub fn files(&self) -> Vec<(Arc<str>, FileKind)> {
        self.db
            .files
            .values()
            .filter_map(Slot::current)
            .map(|f| (f.path.clone(), f.kind))
            .collect()
    }

    pub fn kind(&self, path: &str) -> Option<FileKind> {
        Some(self.db.file(path)?.kind)
    }

    /// The text a file's results refer to (the open document's, else the
    /// disk's; the lossy decoding of bytes that are not UTF-8).
    pub fn text(&self, path: &str) -> Option<Arc<str>> {
        Some(self.db.file(path)?.content.shown())
    }

    /// What a file holds (the open document's text, else the disk's).
    pub fn content(&self, path: &str) -> Option<Content> {
        Some(self.db.file(path)?.content.clone())
    }

    /// The files of one kind the disk listing holds (read or not), in path
    /// order.
    pub fn listed(&self, kind: FileKind) -> Vec<Arc<str>> {
        let mut v: Vec<Arc<str>> = self
            .db
            .listed
            .iter()
            .filter(|p| crate::classify(p) == Some(kind))
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// The client's version of an open document.
    pub fn version(&self, path: &str) -> Option<i32> {
        self.db.file(path)?.version
    }

    pub fn is_open(&self, path: &str) -> bool {
        self.db.files.get(path).is_some_and(|s| s.open.is_some())
    }

    /// Whether a workspace file exists (on disk, or open).
    pub fn exists(&self, path: &str) -> bool {
        self.db.exists(path)
    }

    pub fn catalog(&self) -> &Catalog {
        &self.db.catalog
    }

    /// Folders and files that could not be read, with the reason.
    pub fn unreadable(&self) -> &[(String, String)] {
        &self.db.unreadable
    }

    /// The Hugging Face id a config names, if it is one.
    pub fn hf_model_id(&self, path: &str) -> Option<String> {
        let file = self.db.file(path)?;
        (file.kind == FileKind::Config)
            .then(|| self.facts(file).hf_model_id.clone())
            .flatten()
    }

    /// The Hugging Face answer recorded for `repo`.
    pub fn hub_outcome(&self, repo: &str) -> Option<HubOutcome> {
        self.db.hub.get(repo).map(|e| e.outcome.clone())
    }

    /// The configs whose `hf_model_id` is `repo`.
    pub fn configs_naming(&self, repo: &str) -> Vec<Arc<str>> {
        self.db
            .of_kind(FileKind::Config)
            .filter(|f| self.facts(f).hf_model_id.as_deref() == Some(repo))
            .map(|f| f.path.clone())
            .collect()
    }

    /// The workspace's gap bookkeeping: every layer that needs a report, and
    /// every suite (for the §6 registry).
    pub fn gap_workspace(&self) -> mantile_gap::GapWorkspace {
        mantile_gap::GapWorkspace {
            refs: self.gap_index().refs.clone(),
            suites: self
                .db
                .of_kind(FileKind::TestSpec)
                .filter_map(|f| {
                    let suite = self.facts(f).suite.clone()?;
                    Some((f.path.to_string(), (*suite).clone()))
                })
                .collect(),
        }
    }

    /// What `path`'s checks read besides the file itself.
    pub fn dependencies(&self, path: &str) -> Dependencies {
        let Some(file) = self.db.file(path) else {
            return Dependencies::default();
        };
        if self.db.scope == Scope::Loose {
            return Dependencies::default();
        }
        match file.kind {
            FileKind::Config => Dependencies {
                catalog: true,
                ..Default::default()
            },
            FileKind::TestSpec => Dependencies::default(),
            FileKind::GapReport => Dependencies {
                catalog: true,
                all_configs: true,
                files: self.facts(file).suite_path.clone().into_iter().collect(),
            },
        }
    }

    fn parsed<'a>(&self, file: &'a FileData) -> &'a Parsed {
        file.parsed.get_or_init(|| Parsed::of(file, &self.db))
    }

    /// What other files need from `file`, for the current catalog.
    fn facts(&self, file: &FileData) -> Arc<Facts> {
        let catalog_revision = match file.kind {
            FileKind::Config => self.db.catalog_revision,
            _ => 0,
        };
        let mut slot = file.facts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((rev, facts)) = &*slot
            && *rev == catalog_revision
        {
            return facts.clone();
        }
        let facts = Arc::new(Facts::of(file, self.parsed(file), &self.db.catalog));
        *slot = Some((catalog_revision, facts.clone()));
        facts
    }

    fn gap_index(&self) -> Arc<GapIndex> {
        self.db
            .gap_index
            .get_or_init(|| {
                let mut index = GapIndex::default();
                for f in self.db.of_kind(FileKind::Config) {
                    for r in &self.facts(f).gap_refs {
                        if let Some(report) = &r.report {
                            index
                                .by_report
                                .entry(report.clone())
                                .or_default()
                                .push(index.refs.len());
                        }
                        index.refs.push(r.clone());
                    }
                }
                Arc::new(index)
            })
            .clone()
    }

    /// A file's syntax, read once per version.
    pub(crate) fn parsed_of(&self, path: &str) -> Option<Parsed> {
        let file = self.db.file(path)?;
        Some(self.parsed(file).clone())
    }

    /// A config's syntax tree (also when it has syntax errors).
    pub(crate) fn tree(&self, path: &str) -> Option<Arc<mantile_json::Tree>> {
        self.parsed_of(path)?.tree().cloned()
    }

    pub(crate) fn hub_enabled(&self) -> bool {
        self.db.hub_enabled
    }

    /// Every suite of the workspace.
    pub(crate) fn suites(&self) -> Vec<Arc<mantile_gap::Suite>> {
        self.db
            .of_kind(FileKind::TestSpec)
            .filter_map(|f| self.facts(f).suite.clone())
            .collect()
    }

    /// The suite at `path`, if it is a spec the analysis knows.
    fn suite(&self, path: &str) -> Option<Arc<mantile_gap::Suite>> {
        let file = self.db.file(path)?;
        (file.kind == FileKind::TestSpec)
            .then(|| self.facts(file).suite.clone())
            .flatten()
    }
}

/// A workspace host holding `files` (`(relative path, text)`: the Mantile
/// files by their kind, `backend/layers/*.py` as layer sources), for tests.
#[cfg(test)]
pub(crate) fn fixture_host(files: &[(&str, &str)]) -> AnalysisHost {
    fixture_into(AnalysisHost::new(Scope::Workspace), files)
}

/// [`fixture_host`] with a host of the caller's.
#[cfg(test)]
pub(crate) fn fixture_into(mut host: AnalysisHost, files: &[(&str, &str)]) -> AnalysisHost {
    let sources: Vec<(String, String)> = files
        .iter()
        .filter(|(p, _)| p.starts_with("backend/layers/") && p.ends_with(".py"))
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    host.set_disk(DiskState {
        listed: files.iter().map(|(p, _)| p.to_string()).collect(),
        layer_sources: (!sources.is_empty()).then_some(sources),
        unreadable: Vec::new(),
        files: files
            .iter()
            .filter_map(|(p, t)| Some((p.to_string(), crate::classify(p)?, Content::text(*t))))
            .collect(),
    });
    host
}
