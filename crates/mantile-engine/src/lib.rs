//! The Mantile workspace engine: one analysis of a workspace, shared by the
//! command line and the language server.
//!
//! It knows the workspace layout (which file is a model config, a test
//! spec, a gap report) and keeps, in an [`AnalysisHost`], every input the
//! checks read: the files' contents (an open document's unsaved text over
//! the disk's), the layer catalog, the Hugging Face answers, the rule
//! severities. Queries go to an [`Analysis`], a frozen state: diagnostics
//! ([`Analysis::diagnostics`]) and the editor features ([`ide`]), each file
//! read once per version and each result reused while what it read is
//! unchanged. It does no I/O: the CLI and the language server read files
//! and the Hub, record what they read, and ask. Both get the same findings.

pub mod analysis;
pub mod deliverables;
pub mod ide;

pub use analysis::{
    Affected, Analysis, AnalysisHost, Content, Dependencies, DiskState, FileDiagnostics,
    HubOutcome, Scope, is_global,
};
pub use ide::scaffold_input;

use mantile_diag::{Diagnostic, Rule, SeverityOverrides, TextRange};

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

/// Every rule of every checker, for `mantile-lsp rules` and settings.
pub fn all_rules() -> Vec<&'static Rule> {
    let mut v: Vec<&'static Rule> = mantile_config::RULES.to_vec();
    v.extend(mantile_spec::RULES.iter().copied());
    v.extend(mantile_gap::RULES.iter().copied());
    v.sort_by_key(|r| r.code);
    v
}

/// Checks one file's text alone, outside any workspace (the built-in
/// catalog, no workspace checks): an [`AnalysisHost`] of one file. For
/// benchmarks, fuzzing and tests; the command line and the server keep a
/// host for the whole workspace.
pub fn check_text(
    kind: FileKind,
    path: &str,
    text: &str,
    overrides: &SeverityOverrides,
) -> Vec<Diagnostic> {
    let mut host = AnalysisHost::new(Scope::Loose);
    host.set_overrides(overrides.clone());
    host.set_disk_file(path, kind, Content::text(text));
    host.analysis()
        .diagnostics(path)
        .map(|d| d.diagnostics.clone())
        .unwrap_or_default()
}

/// The findings from comparing a config with its model's Hub metadata (or
/// the problem that kept the metadata away).
pub(crate) fn hub_diagnostics_of(
    root: &mantile_json::Node,
    outcome: &Result<HubFacts, HubProblem>,
) -> Vec<Diagnostic> {
    match outcome {
        Ok(facts) => mantile_config::hub::check_against_hub(root, facts),
        Err(problem) => {
            let repo = root
                .get("hf_model_id")
                .and_then(|n| n.as_str())
                .unwrap_or_default();
            vec![mantile_config::hub::problem_diagnostic(root, repo, problem)]
        }
    }
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
        let mut host = AnalysisHost::new(Scope::Loose);
        host.set_disk_file(
            "x.json",
            FileKind::Config,
            Content::from_bytes(b"{\"a\": \"\xff\"}".to_vec()),
        );
        let d = host.analysis().diagnostics("x.json").unwrap();
        assert_eq!(d.diagnostics.len(), 1);
        assert_eq!(d.diagnostics[0].rule.code, "MC000");
        assert_eq!(d.diagnostics[0].range, TextRange::new(7, 8));
        assert_eq!(
            d.diagnostics[0].message,
            "file is not valid UTF-8: invalid byte 0xFF at offset 7"
        );
        assert_eq!(
            &*d.text, "{\"a\": \"\u{FFFD}\"}",
            "the lossy text, for positions"
        );
        host.set_disk_file(
            "x.json",
            FileKind::Config,
            Content::from_bytes(vec![b' '; MAX_FILE_SIZE + 1]),
        );
        let d = host.analysis().diagnostics("x.json").unwrap();
        assert_eq!(d.diagnostics.len(), 1);
        assert!(
            d.diagnostics[0]
                .message
                .starts_with("file is too large to check (8.0 MiB"),
            "{}",
            d.diagnostics[0].message
        );
    }

    #[test]
    fn a_file_name_that_is_not_utf8_gets_no_fix_that_cannot_match() {
        let text = r#"{"model_id": "o_m"}"#;
        let mut d = check_text(
            FileKind::Config,
            "backend/data/model_configs/o\u{FFFD}m.json",
            text,
            &SeverityOverrides::default(),
        );
        let mc010 = |d: &[Diagnostic]| d.iter().find(|d| d.rule.code == "MC010").cloned();
        assert_eq!(mc010(&d).unwrap().fixes.len(), 1);
        file_name_not_utf8(&mut d);
        let d = mc010(&d).unwrap();
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
        let d = check_text(FileKind::Config, "y.json", text, &o);
        let codes: Vec<&str> = d.iter().map(|d| d.rule.code).collect();
        assert_eq!(codes, ["MC010"]);
    }
}
