//! [`Config`]: the one call a `build.rs` makes (prost-build style).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::emit::{self, EmitError};
use crate::model::{Model, Param};
use crate::write;

/// What to generate from, and where to.
///
/// ```no_run
/// // In build.rs's `main`: the Asterisk you run when AMI_SPEC_XML names its
/// // documentation, else the model of 22.10.1 that ships with ami-codegen.
/// ami_codegen::Config::new()
///     .spec_from_env("AMI_SPEC_XML")
///     .bundled(ami_codegen::bundled::DEFAULT)
///     .generate()
///     .unwrap_or_else(|e| panic!("{e}"));
/// ```
///
/// The source is the first of: [`spec`](Config::spec), the environment
/// variable named by [`spec_from_env`](Config::spec_from_env) when set, the
/// newest version folder of [`newest_spec_in`](Config::newest_spec_in), the
/// [`bundled`](Config::bundled) fact model. Documentation read from XML
/// keeps Asterisk's prose as rustdoc; a bundled model has facts only.
/// Output goes to [`out_dir`](Config::out_dir), by default `$OUT_DIR`: one
/// file per module, `action.rs`, `event.rs`, `response.rs`, `enums.rs`,
/// `meta.rs`, each rewritten only when its content changes.
#[derive(Debug, Clone, Default)]
pub struct Config {
    spec: Option<PathBuf>,
    spec_env: Option<String>,
    search_dir: Option<PathBuf>,
    bundled: Option<String>,
    overrides: Overrides,
    options: emit::Options,
    out_dir: Option<PathBuf>,
    cargo: Option<bool>,
    version: Option<String>,
    version_env: Option<String>,
}

/// A range of Asterisk branches (`18..=23`), for a union build.
fn parse_branches(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.trim().split_once("..=")?;
    let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a <= b).then_some((a, b))
}

/// Which overrides apply to documentation read from XML.
#[derive(Debug, Clone, Default)]
enum Overrides {
    /// The project's `spec/`, as compiled into this crate.
    #[default]
    Bundled,
    /// The spec files of a folder.
    Dir(PathBuf),
    /// None: the XML alone.
    None,
}

/// Where a model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An Asterisk documentation file.
    Xml(PathBuf),
    /// The fact model of this version, bundled with ami-codegen.
    Bundled(String),
    /// The union of the bundled models of these versions (oldest first):
    /// see [`Model::union`].
    Union(Vec<String>),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Xml(path) => write!(f, "{}", path.display()),
            Source::Bundled(version) => write!(f, "the bundled model of Asterisk {version}"),
            Source::Union(versions) => write!(
                f,
                "the union of the bundled models of Asterisk {}",
                versions.join(", ")
            ),
        }
    }
}

impl Config {
    /// A configuration with nothing set.
    pub fn new() -> Self {
        Config::default()
    }

    /// Generates from this `core-en_US.xml`.
    pub fn spec(&mut self, xml: impl Into<PathBuf>) -> &mut Self {
        self.spec = Some(xml.into());
        self
    }

    /// Uses the file named by environment variable `var` when it is set and
    /// not empty (and, in a build script, reruns when it changes).
    pub fn spec_from_env(&mut self, var: impl Into<String>) -> &mut Self {
        self.spec_env = Some(var.into());
        self
    }

    /// Falls back to `<dir>/<newest version>/core-en_US.xml`, versions
    /// compared numerically (`22.10.1` is newer than `22.9.0`). In a build
    /// script, a change anywhere under `dir` (a new version folder) reruns it.
    pub fn newest_spec_in(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.search_dir = Some(dir.into());
        self
    }

    /// Falls back to the fact model of `version` bundled with this crate
    /// (see [`bundled::versions`](crate::bundled::versions)): no file needed.
    pub fn bundled(&mut self, version: impl Into<String>) -> &mut Self {
        self.bundled = Some(version.into());
        self
    }

    /// Applies the spec files in `dir` (`types.toml`, `lists.toml`, …) to
    /// documentation read from XML, instead of the project's own, which are
    /// compiled in and used by default.
    pub fn spec_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.overrides = Overrides::Dir(dir.into());
        self
    }

    /// Reads the XML alone, without the project's overrides.
    pub fn without_overrides(&mut self) -> &mut Self {
        self.overrides = Overrides::None;
        self
    }

    /// Whether to emit `TypedFields` impls, a visitor over every typed
    /// field that tools use (default: yes). Leaving them out saves about a
    /// quarter of the generated code's compile time.
    pub fn typed_fields(&mut self, yes: bool) -> &mut Self {
        self.options.typed_fields = yes;
        self
    }

    /// The Asterisk version the source documents, when its folder does not
    /// say it (`/var/lib/asterisk/documentation/core-en_US.xml`): e.g.
    /// `"22.10.1"` or `"23.5.0-rc1"`. It wins over the folder's name.
    /// Without documentation it picks the bundled model of that version
    /// (see [`bundled`](Config::bundled); one not bundled is
    /// [`GenerateError::NotBundled`]).
    pub fn version(&mut self, version: impl Into<String>) -> &mut Self {
        self.version = Some(version.into());
        self
    }

    /// [`version`](Config::version) from the environment variable `var`
    /// when it is set (e.g. `AMI_SPEC_VERSION`); watched for changes.
    pub fn version_from_env(&mut self, var: impl Into<String>) -> &mut Self {
        self.version_env = Some(var.into());
        self
    }

    /// The version given by [`version`](Config::version) or
    /// [`version_from_env`](Config::version_from_env), if any.
    fn given_version(&self) -> Result<Option<String>, GenerateError> {
        let given = self.version.clone().or_else(|| {
            self.version_env
                .as_ref()
                .and_then(|var| std::env::var(var).ok())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        });
        match given {
            Some(v) if parse_version(&v).is_none() && parse_branches(&v).is_none() => {
                Err(GenerateError::BadVersion { version: v })
            }
            other => Ok(other),
        }
    }

    /// Where to write the generated files (default: `$OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` / `rerun-if-env-changed`
    /// for exactly what was read (default: when `$OUT_DIR` is set, i.e. in a
    /// build script).
    pub fn cargo_rerun(&mut self, yes: bool) -> &mut Self {
        self.cargo = Some(yes);
        self
    }

    /// The source this configuration selects.
    pub fn resolve(&self) -> Result<Source, GenerateError> {
        if let Some(spec) = &self.spec {
            return Ok(Source::Xml(spec.clone()));
        }
        if let Some(var) = &self.spec_env {
            if let Some(value) = std::env::var_os(var).filter(|v| !v.is_empty()) {
                return Ok(Source::Xml(PathBuf::from(value)));
            }
        }
        if let Some(dir) = &self.search_dir {
            if let Some(newest) = newest_version(dir) {
                return Ok(Source::Xml(newest));
            }
        }
        if self.bundled.is_some() {
            // A version given without documentation picks the bundled model
            // of that version (`AMI_SPEC_VERSION=21.12.3`).
            if let Some(version) = self.given_version()? {
                // `18..=23`: the union of the bundled models of those branches.
                if let Some((first, last)) = parse_branches(&version) {
                    let versions: Vec<String> = crate::bundled::versions()
                        .filter(|v| {
                            let major = v.split('.').next().and_then(|m| m.parse::<u64>().ok());
                            major.is_some_and(|m| (first..=last).contains(&m))
                        })
                        .map(str::to_owned)
                        .collect();
                    if versions.is_empty() {
                        return Err(GenerateError::NotBundled { version });
                    }
                    return Ok(Source::Union(versions));
                }
                return Ok(Source::Bundled(version));
            }
        }
        if let Some(version) = &self.bundled {
            return Ok(Source::Bundled(version.clone()));
        }
        Err(GenerateError::NoSpec {
            env: self.spec_env.clone(),
            searched: self.search_dir.clone(),
        })
    }

    /// Reads the model this configuration selects, without writing anything.
    pub fn read(&self) -> Result<(Source, Model), GenerateError> {
        let cargo = self.in_build_script();
        if cargo {
            if let Some(var) = &self.spec_env {
                println!("cargo:rerun-if-env-changed={var}");
            }
            if let Some(var) = &self.version_env {
                println!("cargo:rerun-if-env-changed={var}");
            }
            if let Some(dir) = &self.search_dir {
                if dir.is_dir() {
                    println!("cargo:rerun-if-changed={}", dir.display());
                }
            }
        }
        let source = self.resolve()?;
        let model = match &source {
            Source::Bundled(version) => match crate::bundled::model(version) {
                Some(model) => model.map_err(GenerateError::Bundled)?,
                None => {
                    return Err(GenerateError::NotBundled {
                        version: version.clone(),
                    })
                }
            },
            Source::Union(versions) => {
                let mut models = Vec::new();
                for version in versions {
                    let model = crate::bundled::model(version).ok_or_else(|| {
                        GenerateError::NotBundled {
                            version: version.clone(),
                        }
                    })?;
                    models.push(model.map_err(GenerateError::Bundled)?);
                }
                Model::union(&models).ok_or_else(|| GenerateError::NotBundled {
                    version: String::new(),
                })?
            }
            Source::Xml(xml) => {
                if cargo {
                    println!("cargo:rerun-if-changed={}", xml.display());
                }
                self.read_xml(xml, cargo)?
            }
        };
        Ok((source, model))
    }

    fn in_build_script(&self) -> bool {
        self.cargo
            .unwrap_or_else(|| std::env::var_os("OUT_DIR").is_some())
    }

    fn read_xml(&self, xml: &Path, cargo: bool) -> Result<Model, GenerateError> {
        if !xml.is_file() {
            return Err(GenerateError::SpecUnreadable {
                path: xml.to_owned(),
                reason: "no such file".to_owned(),
            });
        }
        let spec = match &self.overrides {
            Overrides::Bundled => crate::bundled::spec(),
            Overrides::Dir(dir) => {
                if cargo {
                    println!("cargo:rerun-if-changed={}", dir.display());
                }
                crate::Spec::load(dir)
            }
            Overrides::None => Ok(crate::Spec::empty()),
        }
        .map_err(GenerateError::Read)?;
        let text = std::fs::read_to_string(xml).map_err(|error| GenerateError::SpecUnreadable {
            path: xml.to_owned(),
            reason: error.to_string(),
        })?;
        crate::read_model_str(&text, &crate::source_name(xml), &spec).map_err(GenerateError::Read)
    }

    /// Reads the model, emits every module and writes the files that changed.
    pub fn generate(&self) -> Result<Generated, GenerateError> {
        let given = self.given_version()?;
        let (source, model) = self.read()?;
        let (paths, written) = self.write(&model)?;
        let union = matches!(source, Source::Union(_));
        let version = given
            .filter(|v| parse_version(v).is_some())
            .or_else(|| parse_version(&model.source).map(|_| model.source.clone()));
        // Documentation that does not say its version: the releases of the
        // version matrix whose actions and parameters it has exactly.
        let mut branch = version
            .as_ref()
            .and_then(|v| v.split('.').next().map(str::to_owned));
        let mut candidates = Vec::new();
        let version = match version {
            Some(v) => Some(v),
            None if matches!(source, Source::Xml(_)) => {
                candidates = crate::matrix::bundled().releases_matching(&model);
                let branches: std::collections::BTreeSet<u64> =
                    candidates.iter().map(|r| r.branch()).collect();
                if branches.len() == 1 {
                    branch = branches.first().map(u64::to_string);
                }
                match candidates.as_slice() {
                    [only] => Some(only.to_string()),
                    _ => None,
                }
            }
            None => None,
        };
        if version.is_none() && !union && self.in_build_script() {
            // Said once, where the build shows it.
            let how = match &self.version_env {
                Some(var) => format!("set {var} to it"),
                None => "give it with Config::version".to_owned(),
            };
            let matching: Vec<String> = candidates.iter().map(ToString::to_string).collect();
            let by_matrix = match matching.len() {
                0 => String::new(),
                _ => format!(
                    "; by its actions it is one of {} (see ami_codegen::matrix)",
                    matching.join(", ")
                ),
            };
            println!(
                "cargo:warning=the Asterisk version of {source} is unknown (its folder is not named like 22.10.1{by_matrix}): {how}"
            );
        }
        Ok(Generated {
            version,
            branch,
            source,
            files: paths,
            written,
            stats: Stats::of(&model),
        })
    }

    /// Emits every module of `model` (read with [`read`](Config::read) or
    /// made otherwise) into the output directory, rewriting only the files
    /// whose content changes: the files, and how many changed. Items
    /// without a synopsis get the project's own
    /// ([`synopses`](crate::synopses)).
    pub fn write(&self, model: &Model) -> Result<(Vec<PathBuf>, usize), GenerateError> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(GenerateError::NoOutDir)?,
        };
        // What the source leaves undocumented (all of a bundled model) gets
        // the project's own words (spec/synopses.toml).
        let mut model = model.clone();
        crate::synopses::bundled().fill(&mut model);
        let mut paths = Vec::new();
        let mut written = 0;
        for (name, text) in render_model_with(&model, self.options)? {
            let path = out_dir.join(format!("{name}.rs"));
            if write::write_if_changed(&path, &text).map_err(|error| GenerateError::Write {
                path: path.clone(),
                error,
            })? {
                written += 1;
            }
            paths.push(path);
        }
        Ok((paths, written))
    }
}

/// Every module of `model`, formatted: `(module name, file text)`.
pub fn render_model(model: &Model) -> Result<Vec<(&'static str, String)>, EmitError> {
    render_model_with(model, emit::Options::default())
}

/// [`render_model`] with emission `options`.
pub fn render_model_with(
    model: &Model,
    options: emit::Options,
) -> Result<Vec<(&'static str, String)>, EmitError> {
    emit::emit_with(model, options)?
        .iter()
        .map(|m| Ok((m.name, write::render(m, &model.source)?)))
        .collect()
}

/// `<dir>/<newest version>/core-en_US.xml` where that file exists.
fn newest_version(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut best: Option<(Vec<u64>, PathBuf)> = None;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(version) = name.to_str().and_then(parse_version) else {
            continue;
        };
        let xml = entry.path().join("core-en_US.xml");
        if !xml.is_file() {
            continue;
        }
        if best.as_ref().is_none_or(|(v, _)| version > *v) {
            best = Some((version, xml));
        }
    }
    best.map(|(_, path)| path)
}

/// `22.10.1` → `[22, 10, 1, 1, 0]`; a release candidate `23.5.0-rc1` →
/// `[23, 5, 0, 0, 1]`, before its release; `None` for anything else.
fn parse_version(name: &str) -> Option<Vec<u64>> {
    let (numbers, rc) = match name.split_once("-rc") {
        Some((numbers, rc)) => (numbers, Some(rc.parse::<u64>().ok()?)),
        None => (name, None),
    };
    let mut parts: Vec<u64> = numbers
        .split('.')
        .map(|part| part.parse().ok())
        .collect::<Option<_>>()?;
    if parts.len() < 2 {
        return None;
    }
    match rc {
        Some(n) => parts.extend([0, n]),
        None => parts.extend([1, 0]),
    }
    Some(parts)
}

/// The outcome of [`Config::generate`].
#[derive(Debug, Clone)]
pub struct Generated {
    /// What the model came from.
    pub source: Source,
    /// The Asterisk version, when the source says it: a bundled model, a
    /// documentation file in a folder named like `22.10.1`, a version
    /// given, or the only release of the version matrix whose actions and
    /// parameters the documentation has exactly.
    pub version: Option<String>,
    /// The Asterisk branch (`22`): the version's, or, for documentation
    /// whose version is unknown, the one every release of the matrix that
    /// matches it belongs to.
    pub branch: Option<String>,
    /// Every generated file.
    pub files: Vec<PathBuf>,
    /// How many of them changed.
    pub written: usize,
    /// What the model holds.
    pub stats: Stats,
}

/// Counts of what a model holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Actions.
    pub actions: usize,
    /// Action parameters (each member of an indexed group counts once).
    pub parameters: usize,
    /// Events.
    pub events: usize,
    /// Event fields.
    pub fields: usize,
    /// Value enums.
    pub enums: usize,
    /// Actions that answer with an event list.
    pub list_actions: usize,
    /// Actions with a typed response.
    pub typed_responses: usize,
    /// Events that come from `spec/` rather than the XML.
    pub undocumented_events: usize,
}

impl Stats {
    /// Counts `model`.
    pub fn of(model: &Model) -> Stats {
        Stats {
            actions: model.actions.len(),
            parameters: model
                .actions
                .iter()
                .flat_map(|a| &a.params)
                .map(|p| match p {
                    Param::Single(_) => 1,
                    Param::Group(g) => g.members.len(),
                })
                .sum(),
            events: model.events.len(),
            fields: model.events.iter().map(|e| e.fields.len()).sum(),
            enums: model.enums.len(),
            list_actions: model.actions.iter().filter(|a| a.list.is_some()).count(),
            typed_responses: model
                .actions
                .iter()
                .filter(|a| a.response.is_some())
                .count(),
            undocumented_events: model.events.iter().filter(|e| e.undocumented).count(),
        }
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "actions:             {}", self.actions)?;
        writeln!(f, "parameters:          {}", self.parameters)?;
        writeln!(f, "list actions:        {}", self.list_actions)?;
        writeln!(f, "typed responses:     {}", self.typed_responses)?;
        writeln!(f, "events:              {}", self.events)?;
        writeln!(f, "undocumented events: {}", self.undocumented_events)?;
        writeln!(f, "event fields:        {}", self.fields)?;
        write!(f, "enums:               {}", self.enums)
    }
}

/// Why [`Config::generate`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// No documentation file was configured or found.
    #[error("{}", no_spec(env.as_deref(), searched.as_deref()))]
    NoSpec {
        /// The environment variable consulted, if any.
        env: Option<String>,
        /// The folder searched for version folders, if any.
        searched: Option<PathBuf>,
    },
    /// The documentation file does not exist or cannot be read.
    #[error("cannot read Asterisk documentation {}: {reason}: {HOW_TO_PROVIDE}", path.display())]
    SpecUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The documentation or `spec/` could not be turned into a model.
    #[error(transparent)]
    Read(crate::Error),
    /// A version given by [`Config::version`] or its environment variable
    /// that is not one (`22.10.1`, `23.5.0-rc1`).
    #[error("{version:?} is not an Asterisk version (like 22.10.1 or 23.5.0-rc1)")]
    BadVersion {
        /// What was given.
        version: String,
    },
    /// No model of this version is bundled.
    #[error("no bundled model of Asterisk {version}; bundled: {}", crate::bundled::versions().collect::<Vec<_>>().join(", "))]
    NotBundled {
        /// The version asked for.
        version: String,
    },
    /// A bundled model does not read (a broken build of this crate).
    #[error(transparent)]
    Bundled(crate::model::facts::FactsError),
    /// The model could not be turned into Rust.
    #[error(transparent)]
    Emit(EmitError),
    /// Neither [`Config::out_dir`] nor `$OUT_DIR` is set.
    #[error("no output directory: call Config::out_dir or set OUT_DIR")]
    NoOutDir,
    /// A generated file could not be written.
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error (in the message, not chained).
        error: std::io::Error,
    },
}

const HOW_TO_PROVIDE: &str = "point AMI_SPEC_XML at an Asterisk documentation file, e.g. \
     AMI_SPEC_XML=/var/lib/asterisk/documentation/core-en_US.xml (an Asterisk install ships it; \
     a source tree builds it with `make doc/core-en_US.xml`)";

/// The text of [`GenerateError::NoSpec`].
fn no_spec(env: Option<&str>, searched: Option<&std::path::Path>) -> String {
    let mut text = "no Asterisk documentation (core-en_US.xml) found".to_owned();
    if let Some(env) = env {
        text.push_str(&format!("; {env} is not set"));
    }
    if let Some(dir) = searched {
        text.push_str(&format!(
            "; no <version>/core-en_US.xml under {}",
            dir.display()
        ));
    }
    text.push_str(": ");
    text.push_str(HOW_TO_PROVIDE);
    text
}

impl From<EmitError> for GenerateError {
    fn from(e: EmitError) -> Self {
        GenerateError::Emit(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_candidates_come_before_their_release() {
        assert!(parse_version("23.5.0-rc1") < parse_version("23.5.0"));
        assert!(parse_version("23.5.0-rc2") > parse_version("23.5.0-rc1"));
        assert!(parse_version("23.5.0-rc1") > parse_version("23.4.1"));
        assert_eq!(parse_version("23.5.0-rcX"), None);
        assert_eq!(parse_version("22"), None);
    }

    #[test]
    fn a_range_of_branches_is_the_union_of_their_bundled_models() {
        let dir = std::env::temp_dir().join(format!("ami-codegen-union-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let generated = Config::new()
            .bundled(crate::bundled::DEFAULT)
            .version("18..=23")
            .out_dir(&dir)
            .cargo_rerun(false)
            .generate()
            .unwrap();
        let all: Vec<String> = crate::bundled::versions().map(str::to_owned).collect();
        assert_eq!(generated.source, Source::Union(all));
        assert_eq!(generated.version, None);
        let action = std::fs::read_to_string(dir.join("action.rs")).unwrap();
        // chan_sip's (18 and 20) and 22's own actions side by side.
        assert!(
            action.contains("pub struct SIPpeers") && action.contains("pub struct PJSIPHangup")
        );
        let some = Config::new()
            .bundled(crate::bundled::DEFAULT)
            .version("21..=22")
            .out_dir(&dir)
            .cargo_rerun(false)
            .resolve()
            .unwrap();
        assert_eq!(
            some,
            Source::Union(vec!["21.12.3".to_owned(), "22.10.1".to_owned()])
        );
        let none = Config::new()
            .bundled(crate::bundled::DEFAULT)
            .version("24..=25")
            .resolve();
        assert!(
            matches!(none, Err(GenerateError::NotBundled { .. })),
            "{none:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_given_version_wins_and_is_checked() {
        let dir = std::env::temp_dir().join(format!("ami-codegen-given-{}", std::process::id()));
        let out = dir.join("out");
        std::fs::create_dir_all(&out).unwrap();
        // Without documentation, the bundled model of the version given.
        let generated = Config::new()
            .bundled(crate::bundled::DEFAULT)
            .version("21.12.3")
            .out_dir(&out)
            .cargo_rerun(false)
            .generate()
            .unwrap();
        assert_eq!(generated.version.as_deref(), Some("21.12.3"));
        assert_eq!(
            generated.source,
            Source::Bundled("21.12.3".to_owned()),
            "{:?}",
            generated.source
        );
        let none = Config::new()
            .bundled(crate::bundled::DEFAULT)
            .version("22.11.0-rc1")
            .out_dir(&out)
            .cargo_rerun(false)
            .generate();
        assert!(
            matches!(none, Err(GenerateError::NotBundled { .. })),
            "{none:?}"
        );
        let bad = Config::new()
            .bundled(crate::bundled::DEFAULT)
            .version("latest")
            .out_dir(&out)
            .cargo_rerun(false)
            .generate();
        assert!(
            matches!(bad, Err(GenerateError::BadVersion { .. })),
            "{bad:?}"
        );
        // From the environment, for documentation whose folder says nothing.
        let xml = dir.join("documentation").join("core-en_US.xml");
        std::fs::create_dir_all(xml.parent().unwrap()).unwrap();
        std::fs::write(&xml, "<docs/>").unwrap();
        let unnamed = || {
            let mut c = Config::new();
            c.spec(&xml)
                .without_overrides()
                .version_from_env("AMI_CODEGEN_TEST_VERSION")
                .out_dir(&out)
                .cargo_rerun(false);
            c
        };
        assert_eq!(unnamed().generate().unwrap().version, None);
        std::env::set_var("AMI_CODEGEN_TEST_VERSION", "20.5.2");
        assert_eq!(
            unnamed().generate().unwrap().version.as_deref(),
            Some("20.5.2")
        );
        std::env::remove_var("AMI_CODEGEN_TEST_VERSION");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_version("22.10.1") > parse_version("22.9.0"));
        assert!(parse_version("20.20.1") > parse_version("18.26.4"));
        assert_eq!(parse_version("README.md"), None);
        assert_eq!(parse_version("22.x"), None);
    }

    #[test]
    fn newest_version_folder_wins() {
        let dir = std::env::temp_dir().join(format!("ami-codegen-versions-{}", std::process::id()));
        for v in ["9.0.0", "22.9.0", "22.10.1", "notes"] {
            std::fs::create_dir_all(dir.join(v)).unwrap();
            std::fs::write(dir.join(v).join("core-en_US.xml"), "<docs/>").unwrap();
        }
        std::fs::create_dir_all(dir.join("23.0.0")).unwrap(); // no file: skipped
        let found = newest_version(&dir).unwrap();
        assert_eq!(found, dir.join("22.10.1").join("core-en_US.xml"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_spec_says_how_to_provide_one() {
        let e = Config::new()
            .spec_from_env("AMI_CODEGEN_TEST_UNSET_VARIABLE")
            .newest_spec_in("/nonexistent")
            .resolve()
            .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("AMI_SPEC_XML=/var/lib/asterisk/documentation/core-en_US.xml"),
            "{text}"
        );
        assert!(
            text.contains("AMI_CODEGEN_TEST_UNSET_VARIABLE is not set"),
            "{text}"
        );
    }
}
