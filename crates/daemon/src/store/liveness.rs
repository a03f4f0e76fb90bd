//! Node liveness in cluster mode: every node writes a heartbeat every
//! [`HEARTBEAT_EVERY`]; a node silent for [`LOST_AFTER`] is lost, and the first survivor
//! to see it records the lost node's un-ended calls as Failed (11) "node lost" and queues
//! their callbacks (one transaction, see [`Store::close_calls_of_node`]), then gives the
//! calls it held on the trunks back to the shared budget.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tracing::{debug, warn};

use super::Store;
use crate::event::to_ms;

/// How often a node says it is alive.
pub(crate) const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// How long a node may be silent before the others take it for dead: three heartbeats.
pub(crate) const LOST_AFTER: Duration = Duration::from_secs(15);

/// One round at `now_ms`: this node's heartbeat, then the calls of every lost node closed.
/// Returns how many calls were closed.
pub(crate) async fn round(store: &Store, now_ms: i64) -> usize {
    if let Err(e) = store.heartbeat(now_ms).await {
        warn!(error = %e, "store: heartbeat not written");
        return 0;
    }
    let timeout_ms = LOST_AFTER.as_millis() as i64;
    let lost = match store.lost_nodes(now_ms, timeout_ms).await {
        Ok(lost) => lost,
        Err(e) => {
            debug!(error = %e, "store: lost nodes not read");
            return 0;
        }
    };
    let mut closed = 0;
    for node in lost {
        match store
            .close_calls_of_node(node.clone(), now_ms, timeout_ms)
            .await
        {
            Ok(0) => {}
            Ok(n) => {
                warn!(node = %node, calls = n, "a node stopped heart-beating: its calls were recorded as failed (node lost)");
                closed += n;
            }
            Err(e) => warn!(node = %node, error = %e, "store: a lost node's calls not closed"),
        }
        // Its calls on the trunks go back to the shared budget (kept if it beat again).
        let since = now_ms - timeout_ms;
        if let Err(e) = store.release_trunk_holds_of_node(&node, Some(since)).await {
            warn!(node = %node, error = %e, "store: a lost node's trunk calls not released");
        }
    }
    closed
}

/// Runs [`round`] every [`HEARTBEAT_EVERY`] until the task is aborted; wakes the callback
/// worker when calls were closed (their callbacks are queued).
pub(crate) async fn run(store: Store, callbacks_wake: Arc<Notify>) {
    let mut every = tokio::time::interval(HEARTBEAT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if round(&store, to_ms(SystemTime::now())).await > 0 {
            callbacks_wake.notify_one();
        }
    }
}
