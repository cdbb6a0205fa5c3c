//! The bridge's configuration: a TOML file, or the same from flags.
//!
//! ```toml
//! [nats]
//! url = "nats://127.0.0.1:4222"
//! # user = "bridge"; password_env = "NATS_PASSWORD"   (or)
//! # token_env = "NATS_TOKEN"                           (or)
//! # creds = "/etc/ami-bridge/bridge.creds"
//!
//! [stream]
//! name = "AMI"            # created when it does not exist
//! subject_prefix = "ami"  # ami.<pbx>.event.<EventName>, ami.<pbx>.event._gap
//! max_age_secs = 604800   # keep a week (0: forever)
//! max_bytes = -1          # no bound
//!
//! [[pbx]]
//! name = "east"
//! url = "ami://bridge@10.0.0.1:5038"
//! secret_env = "EAST_AMI_SECRET"   # or secret_file = "/run/secrets/east"
//! events = "call,agent"            # the Events mask (default: on)
//! filters = ["Event: Hangup"]      # server-side filters (legacy regex form)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ami_types::ami_core::client::Reconnect;
use ami_types::policy::{ActionRule, ParamRule, Policy};
use ami_types::{ClientBuilder, EventMask};
use serde::Deserialize;

use crate::BridgeError;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BridgeConfig {
    /// Where NATS is.
    pub nats: NatsConfig,
    /// The JetStream stream.
    #[serde(default)]
    pub stream: StreamConfig,
    /// The PBXs.
    #[serde(default, rename = "pbx")]
    pub pbxs: Vec<PbxConfig>,
    /// The actions answered over NATS request/reply, and what their
    /// parameters may be (default: [`Policy::read_only`]). See
    /// [`AllowConfig`].
    #[serde(default)]
    pub allow: Option<AllowConfig>,
    /// The longest parameter value a request may carry, in bytes (default
    /// [`ami_types::policy::MAX_VALUE_BYTES`], 1 to 65,536).
    #[serde(default)]
    pub max_value_bytes: Option<usize>,
    /// How many action requests are answered at once; one more is answered
    /// `busy` at once (default [`MAX_REQUESTS`], 1 to 65,536).
    #[serde(default)]
    pub max_requests: Option<usize>,
    /// Seconds between two status publications (default 5).
    #[serde(default)]
    pub status_every_secs: Option<f64>,
}

/// Action requests answered at once, by default.
pub const MAX_REQUESTS: usize = 256;

/// The `allow` setting: a list of action names, each allowed with no
/// parameter rule (evaluated parameters stay refused), or a table of
/// actions, each a table of parameter rules:
///
/// ```toml
/// allow = ["Ping", "CoreShowChannels"]
/// # or
/// [allow]
/// Ping = {}
/// Originate = { Context = ["click2call"], Channel = ["PJSIP/*"] }
/// Getvar = { Variable = "name" }       # a plain variable name only
/// Status = { Variables = "name" }      # comma-separated plain names
/// ```
///
/// A rule is a list of values (`*` matches any run of characters),
/// `"name"` (letters, digits and `_`) or `"any"` (explicitly anything,
/// also for a parameter Asterisk evaluates). A parameter with a rule must
/// be given.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AllowConfig {
    /// Action names.
    Names(Vec<String>),
    /// Actions with their parameter rules.
    Rules(BTreeMap<String, BTreeMap<String, RuleConfig>>),
}

/// One parameter's rule in [`AllowConfig::Rules`].
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RuleConfig {
    /// Allowed values (`*` matches any run).
    Values(Vec<String>),
    /// `"name"` or `"any"`.
    Word(String),
}

impl BridgeConfig {
    /// The action policy: the `allow` setting checked against the
    /// metadata (an unknown action or parameter is an error, not a dead
    /// rule), with `max_value_bytes`.
    pub fn policy(&self) -> Result<Policy, BridgeError> {
        let mut policy = match &self.allow {
            None => Policy::read_only(),
            Some(AllowConfig::Names(names)) => {
                let mut p = Policy::deny_all();
                for name in names {
                    let meta = ami_types::check::action(name).map_err(BridgeError::Config)?;
                    p = p.allow(meta.name, default_rule(meta.name));
                }
                p
            }
            Some(AllowConfig::Rules(actions)) => {
                let mut p = Policy::deny_all();
                for (name, params) in actions {
                    let meta = ami_types::check::action(name).map_err(BridgeError::Config)?;
                    let mut rule = ActionRule::new();
                    for (param, r) in params {
                        let Some(pm) = meta.param(param) else {
                            return Err(BridgeError::Config(format!(
                                "allow.{}: action '{}' has no parameter '{param}'",
                                meta.name, meta.name
                            )));
                        };
                        let r = match r {
                            RuleConfig::Values(v) => ParamRule::one_of(v.iter().cloned()),
                            RuleConfig::Word(w) if w == "name" => ParamRule::Name,
                            RuleConfig::Word(w) if w == "any" => ParamRule::Any,
                            RuleConfig::Word(w) => {
                                return Err(BridgeError::Config(format!(
                                    "allow.{}.{}: {w:?} is not a rule (a list of values, \"name\" or \"any\")",
                                    meta.name, pm.name
                                )))
                            }
                        };
                        rule = rule.param(pm.name, r);
                    }
                    p = p.allow(meta.name, rule);
                }
                p
            }
        };
        if let Some(max) = self.max_value_bytes {
            policy = policy.max_value_bytes(max);
        }
        Ok(policy)
    }
}

/// An action allowed by name alone: `Getvar` keeps its plain-name rule.
fn default_rule(action: &str) -> ActionRule {
    if action == "Getvar" {
        ActionRule::new().param("Variable", ParamRule::Name)
    } else {
        ActionRule::new()
    }
}

/// NATS and its credentials.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsConfig {
    /// `nats://host:4222`.
    pub url: String,
    /// A user name (with `password_env`).
    #[serde(default)]
    pub user: Option<String>,
    /// The environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// The environment variable holding a token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// A `.creds` file (JWT and NKey seed).
    #[serde(default)]
    pub creds: Option<PathBuf>,
}

impl std::fmt::Debug for NatsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names of variables and files only: never what they hold.
        f.debug_struct("NatsConfig")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("password_env", &self.password_env)
            .field("token_env", &self.token_env)
            .field("creds", &self.creds)
            .finish()
    }
}

/// The stream events and gaps are stored in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StreamConfig {
    /// The stream's name (default `AMI`).
    pub name: String,
    /// The first token of every subject (default `ami`).
    pub subject_prefix: String,
    /// How long events are kept, in seconds (default a week; 0 forever).
    pub max_age_secs: u64,
    /// The most bytes kept (-1: no bound).
    pub max_bytes: i64,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            name: "AMI".to_owned(),
            subject_prefix: "ami".to_owned(),
            max_age_secs: 7 * 86_400,
            max_bytes: -1,
        }
    }
}

/// One PBX.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PbxConfig {
    /// Its name: a subject token (letters, digits, `-`, `_`).
    pub name: String,
    /// `ami://user[:secret]@host:port` or `amis://…`.
    pub url: String,
    /// The environment variable holding the secret.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// A file holding the secret (its first line).
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    /// The `Events` mask (default `on`).
    #[serde(default)]
    pub events: Option<String>,
    /// Server-side filters, each a regular expression over the event text.
    #[serde(default)]
    pub filters: Vec<String>,
    /// How many bytes of events the PBX's client holds while the bridge
    /// cannot publish (NATS away); past it the oldest are dropped and
    /// published as a gap (default 64 MiB).
    #[serde(default)]
    pub event_buffer: Option<usize>,
}

impl BridgeConfig {
    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<BridgeConfig, BridgeError> {
        let text = std::fs::read_to_string(path).map_err(|cause| BridgeError::ReadFile {
            path: path.to_owned(),
            cause,
        })?;
        BridgeConfig::from_toml(&text)
    }

    /// Reads TOML text.
    pub fn from_toml(text: &str) -> Result<BridgeConfig, BridgeError> {
        let config: BridgeConfig =
            toml::from_str(text).map_err(|e| BridgeError::Config(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// Checks names and URLs (before anything connects).
    pub fn check(&self) -> Result<(), BridgeError> {
        token("the subject prefix", &self.stream.subject_prefix)?;
        if self.stream.name.is_empty()
            || self
                .stream
                .name
                .contains(|c: char| c == '.' || c.is_whitespace())
        {
            return Err(BridgeError::Config(format!(
                "the stream name {:?} is empty or has a '.' or a space",
                self.stream.name
            )));
        }
        if self.pbxs.is_empty() {
            return Err(BridgeError::Config("no PBX configured".to_owned()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.pbxs {
            token("a PBX name", &p.name)?;
            if !seen.insert(p.name.as_str()) {
                return Err(BridgeError::Config(format!(
                    "the PBX {:?} is named twice",
                    p.name
                )));
            }
            p.client_builder()?;
        }
        for (what, v) in [
            ("max_value_bytes", self.max_value_bytes),
            ("max_requests", self.max_requests),
        ] {
            if v.is_some_and(|v| v == 0 || v > 65_536) {
                return Err(BridgeError::Config(format!(
                    "{what} must be from 1 to 65536"
                )));
            }
        }
        self.policy()?;
        Ok(())
    }
}

/// A subject token: letters, digits, `-` and `_`.
fn token(what: &str, name: &str) -> Result<(), BridgeError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(BridgeError::Config(format!(
            "{what} {name:?} must be letters, digits, '-' or '_' (it is a subject token)"
        )));
    }
    Ok(())
}

impl PbxConfig {
    /// The client settings: the URL, the secret from the environment or a
    /// file, the events mask, and reconnects.
    pub fn client_builder(&self) -> Result<ClientBuilder, BridgeError> {
        let pbx = &self.name;
        let mut b = ClientBuilder::from_url(&self.url)
            .map_err(|e| BridgeError::Config(format!("PBX {pbx}: {e}")))?;
        let secret = match (&self.secret_env, &self.secret_file) {
            (Some(var), _) => Some(std::env::var(var).map_err(|_| {
                BridgeError::Config(format!(
                    "PBX {pbx}: the environment variable {var} is not set"
                ))
            })?),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| {
                        BridgeError::Config(format!(
                            "PBX {pbx}: cannot read {}: {e}",
                            path.display()
                        ))
                    })?
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            (None, None) => None,
        };
        if let Some(secret) = secret {
            let user = b
                .username()
                .ok_or_else(|| BridgeError::Config(format!("PBX {pbx}: the URL names no user")))?
                .to_owned();
            b = b.credentials(user, secret);
        }
        if let Some(mask) = &self.events {
            b = b.events(EventMask::from_wire(mask));
        }
        if let Some(bytes) = self.event_buffer {
            b = b.event_buffer(bytes);
        }
        Ok(b.reconnect(Some(Reconnect::default())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_file_reads_and_bad_names_are_refused() {
        let text = r#"
            [nats]
            url = "nats://127.0.0.1:4222"
            [[pbx]]
            name = "east"
            url = "ami://admin:amp111@127.0.0.1:5038"
            filters = ["Event: Hangup"]
            [[pbx]]
            name = "west"
            url = "ami://admin@127.0.0.1:5039"
        "#;
        let c = BridgeConfig::from_toml(text).unwrap();
        assert_eq!(c.pbxs.len(), 2);
        assert_eq!(c.stream.name, "AMI");
        let bad = text.replace("\"west\"", "\"we.st\"");
        assert!(BridgeConfig::from_toml(&bad).is_err());
        let twice = text.replace("\"west\"", "\"east\"");
        assert!(BridgeConfig::from_toml(&twice)
            .unwrap_err()
            .to_string()
            .contains("twice"));
        assert!(BridgeConfig::from_toml("[nats]\nurl = \"x\"\nbogus = 1\n").is_err());
    }

    #[test]
    fn a_secret_from_the_environment_goes_with_the_urls_user() {
        std::env::set_var("AMI_BRIDGE_TEST_SECRET", "s3cret");
        let pbx = |url: &str| PbxConfig {
            name: "east".into(),
            url: url.into(),
            secret_env: Some("AMI_BRIDGE_TEST_SECRET".into()),
            secret_file: None,
            events: Some("call,agent".into()),
            filters: Vec::new(),
            event_buffer: None,
        };
        let b = pbx("ami://ad%40min@h").client_builder().unwrap();
        assert_eq!(b.username(), Some("ad@min"));
        assert_eq!(*b.event_setting(), EventMask::Mask("call,agent".into()));
        assert!(!format!("{b:?}").contains("s3cret"));
        assert!(pbx("ami://h:5038").client_builder().is_err());
    }
}
