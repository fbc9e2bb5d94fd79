//! The whole spec checker (Markdown parser, claims, evaluator, checks) on
//! arbitrary text: it must not panic, and every range must be in bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let report = mantile_spec::check_spec(text);
    for d in &report.diagnostics {
        assert!(text.get(d.range.as_range()).is_some());
        for f in &d.fixes {
            let _ = f.apply(text);
        }
    }
    for c in &report.claims {
        assert!(text.get(c.range.as_range()).is_some());
        let _ = mantile_spec::claim_at(&report, c.range.start as usize);
    }
});
