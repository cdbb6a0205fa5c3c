//! The secrets a user may have typed or exported, kept out of every
//! message the binary prints.

/// Secrets the user may have typed or exported, so that no message
/// printed on stderr shows them even when an argument is misplaced (clap
/// echoes unexpected arguments): the password of any `ami://` URL among
/// the arguments or in `AMI_URL`, and `AMI_SECRET`.
pub(crate) struct Secrets {
    /// Secrets of three characters or more: redacted wherever they stand.
    pub(crate) long: Vec<String>,
    /// Every secret found, also the short ones: redacted where they stand as
    /// the password of a URL.
    pub(crate) all: Vec<String>,
}

/// The `(start, end)` of the password in the userinfo of every `…://`
/// URL in `text` (`scheme://user:password@host`), whatever the scheme's
/// case and whether or not the URL is otherwise valid.
pub(crate) fn url_passwords(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let auth_start = from + i + 3;
        let auth_end = text[auth_start..]
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\''
            })
            .map_or(text.len(), |j| auth_start + j);
        let authority = &text[auth_start..auth_end];
        if let Some(at) = authority.rfind('@') {
            if let Some(colon) = authority[..at].find(':') {
                found.push((auth_start + colon + 1, auth_start + at));
            }
        }
        from = auth_end.max(auth_start);
    }
    found
}

impl Secrets {
    pub(crate) fn collect() -> Secrets {
        let mut found = Vec::new();
        let args = std::env::args_os().skip(1);
        let url_env = std::env::var_os("AMI_URL");
        for arg in args.chain(url_env) {
            let arg = arg.to_string_lossy();
            for (start, end) in url_passwords(&arg) {
                let raw = &arg[start..end];
                found.push(raw.to_owned());
                if let Ok(decoded) = percent_encoding::percent_decode_str(raw).decode_utf8() {
                    found.push(decoded.into_owned());
                }
            }
        }
        if let Some(s) = std::env::var_os("AMI_SECRET") {
            found.push(s.to_string_lossy().into_owned());
        }
        found.retain(|s| !s.is_empty());
        found.sort_by_key(|s| std::cmp::Reverse(s.len()));
        found.dedup();
        // Very short strings would blank out ordinary words wherever they
        // stand; as a URL's password they are redacted whatever their length.
        let long = found.iter().filter(|s| s.len() >= 3).cloned().collect();
        Secrets { long, all: found }
    }

    /// The password spans of URLs in `text` that hold one of the secrets.
    pub(crate) fn in_urls(&self, text: &str) -> Vec<(usize, usize)> {
        url_passwords(text)
            .into_iter()
            .filter(|&(start, end)| {
                let p = &text[start..end];
                self.all.iter().any(|s| s == p)
            })
            .collect()
    }

    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (start, end) in self.in_urls(text).into_iter().rev() {
            out.replace_range(start..end, "<redacted>");
        }
        self.long
            .iter()
            .fold(out, |t, s| t.replace(s.as_str(), "<redacted>"))
    }

    pub(crate) fn any_in(&self, text: &str) -> bool {
        !self.in_urls(text).is_empty() || self.long.iter().any(|s| text.contains(s.as_str()))
    }
}
