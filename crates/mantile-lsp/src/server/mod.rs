//! The language server: a thin protocol edge over `mantile-engine`.
//!
//! - [`framing`]: reads the client's stream itself, answers malformed
//!   messages and passes the rest to tower-lsp-server, so one bad message
//!   never ends the session; writes whole frames only.
//! - [`sequencer`]: document edits applied in arrival order, synchronously.
//! - [`session`]: open documents (ropes in a `DashMap`), the workspace
//!   folders, settings; each edit goes to its folder's analysis at once.
//! - [`folder`]: a workspace folder and its analysis host (the engine's
//!   single writer of its inputs); disk readings recorded one at a time.
//! - [`publish`]: the affected files checked off the runtime, each result
//!   published only while it is the latest, and only once.
//! - [`handlers`]: the other protocol methods, one per file, each on a
//!   snapshot of its document's folder.
//! - [`backend`]: tower-lsp-server's entry points, dispatching to them.
//! - [`encoding`]: the one place byte offsets become protocol positions.
//! - [`diagnostics`]: engine findings → protocol diagnostics with their fixes.
//! - [`settings`]: per-rule severities from the client's settings.
//! - [`hub`]: Hugging Face metadata fetched in the background.
//! - [`lsp_ext`]: Mantile's own requests, notifications and commands, declared
//!   once (the VS Code twin: `editors/vscode/src/lsp_ext.ts`); [`commands`]
//!   serves them.
//!
//! Entry points: [`run_stdio`] for the binary, [`serve`] for any pair of
//! streams (the tests drive it over an in-memory pipe).

pub mod backend;
pub mod commands;
pub mod diagnostics;
pub mod encoding;
pub mod folder;
pub mod framing;
pub mod handlers;
pub mod hub;
pub mod lsp_ext;
pub mod publish;
pub mod sequencer;
pub mod session;
pub mod settings;
pub mod uri;

/// The protocol types (tower-lsp-server re-exports `gen-lsp-types`).
pub use tower_lsp_server::gen_lsp_types as lsp;

use backend::Backend;
use sequencer::Sequencer;
use session::Session;
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

/// Serves the protocol on `input`/`output` until the client sends `exit`
/// (or closes `input`). Returns whether `shutdown` came before the end, as
/// the protocol's exit code needs.
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (service, socket) = commands::register(LspService::build(|client| {
        Backend::new(Session::new(client))
    }))
    .finish();
    let session = service.inner().session.clone();
    let service = Sequencer::new(service, session.clone());
    framing::run(input, output, |server_in, server_out| {
        Server::new(server_in, server_out, socket).serve(service)
    })
    .await;
    session.was_shut_down()
}

/// Runs the server on standard input and output; returns the process exit
/// code (0 after an orderly `shutdown` then `exit`, 1 otherwise).
pub fn run_stdio() -> i32 {
    // A few threads for checks and file reads: each thread that allocates
    // gets its own allocator arena, so a pool of hundreds would hold memory
    // no check needs (measured: the peak RSS of an edited 2,000-layer config).
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(6)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mantile-lsp: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let clean = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // Reading stdin blocks a thread; do not wait for it after `exit`.
    runtime.shutdown_background();
    if clean { 0 } else { 1 }
}
