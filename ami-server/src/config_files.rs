//! The configuration files `GetConfig`, `GetConfigJSON`, `ListCategories`
//! and `UpdateConfig` read and change: kept in memory, never on disk, in
//! Asterisk's `.conf` syntax (`[category]`, `[name](!)` for a template,
//! `[name](tpl1,tpl2)` for one that inherits, `key = value`, `key => value`,
//! `;` comments).

use std::collections::BTreeMap;

use ami_core::message::Message;

/// One category of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Category {
    name: String,
    is_template: bool,
    templates: Vec<String>,
    lines: Vec<(String, String)>,
}

/// The files, by name.
#[derive(Debug, Default)]
pub(crate) struct Files(BTreeMap<String, Vec<Category>>);

/// The configuration files a new server holds: a small `pjsip.conf`.
pub const DEMO_PJSIP_CONF: &str = "\
[transport-udp]
type = transport
protocol = udp
bind = 0.0.0.0:5060

[endpoint-common](!)
type = endpoint
context = default
disallow = all
allow = ulaw
allow = alaw

[100](endpoint-common)
auth = 100
aors = 100

[101](endpoint-common)
auth = 101
aors = 101
";

/// Reads a file in `.conf` syntax.
fn parse(text: &str) -> Vec<Category> {
    let mut out: Vec<Category> = Vec::new();
    for line in text.lines() {
        let line = line.split(';').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let (name, after) = rest.split_once(']').unwrap_or((rest, ""));
            let options = after
                .trim()
                .strip_prefix('(')
                .and_then(|o| o.strip_suffix(')'))
                .unwrap_or_default();
            let mut is_template = false;
            let mut templates = Vec::new();
            for o in options.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                if o == "!" {
                    is_template = true;
                } else {
                    templates.push(o.to_owned());
                }
            }
            out.push(Category {
                name: name.trim().to_owned(),
                is_template,
                templates,
                lines: Vec::new(),
            });
            continue;
        }
        let (key, value) = match line.split_once("=>").or_else(|| line.split_once('=')) {
            Some((k, v)) => (k.trim(), v.trim()),
            None => continue,
        };
        if let Some(cat) = out.last_mut() {
            cat.lines.push((key.to_owned(), value.to_owned()));
        }
    }
    out
}

/// Why an `UpdateConfig` failed, as Asterisk words it.
type Failure = &'static str;

impl Files {
    /// The files of `files` (name, text), parsed.
    pub(crate) fn new(files: &[(String, String)]) -> Files {
        Files(
            files
                .iter()
                .map(|(name, text)| (name.clone(), parse(text)))
                .collect(),
        )
    }

    /// The answer to `GetConfig` (`Category`, when given, picks one).
    pub(crate) fn get_config(&self, req: &Message, mut m: Message) -> Result<Message, Failure> {
        let file = self.file(req)?;
        let only = req.get_str("Category").filter(|c| !c.is_empty());
        let picked = file.iter().filter(|c| only.is_none_or(|o| o == c.name));
        for (n, cat) in picked.enumerate() {
            m.append(format!("Category-{n:06}"), cat.name.as_str());
            if cat.is_template {
                m.append(format!("IsTemplate-{n:06}"), "1");
            }
            if !cat.templates.is_empty() {
                m.append(format!("Templates-{n:06}"), cat.templates.join(","));
            }
            for (i, (k, v)) in cat.lines.iter().enumerate() {
                m.append(format!("Line-{n:06}-{i:06}"), format!("{k}={v}"));
            }
        }
        Ok(m)
    }

    /// The answer to `GetConfigJSON`: one `JSON` field, an object of
    /// categories, each an object of its lines (a repeated key repeats, as
    /// Asterisk writes it).
    pub(crate) fn get_config_json(
        &self,
        req: &Message,
        mut m: Message,
    ) -> Result<Message, Failure> {
        let file = self.file(req)?;
        let s = |t: &str| serde_json::to_string(t).unwrap_or_default();
        let cats: Vec<String> = file
            .iter()
            .map(|cat| {
                let mut members = Vec::new();
                if cat.is_template {
                    members.push("\"istemplate\":1".to_owned());
                }
                if !cat.templates.is_empty() {
                    members.push(format!("\"templates\":{}", s(&cat.templates.join(","))));
                }
                members.extend(cat.lines.iter().map(|(k, v)| format!("{}:{}", s(k), s(v))));
                format!("{}:{{{}}}", s(&cat.name), members.join(","))
            })
            .collect();
        m.append("JSON", format!("{{{}}}", cats.join(",")));
        Ok(m)
    }

    /// The answer to `ListCategories`.
    pub(crate) fn list_categories(
        &self,
        req: &Message,
        mut m: Message,
    ) -> Result<Message, Failure> {
        for (n, cat) in self.file(req)?.iter().enumerate() {
            m.append(format!("Category-{n:06}"), cat.name.as_str());
        }
        Ok(m)
    }

    /// Applies `UpdateConfig` to `SrcFilename` and stores the result as
    /// `DstFilename`. Nothing changes when one of its steps fails.
    pub(crate) fn update(&mut self, req: &Message) -> Result<(), Failure> {
        let src = req.get_str("SrcFilename").unwrap_or_default();
        let dst = req.get_str("DstFilename").unwrap_or_default();
        if src.is_empty() || dst.is_empty() {
            return Err("Filename not specified");
        }
        let mut file = self.0.get(src).cloned().ok_or("Config file not found")?;
        for n in 0..100_000 {
            let key = |k: &str| req.get_str(&format!("{k}-{n:06}")).map(str::to_owned);
            let Some(action) = key("Action") else { break };
            let cat = key("Cat").unwrap_or_default();
            let var = key("Var").unwrap_or_default();
            let value = key("Value").unwrap_or_default();
            let matching = key("Match");
            let find = |file: &mut Vec<Category>| -> Result<usize, Failure> {
                file.iter()
                    .position(|c| c.name == cat)
                    .ok_or("Update did not complete successfully")
            };
            match action.to_ascii_lowercase().as_str() {
                "newcat" => file.push(Category {
                    name: cat.clone(),
                    is_template: false,
                    templates: Vec::new(),
                    lines: Vec::new(),
                }),
                "renamecat" => {
                    let i = find(&mut file)?;
                    file[i].name = value;
                }
                "delcat" => {
                    let i = find(&mut file)?;
                    file.remove(i);
                }
                "emptycat" => {
                    let i = find(&mut file)?;
                    file[i].lines.clear();
                }
                "update" => {
                    let i = find(&mut file)?;
                    let line = file[i].lines.iter_mut().find(|(k, v)| {
                        *k == var && matching.as_ref().is_none_or(|m| m.is_empty() || m == v)
                    });
                    match line {
                        Some((_, v)) => *v = value,
                        None => return Err("Update did not complete successfully"),
                    }
                }
                "delete" => {
                    let i = find(&mut file)?;
                    let at = file[i]
                        .lines
                        .iter()
                        .position(|(k, v)| {
                            *k == var && matching.as_ref().is_none_or(|m| m.is_empty() || m == v)
                        })
                        .ok_or("Delete did not complete successfully")?;
                    file[i].lines.remove(at);
                }
                "append" => {
                    let i = find(&mut file)?;
                    file[i].lines.push((var, value));
                }
                _ => return Err("Unknown action"),
            }
        }
        self.0.insert(dst.to_owned(), file);
        Ok(())
    }

    fn file(&self, req: &Message) -> Result<&Vec<Category>, Failure> {
        let name = req.get_str("Filename").unwrap_or_default();
        if name.is_empty() {
            return Err("Filename not specified");
        }
        self.0.get(name).ok_or("Config file not found")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_file_reads_as_asterisk_would() {
        let cats = parse(DEMO_PJSIP_CONF);
        let names: Vec<&str> = cats.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["transport-udp", "endpoint-common", "100", "101"]);
        assert!(cats[1].is_template);
        assert_eq!(cats[2].templates, ["endpoint-common"]);
        assert_eq!(
            cats[1].lines.iter().filter(|(k, _)| k == "allow").count(),
            2
        );
    }
}
