//! MC010 `model_id` is the file name; MC011 `model_id` is `hf_model_id` with `/` → `_`.

use super::ConfigContext;
use crate::edit::json_string;
use crate::findings::Findings;
use crate::rules::{HF_MODEL_ID, MODEL_ID_FILENAME};
use mantile_diag::{Diagnostic, Fix, Severity};
use mantile_model::{Config, preview};

pub(super) fn check(config: &Config, ctx: &ConfigContext, out: &mut Findings) {
    let model_id = config.model_id.filter(|n| n.as_str().is_some());
    if let (Some(stem), Some(id)) = (ctx.file_stem, model_id)
        && id.as_str() != Some(stem)
    {
        out.push(
            Diagnostic::new(
                &MODEL_ID_FILENAME,
                id.range,
                format!(
                    "model_id \"{}\" does not match the file name \"{stem}.json\"",
                    preview(id.as_str().unwrap_or_default())
                ),
            )
            .with_fix(Fix::replace(
                format!("Set model_id to \"{stem}\""),
                id.range,
                json_string(stem),
            )),
        );
    }
    if let (Some(id_node), Some(hf_node)) = (model_id, config.hf_model_id)
        && let (Some(id), Some(hf)) = (id_node.as_str(), hf_node.as_str())
        && hf.contains('/')
    {
        let expected = hf.replace('/', "_");
        if id != expected {
            let case_only = id.eq_ignore_ascii_case(&expected);
            let (id, hf, expected) = (preview(id), preview(hf), preview(&expected));
            let mut d = Diagnostic::new(
                &HF_MODEL_ID,
                id_node.range,
                if case_only {
                    format!(
                        "model_id \"{id}\" differs only in letter case from hf_model_id \"{hf}\" with `/` → `_` (\"{expected}\")"
                    )
                } else {
                    format!(
                        "model_id \"{id}\" should be hf_model_id \"{hf}\" with `/` → `_`: \"{expected}\""
                    )
                },
            )
            .with_related(hf_node.range, "hf_model_id is here");
            if case_only {
                d = d.with_severity(Severity::Warning);
            }
            out.push(d);
        }
    }
}
