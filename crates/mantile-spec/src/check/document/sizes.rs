//! MT002: a size or parallel degree given as 0.

use crate::check::*;

impl<'a> Checker<'a> {
    /// A size or parallel degree given as 0 (`tensor_parallel = 0`,
    /// `batch_size = 0`): no layer has one; at least 1.
    pub(in crate::check) fn check_sizes(&mut self) {
        const SIZES: [&str; 21] = [
            "hidden_size",
            "num_heads",
            "num_query_heads",
            "num_attention_heads",
            "num_kv_heads",
            "num_key_value_heads",
            "head_dim",
            "batch_size",
            "seq_len",
            "intermediate_size",
            "num_experts",
            "top_k",
            "bytes_per_elem",
            "num_chips",
            "tp",
            "cp",
            "ep",
            "sp",
            "pp",
            "dp",
            "moe_intermediate_size",
        ];
        let mut out = Vec::new();
        for t in &self.tests {
            let mut seen: SmallVec<[TextRange; 4]> = SmallVec::new();
            for b in t.binds.list.iter().filter(|b| b.trusted) {
                // (The value first: 0 is rare, the names are many.)
                if b.value.exact_value() != Some(Rational::ZERO)
                    || !(SIZES.contains(&b.name) || b.name.ends_with("_parallel"))
                    || seen.contains(&b.value_at)
                {
                    continue;
                }
                seen.push(b.value_at);
                out.push(Diagnostic::new(
                    &FORMULA_MISMATCH,
                    b.value_at,
                    format!(
                        "{} is 0, but a size or parallel degree is at least 1",
                        b.name
                    ),
                ));
            }
        }
        for d in out {
            if self.diags.room(d.rule, d.range, Severity::Error) {
                self.diags.push(d);
            }
        }
    }
}
