//! Rustdoc from the model's plain-text documentation.
//!
//! Asterisk's prose is full of characters Markdown gives a meaning to:
//! `[context]` (an intra-doc link to rustdoc), `<channel>` (an HTML tag),
//! `${EXTEN}`, `*`, leading `-` and numbers (lists). Everything is escaped so
//! that the text renders as written and `cargo doc` stays warning-free; URLs
//! become autolinks. Paragraphs are wrapped at [`WIDTH`] columns.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Docs;

/// Column width of generated doc text (without the `/// ` prefix).
const WIDTH: usize = 80;

/// Accumulates the paragraphs of one doc comment.
#[derive(Debug, Default)]
pub(crate) struct DocBuilder {
    paragraphs: Vec<Vec<String>>,
}

impl DocBuilder {
    pub(crate) fn new() -> Self {
        DocBuilder::default()
    }

    /// Adds a paragraph of prose from the XML: escaped and wrapped.
    pub(crate) fn prose(&mut self, text: &str) -> &mut Self {
        let lines = wrap(&escape_words(text));
        if !lines.is_empty() {
            self.paragraphs.push(lines);
        }
        self
    }

    /// Adds a paragraph written by the generator (already valid Markdown, e.g.
    /// with backticks around names). Wrapped but not escaped.
    pub(crate) fn markdown(&mut self, text: &str) -> &mut Self {
        let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        let lines = wrap(&words);
        if !lines.is_empty() {
            self.paragraphs.push(lines);
        }
        self
    }

    /// [`markdown`](Self::markdown), when there is text.
    pub(crate) fn markdown_opt(&mut self, text: Option<String>) -> &mut Self {
        if let Some(text) = text {
            self.markdown(&text);
        }
        self
    }

    /// Adds a paragraph that starts with generator-written Markdown (`lead`)
    /// and goes on with prose from the XML (`text`, escaped).
    pub(crate) fn lead_prose(&mut self, lead: &str, text: &str) -> &mut Self {
        let mut words: Vec<String> = lead.split_whitespace().map(str::to_owned).collect();
        words.extend(escape_words(text));
        let lines = wrap(&words);
        if !lines.is_empty() {
            self.paragraphs.push(lines);
        }
        self
    }

    /// Adds a bulleted list; each item starts with generator-written
    /// Markdown (`lead`) followed by prose from the XML (escaped).
    pub(crate) fn list(&mut self, items: &[(String, Option<String>)]) -> &mut Self {
        let mut lines = Vec::new();
        for (lead, text) in items {
            let mut words: Vec<String> = lead.split_whitespace().map(str::to_owned).collect();
            if let Some(text) = text {
                words.extend(escape_words(text));
            }
            for (i, line) in wrap_to(&words, WIDTH - 2).into_iter().enumerate() {
                lines.push(if i == 0 {
                    format!("- {line}")
                } else {
                    format!("  {line}")
                });
            }
        }
        if !lines.is_empty() {
            self.paragraphs.push(lines);
        }
        self
    }

    /// Adds the synopsis, the description paragraphs (value lists as
    /// lists) and the examples (as code blocks) of `docs`.
    pub(crate) fn docs(&mut self, docs: &Docs) -> &mut Self {
        if let Some(s) = &docs.synopsis {
            self.prose(s);
        }
        let mut items: Vec<(String, Option<String>)> = Vec::new();
        for p in &docs.description {
            match list_item(p) {
                Some(item) => items.push(item),
                None => {
                    if !items.is_empty() {
                        self.list(&std::mem::take(&mut items));
                    }
                    self.prose(p);
                }
            }
        }
        if !items.is_empty() {
            self.list(&items);
        }
        for example in &docs.examples {
            self.example(example);
        }
        self
    }

    /// Adds a code block shown as written (not a doc test).
    pub(crate) fn example(&mut self, text: &str) -> &mut Self {
        let mut lines = vec!["```text".to_owned()];
        // A fence inside would end the block early.
        lines.extend(text.lines().map(|l| l.replace("```", "'''")));
        lines.push("```".to_owned());
        self.paragraphs.push(lines);
        self
    }

    /// Whether nothing was added yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.paragraphs.is_empty()
    }

    /// The `#[doc = "…"]` attributes, one per line, paragraphs separated by an
    /// empty line.
    pub(crate) fn tokens(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for (i, para) in self.paragraphs.iter().enumerate() {
            if i > 0 {
                out.extend(quote!(#[doc = ""]));
            }
            for line in para {
                let line = format!(" {line}");
                out.extend(quote!(#[doc = #line]));
            }
        }
        out
    }
}

/// A value-list item `- name: text` (or `- name`) as `(`name`, text)`.
fn list_item(paragraph: &str) -> Option<(String, Option<String>)> {
    let rest = paragraph.strip_prefix("- ")?;
    let (name, text) = match rest.split_once(": ") {
        Some((name, text)) => (name, Some(text.to_owned())),
        None => (rest, None),
    };
    // A name is one short token; anything else is prose that looks like one.
    if name.is_empty() || name.len() > 40 || name.contains(char::is_whitespace) {
        return None;
    }
    let lead = match text {
        Some(_) => format!("{}:", code(name)),
        None => code(name),
    };
    Some((lead, text))
}

/// The releases of the version matrix that document `item` (`action
/// Originate`, `event Hangup`: see [`crate::matrix`]), as a sentence.
pub(crate) fn releases(item: &str) -> Option<String> {
    let ranges = ranges(item)?;
    let ranges: Vec<String> = ranges.split(' ').map(code).collect();
    Some(format!("In Asterisk releases {}.", ranges.join(", ")))
}

/// The releases of `item` (a parameter, a field) as a sentence, when they
/// are not those of its `owner` (the action, the event): a parameter added
/// later, a field sent only by some releases. Nothing for an item every
/// release has.
pub(crate) fn later_releases(owner: &str, item: &str) -> Option<String> {
    let own = ranges(item)?;
    if ranges(owner).as_ref() == Some(&own) || own == crate::matrix::bundled().coverage() {
        return None;
    }
    let ranges: Vec<String> = own.split(' ').map(code).collect();
    Some(format!("Only in Asterisk releases {}.", ranges.join(", ")))
}

/// The releases of the version matrix that document `item`, as ranges
/// (`20.6.0..=20.20.1 22.0.0..=22.10.1`).
pub(crate) fn ranges(item: &str) -> Option<String> {
    crate::matrix::bundled().ranges(item)
}

/// `since` as a sentence, e.g. `Since Asterisk 12.0.0, 13.2.0.`
pub(crate) fn since(docs: &Docs) -> Option<String> {
    if docs.since.is_empty() {
        return None;
    }
    let versions: Vec<String> = docs.since.iter().map(|v| code(v)).collect();
    Some(format!("Since Asterisk {}.", versions.join(", ")))
}

/// `text` as an inline code span, whatever backticks it contains.
pub(crate) fn code(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "` `".to_owned();
    }
    // A code span is delimited by a run of backticks longer than any inside.
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 || text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// Splits prose into escaped words; URLs become autolinks.
fn escape_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(escape_word).collect()
}

fn escape_word(word: &str) -> String {
    if let Some(url) = url_in(word) {
        let (before, rest) = word.split_at(url.0);
        let (link, after) = rest.split_at(url.1 - url.0);
        return format!("{}<{link}>{}", escape_text(before), escape_text(after));
    }
    escape_text(word)
}

/// The byte range of an `http(s)://` URL in `word`, without trailing
/// punctuation, if any.
fn url_in(word: &str) -> Option<(usize, usize)> {
    let start = word.find("https://").or_else(|| word.find("http://"))?;
    let tail = &word[start..];
    let len = tail
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`' | '\\'))
        .unwrap_or(tail.len());
    let mut end = start + len;
    loop {
        let url = &word[start..end];
        let strip = match url.as_bytes().last() {
            Some(b'.' | b',' | b';' | b':' | b']' | b'\'' | b'!' | b'?') => true,
            // A closing parenthesis belongs to the URL when it balances one.
            Some(b')') => url.matches(')').count() > url.matches('(').count(),
            _ => false,
        };
        if !strip {
            break;
        }
        end -= 1;
    }
    let scheme_end = start + if tail.starts_with("https://") { 8 } else { 7 };
    (end > scheme_end).then_some((start, end))
}

fn escape_text(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '|' | '~' => true,
            // Emphasis with `_` needs a word boundary on one side.
            '_' => {
                !prev.is_some_and(char::is_alphanumeric) || !next.is_some_and(char::is_alphanumeric)
            }
            // `&name;` and `&#1;` are HTML entities.
            '&' => next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#'),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Greedy word wrap. A line never starts with something Markdown would read
/// as a block (a list marker, a heading, a quote, a setext underline).
fn wrap(words: &[String]) -> Vec<String> {
    wrap_to(words, WIDTH)
}

fn wrap_to(words: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if line.is_empty() {
            line = guard_line_start(word);
        } else {
            line.push(' ');
            line.push_str(word);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn guard_line_start(word: &str) -> String {
    let first = word.chars().next();
    match first {
        Some('-' | '+' | '=' | '#' | '>') => format!("\\{word}"),
        Some(c) if c.is_ascii_digit() => {
            let digits = word.chars().take_while(char::is_ascii_digit).count();
            match word[digits..].chars().next() {
                Some(m @ ('.' | ')')) => format!("{}\\{m}{}", &word[..digits], &word[digits + 1..]),
                _ => word.to_owned(),
            }
        }
        _ => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str) -> Vec<String> {
        let mut b = DocBuilder::new();
        b.prose(text);
        b.paragraphs.concat()
    }

    #[test]
    fn escapes_markdown_and_html() {
        let lines = render("Use [context] or <channel> with *all* ${EXTEN} & &amp; `x` a\\b");
        assert_eq!(
            lines,
            ["Use \\[context\\] or \\<channel> with \\*all\\* ${EXTEN} & \\&amp; \\`x\\` a\\\\b"]
        );
    }

    #[test]
    fn underscores_only_at_word_boundaries() {
        assert_eq!(
            render("CHAN_START __VAR _x_"),
            ["CHAN_START \\_\\_VAR \\_x\\_"]
        );
    }

    #[test]
    fn urls_become_autolinks() {
        assert_eq!(
            render("See https://wiki.asterisk.org/a_b(c). Or (http://x.org)."),
            ["See <https://wiki.asterisk.org/a_b(c)>. Or (<http://x.org>)."]
        );
        assert_eq!(render("http://"), ["http://"]);
    }

    #[test]
    fn wraps_and_guards_line_starts() {
        let text = format!("{} - item 1. two # three", "word ".repeat(16));
        let lines = render(&text);
        assert_eq!(lines[0].len(), 79);
        assert_eq!(lines[1], "\\- item 1. two # three");
        assert_eq!(render("12) x"), ["12\\) x"]);
        assert_eq!(render("> quote"), ["\\> quote"]);
        assert_eq!(render("   indented    code"), ["indented code"]);
    }

    #[test]
    fn code_spans() {
        assert_eq!(code("Cause-txt"), "`Cause-txt`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code(""), "` `");
    }
}
