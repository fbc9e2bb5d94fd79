//! Rough timing: `cargo run --release -p mantile-spec --example timeit -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("file");
    let text = std::fs::read_to_string(path).expect("read");
    let n = 200;
    let t = std::time::Instant::now();
    let mut k = 0;
    for _ in 0..n {
        k += mantile_spec::check_spec(&text).claims.len();
    }
    println!("check_spec: {:?} per run ({k})", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        let p = pulldown_cmark::Parser::new_ext(&text, pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_MATH);
        k += p.into_offset_iter().count();
    }
    println!("pulldown alone: {:?} per run ({k})", t.elapsed() / n);
}
