//! Trunk groups: which trunk a call goes to, and the call budgets that hold it back.
//!
//! A call takes the best trunk with budget left: the lowest `priority` number first, then
//! a weighted random choice among trunks of equal priority, skipping the trunks this call
//! already tried. A trunk has budget while it is under its `max-cps` (INVITEs in any
//! second) and its `max-concurrent` (calls in progress). When no trunk the call may still
//! try has budget, the call waits until one does; it is never refused for lack of budget.
//!
//! The selection is sans-IO ([`TrunkGroup::try_pick`] takes `now`); the budget sits behind
//! [`TrunkBudget`], so a store shared by every node of a cluster can replace the
//! in-process [`LocalBudget`]. [`TrunkGroup::acquire`] is the thin async loop that waits
//! on the tokio clock (virtual in tests) for a pick.
//!
//! ```
//! use std::time::Instant;
//! use voice_otp_call::trunks::{Pick, TrunkGroup, TrunkLimits};
//!
//! # async fn demo() {
//! let group = TrunkGroup::local(
//!     vec![TrunkLimits::new("a").max_cps(5), TrunkLimits::new("b").priority(1)],
//!     Some(7),
//! );
//! match group.try_pick(&[], Instant::now()).await {
//!     Pick::Granted(grant) => assert_eq!(grant.name(), "a"),
//!     other => panic!("{other:?}"),
//! }
//! # }
//! ```

mod budget;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::Notify;
use tracing::warn;

pub use budget::{AcquireFuture, Admission, BudgetError, CPS_SLOT, LocalBudget, TrunkBudget};

/// How long a waiting call sleeps at most before asking the budget again: a shared budget
/// frees slots when calls of other nodes end, which this node hears of only by asking.
pub const MAX_BUDGET_WAIT: Duration = Duration::from_secs(1);

/// One trunk as the selection sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkLimits {
    /// The trunk's name (logs and metrics).
    pub name: String,
    /// Its position in the group (set by [`TrunkGroup::new`]).
    pub index: usize,
    /// Tried before every trunk with a higher number.
    pub priority: u32,
    /// Share of calls among the trunks of its priority (at least 1).
    pub weight: u32,
    /// INVITEs in any second at most; `None`: no limit.
    pub max_cps: Option<u32>,
    /// Calls in progress at most; `None`: no limit.
    pub max_concurrent: Option<u32>,
}

impl TrunkLimits {
    /// A trunk of priority 0 and weight 1 without budget limits.
    pub fn new(name: impl Into<String>) -> Self {
        TrunkLimits {
            name: name.into(),
            index: 0,
            priority: 0,
            weight: 1,
            max_cps: None,
            max_concurrent: None,
        }
    }

    /// With this priority.
    pub fn priority(mut self, priority: u32) -> Self {
        self.priority = priority;
        self
    }

    /// With this weight (0 counts as 1).
    pub fn weight(mut self, weight: u32) -> Self {
        self.weight = weight.max(1);
        self
    }

    /// With this calls-per-second limit.
    pub fn max_cps(mut self, max: u32) -> Self {
        self.max_cps = Some(max);
        self
    }

    /// With this concurrency limit.
    pub fn max_concurrent(mut self, max: u32) -> Self {
        self.max_concurrent = Some(max);
        self
    }
}

/// What one pass of the selection found.
#[derive(Debug)]
pub enum Pick {
    /// The call may go to this trunk; its budget is taken until the grant is dropped.
    Granted(TrunkGrant),
    /// Trunks remain but none has budget now; ask again at `retry_at` (a rate slot
    /// frees), or when a call ends (`None`: only that).
    Wait {
        /// The earliest instant a rate slot frees on a trunk still to try.
        retry_at: Option<Instant>,
    },
    /// The call has tried every trunk.
    Exhausted,
}

/// A trunk's budget taken for one call attempt; dropping it gives the concurrent call
/// back.
pub struct TrunkGrant {
    trunk: TrunkLimits,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for TrunkGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrunkGrant")
            .field("trunk", &self.trunk.name)
            .finish()
    }
}

impl TrunkGrant {
    /// The trunk's position in the group.
    pub fn index(&self) -> usize {
        self.trunk.index
    }

    /// The trunk's name.
    pub fn name(&self) -> &str {
        &self.trunk.name
    }
}

impl Drop for TrunkGrant {
    fn drop(&mut self) {
        self.shared.budget.release(&self.trunk);
        self.shared.released.notify_waiters();
    }
}

/// What the group and its grants share.
struct Shared {
    budget: Arc<dyn TrunkBudget>,
    /// Woken when a grant is dropped, so a waiting call asks again at once.
    released: Notify,
}

/// The trunks of the daemon, their budget and the attempt counters; shared by every call.
pub struct TrunkGroup {
    trunks: Vec<TrunkLimits>,
    shared: Arc<Shared>,
    rng: Mutex<StdRng>,
    /// Attempts by (trunk index, result label).
    attempts: Mutex<BTreeMap<(usize, String), u64>>,
}

impl std::fmt::Debug for TrunkGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrunkGroup")
            .field("trunks", &self.trunks)
            .finish_non_exhaustive()
    }
}

impl TrunkGroup {
    /// A group over `trunks` (indexed in this order) with `budget`; `seed` makes the
    /// weighted choice reproducible (`None`: seeded from the OS).
    pub fn new(trunks: Vec<TrunkLimits>, budget: Arc<dyn TrunkBudget>, seed: Option<u64>) -> Self {
        let trunks = trunks
            .into_iter()
            .enumerate()
            .map(|(index, t)| TrunkLimits {
                index,
                weight: t.weight.max(1),
                ..t
            })
            .collect();
        TrunkGroup {
            trunks,
            shared: Arc::new(Shared {
                budget,
                released: Notify::new(),
            }),
            rng: Mutex::new(seed.map_or_else(StdRng::from_os_rng, StdRng::seed_from_u64)),
            attempts: Mutex::new(BTreeMap::new()),
        }
    }

    /// A group with this node's own [`LocalBudget`].
    pub fn local(trunks: Vec<TrunkLimits>, seed: Option<u64>) -> Self {
        let budget = Arc::new(LocalBudget::new(trunks.len()));
        TrunkGroup::new(trunks, budget, seed)
    }

    /// The trunks, in configuration order.
    pub fn trunks(&self) -> &[TrunkLimits] {
        &self.trunks
    }

    /// The order in which a call that has tried `tried` asks the trunks for budget:
    /// ascending priority, and within one priority a weighted draw without replacement.
    pub fn order(&self, tried: &[usize]) -> Vec<usize> {
        let mut left: Vec<&TrunkLimits> = self
            .trunks
            .iter()
            .filter(|t| !tried.contains(&t.index))
            .collect();
        left.sort_by_key(|t| t.priority);
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        let mut order = Vec::with_capacity(left.len());
        for level in left.chunk_by(|a, b| a.priority == b.priority) {
            let mut pool: Vec<&TrunkLimits> = level.to_vec();
            while !pool.is_empty() {
                let total: u64 = pool.iter().map(|t| u64::from(t.weight)).sum();
                let mut ticket = rng.random_range(0..total);
                let at = pool
                    .iter()
                    .position(|t| {
                        let w = u64::from(t.weight);
                        if ticket < w {
                            true
                        } else {
                            ticket -= w;
                            false
                        }
                    })
                    .unwrap_or(0);
                order.push(pool.swap_remove(at).index);
            }
        }
        order
    }

    /// One pass of the selection at `now`: the first trunk in [`TrunkGroup::order`] whose
    /// budget takes the call.
    pub async fn try_pick(&self, tried: &[usize], now: Instant) -> Pick {
        let order = self.order(tried);
        if order.is_empty() {
            return Pick::Exhausted;
        }
        let mut retry_at: Option<Instant> = None;
        for index in order {
            let trunk = &self.trunks[index];
            match self.shared.budget.try_acquire(trunk, now).await {
                Ok(Admission::Granted) => {
                    return Pick::Granted(TrunkGrant {
                        trunk: trunk.clone(),
                        shared: Arc::clone(&self.shared),
                    });
                }
                Ok(Admission::Denied { retry_at: at }) => {
                    retry_at = match (retry_at, at) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                Err(error) => warn!(trunk = %trunk.name, %error, "trunk budget not available"),
            }
        }
        Pick::Wait { retry_at }
    }

    /// Waits on the tokio clock until a trunk not in `tried` takes the call; `None` once
    /// every trunk was tried. Cancel-safe: dropping the future takes no budget.
    pub async fn acquire(&self, tried: &[usize]) -> Option<TrunkGrant> {
        loop {
            // Registered before asking, so a release between the pass and the sleep
            // still wakes this call.
            let released = self.shared.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            let now = tokio::time::Instant::now();
            let retry_at = match self.try_pick(tried, now.into_std()).await {
                Pick::Granted(grant) => return Some(grant),
                Pick::Exhausted => return None,
                Pick::Wait { retry_at } => retry_at,
            };
            let backstop = now + MAX_BUDGET_WAIT;
            let wake = retry_at.map_or(backstop, |at| {
                tokio::time::Instant::from_std(at).min(backstop)
            });
            tokio::select! {
                () = &mut released => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Counts one attempt on trunk `index` that ended with `result` (a SIP status like
    /// `"503"`, or `"timeout"`, `"transport"`, `"cancelled"`).
    pub fn record_attempt(&self, index: usize, result: &str) {
        let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        *attempts.entry((index, result.to_owned())).or_default() += 1;
    }

    /// Every (trunk name, result, count) counted so far, by trunk then result.
    pub fn attempts(&self) -> Vec<(String, String, u64)> {
        let attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        attempts
            .iter()
            .map(|((index, result), n)| (self.trunks[*index].name.clone(), result.clone(), *n))
            .collect()
    }
}
