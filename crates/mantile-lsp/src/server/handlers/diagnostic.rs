//! `textDocument/diagnostic`: diagnostics pulled by the client, for an open
//! document (its current text) or a file of a folder (its text on disk).

use crate::server::lsp;
use crate::server::session::Session;
use crate::server::uri;

fn full(items: Vec<lsp::Diagnostic>, result_id: Option<String>) -> lsp::DocumentDiagnosticReport {
    lsp::DocumentDiagnosticReport::RelatedFullDocumentDiagnosticReport(
        lsp::RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport { result_id, items },
        },
    )
}

pub async fn diagnostic(
    s: &Session,
    p: lsp::DocumentDiagnosticParams,
) -> lsp::DocumentDiagnosticReport {
    let uri = uri::normalize(&p.text_document.uri);
    s.settings().await;
    let Some(place) = s.place(&uri) else {
        return full(Vec::new(), None);
    };
    let open = s.docs.contains_key(&uri);
    // The same id for the same results: the file's stamp in its folder (the
    // last change that affected it).
    let (analysis, id) = place.folder.analysis_with_stamp(&place.rel);
    let id = format!("{}.{id}", place.folder.id);
    if open && p.previous_result_id.as_deref() == Some(id.as_str()) {
        return lsp::DocumentDiagnosticReport::RelatedUnchangedDocumentDiagnosticReport(
            lsp::RelatedUnchangedDocumentDiagnosticReport {
                related_documents: None,
                unchanged_document_diagnostic_report: lsp::UnchangedDocumentDiagnosticReport {
                    result_id: id,
                },
            },
        );
    }
    let (encoding, root) = (s.encoding(), place.folder.root.clone());
    let rel = place.rel.clone();
    let items = s
        .run_blocking("checking a document", move || {
            let result = analysis.diagnostics(&rel)?;
            Some(crate::server::publish::to_lsp(
                &analysis, &result, &root, encoding,
            ))
        })
        .await
        .flatten()
        .unwrap_or_default();
    full(items, open.then_some(id))
}
