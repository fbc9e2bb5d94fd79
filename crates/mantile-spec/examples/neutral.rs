//! The spec checker's precision under edits that change no number:
//!
//! ```sh
//! cargo run --release -p mantile-spec --example neutral -- ../shared/mantile-ref/tests/*_tests.md
//! ```
//!
//! Each spec is rewritten without changing what it says (line endings, list
//! markers, blank lines after headings, products without spaces, numbers
//! without separators, prose wrapped at 80, 60 and 40 columns) and checked
//! again; every finding that appears or vanishes is printed. None should.

use mantile_spec::neutral::{compare, edits};

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: neutral FILE...");
        std::process::exit(2);
    }
    let (mut checks, mut appeared, mut vanished) = (0, 0, 0);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f}: {e}"));
        let name = f.rsplit('/').next().unwrap_or(f);
        for e in edits() {
            checks += 1;
            for c in compare(&text, &(e.apply)(&text)) {
                let sign = if c.appeared { '+' } else { '-' };
                println!(
                    "{name} ({}): {sign} line {}: {} {}: {}",
                    e.name, c.line, c.code, c.severity, c.message
                );
                if c.appeared {
                    appeared += 1;
                } else {
                    vanished += 1;
                }
            }
        }
    }
    println!(
        "{} edits of {} files: {appeared} findings appeared, {vanished} vanished",
        checks,
        files.len()
    );
}
