//! The inputs of an analysis: file contents (disk, and open documents over
//! it), the layer catalog, what could not be read, Hugging Face answers and
//! rule severities. A [`Db`] is one state of them; [`super::AnalysisHost`]
//! changes it, [`super::Analysis`] reads a frozen copy.

use super::parsed::{Facts, Parsed};
use crate::{FileKind, HubFacts, HubProblem, INVALID_FILE, MAX_FILE_SIZE};
use mantile_config::Catalog;
use mantile_diag::{Diagnostic, SeverityOverrides, TextRange};
use mantile_spec::SpecCache;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

/// A Hugging Face answer for one model (the facts, or why there are none).
pub type HubOutcome = Arc<Result<HubFacts, HubProblem>>;

/// What a file holds, as the edge read it (or as the editor has it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// UTF-8 text.
    Text(Arc<str>),
    /// Bytes that are not UTF-8: their lossy decoding (what positions are
    /// converted against), and where the first bad byte is.
    NotUtf8 {
        lossy: Arc<str>,
        at: usize,
        len: usize,
        byte: u8,
    },
    /// Larger than [`MAX_FILE_SIZE`]: not read (its size in bytes).
    TooLarge(u64),
    /// Could not be read (why).
    Unreadable(String),
}

impl Content {
    /// A file's bytes: text when they are UTF-8 and within the size limit.
    pub fn from_bytes(bytes: Vec<u8>) -> Content {
        if bytes.len() > MAX_FILE_SIZE {
            return Content::TooLarge(bytes.len() as u64);
        }
        match String::from_utf8(bytes) {
            Ok(t) => Content::Text(t.into()),
            Err(e) => {
                let bytes = e.into_bytes();
                let err = std::str::from_utf8(&bytes).unwrap_err();
                let at = err.valid_up_to();
                let len = err.error_len().unwrap_or(bytes.len() - at);
                Content::NotUtf8 {
                    lossy: String::from_utf8_lossy(&bytes).into_owned().into(),
                    at,
                    len,
                    byte: bytes[at],
                }
            }
        }
    }

    /// Text that is known to be UTF-8 (an open document).
    pub fn text(text: impl Into<Arc<str>>) -> Content {
        Content::Text(text.into())
    }

    /// The text the checks read, if the file could be read as text.
    pub fn as_text(&self) -> Option<&Arc<str>> {
        match self {
            Content::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The text positions are converted against: the text, the lossy
    /// decoding of bytes that are not UTF-8, else nothing.
    pub fn shown(&self) -> Arc<str> {
        match self {
            Content::Text(t) => t.clone(),
            Content::NotUtf8 { lossy, .. } => lossy.clone(),
            _ => Arc::from(""),
        }
    }

    /// The one finding of a file that cannot be checked.
    pub(crate) fn problem(&self) -> Option<Diagnostic> {
        Some(match self {
            Content::Text(_) => return None,
            Content::NotUtf8 { at, len, byte, .. } => Diagnostic::new(
                &INVALID_FILE,
                TextRange::new(*at, at + len),
                format!("file is not valid UTF-8: invalid byte 0x{byte:02X} at offset {at}"),
            ),
            Content::TooLarge(len) => crate::too_large_file(*len),
            Content::Unreadable(why) => crate::unreadable_file(why),
        })
    }
}

/// One version of one file, with what is computed from it alone (kept as
/// long as the version is).
pub(crate) struct FileData {
    pub path: Arc<str>,
    pub kind: FileKind,
    pub content: Content,
    /// Unique across files and versions: a result computed from this file
    /// records it, and stays valid while the file keeps it.
    pub revision: u64,
    /// The client's version, for an open document.
    pub version: Option<i32>,
    /// The syntax (a config's tree, a spec's report, a gap report's
    /// sections), read once.
    pub parsed: OnceLock<Parsed>,
    /// What other files' checks need from this one, with the catalog
    /// revision it was computed with.
    pub facts: Mutex<Option<(u64, Arc<Facts>)>>,
}

impl FileData {
    pub fn new(
        path: Arc<str>,
        kind: FileKind,
        content: Content,
        revision: u64,
        version: Option<i32>,
    ) -> FileData {
        FileData {
            path,
            kind,
            content,
            revision,
            version,
            parsed: OnceLock::new(),
            facts: Mutex::new(None),
        }
    }
}

/// A file as the disk has it and as an open document has it: the open one
/// wins.
#[derive(Clone, Default)]
pub(crate) struct Slot {
    pub disk: Option<Arc<FileData>>,
    pub open: Option<Arc<FileData>>,
}

impl Slot {
    pub fn current(&self) -> Option<&Arc<FileData>> {
        self.open.as_ref().or(self.disk.as_ref())
    }
}

/// A Hugging Face answer with the revision it was recorded at.
#[derive(Clone)]
pub(crate) struct HubEntry {
    pub revision: u64,
    pub outcome: HubOutcome,
}

/// Whether a host stands for a workspace folder, or for files named outside
/// any workspace (the built-in catalog; no workspace checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Workspace,
    Loose,
}

/// One state of every input.
#[derive(Clone)]
pub(crate) struct Db {
    pub generation: u64,
    pub scope: Scope,
    /// The Mantile files (configs, specs, gap reports), by path.
    pub files: Arc<BTreeMap<Arc<str>, Slot>>,
    /// Every file the disk listing of the workspace's folders holds, of any
    /// kind (for "does the gap report exist").
    pub listed: Arc<HashSet<Arc<str>>>,
    /// `backend/layers/*.py` as read (`None`: no such folder).
    pub layer_sources: Option<Arc<Vec<(String, String)>>>,
    pub catalog: Arc<Catalog>,
    pub catalog_revision: u64,
    /// Folders and files that could not be read, with the reason.
    pub unreadable: Arc<Vec<(String, String)>>,
    pub unreadable_revision: u64,
    pub hub: Arc<std::collections::HashMap<String, HubEntry>>,
    pub hub_enabled: bool,
    pub overrides: Arc<SeverityOverrides>,
    pub overrides_revision: u64,
    /// Which layers of which configs need gap reports, and the suites;
    /// computed when first asked after a change of a config or the catalog.
    pub gap_index: Arc<OnceLock<Arc<super::parsed::GapIndex>>>,
    /// Open test specs' caches, kept between their versions.
    pub spec_caches: Arc<std::collections::HashMap<Arc<str>, Arc<Mutex<SpecCache>>>>,
    /// Each file is checked once (see [`super::AnalysisHost::one_shot`]).
    pub one_shot: bool,
}

impl Db {
    pub fn new(scope: Scope) -> Db {
        Db {
            generation: 0,
            scope,
            files: Arc::default(),
            listed: Arc::default(),
            layer_sources: None,
            catalog: Arc::new(Catalog::builtin()),
            catalog_revision: 0,
            unreadable: Arc::default(),
            unreadable_revision: 0,
            hub: Arc::default(),
            hub_enabled: false,
            overrides: Arc::default(),
            overrides_revision: 0,
            gap_index: Arc::default(),
            spec_caches: Arc::default(),
            one_shot: false,
        }
    }

    pub fn file(&self, path: &str) -> Option<&Arc<FileData>> {
        self.files.get(path)?.current()
    }

    /// The current files of one kind, in path order.
    pub fn of_kind(&self, kind: FileKind) -> impl Iterator<Item = &Arc<FileData>> {
        self.files
            .values()
            .filter_map(Slot::current)
            .filter(move |f| f.kind == kind)
    }

    /// Whether a folder or file at or above `rel` could not be read.
    pub fn under_unreadable(&self, rel: &str) -> bool {
        self.unreadable.iter().any(|(dir, _)| {
            rel == dir
                || rel
                    .strip_prefix(dir.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// Whether part of `dir` could not be read.
    pub fn partly_unreadable(&self, dir: &str) -> bool {
        self.unreadable
            .iter()
            .any(|(p, _)| p == dir || p.starts_with(&format!("{dir}/")))
    }

    /// Whether a workspace file exists: on disk (listed), open in the editor,
    /// or possibly in a folder that could not be read.
    pub fn exists(&self, rel: &str) -> bool {
        self.listed.contains(rel)
            || self.files.get(rel).is_some_and(|s| s.open.is_some())
            || self.under_unreadable(rel)
    }

    /// The catalog from the layer sources, completed with Mantile's own
    /// classes when part of `backend/layers` could not be read.
    pub fn build_catalog(&self) -> Catalog {
        let mut catalog = match &self.layer_sources {
            Some(src) => Catalog::from_python(src),
            None => Catalog::builtin(),
        };
        if self.layer_sources.is_some() && self.partly_unreadable(crate::LAYERS_DIR) {
            for class in Catalog::builtin().classes {
                if catalog.get(&class.name).is_none() {
                    catalog.classes.push(class);
                }
            }
        }
        catalog
    }
}
