//! Scaffolds for a layer Mantile cannot model: its gap report (§4.1 from
//! the Hub's tensors when known) and its test suite.

use super::{ActionKind, NewFile, WorkspaceAction};
use crate::{Analysis, FileKind};
use mantile_config::{Catalog, LayerView};
use mantile_json::Node;

impl Analysis {
    /// For the layer under the cursor, when its class is unknown or it is
    /// marked unsupported: scaffold its gap report (and mark it `supported:
    /// false` with a `gap_report`), and its test suite. Files that exist are
    /// never offered. With the model's tensor inventory from the Hub, the
    /// report's §4.1 lists the real tensors the layer stands for.
    pub fn scaffold_actions(&self, path: &str, offset: usize) -> Vec<WorkspaceAction> {
        if self.kind(path) != Some(FileKind::Config) {
            return Vec::new();
        }
        let Some(tree) = self.tree(path) else {
            return Vec::new();
        };
        let Some(root) = tree.root() else {
            return Vec::new();
        };
        let layers = mantile_config::layers(&root);
        let Some(l) = layers
            .iter()
            .find(|l| l.node.range.contains_inclusive(offset))
        else {
            return Vec::new();
        };
        let mut actions = scaffolds(root, l, self.catalog(), &|p| self.exists(p));
        if let Some(outcome) = self.hub_facts(path)
            && let Ok(facts) = outcome.as_ref()
            && let Some(inv) = facts.tensors.as_deref()
            && let Some(input) = layer_input(root, l, self.catalog())
        {
            let tensors = mantile_config::hub_shapes::layer_tensors(l, root, inv);
            if !tensors.is_empty() {
                let observed = mantile_gap::scaffold::Observed {
                    tensors: tensors.iter().map(observed_tensor).collect(),
                    ..Default::default()
                };
                let report = input.report_path();
                for a in &mut actions {
                    for f in &mut a.create {
                        if f.path == report {
                            f.content =
                                mantile_gap::scaffold::gap_report_observed(&input, &observed);
                        }
                    }
                }
            }
        }
        actions
    }
}

/// A gap's tensor as a scaffold lists it.
fn observed_tensor(
    t: &mantile_config::generate::GapTensor,
) -> mantile_gap::scaffold::ObservedTensor {
    mantile_gap::scaffold::ObservedTensor {
        example: t.example.clone(),
        repeats: t.repeats.clone(),
        shape: t.shape.clone(),
        dtype: t.dtype.clone(),
        elements: t.elements,
    }
}

/// What the gap scaffolds need to know about layer `layer` of a config.
pub fn scaffold_input(
    config_text: &str,
    layer: &str,
    catalog: &Catalog,
) -> Option<mantile_gap::scaffold::ScaffoldInput> {
    let tree = mantile_json::parse(config_text);
    let root = tree.root()?;
    let layers = mantile_config::layers(&root);
    let l = layers.iter().find(|l| l.name_str() == Some(layer))?;
    layer_input(root, l, catalog)
}

/// [`scaffold_input`] for a layer already read.
fn layer_input(
    root: Node,
    l: &LayerView,
    catalog: &Catalog,
) -> Option<mantile_gap::scaffold::ScaffoldInput> {
    let specs = l.specs?;
    let class = l.class_str().unwrap_or("UnknownLayer");
    let hidden_size = l
        .spec
        .hidden_size()
        .and_then(|n| n.as_u128())
        .or_else(|| root.get("hidden_size")?.as_u128())?;
    let heads = l.spec.heads();
    let kv = l.spec.num_kv_heads().and_then(|n| n.as_u128()).or(heads);
    let dh = l.spec.head_dim().and_then(|n| n.as_u128());
    Some(mantile_gap::scaffold::ScaffoldInput {
        model: root
            .get("hf_model_id")
            .and_then(|n| n.as_str())
            .unwrap_or("?")
            .to_string(),
        layer: l.name_str()?.to_string(),
        class: class.to_string(),
        count: l.count.unwrap_or(1),
        specs: specs
            .members()
            .map(|m| (m.key.to_string(), m.value.text().to_string()))
            .collect(),
        hidden_size,
        parameters: l
            .stated_count()
            .and_then(|n| n.as_u128())
            .or_else(|| l.recomputed().map(|p| p.total)),
        heads: heads.zip(kv).zip(dh).map(|((h, kv), dh)| (h, kv, dh)),
        known_class: catalog.get(class).is_some(),
    })
}

/// The scaffold actions for layer `l` (`exists`: whether a workspace file
/// is there).
fn scaffolds(
    root: Node,
    l: &LayerView,
    catalog: &Catalog,
    exists: &dyn Fn(&str) -> bool,
) -> Vec<WorkspaceAction> {
    let text = root.tree().text();
    let (Some(_), Some(class)) = (l.name_str(), l.class_str()) else {
        return Vec::new();
    };
    let unsupported = l.supported == Some(false);
    if !unsupported && catalog.get(class).is_some() {
        return Vec::new();
    }
    let Some(input) = layer_input(root, l, catalog) else {
        return Vec::new();
    };
    let named = l
        .node
        .get("gap_report")
        .filter(|g| g.as_str().is_some())
        .and_then(|g| mantile_config::gap_report_path(g, g.text()).map(|(p, _)| p));
    let report_path = named.clone().unwrap_or_else(|| input.report_path());
    let mut out = Vec::new();
    // Only files in their own folder, by plain names: a layer named
    // `../../x` or a `gap_report` that is absolute or climbs out gets no
    // scaffold (the caller resolves the path against the disk too).
    if crate::is_workspace_path(&report_path, FileKind::GapReport) && !exists(&report_path) {
        // Mark the layer unsupported and point it at the report, in one insertion.
        let mut edits = Vec::new();
        match l.node.get("supported") {
            Some(s) if s.as_bool() != Some(false) => edits.push(mantile_diag::TextEdit {
                range: s.range,
                new_text: "false".into(),
            }),
            _ => {}
        }
        let mut insert = String::new();
        let mut at = None;
        if l.node.get("supported").is_none()
            && let Some(e) = mantile_config::edit::insert_member(text, l.node, "supported", "false")
        {
            at = Some(e.range);
            insert.push_str(&e.new_text);
        }
        if named.is_none()
            && let Some(e) = mantile_config::edit::insert_member(
                text,
                l.node,
                "gap_report",
                &mantile_config::edit::json_string(&report_path),
            )
        {
            at = Some(e.range);
            insert.push_str(&e.new_text);
        }
        if let Some(range) = at {
            edits.push(mantile_diag::TextEdit {
                range,
                new_text: insert,
            });
        }
        out.push(WorkspaceAction {
            title: format!("Scaffold gap report {report_path}"),
            kind: ActionKind::Rewrite,
            create: vec![NewFile {
                path: report_path.clone(),
                content: mantile_gap::scaffold::gap_report(&input),
            }],
            edits,
        });
    }
    let suite = input.suite_path();
    if crate::is_workspace_path(&suite, FileKind::TestSpec) && !exists(&suite) {
        out.push(WorkspaceAction {
            title: format!("Scaffold test suite {suite} (3 tests: single chip, TP = 4, decode)"),
            kind: ActionKind::Rewrite,
            create: vec![NewFile {
                path: suite,
                content: mantile_gap::scaffold::test_suite(&input),
            }],
            edits: Vec::new(),
        });
    }
    out
}
