//! The spec checker's recall, by mutation (issue 15):
//!
//! ```sh
//! cargo run --release -p mantile-spec --example recall -- ../shared/mantile-ref/tests/*_tests.md
//! ```
//!
//! For every number stated after an `=` on a line without an error (or
//! `--per-file N` of them, sampled), one digit is changed (`--seed S`,
//! default 1: the same seed gives the same changes) and the file checked
//! again. Prints the share caught at error level, the share caught within
//! three lines of the change, and the misses grouped by reason (`-v`: every
//! miss, not three per reason).

use mantile_spec::recall::{Outcome, Rng, run_file};
use std::collections::BTreeMap;

fn main() {
    let mut seed = 1u64;
    let mut per_file = None;
    let mut verbose = false;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).expect("--seed N"),
            "--per-file" => {
                per_file = Some(
                    args.next()
                        .and_then(|v| v.parse().ok())
                        .expect("--per-file N"),
                )
            }
            "-v" => verbose = true,
            _ => files.push(a),
        }
    }
    if files.is_empty() {
        eprintln!("usage: recall [--seed S] [--per-file N] [-v] FILE...");
        std::process::exit(2);
    }
    let mut rng = Rng::new(seed);
    let mut all: Vec<(String, Outcome)> = Vec::new();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f}: {e}"));
        let outcomes = run_file(&text, &mut rng, per_file);
        let caught = outcomes.iter().filter(|o| o.caught).count();
        let name = f.rsplit('/').next().unwrap_or(f).to_string();
        println!(
            "{name}: {caught} of {} caught ({})",
            outcomes.len(),
            percent(caught, outcomes.len())
        );
        all.extend(outcomes.into_iter().map(|o| (name.clone(), o)));
        texts.insert(name, text);
    }
    let n = all.len();
    let caught = all.iter().filter(|(_, o)| o.caught).count();
    let nearby = all.iter().filter(|(_, o)| o.nearby).count();
    println!(
        "\nseed {seed}: {n} changes, {caught} caught at error level ({}), {nearby} within three lines ({})",
        percent(caught, n),
        percent(nearby, n)
    );
    let mut by_reason: BTreeMap<&str, Vec<&(String, Outcome)>> = BTreeMap::new();
    for x in all.iter().filter(|(_, o)| !o.caught) {
        by_reason.entry(x.1.reason.as_str()).or_default().push(x);
    }
    let mut reasons: Vec<_> = by_reason.into_iter().collect();
    reasons.sort_by_key(|(r, v)| (std::cmp::Reverse(v.len()), *r));
    if !reasons.is_empty() {
        println!("\nmissed, by reason:");
    }
    for (reason, misses) in reasons {
        println!("  {:>4}  {reason}", misses.len());
        for (f, o) in misses.iter().take(if verbose { usize::MAX } else { 3 }) {
            println!("          {f}:{}: {}", o.line, shown(&texts[f], o));
        }
    }
    let late = all.iter().filter(|(_, o)| o.caught && !o.nearby);
    let late: Vec<_> = late.collect();
    if !late.is_empty() {
        println!("\ncaught, but not within three lines: {}", late.len());
        for (f, o) in late.iter().take(if verbose { usize::MAX } else { 5 }) {
            println!(
                "          {f}:{}: {:?} {}",
                o.line,
                o.rules,
                shown(&texts[f], o)
            );
        }
    }
}

/// The changed line, the number shown as `[old→new]`.
fn shown(text: &str, o: &Outcome) -> String {
    let m = &o.mutation;
    let (a, z) = (m.number.start as usize, m.number.end as usize);
    let start = text[..a].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = text[z..].find(['\n', '\r']).map_or(text.len(), |i| z + i);
    let new = m.apply(text);
    let line = format!(
        "{}[{}→{}]{}",
        &text[start..a],
        &text[a..z],
        &new[a..z],
        &text[z..end]
    );
    let line = line.trim();
    match line.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

fn percent(k: usize, n: usize) -> String {
    if n == 0 {
        return "-".into();
    }
    format!("{:.1}%", 100.0 * k as f64 / n as f64)
}
