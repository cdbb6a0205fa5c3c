//! The bridge: a [`Fleet`] of PBXs in, JetStream out.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ami_fleet::{Fleet, FleetItem, PbxItem, PbxNotice};
use async_nats::jetstream::{self, context::PublishAckFuture};
use async_nats::HeaderMap;
use bytes::Bytes;

use crate::config::BridgeConfig;
use crate::schema::{parse_time, EventRecord, GapRecord};
use crate::BridgeError;

/// Publishes awaited for their acknowledgement at once, at the most.
const IN_FLIGHT: usize = 512;
/// How often the acknowledgements of what was published are awaited.
const SETTLE_EVERY: Duration = Duration::from_millis(50);
/// How often each PBX's status is published, by default.
const STATUS_EVERY: Duration = Duration::from_secs(5);
/// The longest wait between two publishes of a message whose
/// acknowledgement failed (it is sent again until stored: meanwhile the
/// PBXs' clients buffer their events, and what they drop is a gap).
const RETRY_MAX: Duration = Duration::from_secs(2);

/// Connects to NATS with the configured credentials.
pub async fn connect_nats(config: &BridgeConfig) -> Result<async_nats::Client, BridgeError> {
    let n = &config.nats;
    let mut opts = async_nats::ConnectOptions::new()
        .name("ami-bridge")
        .retry_on_initial_connect();
    if let Some(user) = &n.user {
        let password = match &n.password_env {
            Some(var) => std::env::var(var).map_err(|_| BridgeError::MissingEnv(var.clone()))?,
            None => String::new(),
        };
        opts = opts.user_and_password(user.clone(), password);
    }
    if let Some(var) = &n.token_env {
        let token = std::env::var(var).map_err(|_| BridgeError::MissingEnv(var.clone()))?;
        opts = opts.token(token);
    }
    if let Some(path) = &n.creds {
        opts = opts
            .credentials_file(path)
            .await
            .map_err(|cause| BridgeError::ReadFile {
                path: path.clone(),
                cause,
            })?;
    }
    opts.connect(n.url.as_str())
        .await
        .map_err(|e| BridgeError::NatsConnect {
            url: n.url.clone(),
            cause: e.into(),
        })
}

/// The stream for the configuration, created when it does not exist.
pub async fn ensure_stream(
    js: &jetstream::Context,
    config: &BridgeConfig,
) -> Result<jetstream::stream::Stream, BridgeError> {
    let s = &config.stream;
    let p = &s.subject_prefix;
    js.get_or_create_stream(jetstream::stream::Config {
        name: s.name.clone(),
        subjects: vec![crate::schema::stored_subjects(p)],
        max_age: Duration::from_secs(s.max_age_secs),
        max_bytes: s.max_bytes,
        duplicate_window: Duration::from_secs(120),
        storage: jetstream::stream::StorageType::File,
        ..Default::default()
    })
    .await
    .map_err(|e| BridgeError::Stream {
        name: s.name.clone(),
        cause: e.into(),
    })
}

/// When the last event of `pbx` stored in the stream was received: where a
/// previous run of the bridge left off.
async fn last_stored(
    stream: &jetstream::stream::Stream,
    prefix: &str,
    pbx: &str,
) -> Option<SystemTime> {
    use futures_util::StreamExt;
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            filter_subject: format!("{prefix}.{pbx}.event.>"),
            deliver_policy: jetstream::consumer::DeliverPolicy::Last,
            ack_policy: jetstream::consumer::AckPolicy::None,
            inactive_threshold: Duration::from_secs(10),
            ..Default::default()
        })
        .await
        .ok()?;
    let mut batch = consumer
        .fetch()
        .max_messages(1)
        .expires(Duration::from_millis(500))
        .messages()
        .await
        .ok()?;
    let msg = batch.next().await?.ok()?;
    let record: EventRecord = serde_json::from_slice(&msg.payload).ok()?;
    parse_time(&record.received_at)
}

/// What the bridge counts, per PBX.
#[derive(Debug, Default, Clone)]
struct Counters {
    events_in: u64,
    events_out: u64,
    gaps: u64,
    /// Publish-to-acknowledgement times of the last window, in ms.
    latencies: Vec<f64>,
}

/// One publish waiting for its acknowledgement.
struct Pending {
    ack: PublishAckFuture,
    subject: String,
    headers: HeaderMap,
    payload: Bytes,
    sent: Instant,
    pbx: Arc<str>,
    event: bool,
}

/// The running bridge's publishing side.
struct Publisher {
    js: jetstream::Context,
    nats: async_nats::Client,
    prefix: String,
    run: u128,
    seq: BTreeMap<Arc<str>, u64>,
    pending: VecDeque<Pending>,
    counters: BTreeMap<Arc<str>, Counters>,
    /// When each PBX's last event was received (for gaps of drops).
    last_event: BTreeMap<Arc<str>, SystemTime>,
    /// The stream's configuration, to create it again when NATS lost it.
    config: Arc<BridgeConfig>,
    /// When the stream was last looked for after a failed publish.
    checked_stream: Option<Instant>,
    /// The stream had to be created again at this time: everything stored
    /// before is gone, a gap for every PBX (published by the main loop).
    lost_store: Option<SystemTime>,
    /// When this run first stored something (the start of what a lost
    /// store took).
    first_stored: Option<SystemTime>,
}

impl Publisher {
    async fn publish(
        &mut self,
        pbx: &Arc<str>,
        subject: String,
        id: String,
        payload: Vec<u8>,
        event: bool,
    ) {
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", id.as_str());
        let payload = Bytes::from(payload);
        let ack = loop {
            match self
                .js
                .publish_with_headers(subject.clone(), headers.clone(), payload.clone())
                .await
            {
                Ok(ack) => break ack,
                Err(e) => {
                    tracing::warn!(error = %e, "publish failed; retrying");
                    self.recover_stream().await;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        };
        self.pending.push_back(Pending {
            ack,
            subject,
            headers,
            payload,
            sent: Instant::now(),
            pbx: pbx.clone(),
            event,
        });
        while self.pending.len() > IN_FLIGHT {
            self.settle_one().await;
        }
    }

    /// Awaits the oldest acknowledgement; a failed one is published again
    /// (the message id makes a duplicate harmless).
    async fn settle_one(&mut self) {
        let Some(p) = self.pending.pop_front() else {
            return;
        };
        let mut ack = Some(p.ack);
        let mut wait = Duration::from_millis(50);
        loop {
            let result = match ack.take() {
                Some(a) => a.await.map_err(|e| e.to_string()),
                None => Err("not sent".to_owned()),
            };
            match result {
                Ok(_) => {
                    self.first_stored.get_or_insert_with(SystemTime::now);
                    let c = self.counters.entry(p.pbx.clone()).or_default();
                    if p.event {
                        c.events_out += 1;
                    }
                    c.latencies.push(p.sent.elapsed().as_secs_f64() * 1e3);
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, subject = %p.subject, "not stored; publishing again");
                    self.recover_stream().await;
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(RETRY_MAX);
                    ack = self
                        .js
                        .publish_with_headers(
                            p.subject.clone(),
                            p.headers.clone(),
                            p.payload.clone(),
                        )
                        .await
                        .ok();
                }
            }
        }
    }

    /// After a failed publish, at most once a second: whether the stream
    /// is still there; when NATS answers that it is not (its store was
    /// lost), it is created again and the loss is noted for a gap.
    async fn recover_stream(&mut self) {
        if self
            .checked_stream
            .is_some_and(|at| at.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        self.checked_stream = Some(Instant::now());
        let name = &self.config.stream.name;
        let missing = match self.js.get_stream(name).await {
            Ok(_) => false,
            Err(e) => matches!(
                e.kind(),
                jetstream::context::GetStreamErrorKind::JetStream(j)
                    if j.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND
            ),
        };
        if !missing {
            return;
        }
        match ensure_stream(&self.js, &self.config).await {
            Ok(_) => {
                tracing::error!(stream = %name, "the stream was gone (NATS lost its store): created it again");
                self.lost_store.get_or_insert_with(SystemTime::now);
            }
            Err(e) => tracing::warn!(error = %e, "the stream is gone and cannot be created yet"),
        }
    }

    /// A gap for every PBX when the stream had to be created again.
    async fn mark_lost_store(&mut self, pbxs: &[Arc<str>]) {
        let Some(at) = self.lost_store.take() else {
            return;
        };
        let since = self.first_stored.unwrap_or(at);
        for pbx in pbxs {
            self.gap(
                pbx,
                since,
                at,
                "NATS lost the stream (its store was emptied): the events stored before are gone",
            )
            .await;
        }
    }

    async fn flush(&mut self) {
        while !self.pending.is_empty() {
            self.settle_one().await;
        }
    }

    async fn event(&mut self, pbx: &Arc<str>, event: &ami_types::event::Event) {
        let seq = self.seq.entry(pbx.clone()).or_insert(0);
        *seq += 1;
        let seq = *seq;
        let now = SystemTime::now();
        self.last_event.insert(pbx.clone(), now);
        self.counters.entry(pbx.clone()).or_default().events_in += 1;
        let record = EventRecord::new(pbx, seq, now, event);
        let subject = crate::schema::event_subject(&self.prefix, pbx, &record.event);
        let id = format!("{pbx}:{}:{seq}", self.run);
        let payload = serde_json::to_vec(&record).unwrap_or_default();
        self.publish(pbx, subject, id, payload, true).await;
    }

    async fn gap(
        &mut self,
        pbx: &Arc<str>,
        down_since: SystemTime,
        up_at: SystemTime,
        reason: &str,
    ) {
        self.counters.entry(pbx.clone()).or_default().gaps += 1;
        let record = GapRecord::new(pbx, down_since, up_at, reason);
        let subject = crate::schema::gap_subject(&self.prefix, pbx);
        let id = format!("{pbx}:{}:gap:{}", self.run, crate::schema::rfc3339(up_at));
        let payload = serde_json::to_vec(&record).unwrap_or_default();
        tracing::warn!(pbx = %pbx, down_since = %record.down_since, up_at = %record.up_at, reason, "gap");
        self.publish(pbx, subject, id, payload, false).await;
    }

    /// Publishes each PBX's status (not stored) and logs it.
    async fn status(&mut self, fleet: &Fleet) {
        for h in fleet.health() {
            let c = self.counters.entry(h.name.clone()).or_default();
            let mut lat = std::mem::take(&mut c.latencies);
            lat.sort_by(f64::total_cmp);
            let pct = |q: f64| {
                (!lat.is_empty()).then(|| lat[((lat.len() - 1) as f64 * q).round() as usize])
            };
            // Published, not yet acknowledged as stored.
            let buffered_bytes: usize = self
                .pending
                .iter()
                .filter(|p| p.pbx == h.name)
                .map(|p| p.payload.len())
                .sum();
            let (state, since) = match &h.state {
                ami_fleet::PbxState::Up { since } => ("up", Some(*since)),
                ami_fleet::PbxState::Down { since, .. } => ("down", Some(*since)),
                _ => ("connecting", None),
            };
            let status = serde_json::json!({
                "schema": crate::schema::SCHEMA,
                "pbx": &*h.name,
                "state": state,
                "since": since.map(crate::schema::rfc3339),
                "events_in": c.events_in,
                "events_out": c.events_out,
                "gaps": c.gaps,
                "buffered_bytes": buffered_bytes,
                "events_per_sec": h.events_per_sec,
                "last_event": h.last_event.map(crate::schema::rfc3339),
                "publish_ms_p50": pct(0.5),
                "publish_ms_p99": pct(0.99),
            });
            tracing::info!(pbx = %h.name, %status, "status");
            let subject = format!("{}.{}.status", self.prefix, h.name);
            let _ = self
                .nats
                .publish(subject, Bytes::from(status.to_string()))
                .await;
        }
    }
}

/// How long the bridge tries to store what it holds once asked to stop;
/// what is not stored by then is logged, and the next run's gap covers it.
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// Runs the bridge until `shutdown` completes: then it publishes what it
/// holds (for at most 5 s, whatever the state of NATS), and logs off every
/// PBX.
pub async fn run(
    config: BridgeConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), BridgeError> {
    config.check()?;
    tokio::pin!(shutdown);
    let nats = tokio::select! {
        () = &mut shutdown => return Ok(()),
        nats = connect_nats(&config) => nats?,
    };
    let js = jetstream::new(nats.clone());
    let stream = tokio::select! {
        () = &mut shutdown => return Ok(()),
        stream = ensure_stream(&js, &config) => stream?,
    };
    let prefix = config.stream.subject_prefix.clone();
    let mut fleet_builder = Fleet::builder();
    let mut resume = BTreeMap::new();
    for p in &config.pbxs {
        fleet_builder = fleet_builder.pbx(&p.name, p.client_builder()?);
        if let Some(at) = last_stored(&stream, &prefix, &p.name).await {
            resume.insert(Arc::<str>::from(p.name.as_str()), at);
        }
    }
    let (fleet, mut events) = fleet_builder.start();
    let config = Arc::new(config);
    // Ends with this function, however it ends (also when it is dropped).
    let actions = AbortOnDrop(tokio::spawn(serve_actions(
        nats.clone(),
        fleet.clone(),
        config.clone(),
    )));
    let filters: BTreeMap<Arc<str>, Vec<String>> = config
        .pbxs
        .iter()
        .map(|p| (Arc::from(p.name.as_str()), p.filters.clone()))
        .collect();
    let pbx_names: Vec<Arc<str>> = filters.keys().cloned().collect();
    let mut publisher = Publisher {
        js,
        nats,
        prefix,
        run: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
        seq: BTreeMap::new(),
        pending: VecDeque::new(),
        counters: BTreeMap::new(),
        last_event: BTreeMap::new(),
        config: config.clone(),
        checked_stream: None,
        lost_store: None,
        first_stored: None,
    };
    let every = config
        .status_every_secs
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| !d.is_zero())
        .unwrap_or(STATUS_EVERY);
    let mut status = tokio::time::interval(every);
    // Acknowledgements are awaited at least this often, so that a failed
    // publish is sent again soon however quiet the PBXs are.
    let mut settle = tokio::time::interval(SETTLE_EVERY);
    // The loop runs beside the shutdown signal: a publish that waits for a
    // NATS that is away is given up, not waited for, when asked to stop.
    let main = async {
        loop {
            tokio::select! {
                _ = status.tick() => publisher.status(&fleet).await,
                _ = settle.tick(), if !publisher.pending.is_empty() => publisher.flush().await,
                item = events.recv() => {
                    let Some(FleetItem { pbx, item }) = item else { break };
                    handle(&mut publisher, &fleet, &filters, &mut resume, pbx, item).await;
                }
            }
            publisher.mark_lost_store(&pbx_names).await;
        }
    };
    tokio::select! {
        () = &mut shutdown => {}
        () = main => {}
    }
    tracing::info!("shutting down: flushing and logging off");
    drop(actions);
    if tokio::time::timeout(STOP_WITHIN, publisher.flush())
        .await
        .is_err()
    {
        tracing::error!(
            unstored = publisher.pending.len(),
            "NATS did not store everything within {STOP_WITHIN:?}; the next run marks the gap"
        );
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), publisher.status(&fleet)).await;
    let _ = tokio::time::timeout(STOP_WITHIN, fleet.close()).await;
    Ok(())
}

/// One item of the fleet: an event to publish, or a notice.
async fn handle(
    publisher: &mut Publisher,
    fleet: &Fleet,
    filters: &BTreeMap<Arc<str>, Vec<String>>,
    resume: &mut BTreeMap<Arc<str>, SystemTime>,
    pbx: Arc<str>,
    item: PbxItem,
) {
    match item {
        PbxItem::Event(event) => publisher.event(&pbx, &event).await,
        PbxItem::Notice(PbxNotice::Up) => {
            // Filters, then where a previous run left off.
            if let Ok(client) = fleet.client(&pbx) {
                for f in filters.get(&pbx).into_iter().flatten() {
                    if let Err(e) = client.add_filter(f).await {
                        tracing::error!(pbx = %pbx, error = %e, "filter refused");
                    }
                }
            }
            if let Some(since) = resume.remove(&pbx) {
                publisher
                    .gap(&pbx, since, SystemTime::now(), "the bridge was not running")
                    .await;
            }
        }
        PbxItem::Notice(PbxNotice::Gap {
            down_since,
            up_at,
            reason,
        }) => {
            publisher.gap(&pbx, down_since, up_at, &reason).await;
        }
        PbxItem::Notice(PbxNotice::Lagged(n)) => {
            let since = publisher
                .last_event
                .get(&pbx)
                .copied()
                .unwrap_or_else(SystemTime::now);
            let reason = format!("the bridge fell behind and dropped {n} events");
            publisher.gap(&pbx, since, SystemTime::now(), &reason).await;
        }
        PbxItem::Notice(PbxNotice::Down { reason, .. }) => {
            tracing::warn!(pbx = %pbx, %reason, "PBX down");
        }
        PbxItem::Notice(_) => {}
    }
}

/// A task that ends when this is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Answers actions over NATS request/reply on
/// `<prefix>.<pbx>.action.<ActionName>` until the subscription ends.
///
/// The request is a JSON object of parameters (`{"Channel": "PJSIP/100"}`;
/// a repeated key takes an array), checked against the generated metadata
/// as `ami action` checks its arguments, then against the configured
/// [`Policy`](ami_types::policy::Policy). The reply is `{"response": {…},
/// "items": [{…}, …], "complete": {…} | null}` (every message an object of
/// its fields, secrets redacted), or `{"error": "…"}`: an action or value
/// the policy does not allow, an unknown PBX or action, bad parameters, a
/// PBX that is down, Asterisk's error (with its `response`), or
/// `{"error": "busy: …", "busy": true}` when `max_requests` are being
/// answered already.
pub(crate) async fn serve_actions(
    nats: async_nats::Client,
    fleet: Fleet,
    config: Arc<BridgeConfig>,
) {
    use futures_util::StreamExt;
    let policy = match config.policy() {
        Ok(p) => Arc::new(p),
        Err(e) => {
            tracing::error!(error = %e, "cannot answer actions");
            return;
        }
    };
    let max = config
        .max_requests
        .unwrap_or(crate::config::MAX_REQUESTS)
        .clamp(1, 65_536);
    let slots = Arc::new(tokio::sync::Semaphore::new(max));
    let prefix = &config.stream.subject_prefix;
    let mut requests = match nats.subscribe(format!("{prefix}.*.action.*")).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot answer actions");
            return;
        }
    };
    while let Some(request) = requests.next().await {
        let Some(reply) = request.reply.clone() else {
            continue;
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            let busy = serde_json::json!({
                "error": format!("busy: {max} requests are being answered; try again later"),
                "busy": true,
            });
            let _ = nats.publish(reply, Bytes::from(busy.to_string())).await;
            continue;
        };
        let (nats, fleet, policy) = (nats.clone(), fleet.clone(), policy.clone());
        tokio::spawn(async move {
            let answer = answer(&fleet, &policy, &request.subject, &request.payload).await;
            let _ = nats.publish(reply, Bytes::from(answer.to_string())).await;
            drop(slot);
        });
    }
}

/// The most bytes of one request's JSON (every value is bounded far below).
const MAX_REQUEST_BYTES: usize = 64 * 1024;

async fn answer(
    fleet: &Fleet,
    policy: &ami_types::policy::Policy,
    subject: &str,
    payload: &[u8],
) -> serde_json::Value {
    use serde_json::json;
    let error = |e: String| json!({ "error": e });
    let mut parts = subject.splitn(4, '.');
    let (Some(_), Some(pbx), Some("action"), Some(name)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return error(format!("not an action subject: {subject}"));
    };
    let meta = match ami_types::check::action(name) {
        Ok(meta) => meta,
        Err(e) => return error(e),
    };
    if !policy.names(meta.name) {
        return error(format!(
            "action '{}' is not allowed over NATS (the bridge's policy)",
            meta.name
        ));
    }
    if payload.len() > MAX_REQUEST_BYTES {
        return error(format!(
            "the request is {} bytes; at most {MAX_REQUEST_BYTES} are read",
            payload.len()
        ));
    }
    let params: serde_json::Map<String, serde_json::Value> =
        if payload.iter().all(u8::is_ascii_whitespace) {
            serde_json::Map::new()
        } else {
            match serde_json::from_slice(payload) {
                Ok(map) => map,
                Err(e) => {
                    return error(format!(
                        "the request is not a JSON object of parameters: {e}"
                    ))
                }
            }
        };
    let mut args = Vec::new();
    for (key, value) in &params {
        let values = match value {
            serde_json::Value::Array(all) => all.clone(),
            one => vec![one.clone()],
        };
        for v in values {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => {
                    return error(format!(
                        "parameter '{key}': {other} is not text, a number or a boolean"
                    ))
                }
            };
            args.push(format!("{key}={text}"));
        }
    }
    let msg = match ami_types::check::build(meta.name, Some(meta), &args) {
        Ok(msg) => msg,
        Err(e) => return error(e),
    };
    if let Err(denied) = policy.check(&msg) {
        return error(format!("not allowed over NATS: {denied}"));
    }
    let client = match fleet.client(pbx) {
        Ok(c) => c,
        Err(e) => return error(e.to_string()),
    };
    // What this PBX's release lacks is refused here, as the typed client
    // refuses it (a PBX that does not say its version is not checked).
    if let Err(e) = ami_types::check::release(&client, &msg).await {
        return match &e {
            ami_types::Error::Unsupported { have, needs, .. } => {
                json!({ "error": e.to_string(), "have": have, "needs": needs })
            }
            _ => error(e.to_string()),
        };
    }
    match client.send_message(msg).await {
        Ok(reply) => json!({
            "response": reply.response,
            "items": reply.items,
            "complete": reply.complete,
        }),
        Err(e) => match e.response() {
            Some(response) => json!({ "error": e.to_string(), "response": response }),
            None => error(e.to_string()),
        },
    }
}
