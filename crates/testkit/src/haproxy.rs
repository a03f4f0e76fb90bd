//! A real HAProxy on loopback, running a configuration file of the project's own (the
//! shipped `deploy/cluster/haproxy.cfg`) unchanged, with the test's addresses in its
//! environment.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use crate::peer::Peer;
use crate::sipp::free_tcp_port;

const READY_WITHIN: Duration = Duration::from_secs(10);

/// A running HAProxy, killed when dropped.
#[derive(Debug)]
pub struct Haproxy {
    peer: Peer,
    bind: SocketAddr,
}

impl Haproxy {
    /// Starts `haproxy -f config` in the foreground with `env(bind)` as `NAME=value`
    /// environment, where `bind` is a fresh loopback address the file must bind its
    /// frontend to; waits (bounded) until it accepts connections there.
    pub async fn start(
        config: &Path,
        env: impl Fn(SocketAddr) -> Vec<String>,
        dir: &Path,
    ) -> Haproxy {
        let spawn = |_attempt| {
            let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, free_tcp_port()));
            // `env` sets the variables the file reads with "${NAME}"; it execs haproxy, so
            // the peer's process group still holds everything.
            let mut args = env(bind);
            args.extend(["haproxy", "-db", "-f", &config.display().to_string()].map(str::to_owned));
            (Peer::spawn("haproxy", "env", &args, dir), bind)
        };
        let (peer, bind) = Peer::start_ready(READY_WITHIN, spawn, |bind| {
            std::net::TcpStream::connect_timeout(bind, Duration::from_millis(200)).is_ok()
        })
        .await;
        Haproxy { peer, bind }
    }

    /// The frontend's address.
    pub fn addr(&self) -> SocketAddr {
        self.bind
    }

    /// What HAProxy logged so far (one line per request, and each server's state changes).
    pub fn log(&self) -> String {
        self.peer.log()
    }
}
