//! `xi:include` resolution for the `xpointer(...)` forms Asterisk's
//! documentation uses.
//!
//! The expressions are a small XPath subset: an absolute (`/docs/...`) or
//! relative (`docs/...`, from the document node) path of child steps, each a
//! name test (`manager`, `node()`, `text()`, `*`) with predicates
//! `[@name='X']`, `[contains(@name, 'X')]` or a position `[N]`. That covers
//! every form in the shipped versions:
//!
//! - `/docs/manager[@name='Login']/syntax/parameter[@name='ActionID']`
//! - `/docs/managerEvent[@name='N']/managerEventInstance/syntax/parameter[@name='P']`
//! - `/docs/managerEvent[@name='N']/managerEventInstance/syntax/parameter`
//! - `/docs/managerEvent[@name='N']`
//! - `.../parameter[contains(@name, 'ReportX')]`, `.../para[2]`, `.../enumlist`
//! - `docs/managerEvent[...]/...` (relative)
//! - `/docs/configInfo[...]/.../synopsis/node()` and `.../text()`
//!
//! Includes are applied repeatedly until none is left. An include is applied
//! only once what it selects is complete: when none of the selected nodes
//! still contains an include, and no include still pending in a searched
//! element could add a matching node. An include inside an action or event
//! that selects nothing (or can never be completed) is an error naming it;
//! elsewhere (configInfo, application docs) it is dropped.

use super::{describe_context, Element, Node, INCLUDE};
use crate::Error;

/// A parsed xpointer expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The child steps, from the document node.
    pub steps: Vec<Step>,
}

/// One child step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Which children it selects.
    pub test: NameTest,
    /// Filters applied in order.
    pub predicates: Vec<Predicate>,
}

/// The node test of a [`Step`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameTest {
    /// Elements with this name.
    Name(String),
    /// Any element (`*`).
    AnyElement,
    /// Any node, text included (`node()`).
    AnyNode,
    /// Text nodes (`text()`).
    Text,
}

/// A predicate of a [`Step`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Predicate {
    /// `[@attr='value']`
    AttrEquals(String, String),
    /// `[contains(@attr, 'value')]`
    AttrContains(String, String),
    /// `[N]`, 1-based.
    Position(usize),
}

impl Path {
    /// Parses `xpointer(...)` (or a bare path).
    pub fn parse(xpointer: &str) -> Result<Path, String> {
        let trimmed = xpointer.trim();
        let inner = match trimmed.strip_prefix("xpointer(") {
            Some(rest) => rest
                .strip_suffix(')')
                .ok_or_else(|| "missing `)` after xpointer(".to_owned())?,
            None => trimmed,
        };
        let inner = inner.trim();
        // Absolute and relative paths both start at the document node.
        let body = inner.strip_prefix('/').unwrap_or(inner);
        if body.is_empty() {
            return Err("empty path".into());
        }
        let mut steps = Vec::new();
        for raw in split_steps(body)? {
            steps.push(parse_step(&raw)?);
        }
        Ok(Path { steps })
    }
}

/// Splits at `/` outside brackets and quotes.
fn split_steps(body: &str) -> Result<Vec<String>, String> {
    let mut steps = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for c in body.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (None, '[') => {
                depth += 1;
                current.push(c);
            }
            (None, ']') => {
                depth = depth.checked_sub(1).ok_or("unbalanced `]`")?;
                current.push(c);
            }
            (None, '/') if depth == 0 => {
                if current.is_empty() {
                    return Err("`//` and empty steps are not supported".into());
                }
                steps.push(std::mem::take(&mut current));
            }
            (None, c) => current.push(c),
        }
    }
    if quote.is_some() || depth != 0 {
        return Err("unterminated quote or bracket".into());
    }
    if current.is_empty() {
        return Err("trailing `/`".into());
    }
    steps.push(current);
    Ok(steps)
}

fn parse_step(raw: &str) -> Result<Step, String> {
    let (test, mut rest) = match raw.find('[') {
        Some(i) => (&raw[..i], &raw[i..]),
        None => (raw, ""),
    };
    let test = match test.trim() {
        "node()" => NameTest::AnyNode,
        "text()" => NameTest::Text,
        "*" => NameTest::AnyElement,
        name if !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.')) =>
        {
            NameTest::Name(name.to_owned())
        }
        other => return Err(format!("unsupported node test `{other}`")),
    };
    let mut predicates = Vec::new();
    while !rest.is_empty() {
        let body_end = find_predicate_end(rest)?;
        let body = rest[1..body_end].trim();
        predicates.push(parse_predicate(body)?);
        rest = &rest[body_end + 1..];
    }
    Ok(Step { test, predicates })
}

/// `rest` starts with `[`; returns the index of the matching `]`.
fn find_predicate_end(rest: &str) -> Result<usize, String> {
    let mut quote: Option<char> = None;
    for (i, c) in rest.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, ']') => return Ok(i),
            (None, '[') => return Err("nested predicates are not supported".into()),
            _ => {}
        }
    }
    Err("unterminated predicate".into())
}

fn parse_predicate(body: &str) -> Result<Predicate, String> {
    if let Ok(n) = body.parse::<usize>() {
        if n == 0 {
            return Err("positions start at 1".into());
        }
        return Ok(Predicate::Position(n));
    }
    if let Some(args) = body
        .strip_prefix("contains(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let (attr, value) = args
            .split_once(',')
            .ok_or_else(|| format!("bad contains() `{body}`"))?;
        return Ok(Predicate::AttrContains(
            parse_attr_ref(attr)?,
            parse_literal(value)?,
        ));
    }
    if let Some((attr, value)) = body.split_once('=') {
        return Ok(Predicate::AttrEquals(
            parse_attr_ref(attr)?,
            parse_literal(value)?,
        ));
    }
    Err(format!("unsupported predicate `[{body}]`"))
}

fn parse_attr_ref(s: &str) -> Result<String, String> {
    let s = s.trim();
    s.strip_prefix('@')
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| format!("expected an attribute reference, found `{s}`"))
}

fn parse_literal(s: &str) -> Result<String, String> {
    let s = s.trim();
    for q in ['\'', '"'] {
        if let Some(v) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return Ok(v.to_owned());
        }
    }
    Err(format!("expected a quoted string, found `{s}`"))
}

/// What evaluating a path against the current tree gave.
#[derive(Debug)]
pub enum Selection<'a> {
    /// The selected nodes, complete (no include left inside them).
    Ready(Vec<&'a Node>),
    /// Something that may change the selection is still unresolved.
    Pending,
}

/// Evaluates `path` against the document whose root element is `root`.
pub fn select<'a>(root: &'a Node, path: &Path) -> Selection<'a> {
    // Context: the document node, whose only child is the root element.
    let mut context: Vec<&'a Node> = Vec::new();
    let mut pending = false;
    for (i, step) in path.steps.iter().enumerate() {
        let mut next = Vec::new();
        if i == 0 {
            let mut matched: Vec<&Node> = Vec::new();
            if node_matches(root, &step.test) {
                matched.push(root);
            }
            next.extend(apply_predicates(matched, &step.predicates));
        } else {
            for node in &context {
                let Node::Element(element) = node else {
                    continue;
                };
                if element
                    .elements_named(INCLUDE)
                    .any(|inc| may_produce(inc, step))
                {
                    pending = true;
                }
                let matched: Vec<&Node> = element
                    .children
                    .iter()
                    .filter(|n| node_matches(n, &step.test))
                    .filter(|n| !is_include(n))
                    .collect();
                next.extend(apply_predicates(matched, &step.predicates));
            }
        }
        context = next;
    }
    if pending
        || context.iter().any(|n| match n {
            Node::Element(e) => e.any_descendant(&|d| d.name == INCLUDE),
            Node::Text(_) => false,
        })
    {
        return Selection::Pending;
    }
    Selection::Ready(context)
}

fn is_include(node: &Node) -> bool {
    matches!(node, Node::Element(e) if e.name == INCLUDE)
}

fn node_matches(node: &Node, test: &NameTest) -> bool {
    match (node, test) {
        (Node::Element(e), NameTest::Name(n)) => &e.name == n,
        (Node::Element(_), NameTest::AnyElement) => true,
        (_, NameTest::AnyNode) => true,
        (Node::Text(_), NameTest::Text) => true,
        _ => false,
    }
}

fn apply_predicates<'a>(mut nodes: Vec<&'a Node>, predicates: &[Predicate]) -> Vec<&'a Node> {
    for predicate in predicates {
        nodes = match predicate {
            Predicate::Position(n) => nodes.get(n - 1).copied().into_iter().collect(),
            Predicate::AttrEquals(attr, value) => nodes
                .into_iter()
                .filter(|n| attr_of(n, attr) == Some(value.as_str()))
                .collect(),
            Predicate::AttrContains(attr, value) => nodes
                .into_iter()
                .filter(|n| attr_of(n, attr).is_some_and(|v| v.contains(value.as_str())))
                .collect(),
        };
    }
    nodes
}

fn attr_of<'a>(node: &'a Node, attr: &str) -> Option<&'a str> {
    match node {
        Node::Element(e) => e.attr(attr),
        Node::Text(_) => None,
    }
}

/// Whether an unresolved include could add a node that `step` selects: it
/// cannot when its own last step selects elements of another name, or an
/// element whose `name` attribute differs from the one `step` asks for.
fn may_produce(include: &Element, step: &Step) -> bool {
    let Some(path) = include.attr("xpointer").and_then(|x| Path::parse(x).ok()) else {
        // Unparsable includes produce nothing; they are reported on their own.
        return false;
    };
    let Some(last) = path.steps.last() else {
        return false;
    };
    let names_compatible = match (&last.test, &step.test) {
        (NameTest::Name(a), NameTest::Name(b)) => a == b,
        (NameTest::Text, NameTest::Name(_) | NameTest::AnyElement) => false,
        (NameTest::Name(_) | NameTest::AnyElement, NameTest::Text) => false,
        _ => true,
    };
    if !names_compatible {
        return false;
    }
    let produced_name = last.predicates.iter().find_map(|p| match p {
        Predicate::AttrEquals(a, v) if a == "name" => Some(v),
        _ => None,
    });
    let wanted_name = step.predicates.iter().find_map(|p| match p {
        Predicate::AttrEquals(a, v) if a == "name" => Some(v),
        _ => None,
    });
    !matches!((produced_name, wanted_name), (Some(p), Some(w)) if p != w)
}

/// Where an include sits: the index path from the root and its context.
#[derive(Debug, Clone)]
struct Site {
    path: Vec<usize>,
    xpointer: String,
    context: String,
    /// Inside a `manager` or `managerEvent`: failures are errors.
    strict: bool,
}

/// Replaces every `xi:include` in the tree by what it selects.
pub fn resolve(root: &mut Element, source_name: &str) -> Result<(), Error> {
    // Wrap the root so that paths start at the document node.
    let mut doc = Node::Element(std::mem::take(root));
    let result = resolve_in(&mut doc, source_name);
    if let Node::Element(e) = doc {
        *root = e;
    }
    result
}

fn resolve_in(doc: &mut Node, source_name: &str) -> Result<(), Error> {
    loop {
        let sites = {
            let mut sites = Vec::new();
            if let Node::Element(root) = &*doc {
                collect_sites(root, &mut Vec::new(), &mut vec![root], &mut sites);
            }
            sites
        };
        if sites.is_empty() {
            return Ok(());
        }
        let mut replacements: Vec<(Vec<usize>, Vec<Node>)> = Vec::new();
        let mut blocked: Vec<&Site> = Vec::new();
        for site in &sites {
            let path = Path::parse(&site.xpointer).map_err(|reason| Error::UnsupportedInclude {
                source_name: source_name.to_owned(),
                xpointer: site.xpointer.clone(),
                context: site.context.clone(),
                reason,
            })?;
            match select(doc, &path) {
                Selection::Ready(nodes) if nodes.is_empty() => {
                    if site.strict {
                        return Err(Error::UnresolvedInclude {
                            source_name: source_name.to_owned(),
                            xpointer: site.xpointer.clone(),
                            context: site.context.clone(),
                            reason: "selects nothing".into(),
                        });
                    }
                    // Outside actions and events: drop it.
                    replacements.push((site.path.clone(), Vec::new()));
                }
                Selection::Ready(nodes) => {
                    replacements.push((site.path.clone(), nodes.into_iter().cloned().collect()));
                }
                Selection::Pending => blocked.push(site),
            }
        }
        if replacements.is_empty() {
            // No progress: what is left waits on itself. Drop the lenient
            // includes first (that may unblock the others); if only strict
            // ones are left, report the first.
            replacements = blocked
                .iter()
                .filter(|s| !s.strict)
                .map(|s| (s.path.clone(), Vec::new()))
                .collect();
            if replacements.is_empty() {
                if let Some(site) = blocked.first() {
                    return Err(Error::UnresolvedInclude {
                        source_name: source_name.to_owned(),
                        xpointer: site.xpointer.clone(),
                        context: site.context.clone(),
                        reason: "include cycle: its target never becomes complete".into(),
                    });
                }
            }
        }
        // Apply from the last site backwards so earlier paths stay valid.
        replacements.sort_by(|a, b| b.0.cmp(&a.0));
        for (path, nodes) in replacements {
            splice(doc, &path, nodes);
        }
    }
}

fn collect_sites<'a>(
    element: &'a Element,
    path: &mut Vec<usize>,
    ancestors: &mut Vec<&'a Element>,
    out: &mut Vec<Site>,
) {
    for (i, child) in element.children.iter().enumerate() {
        let Node::Element(child) = child else {
            continue;
        };
        path.push(i);
        if child.name == INCLUDE {
            out.push(Site {
                path: path.clone(),
                xpointer: child.attr("xpointer").unwrap_or_default().to_owned(),
                context: describe_context(ancestors),
                strict: ancestors
                    .iter()
                    .any(|a| a.name == "manager" || a.name == "managerEvent"),
            });
        } else {
            ancestors.push(child);
            collect_sites(child, path, ancestors, out);
            ancestors.pop();
        }
        path.pop();
    }
}

/// Replaces the node at `path` (child indices from the root) by `nodes`.
fn splice(doc: &mut Node, path: &[usize], nodes: Vec<Node>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = doc;
    for &i in parents {
        let Node::Element(e) = current else {
            return;
        };
        let Some(next) = e.children.get_mut(i) else {
            return;
        };
        current = next;
    }
    if let Node::Element(parent) = current {
        if *last < parent.children.len() {
            parent.children.splice(*last..*last + 1, nodes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> NameTest {
        NameTest::Name(n.to_owned())
    }

    #[test]
    fn parses_every_shipped_form() {
        let p = Path::parse(
            "xpointer(/docs/manager[@name='Login']/syntax/parameter[@name='ActionID'])",
        )
        .unwrap();
        assert_eq!(p.steps.len(), 4);
        assert_eq!(p.steps[1].test, name("manager"));
        assert_eq!(
            p.steps[3].predicates,
            [Predicate::AttrEquals("name".into(), "ActionID".into())]
        );

        let p = Path::parse(
            "xpointer(/docs/managerEvent[@name='RTCPSent']/managerEventInstance/syntax/parameter[contains(@name, 'ReportX')])",
        )
        .unwrap();
        assert_eq!(
            p.steps[4].predicates,
            [Predicate::AttrContains("name".into(), "ReportX".into())]
        );

        let p = Path::parse(
            "xpointer(/docs/manager[@name='UpdateConfig']/syntax/parameter[@name='Action-000000']/para[2])",
        )
        .unwrap();
        assert_eq!(p.steps[4].predicates, [Predicate::Position(2)]);

        let relative = Path::parse("xpointer(docs/managerEvent[@name='BlindTransfer'])").unwrap();
        let absolute = Path::parse("xpointer(/docs/managerEvent[@name='BlindTransfer'])").unwrap();
        assert_eq!(relative, absolute);

        let p = Path::parse("xpointer(/docs/configInfo[@name='x']/synopsis/node())").unwrap();
        assert_eq!(p.steps[3].test, NameTest::AnyNode);
        let p = Path::parse("xpointer(/docs/configInfo[@name='x']/synopsis/text())").unwrap();
        assert_eq!(p.steps[3].test, NameTest::Text);
        // A value may contain `/` and `]` inside quotes.
        let p = Path::parse("xpointer(/docs/x[@name='a/b]c'])").unwrap();
        assert_eq!(
            p.steps[1].predicates,
            [Predicate::AttrEquals("name".into(), "a/b]c".into())]
        );
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        for bad in [
            "xpointer(//parameter)",
            "xpointer(/docs/parameter[last()])",
            "xpointer(/docs/parameter[0])",
            "xpointer(/docs/parameter[@name='x'",
            "xpointer(/docs/a[b[1]])",
            "xpointer()",
            "xpointer(/docs/)",
        ] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resolves_includes_that_wait_on_other_includes() {
        // B includes all parameters of A, which itself gets one by include:
        // B must see A's parameter list complete.
        let xml = r#"<docs xmlns:xi="http://www.w3.org/2001/XInclude">
            <x name="B"><syntax>
                <xi:include xpointer="xpointer(/docs/x[@name='A']/syntax/parameter)"/>
            </syntax></x>
            <x name="A"><syntax>
                <parameter name="One"/>
                <xi:include xpointer="xpointer(/docs/x[@name='C']/syntax/parameter[@name='Two'])"/>
            </syntax></x>
            <x name="C"><syntax><parameter name="Two"/></syntax></x>
        </docs>"#;
        let mut root = crate::xml::parse(xml, "t").unwrap();
        resolve(&mut root, "t").unwrap();
        let b = root.elements().next().unwrap();
        let names: Vec<&str> = b
            .child("syntax")
            .unwrap()
            .elements_named("parameter")
            .filter_map(|p| p.attr("name"))
            .collect();
        assert_eq!(names, ["One", "Two"]);
        assert!(!root.any_descendant(&|e| e.name == INCLUDE));
    }

    #[test]
    fn drops_unresolvable_includes_outside_actions_and_events() {
        let xml = r#"<docs xmlns:xi="http://www.w3.org/2001/XInclude">
            <configInfo name="c"><synopsis>
                <xi:include xpointer="xpointer(/docs/configInfo[@name='gone']/synopsis/node())"/>
            </synopsis></configInfo>
        </docs>"#;
        let mut root = crate::xml::parse(xml, "t").unwrap();
        resolve(&mut root, "t").unwrap();
        assert!(!root.any_descendant(&|e| e.name == INCLUDE));
    }
}
