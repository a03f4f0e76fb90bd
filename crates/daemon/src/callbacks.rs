//! Delivery of finished events from the durable outbox.
//!
//! Every pending row is POSTed as stored (the same bytes on every attempt, so the signature
//! of a retry matches its body). A 2xx marks it delivered; anything else is retried with
//! exponential backoff and jitter until `retry-for` (25 h by default) has passed since the
//! call ended. Rows survive restarts: the worker picks them up on the next start.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tracing::{Instrument, debug, info, info_span, warn};

use crate::config::CallbacksConfig;
use crate::event::to_ms;
use crate::metrics::Metrics;
use crate::store::{Attempt, OutboxItem, Store};

/// Header carrying `sha256=<hex>` of the raw body.
pub const SIGNATURE_HEADER: &str = "X-Voice-OTP-Signature";
/// Header carrying the Unix time (seconds) of the attempt.
pub const TIMESTAMP_HEADER: &str = "X-Voice-OTP-Timestamp";

/// Deliveries attempted at once.
const PARALLEL: usize = 16;
/// Finished deliveries are kept this long (for inspection), then deleted; CDRs stay.
const KEEP_FINISHED: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often old deliveries are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// `sha256=<hex HMAC-SHA256(secret, body)>`, the value of [`SIGNATURE_HEADER`].
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
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

/// The background task that drains the outbox.
pub(crate) struct CallbackWorker {
    pub(crate) store: Store,
    pub(crate) metrics: Metrics,
    pub(crate) config: CallbacksConfig,
    pub(crate) client: reqwest::Client,
    pub(crate) wake: Arc<Notify>,
}

impl CallbackWorker {
    /// Runs until `stop` turns true (finishing the batch in hand).
    pub(crate) async fn run(self, mut stop: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let mut last_prune: Option<std::time::Instant> = None;
        loop {
            if *stop.borrow() {
                break;
            }
            if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                last_prune = Some(std::time::Instant::now());
                let before = to_ms(SystemTime::now())
                    - i64::try_from(KEEP_FINISHED.as_millis()).unwrap_or(0);
                match this.store.prune_outbox(before).await {
                    Ok(0) => {}
                    Ok(n) => debug!(rows = n, "pruned finished callback deliveries"),
                    Err(e) => warn!(error = %e, "could not prune the callback outbox"),
                }
            }
            let wake = this.wake.notified();
            let now = to_ms(SystemTime::now());
            let due = match this.store.due_callbacks(now, 64).await {
                Ok(d) => d,
                Err(e) => {
                    warn!(error = %e, "callback outbox unreadable");
                    Vec::new()
                }
            };
            let had_work = !due.is_empty();
            let mut batch = JoinSet::new();
            for item in due {
                while batch.len() >= PARALLEL {
                    batch.join_next().await;
                }
                let worker = Arc::clone(&this);
                let span = info_span!("callback", call_id = %item.call_id);
                batch.spawn(async move { worker.deliver(item).await }.instrument(span));
            }
            while batch.join_next().await.is_some() {}
            if had_work {
                continue;
            }
            let next = this.store.next_callback_due().await.ok().flatten();
            let now = to_ms(SystemTime::now());
            let wait = next
                .map(|t| Duration::from_millis(u64::try_from(t - now).unwrap_or(0)))
                .unwrap_or(Duration::from_secs(60))
                .min(Duration::from_secs(60));
            tokio::select! {
                _ = wake => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }

    async fn deliver(&self, item: OutboxItem) {
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
                sign(self.config.secret.as_bytes(), item.body.as_bytes()),
            );
        }
        let status = match req.send().await {
            Ok(resp) if resp.status().is_success() => Ok(resp.status().as_u16()),
            Ok(resp) => Err(format!("HTTP {}", resp.status().as_u16())),
            // reqwest's message names the URL and the cause, never the body.
            Err(e) => Err(if e.is_timeout() {
                "timeout".to_owned()
            } else if e.is_connect() {
                "connection failed".to_owned()
            } else {
                "request failed".to_owned()
            }),
        };
        let now = to_ms(SystemTime::now());
        let (text, attempt) = match status {
            Ok(code) => {
                info!(
                    status = code,
                    attempts = item.attempts + 1,
                    "callback delivered"
                );
                self.metrics.callback_delivered();
                (format!("HTTP {code}"), Attempt::Delivered { at_ms: now })
            }
            Err(reason) => {
                self.metrics.callback_failed_attempt();
                let deadline = item.created_ms
                    + i64::try_from(self.config.retry_for.as_millis()).unwrap_or(i64::MAX);
                if now >= deadline {
                    warn!(%reason, attempts = item.attempts + 1, "callback given up");
                    self.metrics.callback_given_up();
                    (reason, Attempt::GaveUp)
                } else {
                    let delay = backoff(&self.config, item.attempts + 1, &mut rand::rng());
                    let next_ms = (now + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2))
                        .min(deadline);
                    debug!(%reason, retry_in_ms = next_ms - now, "callback failed");
                    (reason, Attempt::Retry { next_ms })
                }
            }
        };
        if let Err(e) = self.store.record_attempt(item.id, text, attempt).await {
            warn!(error = %e, "could not record a callback attempt");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
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
