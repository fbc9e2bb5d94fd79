//! `textDocument/documentSymbol`: layers, tests, report sections.

use crate::server::lsp;
use crate::server::session::Session;
use mantile_engine::ide::SymbolKind;

#[allow(deprecated)]
pub async fn document_symbol(
    s: &Session,
    p: lsp::DocumentSymbolParams,
) -> Option<lsp::DocumentSymbolResponse> {
    let symbols = s
        .on_document(&p.text_document.uri, "listing symbols", |d| {
            let t = d.text();
            d.analysis
                .symbols(d.rel())
                .into_iter()
                .map(|s| lsp::DocumentSymbol {
                    name: s.name,
                    detail: s.detail,
                    kind: match s.kind {
                        SymbolKind::Layer => lsp::SymbolKind::Class,
                        SymbolKind::Test => lsp::SymbolKind::Function,
                        SymbolKind::Section => lsp::SymbolKind::Namespace,
                    },
                    tags: None,
                    deprecated: None,
                    range: t.range(s.range),
                    selection_range: t.range(s.selection),
                    children: None,
                })
                .collect()
        })
        .await?;
    Some(lsp::DocumentSymbolResponse::DocumentSymbolList(symbols))
}
