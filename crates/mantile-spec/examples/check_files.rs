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
            println!("{arg}: {:#?}", debug_view(&report, &text));
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

/// The report with each claim's sides and bindings in the claim, as
/// `--debug` has always printed it (so that two versions of the checker
/// compare line for line).
fn debug_view<'r>(report: &'r mantile_spec::SpecReport, text: &'r str) -> SpecReport<'r> {
    SpecReport {
        diagnostics: &report.diagnostics,
        claims: report
            .claims
            .iter()
            .map(|c| Claim {
                range: c.range,
                kind: c.kind,
                target: c.target(text),
                sides: report.sides(c),
                interval: c.interval,
                status: c.status,
                bindings: report.bindings(c),
            })
            .collect(),
        tests: &report.tests,
        stats: report.stats,
    }
}

// (Named as the library's types, for the same output.)
#[derive(Debug)]
#[allow(dead_code)]
struct SpecReport<'r> {
    diagnostics: &'r [mantile_diag::Diagnostic],
    claims: Vec<Claim<'r>>,
    tests: &'r [mantile_spec::TestInfo],
    stats: mantile_spec::SpecStats,
}

#[derive(Debug)]
#[allow(dead_code)]
struct Claim<'r> {
    range: mantile_diag::TextRange,
    kind: mantile_spec::ClaimKind,
    target: Option<&'r str>,
    sides: &'r [mantile_spec::ClaimSide],
    interval: Option<mantile_spec::Interval>,
    status: mantile_spec::ClaimStatus,
    bindings: &'r [mantile_spec::BindingUse],
}
