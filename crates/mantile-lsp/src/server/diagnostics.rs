//! Engine findings → protocol diagnostics, and the fixes they carry.
//!
//! Each diagnostic's fixes travel in `Diagnostic.data` as byte ranges with
//! the document version they were computed for ([`FixData`]); `codeAction`
//! reads them back and converts them with the current text, and drops them
//! if the document has changed since.

use super::encoding::Text;
use super::lsp;
use super::uri;
use mantile_diag::{Diagnostic, Fix, PositionEncoding, Severity, TextRange};
use mantile_engine::{FileKind, Snapshot, check_file_with};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a diagnostic carries in `data`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixData {
    /// The document version the byte ranges refer to (`None` for a file
    /// checked from disk, which has no version).
    pub version: Option<i32>,
    pub fixes: Vec<FixJson>,
}

/// A [`Fix`] as it is serialized (mantile-diag's types are Serialize only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixJson {
    pub title: String,
    pub edits: Vec<EditJson>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditJson {
    pub start: u32,
    pub end: u32,
    #[serde(rename = "newText")]
    pub new_text: String,
}

impl FixJson {
    fn from_fix(f: &Fix) -> FixJson {
        FixJson {
            title: f.title.clone(),
            edits: f
                .edits
                .iter()
                .map(|e| EditJson {
                    start: e.range.start,
                    end: e.range.end,
                    new_text: e.new_text.clone(),
                })
                .collect(),
        }
    }

    /// The edits as protocol edits against `text` (which must be the text
    /// the fix was computed for).
    pub fn to_lsp(&self, text: &Text) -> Option<Vec<lsp::TextEdit>> {
        let len = text.text.len() as u32;
        self.edits
            .iter()
            .map(|e| {
                (e.start <= e.end && e.end <= len).then(|| lsp::TextEdit {
                    range: text.range(TextRange::new(e.start as usize, e.end as usize)),
                    new_text: e.new_text.clone(),
                })
            })
            .collect()
    }
}

pub fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::Error,
        Severity::Warning => lsp::DiagnosticSeverity::Warning,
        Severity::Info => lsp::DiagnosticSeverity::Information,
        Severity::Hint => lsp::DiagnosticSeverity::Hint,
    }
}

/// Where the document being converted lives.
pub struct Origin<'a> {
    pub uri: &'a lsp::Uri,
    pub root: Option<&'a Path>,
    pub version: Option<i32>,
}

/// The other files related locations name, each read once per check (a
/// report with thousands of findings names the same config each time).
#[derive(Default)]
pub struct OtherFiles(std::collections::HashMap<String, (String, mantile_diag::LineIndex)>);

impl OtherFiles {
    /// The protocol range of `r` in the workspace file `rel` (read as every
    /// workspace file is: inside the workspace, regular, bounded; a file
    /// that cannot be read gives the start of the file).
    fn range(&mut self, root: &Path, rel: &str, r: TextRange, enc: PositionEncoding) -> lsp::Range {
        let (text, index) = self.0.entry(rel.to_string()).or_insert_with(|| {
            let text = crate::files::read_in_workspace(
                root,
                &root.join(rel),
                mantile_engine::MAX_FILE_SIZE as u64,
            )
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
            let index = mantile_diag::LineIndex::new(&text);
            (text, index)
        });
        let pos = |o: u32| {
            let lc = index.line_col(text, o as usize, enc);
            lsp::Position {
                line: lc.line,
                character: lc.col,
            }
        };
        lsp::Range {
            start: pos(r.start),
            end: pos(r.end),
        }
    }
}

/// Converts one finding (`others`: the files its related locations name,
/// kept between the findings of one check).
pub fn to_lsp(
    d: &Diagnostic,
    text: &Text,
    origin: &Origin,
    others: &mut OtherFiles,
) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            let location = match &r.path {
                None => lsp::Location {
                    uri: origin.uri.clone(),
                    range: text.range(r.range),
                },
                Some(rel) => {
                    // Another file: its own text gives the positions.
                    let root = origin.root?;
                    lsp::Location {
                        uri: uri::from_path(&root.join(rel)),
                        range: others.range(root, rel, r.range, text.encoding()),
                    }
                }
            };
            Some(lsp::DiagnosticRelatedInformation {
                location,
                message: r.message.clone(),
            })
        })
        .collect();
    let data = (!d.fixes.is_empty()).then(|| {
        serde_json::to_value(FixData {
            version: origin.version,
            fixes: d.fixes.iter().map(FixJson::from_fix).collect(),
        })
        .unwrap_or_default()
    });
    lsp::Diagnostic {
        range: text.range(d.range),
        severity: Some(severity(d.severity)),
        code: Some(lsp::Code::String(d.rule.code.to_string())),
        code_description: None,
        source: Some("mantile".to_string()),
        message: lsp::Message::String(d.message.clone()),
        tags: None,
        related_information: (!related.is_empty()).then_some(related),
        data,
    }
}

/// What one check needs besides the text.
pub struct CheckInput<'a> {
    pub kind: FileKind,
    /// Path relative to the workspace root.
    pub rel_path: &'a str,
    pub snapshot: Option<&'a Snapshot>,
    pub overrides: &'a mantile_diag::SeverityOverrides,
    /// Hugging Face outcomes (configs only; `None`: no Hub checks).
    pub hub: Option<&'a super::hub::HubView>,
    /// A test spec's cache kept between versions of an open document.
    pub spec_cache: Option<&'a mut mantile_engine::SpecCache>,
}

/// Runs the engine on a file's `bytes` and converts the findings against
/// `text` (the same bytes, or their lossy decoding when they are not UTF-8).
/// `check_file` is the CLI's entry point too (size limit, UTF-8, then
/// `check_text`), so editor and command line agree. Blocking: call it off
/// the async runtime.
pub fn check(
    input: &mut CheckInput,
    bytes: &[u8],
    text: &Text,
    origin: &Origin,
) -> Vec<lsp::Diagnostic> {
    let report = check_file_with(
        input.kind,
        input.rel_path,
        bytes,
        input.snapshot,
        input.overrides,
        input.spec_cache.as_deref_mut(),
    );
    let mut diagnostics = report.diagnostics;
    if uri::to_path(origin.uri).is_some_and(|p| !crate::disk::name_is_utf8(&p)) {
        mantile_engine::file_name_not_utf8(&mut diagnostics);
    }
    if input.kind == FileKind::Config
        && let Some(hub) = input.hub
        && let Ok(src) = std::str::from_utf8(bytes)
    {
        // A problem that is not the model's (no network, offline without a
        // cache) is reported once for the workspace, not in each config.
        let own = |repo: &str| {
            hub.outcome(repo)
                .filter(|o| !o.as_ref().as_ref().err().is_some_and(super::hub::is_global))
        };
        let found = mantile_engine::hub_findings(src, own, input.overrides);
        if !found.is_empty() {
            diagnostics.extend(found);
            mantile_diag::sort_diagnostics(&mut diagnostics);
        }
    }
    let mut others = OtherFiles::default();
    diagnostics
        .iter()
        .map(|d| to_lsp(d, text, origin, &mut others))
        .collect()
}

/// The fixes a protocol diagnostic carries, if it is one of ours.
pub fn fix_data(d: &lsp::Diagnostic) -> Option<FixData> {
    if d.source.as_deref() != Some("mantile") {
        return None;
    }
    serde_json::from_value(d.data.clone()?).ok()
}
