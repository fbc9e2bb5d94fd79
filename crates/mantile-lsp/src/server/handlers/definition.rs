//! `textDocument/definition`: a class's Python source, a named gap report, a
//! report's suite (inside the workspace only).

use crate::server::encoding::Text;
use crate::server::lsp;
use crate::server::session::Session;

pub async fn definition(s: &Session, p: lsp::DefinitionParams) -> Option<lsp::DefinitionResponse> {
    let pos = p.text_document_position_params;
    let location = s
        .on_document(&pos.text_document.uri, "finding a definition", move |d| {
            let offset = d.text().offset(pos.position);
            let target = d.analysis.definition(d.rel(), offset)?;
            let uri = d.target(&target.path)?;
            let range = match (target.range, target.line) {
                // A byte range in the other file: its own text converts it
                // (a layer source, read as every workspace file is).
                (Some(r), _) => {
                    let other = crate::files::read_in_workspace(
                        d.root(),
                        &d.root().join(&target.path),
                        mantile_engine::MAX_FILE_SIZE as u64,
                    )
                    .ok()?;
                    let other = String::from_utf8(other).ok()?;
                    Text::new(&other, d.encoding).range(r)
                }
                (None, line) => {
                    let at = lsp::Position {
                        line: line.unwrap_or(0),
                        character: 0,
                    };
                    lsp::Range { start: at, end: at }
                }
            };
            Some(lsp::Location { uri, range })
        })
        .await
        .flatten()?;
    Some(lsp::DefinitionResponse::Definition(
        lsp::Definition::Location(location),
    ))
}
