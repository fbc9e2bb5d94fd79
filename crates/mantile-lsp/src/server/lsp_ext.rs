//! Mantile's extensions to the protocol, declared in one place, as
//! rust-analyzer's `lsp_ext`: custom requests and notifications, and the
//! commands the server runs through `workspace/executeCommand`, each with its
//! parameter and result types.
//!
//! The TypeScript twin is `editors/vscode/src/lsp_ext.ts`; a change here is
//! a change there (`tests/server_ext.rs` pins the wire shapes both read).
//! Every name on the wire is camelCase.

use super::lsp;
use serde::{Deserialize, Serialize};

// ----- server → client notifications -----

/// `mantile/hubStatus`: where the last Hugging Face answer came from, for a
/// status display.
pub enum HubStatus {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HubMode {
    /// Asked from the Hub (or a fresh cached answer).
    Live,
    /// A cached answer (offline, or the Hub could not be asked).
    Cached,
    /// Offline, nothing cached for this model.
    Offline,
    /// The Hub could not be reached.
    Unreachable,
    /// The Hub refused or did not know the model.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubStatusParams {
    pub mode: HubMode,
    pub repo: String,
}

impl lsp::Notification for HubStatus {
    type Params = HubStatusParams;
    const METHOD: lsp::LspNotificationMethod<'static> =
        lsp::LspNotificationMethod::Custom("mantile/hubStatus");
    const MESSAGE_DIRECTION: lsp::MessageDirection = lsp::MessageDirection::ServerToClient;
}

/// `mantile/registryChanged`: what `mantile/registry` answers may have
/// changed (files changed on disk, a save, new settings, a command ran):
/// a client showing it asks again.
pub enum RegistryChanged {}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryChangedParams {}

impl lsp::Notification for RegistryChanged {
    type Params = RegistryChangedParams;
    const METHOD: lsp::LspNotificationMethod<'static> =
        lsp::LspNotificationMethod::Custom("mantile/registryChanged");
    const MESSAGE_DIRECTION: lsp::MessageDirection = lsp::MessageDirection::ServerToClient;
}

// ----- client → server notifications -----

/// `mantile/didChangeUserSettings`: the `mantile` settings from the user's
/// own configuration (never a workspace's), as `initializationOptions`
/// carry them at start: the Hub's endpoint and home may change here, live,
/// which `workspace/didChangeConfiguration` (fed by workspace files) may not.
pub const DID_CHANGE_USER_SETTINGS: &str = "mantile/didChangeUserSettings";

// ----- client → server requests -----

/// `mantile/registry`: the workspace's §6 deliverables (models, gap
/// registry, test suites, checklist), computed by the engine from the
/// files as the editor has them.
pub enum Registry {}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryParams {}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryResult {
    /// The Mantile workspace root, if the server has one.
    pub root: Option<lsp::Uri>,
    pub models: Vec<Model>,
    pub gaps: Vec<Gap>,
    pub checklist: Checklist,
}

/// A model config, with the findings on it now (open text, or disk).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub uri: lsp::Uri,
    /// Relative to the root.
    pub path: String,
    pub model_id: Option<String>,
    pub name: Option<String>,
    pub hf_model_id: Option<String>,
    /// `total_params` as stated.
    pub total_params: Option<u64>,
    pub errors: u32,
    pub warnings: u32,
}

/// A gap of the registry (the guide's §6.1), with its suite (§6.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gap {
    pub number: u32,
    pub gap_type: String,
    pub feature: String,
    /// `layer (model_id)` of every layer it affects.
    pub affected_layers: Vec<String>,
    /// HIGH, MEDIUM or LOW (as the report declares it, else judged).
    pub severity: String,
    /// Created, Incomplete or Missing.
    pub status: String,
    /// The report's path relative to the root, as the config names it.
    pub report: Option<String>,
    /// The report's URI when the file exists.
    pub report_uri: Option<lsp::Uri>,
    /// Why the gap is not accounted for (§6.3), if it is not.
    pub unaccounted: Option<String>,
    pub suite: Option<Suite>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Suite {
    pub path: String,
    /// When the file exists.
    pub uri: Option<lsp::Uri>,
    pub tests: u32,
    pub ids: Vec<String>,
    /// Created or Missing.
    pub status: String,
}

/// The §6.3 gap count verification.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checklist {
    pub gaps_identified: u32,
    pub reports_created: u32,
    pub test_suites_created: u32,
    pub tests_written: u32,
    pub documented_in_existing_reports: u32,
    /// N − M − P: must be 0.
    pub unaccounted: u32,
}

impl lsp::Request for Registry {
    type Params = RegistryParams;
    type Result = RegistryResult;
    const METHOD: lsp::LspRequestMethod<'static> = lsp::LspRequestMethod::Custom(REGISTRY);
    const MESSAGE_DIRECTION: lsp::MessageDirection = lsp::MessageDirection::ClientToServer;
}
pub const REGISTRY: &str = "mantile/registry";

/// `mantile/inspect`: a model's tensor inventory from its safetensors
/// headers (never the weights), as `mantile-lsp inspect` prints it, for a
/// read-only document.
pub enum Inspect {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectParams {
    /// `org/name`.
    pub repo: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectResult {
    pub text: String,
}

impl lsp::Request for Inspect {
    type Params = InspectParams;
    type Result = InspectResult;
    const METHOD: lsp::LspRequestMethod<'static> = lsp::LspRequestMethod::Custom(INSPECT);
    const MESSAGE_DIRECTION: lsp::MessageDirection = lsp::MessageDirection::ClientToServer;
}
pub const INSPECT: &str = "mantile/inspect";

// ----- commands (workspace/executeCommand) -----
//
// Named `mantile-lsp.*`: a client such as vscode-languageclient registers
// each as an editor command of the same name, which must not collide with
// the extension's own `mantile.*` commands.

/// Rebuilds the workspace from disk and checks every Mantile file: the
/// findings are published (`textDocument/publishDiagnostics`), progress is
/// reported (`$/progress`, on the request's `workDoneToken` or one the
/// server creates). No arguments; returns a [`CheckSummary`].
pub const CHECK_WORKSPACE: &str = "mantile-lsp.checkWorkspace";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSummary {
    pub files: u32,
    pub errors: u32,
    pub warnings: u32,
    pub infos: u32,
    pub hints: u32,
}

/// Generates a config from a model's Hugging Face metadata into
/// `backend/data/model_configs/<org>_<name>.json`, with the gap reports and
/// test suites it needs (never over an existing file), then opens it
/// (`window/showDocument`). One argument, [`NewConfigArgs`]; returns a
/// [`NewConfigResult`]. Cancellable (`$/cancelRequest`, or the progress's
/// cancel): nothing is written once cancelled.
pub const NEW_CONFIG: &str = "mantile-lsp.newConfig";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewConfigArgs {
    pub repo: String,
    /// Replace a config that exists.
    #[serde(default)]
    pub force: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewConfigResult {
    pub uri: lsp::Uri,
    /// Relative to the root.
    pub path: String,
    /// Scaffolds written, and those kept because they exist (relative paths).
    pub written: Vec<String>,
    pub kept: Vec<String>,
    /// What Mantile cannot model, and how the config was made.
    pub notes: Vec<String>,
    /// Whether the client was asked to open the file (`window/showDocument`).
    pub shown: bool,
}

/// Every command the server runs.
pub const COMMANDS: [&str; 2] = [CHECK_WORKSPACE, NEW_CONFIG];

// ----- the standard `$/progress`, sent raw so that it can end from a drop -----

pub enum Progress {}

impl lsp::Notification for Progress {
    type Params = serde_json::Value;
    const METHOD: lsp::LspNotificationMethod<'static> =
        lsp::LspNotificationMethod::Custom("$/progress");
    const MESSAGE_DIRECTION: lsp::MessageDirection = lsp::MessageDirection::ServerToClient;
}
