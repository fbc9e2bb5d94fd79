//! Applies document edits in the order they arrive.
//!
//! tower-lsp-server runs up to four handlers at once and gives no ordering
//! guarantee between them, so two `didChange` notifications could in
//! principle be handled out of order. This service sits in front of it: the
//! transport calls [`Service::call`] once per message, strictly in the order
//! it read them, and for `didOpen`/`didChange`/`didClose` the edit is applied
//! right there, synchronously, before the next message is even looked at.
//! Everything else goes on to the `LanguageServer` implementation.

use super::session::Session;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::Service;
use tower_lsp_server::jsonrpc::{Request, Response};

pub struct Sequencer<S> {
    inner: S,
    session: Arc<Session>,
}

impl<S> Sequencer<S> {
    pub fn new(inner: S, session: Arc<Session>) -> Sequencer<S> {
        Sequencer { inner, session }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> Service<Request> for Sequencer<S>
where
    S: Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Option<Response>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let method = req.method();
        let sync = matches!(
            method,
            "textDocument/didOpen" | "textDocument/didChange" | "textDocument/didClose"
        );
        if !sync || !self.session.is_live() {
            return Box::pin(self.inner.call(req));
        }
        let (method, _, params) = req.into_parts();
        let params = params.unwrap_or_default();
        let s = &self.session;
        let ok = match &*method {
            "textDocument/didOpen" => serde_json::from_value(params).map(|p| s.open(p)),
            "textDocument/didChange" => serde_json::from_value(params).map(|p| s.change(p)),
            _ => serde_json::from_value(params).map(|p| s.close(p)),
        };
        if let Err(e) = ok {
            s.log(
                super::lsp::MessageType::Error,
                format!("mantile-lsp: invalid {method} parameters: {e}"),
            );
        }
        Box::pin(std::future::ready(Ok(None)))
    }
}
