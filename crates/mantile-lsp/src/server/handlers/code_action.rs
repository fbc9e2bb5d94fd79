//! `textDocument/codeAction`: the fixes the diagnostics carry, and the
//! engine's actions (scaffolds, generation and missing layers from the Hub).

use super::DocSnapshot;
use crate::server::diagnostics::fix_data;
use crate::server::lsp;
use crate::server::session::Session;
use mantile_diag::TextRange;
use mantile_engine::ide::{ActionKind, WorkspaceAction};
use std::collections::HashMap;

pub async fn code_action(
    s: &Session,
    p: lsp::CodeActionParams,
) -> Option<Vec<lsp::CodeActionResponse>> {
    let wants = |kind: &lsp::CodeActionKind| {
        p.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|k| {
                k == kind
                    || *k == lsp::CodeActionKind::Empty
                    || (*k == lsp::CodeActionKind::Refactor
                        && *kind == lsp::CodeActionKind::RefactorRewrite)
            })
        })
    };
    let (want_fixes, want_rewrites) = (
        wants(&lsp::CodeActionKind::QuickFix),
        wants(&lsp::CodeActionKind::RefactorRewrite),
    );
    if !want_fixes && !want_rewrites {
        return None;
    }
    let d = s.snapshot(&p.text_document.uri)?;
    let version = d.analysis.version(d.rel())?;
    // The client's diagnostics carry our fixes, for the version they were
    // computed for. If none of them is for this version — it sent none, or
    // only older ones, such as the start-up scan's (published without a
    // version) right after the file was opened — use the latest ones
    // computed for this text.
    let current = |d: &&lsp::Diagnostic| fix_data(d).is_some_and(|f| f.version == Some(version));
    let mut candidates: Vec<lsp::Diagnostic> = p
        .context
        .diagnostics
        .iter()
        .filter(current)
        .cloned()
        .collect();
    if candidates.is_empty() && want_fixes {
        s.settings().await;
        let d = s.snapshot(&p.text_document.uri)?;
        let last = s
            .run_blocking("checking a document", move || {
                let result = d.analysis.diagnostics(d.rel())?;
                Some(crate::server::publish::to_lsp(
                    &d.analysis,
                    &result,
                    d.root(),
                    d.encoding,
                ))
            })
            .await
            .flatten()
            .unwrap_or_default();
        candidates = last.iter().filter(current).cloned().collect();
    }
    let range = p.range;
    let actions = s
        .run_blocking("preparing code actions", move || {
            let t = d.text();
            let wanted = t.text_range(range);
            let overlaps = |r: TextRange| r.start <= wanted.end && wanted.start <= r.end;
            let mut actions = Vec::new();
            if want_fixes {
                for diag in candidates {
                    let Some(data) = fix_data(&diag) else {
                        continue;
                    };
                    if data.version != Some(version) || !overlaps(t.text_range(diag.range)) {
                        continue; // computed for another text: the client will get new ones
                    }
                    let single = data.fixes.len() == 1;
                    // An edit that travelled without its text: the same
                    // fix of the engine's result for this version has it.
                    let code = match &diag.code {
                        Some(lsp::Code::String(c)) => c.clone(),
                        _ => String::new(),
                    };
                    let at = t.text_range(diag.range);
                    let engine_fix = |title: &str, i: usize| -> Option<String> {
                        let result = d.analysis.diagnostics(d.rel())?;
                        let found = result
                            .diagnostics
                            .iter()
                            .filter(|e| e.rule.code == code && e.range == at)
                            .flat_map(|e| &e.fixes)
                            .find(|f| f.title == title)?;
                        Some(found.edits.get(i)?.new_text.clone())
                    };
                    for fix in &data.fixes {
                        let Some(edits) = fix.to_lsp(&t, |i| engine_fix(&fix.title, i)) else {
                            continue;
                        };
                        actions.push(lsp::CodeActionResponse::CodeAction(lsp::CodeAction {
                            title: fix.title.clone(),
                            kind: Some(lsp::CodeActionKind::QuickFix),
                            diagnostics: Some(vec![diag.clone()]),
                            is_preferred: Some(single),
                            edit: Some(lsp::WorkspaceEdit {
                                changes: Some(HashMap::from([(d.uri.clone(), edits)])),
                                document_changes: None,
                                change_annotations: None,
                            }),
                            ..Default::default()
                        }));
                    }
                }
            }
            let mut engine: Vec<WorkspaceAction> = Vec::new();
            if want_rewrites {
                engine.extend(
                    d.analysis
                        .scaffold_actions(d.rel(), wanted.start as usize)
                        .into_iter()
                        .filter(|a| creates_only_new_files(&d, a)),
                );
                engine.extend(d.analysis.generate_action(d.rel()));
            }
            if want_fixes {
                engine.extend(d.analysis.missing_layer_actions(d.rel()));
            }
            actions.extend(
                engine
                    .into_iter()
                    .map(|a| lsp::CodeActionResponse::CodeAction(to_lsp(a, &d, version))),
            );
            actions
        })
        .await
        .unwrap_or_default();
    Some(actions)
}

/// A scaffold is offered only where [`crate::files::confine`] puts each of
/// its files inside the workspace and nothing is there yet (not even a
/// symbolic link): an action whose file exists is dropped whole, so that
/// its text is never inserted into an existing file; the create itself
/// also says `overwrite: false, ignoreIfExists: true`.
fn creates_only_new_files(d: &DocSnapshot, a: &WorkspaceAction) -> bool {
    a.create
        .iter()
        .all(|f| crate::files::confine(d.root(), &f.path).is_ok_and(|p| !crate::files::exists(&p)))
}

/// An engine action as a protocol one: files to create and edits of this
/// document as document changes (the edits for `version`), plain edits as
/// `changes`.
fn to_lsp(a: WorkspaceAction, d: &DocSnapshot, version: i32) -> lsp::CodeAction {
    let t = d.text();
    let kind = Some(match a.kind {
        ActionKind::QuickFix => lsp::CodeActionKind::QuickFix,
        ActionKind::Rewrite => lsp::CodeActionKind::RefactorRewrite,
    });
    let edits: Vec<lsp::TextEdit> = a
        .edits
        .iter()
        .map(|e| lsp::TextEdit {
            range: t.range(e.range),
            new_text: e.new_text.clone(),
        })
        .collect();
    if a.create.is_empty() {
        return lsp::CodeAction {
            title: a.title,
            kind,
            edit: Some(lsp::WorkspaceEdit {
                changes: Some(HashMap::from([(d.uri.clone(), edits)])),
                document_changes: None,
                change_annotations: None,
            }),
            ..Default::default()
        };
    }
    let mut changes = Vec::new();
    for f in &a.create {
        let file_uri = crate::server::uri::from_path(&d.root().join(&f.path));
        changes.push(lsp::DocumentChange::CreateFile(lsp::CreateFile {
            uri: file_uri.clone(),
            options: Some(lsp::CreateFileOptions {
                overwrite: Some(false),
                ignore_if_exists: Some(true),
            }),
            annotation_id: None,
        }));
        changes.push(lsp::DocumentChange::TextDocumentEdit(
            lsp::TextDocumentEdit {
                text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                    version: None,
                    text_document_identifier: lsp::TextDocumentIdentifier { uri: file_uri },
                },
                edits: vec![lsp::Edit::TextEdit(lsp::TextEdit {
                    range: lsp::Range::default(),
                    new_text: f.content.clone(),
                })],
            },
        ));
    }
    if !edits.is_empty() {
        changes.push(lsp::DocumentChange::TextDocumentEdit(
            lsp::TextDocumentEdit {
                text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                    version: Some(version),
                    text_document_identifier: lsp::TextDocumentIdentifier { uri: d.uri.clone() },
                },
                edits: edits.into_iter().map(lsp::Edit::TextEdit).collect(),
            },
        ));
    }
    lsp::CodeAction {
        title: a.title,
        kind,
        edit: Some(lsp::WorkspaceEdit {
            changes: None,
            document_changes: Some(changes),
            change_annotations: None,
        }),
        ..Default::default()
    }
}
