//! `ami-codegen`: writes what `ami-types` generates at build time, for
//! reading or vendoring, and the fact models bundled with this crate.
//!
//! ```text
//! cargo run -p ami-codegen --features cli -- --spec core-en_US.xml --out DIR
//! cargo run -p ami-codegen --features cli -- --spec ../shared/asterisk-docs/22.10.1/core-en_US.xml \
//!     --emit-model ami-codegen/models/22.10.1.json
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{ArgGroup, Parser};

/// Generates typed Rust for every AMI action and event from Asterisk's XML
/// documentation, or from a fact model bundled with ami-codegen.
#[derive(Debug, Parser)]
#[command(name = "ami-codegen", version)]
#[command(group(ArgGroup::new("source").required(true).args(["spec", "bundled", "matrix"])))]
#[command(group(ArgGroup::new("action").required(true).multiple(true).args(["out", "emit_model", "stats", "out_matrix"])))]
struct Args {
    /// Asterisk's core-en_US.xml (an install has it at
    /// /var/lib/asterisk/documentation/core-en_US.xml).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// A bundled fact model instead of XML, e.g. 22.10.1.
    #[arg(long, value_name = "VERSION")]
    bundled: Option<String>,
    /// Spec files (types.toml, lists.toml, ...) to apply instead of the
    /// project's own, which are compiled in.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["no_overrides", "bundled"])]
    spec_dir: Option<PathBuf>,
    /// Read the XML alone, without any overrides.
    #[arg(long, conflicts_with = "bundled")]
    no_overrides: bool,
    /// Write action.rs, event.rs, response.rs, enums.rs and meta.rs into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the fact-only model (no Asterisk prose) to FILE, as bundled in
    /// ami-codegen/models/.
    #[arg(long, value_name = "FILE")]
    emit_model: Option<PathBuf>,
    /// Print counts of actions, parameters, events, enums and list actions.
    #[arg(long)]
    stats: bool,
    /// A folder of `<release>.xml` files (one per release tag) to derive
    /// the version matrix from (see `ami_codegen::matrix`).
    #[arg(long, value_name = "DIR", requires = "out_matrix")]
    matrix: Option<PathBuf>,
    /// Where to write the version matrix (with --matrix).
    #[arg(long, value_name = "FILE", requires = "matrix")]
    out_matrix: Option<PathBuf>,
}

/// `--matrix DIR --out-matrix FILE`: every release's items, as ranges.
fn matrix(dir: &std::path::Path, out: &std::path::Path) -> ExitCode {
    use ami_codegen::matrix::{items, Matrix, Release};
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return fail(&format!("cannot read {}: {e}", dir.display())),
    };
    let mut m = Matrix::default();
    let spec = ami_codegen::Spec::empty();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(release) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(Release::parse)
            .filter(|_| path.extension().is_some_and(|e| e == "xml"))
        else {
            continue;
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return fail(&format!("cannot read {}: {e}", path.display())),
        };
        let model = match ami_codegen::read_model_str(&text, &release.to_string(), &spec) {
            Ok(model) => model,
            Err(e) => return fail(&format!("{}: {e}", path.display())),
        };
        m.add(release, &items(&model));
    }
    if let Err(e) = std::fs::write(out, m.to_text()) {
        return fail(&format!("cannot write {}: {e}", out.display()));
    }
    eprintln!(
        "ami-codegen: the matrix of {} releases in {}",
        m.releases().count(),
        out.display()
    );
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let (Some(dir), Some(out)) = (&args.matrix, &args.out_matrix) {
        return matrix(dir, out);
    }
    let started = Instant::now();
    let mut config = ami_codegen::Config::new();
    config.cargo_rerun(false);
    if let Some(spec) = &args.spec {
        config.spec(spec);
    }
    if let Some(version) = &args.bundled {
        config.bundled(version);
    }
    if let Some(dir) = &args.spec_dir {
        config.spec_dir(dir);
    }
    if args.no_overrides {
        config.without_overrides();
    }
    let (source, model) = match config.read() {
        Ok(read) => read,
        Err(e) => return fail(&e),
    };
    if let Some(path) = &args.emit_model {
        if let Err(error) = std::fs::write(path, model.facts().to_json()) {
            return fail(&format!("cannot write {}: {error}", path.display()));
        }
        eprintln!("ami-codegen: fact model of {source} in {}", path.display());
    }
    if let Some(out) = &args.out {
        let (files, written) = match config.out_dir(out).write(&model) {
            Ok(written) => written,
            Err(e) => return fail(&e),
        };
        eprintln!(
            "ami-codegen: {} files in {} ({written} changed) in {:.0?}",
            files.len(),
            out.display(),
            started.elapsed()
        );
    }
    if args.stats {
        println!("{}", ami_codegen::Stats::of(&model));
    }
    ExitCode::SUCCESS
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("ami-codegen: {e}");
    ExitCode::FAILURE
}
