//! Rule codes and names are unique across every checker's registry, so that
//! `--rule NAME=off` (or a `mantile.rules` setting) means one rule only.

use mantile_diag::Rule;
use std::collections::BTreeMap;

/// Every registry: the config rules, the spec rules, the gap-report rules.
fn registries() -> Vec<(&'static str, &'static [&'static Rule])> {
    vec![
        ("mantile-config", mantile_config::RULES),
        ("mantile-spec", mantile_spec::RULES),
        ("mantile-gap", mantile_gap::RULES),
    ]
}

/// `key → codes` for keys held by more than one rule.
fn collisions(key: impl Fn(&Rule) -> &'static str) -> Vec<(String, Vec<&'static str>)> {
    let mut seen: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (_, rules) in registries() {
        for r in rules.iter() {
            seen.entry(key(r)).or_default().push(r.code);
        }
    }
    seen.into_iter()
        .filter(|(_, codes)| codes.len() > 1)
        .map(|(k, codes)| (k.to_string(), codes))
        .collect()
}

#[test]
fn rule_codes_are_unique() {
    assert_eq!(collisions(|r| r.code), []);
}

#[test]
fn rule_names_are_unique() {
    // GR001 was `missing-section` like MT009 until it became
    // `missing-report-section`: `--rule NAME=off` means one rule only.
    assert_eq!(collisions(|r| r.name), []);
}

#[test]
fn config_rule_names_are_kebab_case_and_codes_mc() {
    for r in mantile_config::RULES {
        assert!(r.code.starts_with("MC") && r.code.len() == 5, "{}", r.code);
        assert!(
            r.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}",
            r.name
        );
    }
}
