//! Cluster mode: what several nodes on one PostgreSQL database share beyond the store's
//! rows: the sealing of call specs, so that a node other than the one that accepted an
//! instruction can place its calls without the code lying in the database in clear, and
//! the claimer that takes queued calls for this node.

pub(crate) mod claimer;
pub mod sealed;
