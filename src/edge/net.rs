//! Outgoing HTTP over the Workers `fetch`, bounded in time and size.

use std::time::Duration;

use futures_util::future::{select, Either};
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

use crate::flows::{HttpResponse, NetError};
use crate::oidc::OutgoingRequest;

/// Reads an incoming request's body of at most `max` bytes (`None` when larger). A
/// declared `Content-Length` over `max` is refused unread; a body without one (chunked)
/// is read as it streams and cut off as soon as it passes `max`.
pub(crate) async fn read_body(req: &mut Request, max: usize) -> Option<Vec<u8>> {
    if let Ok(Some(len)) = req.headers().get("content-length") {
        if len.parse::<usize>().map_or(true, |n| n > max) {
            return None;
        }
    }
    read_stream(req.inner().body(), max).await.ok()
}

/// Reads a body stream chunk by chunk, giving up (and cancelling the stream) once it
/// passes `max` bytes (`TooLarge`); a stream that breaks is `Unreachable`; no stream is
/// an empty body.
pub(crate) async fn read_stream(stream: Option<web_sys::ReadableStream>, max: usize) -> Result<Vec<u8>, NetError> {
    use wasm_bindgen::JsCast;
    let Some(stream) = stream else { return Ok(Vec::new()) };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().dyn_into().map_err(|_| NetError::Unreachable)?;
    let mut out = Vec::new();
    loop {
        let chunk = wasm_bindgen_futures::JsFuture::from(reader.read()).await.map_err(|_| NetError::Unreachable)?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).ok().is_some_and(|d| d.is_truthy());
        if done {
            return Ok(out);
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(|_| NetError::Unreachable)?;
        let bytes = value.dyn_into::<js_sys::Uint8Array>().map_err(|_| NetError::Unreachable)?;
        if out.len().saturating_add(bytes.length() as usize) > max {
            let _ = reader.cancel();
            return Err(NetError::TooLarge);
        }
        out.extend_from_slice(&bytes.to_vec());
    }
}

/// Sends `request`; gives up after `timeout`; refuses bodies over `max_body` bytes.
pub(crate) async fn send(request: &OutgoingRequest, timeout: Duration, max_body: usize) -> Result<HttpResponse, NetError> {
    let headers = Headers::new();
    for (k, v) in &request.headers {
        headers.set(k, v).map_err(|_| NetError::Unreachable)?;
    }
    let mut init = RequestInit::new();
    init.with_method(if request.method == "POST" { Method::Post } else { Method::Get })
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if let Some(body) = &request.body {
        init.with_body(Some(body.as_str().into()));
    }
    let req = Request::new_with_init(&request.url, &init).map_err(|_| NetError::Unreachable)?;
    send_request(req, timeout, max_body).await
}

/// Sends a prepared request with the same bounds.
async fn send_request(req: Request, timeout: Duration, max_body: usize) -> Result<HttpResponse, NetError> {
    let controller = AbortController::default();
    let signal = controller.signal();
    let work = async move {
        let resp = Fetch::Request(req).send_with_signal(&signal).await.map_err(|_| NetError::Unreachable)?;
        let status = resp.status_code();
        let content_type = resp.headers().get("content-type").ok().flatten();
        if let Ok(Some(len)) = resp.headers().get("content-length") {
            if len.parse::<usize>().map_or(true, |n| n > max_body) {
                return Err(NetError::TooLarge);
            }
        }
        let body = read_stream(web_sys::Response::from(resp).body(), max_body).await?;
        Ok(HttpResponse { status, content_type, body })
    };
    let timer = Delay::from(timeout);
    futures_util::pin_mut!(work);
    match select(work, timer).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => {
            controller.abort();
            Err(NetError::Timeout)
        }
    }
}
