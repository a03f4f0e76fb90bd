//! Runs accepted calls: one task per callee, at most `max-concurrent` executing at once
//! (the rest wait in FIFO order, never refused), live state kept for `GET /v1/calls/{id}`,
//! and each outcome stored together with its callback.
//!
//! In cluster mode the accepted calls wait in the store's shared queue instead
//! ([`crate::cluster::claimer`]): a node claims them when it has a free slot and runs each
//! through [`CallQueue::launch_claimed`], the same execute-and-record path.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use dashmap::DashMap;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tracing::{Instrument, debug, error, info, info_span, warn};
use voice_otp_call::{CallExecutor, CallOutcome, CallSpec, LiveState, ResultCode};

use crate::cluster::sealed::SealKey;
use crate::event::{StoredOutcome, to_ms};
use crate::metrics::Metrics;
use crate::store::Store;

/// The first wait before an outcome that could not be stored is written again; it doubles
/// up to [`OUTCOME_RETRY_MAX`].
const OUTCOME_RETRY_FIRST: Duration = Duration::from_millis(100);
const OUTCOME_RETRY_MAX: Duration = Duration::from_secs(5);
/// How long a stopping daemon keeps retrying an outcome it could not store.
const OUTCOME_RETRY_AT_SHUTDOWN: Duration = Duration::from_secs(10);

/// Everything a call task needs; shared by the API and the tasks.
pub(crate) struct CallQueue {
    pub(crate) store: Store,
    pub(crate) metrics: Metrics,
    executor: Arc<dyn CallExecutor>,
    live: Arc<DashMap<String, LiveState>>,
    slots: Arc<Semaphore>,
    accepting: AtomicBool,
    shutdown_tx: watch::Sender<bool>,
    inflight: AtomicUsize,
    idle: Notify,
    /// Woken when a callback was enqueued.
    pub(crate) callbacks_wake: Arc<Notify>,
    /// Cluster mode: the key that seals call specs for the shared queue. With it, accepted
    /// calls are queued in the store, not launched here.
    pub(crate) seal: Option<SealKey>,
}

/// What a claimed call turned out to be once its spec was opened and its claim checked.
pub(crate) enum Prepared {
    /// Still this node's: dial it.
    Dial(Box<CallSpec>),
    /// It cannot be placed: record this outcome (and its callback).
    Fail(CallOutcome),
    /// No longer this node's (released, taken over or ended): nothing to do.
    Drop,
}

impl CallQueue {
    pub(crate) fn new(
        store: Store,
        metrics: Metrics,
        executor: Arc<dyn CallExecutor>,
        max_concurrent: usize,
        callbacks_wake: Arc<Notify>,
        seal: Option<SealKey>,
    ) -> Self {
        let (shutdown_tx, _) = watch::channel(false);
        CallQueue {
            store,
            metrics,
            executor,
            live: Arc::new(DashMap::new()),
            slots: Arc::new(Semaphore::new(max_concurrent)),
            accepting: AtomicBool::new(true),
            shutdown_tx,
            inflight: AtomicUsize::new(0),
            idle: Notify::new(),
            callbacks_wake,
            seal,
        }
    }

    /// The call slots, for the claimer: it claims calls only for slots it holds.
    pub(crate) fn slots(&self) -> Arc<Semaphore> {
        Arc::clone(&self.slots)
    }

    /// Turns true when shutdown begins.
    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown_tx.subscribe()
    }

    /// Runs a call this node claimed from the shared queue, holding `permit` (one slot):
    /// `prepare` opens its spec and turns the claim into `dialling`; then the call is
    /// executed and recorded like a launched one. Shutdown waits for it.
    pub(crate) fn launch_claimed<F>(
        self: &Arc<Self>,
        call_id: String,
        permit: OwnedSemaphorePermit,
        prepare: F,
    ) where
        F: Future<Output = Prepared> + Send + 'static,
    {
        self.begin(&call_id);
        let queue = Arc::clone(self);
        let span = info_span!("call", call_id = %call_id);
        tokio::spawn(
            async move {
                // Counted as accepted by the node that runs it (or records its failure),
                // so a claim given back is counted nowhere twice.
                let ended = match prepare.await {
                    Prepared::Dial(spec) => {
                        queue.metrics.call_accepted();
                        info!(kind = ?spec.kind, "claimed call placed");
                        Some((queue.execute(*spec).await, true))
                    }
                    Prepared::Fail(outcome) => {
                        queue.metrics.call_accepted();
                        Some((outcome, false))
                    }
                    Prepared::Drop => None,
                };
                drop(permit);
                if let Some((outcome, was_active)) = ended {
                    queue.record(&call_id, &outcome, was_active).await;
                }
                queue.end(&call_id);
            }
            .instrument(span),
        );
    }

    /// False once shutdown has begun: new instructions get 503.
    pub(crate) fn accepting(&self) -> bool {
        self.accepting.load(Ordering::SeqCst)
    }

    /// Live state of a call that has not ended yet.
    pub(crate) fn live_state(&self, call_id: &str) -> Option<LiveState> {
        self.live.get(call_id).map(|s| *s)
    }

    /// Starts one task per spec. The calls must already be in the store.
    pub(crate) fn launch(self: &Arc<Self>, specs: Vec<CallSpec>) {
        for spec in specs {
            self.metrics.call_accepted();
            self.begin(&spec.call_id);
            let queue = Arc::clone(self);
            let span = info_span!("call", call_id = %spec.call_id);
            tokio::spawn(async move { queue.run(spec).await }.instrument(span));
        }
    }

    /// One call from queued to stored: waits for a slot (or shutdown), executes, records.
    async fn run(self: Arc<Self>, spec: CallSpec) {
        let call_id = spec.call_id.clone();
        let mut shutdown = self.shutdown_tx.subscribe();
        info!(kind = ?spec.kind, "call queued");
        // The callee's number is personal data: only at debug level.
        debug!(callee = %spec.callee, "callee");
        let permit = if *shutdown.borrow() {
            None
        } else {
            tokio::select! {
                p = Arc::clone(&self.slots).acquire_owned() => p.ok(),
                _ = shutdown.wait_for(|s| *s) => None,
            }
        };
        let (outcome, was_active) = match permit {
            None => {
                let now = SystemTime::now();
                info!("daemon stopping: call never dialled");
                let outcome = CallOutcome::not_dialled(
                    ResultCode::Cancelled,
                    now,
                    now,
                    "daemon shutting down",
                );
                (outcome, false)
            }
            Some(permit) => {
                let outcome = self.execute(spec).await;
                drop(permit);
                (outcome, true)
            }
        };
        self.record(&call_id, &outcome, was_active).await;
        self.end(&call_id);
    }

    /// A call this node now answers for: live (as queued) and counted by shutdown until
    /// [`Self::end`].
    fn begin(&self, call_id: &str) {
        self.live.insert(call_id.to_owned(), LiveState::Queued);
        self.inflight.fetch_add(1, Ordering::SeqCst);
    }

    /// The call is recorded or given back: no longer live; the last one wakes shutdown.
    fn end(&self, call_id: &str) {
        self.live.remove(call_id);
        if self.inflight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Places the call with the executor, holding a slot, and keeps its live state current.
    async fn execute(&self, spec: CallSpec) -> CallOutcome {
        self.metrics.call_started();
        self.live.insert(spec.call_id.clone(), LiveState::Dialling);
        let live = Arc::clone(&self.live);
        let id = spec.call_id.clone();
        // Live state only: the answer latency reaches the metrics from the runner (its
        // `CallObserver`), which knows when the INVITE went out.
        let progress: voice_otp_call::ProgressFn = Box::new(move |state| {
            if let Some(mut entry) = live.get_mut(&id) {
                *entry = state;
            }
        });
        let started = SystemTime::now();
        let fut = self
            .executor
            .execute(spec, progress, self.shutdown_tx.subscribe());
        // Its own task, so a panicking runner still leaves a CDR and a callback.
        match tokio::spawn(fut.in_current_span()).await {
            Ok(outcome) => outcome,
            Err(_) => {
                error!("call runner panicked; recording the call as failed");
                CallOutcome::not_dialled(
                    ResultCode::Failed,
                    started,
                    SystemTime::now(),
                    "internal error",
                )
            }
        }
    }

    /// Counts and logs the end of a call, and stores its outcome with its callback.
    async fn record(&self, call_id: &str, outcome: &CallOutcome, was_active: bool) {
        self.metrics.call_ended(outcome.result, was_active);
        info!(
            result = outcome.result.code(),
            sip_code = outcome.sip_code,
            readings = outcome.code_read_count,
            replays = outcome.replays,
            "call ended"
        );
        self.store_outcome(call_id, StoredOutcome::from(outcome))
            .await;
    }

    /// Stores the outcome with its callback, retrying while the store fails (a database
    /// restarting, a lock held too long): the call record is not dropped on a transient
    /// error. Once shutdown has begun it gives up after [`OUTCOME_RETRY_AT_SHUTDOWN`]; the
    /// call then stays open in the store, and the next start (or, in cluster mode, a
    /// surviving node) records it as failed with its callback.
    async fn store_outcome(&self, call_id: &str, stored: StoredOutcome) {
        let mut backoff = OUTCOME_RETRY_FIRST;
        let mut give_up_at = None;
        loop {
            let now = to_ms(SystemTime::now());
            match self
                .store
                .finish_call(call_id.to_owned(), stored.clone(), now)
                .await
            {
                Ok(Some((_, true))) => return self.callbacks_wake.notify_one(),
                Ok(_) => return,
                Err(e) => {
                    error!(error = %e, retry_in = ?backoff, "could not store the call outcome")
                }
            }
            if *self.shutdown_tx.borrow() {
                let at = *give_up_at.get_or_insert(Instant::now() + OUTCOME_RETRY_AT_SHUTDOWN);
                if Instant::now() >= at {
                    return error!(
                        "call outcome not stored before shutdown: the next start records the call as failed"
                    );
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(OUTCOME_RETRY_MAX);
        }
    }

    /// Stops intake, tells live calls to hang up and waits until every outcome is stored.
    pub(crate) async fn shutdown(&self) {
        self.accepting.store(false, Ordering::SeqCst);
        self.shutdown_tx.send_replace(true);
        loop {
            let idle = self.idle.notified();
            let n = self.inflight.load(Ordering::SeqCst);
            if n == 0 {
                break;
            }
            info!(calls = n, "waiting for live calls to end");
            if tokio::time::timeout(std::time::Duration::from_secs(5), idle)
                .await
                .is_err()
            {
                warn!(
                    calls = self.inflight.load(Ordering::SeqCst),
                    "calls still ending"
                );
            }
        }
    }
}
