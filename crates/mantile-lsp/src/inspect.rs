//! `mantile-lsp inspect HF_MODEL_ID [--format table|csv|json] [--offline]`:
//! a model's tensor inventory from its safetensors headers (never the
//! weights), grouped by pattern, with totals and the structure analysis.
//! Nothing is written but the metadata cache.

use crate::args::{InspectArgs, InspectFormat};
use mantile_hub::{HubClient, HubSettings};
use mantile_tensors::render;
use std::io::Write;

/// Runs `inspect`; returns the exit status.
pub fn main(a: InspectArgs) -> i32 {
    let InspectArgs {
        repo,
        format,
        offline,
    } = a;
    if let Err(reason) = mantile_hub::validate_repo_id(&repo) {
        return crate::cli::usage_error(
            "inspect",
            &format!(
                "`{}` is not a Hugging Face model id `org/name`: {reason}",
                repo.escape_debug()
            ),
        );
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
    let out = match render_facts(&repo, &facts, format) {
        Ok(out) => out,
        Err(message) => {
            eprintln!("error: {}", crate::render::escape_controls(&message));
            return 2;
        }
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

/// The inventory of `repo` in `format`, from its facts; an error message
/// when the facts hold no tensors (the editor's `mantile/inspect` says the
/// same).
pub fn render_facts(
    repo: &str,
    facts: &mantile_engine::HubFacts,
    format: InspectFormat,
) -> Result<String, String> {
    let Some(inv) = facts.tensors.as_deref() else {
        return Err(match &facts.tensors_problem {
            Some(p) => p.describe(repo),
            None => format!(
                "`{repo}` has no safetensors weights to inspect (no model.safetensors or model.safetensors.index.json){}",
                facts.provenance.suffix()
            ),
        });
    };
    let analysis = render::analyse(inv, Some(&facts.config));
    let title = match &facts.sha {
        Some(sha) => format!("{repo} at {}", &sha[..sha.len().min(12)]),
        None => repo.to_string(),
    };
    Ok(match format {
        InspectFormat::Csv => render::csv(inv),
        InspectFormat::Json => {
            let v = render::json(repo, facts.sha.as_deref(), inv, &analysis);
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        InspectFormat::Table => format!(
            "{}{}",
            render::table(&title, inv, &analysis),
            facts.provenance.suffix().trim_start()
        ),
    })
}
