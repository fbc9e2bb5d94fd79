//! Runs over the real specs in `../shared/mantile-ref/tests/` (beside the
//! checkout; see `tests/support/mantile_ref.rs` for the other places) and pins
//! the exact set of error-level findings. Skips with a note when there is no
//! corpus, and fails instead in CI.

use mantile_diag::{LineIndex, Severity};
use std::path::PathBuf;

#[path = "../../../tests/support/mantile_ref.rs"]
mod mantile_ref;

/// The reference folder and its files whose names end with `suffix`, sorted
/// (`None`, with a note, when there is no corpus outside CI).
fn reference_files(suffix: &str) -> Option<(PathBuf, Vec<String>)> {
    let dir = mantile_ref::corpus("reference_specs.rs")?.join("tests");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read the reference folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(suffix))
        .collect();
    names.sort();
    Some((dir, names))
}

#[test]
fn reference_specs_have_exactly_the_known_errors() {
    let Some((dir, names)) = reference_files("_tests.md") else {
        return;
    };
    let mut found = Vec::new();
    let mut evaluated = 0;
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name)).expect("read a spec");
        let report = mantile_spec::check_spec(&text);
        evaluated += report.stats.claims_evaluated;
        let index = LineIndex::new(&text);
        for d in report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            let line = index.line_of(d.range.start as usize) + 1;
            found.push(format!("{name}:{line} {}", d.rule.code));
        }
    }
    assert_eq!(
        found,
        [
            // CP-3: 3*4,194,304 + 2*131,072 + 4,194,304 is 17,039,360 (wrong sum).
            "attention_tests.md:774 MT001",
            // GQA-3: per-chip FLOPs copied from CP-5; its own terms add to 2,686,976.
            "attention_tests.md:1913 MT004",
            "attention_tests.md:1917 MT004",
            // SWA-2 note: `2 * 4 * 512 * 128 * 2` is B·h_kv·S·dh·bytes, one of K
            // and V: the K+V factor 2 is missing.
            "attention_tests.md:2292 MT001",
            // SWA-4: Expected flops_total is stale; the steps add to 28,256,927,744.
            "attention_tests.md:2569 MT004",
            // Summary rows not updated after MOE-4 / GMOE-3 changed their comm.
            "moe_tests.md:74 MT005",
            "moe_tests.md:1087 MT005",
            // Test 0: (2,199,023,255,552 / 10^15) is 0.002199..., not 2.199...
            "timing_tests.md:99 MT001",
        ]
    );
    assert!(evaluated >= 700, "only {evaluated} claims evaluated");
}

/// The README's figures for the real specs are the checker's: the claims it
/// finds and evaluates there.
#[test]
fn readme_states_the_claims_found_and_evaluated() {
    let Some((dir, names)) = reference_files("_tests.md") else {
        return;
    };
    let (mut found, mut evaluated) = (0, 0);
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name)).expect("read a spec");
        let stats = mantile_spec::check_spec(&text).stats;
        found += stats.claims_found;
        evaluated += stats.claims_evaluated;
    }
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("read the README");
    let group = |n: usize| mantile_diag::format_grouped(n as i128);
    let sentence = format!(
        "it evaluates {} of {} claims",
        group(evaluated),
        group(found)
    );
    assert!(
        readme.contains(&sentence),
        "the README should say \"{sentence}\" (Test specs section)"
    );
}

/// Reading the Markdown in chunks (with a cache kept between versions, an
/// edit re-reads only the chunks it touched) must change nothing.
#[test]
fn chunked_and_cached_reading_agree_with_reading_whole() {
    let Some((dir, names)) = reference_files(".md") else {
        return;
    };
    assert!(names.len() >= 5, "{names:?}");
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name)).expect("read a spec");
        assert!(mantile_spec::chunked_markdown_agrees(&text), "{name}");
        let fresh = format!("{:?}", mantile_spec::check_spec(&text));
        let mut cache = mantile_spec::SpecCache::default();
        let cached = format!("{:?}", mantile_spec::check_spec_cached(&text, &mut cache));
        assert_eq!(fresh, cached, "{name}");
        assert_eq!(
            cache.last_read(),
            text.len(),
            "{name}: a cold cache reads all"
        );
        // Type a digit into a number in the middle of the document, then
        // take it out again: each version's cached report is the fresh one.
        let mid = text.len() / 2;
        let at = mid
            + text[mid..]
                .find(|c: char| c.is_ascii_digit())
                .expect("a digit");
        let edited = format!("{}7{}", &text[..at], &text[at..]);
        for version in [&edited, &text] {
            let fresh = format!("{:?}", mantile_spec::check_spec(version));
            let cached = format!("{:?}", mantile_spec::check_spec_cached(version, &mut cache));
            assert_eq!(fresh, cached, "{name}");
            if text.len() > 20_000 {
                assert!(
                    cache.last_read() < text.len() / 4,
                    "{name}: an edit re-read {} of {} bytes",
                    cache.last_read(),
                    text.len()
                );
            }
        }
    }
}
