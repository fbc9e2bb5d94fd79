//! Completion, document symbols, links, inlay hints, Markdown hover and the
//! scaffold actions: `mantile_engine::ide` results mapped to protocol types.

use super::encoding::Text;
use super::lsp;
use super::uri;
use mantile_diag::PositionEncoding;
use mantile_engine::ide::{self, CompletionKind, SymbolKind, WorkspaceAction};
use mantile_engine::{FileKind, Snapshot};
use std::path::Path;

/// The workspace's layer catalog, or the built-in one outside a workspace.
pub fn catalog_of(snapshot: Option<&Snapshot>) -> std::borrow::Cow<'_, mantile_config::Catalog> {
    match snapshot {
        Some(s) => std::borrow::Cow::Borrowed(&s.catalog),
        None => std::borrow::Cow::Owned(mantile_config::Catalog::builtin()),
    }
}

pub fn completions(
    text: &str,
    pos: lsp::Position,
    encoding: PositionEncoding,
    snapshot: Option<&Snapshot>,
) -> Vec<lsp::CompletionItem> {
    let t = Text::new(text, encoding);
    let catalog = catalog_of(snapshot);
    let catalog = catalog.as_ref();
    ide::completions(text, t.offset(pos), catalog)
        .into_iter()
        .map(|c| lsp::CompletionItem {
            label: c.label,
            kind: Some(match c.kind {
                CompletionKind::Class => lsp::CompletionItemKind::Class,
                CompletionKind::Field => lsp::CompletionItemKind::Field,
                CompletionKind::Value => lsp::CompletionItemKind::Value,
            }),
            detail: c.detail,
            documentation: c.documentation.map(|d| {
                lsp::Documentation::MarkupContent(lsp::MarkupContent {
                    kind: lsp::MarkupKind::Markdown,
                    value: d,
                })
            }),
            sort_text: Some(c.sort),
            text_edit: Some(lsp::CompletionItemTextEdit::TextEdit(lsp::TextEdit {
                range: t.range(c.range),
                new_text: c.new_text,
            })),
            ..Default::default()
        })
        .collect()
}

#[allow(deprecated)]
pub fn symbols(kind: FileKind, text: &str, encoding: PositionEncoding) -> Vec<lsp::DocumentSymbol> {
    let t = Text::new(text, encoding);
    ide::symbols(kind, text)
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
}

pub fn links(
    kind: FileKind,
    text: &str,
    encoding: PositionEncoding,
    snapshot: &Snapshot,
    root: &Path,
) -> Vec<lsp::DocumentLink> {
    let t = Text::new(text, encoding);
    ide::links(kind, text, snapshot)
        .into_iter()
        // Only to files inside the workspace, links resolved.
        .filter(|l| crate::files::resolves_inside(root, &root.join(&l.target)))
        .map(|l| lsp::DocumentLink {
            range: t.range(l.range),
            target: Some(uri::from_path(&root.join(&l.target))),
            tooltip: Some(l.target),
            data: None,
        })
        .collect()
}

pub fn inlay_hints(
    kind: FileKind,
    text: &str,
    encoding: PositionEncoding,
    range: lsp::Range,
) -> Vec<lsp::InlayHint> {
    let t = Text::new(text, encoding);
    let wanted = t.text_range(range);
    ide::inlay_hints(kind, text)
        .into_iter()
        .filter(|h| (wanted.start as usize) <= h.offset && h.offset <= wanted.end as usize)
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
}

pub fn markdown_hover(
    kind: FileKind,
    text: &str,
    pos: lsp::Position,
    encoding: PositionEncoding,
    snapshot: Option<&Snapshot>,
) -> Option<lsp::Hover> {
    let t = Text::new(text, encoding);
    let (range, md) = ide::markdown_hover(kind, text, t.offset(pos), snapshot)?;
    Some(lsp::Hover {
        contents: lsp::Contents::MarkupContent(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: md,
        }),
        range: Some(t.range(range)),
    })
}

/// The scaffold actions, as workspace edits that create the files and edit
/// the config. A file is offered only where [`crate::files::confine`] puts it
/// inside the workspace and nothing is there yet (not even a symbolic link):
/// an action whose file exists is dropped whole, so that its text is never
/// inserted into an existing file; the create itself also says
/// `overwrite: false, ignoreIfExists: true`.
#[allow(clippy::too_many_arguments)]
pub fn scaffold_actions(
    doc_uri: &lsp::Uri,
    version: i32,
    text: &str,
    range: lsp::Range,
    encoding: PositionEncoding,
    snapshot: &Snapshot,
    root: &Path,
    hub: Option<&super::hub::HubView>,
) -> Vec<lsp::CodeAction> {
    let t = Text::new(text, encoding);
    let offset = t.text_range(range).start as usize;
    let mut actions = ide::scaffold_actions(text, offset, snapshot);
    // With the model's tensor inventory: the report's §4.1 lists the real
    // tensors the layer stands for.
    if let Some(hub) = hub
        && let Some((input, observed)) = observed_for(text, offset, hub, &snapshot.catalog)
    {
        let report = input.report_path();
        for a in &mut actions {
            for f in &mut a.create {
                if f.path == report {
                    f.content = mantile_gap::scaffold::gap_report_observed(&input, &observed);
                }
            }
        }
    }
    actions
        .into_iter()
        .filter(|a| {
            a.create.iter().all(|f| {
                crate::files::confine(root, &f.path).is_ok_and(|p| !crate::files::exists(&p))
            })
        })
        .map(|a| to_action(a, doc_uri, version, &t, root))
        .collect()
}

/// The scaffold input of the layer at `offset`, with the Hub's tensors for it.
fn observed_for(
    text: &str,
    offset: usize,
    hub: &super::hub::HubView,
    catalog: &mantile_config::Catalog,
) -> Option<(
    mantile_gap::scaffold::ScaffoldInput,
    mantile_gap::scaffold::Observed,
)> {
    let tree = mantile_json::parse(text);
    let root = tree.root()?;
    let layers = mantile_config::layers(&root);
    let l = layers
        .iter()
        .find(|l| l.node.range.contains_inclusive(offset))?;
    let repo = mantile_engine::hf_model_id(text)?;
    let outcome = hub.outcome(&repo)?;
    let facts = outcome.as_ref().as_ref().ok()?;
    let inv = facts.tensors.as_deref()?;
    let tensors = mantile_config::hub_shapes::layer_tensors(l, root, inv);
    if tensors.is_empty() {
        return None;
    }
    let input = mantile_engine::scaffold_input(text, l.name_str()?, catalog)?;
    Some((
        input,
        mantile_gap::scaffold::Observed {
            tensors: crate::scaffolds::observed_tensors(&tensors),
            ..Default::default()
        },
    ))
}

fn to_action(
    a: WorkspaceAction,
    doc_uri: &lsp::Uri,
    version: i32,
    t: &Text,
    root: &Path,
) -> lsp::CodeAction {
    let mut changes = Vec::new();
    for f in &a.create {
        let file_uri = uri::from_path(&root.join(&f.path));
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
    if !a.edits.is_empty() {
        changes.push(lsp::DocumentChange::TextDocumentEdit(
            lsp::TextDocumentEdit {
                text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                    version: Some(version),
                    text_document_identifier: lsp::TextDocumentIdentifier {
                        uri: doc_uri.clone(),
                    },
                },
                edits: a
                    .edits
                    .iter()
                    .map(|e| {
                        lsp::Edit::TextEdit(lsp::TextEdit {
                            range: t.range(e.range),
                            new_text: e.new_text.clone(),
                        })
                    })
                    .collect(),
            },
        ));
    }
    lsp::CodeAction {
        title: a.title,
        kind: Some(lsp::CodeActionKind::RefactorRewrite),
        edit: Some(lsp::WorkspaceEdit {
            changes: None,
            document_changes: Some(changes),
            change_annotations: None,
        }),
        ..Default::default()
    }
}

/// Hover on `hf_model_id`: the Hub's facts beside the config's values (or
/// why there are none yet).
pub fn hub_hover(
    text: &str,
    pos: lsp::Position,
    encoding: PositionEncoding,
    hub: &super::hub::HubView,
) -> Option<lsp::Hover> {
    let t = Text::new(text, encoding);
    let offset = t.offset(pos);
    let tree = mantile_json::parse(text);
    let root = tree.root()?;
    let node = root.get("hf_model_id")?;
    if !node.range.contains_inclusive(offset) {
        return None;
    }
    let repo = mantile_engine::hf_model_id(text)?;
    let md = match hub.outcome(&repo).as_deref() {
        Some(Ok(facts)) => mantile_config::hub::hover_card(&root, facts),
        Some(Err(p)) => p.message(&repo),
        None => format!("Fetching the Hugging Face metadata of `{repo}`…"),
    };
    Some(lsp::Hover {
        contents: lsp::Contents::MarkupContent(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: md,
        }),
        range: Some(t.range(node.range)),
    })
}

/// The tensors on the Hub of the layer at `offset`, beside the shapes its
/// specs give (differences marked), once the model's inventory is known.
pub fn hub_layer_card(text: &str, offset: usize, hub: &super::hub::HubView) -> Option<String> {
    let tree = mantile_json::parse(text);
    let root = tree.root()?;
    let repo = mantile_engine::hf_model_id(text)?;
    let outcome = hub.outcome(&repo)?;
    let facts = outcome.as_ref().as_ref().ok()?;
    mantile_config::hub_shapes::layer_card(root, offset, facts)
}

/// For a config that names its model but lists no layers yet: replace it
/// with the config generated from the Hub's metadata (`mantile-lsp new`).
pub fn generate_action(
    doc_uri: &lsp::Uri,
    text: &str,
    encoding: PositionEncoding,
    hub: &super::hub::HubView,
    snapshot: Option<&Snapshot>,
) -> Option<lsp::CodeAction> {
    let tree = mantile_json::parse(text);
    let root = tree.valid_root();
    let partial = match &root {
        Some(r) => r.get("layer_types").is_none_or(|l| l.elements().is_empty()),
        None => true,
    };
    if !partial {
        return None;
    }
    let repo = mantile_engine::hf_model_id(text).or_else(|| {
        // A half-typed document: read the id textually.
        let at = text.find("\"hf_model_id\"")?;
        let rest = text[at + 13..]
            .trim_start()
            .strip_prefix(':')?
            .trim_start()
            .strip_prefix('"')?;
        let id = &rest[..rest.find('"')?];
        id.contains('/').then(|| id.to_string())
    })?;
    let outcome = hub.outcome(&repo)?;
    let facts = outcome.as_ref().as_ref().ok()?;
    let catalog = catalog_of(snapshot);
    let catalog = catalog.as_ref();
    let generated = mantile_config::hub::generate(facts, catalog).ok()?;
    let t = Text::new(text, encoding);
    let whole = t.range(mantile_diag::TextRange::new(0, text.len()));
    Some(lsp::CodeAction {
        title: format!("Generate the config from Hugging Face metadata ({repo})"),
        kind: Some(lsp::CodeActionKind::RefactorRewrite),
        edit: Some(lsp::WorkspaceEdit {
            changes: Some(std::collections::HashMap::from([(
                doc_uri.clone(),
                vec![lsp::TextEdit {
                    range: whole,
                    new_text: generated.text,
                }],
            )])),
            document_changes: None,
            change_annotations: None,
        }),
        ..Default::default()
    })
}

/// For a config whose `layer_types` lacks its attention or feed-forward
/// layer: add it, with the specs the generator derives from the model's
/// Hugging Face metadata (the config alone does not know heads or widths).
pub fn missing_layer_actions(
    doc_uri: &lsp::Uri,
    text: &str,
    encoding: PositionEncoding,
    hub: &super::hub::HubView,
    snapshot: Option<&Snapshot>,
) -> Vec<lsp::CodeAction> {
    use mantile_config::Category;
    let tree = mantile_json::parse(text);
    let Some(root) = tree.valid_root() else {
        return Vec::new();
    };
    let layers = mantile_config::layers(&root);
    let Some(lt) = root.get("layer_types") else {
        return Vec::new();
    };
    if layers.is_empty()
        || layers.len() != lt.elements().len()
        || layers.iter().any(|l| l.category().is_none())
    {
        return Vec::new();
    }
    let missing: Vec<Category> = [Category::Attention, Category::FeedForward]
        .into_iter()
        .filter(|c| !layers.iter().any(|l| l.category() == Some(*c)))
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let Some(repo) = mantile_engine::hf_model_id(text) else {
        return Vec::new();
    };
    let Some(outcome) = hub.outcome(&repo) else {
        return Vec::new();
    };
    let Ok(facts) = outcome.as_ref() else {
        return Vec::new();
    };
    let catalog = catalog_of(snapshot);
    let catalog = catalog.as_ref();
    let Ok(generated) = mantile_config::hub::generate(facts, catalog) else {
        return Vec::new();
    };
    let gtree = mantile_json::parse(&generated.text);
    let Some(groot) = gtree.root() else {
        return Vec::new();
    };
    let glayers = mantile_config::layers(&groot);
    let Some(first) = lt.elements().next() else {
        return Vec::new();
    };
    let indent = mantile_config::edit::indent_at(text, first.range.start as usize).to_string();
    let t = Text::new(text, encoding);
    let mut out = Vec::new();
    for cat in missing {
        // The generated layers of this role, re-indented to the document's layout.
        let parts: Vec<String> = glayers
            .iter()
            .filter(|l| l.category() == Some(cat))
            .map(|l| {
                let src = &generated.text[l.node.range.as_range()];
                src.lines()
                    .enumerate()
                    .map(|(i, line)| {
                        if i == 0 {
                            line.to_string()
                        } else {
                            format!("{indent}{}", line.strip_prefix("    ").unwrap_or(line))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        if parts.is_empty() {
            continue;
        }
        let joined = parts.join(&format!(",\n{indent}"));
        let after = layers
            .iter()
            .rev()
            .find(|l| l.category().is_some_and(|c| c < cat));
        let edit = match after {
            Some(l) => lsp::TextEdit {
                range: t.range(mantile_diag::TextRange::empty(l.node.range.end as usize)),
                new_text: format!(",\n{indent}{joined}"),
            },
            None => lsp::TextEdit {
                range: t.range(mantile_diag::TextRange::empty(first.range.start as usize)),
                new_text: format!("{joined},\n{indent}"),
            },
        };
        out.push(lsp::CodeAction {
            title: format!(
                "Add the {} layer from Hugging Face metadata ({repo})",
                cat.standard_name()
            ),
            kind: Some(lsp::CodeActionKind::QuickFix),
            edit: Some(lsp::WorkspaceEdit {
                changes: Some(std::collections::HashMap::from([(
                    doc_uri.clone(),
                    vec![edit],
                )])),
                document_changes: None,
                change_annotations: None,
            }),
            ..Default::default()
        });
    }
    out
}
