//! MC020 unique layer names, MC021 standard names, MC022 standard order.

use super::first_char;
use crate::catalog::Category;
use crate::edit::json_string;
use crate::findings::{Findings, some_of};
use crate::rules::{DUPLICATE_LAYER_NAME, LAYER_ORDER, NONSTANDARD_LAYER_NAME};
use mantile_diag::{Diagnostic, Fix, TextEdit};
use mantile_json::Node;
use mantile_model::{Config, Layer, preview};
use rustc_hash::FxHashMap;

pub(super) fn check(text: &str, config: &Config, out: &mut Findings) {
    unique_names(config, out);
    standard_names(config, out);
    standard_order(text, config, out);
}

/// MC020: each repeated name, with where it was first used (one hash map: linear).
fn unique_names(config: &Config, out: &mut Findings) {
    let mut first_use: FxHashMap<&str, Node> = FxHashMap::default();
    for l in &config.layers {
        let (Some(name), Some(node)) = (l.name_str(), l.name) else {
            continue;
        };
        match first_use.get(name) {
            Some(first) => out.push(
                Diagnostic::new(
                    &DUPLICATE_LAYER_NAME,
                    node.range,
                    format!("duplicate layer name \"{}\"", preview(name)),
                )
                .with_related(first.range, "first used here"),
            ),
            None => {
                first_use.insert(name, node);
            }
        }
    }
}

/// The layers that want a role's standard name: named so, or of a class of
/// that role. Kept per role: how many, and the first few (enough to name
/// [`crate::findings::LIST_ITEMS`] others than any one of them).
#[derive(Default)]
struct Claimants {
    count: usize,
    first: Vec<usize>,
}

/// MC021: a layer of a standard role with another name; renamed when no
/// other layer wants the standard name.
fn standard_names(config: &Config, out: &mut Findings) {
    let layers = &config.layers;
    let mut claimants: [Claimants; 4] = Default::default();
    for (i, l) in layers.iter().enumerate() {
        let name_role = l.name_str().and_then(Category::from_name);
        for cat in Category::ALL {
            if name_role == Some(cat) || l.class_category() == Some(cat) {
                let c = &mut claimants[cat as usize];
                c.count += 1;
                if c.first.len() <= crate::findings::LIST_ITEMS {
                    c.first.push(i);
                }
            }
        }
    }
    for (i, l) in layers.iter().enumerate() {
        let (Some(name), Some(node)) = (l.name_str(), l.name) else {
            continue;
        };
        if Category::from_name(name).is_some() {
            continue;
        }
        // A layer of no standard role (an unsupported kind) has no standard name to follow.
        let Some(cat) = l.class_category() else {
            continue;
        };
        // Several layers of one role cannot all take its standard name (a
        // model with sliding and full attention, dense and MoE feed-forward
        // blocks): `<standard>_<kind>` is then the way to follow the convention.
        let others = claimants[cat as usize].count - 1;
        if others > 0
            && name
                .strip_prefix(cat.standard_name())
                .is_some_and(|rest| rest.starts_with('_') && rest.len() > 1)
        {
            continue;
        }
        out.push_with(&NONSTANDARD_LAYER_NAME, node.range, || {
            let std = cat.standard_name();
            let class = preview(l.class_str().unwrap_or_default());
            let mut message = format!(
                "layer name \"{}\" is not a standard name (attention, feedforward, norm, embedding)",
                preview(name)
            );
            // This layer is one of the claimants (its class has the role).
            let c = &claimants[cat as usize];
            if others == 0 {
                message.push_str(&format!(": a {class} is the `{std}` layer"));
                return Diagnostic::new(&NONSTANDARD_LAYER_NAME, node.range, message).with_fix(
                    Fix::replace(
                        format!("Rename to \"{std}\""),
                        node.range,
                        json_string(std),
                    ),
                );
            }
            let rivals = c
                .first
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| layers[j].label());
            message.push_str(&format!(
                ": the standard name for a {class} is `{std}`, also wanted by {}",
                some_of(rivals, others, ", ")
            ));
            Diagnostic::new(&NONSTANDARD_LAYER_NAME, node.range, message)
        });
    }
}

/// MC022: the first layer out of the standard order, with a fix that reorders all.
fn standard_order(text: &str, config: &Config, out: &mut Findings) {
    let layers = &config.layers;
    let mut max_seen: Option<(Category, usize)> = None;
    for (i, l) in layers.iter().enumerate() {
        let Some(r) = l.category() else { continue };
        if let Some((m, mi)) = max_seen
            && r < m
        {
            let anchor = l
                .name
                .map(|n| n.range)
                .unwrap_or_else(|| first_char(l.node));
            let mut d = Diagnostic::new(
                &LAYER_ORDER,
                anchor,
                format!(
                    "layer {} ({}) comes after {} ({}); the standard order is attention, feedforward, norm, embedding",
                    l.label(),
                    r.standard_name(),
                    layers[mi].label(),
                    m.standard_name()
                ),
            );
            if let Some(fix) = reorder_fix(text, config) {
                d = d.with_fix(fix);
            }
            out.push(d);
            return;
        }
        if max_seen.is_none_or(|(m, _)| r > m) {
            max_seen = Some((r, i));
        }
    }
}

/// Reorders `layer_types` by role, keeping each entry's text (and unknown
/// roles after the entry before them).
fn reorder_fix(text: &str, config: &Config) -> Option<Fix> {
    if !config.all_layers_are_objects {
        return None; // a non-object entry: leave it to the user
    }
    let layers: &[Layer] = &config.layers;
    let mut keyed: Vec<(usize, usize)> = Vec::with_capacity(layers.len());
    let mut last = 0usize;
    for (i, l) in layers.iter().enumerate() {
        if let Some(r) = l.category() {
            last = r as usize;
        }
        keyed.push((last, i));
    }
    keyed.sort_by_key(|&(rank, i)| (rank, i));
    let edits = layers
        .iter()
        .zip(&keyed)
        .map(|(slot, &(_, src))| TextEdit {
            range: slot.node.range,
            new_text: text[layers[src].node.range.as_range()].to_string(),
        })
        .collect();
    Some(Fix {
        title: "Reorder layer_types: attention, feedforward, norm, embedding".into(),
        edits,
    })
}
