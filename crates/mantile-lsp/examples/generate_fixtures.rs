//! Generates the config of every mock Hub fixture, as `mantile-lsp new`
//! would, into a workspace: `backend/data/model_configs/<model_id>.json`,
//! with their gap reports and test suites. The catalog is the workspace's
//! own `backend/layers` when it has one (CI links Mantile's real classes
//! there), else the built-in one. Used by `.ci/run` to load every generated
//! config with Mantile's own Python backend (tests/backend/load_generated.py).
//!
//! With `--config-json-only`, the fixtures are served without their
//! safetensors (the families `new` knows from config.json alone, unquantized),
//! so what is generated is `new`'s fallback.
//!
//! ```sh
//! cargo run -p mantile-lsp --example generate_fixtures -- WORKSPACE [--config-json-only]
//! ```

use mantile_hub::{HubClient, HubSettings};
use mantile_hub_mock::{MockHub, MockModel};
use std::path::PathBuf;

fn main() {
    let Some(ws) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: generate_fixtures WORKSPACE [--config-json-only]");
        std::process::exit(2);
    };
    let config_json_only = std::env::args().any(|a| a == "--config-json-only");
    let configs = ws.join("backend/data/model_configs");
    std::fs::create_dir_all(&configs).unwrap();
    let catalog = mantile_lsp::disk::catalog(&ws);
    let mut models = MockModel::all_fixtures();
    if config_json_only {
        // The model types `new` maps from config.json alone; a quantized
        // checkpoint's Hub count is not its parameter count, so it is refused.
        models.retain(|m| {
            mantile_config::hub::CONFIG_JSON_MODEL_TYPES
                .contains(&m.config["model_type"].as_str().unwrap_or_default())
                && m.logical_parameters.is_none()
        });
        for m in &mut models {
            m.safetensors.clear();
        }
    }
    let (hub, rt) = MockHub::start_in_background(models.clone());
    let home = std::env::temp_dir().join(format!("mantile-generate-{}", std::process::id()));
    let url = hub.url.clone();
    let h = home.to_string_lossy().into_owned();
    let mut settings = HubSettings::from_vars(|k| match k {
        "HF_ENDPOINT" => Some(url.clone()),
        "HF_HOME" => Some(h.clone()),
        _ => None,
    });
    settings.timeout = std::time::Duration::from_secs(60);
    let client = HubClient::new(settings);
    let mut failed = false;
    for m in &models {
        let facts = rt.block_on(client.facts(&m.repo)).unwrap();
        match mantile_config::hub::generate(&facts, &catalog) {
            Ok(mut g) => {
                mantile_lsp::scaffolds::assign_reports(&mut g, &|rel| {
                    mantile_lsp::scaffolds::workspace_file(&ws, rel)
                });
                let path = configs.join(format!("{}.json", g.model_id));
                std::fs::write(&path, &g.text).unwrap();
                let files = mantile_lsp::scaffolds::plan(&g, &catalog);
                mantile_lsp::scaffolds::write(&ws, &files).unwrap();
                println!("{}", path.display());
            }
            Err(e) => {
                eprintln!("{}: {e}", m.repo);
                failed = true;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&home);
    if failed {
        std::process::exit(1);
    }
}
