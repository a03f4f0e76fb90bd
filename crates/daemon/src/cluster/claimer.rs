//! The claimer: how a node takes calls from the shared work queue (PostgreSQL).
//!
//! An accepting node stores each call with its sealed spec as `queued` and `NOTIFY`s
//! [`QUEUE_CHANNEL`] in the same transaction. Every node runs one claimer: it holds as many
//! call slots as are free, claims up to that many queued calls (`FOR UPDATE SKIP LOCKED`,
//! so racing nodes never get the same call and never wait on each other), and hands each
//! to [`CallQueue::launch_claimed`] with its slot. It wakes on the channel (a connection of
//! its own, `LISTEN`ing) and polls every [`POLL_EVERY`] as a backstop for a lost
//! notification or connection.
//!
//! Each claimed call's spec is opened with the cluster key (a spec that cannot be opened is
//! recorded as Failed, 11, with a reason that names nothing of it), then the claim becomes
//! `dialling` only if it is still this node's: a survivor that took this node for lost may
//! have released it meanwhile, and then it is not dialled here. On shutdown the claimer
//! stops and gives its not yet dialled claims back to the queue.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{Notify, watch};
use tokio_postgres::{AsyncMessage, NoTls};
use tracing::{debug, info, warn};
use voice_otp_call::{CallOutcome, ResultCode};

use super::sealed::SealKey;
use crate::calls::{CallQueue, Prepared};
use crate::store::{ClaimedCall, PgStore, QUEUE_CHANNEL};

/// How often the queue is looked at without a notification.
pub(crate) const POLL_EVERY: Duration = Duration::from_secs(1);

/// At most this many calls are claimed in one round trip.
const MAX_BATCH: usize = 32;

/// How long to wait before connecting again when the `LISTEN` connection failed.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// The reason recorded for a call whose sealed spec could not be opened (wrong cluster
/// secret on this node, or a damaged row): it names nothing of the spec.
pub(crate) const UNREADABLE_SPEC: &str = "call spec could not be opened";

/// Claims and runs queued calls until the queue's shutdown begins, then releases the
/// claims not yet dialled.
pub(crate) async fn run(queue: Arc<CallQueue>, store: PgStore, key: SealKey) {
    let wake = Arc::new(Notify::new());
    let listener = tokio::spawn(listen(store.connect_config().clone(), Arc::clone(&wake)));
    let mut shutdown = queue.shutdown_signal();
    let slots = queue.slots();
    loop {
        // One free slot at least, then every other slot free now.
        let first = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = shutdown.wait_for(|s| *s) => break,
        };
        if *shutdown.borrow() {
            break;
        }
        let mut permits = vec![first];
        while permits.len() < MAX_BATCH {
            match Arc::clone(&slots).try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        let want = u32::try_from(permits.len()).unwrap_or(1);
        let claimed = match store.claim_queued(want).await {
            Ok(c) => c,
            Err(e) => {
                warn!(error = %e, "store: queued calls not claimed");
                Vec::new()
            }
        };
        let more = claimed.len() == permits.len();
        if !claimed.is_empty() {
            debug!(calls = claimed.len(), "claimed queued calls");
        }
        for call in claimed {
            let Some(permit) = permits.pop() else {
                break;
            };
            let id = call.call_id.clone();
            let prepared = prepare(store.clone(), key.clone(), call, queue.shutdown_signal());
            queue.launch_claimed(id, permit, prepared);
        }
        drop(permits);
        if more {
            // Every slot found a call: there may be more waiting.
            continue;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(POLL_EVERY) => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
    }
    listener.abort();
    match store.release_claimed(None).await {
        Ok(0) => {}
        Ok(n) => info!(calls = n, "stopping: claimed calls given back to the queue"),
        Err(e) => {
            warn!(error = %e, "store: claimed calls not given back (the next start or a survivor will)")
        }
    }
}

/// Opens a claimed call's spec and turns the claim into `dialling`, if it is still ours.
async fn prepare(
    store: PgStore,
    key: SealKey,
    call: ClaimedCall,
    shutdown: watch::Receiver<bool>,
) -> Prepared {
    let spec = match key.open(&call.call_id, &call.sealed) {
        Ok(spec) => spec,
        Err(e) => {
            warn!(error = %e, "a queued call cannot be opened with this node's cluster secret: recorded as failed");
            let now = SystemTime::now();
            return Prepared::Fail(CallOutcome::not_dialled(
                ResultCode::Failed,
                now,
                now,
                UNREADABLE_SPEC,
            ));
        }
    };
    if *shutdown.borrow() {
        release(&store, &call.call_id).await;
        return Prepared::Drop;
    }
    match store.start_dialling(&call.call_id).await {
        Ok(true) => Prepared::Dial(Box::new(spec)),
        Ok(false) => {
            info!("claimed call no longer this node's (released or ended): not dialled");
            Prepared::Drop
        }
        Err(e) => {
            warn!(error = %e, "store: claimed call not marked dialling: given back");
            release(&store, &call.call_id).await;
            Prepared::Drop
        }
    }
}

async fn release(store: &PgStore, call_id: &str) {
    if let Err(e) = store.release_claimed(Some(call_id)).await {
        warn!(error = %e, "store: a claimed call not given back (the next start or a survivor will)");
    }
}

/// Keeps a connection `LISTEN`ing on [`QUEUE_CHANNEL`] and wakes the claimer on each
/// notification (and after each connect, for what was queued while not listening).
async fn listen(config: tokio_postgres::Config, wake: Arc<Notify>) {
    loop {
        match config.connect(NoTls).await {
            Ok((client, mut connection)) => {
                let notified = Arc::clone(&wake);
                let driver = tokio::spawn(async move {
                    loop {
                        match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                            Some(Ok(AsyncMessage::Notification(_))) => notified.notify_one(),
                            Some(Ok(_)) => {}
                            Some(Err(e)) => {
                                debug!(error = %e, "store: the queue's LISTEN connection failed");
                                return;
                            }
                            None => return,
                        }
                    }
                });
                match client
                    .batch_execute(&format!("LISTEN {QUEUE_CHANNEL}"))
                    .await
                {
                    Ok(()) => {
                        wake.notify_one();
                        // The client stays alive as long as the connection runs.
                        let _ = driver.await;
                    }
                    Err(e) => {
                        debug!(error = %e, "store: LISTEN failed");
                        driver.abort();
                    }
                }
                drop(client);
            }
            Err(e) => debug!(error = %e, "store: the queue's LISTEN connection not made"),
        }
        tokio::time::sleep(RELISTEN_AFTER).await;
    }
}
