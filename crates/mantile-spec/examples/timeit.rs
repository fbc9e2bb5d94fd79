//! Rough timing:
//! `cargo run --release -p mantile-spec --example timeit -- FILE`
//! (`TIMEIT_N` runs, best and median times reported; `TIMEIT_CACHED=1` re-checks the
//! file with one digit typed into it and taken out again, with the cache the
//! language server keeps; `TIMEIT_MARKDOWN=1` also times pulldown-cmark
//! alone). The benchmark, with allocation counts, is
//! `cargo bench -p mantile-spec`.

fn main() {
    let path = std::env::args().nth(1).expect("file");
    let text = std::fs::read_to_string(path).expect("read");
    let n: u32 = std::env::var("TIMEIT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut k = 0;
    let mut best = std::time::Duration::MAX;
    if std::env::var_os("TIMEIT_CACHED").is_some() {
        let mid = text.len() / 2;
        let at = mid + text[mid..].find(|c: char| c.is_ascii_digit()).unwrap_or(0);
        let edited = format!("{}7{}", &text[..at], &text[at..]);
        let versions = [text.clone(), edited];
        let mut cache = mantile_spec::SpecCache::default();
        k += mantile_spec::check_spec_cached(&text, &mut cache)
            .claims
            .len();
        for i in 0..n {
            let t = std::time::Instant::now();
            k += mantile_spec::check_spec_cached(&versions[i as usize % 2], &mut cache)
                .claims
                .len();
            best = best.min(t.elapsed());
        }
        println!("check_spec_cached after an edit: best {best:?} of {n} runs ({k})");
        return;
    }
    let mut times = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let t = std::time::Instant::now();
        k += mantile_spec::check_spec(&text).claims.len();
        times.push(t.elapsed());
    }
    times.sort_unstable();
    let best = times.first().copied().unwrap_or_default();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    println!("check_spec: best {best:?}, median {median:?} of {n} runs ({k})");
    if std::env::var_os("TIMEIT_MARKDOWN").is_some() {
        let mut best = std::time::Duration::MAX;
        for _ in 0..n {
            let t = std::time::Instant::now();
            let p = pulldown_cmark::Parser::new_ext(
                &text,
                pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_MATH,
            );
            k += p.into_offset_iter().count();
            best = best.min(t.elapsed());
        }
        println!("pulldown-cmark alone: best {best:?} ({k})");
    }
}
