//! `textDocument/completion` in configs: class names, spec keys, layer
//! names, fields.

use super::markdown;
use crate::server::lsp;
use crate::server::session::Session;
use mantile_engine::FileKind;
use mantile_engine::ide::CompletionKind;

pub async fn completion(s: &Session, p: lsp::CompletionParams) -> Option<lsp::CompletionResponse> {
    let pos = p.text_document_position_params;
    let d = s.snapshot(&pos.text_document.uri)?;
    if d.kind() != FileKind::Config {
        return None;
    }
    let items = s
        .run_blocking("completing", move || {
            let t = d.text();
            d.analysis
                .completions(d.rel(), t.offset(pos.position))
                .into_iter()
                .map(|c| lsp::CompletionItem {
                    label: c.label,
                    kind: Some(match c.kind {
                        CompletionKind::Class => lsp::CompletionItemKind::Class,
                        CompletionKind::Field => lsp::CompletionItemKind::Field,
                        CompletionKind::Value => lsp::CompletionItemKind::Value,
                    }),
                    detail: c.detail,
                    documentation: c
                        .documentation
                        .map(|d| lsp::Documentation::MarkupContent(markdown(d))),
                    sort_text: Some(c.sort),
                    text_edit: Some(lsp::CompletionItemTextEdit::TextEdit(lsp::TextEdit {
                        range: t.range(c.range),
                        new_text: c.new_text,
                    })),
                    ..Default::default()
                })
                .collect()
        })
        .await
        .unwrap_or_default();
    Some(lsp::CompletionResponse::CompletionItemList(items))
}
