//! The Mantile workspace engine.
//!
//! It knows the workspace layout (which file is a model config, a test spec,
//! a gap report), holds a [`Snapshot`] of what the workspace contains (the
//! layer catalog, the files that exist) and runs the right checker on a
//! file's bytes. It does no I/O: the CLI and the language server read files
//! and build snapshots, then call [`check_file`]. Both get the same findings.

pub mod deliverables;
pub mod ide;

use mantile_config::{Catalog, ConfigContext, WorkspaceFiles};
use mantile_diag::{Diagnostic, Rule, SeverityOverrides, TextRange, sort_diagnostics};
use std::collections::BTreeSet;

pub use mantile_config::hub::Provenance as HubProvenance;
pub use mantile_config::hub::{HubFacts, HubProblem};
pub use mantile_config::rules::INVALID_FILE;
pub use mantile_spec::SpecCache;

/// Files larger than this are not checked (real configs are a few KB, specs under 100 KB).
pub const MAX_FILE_SIZE: usize = 8 * 1024 * 1024;

/// Where model configs live, relative to the workspace root.
pub const CONFIG_DIR: &str = "backend/data/model_configs";
/// Where layer classes live.
pub const LAYERS_DIR: &str = "backend/layers";
/// Where test specs live.
pub const TESTS_DIR: &str = "tests";
/// Where gap reports live.
pub const GAPS_DIR: &str = "model_builder/gaps";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// `backend/data/model_configs/*.json`
    Config,
    /// `tests/*_tests.md`
    TestSpec,
    /// `model_builder/gaps/*.md` (not the folder's README)
    GapReport,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Config => "config",
            FileKind::TestSpec => "test-spec",
            FileKind::GapReport => "gap-report",
        }
    }
}

/// The kind of a file by its path relative to the workspace root.
pub fn classify(rel_path: &str) -> Option<FileKind> {
    let (dir, file) = rel_path.rsplit_once('/').unwrap_or(("", rel_path));
    if dir == CONFIG_DIR && file.ends_with(".json") {
        Some(FileKind::Config)
    } else if dir == TESTS_DIR && file.ends_with("_tests.md") {
        Some(FileKind::TestSpec)
    } else if dir == GAPS_DIR && file.ends_with(".md") && !file.eq_ignore_ascii_case("README.md") {
        Some(FileKind::GapReport)
    } else {
        None
    }
}

/// Whether `rel` is a plain relative path: `/`-separated names, none empty,
/// `.` or `..`, none starting with `.`, with no backslash, colon or control
/// character, and not absolute. Every path the tools write is one (and
/// then resolved against the disk by the caller).
pub fn is_plain_relative_path(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && rel.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && !part
                    .chars()
                    .any(|c| c.is_control() || c == '\\' || c == ':')
        })
}

/// Whether `rel` is a plain relative path ([`is_plain_relative_path`]) to a
/// workspace file of `kind`.
pub fn is_workspace_path(rel: &str, kind: FileKind) -> bool {
    is_plain_relative_path(rel) && classify(rel) == Some(kind)
}

/// The kind of a file named explicitly (outside the standard layout): by extension.
pub fn classify_loose(path: &str) -> Option<FileKind> {
    if path.ends_with(".json") {
        Some(FileKind::Config)
    } else if path.ends_with(".md") {
        Some(FileKind::TestSpec)
    } else {
        None
    }
}

/// What the workspace contains, as far as the checks need to know.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub catalog: Catalog,
    /// Paths (relative to the root, `/`-separated) of the files that exist.
    pub files: BTreeSet<String>,
    /// The layers that need gap reports, and the test suites (see [`Snapshot::with_texts`]).
    pub gaps: mantile_gap::GapWorkspace,
    /// Folders and files of the workspace that could not be read, with the
    /// reason (see [`Snapshot::with_unreadable`]).
    pub unreadable: Vec<(String, String)>,
}

impl Snapshot {
    /// `layer_sources`: `(relative path, text)` of each `backend/layers/*.py`,
    /// or `None` when that folder does not exist (the built-in catalog is used).
    pub fn new(
        layer_sources: Option<&[(String, String)]>,
        files: impl IntoIterator<Item = String>,
    ) -> Snapshot {
        let catalog = match layer_sources {
            Some(src) => Catalog::from_python(src),
            None => Catalog::builtin(),
        };
        Snapshot {
            catalog,
            files: files.into_iter().collect(),
            gaps: Default::default(),
            unreadable: Vec::new(),
        }
    }

    /// Records the folders and files (relative paths) that could not be
    /// read, with the reason. What is in an unreadable folder is unknown, so
    /// no file under it is said to be missing ([`WorkspaceFiles::exists`]);
    /// when part of `backend/layers` could not be read, the classes Mantile
    /// ships are added to the catalog for those it may have defined (the
    /// catalog would otherwise call them unknown).
    pub fn with_unreadable(mut self, unreadable: Vec<(String, String)>) -> Snapshot {
        let layers_incomplete = unreadable
            .iter()
            .any(|(p, _)| p == LAYERS_DIR || p.starts_with(&format!("{LAYERS_DIR}/")));
        if layers_incomplete && self.catalog.origin != mantile_config::CatalogOrigin::Builtin {
            for class in Catalog::builtin().classes {
                if self.catalog.get(&class.name).is_none() {
                    self.catalog.classes.push(class);
                }
            }
        }
        self.unreadable = unreadable;
        self
    }

    /// Adds what the gap checks need from the configs' and test specs' texts
    /// (`(relative path, text)`): which layers need gap reports, and each
    /// suite's tests.
    pub fn with_texts(
        mut self,
        configs: &[(String, String)],
        specs: &[(String, String)],
    ) -> Snapshot {
        self.gaps.refs = configs
            .iter()
            .flat_map(|(path, text)| gap_refs(path, text, &self.catalog))
            .collect();
        self.gaps.suites = specs
            .iter()
            .map(|(path, text)| {
                let report = mantile_spec::check_spec(text);
                let expected = report
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
                    .collect();
                let tests = report.tests.into_iter().map(|t| (t.id, t.title)).collect();
                (
                    path.clone(),
                    mantile_gap::Suite {
                        path: path.clone(),
                        tests,
                        expected,
                    },
                )
            })
            .collect();
        self
    }
}

/// What the gap scaffolds need to know about layer `layer` of a config.
pub fn scaffold_input(
    config_text: &str,
    layer: &str,
    catalog: &Catalog,
) -> Option<mantile_gap::scaffold::ScaffoldInput> {
    let tree = mantile_json::parse(config_text);
    let root = tree.root()?;
    let layers = mantile_config::layers(&root);
    let l = layers.iter().find(|l| l.name_str() == Some(layer))?;
    let specs = l.specs?;
    let class = l.class_str().unwrap_or("UnknownLayer");
    let spec = |k: &str| specs.get(k).and_then(|n| n.as_u128());
    let hidden_size = spec("hidden_size").or_else(|| root.get("hidden_size")?.as_u128())?;
    let heads = spec("num_heads")
        .or(spec("num_query_heads"))
        .zip(spec("num_kv_heads").or(spec("num_heads")))
        .zip(spec("head_dim"))
        .map(|((h, kv), dh)| (h, kv, dh));
    Some(mantile_gap::scaffold::ScaffoldInput {
        model: root
            .get("hf_model_id")
            .and_then(|n| n.as_str())
            .unwrap_or("?")
            .to_string(),
        layer: layer.to_string(),
        class: class.to_string(),
        count: l.count.unwrap_or(1),
        specs: specs
            .members()
            .map(|m| {
                (
                    m.key.to_string(),
                    config_text[m.value.range.as_range()].to_string(),
                )
            })
            .collect(),
        hidden_size,
        parameters: spec("parameter_count").or_else(|| l.recomputed().map(|p| p.total)),
        heads,
        known_class: catalog.get(class).is_some(),
    })
}

/// The layers of one config that need a gap report.
fn gap_refs(path: &str, text: &str, catalog: &Catalog) -> Vec<mantile_gap::GapRef> {
    let tree = mantile_json::parse(text);
    let Some(root) = tree.valid_root() else {
        return Vec::new();
    };
    let layers = mantile_config::layers(&root);
    let top = |k: &str| root.get(k).and_then(|n| n.as_u128());
    let spec_of = |cat: mantile_config::Category, keys: &[&str]| {
        layers
            .iter()
            .filter(|l| l.category() == Some(cat))
            .find_map(|l| keys.iter().find_map(|k| l.specs?.get(k)?.as_u128()))
    };
    use mantile_config::Category::{Attention, FeedForward};
    let base = mantile_gap::Dims {
        hidden_size: top("hidden_size"),
        vocab_size: top("vocab_size"),
        heads: spec_of(Attention, &["num_heads", "num_query_heads"]),
        kv_heads: spec_of(Attention, &["num_kv_heads"]),
        head_dim: spec_of(Attention, &["head_dim"]),
        intermediate_size: spec_of(FeedForward, &["intermediate_size"]),
        num_experts: spec_of(FeedForward, &["num_experts"]),
    };
    layers
        .iter()
        .filter_map(|l| {
            let class = l.class_str()?;
            let unsupported = l.supported == Some(false);
            // A supported layer that names a gap report documents a known
            // difference (a dimension mismatch): its report is a gap too.
            if !unsupported && catalog.get(class).is_some() && l.node.get("gap_report").is_none() {
                return None;
            }
            let own = |k: &str| l.specs.and_then(|s| s.get(k)?.as_u128());
            let report = l
                .node
                .get("gap_report")
                .filter(|g| g.as_str().is_some())
                .and_then(|g| {
                    mantile_config::gap_report_path(g, &text[g.range.as_range()]).map(|(p, _)| p)
                });
            Some(mantile_gap::GapRef {
                config: path.to_string(),
                layer: l.name_str().unwrap_or("?").to_string(),
                class: class.to_string(),
                count: l.count,
                report,
                marked_unsupported: unsupported,
                dims: mantile_gap::Dims {
                    hidden_size: own("hidden_size").or(base.hidden_size),
                    heads: own("num_heads").or(own("num_query_heads")).or(base.heads),
                    kv_heads: own("num_kv_heads").or(base.kv_heads),
                    head_dim: own("head_dim").or(base.head_dim),
                    intermediate_size: own("intermediate_size").or(base.intermediate_size),
                    num_experts: own("num_experts").or(base.num_experts),
                    vocab_size: own("vocab_size").or(base.vocab_size),
                },
            })
        })
        .collect()
}

impl WorkspaceFiles for Snapshot {
    fn exists(&self, rel_path: &str) -> bool {
        self.files.contains(rel_path)
            || self.unreadable.iter().any(|(dir, _)| {
                rel_path
                    .strip_prefix(dir.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
            })
    }
}

/// Whether a gap report's finding `code` rests on files the snapshot could
/// not read: with part of `tests/` unreadable a suite may exist unseen (GR010
/// to GR012); with part of the configs unreadable a config may name the
/// report (GR013).
fn unknowable(code: &str, snapshot: &Snapshot) -> bool {
    let under = |dir: &str| {
        snapshot
            .unreadable
            .iter()
            .any(|(p, _)| p == dir || p.starts_with(&format!("{dir}/")))
    };
    use mantile_gap::{MISSING_TEST_SUITE, ORPHANED_REPORT, TEST_SUITE_COVERAGE, TEST_SUITE_SIZE};
    if [&MISSING_TEST_SUITE, &TEST_SUITE_SIZE, &TEST_SUITE_COVERAGE]
        .iter()
        .any(|r| r.code == code)
    {
        return under(TESTS_DIR);
    }
    code == ORPHANED_REPORT.code && under(CONFIG_DIR)
}

/// The finding for a file that could not be read at all (`reason`: why),
/// at its start: the file is reported, the other files are still checked.
pub fn unreadable_file(reason: &str) -> Diagnostic {
    Diagnostic::new(
        &INVALID_FILE,
        TextRange::empty(0),
        format!("file cannot be read: {reason}"),
    )
}

/// The finding for a file larger than [`MAX_FILE_SIZE`] (`len` bytes).
pub fn too_large_file(len: u64) -> Diagnostic {
    Diagnostic::new(
        &INVALID_FILE,
        TextRange::empty(0),
        format!(
            "file is too large to check ({:.1} MiB; the limit is {} MiB)",
            len as f64 / (1024.0 * 1024.0),
            MAX_FILE_SIZE / (1024 * 1024)
        ),
    )
}

/// For a file whose name is not valid UTF-8 (the checks were given its lossy
/// decoding): a finding that compares a value with the file name stays — no
/// JSON string can equal that name — but its fix, which would write the
/// lossy name, is dropped, and the message says to rename the file.
pub fn file_name_not_utf8(diagnostics: &mut [Diagnostic]) {
    for d in diagnostics {
        if d.rule.code == mantile_config::rules::MODEL_ID_FILENAME.code {
            d.fixes.clear();
            d.message.push_str(
                " (the file name is not valid UTF-8, so no model_id can match it: rename the file)",
            );
        }
    }
}

/// The findings for one file.
#[derive(Debug, Default)]
pub struct FileReport {
    pub diagnostics: Vec<Diagnostic>,
    /// Claim counts, for test specs.
    pub stats: Option<mantile_spec::SpecStats>,
}

/// Every rule of every checker, for `mantile-lsp rules` and settings.
pub fn all_rules() -> Vec<&'static Rule> {
    let mut v: Vec<&'static Rule> = mantile_config::RULES.to_vec();
    v.extend(mantile_spec::RULES.iter().copied());
    v.extend(mantile_gap::RULES.iter().copied());
    v.sort_by_key(|r| r.code);
    v
}

/// Checks one file.
///
/// `path` is relative to the workspace root when `snapshot` is given (then
/// workspace checks such as "the gap report exists" run), otherwise it is
/// only used for the file name.
pub fn check_file(
    kind: FileKind,
    path: &str,
    bytes: &[u8],
    snapshot: Option<&Snapshot>,
    overrides: &SeverityOverrides,
) -> FileReport {
    check_file_with(kind, path, bytes, snapshot, overrides, None)
}

/// [`check_file`] with a test spec's cache kept between versions of the same
/// document (the language server keeps one per open spec): the same report,
/// less work when an edit touched only part of the text.
pub fn check_file_with(
    kind: FileKind,
    path: &str,
    bytes: &[u8],
    snapshot: Option<&Snapshot>,
    overrides: &SeverityOverrides,
    spec_cache: Option<&mut SpecCache>,
) -> FileReport {
    let mut diagnostics = Vec::new();
    if bytes.len() > MAX_FILE_SIZE {
        diagnostics.push(too_large_file(bytes.len() as u64));
        return FileReport {
            diagnostics,
            stats: None,
        };
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let len = e.error_len().unwrap_or(bytes.len() - at);
            diagnostics.push(Diagnostic::new(
                &INVALID_FILE,
                TextRange::new(at, at + len),
                format!(
                    "file is not valid UTF-8: invalid byte 0x{:02X} at offset {at}",
                    bytes[at]
                ),
            ));
            return FileReport {
                diagnostics,
                stats: None,
            };
        }
    };
    check_text_with(kind, path, text, snapshot, overrides, spec_cache)
}

/// The Hugging Face id a config names (`hf_model_id`), if it is one.
pub fn hf_model_id(text: &str) -> Option<String> {
    model_id_of(&mantile_json::parse(text).valid_root()?)
}

fn model_id_of(root: &mantile_json::Node) -> Option<String> {
    let id = root.get("hf_model_id")?.as_str()?.trim();
    let (org, name) = id.split_once('/')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    };
    (ok(org) && ok(name)).then(|| id.to_string())
}

/// The findings from comparing a config with its model's Hub metadata (or
/// the problem that kept the metadata away).
pub fn hub_diagnostics(
    text: &str,
    outcome: &Result<HubFacts, HubProblem>,
    overrides: &SeverityOverrides,
) -> Vec<Diagnostic> {
    let tree = mantile_json::parse(text);
    let Some(root) = tree.valid_root() else {
        return Vec::new();
    };
    hub_diagnostics_of(&root, outcome, overrides)
}

/// [`hf_model_id`] and [`hub_diagnostics`] on one parse of the text: the
/// config's model id is handed to `outcome_of`, and what it returns (no
/// outcome: no findings) is compared with the config.
pub fn hub_findings<O: std::borrow::Borrow<Result<HubFacts, HubProblem>>>(
    text: &str,
    outcome_of: impl FnOnce(&str) -> Option<O>,
    overrides: &SeverityOverrides,
) -> Vec<Diagnostic> {
    let tree = mantile_json::parse(text);
    let Some(root) = tree.valid_root() else {
        return Vec::new();
    };
    let Some(outcome) = model_id_of(&root).and_then(|repo| outcome_of(&repo)) else {
        return Vec::new();
    };
    hub_diagnostics_of(&root, outcome.borrow(), overrides)
}

fn hub_diagnostics_of(
    root: &mantile_json::Node,
    outcome: &Result<HubFacts, HubProblem>,
    overrides: &SeverityOverrides,
) -> Vec<Diagnostic> {
    let mut diagnostics = match outcome {
        Ok(facts) => mantile_config::hub::check_against_hub(root, facts),
        Err(problem) => {
            let repo = root
                .get("hf_model_id")
                .and_then(|n| n.as_str())
                .unwrap_or_default();
            vec![mantile_config::hub::problem_diagnostic(root, repo, problem)]
        }
    };
    overrides.apply(&mut diagnostics);
    diagnostics
}

/// Checks one file's text.
pub fn check_text(
    kind: FileKind,
    path: &str,
    text: &str,
    snapshot: Option<&Snapshot>,
    overrides: &SeverityOverrides,
) -> FileReport {
    check_text_with(kind, path, text, snapshot, overrides, None)
}

/// [`check_text`] with a test spec's cache (see [`check_file_with`]).
pub fn check_text_with(
    kind: FileKind,
    path: &str,
    text: &str,
    snapshot: Option<&Snapshot>,
    overrides: &SeverityOverrides,
    spec_cache: Option<&mut SpecCache>,
) -> FileReport {
    let mut stats = None;
    let builtin;
    let mut diagnostics = match kind {
        FileKind::Config => {
            let catalog = match snapshot {
                Some(s) => &s.catalog,
                None => {
                    builtin = Catalog::builtin();
                    &builtin
                }
            };
            let file_name = path.rsplit('/').next().unwrap_or(path);
            let ctx = ConfigContext {
                file_stem: file_name.strip_suffix(".json"),
                catalog,
                files: snapshot.map(|s| s as &dyn WorkspaceFiles),
            };
            mantile_config::check_config(text, &ctx).diagnostics
        }
        FileKind::TestSpec => {
            let report = match spec_cache {
                Some(cache) => mantile_spec::check_spec_cached(text, cache),
                None => mantile_spec::check_spec(text),
            };
            stats = Some(report.stats);
            report.diagnostics
        }
        FileKind::GapReport => {
            let mut found = mantile_gap::check_gap_report(
                text,
                &mantile_gap::GapContext {
                    path,
                    workspace: snapshot.map(|s| &s.gaps),
                },
            );
            if let Some(s) = snapshot {
                found.retain(|d| !unknowable(d.rule.code, s));
            }
            found
        }
    };
    overrides.apply(&mut diagnostics);
    sort_diagnostics(&mut diagnostics);
    FileReport { diagnostics, stats }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_workspace_layout() {
        assert_eq!(
            classify("backend/data/model_configs/a_b.json"),
            Some(FileKind::Config)
        );
        assert_eq!(classify("backend/data/model_configs/README.md"), None);
        assert_eq!(
            classify("tests/attention_tests.md"),
            Some(FileKind::TestSpec)
        );
        assert_eq!(classify("tests/README.md"), None);
        assert_eq!(classify("tests/sub/x_tests.md"), None);
        assert_eq!(classify("other/a.json"), None);
        assert_eq!(classify_loose("/tmp/x.json"), Some(FileKind::Config));
    }

    #[test]
    fn invalid_utf8_and_huge_files_get_one_clear_finding() {
        let r = check_file(
            FileKind::Config,
            "x.json",
            b"{\"a\": \"\xff\"}",
            None,
            &SeverityOverrides::default(),
        );
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(r.diagnostics[0].rule.code, "MC000");
        assert_eq!(r.diagnostics[0].range, TextRange::new(7, 8));
        assert_eq!(
            r.diagnostics[0].message,
            "file is not valid UTF-8: invalid byte 0xFF at offset 7"
        );
        let big = vec![b' '; MAX_FILE_SIZE + 1];
        let r = check_file(
            FileKind::Config,
            "x.json",
            &big,
            None,
            &SeverityOverrides::default(),
        );
        assert_eq!(r.diagnostics.len(), 1);
        assert!(
            r.diagnostics[0]
                .message
                .starts_with("file is too large to check (8.0 MiB"),
            "{}",
            r.diagnostics[0].message
        );
    }

    #[test]
    fn snapshot_catalog_and_files_reach_the_config_checks() {
        let layers = vec![(
            "backend/layers/norm.py".to_string(),
            "class RMSNormLayer(Layer):\n    \"\"\"RMS norm.\"\"\"\n    def __init__(self, layer_idx, hidden_size, eps=1e-6):\n        pass\n".to_string(),
        )];
        let snap = Snapshot::new(Some(&layers), ["model_builder/gaps/x.md".to_string()]);
        let text = r#"{"model_id": "o_m", "hf_model_id": "o/m", "name": "m", "hidden_size": 8, "num_layers": 1, "vocab_size": 4, "total_params": 8,
            "layer_types": [{"name": "norm", "class": "NormLayer", "count": 1, "specs": {"hidden_size": 8}}]}"#;
        let r = check_text(
            FileKind::Config,
            "backend/data/model_configs/o_m.json",
            text,
            Some(&snap),
            &SeverityOverrides::default(),
        );
        // The workspace defines RMSNormLayer, not NormLayer: the class is unknown there.
        let errors = |r: &FileReport| -> Vec<&'static str> {
            r.diagnostics
                .iter()
                .filter(|d| d.severity == mantile_diag::Severity::Error)
                .map(|d| d.rule.code)
                .collect()
        };
        assert_eq!(errors(&r), ["MC030"]);
        let unknown = r
            .diagnostics
            .iter()
            .find(|d| d.rule.code == "MC030")
            .unwrap();
        assert!(unknown.message.contains("did you mean `RMSNormLayer`?"));
        // Without a snapshot, the built-in catalog knows NormLayer.
        let r = check_text(
            FileKind::Config,
            "o_m.json",
            text,
            None,
            &SeverityOverrides::default(),
        );
        assert!(errors(&r).is_empty(), "{:?}", r.diagnostics);
    }

    #[test]
    fn scaffold_input_from_a_config_layer() {
        let text = r#"{"hf_model_id": "o/m", "hidden_size": 8, "layer_types": [
            {"name": "mtp_head", "class": "MtpLayer", "count": 1, "supported": false, "specs": {"hidden_size": 8, "parameter_count": 128}}]}"#;
        let i = scaffold_input(text, "mtp_head", &Catalog::builtin()).unwrap();
        assert_eq!(
            (
                i.model.as_str(),
                i.class.as_str(),
                i.hidden_size,
                i.parameters,
                i.known_class
            ),
            ("o/m", "MtpLayer", 8, Some(128), false)
        );
        assert_eq!(
            i.specs,
            [
                ("hidden_size".to_string(), "8".to_string()),
                ("parameter_count".to_string(), "128".to_string())
            ]
        );
        assert!(scaffold_input(text, "nope", &Catalog::builtin()).is_none());
    }

    #[test]
    fn hub_findings_ask_for_the_configs_model_and_match_hub_diagnostics() {
        let text = r#"{"model_id": "o_m", "hf_model_id": " o/m ", "hidden_size": 8}"#;
        let o = SeverityOverrides::default();
        let missing: Result<HubFacts, HubProblem> = Err(HubProblem::NotFound);
        let mut asked = Vec::new();
        let found = hub_findings(
            text,
            |repo| {
                asked.push(repo.to_string());
                Some(&missing)
            },
            &o,
        );
        assert_eq!(asked, ["o/m"]);
        assert!(!found.is_empty());
        assert_eq!(found, hub_diagnostics(text, &missing, &o));
        // No outcome yet: nothing to say.
        assert!(hub_findings(text, |_| None::<&Result<HubFacts, HubProblem>>, &o).is_empty());
        // Not a Hugging Face id (or not JSON): the Hub is not asked.
        for text in [r#"{"hf_model_id": "no-slash"}"#, "{", r#"{"name": "x"}"#] {
            let found = hub_findings(
                text,
                |r| -> Option<&Result<HubFacts, HubProblem>> { panic!("asked for {r}") },
                &o,
            );
            assert!(found.is_empty());
        }
    }

    #[test]
    fn unreadable_folders_hide_nothing_as_missing() {
        let config = r#"{"model_id": "o_m", "hf_model_id": "o/m", "name": "m", "hidden_size": 8, "num_layers": 1, "vocab_size": 4, "total_params": 8,
            "layer_types": [{"name": "mtp", "class": "MtpLayer", "count": 1, "supported": false, "gap_report": "model_builder/gaps/mtp.md", "specs": {"hidden_size": 8}}]}"#;
        let codes = |snap: &Snapshot| -> Vec<&'static str> {
            check_text(
                FileKind::Config,
                "backend/data/model_configs/o_m.json",
                config,
                Some(snap),
                &SeverityOverrides::default(),
            )
            .diagnostics
            .iter()
            .map(|d| d.rule.code)
            .collect()
        };
        let snap = Snapshot::new(None, Vec::<String>::new());
        assert!(codes(&snap).contains(&"MC041"), "{:?}", codes(&snap));
        // The gaps folder could not be read: the report may well exist.
        let snap = Snapshot::new(None, Vec::<String>::new()).with_unreadable(vec![(
            GAPS_DIR.to_string(),
            "permission denied".to_string(),
        )]);
        assert!(!codes(&snap).contains(&"MC041"), "{:?}", codes(&snap));
        assert!(snap.exists("model_builder/gaps/mtp.md"));
        assert!(!snap.exists("model_builder/gapsx/mtp.md"));
        // Part of backend/layers unreadable: Mantile's own classes stay known.
        let layers = vec![(
            "backend/layers/norm.py".to_string(),
            "class RMSNormLayer(Layer):\n    def __init__(self, layer_idx, hidden_size):\n        pass\n".to_string(),
        )];
        let snap = Snapshot::new(Some(&layers), Vec::<String>::new());
        assert!(snap.catalog.get("GroupedQueryAttentionLayer").is_none());
        let snap = snap.with_unreadable(vec![(
            "backend/layers/attention.py".to_string(),
            "permission denied".to_string(),
        )]);
        assert!(snap.catalog.get("GroupedQueryAttentionLayer").is_some());
        assert!(snap.catalog.get("RMSNormLayer").is_some());
    }

    #[test]
    fn a_file_name_that_is_not_utf8_gets_no_fix_that_cannot_match() {
        let text = r#"{"model_id": "o_m"}"#;
        let mut r = check_text(
            FileKind::Config,
            "backend/data/model_configs/o\u{FFFD}m.json",
            text,
            None,
            &SeverityOverrides::default(),
        );
        let mc010 = |r: &FileReport| {
            r.diagnostics
                .iter()
                .find(|d| d.rule.code == "MC010")
                .cloned()
        };
        assert_eq!(mc010(&r).unwrap().fixes.len(), 1);
        file_name_not_utf8(&mut r.diagnostics);
        let d = mc010(&r).unwrap();
        assert!(d.fixes.is_empty());
        assert!(d.message.ends_with("rename the file)"), "{}", d.message);
    }

    #[test]
    fn plain_relative_paths_only() {
        for ok in ["model_builder/gaps/x.md", "tests/a-b_tests.md", "a"] {
            assert!(is_plain_relative_path(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x.md",
            "model_builder/gaps/../../../x/evil.md",
            "a//b",
            "a/./b",
            "a/.hidden",
            "a\\..\\b",
            "C:x",
            "a/b\nc",
            "a/\u{1b}b",
        ] {
            assert!(!is_plain_relative_path(bad), "{bad:?}");
        }
        assert!(is_workspace_path("tests/x_tests.md", FileKind::TestSpec));
        assert!(!is_workspace_path(
            "tests/../tests/x_tests.md",
            FileKind::TestSpec
        ));
    }

    #[test]
    fn overrides_apply() {
        let text = r#"{"model_id": "x"}"#;
        let mut o = SeverityOverrides::default();
        o.set("schema", None);
        let r = check_text(FileKind::Config, "y.json", text, None, &o);
        let codes: Vec<&str> = r.diagnostics.iter().map(|d| d.rule.code).collect();
        assert_eq!(codes, ["MC010"]);
    }
}
