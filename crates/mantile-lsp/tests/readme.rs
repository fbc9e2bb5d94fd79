//! The README's examples of the tool's own output, checked against what the binary prints on
//! the files of this repository (the example workspace, the mock Hub's fixtures): each block is
//! found after the sentence that introduces it, so a README edit that drops or moves one fails
//! here instead of going stale. The table of findings on Mantile's real configs is checked
//! against the binary's findings on them (`tests/support/mantile_ref.rs` finds the corpus).
//! Benchmarks are not output and are not checked here; the figures on Mantile's real specs are
//! pinned by `crates/mantile-spec/tests/reference_specs.rs`.

use mantile_hub_mock::{MockHub, MockModel};

#[path = "../../../tests/support/mantile_ref.rs"]
mod mantile_ref;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).unwrap()
}

/// The body of the first fenced block with info string `lang` after the first line of the
/// README that contains `intro`.
fn block_after(readme: &str, intro: &str, lang: &str) -> String {
    let at = readme
        .find(intro)
        .unwrap_or_else(|| panic!("README.md no longer says {intro:?}"));
    let mut lines = readme[at..].lines().skip(1);
    let fence = format!("```{lang}");
    let open = lines
        .by_ref()
        .position(|l| l.trim_start() == fence)
        .unwrap_or_else(|| panic!("no ```{lang} block after {intro:?}"));
    // The block may be indented (inside a list item): its fence sets the indent.
    let indent = readme[at..]
        .lines()
        .nth(open + 1)
        .map(|l| l.len() - l.trim_start().len())
        .unwrap_or(0);
    let mut body = String::new();
    for l in lines {
        if l.trim_start() == "```" {
            return body;
        }
        body.push_str(l.get(indent..).unwrap_or(l.trim_start()));
        body.push('\n');
    }
    panic!("the ```{lang} block after {intro:?} is not closed")
}

/// `mantile-lsp ARGS` in `cwd`, offline, without colour, with an empty Hugging Face home.
fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env(
            "HF_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-empty-hf-home"),
        )
        .env_remove("HF_HUB_CACHE")
        .env_remove("HF_ENDPOINT")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Whether `output` shows `block`'s lines, where a line that is only `…` stands for any number
/// of lines: the runs of lines between elisions appear in `output` whole and in order. The
/// block's first run starts the output unless the block starts with `…`, and its last run ends
/// it unless the block ends with `…`.
fn shows(output: &str, block: &str) -> Result<(), String> {
    let mut out: Vec<&str> = output.lines().collect();
    // A blank line that ends the output is not shown.
    while out.last() == Some(&"") {
        out.pop();
    }
    let lines: Vec<&str> = block.lines().collect();
    let runs: Vec<&[&str]> = lines.split(|l| l.trim() == "…").collect();
    let mut from = 0;
    for (i, run) in runs.iter().enumerate() {
        if run.is_empty() {
            continue;
        }
        let anchored_start = i == 0;
        let anchored_end = i == runs.len() - 1;
        let found = (from..=out.len().saturating_sub(run.len()))
            .filter(|&at| !anchored_start || at == 0)
            .filter(|&at| !anchored_end || at + run.len() == out.len())
            .find(|&at| out[at..at + run.len()] == **run);
        match found {
            Some(at) => from = at + run.len(),
            None => {
                return Err(format!(
                    "these README lines are not in the output (in this order):\n{}\n--- output:\n{output}",
                    run.join("\n")
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn elisions_match_any_lines_and_nothing_else() {
    let out = "a\nb\nc\nd\n";
    assert_eq!(shows(out, "a\nb\nc\nd\n"), Ok(()));
    assert_eq!(shows(out, "a\n…\nd\n"), Ok(()));
    assert_eq!(shows(out, "…\nb\nc\n…\n"), Ok(()));
    assert!(shows(out, "a\nc\n").is_err(), "a gap needs an elision");
    assert!(
        shows(out, "b\n…\nd\n").is_err(),
        "the first run starts the output"
    );
    assert!(
        shows(out, "a\n…\nc\n").is_err(),
        "the last run ends the output"
    );
    assert!(shows(out, "…\nc\nb\n…\n").is_err(), "in order");
}

/// The first finding the README shows is what `check` prints on the example workspace, which
/// exits 1 as the README says.
#[test]
fn readme_human_output_is_the_example_workspaces() {
    let block = block_after(
        &readme(),
        "The first command prints findings like these",
        "text",
    );
    let o = run(&["check", "--offline", "examples/workspace"], &repo());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains(&block),
        "README block:\n{block}\n--- output:\n{out}"
    );
}

/// Paths as the README shows them: `/` separators (the binary prints the platform's).
fn normalise_paths(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match x {
                    Value::String(s) if k == "path" => *s = s.replace('\\', "/"),
                    x => normalise_paths(x),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalise_paths),
        _ => {}
    }
}

/// The `--format json` example is real: every field of the README's report equals the one
/// `check --offline --format json examples/workspace` prints — the version, every file, the
/// summary, and each diagnostic the README shows, whole (the README shows some of them, at
/// least one, and no other key).
#[test]
fn readme_json_example_is_the_example_workspaces_report() {
    let readme = readme();
    let intro = "mantile-lsp check --offline --format json examples/workspace";
    let block = block_after(&readme, intro, "json");
    let mut shown: Value = serde_json::from_str(&block)
        .unwrap_or_else(|e| panic!("the README's JSON example is not JSON ({e}):\n{block}"));
    let o = run(
        &[
            "check",
            "--offline",
            "--format",
            "json",
            "examples/workspace",
        ],
        &repo(),
    );
    assert_eq!(o.status.code(), Some(1));
    let mut real: Value = serde_json::from_slice(&o.stdout).unwrap();
    normalise_paths(&mut shown);
    normalise_paths(&mut real);

    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&shown), keys(&real), "the report's fields");
    for field in ["version", "files", "summary"] {
        assert_eq!(shown[field], real[field], "{field}");
    }
    let shown_diags = shown["diagnostics"].as_array().unwrap();
    let real_diags = real["diagnostics"].as_array().unwrap();
    assert!(!shown_diags.is_empty(), "the README shows no diagnostic");
    for d in shown_diags {
        assert!(
            real_diags.contains(d),
            "the README's diagnostic\n{d:#}\nis not one the example workspace gets:\n{:#}",
            real["diagnostics"]
        );
    }
    // The sentence after the block counts what it leaves out.
    let count = format!(
        "the other {} diagnostics are alike",
        real_diags.len() - shown_diags.len()
    );
    let after = &readme[readme.find(intro).unwrap()..];
    assert!(after.contains(&count), "README.md should say {count:?}");
}

/// The GitHub annotation the README quotes (`…` for the path and message) is the one
/// `--format github` writes for MC060 on the example workspace.
#[test]
fn readme_github_annotation_is_the_example_workspaces() {
    let readme = readme();
    let start = readme
        .find("(`::error file=")
        .expect("the README's annotation")
        + 2;
    let quoted = &readme[start..start + readme[start..].find('`').unwrap()];
    let parts: Vec<&str> = quoted.split('…').collect();
    assert_eq!(parts.len(), 3, "{quoted}");
    let o = run(
        &[
            "check",
            "--offline",
            "--format",
            "github",
            "examples/workspace",
        ],
        &repo(),
    );
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.contains("title=MC060"))
        .unwrap_or_else(|| panic!("no MC060 annotation:\n{out}"));
    let (head, rest) = line.split_at(parts[0].len());
    assert_eq!(head, parts[0], "{line}");
    let mid = rest
        .find(parts[1])
        .unwrap_or_else(|| panic!("{quoted} vs\n{line}"));
    assert!(
        rest[..mid].ends_with("acme_Wide-MoE-2B.json"),
        "the path: {line}"
    );
    assert!(
        rest[mid + parts[1].len()..].starts_with("parameter_count 7,077,888"),
        "the message: {line}"
    );
}

/// `report` on the example workspace: the rows the README shows and its last line.
#[test]
fn readme_report_is_the_example_workspaces() {
    let block = block_after(&readme(), "gate on it. On the example workspace:", "text");
    let o = run(&["report", "examples/workspace"], &repo());
    assert_eq!(o.status.code(), Some(0), "no unaccounted gap");
    let out = stdout(&o);
    // The README shows the registry from its header row on, not the title above it.
    let from = out
        .find(block.lines().next().unwrap())
        .unwrap_or_else(|| panic!("README block:\n{block}\n--- output:\n{out}"));
    if let Err(e) = shows(&out[from..], &block) {
        panic!("{e}");
    }
}

/// `inspect` on the mock Hub's Qwen3-30B-A3B fixture prints the README's table, line for line
/// where the README does not elide; the JSON sketch's totals and structure are the fixture's.
#[test]
fn readme_inspect_example_is_the_mock_hubs_qwen3_moe() {
    let readme = readme();
    let block = block_after(&readme, "as the guide's step 1 asks:", "text");
    let (command, table) = block.split_once('\n').unwrap();
    assert!(
        command.starts_with("$ mantile-lsp inspect Qwen/Qwen3-30B-A3B "),
        "{command}"
    );
    let (hub, _rt) = MockHub::start_in_background(vec![MockModel::fixture("Qwen--Qwen3-30B-A3B")]);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-inspect");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let inspect = |format: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
            .args(["inspect", "Qwen/Qwen3-30B-A3B", "--format", format])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env("HF_ENDPOINT", &hub.url)
            .env("HF_HOME", dir.join("hf"))
            .env_remove("HF_HUB_OFFLINE")
            .env_remove("HF_HUB_CACHE")
            .env_remove("HF_TOKEN")
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        stdout(&o)
    };
    let out = inspect("table");
    if let Err(e) = shows(&out, table) {
        panic!("{e}");
    }

    let sketch = block_after(
        &readme,
        "`--format json` (version 1; fields are only ever added",
        "json",
    );
    let real: Value = serde_json::from_str(&inspect("json")).unwrap();
    // The sketch elides with "…" and placeholders; the values it states are checked.
    let sketch_line = |key: &str| {
        sketch
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{key}\"")))
            .unwrap_or_else(|| panic!("the sketch has no {key:?} line"))
            .trim()
            .trim_end_matches(',')
            .to_string()
    };
    let totals: Value = serde_json::from_str(&format!("{{{}}}", sketch_line("totals"))).unwrap();
    assert_eq!(totals["totals"], real["totals"]);
    assert_eq!(real["repo"], "Qwen/Qwen3-30B-A3B");
    assert!(sketch.contains("\"repo\": \"Qwen/Qwen3-30B-A3B\""));
    for (key, value) in [
        ("block_prefix", "model.layers"),
        ("blocks", "48"),
        ("num_hidden_layers", "48"),
        ("tied_embeddings", "false"),
    ] {
        let stated = if value.parse::<u64>().is_ok() || value == "false" {
            format!("\"{key}\": {value}")
        } else {
            format!("\"{key}\": \"{value}\"")
        };
        assert!(sketch.contains(&stated), "the sketch lacks {stated}");
        assert_eq!(
            real["structure"][key].to_string().trim_matches('"'),
            value,
            "{key}"
        );
    }
    let shards = real["shards"].as_array().unwrap();
    assert_eq!(shards[0], "model-00001-of-00016.safetensors");
    assert_eq!(shards.len(), 16);
    let q_proj = real["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["pattern"] == "model.layers.{0..47}.self_attn.q_proj.weight")
        .expect("the q_proj group");
    let group: Value = serde_json::from_str(
        sketch_line("groups")
            .trim_start_matches("\"groups\": [")
            .trim_end_matches(']'),
    )
    .unwrap();
    assert_eq!(&group, q_proj);
}

/// The README's `new` example is what `new google/gemma-2-9b` prints in a fresh workspace
/// against the mock Hub (the workspace's path written `/work/ws`), and the layers it then names
/// are the config's.
#[test]
fn readme_new_example_is_the_mock_hubs_gemma2() {
    let readme = readme();
    let block = block_after(
        &readme,
        "a layout the generator cannot map is never a refusal but a gap.",
        "text",
    );
    let (command, shown) = block.split_once('\n').unwrap();
    assert!(
        command.starts_with("$ mantile-lsp new google/gemma-2-9b "),
        "{command}"
    );
    let (hub, _rt) = MockHub::start_in_background(vec![MockModel::fixture("google--gemma-2-9b")]);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-new");
    let _ = std::fs::remove_dir_all(&dir);
    let ws = dir.join("ws");
    std::fs::create_dir_all(ws.join("backend/data/model_configs")).unwrap();
    let ws = ws.canonicalize().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mantile-lsp"))
        .args(["new", "google/gemma-2-9b"])
        .current_dir(&ws)
        .env("NO_COLOR", "1")
        .env("HF_ENDPOINT", &hub.url)
        .env("HF_HOME", dir.join("hf"))
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_HUB_CACHE")
        .env_remove("HF_TOKEN")
        .output()
        .unwrap();
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(0), "{err}");
    let err = err.replace(&ws.to_string_lossy().into_owned(), "/work/ws");
    if let Err(e) = shows(&err, shown) {
        panic!("{e}");
    }
    let config: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.join("backend/data/model_configs/google_gemma-2-9b.json"))
            .unwrap(),
    )
    .unwrap();
    let at = readme.find("The config's layers: ").unwrap();
    let prose = &readme[at..at + readme[at..].find("\n\n").unwrap()].replace('\n', " ");
    for l in config["layer_types"].as_array().unwrap() {
        let name = format!("`{}`", l["name"].as_str().unwrap());
        assert!(prose.contains(&name), "the README does not name {name}");
        if l["name"] != "embedding" && l["name"] != "logit_softcapping" {
            let count = format!("×{}", l["count"]);
            let after = &prose[prose.find(&name).unwrap()..];
            assert!(
                after[..after.find(')').unwrap()].contains(&count),
                "{name}: {count}"
            );
        }
    }
    let total = mantile_diag::format_grouped(config["total_params"].as_i64().unwrap().into());
    assert!(
        prose.contains(&format!("the layers hold {total} = total_params {total}")),
        "{prose}"
    );
}

/// The numbers written with digits in `text` (`19,365,120,` gives `19,365,120`), three digits or
/// more.
fn numbers(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_digit() || c == ','))
        .map(|t| t.trim_matches(','))
        .filter(|t| t.chars().filter(char::is_ascii_digit).count() >= 3)
        .collect()
}

/// "Findings on the real configs": each row's file(s), count, code and severity are exactly the
/// binary's findings on Mantile's configs, every number in its Finding column is in those
/// findings' messages, and the rows account for every finding.
#[test]
fn readme_table_of_findings_on_the_real_configs() {
    let Some(reference) =
        mantile_ref::corpus("readme.rs readme_table_of_findings_on_the_real_configs")
    else {
        return;
    };
    let o = run(
        &[
            "check",
            "--offline",
            "--format",
            "json",
            "backend/data/model_configs",
        ],
        &reference,
    );
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let found: Vec<(String, String, String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap().to_string();
            let path = s("path").replace('\\', "/");
            let file = path.rsplit('/').next().unwrap().to_string();
            (file, s("code"), s("severity"), s("message"))
        })
        .collect();

    let readme = readme();
    let header = "| File | Finding | Why it is right |";
    let at = readme
        .find(header)
        .expect("the table of findings on the real configs");
    let rows: Vec<&str> = readme[at..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(!rows.is_empty());
    let mut accounted = 0;
    for row in rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (files, finding) = (cells[1], cells[2]);
        let (count, rest) = match finding.split_once(" × ") {
            Some((n, rest)) => (n.parse::<usize>().unwrap(), rest),
            None => (1, finding),
        };
        let mut words = rest.split([' ', ':']);
        let (code, severity) = (words.next().unwrap(), words.next().unwrap());
        let details = rest.split_once(':').map_or("", |(_, d)| d);
        for name in files.split(", ") {
            let of_row: Vec<&str> = found
                .iter()
                .filter(|(f, c, s, _)| f.contains(name) && c == code && s == severity)
                .map(|(_, _, _, m)| m.as_str())
                .collect();
            assert_eq!(of_row.len(), count, "{row}: {name} has {of_row:?}");
            for n in numbers(details) {
                assert!(
                    of_row.iter().any(|m| m.contains(n)),
                    "{row}: no {code} message of {name} says {n}: {of_row:?}"
                );
            }
            accounted += count;
        }
    }
    assert_eq!(accounted, found.len(), "rows for every finding: {found:#?}");
}
