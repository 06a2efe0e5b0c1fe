//! Whether a request path is public, decided the way the origin behind the worker
//! could read it. Origins route on a decoded path: nginx percent-decodes (`%2F`
//! included), merges slashes and resolves `..` before matching a location; Tomcat and
//! Jetty drop `;parameters`; IIS and others read `\` as `/`; some apps decode twice.
//! A path is public only when every such reading, and the raw path itself, starts
//! with a public prefix; a path that reads differently is protected.

/// How many rounds of percent-decoding are considered (double encoding and more).
const MAX_DECODE_ROUNDS: usize = 3;

/// Whether `raw_path` (the request's path as sent, without the query) is public under
/// `public_prefixes`: under every reading an origin may give it.
pub fn is_public(raw_path: &str, public_prefixes: &[String]) -> bool {
    if public_prefixes.is_empty() {
        return false;
    }
    let matches = |path: &[u8]| public_prefixes.iter().any(|p| path.starts_with(p.as_bytes()));
    if !matches(raw_path.as_bytes()) {
        return false;
    }
    let mut current = raw_path.as_bytes().to_vec();
    for _ in 0..MAX_DECODE_ROUNDS {
        let decoded = percent_decode(&current);
        if !readings(&decoded).iter().all(|r| matches(r)) {
            return false;
        }
        if decoded == current {
            return true;
        }
        current = decoded;
    }
    // Still changing after every round: no prefix check can know what the origin sees.
    percent_decode(&current) == current
}

/// The readings of an already percent-decoded path: `\` as `/` or not, `;parameters`
/// dropped or not, slashes merged or not (before or after the parameters are dropped: a
/// `/;x/` segment is empty only afterwards); dot segments resolved in each.
pub fn readings(decoded: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(12);
    for backslash_is_slash in [false, true] {
        for drop_params in [false, true] {
            for merge in [Merge::No, Merge::BeforeParams, Merge::AfterParams] {
                let reading = read_as(decoded, backslash_is_slash, drop_params, merge);
                if !out.contains(&reading) {
                    out.push(reading);
                }
            }
        }
    }
    out
}

/// Whether (and when) an origin merges repeated slashes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Merge {
    No,
    /// On the raw text, before `;parameters` are dropped (nginx `merge_slashes`).
    BeforeParams,
    /// On the segments left once parameters are dropped.
    AfterParams,
}

/// One reading of a decoded path.
fn read_as(decoded: &[u8], backslash_is_slash: bool, drop_params: bool, merge: Merge) -> Vec<u8> {
    let mut path: Vec<u8> = decoded.iter().map(|&b| if backslash_is_slash && b == b'\\' { b'/' } else { b }).collect();
    if merge == Merge::BeforeParams {
        path.dedup_by(|a, b| *a == b'/' && *b == b'/');
    }
    let mut segments: Vec<&[u8]> = Vec::new();
    let mut trailing_slash = false;
    for (i, piece) in path.split(|&b| b == b'/').enumerate() {
        let piece = if drop_params { piece.split(|&b| b == b';').next().unwrap_or_default() } else { piece };
        trailing_slash = false;
        // The path starts with `/`: the first split piece is empty and skipped.
        if i == 0 && piece.is_empty() {
            continue;
        }
        match piece {
            b"." => trailing_slash = true,
            b".." => {
                segments.pop();
                trailing_slash = true;
            }
            b"" if merge == Merge::AfterParams => trailing_slash = true,
            _ => segments.push(piece),
        }
    }
    let mut out = Vec::with_capacity(path.len() + 1);
    for s in &segments {
        out.push(b'/');
        out.extend_from_slice(s);
    }
    if trailing_slash || out.is_empty() {
        out.push(b'/');
    }
    out
}

/// Decodes every `%XX` once; other bytes (and broken escapes) stay as they are.
pub fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        let hex = |j: usize| input.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                // invariant: two hex digits make at most 255.
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(path: &str) -> bool {
        is_public(path, &["/public/".to_owned(), "/healthz".to_owned()])
    }

    #[test]
    fn plain_public_paths_stay_public() {
        for path in
            ["/public/", "/public/app.css", "/public/a/b/c.js", "/healthz", "/public/caf%C3%A9.png", "/public/a%20b", "/public/x;v=2"]
        {
            assert!(public(path), "{path}");
        }
        assert!(!is_public("/public/x", &[]));
    }

    #[test]
    fn protected_paths_stay_protected() {
        for path in ["/", "/admin", "/publicx", "/Public/x", "/_sso/session", "/api/public/x"] {
            assert!(!public(path), "{path}");
        }
    }

    #[test]
    fn encoded_slashes_and_dots_cannot_escape_a_public_prefix() {
        for path in [
            "/public/..%2Fadmin",
            "/public/%2e%2e/admin",
            "/public/%2E%2E%2Fadmin",
            "/public%2F..%2Fadmin",
            "/public/..%5Cadmin",
            "/public/..\\admin",
            "/public/%252e%252e%252fadmin",
            "/public/%25252e%25252e%25252fadmin",
            "/public/..;/admin",
            "/public/.;x=1/..;y/admin",
            "/public//../admin",
            "/public/x/../../admin",
        ] {
            assert!(!public(path), "{path}");
        }
    }

    #[test]
    fn encodings_cannot_make_a_protected_path_public() {
        // Public only to an origin that decodes: the raw path is protected.
        for path in ["/admin/..%2Fpublic/x", "/%70ublic/x", "/admin%2F..%2Fpublic/x", "/admin;/../public/x"] {
            assert!(!public(path), "{path}");
        }
    }

    #[test]
    fn readings_resolve_dots_params_backslashes_and_slashes() {
        let r = readings(b"/a;p/b\\..//c/./");
        for expected in [&b"/a/c/"[..], b"/a;p/c/", b"/a;p/b\\..//c/"] {
            assert!(r.iter().any(|x| x == expected), "{:?}", String::from_utf8_lossy(expected));
        }
        assert_eq!(read_as(b"/../..", true, true, Merge::AfterParams), b"/");
    }

    #[test]
    fn an_emptied_parameter_segment_is_a_segment_when_slashes_were_merged_first() {
        // Found by the `public_path` fuzz target: `/;x/` is an empty segment that `..`
        // removes (instead of the real one before it) when slashes merge before
        // parameters are dropped.
        assert!(readings(b"/public/a/;x/../../b").iter().any(|r| r == b"/public/b"));
        assert!(readings(b"/public/a/;x/../../b").iter().any(|r| r == b"/b"));
        assert!(!public("/public/a/;x/../../b"));
        let found = "/public/}%2/public/\\..;in$mbll_c/%252e%252e/mc/\\/../../ll_cc/\\/../../.\r\0//../p/;in$mbll_c/%252e%252e/mc/\\/../../ll2/public/\\..;in$mbll_c/%252e%252e/mc/\\/../../ll_cc/\\/../../.\r\0//../p/;in$mbll_c/%252_cc/\\/../../.\r\0//../p/q/lc/\\l";
        assert!(!public(found));
    }

    #[test]
    fn percent_decoding_is_single_and_tolerant() {
        assert_eq!(percent_decode(b"%2F%2f%zz%4"), b"//%zz%4");
        assert_eq!(percent_decode(b"%252F"), b"%2F");
    }
}
