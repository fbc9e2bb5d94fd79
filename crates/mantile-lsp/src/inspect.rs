//! `mantile-lsp inspect HF_MODEL_ID [--format table|csv|json] [--offline]`:
//! a model's tensor inventory from its safetensors headers (never the
//! weights), grouped by pattern, with totals and the structure analysis.
//! Nothing is written but the metadata cache.

use mantile_hub::{HubClient, HubSettings};
use mantile_tensors::render;
use std::io::Write;

pub const USAGE: &str = "mantile-lsp inspect HF_MODEL_ID [--format table|csv|json] [--offline]";

fn usage_error(msg: &str) -> i32 {
    eprintln!("error: {msg}\nusage: {USAGE}");
    2
}

/// Runs `inspect`; returns the exit status.
pub fn main(args: &[String]) -> i32 {
    let mut repo: Option<String> = None;
    let mut format = "table".to_string();
    let mut offline = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--format" => match it.next() {
                Some(f) => format = f.clone(),
                None => return usage_error("`--format` needs a value"),
            },
            s if s.starts_with("--format=") => format = s["--format=".len()..].to_string(),
            "--offline" => offline = true,
            s if s.starts_with('-') => return usage_error(&format!("unknown option `{s}`")),
            s if repo.is_none() => repo = Some(s.to_string()),
            s => return usage_error(&format!("unexpected argument `{s}`")),
        }
    }
    if !matches!(format.as_str(), "table" | "csv" | "json") {
        return usage_error(&format!(
            "unknown format `{}` (table, csv or json)",
            format.escape_debug()
        ));
    }
    let Some(repo) = repo else {
        return usage_error("`inspect` needs a Hugging Face model id, like Qwen/Qwen3-0.6B");
    };
    if let Err(reason) = mantile_hub::validate_repo_id(&repo) {
        return usage_error(&format!(
            "`{}` is not a Hugging Face model id `org/name`: {reason}",
            repo.escape_debug()
        ));
    }
    let mut settings = HubSettings::from_env();
    settings.offline |= offline;
    settings.tensors = true;
    let client = HubClient::new(settings);
    let Some(rt) = crate::cli::runtime() else {
        eprintln!("error: cannot start the async runtime");
        return 2;
    };
    let facts = match rt.block_on(client.facts(&repo)) {
        Ok(f) => f,
        Err(p) => {
            eprintln!(
                "error: {}",
                crate::render::escape_controls(&p.describe(&repo))
            );
            return 2;
        }
    };
    let Some(inv) = facts.tensors.as_deref() else {
        match &facts.tensors_problem {
            Some(p) => eprintln!(
                "error: {}",
                crate::render::escape_controls(&p.describe(&repo))
            ),
            None => eprintln!(
                "error: `{repo}` has no safetensors weights to inspect (no model.safetensors or model.safetensors.index.json){}",
                facts.provenance.suffix()
            ),
        }
        return 2;
    };
    let analysis = render::analyse(inv, Some(&facts.config));
    let title = match &facts.sha {
        Some(sha) => format!("{repo} at {}", &sha[..sha.len().min(12)]),
        None => repo.clone(),
    };
    let out = match format.as_str() {
        "csv" => render::csv(inv),
        "json" => {
            let v = render::json(&repo, facts.sha.as_deref(), inv, &analysis);
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        _ => format!(
            "{}{}",
            render::table(&title, inv, &analysis),
            facts.provenance.suffix().trim_start()
        ),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => {}
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("error: cannot write the inventory: {e}");
            return 2;
        }
    }
    0
}
