//! Prints the findings and claim counts for spec files:
//! `cargo run -p mantile-spec --example check_files -- FILE...` (`-v` lists every claim,
//! `--debug` prints the whole report, to compare two versions of the checker).

use mantile_diag::{LineIndex, Severity};

fn main() {
    let mut verbose = false;
    let mut debug = false;
    let mut min = Severity::Hint;
    for arg in std::env::args().skip(1) {
        if arg == "-v" {
            verbose = true;
            continue;
        }
        if arg == "--debug" {
            debug = true;
            continue;
        }
        if let Some(s) = arg.strip_prefix("--min=") {
            min = Severity::parse(s).unwrap_or(Severity::Hint);
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&arg) else {
            eprintln!("cannot read {arg}");
            continue;
        };
        let report = mantile_spec::check_spec(&text);
        if debug {
            println!("{arg}: {report:#?}");
            continue;
        }
        let index = LineIndex::new(&text);
        for d in &report.diagnostics {
            if d.severity < min {
                continue;
            }
            let line = index.line_of(d.range.start as usize) + 1;
            println!("{arg}:{line}: {} {} {}", d.severity, d.rule.code, d.message);
        }
        if verbose {
            for c in &report.claims {
                let line = index.line_of(c.range.start as usize) + 1;
                println!(
                    "  claim {line}: {:?} {:?} `{}` = {}",
                    c.status,
                    c.kind,
                    &text[c.range.as_range()],
                    c.display()
                );
            }
        }
        println!("{arg}: {}", report.stats);
    }
}
