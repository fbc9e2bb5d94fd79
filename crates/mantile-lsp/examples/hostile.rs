//! The adversarial scaling harness (issue 12): generates every huge or
//! special input of the issue, runs `mantile-lsp check` on each as a child
//! process, and reports its wall time, peak RSS and output size against the
//! bound "under 1 s per MB of input, peak RSS under 100 MB + 10× the file
//! size". Exits 1 when a bound is broken (or a run crashes or times out).
//!
//! ```sh
//! cargo build --release -p mantile-lsp --bins --examples
//! target/release/examples/hostile            # every case
//! target/release/examples/hostile spec-      # the cases whose name starts so
//! ```
//!
//! Options: `--bin PATH` (the server binary; default: `mantile-lsp` beside
//! this example's folder), `--keep` (leave the inputs in the scratch folder),
//! `--timeout SECS` (per run, default 120). Each run's address space is
//! capped (4× its RSS bound + 2 GB), so that a run far over its bound ends
//! (as a failure) before it takes the machine's memory.
//!
//! The time bound has a floor of [`TIME_FLOOR`]: a process that starts,
//! reads its workspace and prints takes a few milliseconds whatever its
//! input, so a 20 KB input is held to 0.1 s, not 20 ms.
//!
//! Peak RSS is the child's `ru_maxrss`: the harness runs each case through a
//! copy of itself (`--measure`) whose only child is the checker, so that
//! `getrusage(RUSAGE_CHILDREN)` is that one process's.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The least time allowed to any run (see the module's doc).
const TIME_FLOOR: Duration = Duration::from_millis(100);
const MB: f64 = 1_000_000.0;

/// One input: where it goes in its workspace and how to write it.
struct Case {
    name: &'static str,
    /// What the issue measured (its item).
    about: &'static str,
    /// The file's path in the case's workspace.
    rel: &'static str,
    make: fn(&Path) -> std::io::Result<()>,
    /// Check the workspace folder rather than the file (as `check` with no
    /// path would: a FIFO or a link is found by the folder walk).
    whole_workspace: bool,
}

fn write(p: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(p, text)
}

fn spec_claim(claim: &str) -> String {
    format!(
        "# Test HX-1 — hostile, single chip\n\n### Test case parameters\n\n* batch_size `B` = **1**\n\n### Calculations\n\n* {claim}\n\n### Expected results\n\n* flops_per_chip: **1**\n"
    )
}

fn chain(op: &str, terms: usize, rhs: &str) -> String {
    let mut s = String::with_capacity(terms * (op.len() + 1) + 16);
    s.push('`');
    for i in 0..terms {
        if i > 0 {
            s.push_str(op);
        }
        s.push('1');
    }
    write!(s, " = {rhs}`").unwrap();
    s
}

fn sum_chain(p: &Path, terms: usize) -> std::io::Result<()> {
    write(p, &spec_claim(&chain(" + ", terms, "1")))
}

fn config_with_layers(layers: &[String], extra: &str) -> String {
    format!(
        "{{\n  \"model_id\": \"hostile_m\",\n  \"hf_model_id\": \"hostile/m\",\n  \"name\": \"m\",\n  \"hidden_size\": 64,\n  \"num_layers\": 2,\n  \"vocab_size\": 100,\n  \"total_params\": 1000,{extra}\n  \"layer_types\": [\n    {}\n  ]\n}}\n",
        layers.join(",\n    ")
    )
}

fn layer(name: &str) -> String {
    format!(
        "{{\"name\": \"{name}\", \"class\": \"GroupedQueryAttentionLayer\", \"count\": 2, \"specs\": {{\"hidden_size\": 64, \"num_heads\": 4, \"num_kv_heads\": 2, \"head_dim\": 16, \"parameter_count\": 12288}}}}"
    )
}

const CASES: &[Case] = &[
    Case {
        name: "spec-sum-chain-5k",
        about: "item 7: `1 + 1 + … = 1`, 5,000 terms (killed the server)",
        rel: "tests/hostile_tests.md",
        make: |p| sum_chain(p, 5_000),
        whole_workspace: false,
    },
    Case {
        name: "spec-sum-chain-20k",
        about: "item 7: 20,000 terms (killed the CLI)",
        rel: "tests/hostile_tests.md",
        make: |p| sum_chain(p, 20_000),
        whole_workspace: false,
    },
    Case {
        name: "spec-sum-chain-100k",
        about: "item 7: 100,000 terms",
        rel: "tests/hostile_tests.md",
        make: |p| sum_chain(p, 100_000),
        whole_workspace: false,
    },
    Case {
        name: "spec-product-chain-20k",
        about: "item 7: long `*` chains",
        rel: "tests/hostile_tests.md",
        make: |p| write(p, &spec_claim(&chain(" * ", 20_000, "1"))),
        whole_workspace: false,
    },
    Case {
        name: "spec-variable-sum-20k",
        about: "item 7: large variable sums",
        rel: "tests/hostile_tests.md",
        make: |p| {
            let mut s = String::from("`");
            for i in 0..20_000 {
                s.push_str(if i > 0 { " + B" } else { "B" });
            }
            s.push_str(" = 1`");
            write(p, &spec_claim(&s))
        },
        whole_workspace: false,
    },
    Case {
        name: "spec-equality-chain-20k",
        about: "item 13: an equality chain of 20,000 terms (2.9 s)",
        rel: "tests/hostile_tests.md",
        make: |p| write(p, &spec_claim(&chain(" = ", 20_000, "1"))),
        whole_workspace: false,
    },
    Case {
        name: "spec-equality-chain-100k",
        about: "item 13: 100,000 terms (> 30 s)",
        rel: "tests/hostile_tests.md",
        make: |p| write(p, &spec_claim(&chain(" = ", 100_000, "1"))),
        whole_workspace: false,
    },
    Case {
        name: "spec-claims-on-a-line-20k",
        about: "item 13: 20,000 claims on one line (2.5 s)",
        rel: "tests/hostile_tests.md",
        make: |p| {
            let line = "`1 + 1 = 2` ".repeat(20_000);
            write(p, &spec_claim(&line))
        },
        whole_workspace: false,
    },
    Case {
        name: "gap-table-rows-100k",
        about: "item 13: a gap report with 100,000 table rows",
        rel: "model_builder/gaps/hostile.md",
        make: |p| {
            let mut s = String::from(
                "# Gap Report: Hostile\n\n## 4.1 Layer\n\n| tensor | shape |\n|---|---|\n",
            );
            for i in 0..100_000 {
                writeln!(s, "| model.layers.{i}.mlp.w.weight | [64, 64] |").unwrap();
            }
            write(p, &s)
        },
        whole_workspace: false,
    },
    Case {
        name: "gap-headings-50k",
        about: "item 13: a gap report with 50,000 headings",
        rel: "model_builder/gaps/hostile.md",
        make: |p| {
            let mut s = String::from("# Gap Report: Hostile\n\n");
            for i in 0..50_000 {
                writeln!(s, "## Section {i}\n\nText `2 * 3 = 6`.\n").unwrap();
            }
            write(p, &s)
        },
        whole_workspace: false,
    },
    Case {
        name: "gap-tensor-sections-50k",
        about: "item 13: a gap report with 50,000 tensor sections",
        rel: "model_builder/gaps/hostile.md",
        make: |p| {
            let mut s = String::from("# Gap Report: Hostile\n\n## 4.3 Tensors\n\n");
            for i in 0..50_000 {
                writeln!(
                    s,
                    "### Tensor: model.layers.{i}.mlp.w.weight\n\n**Shape**: `[64, 64]`\n"
                )
                .unwrap();
            }
            write(p, &s)
        },
        whole_workspace: false,
    },
    Case {
        name: "config-nonstandard-names-10k",
        about: "item 11: 10,000 non-standard layer names (1.1 GB of output, 24 s, 2.8 GB)",
        rel: "backend/data/model_configs/hostile_m.json",
        make: |p| {
            let layers: Vec<String> = (0..10_000).map(|i| layer(&format!("attn_{i}"))).collect();
            write(p, &config_with_layers(&layers, ""))
        },
        whole_workspace: false,
    },
    Case {
        name: "config-unknown-fields-100k",
        about: "item 12: 100,000 unknown fields (42 s)",
        rel: "backend/data/model_configs/hostile_m.json",
        make: |p| {
            let mut extra = String::new();
            for i in 0..100_000 {
                write!(extra, "\n  \"unknown_{i}\": 1,").unwrap();
            }
            write(p, &config_with_layers(&[layer("attention")], &extra))
        },
        whole_workspace: false,
    },
    Case {
        name: "config-duplicate-keys-100k",
        about: "item 12: 100,000 duplicate keys (6.3 s, 92 MB of output)",
        rel: "backend/data/model_configs/hostile_m.json",
        make: |p| {
            let extra = "\n  \"hidden_size\": 64,".repeat(100_000);
            write(p, &config_with_layers(&[layer("attention")], &extra))
        },
        whole_workspace: false,
    },
    Case {
        name: "config-attention-layers-100k",
        about: "item 12: 100,000 layers all named `attention` (65 s)",
        rel: "backend/data/model_configs/hostile_m.json",
        make: |p| {
            // Short entries, so that the file stays under the 8 MiB limit.
            let layers = vec!["{\"name\": \"attention\", \"count\": 1}".to_string(); 100_000];
            write(p, &config_with_layers(&layers, ""))
        },
        whole_workspace: false,
    },
    Case {
        name: "config-minified-findings-5k",
        about: "one line of JSON (a minified config) with 5,000 findings and non-ASCII text: positions and source excerpts per finding (1.9 s before LineIndex's checkpoints)",
        rel: "backend/data/model_configs/hostile_m.json",
        make: |p| {
            let layers = vec![layer("attention"); 5_000].join(",");
            let text = format!(
                "{{\"model_id\": \"hostile_m\", \"hf_model_id\": \"hostile/m\", \"name\": \"m × ᵀ ≈\", \"hidden_size\": 64, \"num_layers\": 2, \"vocab_size\": 100, \"total_params\": 1000, \"layer_types\": [{}]}}",
                layers.replace("12288", "12000")
            );
            write(p, &text)
        },
        whole_workspace: false,
    },
    Case {
        name: "sparse-3gb",
        about: "item 9: a 3 GB (sparse) config, read whole before (6.3 GB RSS)",
        rel: "backend/data/model_configs/hostile_m.json",
        make: |p| std::fs::File::create(p)?.set_len(3 << 30),
        whole_workspace: false,
    },
    Case {
        name: "dev-zero-link",
        about: "item 9: a config that is a symbolic link to /dev/zero (memory without bound)",
        rel: "backend/data/model_configs/hostile_m.json",
        make: |p| std::os::unix::fs::symlink("/dev/zero", p),
        whole_workspace: false,
    },
    Case {
        name: "fifo",
        about: "item 9: a FIFO named *.json in the workspace (hung forever)",
        rel: "backend/data/model_configs/hostile_m.json",
        make: |p| {
            let ok = Command::new("mkfifo").arg(p).status()?.success();
            if ok {
                Ok(())
            } else {
                Err(std::io::Error::other("mkfifo failed"))
            }
        },
        whole_workspace: true,
    },
];

/// What one run gave.
struct Measured {
    wall: Duration,
    max_rss_kib: u64,
    output_bytes: u64,
    /// The exit code, or the signal that ended it, or a timeout.
    end: String,
    ok_end: bool,
}

/// `--measure TIMEOUT MEMORY_LIMIT BIN ARGS…`: runs BIN once, with its
/// address space capped at MEMORY_LIMIT bytes (so that a run far over its
/// bound fails instead of taking the machine's memory), then prints
/// `wall_ns max_rss_kib output_bytes end` on stdout.
fn measure(args: &[String]) -> ExitCode {
    let timeout = Duration::from_secs(args[0].parse().unwrap_or(120));
    if let Ok(limit) = args[1].parse::<u64>() {
        // Inherited by the child; this process does little after it.
        let _ =
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_AS, limit, limit);
    }
    let args = &args[1..];
    let start = Instant::now();
    let mut child = match Command::new(&args[1])
        .args(&args[2..])
        .env("HF_HUB_OFFLINE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot run {}: {e}", args[1]);
            return ExitCode::from(2);
        }
    };
    let mut out = child.stdout.take().expect("piped");
    let counter = std::thread::spawn(move || {
        let mut n = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(k) = out.read(&mut buf) {
            if k == 0 {
                break;
            }
            n += k as u64;
        }
        n
    });
    let end = loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                use std::os::unix::process::ExitStatusExt;
                break match (status.code(), status.signal()) {
                    (Some(c), _) => format!("exit {c}"),
                    (None, Some(s)) => format!("signal {s}"),
                    _ => "?".to_string(),
                };
            }
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break "timeout".to_string();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => break format!("wait: {e}"),
        }
    };
    let wall = start.elapsed();
    let output = counter.join().unwrap_or(0);
    let rss = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .map(|u| u.max_rss() as u64)
        .unwrap_or(0);
    println!("{} {rss} {output} {end}", wall.as_nanos());
    ExitCode::SUCCESS
}

fn run_case(
    me: &Path,
    bin: &Path,
    path: &Path,
    timeout: u64,
    memory_limit: u64,
) -> Result<Measured, String> {
    let out = Command::new(me)
        .arg("--measure")
        .arg(timeout.to_string())
        .arg(memory_limit.to_string())
        .arg(bin)
        .args(["check", "--offline", "--format", "json"])
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    let line = String::from_utf8_lossy(&out.stdout);
    let mut f = line.split_whitespace();
    let mut num = || f.next().and_then(|x| x.parse::<u64>().ok());
    let (Some(wall), Some(rss), Some(output)) = (num(), num(), num()) else {
        return Err(format!(
            "no measurement: {line} {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    };
    let end = line
        .split_whitespace()
        .skip(3)
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Measured {
        wall: Duration::from_nanos(wall),
        max_rss_kib: rss,
        output_bytes: output,
        ok_end: end == "exit 0" || end == "exit 1",
        end,
    })
}

fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.2} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} KB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--measure") {
        return measure(&args[1..]);
    }
    let me = std::env::current_exe().expect("own path");
    let mut bin = me
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("mantile-lsp"))
        .unwrap_or_else(|| PathBuf::from("mantile-lsp"));
    let mut keep = false;
    let mut timeout = 120u64;
    let mut only: Vec<String> = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--bin" => bin = PathBuf::from(it.next().expect("--bin PATH")),
            "--keep" => keep = true,
            "--timeout" => {
                timeout = it
                    .next()
                    .and_then(|t| t.parse().ok())
                    .expect("--timeout SECS")
            }
            _ => only.push(a),
        }
    }
    let scratch = std::env::temp_dir().join(format!("mantile-hostile-{}", std::process::id()));
    println!(
        "mantile-lsp hostile inputs: {} (bound: wall < max(1 s/MB, {} ms), peak RSS < 100 MB + 10 × size)\n",
        bin.display(),
        TIME_FLOOR.as_millis()
    );
    println!(
        "| case | input | wall | bound | peak RSS | bound | output | end | result |\n|---|--:|--:|--:|--:|--:|--:|---|---|"
    );
    let mut failed = Vec::new();
    for case in CASES {
        if !only.is_empty() && !only.iter().any(|o| case.name.starts_with(o.as_str())) {
            continue;
        }
        let ws = scratch.join(case.name);
        let file = ws.join(case.rel);
        let made = std::fs::create_dir_all(file.parent().expect("a folder"))
            .and_then(|()| std::fs::create_dir_all(ws.join("tests")))
            .and_then(|()| std::fs::create_dir_all(ws.join("backend/data/model_configs")))
            .and_then(|()| (case.make)(&file));
        if let Err(e) = made {
            println!(
                "| {} | cannot write the input: {e} | | | | | | | FAIL |",
                case.name
            );
            failed.push(case.name);
            continue;
        }
        let size = std::fs::symlink_metadata(&file).map(|m| if m.is_file() { m.len() } else { 0 });
        let size = size.unwrap_or(0);
        let target = if case.whole_workspace { &ws } else { &file };
        let time_bound = TIME_FLOOR.max(Duration::from_secs_f64(size as f64 / MB));
        let rss_bound_kib = (100.0 * MB + 10.0 * size as f64) / 1024.0;
        // Address space: 4× the RSS bound and 2 GB more (threads reserve
        // stacks, allocators reserve arenas): far over the bound, a failure.
        let memory_limit = (rss_bound_kib * 1024.0 * 4.0) as u64 + (2u64 << 30);
        match run_case(&me, &bin, target, timeout, memory_limit) {
            Ok(m) => {
                let pass =
                    m.ok_end && m.wall < time_bound && (m.max_rss_kib as f64) < rss_bound_kib;
                println!(
                    "| {} | {} | {:.3} s | {:.3} s | {:.1} MB | {:.0} MB | {} | {} | {} |",
                    case.name,
                    human_size(size),
                    m.wall.as_secs_f64(),
                    time_bound.as_secs_f64(),
                    m.max_rss_kib as f64 * 1024.0 / MB,
                    rss_bound_kib * 1024.0 / MB,
                    human_size(m.output_bytes),
                    m.end,
                    if pass { "pass" } else { "FAIL" }
                );
                if !pass {
                    failed.push(case.name);
                }
            }
            Err(e) => {
                println!(
                    "| {} | {} | | | | | | {e} | FAIL |",
                    case.name,
                    human_size(size)
                );
                failed.push(case.name);
            }
        }
        let _ = std::io::stdout().flush();
        if !keep {
            let _ = std::fs::remove_dir_all(&ws);
        }
    }
    println!();
    for case in CASES.iter().filter(|c| failed.contains(&c.name)) {
        println!("FAIL {}: {}", case.name, case.about);
    }
    if !keep {
        let _ = std::fs::remove_dir_all(&scratch);
    } else {
        println!("inputs kept in {}", scratch.display());
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
