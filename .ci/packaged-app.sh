# Sourced by .ci/packaged-smoke and bench/cold-build.sh, from the workspace
# root: `packaged_app NAME DEPENDENCIES` makes a Cargo project outside the
# workspace (its path in $app, removed on exit unless KEEP is set) whose
# dependencies are the crates as `cargo package` left them in
# target/package/, patched in as if from a registry, at the workspace's
# dependency versions. DEPENDENCIES are the lines of its [dependencies].

packaged_app() {
  local name=$1 deps=$2 c
  app=$(mktemp -d "/tmp/ami-$name.XXXXXX")
  [ -n "${KEEP:-}" ] || trap 'rm -rf "$app"' EXIT
  mkdir -p "$app/vendor" "$app/src"
  local patch=""
  for c in ami-wire ami-core ami-server ami-codegen ami-types ami-live; do
    tar xzf "target/package/$c-0.1.0.crate" -C "$app/vendor"
    patch+="$c = { path = \"vendor/$c-0.1.0\" }"$'\n'
  done
  cat >"$app/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
$deps
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }

# The crates as packaged, as if from a registry.
[patch.crates-io]
$patch
TOML
  cp Cargo.lock "$app/Cargo.lock"
}
