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
    /// The text to put there; left out when it is long (a config's layers
    /// reordered): a diagnostic is published at every keystroke, a fix
    /// applied seldom, so `codeAction` takes the text from the engine's
    /// result for the same version instead.
    #[serde(rename = "newText", default, skip_serializing_if = "Option::is_none")]
    pub new_text: Option<String>,
}

/// A fix whose edits' texts are longer than this together travels without
/// them (see [`EditJson`]).
pub const INLINE_EDIT_LIMIT: usize = 4096;

impl FixJson {
    fn from_fix(f: &Fix) -> FixJson {
        let long = f.edits.iter().map(|e| e.new_text.len()).sum::<usize>() > INLINE_EDIT_LIMIT;
        FixJson {
            title: f.title.clone(),
            edits: f
                .edits
                .iter()
                .map(|e| EditJson {
                    start: e.range.start,
                    end: e.range.end,
                    new_text: (!long).then(|| e.new_text.clone()),
                })
                .collect(),
        }
    }

    /// The edits as protocol edits against `text` (which must be the text
    /// the fix was computed for); `elided` gives the text of an edit that
    /// travelled without it (by the edit's index), or nothing.
    pub fn to_lsp(
        &self,
        text: &Text,
        elided: impl Fn(usize) -> Option<String>,
    ) -> Option<Vec<lsp::TextEdit>> {
        let len = text.text.len() as u32;
        self.edits
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let new_text = match &e.new_text {
                    Some(t) => t.clone(),
                    None => elided(i)?,
                };
                (e.start <= e.end && e.end <= len).then(|| lsp::TextEdit {
                    range: text.range(TextRange::new(e.start as usize, e.end as usize)),
                    new_text,
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

/// The other files related locations name, each indexed once per check (a
/// report with thousands of findings names the same config each time), as
/// the analysis has them (an open document's unsaved text, else the disk's).
pub struct OtherFiles<'a> {
    analysis: &'a mantile_engine::Analysis,
    seen: std::collections::HashMap<String, (std::sync::Arc<str>, mantile_diag::LineIndex)>,
}

impl<'a> OtherFiles<'a> {
    pub fn new(analysis: &'a mantile_engine::Analysis) -> OtherFiles<'a> {
        OtherFiles {
            analysis,
            seen: Default::default(),
        }
    }

    /// The protocol range of `r` in the workspace file `rel` (a file the
    /// analysis does not know gives the start of the file).
    fn range(&mut self, rel: &str, r: TextRange, enc: PositionEncoding) -> lsp::Range {
        let analysis = self.analysis;
        let (text, index) = self.seen.entry(rel.to_string()).or_insert_with(|| {
            let text = analysis.text(rel).unwrap_or_else(|| "".into());
            let index = mantile_diag::LineIndex::new(&text);
            (text, index)
        });
        let pos = |o: u32| {
            let lc = index.line_col(text, (o as usize).min(text.len()), enc);
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
                        range: others.range(rel, r.range, text.encoding()),
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

/// The fixes a protocol diagnostic carries, if it is one of ours.
pub fn fix_data(d: &lsp::Diagnostic) -> Option<FixData> {
    if d.source.as_deref() != Some("mantile") {
        return None;
    }
    serde_json::from_value(d.data.clone()?).ok()
}
