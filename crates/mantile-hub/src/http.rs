//! The few HTTP requests the client makes, with the rules that keep a hostile
//! or broken server harmless:
//!
//! - redirects are followed by hand (at most [`MAX_REDIRECTS`], `http`/`https`
//!   only, never from `https` down to `http`), and the `Authorization` header
//!   goes only to the endpoint's own origin (scheme, host and port): once a
//!   redirect leaves it, the token is never sent again in that chain;
//! - every body is read chunk by chunk and abandoned past its cap (a declared
//!   `Content-Length` over the cap is refused before any byte is read), so a
//!   response costs at most its cap in memory;
//! - a range request keeps at most the bytes it asked for, whatever the
//!   server claims in `Content-Range` or sends;
//! - connections time out (the caller bounds the whole exchange too).

use crate::HubProblem;
use reqwest::header::{AUTHORIZATION, HeaderMap, LOCATION, RANGE};
use reqwest::{Client, Url};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

/// An answer: status, the headers, and the (capped) body.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// A header's value as text, when it is printable ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

pub struct Http {
    client: Client,
    /// The endpoint, e.g. `https://huggingface.co` (no trailing `/`).
    pub endpoint: Url,
    token: Option<String>,
    /// Requests sent (each redirect hop counts) and body bytes received.
    requests: AtomicU64,
    received: AtomicU64,
}

/// What the client has sent and received so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    pub bytes: u64,
}

impl Http {
    pub fn new(endpoint: &str, token: Option<String>) -> Result<Http, HubProblem> {
        let endpoint = Url::parse(endpoint.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| HubProblem::Network {
                message: "the Hub endpoint is not an http(s) URL".into(),
            })?;
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(15))
            .user_agent(concat!("mantile-lsp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| HubProblem::Network {
                message: "cannot set up HTTPS".into(),
            })?;
        Ok(Http {
            client,
            endpoint,
            token,
            requests: AtomicU64::new(0),
            received: AtomicU64::new(0),
        })
    }

    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            bytes: self.received.load(Ordering::Relaxed),
        }
    }

    /// `{endpoint}/{segments joined by /}`; each segment must already be
    /// validated (no `/`, `?`, `#`, `%`, `.` or `..` segments).
    pub fn url(&self, path: &[&str]) -> Url {
        let mut u = self.endpoint.clone();
        if let Ok(mut segs) = u.path_segments_mut() {
            segs.pop_if_empty();
            for p in path {
                for s in p.split('/') {
                    segs.push(s);
                }
            }
        }
        u
    }

    /// GET `url` (with `Range: bytes=a-b` when `range` is given), following
    /// redirects; the body is kept up to `cap` bytes (a range keeps at most
    /// its own length). A body over the cap is an error, not a truncation.
    pub async fn get(
        &self,
        url: Url,
        range: Option<(u64, u64)>,
        cap: usize,
    ) -> Result<Answer, HubProblem> {
        let mut url = url;
        let mut with_token = self.token.is_some();
        for _ in 0..=MAX_REDIRECTS {
            if url.origin() != self.endpoint.origin() {
                with_token = false;
            }
            let mut req = self.client.get(url.clone());
            if let (true, Some(t)) = (with_token, &self.token) {
                req = req.header(AUTHORIZATION, format!("Bearer {t}"));
            }
            if let Some((a, b)) = range {
                req = req.header(RANGE, format!("bytes={a}-{b}"));
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let mut resp = req.send().await.map_err(|e| transport_problem(&e))?;
            let status = resp.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let next = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| url.join(l).ok())
                    .ok_or_else(|| malformed("a redirect without a usable Location"))?;
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(malformed("a redirect to a scheme other than http(s)"));
                }
                if url.scheme() == "https" && next.scheme() == "http" {
                    return Err(malformed("a redirect from https down to plain http"));
                }
                url = next;
                continue;
            }
            let headers = resp.headers().clone();
            if status >= 400 {
                // The error body is not needed: drop the connection unread.
                return Ok(Answer {
                    status,
                    headers,
                    body: Vec::new(),
                });
            }
            // What to keep: a range keeps at most its own length; a server
            // that ignores the range (200) sends the file from byte 0, so the
            // bytes before `a` are read and dropped (`a` is small: the client
            // only asks for the start of files).
            let (skip, keep) = match range {
                Some((a, b)) if status == 206 => (0, (b - a + 1) as usize),
                Some((a, b)) => (a as usize, (b - a + 1) as usize),
                None => (0, cap),
            };
            let keep = keep.min(cap);
            if range.is_none()
                && let Some(n) = resp.content_length()
                && n > cap as u64
            {
                return Err(too_large(cap));
            }
            let mut body = Vec::with_capacity(keep.min(64 * 1024));
            let mut skipped = 0usize;
            while let Some(chunk) = resp.chunk().await.map_err(|e| transport_problem(&e))? {
                self.received
                    .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                let mut c: &[u8] = &chunk;
                if skipped < skip {
                    let n = (skip - skipped).min(c.len());
                    skipped += n;
                    c = &c[n..];
                }
                if range.is_none() && body.len() + c.len() > keep {
                    return Err(too_large(cap));
                }
                let room = keep - body.len();
                body.extend_from_slice(&c[..c.len().min(room)]);
                if range.is_some() && body.len() == keep {
                    break; // the rest is not ours to read
                }
            }
            return Ok(Answer {
                status,
                headers,
                body,
            });
        }
        Err(malformed("too many redirects"))
    }
}

fn malformed(what: &str) -> HubProblem {
    HubProblem::Malformed { what: what.into() }
}

fn too_large(cap: usize) -> HubProblem {
    HubProblem::Malformed {
        what: format!("a response larger than {}", crate::store::bytes(cap as u64)),
    }
}

/// A failed exchange in words (never with the URL, which is ours anyway).
fn transport_problem(e: &reqwest::Error) -> HubProblem {
    if e.is_timeout() {
        HubProblem::Timeout { secs: 0 }
    } else if e.is_connect() {
        HubProblem::Network {
            message: "connection failed".into(),
        }
    } else if e.is_body() || e.is_decode() {
        malformed("the connection broke in the middle of a response")
    } else {
        HubProblem::Network {
            message: "request failed".into(),
        }
    }
}

/// The problem for an error status; `gated` from `X-Error-Code: GatedRepo`.
pub fn status_problem(a: &Answer) -> HubProblem {
    match a.status {
        401 | 403 => HubProblem::Unauthorized {
            status: a.status,
            gated: a.header("x-error-code") == Some("GatedRepo"),
        },
        404 => HubProblem::NotFound,
        s => HubProblem::Server { status: s },
    }
}
