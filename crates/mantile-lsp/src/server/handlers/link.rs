//! `textDocument/documentLink`: gap reports a config names, suites a report
//! names (inside the workspace only).

use crate::server::lsp;
use crate::server::session::Session;

pub async fn document_link(
    s: &Session,
    p: lsp::DocumentLinkParams,
) -> Option<Vec<lsp::DocumentLink>> {
    s.on_document(&p.text_document.uri, "finding links", |d| {
        let t = d.text();
        d.analysis
            .links(d.rel())
            .into_iter()
            .filter_map(|l| {
                Some(lsp::DocumentLink {
                    range: t.range(l.range),
                    target: Some(d.target(&l.target)?),
                    tooltip: Some(l.target),
                    data: None,
                })
            })
            .collect()
    })
    .await
}
