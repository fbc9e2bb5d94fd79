//! Command-line entry points.

use crate::args::{self, CheckArgs, Cli, Command, Format, NewArgs, ReportArgs};
use crate::disk::{self, Target};
use crate::files::{self, ReadError};
use crate::formats;
use crate::render::{self, CheckedFile};
use mantile_engine::{
    AnalysisHost, Content, FileKind, HubOutcome, HubProblem, Scope, classify, is_global,
};
use mantile_hub::{HubClient, HubSettings};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Writes to standard error, ignoring failures (a closed or full stderr
/// must not turn a message into a panic).
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Writes `text` to standard output; on failure (a full disk, a closed
/// pipe) says why on standard error and returns the exit status 2.
fn emit(text: &str) -> Result<(), i32> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // The reader went away (`| head`): nothing to tell it.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(2),
        Err(e) => {
            say!("error: cannot write to standard output: {e}");
            Err(2)
        }
    }
}

/// [`emit`], for commands whose output is their last act.
fn emit_status(text: &str, status: i32) -> i32 {
    emit(text).err().unwrap_or(status)
}

/// A path as printed: control characters escaped.
fn shown(p: &Path) -> String {
    render::escape_controls(&p.to_string_lossy()).into_owned()
}

/// A usage error found after parsing (a model id that is not one): said
/// like clap's own, with the command's usage line; exit status 2.
pub(crate) fn usage_error(command: &str, msg: &str) -> i32 {
    let usage = args::command()
        .find_subcommand(command)
        .map(|c| {
            c.clone()
                .bin_name(format!("mantile-lsp {command}"))
                .render_usage()
                .to_string()
        })
        .unwrap_or_default();
    say!(
        "error: {}\n\n{usage}\n\nFor more information, try '--help'.",
        render::escape_controls(msg)
    );
    2
}

/// Runs the command line (`args` without the program name); returns the
/// exit status.
pub fn main(args: Vec<String>) -> i32 {
    let argv = std::iter::once("mantile-lsp".to_string()).chain(args);
    let cli = match <Cli as clap::Parser>::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            // `--help` and `--version` go to standard output (and a full disk
            // there is an error); usage errors to standard error, status 2.
            if e.use_stderr() {
                say!("{}", text.trim_end());
                return e.exit_code();
            }
            return emit_status(&text, 0);
        }
    };
    match cli.command {
        None | Some(Command::Serve) => crate::server::run_stdio(),
        Some(Command::Check(a)) => check(a),
        Some(Command::New(a)) => new_config(a),
        Some(Command::Inspect(a)) => crate::inspect::main(a),
        Some(Command::Report(a)) => report(a),
        Some(Command::Rules(a)) => rules(a.format),
        Some(Command::Completions(a)) => {
            let mut out = Vec::new();
            clap_complete::generate(a.shell, &mut args::command(), "mantile-lsp", &mut out);
            let mut script = String::from_utf8_lossy(&out).into_owned();
            if a.shell == clap_complete::Shell::Bash {
                // clap_complete 4.6 names the subcommands' cases after the binary with its `-`
                // replaced twice (`mantile__subcmd__lsp__subcmd__check`) but matches them as
                // `mantile__lsp__subcmd__check`: options after a command would not complete.
                script = script.replace("mantile__subcmd__lsp__", "mantile__lsp__");
            }
            emit_status(&script, 0)
        }
    }
}

fn rules(json: bool) -> i32 {
    let rules = mantile_engine::all_rules();
    let mut out = String::new();
    if json {
        let v: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "code": r.code, "name": r.name, "severity": r.default_severity, "summary": r.summary
                })
            })
            .collect();
        out = serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    } else {
        for r in rules {
            out.push_str(&format!(
                "{}  {:<24} {:<8} {}\n",
                r.code,
                r.name,
                r.default_severity.as_str(),
                r.summary
            ));
        }
    }
    emit_status(&out, 0)
}

fn check(a: CheckArgs) -> i32 {
    let overrides = a.overrides();
    let paths = if a.paths.is_empty() {
        let cwd = PathBuf::from(".");
        match disk::find_root(&cwd) {
            Some(root) => vec![root],
            None => {
                say!(
                    "error: no Mantile workspace here: no folder from the current one up holds `backend/data/model_configs` or `tests/`; name files or folders to check"
                );
                return 2;
            }
        }
    } else {
        a.paths.clone()
    };
    let mut targets: Vec<Target> = Vec::new();
    // Folders and workspace files that could not be read: reported, and the
    // exit status says the check is incomplete; every other file is checked.
    let mut unreadable: Vec<(PathBuf, String)> = Vec::new();
    for p in &paths {
        match disk::targets(p) {
            Ok(found) if found.targets.is_empty() && found.unreadable.is_empty() => {
                say!(
                    "error: no model configs (backend/data/model_configs/*.json) or test specs (tests/*_tests.md) found in `{}`",
                    shown(p)
                );
                return 2;
            }
            Ok(found) => {
                targets.extend(found.targets);
                unreadable.extend(found.unreadable);
            }
            Err(e) => {
                say!("error: {}", render::escape_controls(&e));
                return 2;
            }
        }
    }
    targets.dedup();
    // One analysis per workspace (and one for files outside any): each file
    // is read once and checked once, and only the files the targets depend
    // on are read besides them.
    let mut hosts: Vec<Checked> = Vec::new();
    let mut loose = Checked::new(None);
    for t in &targets {
        match &t.workspace {
            Some((root, rel)) if classify(rel).is_some() => {
                let i = match hosts.iter().position(|h| h.root.as_ref() == Some(root)) {
                    Some(i) => i,
                    None => {
                        hosts.push(Checked::new(Some(root.clone())));
                        hosts.len() - 1
                    }
                };
                hosts[i].targets.push((t, rel.clone()));
            }
            _ => loose
                .targets
                .push((t, t.display.to_string_lossy().into_owned())),
        }
    }
    hosts.push(loose);
    for h in &mut hosts {
        h.load(&mut unreadable);
    }
    if !a.offline {
        add_hub_outcomes(&mut hosts);
    }
    if !overrides.is_empty() {
        for h in &mut hosts {
            h.host.set_overrides(overrides.clone());
        }
    }
    let mut files = Vec::new();
    for h in &hosts {
        let analysis = h.host.analysis();
        for (t, rel) in &h.targets {
            let Some(report) = analysis.diagnostics(rel) else {
                continue;
            };
            let mut diagnostics = report.diagnostics.clone();
            if !disk::name_is_utf8(&t.display) {
                mantile_engine::file_name_not_utf8(&mut diagnostics);
            }
            let order = targets
                .iter()
                .position(|x| std::ptr::eq(x, *t))
                .unwrap_or(usize::MAX);
            files.push((
                order,
                CheckedFile {
                    path: display_path(&t.display),
                    kind: t.kind.as_str(),
                    text: report.text.clone(),
                    diagnostics,
                    stats: report.stats.map(|s| render::Stats {
                        claims_found: s.claims_found,
                        claims_evaluated: s.claims_evaluated,
                        claims_failing: s.claims_failing,
                    }),
                },
            ));
        }
    }
    // In the order of the targets.
    files.sort_by_key(|(order, _)| *order);
    let files: Vec<CheckedFile> = files.into_iter().map(|(_, f)| f).collect();
    unreadable.sort();
    unreadable.dedup();
    let color = a.color.forced().unwrap_or_else(|| {
        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
    });
    let problems: Vec<render::Problem> = unreadable
        .iter()
        .map(|(p, why)| render::Problem {
            path: display_path(p),
            message: why.clone(),
        })
        .collect();
    let out = match a.format {
        Format::Human => render::human(&files, &problems, color, a.stats),
        Format::Json => render::json(&files, &problems),
        Format::Sarif => formats::sarif::render(&files, std::env::current_dir().ok().as_deref()),
        Format::Github => formats::github::render(&files),
        Format::Gitlab => formats::gitlab::render(&files),
    };
    if let Err(status) = emit(&out) {
        return status;
    }
    // The CI formats have no place for a file that could not be read: it goes to standard
    // error (and the exit status is 2), never silently dropped.
    if matches!(a.format, Format::Sarif | Format::Github | Format::Gitlab) {
        for p in &problems {
            eprintln!(
                "mantile-lsp: {}: {}",
                render::escape_controls(&p.path),
                render::escape_controls(&p.message)
            );
        }
    }
    let summary = render::Summary::of(&files);
    if !problems.is_empty() {
        2
    } else if summary.error > 0 || (a.strict && summary.warning > 0) {
        1
    } else {
        0
    }
}

/// A path as the user would type it: relative to the current folder when inside it.
fn display_path(p: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| p.to_path_buf());
    let s = rel.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

pub(crate) fn runtime() -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .ok()
}

/// The analysis of the targets of one workspace (or of the files outside
/// any workspace: `root` is `None`).
struct Checked<'a> {
    root: Option<PathBuf>,
    host: AnalysisHost,
    /// Each target with its path in the analysis.
    targets: Vec<(&'a Target, String)>,
}

impl<'a> Checked<'a> {
    fn new(root: Option<PathBuf>) -> Checked<'a> {
        let scope = if root.is_some() {
            Scope::Workspace
        } else {
            Scope::Loose
        };
        Checked {
            root,
            // Each file is checked once.
            host: AnalysisHost::one_shot(scope),
            targets: Vec::new(),
        }
    }

    /// Reads the targets, then what they depend on (the configs for a gap
    /// report, its suite), each file once. Folders and layer sources that
    /// cannot be read go to `unreadable` (a target that cannot be read gets
    /// a finding of its own).
    fn load(&mut self, unreadable: &mut Vec<(PathBuf, String)>) {
        // Each target is read where `Target::read` says (a file named on the
        // command line where it leads, the others only inside the
        // workspace), by its real path (its name need not be UTF-8).
        let read = |t: &Target| match t.read() {
            Ok(bytes) => Content::from_bytes(bytes),
            Err(ReadError::TooLarge(len)) => Content::TooLarge(len),
            Err(e) => Content::Unreadable(e.to_string()),
        };
        let Some(root) = self.root.clone() else {
            for (t, rel) in &self.targets {
                self.host.set_disk_file(rel, t.kind, read(t));
            }
            return;
        };
        let with_layers = self
            .targets
            .iter()
            .any(|(t, _)| t.kind != FileKind::TestSpec);
        let mut state = disk::read_workspace(&root, with_layers, |_, _| false);
        for (t, rel) in &self.targets {
            state.files.push((rel.clone(), t.kind, read(t)));
        }
        unreadable.extend(
            state
                .unreadable
                .iter()
                .filter(|(rel, _)| classify(rel).is_none())
                .map(|(rel, why)| (root.join(rel), why.clone())),
        );
        self.host.set_disk(state);
        // What the targets read besides themselves.
        let analysis = self.host.analysis();
        let mut extra: std::collections::BTreeSet<String> = Default::default();
        let mut all_configs = false;
        for (_, rel) in &self.targets {
            let deps = analysis.dependencies(rel);
            all_configs |= deps.all_configs;
            extra.extend(deps.files);
        }
        if all_configs {
            extra.extend(
                analysis
                    .listed(FileKind::Config)
                    .into_iter()
                    .map(|p| p.to_string()),
            );
        }
        for rel in extra {
            if analysis.kind(&rel).is_some() {
                continue; // already read
            }
            let Some(kind) = classify(&rel) else { continue };
            if let Some(content) = disk::read_content(&root, &rel) {
                self.host.set_disk_file(&rel, kind, content);
            }
        }
    }
}

/// Fetches the Hub metadata of every checked config's model (each model
/// once, a few at a time) and records it in the analyses. When the Hub
/// cannot be reached at all, says so once on stderr instead of once per file.
fn add_hub_outcomes(hosts: &mut [Checked]) {
    let mut repos: Vec<String> = hosts
        .iter()
        .flat_map(|h| {
            let analysis = h.host.analysis();
            h.targets
                .iter()
                .filter(|(t, _)| t.kind == FileKind::Config)
                .filter_map(|(_, rel)| analysis.hf_model_id(rel))
                .collect::<Vec<_>>()
        })
        .collect();
    repos.sort();
    repos.dedup();
    if repos.is_empty() {
        return;
    }
    let Some(rt) = runtime() else { return };
    let client = std::sync::Arc::new(HubClient::new(HubSettings::from_env()));
    let outcomes: HashMap<String, HubOutcome> = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for repo in repos {
            let c = client.clone();
            set.spawn(async move {
                let r = c.facts(&repo).await;
                (repo, r)
            });
        }
        let mut out = HashMap::new();
        while let Some(Ok((repo, r))) = set.join_next().await {
            out.insert(repo, std::sync::Arc::new(r));
        }
        out
    });
    // Problems of the whole Hub rather than of one model: said once.
    let skipped: Vec<&HubProblem> = outcomes
        .values()
        .filter_map(|r| r.as_ref().as_ref().err())
        .filter(|p| is_global(p))
        .collect();
    let plural = if skipped.len() == 1 { "" } else { "s" };
    match skipped.first() {
        Some(HubProblem::Network { message }) => say!(
            "note: Hugging Face ({}) could not be reached ({}); the Hub cross-checks were skipped for {} model{plural} (--offline skips them quietly)",
            render::escape_controls(&client.settings().endpoint),
            render::escape_controls(message),
            skipped.len()
        ),
        Some(_) => say!(
            "note: offline (HF_HUB_OFFLINE) with no cached Hugging Face metadata for {} model{plural}; their Hub cross-checks were skipped",
            skipped.len()
        ),
        None => {}
    }
    for h in hosts {
        h.host.set_hub_enabled(true);
        for (repo, outcome) in &outcomes {
            h.host.set_hub_outcome(repo, outcome.clone());
        }
    }
}

/// `mantile-lsp new HF_MODEL_ID [--out PATH|-] [--force] [--offline] [--dry-run]`
fn new_config(a: NewArgs) -> i32 {
    let NewArgs {
        repo,
        out,
        force,
        offline,
        dry_run,
    } = a;
    // The id becomes a URL path and file names: refused unless it is
    // `org/name` in the Hub's alphabet (no `..`, `?`, `%`, `/` inside a part).
    if let Err(reason) = mantile_hub::validate_repo_id(&repo) {
        return usage_error(
            "new",
            &format!(
                "`{}` is not a Hugging Face model id `org/name`: {reason}",
                repo.escape_debug()
            ),
        );
    }
    let root = disk::find_root(Path::new("."));
    // Where to write: a path the user names is written as named; the
    // default one is resolved inside the workspace (no folder on the way
    // may lead out of it through a symbolic link).
    let target: Option<PathBuf> = match out.as_deref() {
        Some("-") => None,
        Some(p) => Some(PathBuf::from(p)),
        None => match &root {
            Some(r) => {
                let rel = format!(
                    "{}/{}.json",
                    mantile_engine::CONFIG_DIR,
                    repo.replace('/', "_")
                );
                match files::confine(r, &rel) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        say!(
                            "error: cannot write the config in this workspace: {}",
                            render::escape_controls(&e.to_string())
                        );
                        return 2;
                    }
                }
            }
            None => {
                say!(
                    "error: not inside a Mantile workspace (no folder from here up holds backend/data/model_configs or tests/); name the file with --out PATH, or --out - for standard output"
                );
                return 2;
            }
        },
    };
    // Anything at the path counts, a symbolic link that leads nowhere too.
    if let Some(t) = &target
        && files::exists(t)
        && !force
        && !dry_run
    {
        say!(
            "error: `{}` already exists; pass --force to replace it",
            shown(t)
        );
        return 2;
    }
    let mut settings = HubSettings::from_env();
    settings.offline |= offline;
    let client = HubClient::new(settings);
    let Some(rt) = runtime() else {
        say!("error: cannot start the async runtime");
        return 2;
    };
    let facts = match rt.block_on(client.facts(&repo)) {
        Ok(f) => f,
        Err(p) => {
            say!("error: {}", render::escape_controls(&p.describe(&repo)));
            return 2;
        }
    };
    let catalog = match &root {
        Some(r) => disk::catalog(r),
        None => mantile_config::Catalog::builtin(),
    };
    let mut generated = match mantile_config::hub::generate(&facts, &catalog) {
        Ok(g) => g,
        Err(e) => {
            say!(
                "error: cannot generate a config for `{}`: {}",
                render::escape_controls(&repo),
                render::escape_controls(&e.to_string())
            );
            return 2;
        }
    };
    if let Some(r) = &root {
        // A gap report already documenting another model stays theirs.
        crate::scaffolds::assign_reports(&mut generated, &|rel| {
            crate::scaffolds::workspace_file(r, rel)
        });
    }
    if !generated.from_tensors {
        let why = match &facts.tensors_problem {
            Some(p) => p.describe(&repo),
            None => "the repository publishes no safetensors headers, or none are cached".into(),
        };
        say!(
            "note: generated from config.json alone, without the tensor inventory ({})",
            render::escape_controls(&why)
        );
    }
    let files = crate::scaffolds::plan(&generated, &catalog);
    if dry_run {
        // Paths as the workspace knows them, like the scaffolds below.
        let shown = target
            .as_ref()
            .map(|t| {
                root.as_ref()
                    .and_then(|r| t.strip_prefix(r).ok())
                    .unwrap_or(t)
                    .display()
                    .to_string()
            })
            .unwrap_or_else(|| "-".into());
        let mut out = format!("==> {shown} <==\n{}", generated.text);
        for f in &files {
            let exists = root.as_ref().is_some_and(|r| r.join(&f.rel).exists());
            if exists {
                out.push_str(&format!("\n==> {} (exists: kept) <==\n", f.rel));
            } else {
                out.push_str(&format!("\n==> {} <==\n{}", f.rel, f.content));
            }
        }
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
        {
            eprintln!("error: cannot write to standard output: {e}");
            return 2;
        }
        for u in &generated.unsupported {
            eprintln!("note: not modelled: {u}");
        }
        eprintln!("dry run: nothing written");
        return 0;
    }
    if let Some(r) = &root
        && let Err(e) = crate::scaffolds::check_paths(r, &files)
    {
        say!("error: {}; nothing written", render::escape_controls(&e));
        return 2;
    }
    match target {
        None => {
            if let Err(status) = emit(&generated.text) {
                return status;
            }
        }
        Some(t) => {
            // Never through a symbolic link: a new file is created with
            // O_EXCL; --force replaces what is there by a rename.
            let written = if force {
                files::replace(&t, generated.text.as_bytes())
            } else {
                files::write_new(&t, generated.text.as_bytes())
            };
            if let Err(e) = written {
                say!("error: {}", render::escape_controls(&e.to_string()));
                return 2;
            }
            say!("wrote {}", shown(&t));
        }
    }
    for u in &generated.unsupported {
        say!("note: not modelled: {}", render::escape_controls(u));
    }
    if !files.is_empty() {
        match &root {
            Some(r) => match crate::scaffolds::write(r, &files) {
                Ok((written, kept)) => {
                    for w in written {
                        say!("wrote {}", render::escape_controls(&w));
                    }
                    for k in kept {
                        say!("kept {} (it exists)", render::escape_controls(&k));
                    }
                }
                Err(e) => {
                    say!("error: {}", render::escape_controls(&e));
                    return 2;
                }
            },
            None => say!(
                "note: the gap reports and test suites were not scaffolded: not inside a Mantile workspace"
            ),
        }
    }
    0
}

/// `mantile-lsp report [--format markdown|json] [PATH]`
fn report(a: ReportArgs) -> i32 {
    let json = a.json();
    let path = a.path.unwrap_or_else(|| PathBuf::from("."));
    let Some(root) = disk::find_root(&path) else {
        say!(
            "error: `{}` is not inside a Mantile workspace (no backend/data/model_configs or tests/ above it)",
            shown(&path)
        );
        return 2;
    };
    let state = disk::read_workspace(&root, true, |_, _| true);
    let mut problems = state.unreadable.clone();
    let mut host = AnalysisHost::new(Scope::Workspace);
    host.set_disk(state);
    let analysis = host.analysis();
    let mut reports = Vec::new();
    for (rel, kind) in analysis.files() {
        if kind != FileKind::GapReport {
            continue;
        }
        match analysis.content(&rel) {
            Some(Content::Text(t)) => reports.push((rel.to_string(), t.to_string())),
            Some(Content::NotUtf8 { .. }) => {
                problems.push((rel.to_string(), "not valid UTF-8".to_string()))
            }
            _ => {} // already among the problems
        }
    }
    let registry = mantile_gap::registry(&analysis.gap_workspace(), &reports);
    let out = if json {
        serde_json::to_string_pretty(&registry).unwrap_or_default() + "\n"
    } else {
        mantile_gap::registry_markdown(&registry)
    };
    if let Err(status) = emit(&out) {
        return status;
    }
    // What could not be read makes the registry incomplete: said, and exit 2.
    problems.sort();
    problems.dedup();
    for (rel, why) in &problems {
        say!(
            "error: cannot read `{}`: {}",
            shown(&root.join(rel)),
            render::escape_controls(why)
        );
    }
    if !problems.is_empty() {
        2
    } else if registry.checklist.unaccounted > 0 {
        1
    } else {
        0
    }
}
