//! Inlay hints: the recomputed value where it differs from the text's.

use crate::Analysis;
use crate::analysis::Parsed;
use mantile_diag::{TextRange, format_grouped};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint goes (after a value).
    pub offset: usize,
    pub label: String,
    pub tooltip: Option<String>,
}

impl Analysis {
    /// The recomputed value wherever it differs from what the text states,
    /// within `range`: a layer's `parameter_count` (on the intact layers of
    /// a config that has a syntax error elsewhere too), a spec claim.
    pub fn inlay_hints(&self, path: &str, range: TextRange) -> Vec<InlayHint> {
        let within = |h: &InlayHint| range.contains_inclusive(h.offset);
        match self.parsed_of(path) {
            Some(Parsed::Config(tree)) => {
                let Some(root) = tree.root() else {
                    return Vec::new();
                };
                mantile_config::layers(&root)
                    .iter()
                    .filter(|l| l.node.range.start <= range.end && range.start <= l.node.range.end)
                    .filter_map(|l| {
                        let stated = l.stated_count()?;
                        let pc = l.recomputed()?;
                        let total = i128::try_from(pc.total).ok()?;
                        (stated.as_u128()? != pc.total).then(|| InlayHint {
                            offset: stated.range.end as usize,
                            label: format!(" (recomputed {})", format_grouped(total)),
                            tooltip: Some(format!("{} = {}", pc.numbers(), format_grouped(total))),
                        })
                    })
                    .filter(within)
                    .collect()
            }
            Some(Parsed::Spec(report) | Parsed::Gap(_, report)) => report
                .claims
                .iter()
                .filter(|c| c.status == mantile_spec::ClaimStatus::Mismatch)
                .map(|c| InlayHint {
                    offset: c.range.end as usize,
                    label: format!(" (recomputed {})", c.display()),
                    tooltip: Some("the value mantile-lsp computes for this calculation".into()),
                })
                .filter(within)
                .collect(),
            _ => Vec::new(),
        }
    }
}
