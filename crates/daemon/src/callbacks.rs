//! Delivery of finished events from the durable outbox.
//!
//! Every pending row is POSTed as stored (the same bytes on every attempt). A 2xx marks it
//! delivered; anything else, a redirect included (redirects are never followed), is retried
//! with exponential backoff and jitter until `retry-for` (25 h by default) has passed since
//! the call ended. Rows survive restarts: the worker picks them up on the next start.
//!
//! Deliveries run side by side, [`PARALLEL`] at most and [`PER_RECEIVER`] at most per
//! receiver, with no batch barrier: a slot freed by one receiver is taken by the next due
//! row at once, so one slow or dead receiver cannot delay the others.
//!
//! Unless `[callbacks] allow-private-networks` is set, a receiver's name is resolved by
//! [`PublicOnly`], which hands the connection only the public addresses among the answers:
//! the address checked is the address connected to, so a DNS answer that changes between a
//! check and the connection (rebinding) cannot reach an internal service.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tracing::{Instrument, debug, info, info_span, warn};

use crate::config::CallbacksConfig;
use crate::event::to_ms;
use crate::guard;
use crate::metrics::Metrics;
use crate::store::{Attempt, OutboxItem, OutboxSkip, Store};

/// Header carrying `sha256=<hex>` of the timestamp and the raw body.
pub const SIGNATURE_HEADER: &str = "X-Voice-OTP-Signature";
/// Header carrying the Unix time (seconds) of the attempt; it is signed.
pub const TIMESTAMP_HEADER: &str = "X-Voice-OTP-Timestamp";

/// Deliveries attempted at once, in all.
const PARALLEL: usize = 16;
/// Deliveries attempted at once to one receiver (URL authority).
const PER_RECEIVER: usize = 4;
/// Finished deliveries are kept this long (for inspection), then deleted; CDRs stay.
const KEEP_FINISHED: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often old deliveries are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// How often an attempt whose recording failed is written again. Until it is, its row
/// is not delivered again, so a broken store cannot turn into a loop of POSTs.
const RECORD_RETRY: Duration = Duration::from_secs(1);
/// The status recorded for a delivery refused by the address check.
const NOT_ALLOWED: &str = "address not allowed";

/// `sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`, the value of
/// [`SIGNATURE_HEADER`] for an attempt whose [`TIMESTAMP_HEADER`] is `timestamp`. Signing
/// the timestamp lets a receiver refuse a captured callback replayed later.
pub fn sign(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Delay before retry number `attempts` (1 = first retry): doubling from `initial`, capped
/// at `max`, then drawn uniformly from its upper half so that many failing receivers do not
/// retry in lockstep.
pub(crate) fn backoff(cfg: &CallbacksConfig, attempts: u32, rng: &mut impl Rng) -> Duration {
    let exp = attempts.saturating_sub(1).min(30);
    let full = cfg
        .initial_backoff
        .saturating_mul(1u32 << exp)
        .min(cfg.max_backoff);
    let half = full / 2;
    let extra_ms = rng.random_range(0..=u64::try_from(half.as_millis()).unwrap_or(u64::MAX));
    half + Duration::from_millis(extra_ms)
}

/// Every address a receiver's name resolved to is non-public.
#[derive(Debug, thiserror::Error)]
#[error("address not allowed")]
struct AddressNotAllowed;

/// The resolver of the callback client when private networks are not allowed: the system
/// resolver, with non-public answers dropped.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(public_addresses(name.as_str().to_owned()))
    }
}

/// The public addresses `host` resolves to; [`AddressNotAllowed`] when there are none.
async fn public_addresses(
    host: String,
) -> Result<reqwest::dns::Addrs, Box<dyn std::error::Error + Send + Sync>> {
    let all = tokio::net::lookup_host((host.as_str(), 0)).await?;
    let public: Vec<SocketAddr> = all
        .filter(|a| guard::non_public(a.ip()).is_none())
        .collect();
    if public.is_empty() {
        return Err(Box::new(AddressNotAllowed));
    }
    Ok(Box::new(public.into_iter()))
}

/// The HTTP client of the callback worker: no redirects, and unless `allow-private-networks`
/// only public addresses.
pub(crate) fn client(cfg: &CallbacksConfig) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .timeout(cfg.timeout)
        .user_agent(concat!("voice-otp/", env!("CARGO_PKG_VERSION")))
        // A redirect would send the event (and the next requests) wherever the receiver
        // says, past the address check.
        .redirect(reqwest::redirect::Policy::none());
    if !cfg.allow_private_networks {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    builder.build()
}

/// Whether `error` (or anything it was caused by) is the address check's refusal.
fn refused_address(error: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<AddressNotAllowed>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The background task that drains the outbox.
pub(crate) struct CallbackWorker {
    pub(crate) store: Store,
    pub(crate) metrics: Metrics,
    pub(crate) config: CallbacksConfig,
    pub(crate) client: reqwest::Client,
    pub(crate) wake: Arc<Notify>,
}

/// An attempt made but not yet written to the store.
struct Unrecorded {
    id: i64,
    status: String,
    attempt: Attempt,
}

/// What the run loop knows of deliveries in flight.
#[derive(Default)]
struct InFlight {
    /// Row id -> receiver, for rows being delivered.
    rows: HashMap<i64, String>,
    /// Deliveries in flight per receiver.
    per_receiver: HashMap<String, usize>,
    /// Attempts whose recording failed, to be written again; their rows are not due.
    unrecorded: HashMap<i64, Unrecorded>,
}

impl InFlight {
    fn skip(&self) -> OutboxSkip {
        OutboxSkip {
            ids: self
                .rows
                .keys()
                .chain(self.unrecorded.keys())
                .copied()
                .collect(),
            receivers: self
                .per_receiver
                .iter()
                .filter(|(_, n)| **n >= PER_RECEIVER)
                .map(|(r, _)| r.clone())
                .collect(),
        }
    }

    fn start(&mut self, item: &OutboxItem) -> bool {
        if self.rows.len() >= PARALLEL
            || self.per_receiver.get(&item.receiver).copied().unwrap_or(0) >= PER_RECEIVER
        {
            return false;
        }
        *self.per_receiver.entry(item.receiver.clone()).or_default() += 1;
        self.rows.insert(item.id, item.receiver.clone());
        true
    }

    fn finish(&mut self, id: i64, unrecorded: Option<Unrecorded>) {
        if let Some(receiver) = self.rows.remove(&id)
            && let Some(n) = self.per_receiver.get_mut(&receiver)
        {
            *n -= 1;
            if *n == 0 {
                self.per_receiver.remove(&receiver);
            }
        }
        if let Some(u) = unrecorded {
            self.unrecorded.insert(u.id, u);
        }
    }
}

impl CallbackWorker {
    /// Runs until `stop` turns true, then starts what is due once more and lets the
    /// deliveries in flight finish.
    pub(crate) async fn run(self, mut stop: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let mut last_prune: Option<Instant> = None;
        let mut last_record: Option<Instant> = None;
        let mut state = InFlight::default();
        let mut tasks: JoinSet<(i64, Option<Unrecorded>)> = JoinSet::new();
        while !*stop.borrow() {
            if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                last_prune = Some(Instant::now());
                this.prune().await;
            }
            if !state.unrecorded.is_empty()
                && last_record.is_none_or(|t| t.elapsed() >= RECORD_RETRY)
            {
                last_record = Some(Instant::now());
                this.record_again(&mut state.unrecorded).await;
            }
            let wake = this.wake.notified();
            match this.start_due(&mut state, &mut tasks).await {
                Some(false) => {}
                // The receiver that filled up is now left out of the query: look again.
                Some(true) => continue,
                None => {
                    // Not in a tight loop: look again in a second.
                    sleep_for(Some(Duration::from_secs(1))).await;
                    continue;
                }
            }
            let Some(wait) = this.next_wait(&state, tasks.is_empty()).await else {
                continue;
            };
            let mut wait = wait.map(|w| w.min(Duration::from_secs(60)));
            if !state.unrecorded.is_empty() {
                wait = Some(wait.map_or(RECORD_RETRY, |w| w.min(RECORD_RETRY)));
            }
            tokio::select! {
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Ok((id, unrecorded)) = done {
                        state.finish(id, unrecorded);
                    }
                }
                _ = wake => {}
                _ = sleep_for(wait) => {}
                _ = stop.changed() => {}
            }
        }
        // The calls a shutdown ends store their outcomes before `stop` turns: this last
        // look sends their callbacks now, instead of leaving them to whichever node starts
        // next (their wake-up may have come after `stop`).
        let _ = this.start_due(&mut state, &mut tasks).await;
        while let Some(done) = tasks.join_next().await {
            if let Ok((id, unrecorded)) = done {
                state.finish(id, unrecorded);
            }
        }
        this.record_again(&mut state.unrecorded).await;
    }

    /// Starts the due deliveries that have a free slot. `Some(true)` when a due row was
    /// left for a receiver that filled up meanwhile, `None` when the outbox is unreadable.
    async fn start_due(
        self: &Arc<Self>,
        state: &mut InFlight,
        tasks: &mut JoinSet<(i64, Option<Unrecorded>)>,
    ) -> Option<bool> {
        let free = PARALLEL.saturating_sub(state.rows.len());
        if free == 0 {
            return Some(false);
        }
        let now = to_ms(SystemTime::now());
        let limit = u32::try_from(free).unwrap_or(u32::MAX);
        let due = match self
            .store
            .due_callbacks(now, limit, state.skip(), lease_ms(&self.config))
            .await
        {
            Ok(d) => d,
            Err(e) => {
                warn!(error = %e, "callback outbox unreadable");
                return None;
            }
        };
        let mut skipped = false;
        for item in due {
            if !state.start(&item) {
                skipped = true;
                continue;
            }
            let worker = Arc::clone(self);
            let span = info_span!("callback", call_id = %item.call_id);
            tasks.spawn(async move { worker.deliver(item).await }.instrument(span));
        }
        Some(skipped)
    }

    /// How long to sleep before the next row outside `state` is due: `Some(None)` until a
    /// delivery finishes (one is due but no slot is free), `None` to look again at once.
    async fn next_wait(&self, state: &InFlight, idle: bool) -> Option<Option<Duration>> {
        match self.store.next_callback_due(state.skip()).await {
            Ok(Some(t)) => {
                let now = to_ms(SystemTime::now());
                if t <= now && idle {
                    return None;
                }
                let ms = u64::try_from(t - now).unwrap_or(0);
                Some((t > now).then(|| Duration::from_millis(ms)))
            }
            Ok(None) => Some(Some(Duration::from_secs(60))),
            Err(e) => {
                warn!(error = %e, "callback outbox unreadable");
                Some(Some(Duration::from_secs(1)))
            }
        }
    }

    /// Deletes finished deliveries older than [`KEEP_FINISHED`].
    async fn prune(&self) {
        let before =
            to_ms(SystemTime::now()) - i64::try_from(KEEP_FINISHED.as_millis()).unwrap_or(0);
        match self.store.prune_outbox(before).await {
            Ok(0) => {}
            Ok(n) => debug!(rows = n, "pruned finished callback deliveries"),
            Err(e) => warn!(error = %e, "could not prune the callback outbox"),
        }
    }

    /// Writes the attempts whose recording failed; those that fail again stay.
    async fn record_again(&self, unrecorded: &mut HashMap<i64, Unrecorded>) {
        let ids: HashSet<i64> = unrecorded.keys().copied().collect();
        for id in ids {
            let Some(u) = unrecorded.remove(&id) else {
                continue;
            };
            if let Err(e) = self
                .store
                .record_attempt(u.id, u.status.clone(), u.attempt)
                .await
            {
                debug!(error = %e, "a callback attempt still cannot be recorded");
                unrecorded.insert(id, u);
            }
        }
    }

    /// One attempt: POST, then record the result. Returns the row id and, if recording
    /// failed, the attempt to record again.
    async fn deliver(&self, item: OutboxItem) -> (i64, Option<Unrecorded>) {
        let (status, attempt) = match self.post(&item).await {
            Ok(code) => {
                info!(
                    status = code,
                    attempts = item.attempts + 1,
                    "callback delivered"
                );
                self.metrics.callback_delivered();
                let now = to_ms(SystemTime::now());
                (format!("HTTP {code}"), Attempt::Delivered { at_ms: now })
            }
            Err(reason) => {
                let attempt = self.failed(&item, &reason);
                (reason, attempt)
            }
        };
        match self
            .store
            .record_attempt(item.id, status.clone(), attempt)
            .await
        {
            Ok(()) => (item.id, None),
            Err(e) => {
                warn!(error = %e, "could not record a callback attempt");
                let retry = Unrecorded {
                    id: item.id,
                    status,
                    attempt,
                };
                (item.id, Some(retry))
            }
        }
    }

    /// Sends the event; the status code of a 2xx, or why the attempt failed. reqwest's own
    /// messages name the URL and the cause, never the body, but are not needed either.
    async fn post(&self, item: &OutboxItem) -> Result<u16, String> {
        if !self.config.allow_private_networks {
            // Rows stored before the check existed, or under another config: a literal
            // address never reaches the resolver.
            let url = reqwest::Url::parse(&item.url).map_err(|_| "request failed".to_owned())?;
            if guard::check_callback_host(&url).is_err() {
                return Err(NOT_ALLOWED.to_owned());
            }
        }
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut req = self
            .client
            .post(&item.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .body(item.body.clone());
        if !self.config.secret.is_empty() {
            req = req.header(
                SIGNATURE_HEADER,
                sign(
                    self.config.secret.as_bytes(),
                    timestamp,
                    item.body.as_bytes(),
                ),
            );
        }
        let reason = match req.send().await {
            Ok(resp) if resp.status().is_success() => return Ok(resp.status().as_u16()),
            Ok(resp) if resp.status().is_redirection() => {
                format!(
                    "HTTP {} (redirects are not followed)",
                    resp.status().as_u16()
                )
            }
            Ok(resp) => format!("HTTP {}", resp.status().as_u16()),
            Err(e) if refused_address(&e) => NOT_ALLOWED.to_owned(),
            Err(e) if e.is_timeout() => "timeout".to_owned(),
            Err(e) if e.is_connect() => "connection failed".to_owned(),
            Err(_) => "request failed".to_owned(),
        };
        Err(reason)
    }

    /// What to record after a failed attempt: a retry, or giving up when `retry-for` has
    /// passed or the address was refused (it is not retried: retrying would only probe
    /// the name again and again).
    fn failed(&self, item: &OutboxItem, reason: &str) -> Attempt {
        self.metrics.callback_failed_attempt();
        let now = to_ms(SystemTime::now());
        let deadline =
            item.created_ms + i64::try_from(self.config.retry_for.as_millis()).unwrap_or(i64::MAX);
        if now >= deadline || reason == NOT_ALLOWED {
            warn!(%reason, attempts = item.attempts + 1, "callback given up");
            self.metrics.callback_given_up();
            return Attempt::GaveUp;
        }
        let delay = backoff(&self.config, item.attempts + 1, &mut rand::rng());
        let next_ms =
            (now + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2)).min(deadline);
        debug!(%reason, retry_in_ms = next_ms - now, "callback failed");
        Attempt::Retry { next_ms }
    }
}

/// How long a claimed delivery stays this node's (PostgreSQL): the request timeout plus
/// [`LEASE_MARGIN`] for the connect, the recording and a busy database, so that a live node
/// records its attempt before the lease runs out, and a node killed mid-delivery holds the
/// row no longer than that before another node delivers it.
fn lease_ms(cfg: &CallbacksConfig) -> i64 {
    i64::try_from((cfg.timeout + LEASE_MARGIN).as_millis()).unwrap_or(i64::MAX / 4)
}

/// See [`lease_ms`].
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// Sleeps for `wait`, or forever without one.
async fn sleep_for(wait: Option<Duration>) {
    match wait {
        Some(w) => tokio::time::sleep(w).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn signature_is_hmac_sha256_hex_of_timestamp_dot_body() {
        // RFC 4231 test case 2, its data split as "<timestamp>." + body.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1764633600.what do ya want for nothing?");
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(
            sign(b"Jefe", 1_764_633_600, b"what do ya want for nothing?"),
            expected
        );
        assert_ne!(
            sign(b"Jefe", 1_764_633_601, b"what do ya want for nothing?"),
            expected,
            "another timestamp, another signature"
        );
    }

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let cfg = crate::config::Config::default().callbacks;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for attempt in 1..40 {
            let full = cfg
                .initial_backoff
                .saturating_mul(1 << (attempt - 1).min(30))
                .min(cfg.max_backoff);
            let d = backoff(&cfg, attempt, &mut rng);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }
}
