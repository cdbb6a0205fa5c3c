//! Which Asterisk releases document each action, parameter, event, field
//! and enum value: the version matrix.
//!
//! Asterisk backports AMI features into point releases, so what a PBX
//! speaks depends on its minor version. The matrix is a fact file,
//! `ami-codegen/matrix/releases.txt`, derived from the XML documentation of
//! every release tag (release candidates left out): names and release
//! ranges, no prose. Each line is an item and the releases that have it, a
//! range per branch:
//!
//! ```text
//! action PJSIPHangup: 20.6.0..=20.20.1 21.1.0..=21.12.3 22.0.0..=22.10.1
//! param Originate PreDialGoSub: 20.8.0..=20.20.1 21.3.0..=21.12.3 22.0.0..=22.10.1
//! ```
//!
//! The items ([`items`]) are `action <Name>`, `param <Action> <Param>`,
//! `required <Action> <Param>` (the parameter is required), `event <Name>`,
//! `field <Event> <Field>` (list items are events too) and
//! `value <Enum> <wire value>` for documented enum values. The file starts
//! with a `releases:` line naming every release the matrix was made from.
//!
//! Rebuilding it (about 15 minutes on two cores): for each release tag of
//! a clone of the public asterisk/asterisk repository, extract its XML
//! with Asterisk's own extractor, which reads the sources and compiles
//! nothing:
//!
//! ```text
//! git archive <tag> -- build_tools doc include main res channels pbx apps \
//!     codecs formats cdr cel bridges funcs tests addons | tar -x -C src
//! touch src/makeopts
//! (cd src && sh build_tools/make_xml_documentation --command=create_xml \
//!     --source-tree=. --output-file=xml/<tag>.xml)
//! ```
//!
//! (a tag whose own extractor still wants a configured tree, 18.11.0, takes
//! a newer tag's `make_xml_documentation`, `get_documentation` and
//! `get_moduleinfo`), then
//! `cargo run -p ami-codegen --features cli -- --matrix xml --out-matrix
//! ami-codegen/matrix/releases.txt`. The 140 releases of 18, 20, 21, 22 and
//! 23 (18.0.0 to 23.4.1) are in it; `tests/matrix.rs` checks it against
//! every XML under `../shared/asterisk-docs`.
//!
//! Two more fact files complete it. `matrix/documented-late.txt` names
//! parameters every release reads although only later releases document
//! them. `matrix/undocumented.txt` gives the events and fields that
//! `spec/events.toml` adds (Asterisk sends them, no release documents them)
//! the releases whose source sends them, read off Asterisk's history by
//! `python3 ami-codegen/matrix/undocumented.py <asterisk clone> >
//! ami-codegen/matrix/undocumented.txt` (about two minutes).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::{FieldType, Model, Param};

/// The matrix bundled with this crate (`matrix/releases.txt`), read once.
pub fn bundled() -> &'static Matrix {
    static MATRIX: std::sync::OnceLock<Matrix> = std::sync::OnceLock::new();
    MATRIX.get_or_init(|| {
        Matrix::parse(include_str!("../matrix/releases.txt"))
            .and_then(|m| m.documented_late(include_str!("../matrix/documented-late.txt")))
            .and_then(|m| m.sent_undocumented(include_str!("../matrix/undocumented.txt")))
            .unwrap_or_else(|e| panic!("the bundled version matrix: {e}"))
    })
}

/// A release, `22.10.1`, ordered numerically.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release(Vec<u64>);

impl Release {
    /// `22.10.1` (three or more dotted numbers); `None` for anything else
    /// (release candidates are not releases of the matrix).
    pub fn parse(s: &str) -> Option<Release> {
        let parts: Vec<u64> = s
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        (parts.len() >= 3).then_some(Release(parts))
    }

    /// The branch: the major version.
    pub fn branch(&self) -> u64 {
        self.0[0]
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// Every item of a model read from XML alone (no `spec/` overrides).
pub fn items(model: &Model) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut enums_used = BTreeSet::new();
    for a in &model.actions {
        out.insert(format!("action {}", a.wire_name));
        for p in &a.params {
            let members: Vec<&crate::model::FieldDef> = match p {
                Param::Single(f) => vec![f],
                Param::Group(g) => g.members.iter().collect(),
            };
            for f in members {
                out.insert(format!("param {} {}", a.wire_name, f.wire_name));
                if f.required {
                    out.insert(format!("required {} {}", a.wire_name, f.wire_name));
                }
                if let FieldType::Enum(e) = &f.ty {
                    enums_used.insert(e.clone());
                }
            }
        }
    }
    for e in &model.events {
        out.insert(format!("event {}", e.wire_name));
        for f in &e.fields {
            out.insert(format!("field {} {}", e.wire_name, f.wire_name));
            if let FieldType::Enum(name) = &f.ty {
                enums_used.insert(name.clone());
            }
        }
    }
    for e in &model.enums {
        if !enums_used.contains(&e.rust_name) {
            continue;
        }
        for v in &e.values {
            out.insert(format!("value {} {}", e.rust_name, v.wire_name));
        }
    }
    out
}

/// The matrix: the releases it was made from, and for each item the
/// releases that have it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matrix {
    releases: BTreeSet<Release>,
    items: BTreeMap<String, BTreeSet<Release>>,
    /// Items that every release handles although the documentation of
    /// some leaves them out (`matrix/documented-late.txt`).
    late: BTreeSet<String>,
    /// Events and fields no release documents, and the releases whose
    /// source sends them (`matrix/undocumented.txt`).
    sent: BTreeMap<String, BTreeSet<Release>>,
}

impl Matrix {
    /// Adds one release's items.
    pub fn add(&mut self, release: Release, items: &BTreeSet<String>) {
        for item in items {
            self.items
                .entry(item.clone())
                .or_default()
                .insert(release.clone());
        }
        self.releases.insert(release);
    }

    /// The releases whose actions and parameters are exactly `model`'s
    /// (events and fields are left out: `spec/` adds some). What a
    /// documentation file that does not say its version can be told by.
    pub fn releases_matching(&self, model: &Model) -> Vec<&Release> {
        let wanted: BTreeSet<String> = items(model)
            .into_iter()
            .filter(|i| i.starts_with("action ") || i.starts_with("param "))
            .collect();
        self.releases
            .iter()
            .filter(|r| {
                let have: BTreeSet<&str> = self
                    .items_at(r)
                    .into_iter()
                    .filter(|i| i.starts_with("action ") || i.starts_with("param "))
                    .collect();
                have.len() == wanted.len() && wanted.iter().all(|w| have.contains(w.as_str()))
            })
            .collect()
    }

    /// The releases the matrix was made from.
    pub fn releases(&self) -> impl Iterator<Item = &Release> {
        self.releases.iter()
    }

    /// The items `release` has, by the matrix (empty for a release it was
    /// not made from).
    pub fn items_at(&self, release: &Release) -> BTreeSet<&str> {
        self.items
            .iter()
            .filter(|(_, rs)| rs.contains(release))
            .map(|(item, _)| item.as_str())
            .collect()
    }

    /// Marks the items of `text` (one per line, `#` comments) as handled
    /// by every release of the matrix although documented only in some:
    /// their [`ranges`](Self::ranges) are every release, while
    /// [`items_at`](Self::items_at) still says what each release documents.
    /// An item the matrix does not know, or one every release documents
    /// already, is an error (the fact is stale).
    pub fn documented_late(mut self, text: &str) -> Result<Matrix, String> {
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let have = self
                .items
                .get(line)
                .ok_or_else(|| format!("documented late: {line:?} is not in the matrix"))?;
            if have.len() == self.releases.len() {
                return Err(format!(
                    "documented late: every release documents {line:?} already"
                ));
            }
            self.late.insert(line.to_owned());
        }
        Ok(self)
    }

    /// Adds the events and fields of `text` (lines `item: ranges`, as in
    /// the matrix; `#` comments) that Asterisk sends but no release
    /// documents (what `spec/events.toml` adds), with the releases whose
    /// source sends them: their [`ranges`](Self::ranges) are those, while
    /// [`items_at`](Self::items_at) still says what each release
    /// documents. An item some release documents is an error (the fact is
    /// stale: the documentation's ranges hold).
    pub fn sent_undocumented(mut self, text: &str) -> Result<Matrix, String> {
        let releases: Vec<String> = self.releases.iter().map(Release::to_string).collect();
        let sent = Matrix::parse(&format!("releases: {}\n{text}", releases.join(" ")))
            .map_err(|e| format!("undocumented: {e}"))?;
        for (item, have) in sent.items {
            if self.items.contains_key(&item) {
                return Err(format!("undocumented: {item:?} is documented"));
            }
            if have.is_empty() {
                return Err(format!("undocumented: {item:?} has no release"));
            }
            self.sent.insert(item, have);
        }
        Ok(self)
    }

    /// The events and fields known only from Asterisk's source
    /// ([`sent_undocumented`](Self::sent_undocumented)).
    pub fn undocumented(&self) -> impl Iterator<Item = &str> {
        self.sent.keys().map(String::as_str)
    }

    /// The releases that have `item`, as ranges per branch:
    /// `20.6.0..=20.20.1 22.0.0..=22.10.1` (every release for an item
    /// [documented late](Self::documented_late)); for an event or field no
    /// release documents, the releases whose source
    /// [sends it](Self::sent_undocumented).
    pub fn ranges(&self, item: &str) -> Option<String> {
        if self.late.contains(item) {
            return Some(self.coverage());
        }
        let have = self.items.get(item).or_else(|| self.sent.get(item))?;
        let mut out: Vec<String> = Vec::new();
        let mut run: Option<(&Release, &Release)> = None;
        let flush = |run: &mut Option<(&Release, &Release)>, out: &mut Vec<String>| {
            if let Some((a, b)) = run.take() {
                out.push(if a == b {
                    a.to_string()
                } else {
                    format!("{a}..={b}")
                });
            }
        };
        for r in &self.releases {
            let continues = run.is_some_and(|(a, _)| a.branch() == r.branch());
            match (have.contains(r), continues) {
                (true, true) => {
                    if let Some((_, b)) = run.as_mut() {
                        *b = r;
                    }
                }
                (true, false) => {
                    flush(&mut run, &mut out);
                    run = Some((r, r));
                }
                (false, _) => flush(&mut run, &mut out),
            }
        }
        flush(&mut run, &mut out);
        Some(out.join(" "))
    }

    /// The releases the matrix was made from, as ranges per branch
    /// (`18.0.0..=18.26.4 20.0.0..=20.20.1 …`).
    pub fn coverage(&self) -> String {
        let mut by_branch: BTreeMap<u64, (&Release, &Release)> = BTreeMap::new();
        for r in &self.releases {
            by_branch
                .entry(r.branch())
                .and_modify(|(_, last)| *last = r)
                .or_insert((r, r));
        }
        by_branch
            .values()
            .map(|(a, b)| format!("{a}..={b}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The fact file's text.
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# Which Asterisk releases document each AMI item (names and releases only).\n\
             # Made by `ami-codegen --matrix DIR --out-matrix FILE`; see ami_codegen::matrix.\n",
        );
        let releases: Vec<String> = self.releases.iter().map(Release::to_string).collect();
        out.push_str(&format!("releases: {}\n", releases.join(" ")));
        for item in self.items.keys() {
            if let Some(ranges) = self.ranges(item) {
                out.push_str(&format!("{item}: {ranges}\n"));
            }
        }
        out
    }

    /// Reads the fact file's text.
    pub fn parse(text: &str) -> Result<Matrix, String> {
        let mut m = Matrix::default();
        let mut ordered: Vec<Release> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || format!("line {}: {line:?}", n + 1);
            if let Some(rest) = line.strip_prefix("releases:") {
                for r in rest.split_whitespace() {
                    let r = Release::parse(r).ok_or_else(bad)?;
                    m.releases.insert(r.clone());
                }
                ordered = m.releases.iter().cloned().collect();
                continue;
            }
            let (item, ranges) = line.rsplit_once(": ").ok_or_else(bad)?;
            let set = m.items.entry(item.to_owned()).or_default();
            for range in ranges.split_whitespace() {
                let (a, b) = match range.split_once("..=") {
                    Some((a, b)) => (a, b),
                    None => (range, range),
                };
                let (a, b) = (
                    Release::parse(a).ok_or_else(bad)?,
                    Release::parse(b).ok_or_else(bad)?,
                );
                if a.branch() != b.branch() || a > b {
                    return Err(bad());
                }
                set.extend(ordered.iter().filter(|r| **r >= a && **r <= b).cloned());
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn items_documented_late_span_every_release() {
        let mut m = Matrix::default();
        let r = |s: &str| Release::parse(s).unwrap();
        m.add(r("20.0.0"), &set(&["action A"]));
        m.add(r("20.1.0"), &set(&["action A", "param A X"]));
        let late = m
            .clone()
            .documented_late("# a comment\nparam A X\n")
            .unwrap();
        assert_eq!(late.ranges("param A X").unwrap(), "20.0.0..=20.1.0");
        assert_eq!(m.ranges("param A X").unwrap(), "20.1.0");
        // What the documentation says is unchanged.
        assert!(!late.items_at(&r("20.0.0")).contains("param A X"));
        // Stale facts are errors.
        assert!(m.clone().documented_late("param A Y").is_err());
        assert!(m.documented_late("action A").is_err());
    }

    #[test]
    fn undocumented_items_take_their_ranges_from_the_source_file() {
        let mut m = Matrix::default();
        let r = |s: &str| Release::parse(s).unwrap();
        m.add(r("20.0.0"), &set(&["event A"]));
        m.add(r("20.1.0"), &set(&["event A"]));
        let sent = m
            .clone()
            .sent_undocumented("# sent, never documented\nfield A X: 20.1.0\n")
            .unwrap();
        assert_eq!(sent.ranges("field A X").unwrap(), "20.1.0");
        assert_eq!(m.ranges("field A X"), None);
        assert!(!sent.items_at(&r("20.1.0")).contains("field A X"));
        assert_eq!(sent.undocumented().collect::<Vec<_>>(), ["field A X"]);
        // Documented items keep the documentation's ranges.
        assert!(m.clone().sent_undocumented("event A: 20.0.0").is_err());
        assert!(m.sent_undocumented("field A X: 19.0.0").is_err());
    }

    #[test]
    fn ranges_are_runs_per_branch_and_read_back() {
        let mut m = Matrix::default();
        let r = |s: &str| Release::parse(s).unwrap();
        m.add(r("20.5.0"), &set(&["action A"]));
        m.add(r("20.6.0"), &set(&["action A", "action B"]));
        m.add(r("20.7.0"), &set(&["action A", "action B"]));
        m.add(r("21.0.0"), &set(&["action A"]));
        m.add(r("21.1.0"), &set(&["action B"]));
        m.add(r("22.0.0"), &set(&["action A", "action B"]));
        assert_eq!(
            m.ranges("action A").unwrap(),
            "20.5.0..=20.7.0 21.0.0 22.0.0"
        );
        assert_eq!(
            m.ranges("action B").unwrap(),
            "20.6.0..=20.7.0 21.1.0 22.0.0"
        );
        let back = Matrix::parse(&m.to_text()).unwrap();
        assert_eq!(back, m);
        assert_eq!(
            back.items_at(&r("21.1.0")),
            ["action B"].into_iter().collect()
        );
        assert!(Matrix::parse("releases: 20.5.0\naction A: 20.5.0..=21.0.0\n").is_err());
        assert_eq!(Release::parse("23.5.0-rc1"), None);
    }
}
