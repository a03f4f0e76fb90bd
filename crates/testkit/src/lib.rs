//! Test support shared by voice-otp's interop tests. Used only as a dev-dependency.
//!
//! [`sipp`] runs a real SIPp process on 127.0.0.1 (UAS or UAC), waits until a UAS listens,
//! keeps its message and error traces in a log directory, and prints them when a test
//! fails; the process is killed when the handle drops. [`sched`] tells whether the test
//! process may use real-time scheduling.
//!
//! [`kamailio`] runs a real Kamailio as an authenticating (407) proxy trunk, on UDP and
//! TLS, and [`baresip`] a real baresip as the callee's phone (auto-answer, records what it
//! hears, presses keys over RFC 4733); [`tls_certs`] makes their throwaway certificates.
//! [`capture`] runs a real tcpdump on the loopback interface and reads back the UDP
//! datagrams it saw. [`postgres`] starts a throwaway PostgreSQL cluster for cluster mode.
//! They run in their own process group with a bounded lifetime and are killed, with every
//! child, when the handle drops; their logs are printed when a test fails.
//!
//! ```no_run
//! # async fn demo() {
//! use std::time::Duration;
//! use voice_otp_testkit::sipp::{Sipp, fixture};
//!
//! let mut sipp = Sipp::uas(fixture("uas_answer_bye.xml")).start().await;
//! // ... point the code under test at sipp.addr() ...
//! sipp.assert_ok(Duration::from_secs(30)).await;
//! # }
//! ```

use std::path::{Path, PathBuf};

pub mod baresip;
pub mod capture;
pub mod haproxy;
pub mod kamailio;
pub mod net;
mod peer;
pub mod postgres;
pub mod sched;
pub mod sipp;
pub mod tls_certs;

/// The repository root (where `fixtures/`, `audio/` and the root `Cargo.toml` live).
pub fn repo_root() -> PathBuf {
    // crates/testkit -> crates -> repository root
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/testkit lives two levels below the repository root")
        .to_owned()
}
