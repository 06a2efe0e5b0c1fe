//! Public paths: whatever path comes in, when edge-sso calls it public, every origin
//! reading of it is public too. The model here is written independently of the core:
//! an nginx-like origin decodes `%XX` (repeatedly, for apps that decode again), may
//! read `\` as `/`, drop `;parameters`, merge slashes, and resolves dot segments with a
//! stack; an origin that does not decode sees the raw path.
#![no_main]

use edge_sso::public_path::is_public;
use libfuzzer_sys::fuzz_target;

const PREFIXES: [&str; 3] = ["/public/", "/assets", "/p/q/"];

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else { return };
    let prefixes: Vec<String> = PREFIXES.iter().map(|p| (*p).to_owned()).collect();
    if !is_public(path, &prefixes) {
        return;
    }
    let public = |p: &[u8]| PREFIXES.iter().any(|prefix| p.starts_with(prefix.as_bytes()));
    assert!(public(path.as_bytes()), "raw {path:?} is not public");
    let mut current = path.as_bytes().to_vec();
    for _ in 0..4 {
        current = decode(&current);
        for backslash in [false, true] {
            for params in [false, true] {
                for merge in [false, true] {
                    let origin_view = nginx_like(&current, backslash, params, merge);
                    assert!(
                        public(&origin_view),
                        "{path:?} passed as public, but an origin reads {:?}",
                        String::from_utf8_lossy(&origin_view)
                    );
                }
            }
        }
    }
});

/// `%XX` decoded once (a byte-wise decoder of its own, not the core's).
fn decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' && i + 2 < input.len() {
            let pair = std::str::from_utf8(&input[i + 1..=i + 2]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = pair {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

/// How a path-routing origin reads a decoded path.
fn nginx_like(decoded: &[u8], backslash: bool, params: bool, merge: bool) -> Vec<u8> {
    let mut path: Vec<u8> = decoded.iter().map(|&b| if backslash && b == b'\\' { b'/' } else { b }).collect();
    if merge {
        let mut merged = Vec::with_capacity(path.len());
        for b in path {
            if !(b == b'/' && merged.last() == Some(&b'/')) {
                merged.push(b);
            }
        }
        path = merged;
    }
    let mut stack: Vec<Vec<u8>> = Vec::new();
    let mut ends_in_dir = false;
    for (i, seg) in path.split(|&b| b == b'/').enumerate() {
        let seg: Vec<u8> = if params { seg.split(|&b| b == b';').next().unwrap_or(&[]).to_vec() } else { seg.to_vec() };
        ends_in_dir = false;
        if i == 0 && seg.is_empty() {
            continue;
        }
        if seg == b"." {
            ends_in_dir = true;
        } else if seg == b".." {
            stack.pop();
            ends_in_dir = true;
        } else {
            stack.push(seg);
        }
    }
    let mut out = Vec::new();
    for s in &stack {
        out.push(b'/');
        out.extend_from_slice(s);
    }
    if ends_in_dir || out.is_empty() {
        out.push(b'/');
    }
    out
}
