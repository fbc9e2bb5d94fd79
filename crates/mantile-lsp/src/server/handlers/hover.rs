//! `textDocument/hover`: what the key, value, calculation or test ID under
//! the cursor means, with the numbers worked out.

use super::markdown;
use crate::server::lsp;
use crate::server::session::Session;

pub async fn hover(s: &Session, p: lsp::HoverParams) -> Option<lsp::Hover> {
    let pos = p.text_document_position_params;
    s.on_document(&pos.text_document.uri, "computing a hover card", move |d| {
        let t = d.text();
        let h = d.analysis.hover(d.rel(), t.offset(pos.position))?;
        Some(lsp::Hover {
            contents: lsp::Contents::MarkupContent(markdown(h.markdown)),
            range: Some(t.range(h.range)),
        })
    })
    .await
    .flatten()
}
