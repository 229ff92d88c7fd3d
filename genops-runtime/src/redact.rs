//! Keeping credentials out of errors, logs and `Debug` output.
//!
//! OTLP settings and budget store URLs carry secrets: API keys in headers, user and password in
//! an endpoint URL, a token in its query. Whatever genops prints about them goes through here
//! first: URLs lose their user-info and the values of query parameters named like a credential,
//! and headers are shown by name only.

use std::fmt;

/// What stands in for a hidden secret.
pub(crate) const HIDDEN: &str = "***";

/// Query parameter names whose values are hidden (compared without case, as substrings).
const SECRET_PARAMS: [&str; 10] = [
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "auth",
    "sig",
    "credential",
    "session",
];

/// `url` with its user-info replaced (`http://***@host:port/path`) and the values of
/// credential-like query parameters hidden. Works on text that does not parse as a URL too.
pub(crate) fn url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    // A password may hold an unencoded `/`, `?` or `#`: everything up to the last `@` is hidden,
    // which hides too much when an `@` is in the path or query, the safe way to be wrong.
    let (hidden, rest) = match rest.rfind('@') {
        Some(at) => (true, &rest[at + 1..]),
        None => (false, rest),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = if hidden {
        format!("{HIDDEN}@{authority}")
    } else {
        authority.to_owned()
    };
    let (path, query_and_fragment) = tail.split_at(tail.find('?').unwrap_or(tail.len()));
    let mut out = format!("{scheme}{authority}{path}");
    if let Some(query) = query_and_fragment.strip_prefix('?') {
        let (query, fragment) = query.split_at(query.find('#').unwrap_or(query.len()));
        out.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((name, _)) if is_secret_param(name) => {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(HIDDEN);
                }
                _ => out.push_str(pair),
            }
        }
        out.push_str(fragment);
    }
    out
}

fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMS.iter().any(|secret| name.contains(secret))
}

/// `text` with every URL in it passed through [`url`]: for error messages from other crates,
/// which may quote the endpoint they failed to reach.
#[cfg_attr(not(any(feature = "otlp", feature = "redis")), allow(dead_code))]
pub(crate) fn urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        // The URL starts at its scheme: letters, digits, `+`, `-` and `.` before `://`.
        let start = rest[..i]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || "+-.".contains(*c)))
            .map_or(0, |(j, c)| j + c.len_utf8());
        // IPv6 hosts are bracketed (`http://[::1]:4318`), so brackets do not end a URL.
        let end = rest[i..]
            .find(|c: char| c.is_whitespace() || "\"'<>`(){},".contains(c))
            .map_or(rest.len(), |j| i + j);
        out.push_str(&rest[..start]);
        out.push_str(&url(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Headers for `Debug`: their names, never their values.
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub(crate) struct HeaderNames<'a>(pub(crate) &'a [(String, String)]);

impl fmt::Debug for HeaderNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// One header, by name.
        struct Named<'a>(&'a str);
        impl fmt::Debug for Named<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}: {HIDDEN}", self.0)
            }
        }
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| Named(name)))
            .finish()
    }
}

/// An optional URL for `Debug`, redacted.
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub(crate) struct Url<'a>(pub(crate) Option<&'a str>);

impl fmt::Debug for Url<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(text) => write!(f, "Some({:?})", url(text)),
            None => f.write_str("None"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials_and_keep_the_rest() {
        assert_eq!(url("http://127.0.0.1:4317"), "http://127.0.0.1:4317");
        assert_eq!(
            url("https://user:sk-SECRET@collector:4318/v1/traces"),
            "https://***@collector:4318/v1/traces"
        );
        assert_eq!(
            url("ht!tp://user:sk-SECRETABC@127.0.0.1:9"),
            "ht!tp://***@127.0.0.1:9"
        );
        assert_eq!(
            url("http://host/v1?api_key=sk-1&region=eu&Token=t#frag"),
            "http://host/v1?api_key=***&region=eu&Token=***#frag"
        );
        assert_eq!(url("user:pw@host:9"), "***@host:9");
        assert_eq!(
            urls_in("error sending request for url (http://u:p@h:1/x?key=k): refused"),
            "error sending request for url (http://***@h:1/x?key=***): refused"
        );
        assert_eq!(urls_in("no url here"), "no url here");
        // A password with `#` or `/` in it, an IPv6 host, and text that is not ASCII.
        assert_eq!(
            url("https://user:p#ss/w@host:4318/v1"),
            "https://***@host:4318/v1"
        );
        assert_eq!(
            urls_in("to http://[::1]:4318/v1?api_key=k failed"),
            "to http://[::1]:4318/v1?api_key=*** failed"
        );
        assert_eq!(urls_in("«http://u:p@h»"), "«http://***@h»");
        let headers = [("authorization".to_owned(), "Bearer sk-SECRET".to_owned())];
        assert_eq!(
            format!("{:?}", HeaderNames(&headers)),
            "[authorization: ***]"
        );
    }
}
