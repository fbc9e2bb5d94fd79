//! Applies document edits in the order they arrive.
//!
//! tower-lsp-server runs up to four handlers at once and gives no ordering
//! guarantee between them, so two `didChange` notifications could in
//! principle be handled out of order. This service sits in front of it: the
//! transport calls [`Service::call`] once per message, strictly in the order
//! it read them, and for `didOpen`/`didChange`/`didClose` the edit is applied
//! right there, synchronously, before the next message is even looked at.
//! Everything else goes on to the `LanguageServer` implementation, with
//! panics caught: a handler that panics answers with an internal error (and
//! the panic is logged to the client) instead of taking the server down.

use super::session::Session;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::Service;
use tower_lsp_server::jsonrpc::{Error, Request, Response};

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
            let id = req.id().cloned();
            let what = method.to_string();
            let session = self.session.clone();
            let fut = CatchUnwind(Box::pin(self.inner.call(req)));
            return Box::pin(async move {
                match fut.await {
                    Ok(result) => result,
                    Err(message) => {
                        session
                            .log_message(
                                super::lsp::MessageType::Error,
                                format!("mantile-lsp: internal error in {what}: {message}"),
                            )
                            .await;
                        Ok(id.map(|id| Response::from_error(id, Error::internal_error())))
                    }
                }
            });
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

/// A future whose panics become `Err(message)`.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(super::session::panic_message(payload.as_ref()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::backend::Backend;
    use futures_util::StreamExt;
    use serde_json::json;
    use std::convert::Infallible;

    /// A service whose handlers panic on `boom`.
    struct Panicky;

    impl Service<Request> for Panicky {
        type Response = Option<Response>;
        type Error = Infallible;
        type Future = BoxFuture<Result<Option<Response>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, req: Request) -> Self::Future {
            let id = req.id().cloned();
            let boom = req.method() == "boom";
            Box::pin(async move {
                if boom {
                    panic!("handler bug");
                }
                Ok(id.map(|id| Response::from_ok(id, json!("fine"))))
            })
        }
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_an_internal_error_and_the_next_one_runs() {
        let (service, socket) =
            tower_lsp_server::LspService::new(|client| Backend::new(Session::new(client)));
        let (mut to_client, _) = socket.split();
        let session = service.inner().session.clone();
        let mut seq = Sequencer::new(Panicky, session);
        let boom = Request::build("boom").id(1).finish();
        let r = seq.call(boom).await.unwrap().unwrap();
        assert_eq!(
            r.error().map(|e| e.code),
            Some(Error::internal_error().code)
        );
        let log = to_client.next().await.unwrap();
        assert_eq!(log.method(), "window/logMessage");
        assert_eq!(
            log.params().unwrap()["message"],
            "mantile-lsp: internal error in boom: handler bug"
        );
        let ok = Request::build("ok").id(2).finish();
        let r = seq.call(ok).await.unwrap().unwrap();
        assert_eq!(r.result(), Some(&json!("fine")));
        // A panicking notification has nothing to answer; it is logged too.
        let note = Request::build("boom").finish();
        let (answer, log) = tokio::join!(seq.call(note), to_client.next());
        assert!(answer.unwrap().is_none());
        assert_eq!(log.unwrap().method(), "window/logMessage");
    }
}
