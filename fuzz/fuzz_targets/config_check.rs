//! The config checker (parser, schema, typed model, every rule) and the
//! hover cards on arbitrary text: no panic, every range and fix in bounds,
//! at most MAX_PER_RULE findings of a rule plus one summary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mantile_config::{Catalog, ConfigContext, MAX_PER_RULE, check_config};
use mantile_engine::ide::config_hover_tree;

struct NoFiles;

impl mantile_config::WorkspaceFiles for NoFiles {
    fn exists(&self, rel_path: &str) -> bool {
        rel_path.len() % 2 == 0
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let catalog = Catalog::builtin();
    let ctx = ConfigContext {
        file_stem: Some("org_Model"),
        catalog: &catalog,
        files: Some(&NoFiles),
        one_shot: false,
    };
    let report = check_config(text, &ctx);
    let mut per_rule = std::collections::HashMap::new();
    for d in &report.diagnostics {
        assert!(text.get(d.range.as_range()).is_some(), "{:?}", d.range);
        *per_rule.entry(d.rule.code).or_insert(0usize) += 1;
        for r in &d.related {
            assert!(text.get(r.range.as_range()).is_some());
        }
        for f in &d.fixes {
            for e in &f.edits {
                assert!(text.get(e.range.as_range()).is_some());
            }
            let _ = f.apply(text);
        }
    }
    for (code, n) in per_rule {
        assert!(n <= MAX_PER_RULE + 1, "{code}: {n} findings");
    }
    // Hover at a few places spread over the text, on the tree the check parsed.
    let step = (text.len() / 16).max(1);
    for offset in (0..=text.len()).step_by(step) {
        if let Some(card) = config_hover_tree(&report.tree, offset, &catalog) {
            assert!(text.get(card.range.as_range()).is_some());
        }
    }
});
