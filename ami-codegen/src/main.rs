//! `ami-codegen --spec FILE --out DIR [--spec-dir DIR] [--stats]`
//!
//! Writes the Rust that `ami-types` generates at build time, for reading or
//! vendoring: `action.rs`, `event.rs`, `response.rs`, `enums.rs`, `meta.rs`.
//! `--stats` prints what the documentation holds (with or without `--out`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: ami-codegen --spec FILE [--out DIR] [--spec-dir DIR] [--stats]

  --spec FILE      Asterisk's core-en_US.xml (e.g. /var/lib/asterisk/documentation/core-en_US.xml)
  --out DIR        write action.rs, event.rs, response.rs, enums.rs, meta.rs into DIR
  --spec-dir DIR   the project's overrides (types.toml, lists.toml, ...); default: the
                   spec/ folder of the source tree this binary was built from, if present
  --stats          print counts of actions, parameters, events, enums and list actions";

struct Args {
    spec: PathBuf,
    out: Option<PathBuf>,
    spec_dir: Option<PathBuf>,
    stats: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut spec = None;
    let mut out = None;
    let mut spec_dir = None;
    let mut stats = false;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.to_str() {
            Some("--spec") => spec = Some(value("--spec")?),
            Some("--out") => out = Some(value("--out")?),
            Some("--spec-dir") => spec_dir = Some(value("--spec-dir")?),
            Some("--stats") => stats = true,
            Some("-h" | "--help") => return Err(String::new()),
            _ => return Err(format!("unexpected argument {}", arg.to_string_lossy())),
        }
    }
    let spec = spec.ok_or("--spec is required")?;
    if out.is_none() && !stats {
        return Err("nothing to do: give --out DIR and/or --stats".to_owned());
    }
    Ok(Args {
        spec,
        out,
        spec_dir,
        stats,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("ami-codegen: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let spec_dir = args.spec_dir.or_else(|| {
        let built_with = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec"));
        built_with.is_dir().then_some(built_with)
    });

    let started = Instant::now();
    let mut config = ami_codegen::Config::new();
    config.spec(&args.spec).cargo_rerun(false);
    if let Some(dir) = &spec_dir {
        config.spec_dir(dir);
    }
    let stats = if let Some(out) = &args.out {
        config.out_dir(out);
        match config.generate() {
            Ok(generated) => {
                eprintln!(
                    "ami-codegen: {} files in {} ({} changed) in {:.0?}",
                    generated.files.len(),
                    out.display(),
                    generated.written,
                    started.elapsed()
                );
                generated.stats
            }
            Err(e) => {
                eprintln!("ami-codegen: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        let model = match &spec_dir {
            Some(dir) => ami_codegen::read_model(&args.spec, dir),
            None => std::fs::read_to_string(&args.spec)
                .map_err(|error| ami_codegen::Error::Io {
                    path: args.spec.clone(),
                    error,
                })
                .and_then(|text| {
                    ami_codegen::read_model_str(
                        &text,
                        &ami_codegen::source_name(&args.spec),
                        &ami_codegen::Spec::empty(),
                    )
                }),
        };
        match model {
            Ok(model) => ami_codegen::Stats::of(&model),
            Err(e) => {
                eprintln!("ami-codegen: {e}");
                return ExitCode::FAILURE;
            }
        }
    };
    if args.stats {
        println!("{stats}");
    }
    ExitCode::SUCCESS
}
