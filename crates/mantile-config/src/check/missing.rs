//! MC023: a standard layer missing from `layer_types`, with a fix that adds
//! the embedding or the norm.

use crate::catalog::Category;
use crate::findings::Findings;
use crate::params::{self, Specs};
use crate::rules::MISSING_LAYER;
use mantile_diag::{Diagnostic, Fix};
use mantile_json::Node;
use mantile_model::Config;

/// A model always has token embeddings and norms; a config without them
/// misses their parameters and memory. Attention and feed-forward layers
/// are too model-specific to add, so only embedding and norm get a fix.
pub(super) fn check(text: &str, config: &Config, out: &mut Findings) {
    let Some(lt) = config.layer_types else {
        return;
    };
    let layers = &config.layers;
    if layers.is_empty() || !config.all_layers_are_objects {
        return;
    }
    let Some(first) = lt.value.elements().next() else {
        return;
    };
    // A layer of unknown role may be the model's mixer (a Mamba block): then
    // missing attention or feed-forward layers are not a defect.
    let unknown_role = layers.iter().any(|l| l.category().is_none());
    for cat in Category::ALL {
        if config.has(cat)
            || (unknown_role && matches!(cat, Category::Attention | Category::FeedForward))
        {
            continue;
        }
        let mut d = Diagnostic::new(
            &MISSING_LAYER,
            lt.key_range,
            format!(
                "layer_types has no {} layer (standard: attention, feedforward, norm, embedding)",
                cat.standard_name()
            ),
        );
        let indent = crate::edit::indent_at(text, first.range.start as usize).to_string();
        let unit = crate::edit::detect_indent_unit(text).to_string();
        if let Some(json) = standard_layer_json(cat, config, &indent, &unit) {
            let edit = crate::edit::insert_layer(layers, first, cat, &indent, &json);
            let name = cat.standard_name();
            let article = if name.starts_with(['a', 'e']) {
                "an"
            } else {
                "a"
            };
            d = d.with_fix(Fix {
                title: format!("Add {article} {name} layer"),
                edits: vec![edit],
            });
        }
        out.push(d);
    }
}

/// A standard layer, with specs derived from the config, as JSON text
/// indented like the entries of `layer_types`.
fn standard_layer_json(cat: Category, config: &Config, indent: &str, unit: &str) -> Option<String> {
    let d = config.hidden_size?.as_u128()?;
    let nl = config.num_layers.and_then(Node::as_u128);
    let (class, count, specs): (&str, u128, Vec<(&str, u128)>) = match cat {
        Category::Norm => (
            "NormLayer",
            nl?.checked_mul(2)?.checked_add(1)?,
            vec![("hidden_size", d)],
        ),
        Category::Embedding => (
            "EmbeddingLayer",
            1,
            vec![
                ("vocab_size", config.vocab_size?.as_u128()?),
                ("hidden_size", d),
            ],
        ),
        _ => return None,
    };
    let mut spec_text: Vec<String> = specs.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
    let json_specs = format!("{{{}}}", spec_text.join(", "));
    let parsed = mantile_json::parse(&json_specs);
    if let Some(pc) = params::count(class, Specs(parsed.root()?)) {
        spec_text.push(format!("\"parameter_count\": {}", pc.total));
    }
    if cat == Category::Norm {
        spec_text.insert(1, "\"has_bias\": false".to_string());
    }
    let inner = format!("{indent}{unit}");
    let specs_inner = format!("{inner}{unit}");
    Some(format!(
        "{{\n{inner}\"name\": \"{}\",\n{inner}\"class\": \"{class}\",\n{inner}\"count\": {count},\n{inner}\"specs\": {{\n{specs_inner}{}\n{inner}}}\n{indent}}}",
        cat.standard_name(),
        spec_text.join(&format!(",\n{specs_inner}"))
    ))
}
