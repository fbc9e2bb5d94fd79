//! The framing layer between the client's byte streams and tower-lsp-server.
//!
//! tower-lsp-server stops reading for good after the first message it cannot
//! decode (its framed stream ends on the first error), so one `null`, one
//! line of invalid JSON or one bad `Content-Length` would end the session.
//! This layer reads the client's stream itself and hands tower-lsp-server
//! only messages it is sure to accept:
//!
//! - Each header block is read line by line (at most [`MAX_HEADER`] bytes);
//!   `Content-Length` is required, `Content-Type` may only say UTF-8.
//! - Each body (at most [`MAX_BODY`] bytes; a larger one is skipped unread)
//!   is parsed as tower-lsp-server's own request and response types. One that
//!   parses is passed on, in a frame of our own; one that does not is
//!   answered here, as JSON-RPC says: `-32700 Parse error` for invalid JSON,
//!   `-32600 Invalid Request` (with the request's `id` when one can be read)
//!   for JSON that is not a message. A malformed *response* from the client
//!   is dropped (answering it would start a ping-pong).
//! - When a header block is unusable (no length, an invalid one), the body's
//!   end is unknown: the error is answered and reading resumes at the next
//!   `Content-Length`, as far as the framing allows.
//!
//! What goes out — tower-lsp-server's frames and our error answers — is
//! written by one task, one whole frame at a time, so frames never
//! interleave.

use serde::Deserialize;
use serde_json::{Value, json};
use std::pin::pin;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest header block read (real ones are under 100 bytes).
pub const MAX_HEADER: usize = 16 * 1024;
/// The largest message body read. A document at the engine's 8 MiB limit,
/// JSON-escaped, fits several times over.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// A message as tower-lsp-server decodes it (its own `Message` is private).
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)] // only parsed, to know tower-lsp-server will accept it
enum Message {
    Response(Response),
    Request(Request),
}

/// A buffered reader over the input, with the few operations framing needs.
struct Input<R> {
    r: R,
    buf: Vec<u8>,
    start: usize,
}

impl<R: AsyncRead + Unpin> Input<R> {
    fn new(r: R) -> Input<R> {
        Input {
            r,
            buf: Vec::with_capacity(64 * 1024),
            start: 0,
        }
    }

    fn available(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
    }

    /// Reads more bytes; false at the end of the input (or on an error,
    /// which ends the input too).
    async fn more(&mut self) -> bool {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + 64 * 1024, 0);
        let n = self.r.read(&mut self.buf[old..]).await.unwrap_or(0);
        self.buf.truncate(old + n);
        n > 0
    }

    /// One line without its `\r\n` or `\n`; `Err(())` if longer than `cap`
    /// (then it is skipped); `Ok(None)` at the end of the input.
    async fn line(&mut self, cap: usize) -> Result<Option<Vec<u8>>, ()> {
        let mut searched = 0;
        loop {
            let avail = self.available();
            if let Some(i) = avail[searched..].iter().position(|&b| b == b'\n') {
                let end = searched + i;
                if end > cap {
                    self.consume(end + 1);
                    return Err(());
                }
                let mut line = avail[..end].to_vec();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                self.consume(end + 1);
                return Ok(Some(line));
            }
            searched = avail.len();
            if searched > cap {
                // Skip the rest of this overlong line.
                self.consume(searched);
                loop {
                    if !self.more().await {
                        return Ok(None);
                    }
                    if let Some(i) = self.available().iter().position(|&b| b == b'\n') {
                        self.consume(i + 1);
                        return Err(());
                    }
                    let n = self.available().len();
                    self.consume(n);
                }
            }
            if !self.more().await {
                return Ok(None);
            }
        }
    }

    /// Exactly `n` bytes, or `None` if the input ends first.
    async fn exact(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.available().len() < n {
            if !self.more().await {
                return None;
            }
        }
        let out = self.available()[..n].to_vec();
        self.consume(n);
        Some(out)
    }

    /// Skips `n` bytes without keeping them; false if the input ends first.
    async fn skip(&mut self, mut n: usize) -> bool {
        loop {
            let k = n.min(self.available().len());
            self.consume(k);
            n -= k;
            if n == 0 {
                return true;
            }
            if !self.more().await {
                return false;
            }
        }
    }

    /// Skips to the next `Content-Length` (any case); false at the end.
    async fn resync(&mut self) -> bool {
        const NEEDLE: &[u8] = b"content-length";
        loop {
            let avail = self.available();
            if let Some(i) = avail
                .windows(NEEDLE.len())
                .position(|w| w.eq_ignore_ascii_case(NEEDLE))
            {
                self.consume(i);
                return true;
            }
            // Keep a tail that may be the start of the needle.
            let keep = (NEEDLE.len() - 1).min(avail.len());
            let n = avail.len() - keep;
            self.consume(n);
            if !self.more().await {
                return false;
            }
        }
    }
}

/// One frame: `Content-Length` header and body.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_frame(code: i64, message: &str, id: Value) -> Vec<u8> {
    let v = json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": id});
    frame(v.to_string().as_bytes())
}

/// What to do with a message body: pass it on, answer it, or drop it.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Pass,
    Answer(Vec<u8>),
    Drop,
}

/// Decides about one message body (see the module's doc).
pub fn judge(body: &[u8]) -> Verdict {
    let err = match serde_json::from_slice::<Message>(body) {
        Ok(_) => return Verdict::Pass,
        Err(e) => e,
    };
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Verdict::Answer(error_frame(
                -32700,
                &format!("Parse error: the message is not JSON ({e})"),
                Value::Null,
            ));
        }
    };
    let obj = value.as_object();
    let is_response = obj.is_some_and(|o| {
        !o.contains_key("method") && (o.contains_key("result") || o.contains_key("error"))
    });
    if is_response {
        return Verdict::Drop;
    }
    let id = obj
        .and_then(|o| o.get("id"))
        .filter(|id| id.is_string() || id.as_i64().is_some())
        .cloned()
        .unwrap_or(Value::Null);
    Verdict::Answer(error_frame(
        -32600,
        &format!("Invalid Request: not a JSON-RPC 2.0 request or notification ({err})"),
        id,
    ))
}

/// Reads the client's input, passes the good messages to `server` and
/// answers the others through `out`. Returns at the end of the input, or
/// when the server side stops reading.
async fn read_input<R, W>(input: R, mut server: W, out: mpsc::Sender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = Input::new(input);
    loop {
        // A header block.
        let mut len: Option<usize> = None;
        let mut problem: Option<String> = None;
        let mut lines = 0usize;
        let mut size = 0usize;
        loop {
            let line = match input.line(MAX_HEADER).await {
                Ok(Some(l)) => l,
                Ok(None) => return,
                Err(()) => {
                    problem.get_or_insert_with(|| "a header line is too long".to_string());
                    size = MAX_HEADER;
                    continue;
                }
            };
            if line.is_empty() {
                if lines == 0 && problem.is_none() {
                    continue; // stray blank lines between messages
                }
                break;
            }
            lines += 1;
            size += line.len();
            if size > MAX_HEADER {
                problem.get_or_insert_with(|| "the header block is too long".to_string());
                continue;
            }
            let text = String::from_utf8_lossy(&line);
            let Some((name, value)) = text.split_once(':') else {
                problem.get_or_insert_with(|| format!("malformed header line {:?}", text));
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("Content-Length") {
                match value.parse::<usize>() {
                    Ok(n) => len = Some(n),
                    Err(_) => {
                        problem
                            .get_or_insert_with(|| format!("invalid Content-Length {:?}", value));
                    }
                }
            } else if name.eq_ignore_ascii_case("Content-Type") {
                let charset = value
                    .split(';')
                    .skip(1)
                    .filter_map(|p| p.trim().strip_prefix("charset="))
                    .next();
                if charset.is_some_and(|c| {
                    let c = c.trim_matches('"');
                    !c.eq_ignore_ascii_case("utf-8") && !c.eq_ignore_ascii_case("utf8")
                }) {
                    problem.get_or_insert_with(|| {
                        format!("unsupported Content-Type {value:?} (only UTF-8)")
                    });
                }
            }
        }
        let answer = |msg: String| error_frame(-32700, &format!("Parse error: {msg}"), Value::Null);
        match (len, problem) {
            (Some(n), None) if n <= MAX_BODY => {
                let Some(body) = input.exact(n).await else {
                    return;
                };
                match judge(&body) {
                    Verdict::Pass => {
                        let framed = frame(&body);
                        if server.write_all(&framed).await.is_err() || server.flush().await.is_err()
                        {
                            return; // the server has stopped (after `exit`)
                        }
                    }
                    Verdict::Answer(a) => {
                        if out.send(a).await.is_err() {
                            return;
                        }
                    }
                    Verdict::Drop => {}
                }
            }
            (Some(n), problem) => {
                // The body's length is known: skip it, unread.
                let why = problem.unwrap_or_else(|| {
                    format!("the message is too large ({n} bytes; the limit is {MAX_BODY})")
                });
                if out.send(answer(why)).await.is_err() || !input.skip(n).await {
                    return;
                }
            }
            (None, problem) => {
                let why = problem.unwrap_or_else(|| "missing Content-Length header".to_string());
                if out.send(answer(why)).await.is_err() || !input.resync().await {
                    return;
                }
            }
        }
    }
}

/// Reads tower-lsp-server's output (well-formed frames) and sends each
/// whole frame to the writer.
async fn forward_output<R: AsyncRead + Unpin>(from_server: R, out: mpsc::Sender<Vec<u8>>) {
    let mut input = Input::new(from_server);
    loop {
        let mut header = Vec::new();
        let mut len = None;
        loop {
            let Ok(Some(line)) = input.line(MAX_HEADER).await else {
                return;
            };
            if line.is_empty() {
                break;
            }
            if let Some(v) = std::str::from_utf8(&line)
                .ok()
                .and_then(|l| l.strip_prefix("Content-Length:"))
            {
                len = v.trim().parse::<usize>().ok();
            }
            header.extend_from_slice(&line);
            header.extend_from_slice(b"\r\n");
        }
        let Some(n) = len else { return };
        let Some(body) = input.exact(n).await else {
            return;
        };
        header.extend_from_slice(b"\r\n");
        header.extend_from_slice(&body);
        if out.send(header).await.is_err() {
            return;
        }
    }
}

/// Writes whole frames, one at a time, until every sender is gone.
async fn write_output<O: AsyncWrite>(output: O, mut frames: mpsc::Receiver<Vec<u8>>) {
    let mut output = pin!(output);
    while let Some(f) = frames.recv().await {
        if output.write_all(&f).await.is_err() || output.flush().await.is_err() {
            return;
        }
    }
}

/// Runs `serve` — a tower-lsp-server `Server` given an input to read and an
/// output to write — behind this framing layer on the client's `input` and
/// `output`. Returns when the server stops (after `exit`, or at the end of
/// the input) and its last frame is written.
pub async fn run<I, O, F, Fut>(input: I, output: O, serve: F)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
    F: FnOnce(tokio::io::DuplexStream, tokio::io::DuplexStream) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (to_server, server_in) = tokio::io::duplex(64 * 1024);
    let (server_out, from_server) = tokio::io::duplex(64 * 1024);
    let (tx, rx) = mpsc::channel::<Vec<u8>>(32);
    let server = async {
        // Dropping the server's ends tells the forwarder the server is done.
        serve(server_in, server_out).await;
    };
    let forward = forward_output(from_server, tx.clone());
    let server_side = async {
        tokio::join!(server, forward);
    };
    let mut reader = Some(Box::pin(read_input(input, to_server, tx)));
    let mut server_side = pin!(server_side);
    let mut writer = pin!(write_output(output, rx));
    loop {
        tokio::select! {
            () = &mut server_side => break,
            () = async { reader.as_mut().expect("checked").await }, if reader.is_some() => {
                // The input ended: the server sees the end of its input.
                reader = None;
            }
            () = &mut writer => return, // the output is gone: so is the client
        }
    }
    // The server has stopped: stop reading, write what is left.
    drop(reader);
    writer.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str) -> Value {
        match judge(body.as_bytes()) {
            Verdict::Answer(f) => {
                let s = String::from_utf8(f).unwrap();
                let (_, body) = s.split_once("\r\n\r\n").unwrap();
                serde_json::from_str(body).unwrap()
            }
            v => panic!("{body}: {v:?}"),
        }
    }

    #[test]
    fn judges_messages_as_json_rpc_says() {
        for ok in [
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#,
            r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":"a","result":null}"#,
            r#"{"jsonrpc":"2.0","method":"unknown/method"}"#,
        ] {
            assert_eq!(judge(ok.as_bytes()), Verdict::Pass, "{ok}");
        }
        let e = answer("{not json");
        assert_eq!(e["error"]["code"], -32700);
        assert_eq!(e["id"], Value::Null);
        for (bad, id) in [
            ("null", Value::Null),
            ("[]", Value::Null),
            ("42", Value::Null),
            (r#"{"jsonrpc":"1.0","id":7,"method":"x"}"#, json!(7)),
            (r#"{"jsonrpc":"2.0","id":"q","method":5}"#, json!("q")),
            (r#"{"id":3,"method":"x"}"#, json!(3)),
        ] {
            let e = answer(bad);
            assert_eq!(e["error"]["code"], -32600, "{bad}");
            assert_eq!(e["id"], id, "{bad}");
        }
        // A malformed response is not answered.
        assert_eq!(
            judge(br#"{"jsonrpc":"1.0","id":1,"result":1}"#),
            Verdict::Drop
        );
    }
}
