//! One third-party program (Kamailio, baresip) running for a test: in its own process
//! group under `timeout`, so that it and every child it forks die together, when the
//! handle drops or, should the test process itself be killed, when its lifetime runs out.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// The longest a peer may live; a test that needs longer is broken anyway.
pub(crate) const LIFETIME: Duration = Duration::from_secs(180);

/// How often [`Peer::start_ready`] starts a peer that exits before it is ready.
pub(crate) const START_ATTEMPTS: u32 = 3;

/// A running peer and its log file (stdout and stderr together).
#[derive(Debug)]
pub(crate) struct Peer {
    name: &'static str,
    child: Child,
    log: PathBuf,
    dumped: bool,
}

impl Peer {
    /// Starts `program args...` in `dir`, logging to `<dir>/<name>.log`.
    pub(crate) fn spawn(name: &'static str, program: &str, args: &[String], dir: &Path) -> Peer {
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("create the peer's log");
        let err = out.try_clone().expect("clone the log handle");
        let child = Command::new("timeout")
            .args(["-s", "KILL", &format!("{}s", LIFETIME.as_secs()), program])
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Its own group, so dropping the handle can kill forked children too.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{program} runs (scripts/install-deps.sh): {e}"));
        Peer {
            name,
            child,
            log,
            dumped: false,
        }
    }

    /// Everything the peer logged so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Starts a peer with `spawn` (given the attempt number) until one is ready, at most
    /// [`START_ATTEMPTS`] times: a peer that exits before it is ready (typically a port
    /// picked as free that another test bound in the meantime: "Address already in use")
    /// is started again with the fresh ports `spawn` picks. Panics with the log when the
    /// last attempt exits too, or when a peer is not ready in time.
    pub(crate) async fn start_ready<T>(
        within: Duration,
        mut spawn: impl FnMut(u32) -> (Peer, T),
        ready: impl Fn(&T) -> bool,
    ) -> (Peer, T) {
        for attempt in 1..=START_ATTEMPTS {
            let (mut peer, ports) = spawn(attempt);
            match peer.ready_or_exit(within, || ready(&ports)).await {
                Ok(()) => return (peer, ports),
                Err(status) if attempt < START_ATTEMPTS => {
                    eprintln!(
                        "{} exited with {status} before it was ready (attempt {attempt}); starting it again:\n{}",
                        peer.name,
                        peer.log()
                    );
                }
                Err(status) => {
                    peer.dump();
                    panic!(
                        "{} exited with {status} before it was ready, {START_ATTEMPTS} times",
                        peer.name
                    );
                }
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// Waits (bounded) until `ready(log)` holds; panics with the log if the peer exits
    /// first or the time runs out.
    pub(crate) async fn wait_until(&mut self, within: Duration, ready: impl Fn(&str) -> bool) {
        let log = self.log.clone();
        let read = move || std::fs::read_to_string(&log).unwrap_or_default();
        if let Err(status) = self.ready_or_exit(within, || ready(&read())).await {
            self.dump();
            panic!("{} exited with {status} before it was ready", self.name);
        }
    }

    /// Waits (bounded) until `ready()` holds, or the peer exits (its status); panics with
    /// the log if the time runs out.
    async fn ready_or_exit(
        &mut self,
        within: Duration,
        ready: impl Fn() -> bool,
    ) -> Result<(), std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if ready() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(status);
            }
            if Instant::now() >= deadline {
                self.dump();
                panic!("{} not ready within {within:?}", self.name);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Sends SIGINT (which `timeout` passes on to the program) and waits (bounded) until
    /// the peer exits, for programs that flush their output on SIGINT (tcpdump); panics
    /// with the log if it is still running when the time runs out.
    pub(crate) async fn interrupt(&mut self, within: Duration) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-s", "INT", "--", &pid.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if tokio::time::timeout(within, self.child.wait())
            .await
            .is_err()
        {
            self.dump();
            panic!("{} still running {within:?} after SIGINT", self.name);
        }
    }

    /// Prints the log once (for a failing test).
    pub(crate) fn dump(&mut self) {
        if !self.dumped {
            self.dumped = true;
            eprintln!("---- {} log ----\n{}", self.name, self.log());
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dump();
        }
        if let Some(pid) = self.child.id() {
            // The whole group: Kamailio forks its workers. The `--` matters: without it
            // procps `kill` reads "-<pgid>" as options and signals the wrong group (for
            // "-17": group 1, i.e. every process; as root in CI that ends the whole run).
            let _ = std::process::Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.start_kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A peer that dies before it is ready is started again (with what the next attempt
    /// chooses), and the ready one is returned with its attempt's value.
    #[tokio::test]
    async fn a_peer_that_exits_before_it_is_ready_is_started_again() {
        let dir = tempfile::tempdir().unwrap();
        let spawn = |attempt: u32| {
            // Attempts 1 and 2 exit at once (as baresip does when its port was taken);
            // attempt 3 keeps running.
            let script = if attempt < 3 { "exit 98" } else { "sleep 30" };
            let args = vec!["-c".to_owned(), script.to_owned()];
            (Peer::spawn("sh", "sh", &args, dir.path()), attempt)
        };
        let (peer, attempt) = Peer::start_ready(Duration::from_secs(10), spawn, |attempt| {
            // Ready once the last attempt has had a moment: earlier ones exit first.
            *attempt == 3
        })
        .await;
        assert_eq!(attempt, 3);
        drop(peer);
    }
}
