//! The gap-report checker (sections, tensors, suite links, the spec engine
//! on its calculations, the workspace checks) and the §6 registry on
//! arbitrary text: no panic, every range in bounds, every fix applicable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mantile_gap::{Dims, GapContext, GapRef, GapWorkspace, Suite};

const PATH: &str = "model_builder/gaps/x.md";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dims = Dims {
        hidden_size: Some(64),
        vocab_size: Some(1000),
        heads: Some(4),
        kv_heads: Some(2),
        head_dim: Some(16),
        intermediate_size: Some(256),
        num_experts: Some(8),
        ..Dims::default()
    };
    let suite = Suite {
        path: "tests/x_tests.md".into(),
        tests: vec![("X-1".into(), "single chip".into())],
        ..Suite::default()
    };
    let ws = GapWorkspace {
        refs: vec![GapRef {
            config: "backend/data/model_configs/o_m.json".into(),
            layer: "x".into(),
            class: "XLayer".into(),
            count: Some(1),
            report: Some(PATH.into()),
            marked_unsupported: true,
            dims,
        }],
        suites: [(suite.path.clone(), suite)].into_iter().collect(),
    };
    for workspace in [None, Some(&ws)] {
        let diags = mantile_gap::check_gap_report(
            text,
            &GapContext {
                path: PATH,
                workspace,
            },
        );
        for d in &diags {
            assert!(text.get(d.range.as_range()).is_some(), "{d:?}");
            for f in &d.fixes {
                let _ = f.apply(text);
            }
        }
    }
    let doc = mantile_gap::parse(text);
    for s in &doc.sections {
        assert!(text.get(s.heading.as_range()).is_some());
        assert!(text.get(s.range.as_range()).is_some());
        let _ = doc.children(s).count();
    }
    for t in &doc.tensors {
        assert!(text.get(t.shape_range.as_range()).is_some());
    }
    for (_, r) in &doc.suite_links {
        assert!(text.get(r.as_range()).is_some());
    }
    let reg = mantile_gap::registry(&ws, &[(PATH.to_string(), text.to_string())]);
    let _ = mantile_gap::registry_markdown(&reg);
});
