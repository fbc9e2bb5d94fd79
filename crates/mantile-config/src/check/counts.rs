//! MC063 attention and feed-forward counts add up to `num_layers`; MC064 one
//! norm per block (a hint).

use crate::catalog::Category;
use crate::findings::{Findings, some_of_n};
use crate::rules::{LAYER_COUNT, NORM_COUNT};
use mantile_diag::{Diagnostic, Severity};
use mantile_model::{Config, Layer};

/// Layers a message (and its related places) names before "and N more".
const NAMED: usize = 12;

pub(super) fn check(config: &Config, out: &mut Findings) {
    let Some(nl_node) = config.num_layers else {
        return;
    };
    let Some(nl) = nl_node.as_u128() else { return };
    let layers = &config.layers;
    let unknown_role = layers.iter().any(|l| l.category().is_none());
    for cat in [Category::Attention, Category::FeedForward] {
        let of_cat: Vec<&Layer> = config.of_role(cat).collect();
        if of_cat.is_empty() || of_cat.iter().any(|l| l.count.is_none()) {
            continue;
        }
        let Some(sum) = of_cat
            .iter()
            .filter_map(|l| l.count)
            .try_fold(0u128, |s, c| s.checked_add(c))
        else {
            continue;
        };
        if sum == nl || (sum < nl && unknown_role) {
            continue;
        }
        let parts = of_cat
            .iter()
            .map(|l| format!("{} {}", l.label(), l.count.unwrap_or(0)));
        let mut d = Diagnostic::new(
            &LAYER_COUNT,
            nl_node.range,
            format!(
                "{} layer counts add up to {sum} ({}), but num_layers is {nl}",
                cat.standard_name(),
                some_of_n(parts, of_cat.len(), " + ", NAMED)
            ),
        );
        if sum < nl {
            d = d.with_severity(Severity::Warning);
        }
        for l in of_cat.iter().take(NAMED) {
            if let Some(c) = l.count_node {
                d = d.with_related(c.range, format!("count of {}", l.label()));
            }
        }
        out.push(d);
    }
    // Norm count: one per block is judgement (conventions vary), so a hint.
    if config.has(Category::Attention)
        && config.has(Category::FeedForward)
        && let Some(norm) = config.of_role(Category::Norm).next()
        && norm.count == Some(nl)
        && let Some(c) = norm.count_node
        && let Some(two_per_block) = nl.checked_mul(2).and_then(|x| x.checked_add(1))
    {
        out.push(Diagnostic::new(
            &NORM_COUNT,
            c.range,
            format!(
                "norm count {nl} equals num_layers: pre-norm transformer blocks usually have two norms each (before attention and before the MLP) plus a final norm, {two_per_block}; check the model's tensors"
            ),
        ));
    }
}
