//! `textDocument/inlayHint`: the recomputed value where the text differs.

use crate::server::lsp;
use crate::server::session::Session;

pub async fn inlay_hint(s: &Session, p: lsp::InlayHintParams) -> Option<Vec<lsp::InlayHint>> {
    s.on_document(&p.text_document.uri, "computing inlay hints", move |d| {
        let t = d.text();
        d.analysis
            .inlay_hints(d.rel(), t.text_range(p.range))
            .into_iter()
            .map(|h| lsp::InlayHint {
                position: t.position(h.offset),
                label: lsp::Label::String(h.label),
                kind: None,
                text_edits: None,
                tooltip: h.tooltip.map(lsp::Tooltip::String),
                padding_left: None,
                padding_right: None,
                data: None,
            })
            .collect()
    })
    .await
}
