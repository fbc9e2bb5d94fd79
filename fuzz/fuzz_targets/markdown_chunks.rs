//! The Markdown model read in chunks (and with a cache across versions)
//! must be exactly the model read whole, and a check with the cache (which
//! also keeps the lines' tokens) exactly the report of a fresh check. The input holds one or more
//! versions of a document separated by 0xFF bytes (never valid UTF-8).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let versions: Vec<&str> = data
        .split(|&b| b == 0xFF)
        .filter_map(|v| std::str::from_utf8(v).ok())
        .collect();
    for v in &versions {
        assert!(mantile_spec::chunked_markdown_agrees(v), "{v:?}");
    }
    assert!(mantile_spec::cached_markdown_agrees(&versions));
    assert!(mantile_spec::cached_reports_agree(&versions));
});
