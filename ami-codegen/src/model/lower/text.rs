//! Doc text: the XML's paragraphs, normalised.

use crate::xml::{Element, Node};

/// Collapses runs of whitespace and trims.
pub fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain-text paragraphs of a documentation element: `<para>`s with inline
/// markup flattened, notes and warnings prefixed, lists as `- item: text`
/// lines, examples kept line by line. `skip_enumlist` leaves out the value
/// list of a parameter that became an enum (its values carry those docs).
pub fn paragraphs(element: &Element, skip_enumlist: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut examples = Vec::new();
    collect(element, skip_enumlist, &mut out, &mut examples);
    out.extend(examples);
    out
}

/// Like [`paragraphs`], with the `<example>` blocks apart (for a
/// description, whose examples become code blocks).
pub fn paragraphs_and_examples(element: &Element) -> (Vec<String>, Vec<String>) {
    let (mut out, mut examples) = (Vec::new(), Vec::new());
    collect(element, false, &mut out, &mut examples);
    (out, examples)
}

fn collect(
    element: &Element,
    skip_enumlist: bool,
    out: &mut Vec<String>,
    examples: &mut Vec<String>,
) {
    for child in &element.children {
        match child {
            Node::Text(t) => {
                let t = normalize(t);
                if !t.is_empty() {
                    out.push(t);
                }
            }
            Node::Element(e) => match e.name.as_str() {
                "para" => {
                    let t = normalize(&e.text());
                    if !t.is_empty() {
                        out.push(t);
                    }
                }
                "note" | "warning" => {
                    let label = if e.name == "note" { "Note" } else { "Warning" };
                    let body = paragraphs(e, false).join(" ");
                    if !body.is_empty() {
                        out.push(format!("{label}: {body}"));
                    }
                }
                "enumlist" if skip_enumlist => {}
                "enumlist" | "variablelist" | "optionlist" => {
                    for item in e.elements() {
                        let name = item.attr("name").unwrap_or_default();
                        let body = paragraphs(item, false).join(" ");
                        out.push(match (name.is_empty(), body.is_empty()) {
                            (false, false) => format!("- {name}: {body}"),
                            (false, true) => format!("- {name}"),
                            (true, _) => format!("- {body}"),
                        });
                    }
                }
                "example" => {
                    let text = e.text();
                    let lines: Vec<&str> = text
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .collect();
                    if !lines.is_empty() {
                        examples.push(lines.join("\n"));
                    }
                }
                // Structure that is not prose.
                "synopsis" | "since" | "see-also" | "syntax" | "parameter" | "responses"
                | "xi:include" => {}
                _ => {
                    let t = normalize(&e.text());
                    if !t.is_empty() {
                        out.push(t);
                    }
                }
            },
        }
    }
}
