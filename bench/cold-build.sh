#!/usr/bin/env bash
# The cost to users: a cold `cargo build` and `cargo build --release` of a
# 10-line application whose only AMI dependency is the packaged ami-types
# (with tokio), in an empty target directory, registry already downloaded.
#
#   bash bench/cold-build.sh [extra ami-types dependency keys, e.g. 'default-features = false']
set -euo pipefail
cd "$(dirname "$0")/.."
extra=${1:-}
cargo package -p ami-wire -p ami-core -p ami-server -p ami-codegen -p ami-types --no-verify --allow-dirty --quiet 2>/dev/null
. .ci/packaged-app.sh
packaged_app cold-build "ami-types = { version = \"0.1.0\"${extra:+, $extra} }"
echo "app: $app"
cat >"$app/src/main.rs" <<'RS'
use ami_types::action::Ping;
use ami_types::event::Event;

#[tokio::main]
async fn main() -> ami_types::Result<()> {
    let url = std::env::var("AMI_URL").unwrap_or_else(|_| "ami://admin:secret@127.0.0.1:5038".into());
    let (client, mut events) = ami_types::connect(&url).await?;
    println!("{:?}", client.send(&Ping::new()).await?.ping());
    if let Ok(Event::Hangup(h)) = events.recv().await {
        println!("{:?}", h.cause());
    }
    Ok(())
}
RS
cd "$app"
cargo fetch --quiet
for profile in dev release; do
  rm -rf target
  start=$(date +%s.%N)
  CARGO_TARGET_DIR=target cargo build --quiet --profile "$profile" ${TIMINGS:+--timings}
  end=$(date +%s.%N)
  printf '%-8s %6.1f s\n' "$profile" "$(echo "$end - $start" | bc)"
done
