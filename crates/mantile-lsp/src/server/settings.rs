//! The client's settings: per-rule severities. (The Hub settings are read
//! by `hub.rs`, which also decides which sources may set which of them:
//! `mantile.hub.endpoint` and `mantile.hub.home` only from
//! `initializationOptions` or the environment, never from a workspace.)
//!
//! ```json
//! {"mantile": {"rules": {"MC061": "off", "parameter-count": "warning"}}}
//! ```
//!
//! given as `initializationOptions` or in `workspace/didChangeConfiguration`
//! (with or without the `mantile` level). A rule is named by its code or its
//! name; a severity is `error`, `warning`, `info`, `hint` or `off`.

use mantile_diag::{Severity, SeverityOverrides};
use serde_json::Value;

/// The overrides in `value` (`None` when it has no `rules`), and what was
/// wrong with it, for the log.
pub fn overrides(value: &Value) -> (Option<SeverityOverrides>, Vec<String>) {
    let settings = value.get("mantile").unwrap_or(value);
    let Some(rules) = settings.get("rules") else {
        return (None, Vec::new());
    };
    let mut problems = Vec::new();
    let Some(rules) = rules.as_object() else {
        problems.push("`rules` must be an object of rule → severity".to_string());
        return (None, problems);
    };
    let known = mantile_engine::all_rules();
    let mut out = SeverityOverrides::default();
    for (key, sev) in rules {
        if !known
            .iter()
            .any(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
        {
            problems.push(format!(
                "unknown rule `{key}` (a code like MC060 or a name like parameter-count)"
            ));
            continue;
        }
        match sev.as_str() {
            Some("off") => out.set(key, None),
            Some(s) => match Severity::parse(s) {
                Some(sev) => out.set(key, Some(sev)),
                None => problems.push(format!(
                    "`{key}`: unknown severity `{s}` (error, warning, info, hint or off)"
                )),
            },
            None => problems.push(format!("`{key}`: the severity must be a string")),
        }
    }
    (Some(out), problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_rules_at_the_top_or_under_mantile_and_reports_problems() {
        let (o, problems) = overrides(&json!({"mantile": {"rules": {
            "MC061": "off", "parameter-count": "warning", "MC999": "error", "MC062": "loud"
        }}}));
        assert!(o.is_some());
        assert_eq!(
            problems,
            [
                "`MC062`: unknown severity `loud` (error, warning, info, hint or off)",
                "unknown rule `MC999` (a code like MC060 or a name like parameter-count)",
            ]
        );
        let (o, problems) = overrides(&json!({"rules": {}}));
        assert!(o.is_some_and(|o| o.is_empty()) && problems.is_empty());
        assert!(overrides(&json!({"other": 1})).0.is_none());
    }
}
