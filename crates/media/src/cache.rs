//! The renderer's caches, each a small policy of its own:
//!
//! - [`Lru`]: values under a byte budget, the least recently used evicted first (prompts).
//! - [`WhileHeld`]: values shared only while someone holds them (code renderings: the
//!   cache never keeps a code alive after its last call ended).
//! - [`Flights`]: single-flight, so that identical renders started at once (one prompt for
//!   a thousand callees) run once and every caller gets that one result.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};

/// Locks `m`, ignoring poisoning: every update under these locks is a single insert or
/// remove, so a panic elsewhere leaves the data consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct LruEntry<V> {
    value: V,
    size: usize,
    tick: u64,
}

/// A map whose values' sizes add up to at most `budget` bytes; inserting past the budget
/// evicts the least recently used entries. A value larger than the whole budget is not
/// kept at all.
pub(crate) struct Lru<K, V> {
    map: HashMap<K, LruEntry<V>>,
    /// Last use -> key, oldest first.
    order: BTreeMap<u64, K>,
    bytes: usize,
    budget: usize,
    tick: u64,
}

impl<K: Hash + Eq + Clone, V: Clone> Lru<K, V> {
    pub(crate) fn new(budget: usize) -> Self {
        Lru {
            map: HashMap::new(),
            order: BTreeMap::new(),
            bytes: 0,
            budget,
            tick: 0,
        }
    }

    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// The value for `key`, now the most recently used.
    pub(crate) fn get(&mut self, key: &K) -> Option<V> {
        let tick = self.next_tick();
        let entry = self.map.get_mut(key)?;
        self.order.remove(&entry.tick);
        entry.tick = tick;
        self.order.insert(tick, key.clone());
        Some(entry.value.clone())
    }

    /// Keeps `value` (of `size` bytes) as the most recently used, evicting as needed.
    pub(crate) fn insert(&mut self, key: K, value: V, size: usize) {
        self.remove(&key);
        if size > self.budget {
            return;
        }
        let tick = self.next_tick();
        self.order.insert(tick, key.clone());
        self.map.insert(key, LruEntry { value, size, tick });
        self.bytes += size;
        while self.bytes > self.budget {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some(gone) = self.map.remove(&oldest) {
                self.bytes -= gone.size;
            }
        }
    }

    fn remove(&mut self, key: &K) {
        if let Some(old) = self.map.remove(key) {
            self.order.remove(&old.tick);
            self.bytes -= old.size;
        }
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Bytes held, by the sizes given to [`Lru::insert`].
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

/// Values shared while at least one holder keeps them: the map holds weak references
/// only, so the last holder dropping a value frees it, and its entry goes at the next
/// lookup or insert.
pub(crate) struct WhileHeld<K, V> {
    map: HashMap<K, Weak<V>>,
}

impl<K: Hash + Eq, V> WhileHeld<K, V> {
    pub(crate) fn new() -> Self {
        WhileHeld {
            map: HashMap::new(),
        }
    }

    pub(crate) fn get(&mut self, key: &K) -> Option<Arc<V>> {
        let value = self.map.get(key)?.upgrade();
        if value.is_none() {
            self.map.remove(key);
        }
        value
    }

    pub(crate) fn insert(&mut self, key: K, value: &Arc<V>) {
        self.prune();
        self.map.insert(key, Arc::downgrade(value));
    }

    /// Entries whose value is still held by someone.
    pub(crate) fn live(&mut self) -> usize {
        self.prune();
        self.map.len()
    }

    fn prune(&mut self) {
        self.map.retain(|_, v| v.strong_count() > 0);
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }
}

/// How a flight ended.
enum Landing<V> {
    Done(V),
    /// The leader panicked; a waiter runs the work itself.
    Abandoned,
}

struct Flight<V> {
    landing: Mutex<Option<Landing<V>>>,
    landed: Condvar,
}

/// Single-flight: at most one run of the work per key at a time; callers arriving while
/// it runs wait for its result instead of starting their own.
pub(crate) struct Flights<K, V> {
    running: Mutex<HashMap<K, Arc<Flight<V>>>>,
}

impl<K: Hash + Eq + Clone, V: Clone> Flights<K, V> {
    pub(crate) fn new() -> Self {
        Flights {
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `work` for `key`, or waits for the run of `key` already under way and returns
    /// its result. `work` should put its result where later callers look first (a cache)
    /// before it returns, so no caller starts a second run after this one lands.
    pub(crate) fn run(&self, key: K, work: impl FnOnce() -> V) -> V {
        loop {
            let (flight, leader) = {
                let mut running = lock(&self.running);
                match running.get(&key) {
                    Some(f) => (f.clone(), false),
                    None => {
                        let f = Arc::new(Flight {
                            landing: Mutex::new(None),
                            landed: Condvar::new(),
                        });
                        running.insert(key.clone(), f.clone());
                        (f, true)
                    }
                }
            };
            if leader {
                let pilot = Pilot {
                    flights: self,
                    key,
                    flight,
                };
                let value = work();
                pilot.land(Landing::Done(value.clone()));
                return value;
            }
            let mut landing = lock(&flight.landing);
            while landing.is_none() {
                landing = flight
                    .landed
                    .wait(landing)
                    .unwrap_or_else(|e| e.into_inner());
            }
            if let Some(Landing::Done(value)) = &*landing {
                return value.clone();
            }
            // Abandoned: try again, as leader if nobody else took over.
        }
    }

    /// Runs under way.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        lock(&self.running).len()
    }
}

/// The leader's side of a flight: lands it with the result, or as abandoned if the work
/// panicked, so waiters never wait forever.
struct Pilot<'a, K: Hash + Eq, V> {
    flights: &'a Flights<K, V>,
    key: K,
    flight: Arc<Flight<V>>,
}

impl<K: Hash + Eq, V> Pilot<'_, K, V> {
    fn land(&self, landing: Landing<V>) {
        *lock(&self.flight.landing) = Some(landing);
        let mut running = lock(&self.flights.running);
        if running
            .get(&self.key)
            .is_some_and(|f| Arc::ptr_eq(f, &self.flight))
        {
            running.remove(&self.key);
        }
        drop(running);
        self.flight.landed.notify_all();
    }
}

impl<K: Hash + Eq, V> Drop for Pilot<'_, K, V> {
    fn drop(&mut self) {
        if lock(&self.flight.landing).is_none() {
            self.land(Landing::Abandoned);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_the_least_recently_used_by_bytes() {
        let mut lru = Lru::new(100);
        lru.insert("a", 1, 40);
        lru.insert("b", 2, 40);
        assert_eq!(lru.get(&"a"), Some(1)); // "b" is now the oldest
        lru.insert("c", 3, 40);
        assert_eq!(lru.get(&"b"), None);
        assert_eq!((lru.get(&"a"), lru.get(&"c")), (Some(1), Some(3)));
        assert_eq!((lru.len(), lru.bytes()), (2, 80));
        // Replacing an entry counts its new size only.
        lru.insert("a", 9, 10);
        assert_eq!((lru.len(), lru.bytes()), (2, 50));
        // Larger than the whole budget: not kept, and nothing else is evicted for it.
        lru.insert("huge", 4, 101);
        assert_eq!((lru.get(&"huge"), lru.len()), (None, 2));
        lru.clear();
        assert_eq!((lru.len(), lru.bytes()), (0, 0));
    }

    #[test]
    fn while_held_forgets_what_nobody_holds() {
        let mut m = WhileHeld::new();
        let v = Arc::new(7);
        m.insert("k", &v);
        assert!(Arc::ptr_eq(&m.get(&"k").unwrap(), &v));
        assert_eq!(m.live(), 1);
        drop(v);
        assert_eq!(m.live(), 0);
        assert!(m.get(&"k").is_none());
    }

    #[test]
    fn an_abandoned_flight_lets_a_waiter_run() {
        let flights: Flights<&str, u32> = Flights::new();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            flights.run("k", || panic!("work failed"))
        }));
        assert!(panicked.is_err());
        assert_eq!(flights.in_flight(), 0);
        assert_eq!(flights.run("k", || 5), 5);
    }
}
