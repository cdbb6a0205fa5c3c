//! A configuration file as `GetConfig`, `GetConfigJSON` and
//! `ListCategories` answer it: categories of `key = value` lines, in file
//! order, a repeated key kept as often as it appears. Changes made to a
//! [`ConfigFile`] are recorded and written back with one `UpdateConfig`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ami_types::Result<()> {
//! # let server = ami_server::Server::start(Default::default()).await?;
//! use ami_types::config_file::ConfigFile;
//!
//! let (client, _events) = ami_types::connect(&server.url()).await?;
//! let mut pjsip = ConfigFile::read(&client, "pjsip.conf").await?;
//! let endpoint = pjsip.category("100").expect("endpoint 100");
//! assert_eq!(endpoint.get("auth"), Some("100"));
//! assert_eq!(pjsip.category("endpoint-common").unwrap().get_all("allow").count(), 2);
//!
//! // Change a line, add one, and write the file back.
//! pjsip.set("100", "auth", "auth100").append("100", "allow", "g722");
//! pjsip.write(&client).await?;
//! let again = ConfigFile::read(&client, "pjsip.conf").await?;
//! assert_eq!(again.category("100").unwrap().get("auth"), Some("auth100"));
//! # Ok(())
//! # }
//! ```

use std::fmt;

use ami_core::{Client, FromMessage, Message};
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::action::{GetConfig, UpdateConfig, UpdateConfigAction};
use crate::enums::UpdateConfigActionKind;

/// One category (`[name]`) of a configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Category {
    /// Its name.
    pub name: String,
    /// Whether it is a template (`[name](!)`).
    pub is_template: bool,
    /// The templates it inherits from (`[name](a,b)`).
    pub templates: Vec<String>,
    /// Its lines, `(key, value)` in file order.
    pub lines: Vec<(String, String)>,
}

impl Category {
    /// The value of the first line with this key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.lines
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The values of every line with this key (`allow`, `member`…), in
    /// order.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.lines
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A configuration file read over AMI (see the [module](self)).
#[derive(Clone, PartialEq)]
pub struct ConfigFile {
    filename: String,
    categories: Vec<Category>,
    /// What [`write`](Self::write) sends, in order.
    edits: Vec<UpdateConfigAction>,
    /// Why the answer could not be read, if it could not.
    error: Option<String>,
    raw: Message,
}

impl fmt::Debug for ConfigFile {
    // The lines may hold secrets (`password = …`): names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigFile")
            .field("filename", &self.filename)
            .field(
                "categories",
                &self.categories.iter().map(|c| &c.name).collect::<Vec<_>>(),
            )
            .field("edits", &self.edits.len())
            .finish()
    }
}

impl FromMessage for ConfigFile {
    /// Reads a `GetConfig` (`Category-N`, `IsTemplate-N`, `Templates-N`,
    /// `Line-N-M`), `ListCategories` (`Category-N`) or `GetConfigJSON`
    /// (`JSON`) answer. A `JSON` field that does not parse leaves the file
    /// empty and says why in [`error`](ConfigFile::error).
    fn from_message(msg: Message) -> Self {
        let mut file = ConfigFile {
            filename: String::new(),
            categories: Vec::new(),
            edits: Vec::new(),
            error: None,
            raw: Message::new(),
        };
        match msg.get_str("JSON") {
            Some(json) => match parse_json(json) {
                Ok(categories) => file.categories = categories,
                Err(e) => file.error = Some(e),
            },
            None => file.categories = parse_fields(&msg),
        }
        file.raw = msg;
        file
    }

    fn raw(&self) -> &Message {
        &self.raw
    }
}

/// `Category-N`, `IsTemplate-N`, `Templates-N` and `Line-N-M` fields.
fn parse_fields(msg: &Message) -> Vec<Category> {
    let mut out: Vec<Category> = Vec::new();
    for (key, value) in msg.iter() {
        let value = value.to_string_lossy();
        let index = |rest: &str| rest.get(..6).and_then(|n| n.parse::<usize>().ok());
        if let Some(n) = key.strip_prefix("Category-").and_then(index) {
            if out.len() <= n {
                out.resize_with(n + 1, Category::default);
            }
            out[n].name = value.into_owned();
        } else if let Some(n) = key.strip_prefix("IsTemplate-").and_then(index) {
            if let Some(c) = out.get_mut(n) {
                c.is_template = value.trim() == "1";
            }
        } else if let Some(n) = key.strip_prefix("Templates-").and_then(index) {
            if let Some(c) = out.get_mut(n) {
                c.templates = value.split(',').map(|t| t.trim().to_owned()).collect();
            }
        } else if let Some(n) = key.strip_prefix("Line-").and_then(index) {
            if let Some(c) = out.get_mut(n) {
                let (k, v) = value.split_once('=').unwrap_or((&value, ""));
                c.lines.push((k.to_owned(), v.to_owned()));
            }
        }
    }
    out
}

/// `GetConfigJSON`'s `JSON`: an object of categories, each an object of
/// lines whose keys may repeat (so it is read as a sequence of pairs, not a
/// map), with `istemplate` and `templates` members.
fn parse_json(json: &str) -> Result<Vec<Category>, String> {
    struct Categories;
    struct Lines;
    impl<'de> Visitor<'de> for Categories {
        type Value = Vec<Category>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of categories")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(name) = map.next_key::<String>()? {
                let mut cat: Category = map.next_value_seed(Lines)?;
                cat.name = name;
                out.push(cat);
            }
            Ok(out)
        }
    }
    impl<'de> serde::de::DeserializeSeed<'de> for Lines {
        type Value = Category;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Category, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Lines {
        type Value = Category;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of lines")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Category, A::Error> {
            let mut cat = Category::default();
            while let Some(key) = map.next_key::<String>()? {
                let value: serde_json::Value = map.next_value()?;
                let text = match &value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                match key.as_str() {
                    "istemplate" => cat.is_template = text == "1",
                    "templates" => {
                        cat.templates = text.split(',').map(|t| t.trim().to_owned()).collect();
                    }
                    _ => cat.lines.push((key, text)),
                }
            }
            Ok(cat)
        }
    }
    let mut d = serde_json::Deserializer::from_str(json);
    let out = d.deserialize_map(Categories).map_err(|e| e.to_string())?;
    d.end().map_err(|e| e.to_string())?;
    Ok(out)
}

impl ConfigFile {
    /// Reads `filename` with `GetConfig`.
    pub async fn read(client: &Client, filename: &str) -> crate::Result<ConfigFile> {
        let response = client.send(&GetConfig::new(filename)).await?;
        let mut file = ConfigFile::from_message(response.raw().clone());
        file.filename = filename.to_owned();
        Ok(file)
    }

    /// The file's name, when it was [`read`](Self::read) (else empty).
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The category with this name (the first, when several share it).
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name)
    }

    /// Every category, in file order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// Why the answer could not be read (a `JSON` that does not parse).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Sets the first `key` line of `category` to `value`, or adds the line
    /// when the category has none.
    pub fn set(&mut self, category: &str, key: &str, value: &str) -> &mut Self {
        let cat = self.category_mut(category);
        match cat.lines.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => {
                let old = std::mem::replace(v, value.to_owned());
                self.edit(
                    UpdateConfigActionKind::Update,
                    category,
                    key,
                    value,
                    Some(&old),
                );
                self
            }
            None => self.append(category, key, value),
        }
    }

    /// Adds a `key = value` line at the end of `category`.
    pub fn append(&mut self, category: &str, key: &str, value: &str) -> &mut Self {
        self.category_mut(category)
            .lines
            .push((key.to_owned(), value.to_owned()));
        self.edit(UpdateConfigActionKind::Append, category, key, value, None)
    }

    /// Removes every `key` line of `category`.
    pub fn delete(&mut self, category: &str, key: &str) -> &mut Self {
        let values: Vec<String> = self
            .category(category)
            .map(|c| c.get_all(key).map(str::to_owned).collect())
            .unwrap_or_default();
        if let Some(cat) = self.categories.iter_mut().find(|c| c.name == category) {
            cat.lines.retain(|(k, _)| k != key);
        }
        for v in values {
            self.edit(UpdateConfigActionKind::Delete, category, key, "", Some(&v));
        }
        self
    }

    /// Adds an empty category at the end of the file.
    pub fn add_category(&mut self, name: &str) -> &mut Self {
        self.categories.push(Category {
            name: name.to_owned(),
            ..Category::default()
        });
        self.edits.push(
            UpdateConfigAction::new()
                .action(UpdateConfigActionKind::NewCat)
                .cat(name),
        );
        self
    }

    /// Removes a category and its lines.
    pub fn remove_category(&mut self, name: &str) -> &mut Self {
        self.categories.retain(|c| c.name != name);
        self.edits.push(
            UpdateConfigAction::new()
                .action(UpdateConfigActionKind::DelCat)
                .cat(name),
        );
        self
    }

    /// The `UpdateConfig` that makes the changes made so far to the file
    /// read, writing the result to `dst` (the same name to change it in
    /// place). Add `.reload(…)` to have Asterisk reload a module after.
    pub fn update(&self, dst: &str) -> UpdateConfig {
        self.edits
            .iter()
            .cloned()
            .fold(UpdateConfig::new(self.filename.as_str(), dst), |u, e| {
                u.actions(e)
            })
    }

    /// Whether there are changes [`write`](Self::write) would send.
    pub fn is_changed(&self) -> bool {
        !self.edits.is_empty()
    }

    /// Writes the changes back to the file read, with one `UpdateConfig`;
    /// on success there are no changes left to write.
    pub async fn write(&mut self, client: &Client) -> crate::Result<()> {
        if self.edits.is_empty() {
            return Ok(());
        }
        client.send(&self.update(&self.filename)).await?;
        self.edits.clear();
        Ok(())
    }

    fn category_mut(&mut self, name: &str) -> &mut Category {
        let at = match self.categories.iter().position(|c| c.name == name) {
            Some(at) => at,
            None => {
                self.add_category(name);
                self.categories.len() - 1
            }
        };
        &mut self.categories[at]
    }

    fn edit(
        &mut self,
        kind: UpdateConfigActionKind,
        category: &str,
        key: &str,
        value: &str,
        matching: Option<&str>,
    ) -> &mut Self {
        let deletes = kind == UpdateConfigActionKind::Delete;
        let mut e = UpdateConfigAction::new()
            .action(kind)
            .cat(category)
            .var(key);
        if !deletes {
            e = e.value(value);
        }
        if let Some(m) = matching {
            e = e.match_(m);
        }
        self.edits.push(e);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_config_and_json_answers_read_alike() {
        let fields: Message = [
            ("Response", "Success"),
            ("Category-000000", "general"),
            ("Line-000000-000000", "port=5060"),
            ("Line-000000-000001", "allow=ulaw"),
            ("Line-000000-000002", "allow=alaw"),
            ("Category-000001", "tpl"),
            ("IsTemplate-000001", "1"),
            ("Category-000002", "100"),
            ("Templates-000002", "tpl"),
            ("Line-000002-000000", "secret=a=b"),
        ]
        .into_iter()
        .collect();
        let json: Message = [
            ("Response", "Success"),
            (
                "JSON",
                r#"{"general":{"port":"5060","allow":"ulaw","allow":"alaw"},"tpl":{"istemplate":1},"100":{"templates":"tpl","secret":"a=b"}}"#,
            ),
        ]
        .into_iter()
        .collect();
        let a = ConfigFile::from_message(fields);
        let b = ConfigFile::from_message(json);
        assert_eq!(a.categories(), b.categories());
        let general = a.category("general").unwrap();
        assert_eq!(general.get("port"), Some("5060"));
        assert_eq!(
            general.get_all("allow").collect::<Vec<_>>(),
            ["ulaw", "alaw"]
        );
        assert!(a.category("tpl").unwrap().is_template);
        assert_eq!(a.category("100").unwrap().templates, ["tpl"]);
        assert_eq!(a.category("100").unwrap().get("secret"), Some("a=b"));
        // The values never reach Debug.
        assert!(!format!("{a:?}").contains("a=b"));
        let bad: Message = [("JSON", "{\"x\":")].into_iter().collect();
        assert!(ConfigFile::from_message(bad).error().is_some());
    }

    #[test]
    fn changes_become_one_update_config() {
        let mut file = ConfigFile::from_message(
            [
                ("Category-000000", "general"),
                ("Line-000000-000000", "port=5060"),
            ]
            .into_iter()
            .collect(),
        );
        file.filename = "sip.conf".into();
        file.set("general", "port", "5061")
            .append("general", "bind", "0.0.0.0")
            .delete("general", "bind")
            .add_category("new")
            .set("new", "x", "1");
        let msg = crate::Action::to_message(&file.update("sip.conf"));
        assert_eq!(msg.get_str("SrcFilename"), Some("sip.conf"));
        assert_eq!(msg.get_str("Action-000000"), Some("Update"));
        assert_eq!(msg.get_str("Value-000000"), Some("5061"));
        assert_eq!(msg.get_str("Match-000000"), Some("5060"));
        assert_eq!(msg.get_str("Action-000001"), Some("Append"));
        assert_eq!(msg.get_str("Action-000002"), Some("Delete"));
        assert_eq!(msg.get_str("Action-000003"), Some("NewCat"));
        assert_eq!(msg.get_str("Action-000004"), Some("Append"));
        assert_eq!(file.category("general").unwrap().get("port"), Some("5061"));
        assert_eq!(file.category("general").unwrap().get("bind"), None);
    }
}
