//! Settings: from `initializationOptions`, pulled with
//! `workspace/configuration` (the unscoped section, then each folder's own
//! with its `scopeUri`), or pushed with `workspace/didChangeConfiguration`.
//! `rules` may differ per folder; the other settings are the session's.

use crate::server::folder::Folder;
use crate::server::hub::Source;
use crate::server::lsp;
use crate::server::session::Session;
use crate::server::settings;
use serde_json::Value;
use std::sync::Arc;

/// Applies settings (`{"mantile": {...}}` or the section itself) from
/// `source`, for one folder's rules (`folder`) or for every folder; returns
/// whether anything changed. Problems are logged, valid entries kept.
pub async fn apply(
    s: &Arc<Session>,
    value: &Value,
    source: Source,
    folder: Option<&Arc<Folder>>,
) -> bool {
    let mut changed = false;
    if folder.is_none() {
        let (hub_changed, hub_warnings) = s.hub.configure(value, source);
        for w in hub_warnings {
            s.log_message(lsp::MessageType::Warning, w).await;
        }
        if hub_changed {
            s.hub_changed();
            changed = true;
        }
        let mantile = value.get("mantile").unwrap_or(value);
        if let Some(ms) = mantile.get("debounceMs").and_then(|v| v.as_u64()) {
            s.debounce_ms
                .store(ms.min(1000), std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(level) = mantile.get("logLevel").and_then(|l| l.as_str())
            && !s.set_log_level(level)
        {
            s.log_message(
                lsp::MessageType::Warning,
                format!(
                    "mantile-lsp settings: unknown logLevel `{level}` (error, warning, info or log)"
                ),
            )
            .await;
        }
    }
    let (overrides, problems) = settings::overrides(value);
    for p in problems {
        s.log_message(
            lsp::MessageType::Warning,
            format!("mantile-lsp settings: {p}"),
        )
        .await;
    }
    if let Some(o) = overrides {
        s.set_overrides(folder, o);
        changed = true;
    }
    changed
}

/// Asks the client for the `mantile` section, unscoped and for each folder,
/// and applies it; returns whether anything changed.
pub async fn pull(s: &Arc<Session>) -> bool {
    let folders = s.folders();
    let mut items = vec![lsp::ConfigurationItem {
        scope_uri: None,
        section: Some("mantile".to_string()),
    }];
    if folders.len() > 1 {
        items.extend(folders.iter().map(|f| lsp::ConfigurationItem {
            scope_uri: Some(f.uri.clone()),
            section: Some("mantile".to_string()),
        }));
    }
    match s.client.configuration(items).await {
        Ok(values) => {
            let mut values = values.into_iter();
            let mut changed = match values.next() {
                Some(v) if v.is_object() => {
                    apply(
                        s,
                        &serde_json::json!({ "mantile": v }),
                        Source::Workspace,
                        None,
                    )
                    .await
                }
                _ => false,
            };
            for (folder, v) in folders.iter().zip(values) {
                // A folder's own rules; its other settings are the session's.
                if let Some(rules) = v.get("rules") {
                    let own = serde_json::json!({"mantile": {"rules": rules}});
                    changed |= apply(s, &own, Source::Workspace, Some(folder)).await;
                }
            }
            changed
        }
        Err(e) => {
            s.log_message(
                lsp::MessageType::Warning,
                format!("mantile-lsp: workspace/configuration failed: {e}"),
            )
            .await;
            false
        }
    }
}

/// Returns whether anything changed.
pub async fn did_change_configuration(
    s: &Arc<Session>,
    p: lsp::DidChangeConfigurationParams,
) -> bool {
    if s.config().pull_settings {
        // Clients that answer workspace/configuration often send no settings here.
        pull(s).await
    } else if !p.settings.is_null() {
        apply(s, &p.settings, Source::Workspace, None).await
    } else {
        false
    }
}
