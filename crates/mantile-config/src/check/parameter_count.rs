//! MC060: `parameter_count` differs from the count recomputed from the specs.

use super::n;
use crate::findings::Findings;
use crate::params;
use crate::rules::PARAMETER_COUNT;
use mantile_diag::{Diagnostic, Fix};
use mantile_model::Config;

pub(super) fn check(config: &Config, out: &mut Findings) {
    for l in &config.layers {
        let Some(stated_node) = l.stated_count() else {
            continue;
        };
        let Some(stated) = stated_node.as_u128() else {
            continue;
        };
        let Some(total) = l.recomputed_total() else {
            continue;
        };
        if stated == total {
            continue;
        }
        out.push_with(&PARAMETER_COUNT, stated_node.range, || {
            let pc = l.recomputed().expect("recomputed above");
            let mut msg = format!(
                "parameter_count {} of layer {} does not match its specs: {} = {}",
                n(stated),
                l.label(),
                pc.numbers(),
                n(pc.total)
            );
            if l.class_str() == Some("GroupedQueryAttentionLayer")
                && params::gqa_class_assumed(&l.dims()) == Some(stated)
            {
                msg.push_str(" (the stated value assumes a square o_proj)");
            }
            Diagnostic::new(&PARAMETER_COUNT, stated_node.range, msg).with_fix(Fix::replace(
                format!("Set parameter_count to {}", n(pc.total)),
                stated_node.range,
                pc.total.to_string(),
            ))
        });
    }
}
