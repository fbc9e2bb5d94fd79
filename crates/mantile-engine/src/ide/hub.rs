//! Hover, and the code actions that use the model's Hugging Face metadata
//! (the Hub answers are an input of the analysis: absent until the caller
//! records them).

use super::{ActionKind, Hover, WorkspaceAction};
use crate::analysis::Parsed;
use crate::{Analysis, FileKind, HubFacts};
use mantile_config::Category;
use mantile_diag::{TextEdit, TextRange};
use mantile_json::Node;

impl Analysis {
    /// Hover: in a config, `hf_model_id` → the Hub's facts beside the
    /// config's (or why there are none yet); a key or value → what it means,
    /// with the numbers worked out, and on a layer its tensors on the Hub;
    /// in a spec or gap report, a calculation or a test ID.
    pub fn hover(&self, path: &str, offset: usize) -> Option<Hover> {
        let parsed = self.parsed_of(path)?;
        let Parsed::Config(tree) = &parsed else {
            return self.markdown_hover(path, offset);
        };
        let root = tree.root()?;
        if self.hub_enabled()
            && let Some(node) = root.get("hf_model_id")
            && node.range.contains_inclusive(offset)
            && let Some(repo) = self.hf_model_id(path)
        {
            let markdown = match self.hub_outcome(&repo).as_deref() {
                Some(Ok(facts)) => mantile_config::hub::hover_card(&root, facts),
                Some(Err(p)) => p.message(&repo),
                None => format!("Fetching the Hugging Face metadata of `{repo}`…"),
            };
            return Some(Hover {
                range: node.range,
                markdown,
            });
        }
        let card = super::config_hover_tree(tree, offset, self.catalog())?;
        let mut markdown = card.markdown;
        // On a layer: its tensors on the Hub beside its specs' shapes.
        if let Some(outcome) = self.hub_facts(path)
            && let Ok(facts) = outcome.as_ref()
            && let Some(layer) = mantile_config::hub_shapes::layer_card(root, offset, facts)
        {
            markdown.push_str("\n\n---\n\n");
            markdown.push_str(&layer);
        }
        Some(Hover {
            range: card.range,
            markdown,
        })
    }

    /// The Hub's answer for the model a config names, once known and when
    /// it holds facts.
    pub(crate) fn hub_facts(&self, path: &str) -> Option<crate::HubOutcome> {
        if !self.hub_enabled() {
            return None;
        }
        let outcome = self.hub_outcome(&self.hf_model_id(path)?)?;
        outcome.as_ref().is_ok().then_some(outcome)
    }

    /// For a config that names its model but lists no layers yet: replace
    /// it with the config generated from the Hub's metadata (`mantile-lsp
    /// new`).
    pub fn generate_action(&self, path: &str) -> Option<WorkspaceAction> {
        if self.kind(path)? != FileKind::Config || !self.hub_enabled() {
            return None;
        }
        let tree = self.tree(path)?;
        let text = tree.text();
        let root = tree.valid_root();
        let partial = match &root {
            Some(r) => r.get("layer_types").is_none_or(|l| l.elements().is_empty()),
            None => true,
        };
        if !partial {
            return None;
        }
        let repo = self.hf_model_id(path).or_else(|| {
            // A half-typed document: the id as far as it parses.
            let id = tree.root()?.get("hf_model_id")?.as_str()?.trim();
            id.contains('/').then(|| id.to_string())
        })?;
        let outcome = self.hub_outcome(&repo)?;
        let facts = outcome.as_ref().as_ref().ok()?;
        let generated = mantile_config::hub::generate(facts, self.catalog()).ok()?;
        Some(WorkspaceAction {
            title: format!("Generate the config from Hugging Face metadata ({repo})"),
            kind: ActionKind::Rewrite,
            create: Vec::new(),
            edits: vec![TextEdit {
                range: TextRange::new(0, text.len()),
                new_text: generated.text,
            }],
        })
    }

    /// For a config whose `layer_types` lacks its attention or feed-forward
    /// layer: add it, with the specs the generator derives from the model's
    /// Hugging Face metadata (the config alone does not know heads or widths).
    pub fn missing_layer_actions(&self, path: &str) -> Vec<WorkspaceAction> {
        let Some(outcome) = self.hub_facts(path) else {
            return Vec::new();
        };
        let Ok(facts) = outcome.as_ref() else {
            return Vec::new();
        };
        let Some(tree) = self.tree(path) else {
            return Vec::new();
        };
        let Some(root) = tree.valid_root() else {
            return Vec::new();
        };
        missing_layers(
            root,
            facts,
            self.catalog(),
            &self.hf_model_id(path).unwrap_or_default(),
        )
    }
}

fn missing_layers(
    root: Node,
    facts: &HubFacts,
    catalog: &mantile_config::Catalog,
    repo: &str,
) -> Vec<WorkspaceAction> {
    let text = root.tree().text();
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
        let edit = mantile_config::edit::insert_layer(&layers, first, cat, &indent, &joined);
        out.push(WorkspaceAction {
            title: format!(
                "Add the {} layer from Hugging Face metadata ({repo})",
                cat.standard_name()
            ),
            kind: ActionKind::QuickFix,
            create: Vec::new(),
            edits: vec![edit],
        });
    }
    out
}
