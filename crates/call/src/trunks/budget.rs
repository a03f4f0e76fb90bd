//! Call budgets of the trunks: how many INVITEs per second and how many calls at once each
//! trunk takes. Behind [`TrunkBudget`] so that a budget shared by several nodes (one
//! database) can replace the in-process [`LocalBudget`].

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::TrunkLimits;

/// How long one INVITE holds its calls-per-second slot: a second, plus a guard for the time
/// between the grant and the datagram reaching the trunk (task scheduling, a busy
/// machine), so that `max-cps + 1` INVITEs never land in one second at the trunk even when
/// an early one was sent late.
pub const CPS_SLOT: Duration = Duration::from_millis(1100);

/// Whether a trunk took the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// One INVITE of the trunk's rate and one of its concurrent calls are taken; give the
    /// concurrent call back with [`TrunkBudget::release`] when it ends.
    Granted,
    /// No budget left now.
    Denied {
        /// When the rate budget frees a slot; `None` when only a call ending frees one
        /// (concurrency), which [`TrunkBudget::release`] signals.
        retry_at: Option<Instant>,
    },
}

/// Why a budget could not answer (a shared store that is unreachable, say).
#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    /// The store holding the shared budget failed; the call waits and asks again.
    #[error("trunk budget store: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What [`TrunkBudget::try_acquire`] returns: a future, so that a budget kept in a
/// database can answer asynchronously.
pub type AcquireFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Admission, BudgetError>> + Send + 'a>>;

/// The call budgets of every trunk. `now` comes from the caller (virtual time in tests);
/// an implementation shared between nodes may use its store's clock instead, as long as
/// it keeps the same bound: at most `max_cps` grants of a trunk in any [`CPS_SLOT`].
pub trait TrunkBudget: Send + Sync + 'static {
    /// Takes one call of `trunk`'s budget at `now`, if it has one left: an INVITE of its
    /// calls-per-second and a concurrent call.
    fn try_acquire<'a>(&'a self, trunk: &'a TrunkLimits, now: Instant) -> AcquireFuture<'a>;

    /// Gives back the concurrent call of an earlier grant (the call ended or its attempt
    /// failed). Called from `Drop`, so it must not block: a shared implementation queues
    /// the release for its own task.
    fn release(&self, trunk: &TrunkLimits);
}

/// One trunk's state in the local budget.
#[derive(Debug, Default)]
struct TrunkState {
    /// When each INVITE still holding a rate slot was granted, oldest first.
    recent: VecDeque<Instant>,
    /// Calls granted and not yet released.
    active: u32,
}

/// The in-process budget of one node: a sliding window per trunk for the rate and a
/// counter for concurrency. Sans-IO: [`LocalBudget::take`] is the whole logic, with `now`
/// passed in.
#[derive(Debug)]
pub struct LocalBudget {
    state: Mutex<Vec<TrunkState>>,
}

impl LocalBudget {
    /// A budget for `trunks` trunks, indexed as [`TrunkLimits::index`], all unused.
    pub fn new(trunks: usize) -> Self {
        LocalBudget {
            state: Mutex::new((0..trunks).map(|_| TrunkState::default()).collect()),
        }
    }

    /// The synchronous core of [`TrunkBudget::try_acquire`].
    pub fn take(&self, trunk: &TrunkLimits, now: Instant) -> Admission {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(s) = state.get_mut(trunk.index) else {
            return Admission::Denied { retry_at: None };
        };
        while s
            .recent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= CPS_SLOT)
        {
            s.recent.pop_front();
        }
        if trunk.max_concurrent.is_some_and(|max| s.active >= max) {
            return Admission::Denied { retry_at: None };
        }
        if let Some(max) = trunk.max_cps
            && s.recent.len() >= max as usize
        {
            let retry_at = s.recent.front().map(|t| *t + CPS_SLOT);
            return Admission::Denied { retry_at };
        }
        if trunk.max_cps.is_some() {
            s.recent.push_back(now);
        }
        s.active += 1;
        Admission::Granted
    }

    /// Calls granted on `trunk` and not yet released.
    pub fn active(&self, trunk: &TrunkLimits) -> u32 {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.get(trunk.index).map_or(0, |s| s.active)
    }
}

impl TrunkBudget for LocalBudget {
    fn try_acquire<'a>(&'a self, trunk: &'a TrunkLimits, now: Instant) -> AcquireFuture<'a> {
        let admission = self.take(trunk, now);
        Box::pin(std::future::ready(Ok(admission)))
    }

    fn release(&self, trunk: &TrunkLimits) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(s) = state.get_mut(trunk.index) {
            s.active = s.active.saturating_sub(1);
        }
    }
}
