//! Cluster mode: what several nodes on one PostgreSQL database share beyond the store's
//! rows. Today: the sealing of call specs, so that a node other than the one that accepted
//! an instruction can place its calls without the code lying in the database in clear.

pub mod sealed;
