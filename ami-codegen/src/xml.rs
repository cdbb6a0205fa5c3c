//! Stage 1: read `core-en_US.xml` into a small owned tree, resolve every
//! `xi:include` ([`mod@include`]), then expand the snapshot macros ([`macros`]).
//!
//! This stage makes no naming decisions: it hands the resolved document to
//! [`crate::model::lower`], which decides what is an action, an event, a type.

pub mod include;
pub mod macros;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::Error;

/// A node of the document tree: an element or a run of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// An element.
    Element(Element),
    /// Character data, entities resolved.
    Text(String),
}

/// An element with its attributes (in document order) and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Qualified name as written (`parameter`, `xi:include`).
    pub name: String,
    /// Attributes as written, values unescaped.
    pub attrs: Vec<(String, String)>,
    /// Child nodes in document order.
    pub children: Vec<Node>,
}

impl Element {
    /// An element with no attributes and no children.
    pub fn new(name: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            ..Element::default()
        }
    }

    /// Adds an attribute (builder style).
    pub fn with_attr(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attrs.push((key.into(), value.into()));
        self
    }

    /// Adds a child element (builder style).
    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// Adds a text child (builder style).
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.children.push(Node::Text(text.into()));
        self
    }

    /// The value of attribute `key`, if present.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Child elements called `name`, in order.
    pub fn elements_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// All text below this element, concatenated in document order.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for child in &self.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }

    /// Whether this element or any descendant satisfies `pred`.
    pub fn any_descendant(&self, pred: &impl Fn(&Element) -> bool) -> bool {
        self.elements().any(|e| pred(e) || e.any_descendant(pred))
    }
}

/// The name of the XInclude element as the documentation writes it.
pub const INCLUDE: &str = "xi:include";

/// Reads a document, resolves all includes, then expands the snapshot macros.
///
/// `source_name` (a file name or version) only appears in error messages.
pub fn read(xml: &str, source_name: &str) -> Result<Element, Error> {
    let mut root = parse(xml, source_name)?;
    include::resolve(&mut root, source_name)?;
    macros::expand(&mut root);
    Ok(root)
}

/// Parses a document into its root element, without resolving anything.
///
/// Comments, processing instructions and the doctype are dropped; entity and
/// character references are resolved; CDATA becomes text.
pub fn parse(xml: &str, source_name: &str) -> Result<Element, Error> {
    let mut reader = Reader::from_str(xml);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;

    let xml_err = |reader: &Reader<&[u8]>, message: String| Error::Xml {
        source_name: source_name.to_owned(),
        position: reader.buffer_position(),
        message,
    };

    // The stack of open elements; the bottom is a synthetic document node.
    let mut stack: Vec<Element> = vec![Element::new("#document")];
    loop {
        let event = reader
            .read_event()
            .map_err(|e| xml_err(&reader, e.to_string()))?;
        match event {
            Event::Start(start) => {
                let element = open(&start).map_err(|m| xml_err(&reader, m))?;
                stack.push(element);
            }
            Event::Empty(start) => {
                let element = open(&start).map_err(|m| xml_err(&reader, m))?;
                push_node(&mut stack, Node::Element(element));
            }
            Event::End(_) => {
                // check_end_names guarantees the names match; the document
                // node is never closed by an end tag.
                if stack.len() < 2 {
                    return Err(xml_err(&reader, "unbalanced end tag".into()));
                }
                let done = stack.pop().expect("checked above");
                push_node(&mut stack, Node::Element(done));
            }
            Event::Text(text) => {
                let text = text
                    .xml_content(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|e| xml_err(&reader, e.to_string()))?;
                push_text(&mut stack, &text);
            }
            Event::CData(data) => {
                let text = data.decode().map_err(|e| xml_err(&reader, e.to_string()))?;
                push_text(&mut stack, &text);
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference
                    .resolve_char_ref()
                    .map_err(|e| xml_err(&reader, e.to_string()))?
                {
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference
                            .decode()
                            .map_err(|e| xml_err(&reader, e.to_string()))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| xml_err(&reader, format!("unknown entity &{name};")))?
                            .to_owned()
                    }
                };
                push_text(&mut stack, &resolved);
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if stack.len() != 1 {
        return Err(xml_err(&reader, "unexpected end of document".into()));
    }
    let document = stack.pop().expect("one element left");
    let mut roots = document.children.into_iter().filter_map(|n| match n {
        Node::Element(e) => Some(e),
        Node::Text(_) => None,
    });
    match (roots.next(), roots.next()) {
        (Some(root), None) => Ok(root),
        _ => Err(Error::Xml {
            source_name: source_name.to_owned(),
            position: 0,
            message: "expected exactly one root element".into(),
        }),
    }
}

fn open(start: &BytesStart<'_>) -> Result<Element, String> {
    let name = std::str::from_utf8(start.name().as_ref())
        .map_err(|e| e.to_string())?
        .to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = std::str::from_utf8(attr.key.as_ref())
            .map_err(|e| e.to_string())?
            .to_owned();
        let value = attr
            .decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, start.decoder())
            .map_err(|e| e.to_string())?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
    })
}

fn push_node(stack: &mut [Element], node: Node) {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(node);
    }
}

/// Appends text, merging with a preceding text node (entity references arrive
/// as separate events).
fn push_text(stack: &mut [Element], text: &str) {
    let Some(parent) = stack.last_mut() else {
        return;
    };
    if let Some(Node::Text(prev)) = parent.children.last_mut() {
        prev.push_str(text);
    } else {
        parent.children.push(Node::Text(text.to_owned()));
    }
}

/// Describes where an element sits, for error messages: the enclosing
/// actions, events and other documented items, outermost first, e.g.
/// ``action `FrobList` > event `FrobListComplete` ``.
pub fn describe_context(ancestors: &[&Element]) -> String {
    let parts: Vec<String> = ancestors
        .iter()
        .filter_map(|e| {
            let kind = match e.name.as_str() {
                "manager" => "action",
                "managerEvent" => "event",
                "configInfo" => "configInfo",
                "application" => "application",
                "function" => "function",
                "agi" => "agi",
                "info" => "info",
                _ => return None,
            };
            Some(format!("{kind} `{}`", e.attr("name").unwrap_or("?")))
        })
        .collect();
    if parts.is_empty() {
        "the document".to_owned()
    } else {
        parts.join(" > ")
    }
}
