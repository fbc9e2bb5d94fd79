//! The command line's arguments, declared once with clap's derive: parsing,
//! `--help` for every command and the shell completions all come from these
//! structs. What each command does is in [`crate::cli`] (and
//! [`crate::inspect`]); this file only says what it accepts.
//!
//! One struct per command, so that a new option is one field in one place.
//! Usage errors exit 2 (clap's own status for them), with the messages the
//! hand-written parser gave (`unknown format `xml` (expected human, json,
//! sarif, github or gitlab)`): [`Choice`] keeps them while clap still knows
//! the possible values for `--help` and completions.

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};
use mantile_diag::{Severity, SeverityOverrides};
use std::ffi::OsStr;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Hugging Face: HF_ENDPOINT, HF_TOKEN (or $HF_HOME/token), HF_HOME, HF_HUB_CACHE and HF_HUB_OFFLINE are honoured.

Exit status: 0 no errors, 1 errors found (or warnings with --strict), 2 usage or I/O error.";

/// mantile-lsp: checks Mantile workspaces (model configs, test specs, gap reports), on the
/// command line and in editors.
#[derive(Debug, Parser)]
#[command(
    name = "mantile-lsp",
    version,
    override_usage = "mantile-lsp [serve]       run the language server on standard input and output\n       mantile-lsp <COMMAND> [OPTIONS]",
    after_help = AFTER_HELP,
    disable_help_subcommand = false
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the language server on standard input and output (the default without a command)
    #[command(alias = "server", alias = "lsp")]
    Serve,
    /// Check files or folders (default: the workspace around the current folder)
    #[command(after_help = AFTER_HELP)]
    Check(CheckArgs),
    /// Write a config generated from a Hugging Face model's tensors and config.json
    #[command(long_about = "\
Write a config generated from the model's tensors (safetensors headers, never the weights) and
config.json (default: backend/data/model_configs/<org>_<name>.json in this workspace), with a gap
report and test suite scaffolded for every part Mantile cannot model; --dry-run prints them all
instead.")]
    New(NewArgs),
    /// Show a model's tensors from its safetensors headers (never the weights)
    #[command(long_about = "\
Show a model's tensors from its safetensors headers (never the weights): grouped by pattern,
totals by dtype, the block structure.")]
    Inspect(InspectArgs),
    /// Print the deliverables summary of the guide's §6 (gap registry, test suites, checklist)
    #[command(long_about = "\
Print the deliverables summary of the guide's §6: gap registry, test suite registry, checklist.
Exits 1 when Unaccounted gaps is not 0.")]
    Report(ReportArgs),
    /// List every rule with its code, default severity and summary
    Rules(RulesArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell)
    #[command(long_about = "\
Print a shell completion script to standard output, e.g.
  mantile-lsp completions bash > ~/.local/share/bash-completion/completions/mantile-lsp
  mantile-lsp completions zsh > ~/.zfunc/_mantile-lsp
  mantile-lsp completions fish > ~/.config/fish/completions/mantile-lsp.fish")]
    Completions(CompletionsArgs),
}

/// `check`'s output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Gitlab,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// human, json (documented in the README), sarif (SARIF 2.1.0), github (GitHub Actions
    /// annotations) or gitlab (GitLab Code Quality)
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = Choice::new("format", &[
        ("human", Format::Human, true), ("text", Format::Human, false), ("json", Format::Json, true),
        ("sarif", Format::Sarif, true), ("github", Format::Github, true), ("gitlab", Format::Gitlab, true),
    ]))]
    pub format: Format,
    /// Exit 1 on warnings too
    #[arg(long)]
    pub strict: bool,
    /// Print per-file claim counts for test specs
    #[arg(long)]
    pub stats: bool,
    /// Change a rule's severity (error, warning, info, hint) or turn it off (off); CODE is a
    /// code (MC060) or a name (parameter-count); repeatable
    #[arg(long = "rule", value_name = "CODE=LEVEL", value_parser = parse_rule)]
    pub rules: Vec<RuleLevel>,
    /// Skip the Hugging Face cross-checks (also: HF_HUB_OFFLINE=1, which uses cached metadata)
    #[arg(long)]
    pub offline: bool,
    /// Colour the human output: auto (a terminal without NO_COLOR), always or never
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = Choice::new("color mode", &[
        ("auto", Color::Auto, true), ("always", Color::Always, true), ("never", Color::Never, true),
    ]))]
    pub color: Color,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Colour or not, when the user decided.
    pub fn forced(self) -> Option<bool> {
        match self {
            Color::Auto => None,
            Color::Always => Some(true),
            Color::Never => Some(false),
        }
    }
}

impl CheckArgs {
    /// The `--rule` options as severity overrides, in the order given.
    pub fn overrides(&self) -> SeverityOverrides {
        let mut o = SeverityOverrides::default();
        for r in &self.rules {
            o.set(&r.rule, r.severity);
        }
        o
    }
}

/// One `--rule CODE=LEVEL`: a known rule, and its severity (`None`: off).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleLevel {
    pub rule: String,
    pub severity: Option<Severity>,
}

fn parse_rule(v: &str) -> Result<RuleLevel, String> {
    let shown = crate::render::escape_controls(v);
    let (code, level) = v
        .split_once('=')
        .ok_or_else(|| format!("`--rule {shown}`: expected CODE=LEVEL"))?;
    let known = mantile_engine::all_rules()
        .iter()
        .any(|r| r.code.eq_ignore_ascii_case(code) || r.name == code);
    if !known {
        return Err(format!(
            "unknown rule `{}` (see `mantile-lsp rules`)",
            crate::render::escape_controls(code)
        ));
    }
    let severity = match level {
        "off" | "none" => None,
        l => Some(Severity::parse(l).ok_or_else(|| {
            format!(
                "unknown severity `{}` (error, warning, info, hint or off)",
                crate::render::escape_controls(l)
            )
        })?),
    };
    Ok(RuleLevel {
        rule: code.to_string(),
        severity,
    })
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The Hugging Face model id, org/name (e.g. meta-llama/Llama-3.3-70B-Instruct)
    #[arg(value_name = "HF_MODEL_ID")]
    pub repo: String,
    /// Where to write the config (- for standard output); default:
    /// backend/data/model_configs/<org>_<name>.json in this workspace
    #[arg(long, short = 'o', value_name = "PATH", allow_hyphen_values = true)]
    pub out: Option<String>,
    /// Replace a config that exists
    #[arg(long)]
    pub force: bool,
    /// Cached Hugging Face metadata only (no network)
    #[arg(long)]
    pub offline: bool,
    /// Print the config, gap reports and test suites instead of writing them
    #[arg(long)]
    pub dry_run: bool,
}

/// `inspect`'s output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InspectFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The Hugging Face model id, org/name (e.g. Qwen/Qwen3-0.6B)
    #[arg(value_name = "HF_MODEL_ID")]
    pub repo: String,
    /// table (grouped by pattern, with totals and the block structure), csv (one tensor a
    /// line) or json
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = Choice::new("format", &[
        ("table", InspectFormat::Table, true), ("csv", InspectFormat::Csv, true), ("json", InspectFormat::Json, true),
    ]))]
    pub format: InspectFormat,
    /// Cached Hugging Face metadata only (no network)
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A folder inside the workspace (default: the current folder)
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// markdown (ready to paste) or json
    #[arg(long, value_name = "FORMAT", default_value = "markdown", action = clap::ArgAction::Set, value_parser = Choice::new("format", &[
        ("markdown", false, true), ("md", false, false), ("json", true, true),
    ]))]
    pub format: bool,
}

impl ReportArgs {
    pub fn json(&self) -> bool {
        self.format
    }
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// human (one rule a line) or json
    #[arg(long, value_name = "FORMAT", default_value = "human", action = clap::ArgAction::Set, value_parser = Choice::new("format", &[
        ("human", false, true), ("text", false, false), ("json", true, true),
    ]))]
    pub format: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// A value out of a fixed list, some names hidden aliases (`text` for
/// `human`): clap lists the shown ones in `--help` and completions; an
/// unknown one is refused with `unknown WHAT `v` (expected a, b or c)`.
#[derive(Clone)]
pub struct Choice<T: Clone + Send + Sync + 'static> {
    what: &'static str,
    values: &'static [(&'static str, T, bool)],
}

impl<T: Clone + Send + Sync + 'static> Choice<T> {
    pub const fn new(what: &'static str, values: &'static [(&'static str, T, bool)]) -> Self {
        Choice { what, values }
    }
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Choice<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let v = value.to_string_lossy();
        if let Some((_, t, _)) = self.values.iter().find(|(n, _, _)| *n == v) {
            return Ok(t.clone());
        }
        let shown: Vec<&str> = self
            .values
            .iter()
            .filter(|(_, _, s)| *s)
            .map(|(n, _, _)| *n)
            .collect();
        let list = match shown.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => last.to_string(),
            None => String::new(),
        };
        let mut cmd = cmd.clone();
        let usage = cmd.render_usage();
        Err(clap::Error::raw(
            ErrorKind::InvalidValue,
            format!(
                "unknown {} `{}` (expected {list})\n\n{usage}\n\nFor more information, try '--help'.\n",
                self.what,
                crate::render::escape_controls(&v)
            ),
        ))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            self.values
                .iter()
                .map(|(n, _, shown)| PossibleValue::new(*n).hide(!shown)),
        ))
    }
}

/// The command definitions (for completions and usage lines).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definitions_are_consistent() {
        // clap's own checks: unique names, valid defaults, no conflicting flags.
        command().debug_assert();
    }

    #[test]
    fn no_command_is_the_server_and_aliases_name_it() {
        let cli = Cli::try_parse_from(["mantile-lsp"]).unwrap();
        assert!(cli.command.is_none());
        for alias in ["serve", "server", "lsp"] {
            let cli = Cli::try_parse_from(["mantile-lsp", alias]).unwrap();
            assert!(matches!(cli.command, Some(Command::Serve)), "{alias}");
        }
    }

    #[test]
    fn check_options_parse_inline_and_separate_values() {
        let cli = Cli::try_parse_from([
            "mantile-lsp",
            "check",
            "a",
            "--format=sarif",
            "--rule",
            "MC060=off",
            "--rule=parameter-count=warning",
            "--color",
            "never",
            "b",
        ])
        .unwrap();
        let Some(Command::Check(c)) = cli.command else {
            panic!("not check")
        };
        assert_eq!(c.paths, [PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(c.format, Format::Sarif);
        assert_eq!(c.color, Color::Never);
        assert_eq!(
            c.rules,
            [
                RuleLevel {
                    rule: "MC060".into(),
                    severity: None
                },
                RuleLevel {
                    rule: "parameter-count".into(),
                    severity: Some(Severity::Warning)
                }
            ]
        );
    }

    #[test]
    fn usage_errors_keep_their_messages() {
        let e = Cli::try_parse_from(["mantile-lsp", "check", "--format", "xml"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let text = e.to_string();
        assert!(
            text.contains("unknown format `xml` (expected human, json, sarif, github or gitlab)"),
            "{text}"
        );
        let e = Cli::try_parse_from(["mantile-lsp", "check", "--rule", "MC999=off"]).unwrap_err();
        assert!(e.to_string().contains("unknown rule `MC999`"), "{e}");
        let e = Cli::try_parse_from(["mantile-lsp", "check", "--rule", "MC060"]).unwrap_err();
        assert!(e.to_string().contains("expected CODE=LEVEL"), "{e}");
        let e = Cli::try_parse_from(["mantile-lsp", "frobnicate"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let e = Cli::try_parse_from(["mantile-lsp", "new"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("<HF_MODEL_ID>"), "{e}");
    }

    #[test]
    fn report_and_rules_formats_are_values_not_flags() {
        let cli = Cli::try_parse_from(["mantile-lsp", "report", "--format", "json", "ws"]).unwrap();
        let Some(Command::Report(r)) = cli.command else {
            panic!("not report")
        };
        assert!(r.json());
        assert_eq!(r.path, Some(PathBuf::from("ws")));
        let cli = Cli::try_parse_from(["mantile-lsp", "report", "--format=md"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Report(r)) if !r.json()));
        let cli = Cli::try_parse_from(["mantile-lsp", "rules", "--format", "json"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Rules(r)) if r.format));
        let cli = Cli::try_parse_from(["mantile-lsp", "rules"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Rules(r)) if !r.format));
    }

    #[test]
    fn new_takes_a_dash_for_standard_output() {
        let cli =
            Cli::try_parse_from(["mantile-lsp", "new", "o/m", "--out", "-", "--dry-run"]).unwrap();
        let Some(Command::New(n)) = cli.command else {
            panic!("not new")
        };
        assert_eq!((n.out.as_deref(), n.dry_run), (Some("-"), true));
    }
}
