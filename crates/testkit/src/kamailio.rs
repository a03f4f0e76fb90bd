//! A real Kamailio on loopback as an authenticating SIP proxy trunk.
//!
//! It listens on UDP and, with [`KamailioBuilder::tls`], on TLS (its `tls` module with the
//! test's certificate); every new INVITE must carry digest credentials for the test's
//! user (a 407 challenge first), then goes to the phone given to
//! [`KamailioBuilder::forward_to`] over UDP. In-dialog requests follow the record-route,
//! so BYE travels back over the connection the call came in on (or, when the far end did
//! not echo the record-route, go to their Request-URI). OPTIONS get 200.
//!
//! ```no_run
//! # async fn demo() {
//! use voice_otp_testkit::kamailio::Kamailio;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let kamailio = Kamailio::builder("alice", "s3cret")
//!     .forward_to("127.0.0.1:5080".parse().unwrap())
//!     .start(dir.path())
//!     .await;
//! // ... point the daemon's trunk at kamailio.udp_addr() ...
//! # }
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::peer::Peer;
use crate::sipp::{free_tcp_port, free_udp_port};
use crate::tls_certs::TestPki;

const READY_WITHIN: Duration = Duration::from_secs(10);

/// Options of one Kamailio run.
#[derive(Debug)]
#[must_use = "a builder does nothing until start() is awaited"]
pub struct KamailioBuilder {
    username: String,
    password: String,
    forward: Option<SocketAddr>,
    tls: Option<TestPki>,
}

impl KamailioBuilder {
    /// Where new INVITEs go once authenticated (the phone, over UDP).
    pub fn forward_to(mut self, phone: SocketAddr) -> KamailioBuilder {
        self.forward = Some(phone);
        self
    }

    /// Also listen for TLS, with `pki`'s server certificate and key.
    pub fn tls(mut self, pki: &TestPki) -> KamailioBuilder {
        self.tls = Some(pki.clone());
        self
    }

    /// Writes the configuration into `dir`, starts Kamailio there and waits (bounded)
    /// until it listens.
    pub async fn start(self, dir: &Path) -> Kamailio {
        let phone = self.forward.expect("forward_to() names the phone");
        let cfg = dir.join("kamailio.cfg");
        // Fresh ports for every attempt (see `Peer::start_ready`).
        let spawn = |_attempt| {
            let udp = SocketAddr::from((Ipv4Addr::LOCALHOST, free_udp_port()));
            let tls = self
                .tls
                .as_ref()
                .map(|_| SocketAddr::from((Ipv4Addr::LOCALHOST, free_tcp_port())));
            let mut listen = format!("listen=udp:{udp}\n");
            let mut tls_setup = String::new();
            if let (Some(pki), Some(addr)) = (&self.tls, tls) {
                let tls_cfg = dir.join("kamailio-tls.cfg");
                std::fs::write(&tls_cfg, tls_config(pki)).expect("write kamailio-tls.cfg");
                listen.push_str(&format!("listen=tls:{addr}\nenable_tls=yes\n"));
                tls_setup = format!(
                    "loadmodule \"tls.so\"\nmodparam(\"tls\", \"config\", \"{}\")\n",
                    tls_cfg.display()
                );
            }
            let script = script(&listen, &tls_setup, &self.username, &self.password, phone);
            std::fs::write(&cfg, script).expect("write kamailio.cfg");
            (spawn_kamailio(&cfg, &[], dir), (udp, tls))
        };
        let (peer, (udp, tls)) =
            Peer::start_ready(READY_WITHIN, spawn, |(udp, tls)| listening(*udp, *tls)).await;
        Kamailio {
            peer,
            udp,
            tls,
            config: cfg,
        }
    }
}

/// Runs Kamailio on a configuration file of the project's own, such as the shipped
/// `deploy/cluster/kamailio-egress.cfg`, unchanged: the test's values go in as `-A`
/// defines. `defines` is given the fresh UDP address of each start attempt and returns
/// the `NAME=value` defines (one of them must make the file listen there).
pub async fn run_config(
    config: &Path,
    defines: impl Fn(SocketAddr) -> Vec<String>,
    dir: &Path,
) -> Kamailio {
    let spawn = |_attempt| {
        let udp = SocketAddr::from((Ipv4Addr::LOCALHOST, free_udp_port()));
        (spawn_kamailio(config, &defines(udp), dir), udp)
    };
    let (peer, udp) = Peer::start_ready(READY_WITHIN, spawn, |udp| listening(*udp, None)).await;
    Kamailio {
        peer,
        udp,
        tls: None,
        config: config.to_owned(),
    }
}

/// Starts `kamailio -f config` in the foreground with `defines` as `-A` defines, its
/// runtime files in `dir`, and small memory pools (a test proxy carries a few calls).
fn spawn_kamailio(config: &Path, defines: &[String], dir: &Path) -> Peer {
    let mut args = vec!["-f".to_owned(), config.display().to_string()];
    for define in defines {
        args.extend(["-A".to_owned(), define.clone()]);
    }
    args.extend(["-DD", "-E", "-m", "64", "-M", "8", "-Y"].map(str::to_owned));
    args.push(dir.display().to_string());
    Peer::spawn("kamailio", "kamailio", &args, dir)
}

/// Whether the UDP port is taken (a second bind fails) and the TLS port accepts.
fn listening(udp: SocketAddr, tls: Option<SocketAddr>) -> bool {
    let udp_bound = std::net::UdpSocket::bind(udp).is_err();
    udp_bound
        && tls.is_none_or(|a| {
            std::net::TcpStream::connect_timeout(&a, Duration::from_millis(200)).is_ok()
        })
}

/// A running Kamailio, killed (with its workers) when dropped.
#[derive(Debug)]
pub struct Kamailio {
    peer: Peer,
    udp: SocketAddr,
    tls: Option<SocketAddr>,
    config: PathBuf,
}

impl Kamailio {
    /// An authenticating proxy for `username` / `password` (realm `voice-otp.test`).
    pub fn builder(username: &str, password: &str) -> KamailioBuilder {
        KamailioBuilder {
            username: username.to_owned(),
            password: password.to_owned(),
            forward: None,
            tls: None,
        }
    }

    /// The UDP listener.
    pub fn udp_addr(&self) -> SocketAddr {
        self.udp
    }

    /// The TLS listener (only with [`KamailioBuilder::tls`]).
    pub fn tls_addr(&self) -> SocketAddr {
        self.tls.expect("Kamailio started with tls()")
    }

    /// What Kamailio logged so far (each request it routed is logged with its method).
    pub fn log(&self) -> String {
        self.peer.log()
    }

    /// The routing script it runs (generated, or the file given to [`run_config`]).
    pub fn config_path(&self) -> &Path {
        &self.config
    }
}

fn tls_config(pki: &TestPki) -> String {
    format!(
        "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n\
         private_key = {}\ncertificate = {}\n\n\
         [client:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n",
        pki.server_key.display(),
        pki.server_cert.display()
    )
}

/// The routing script: challenge, check the user, record-route, forward to the phone.
fn script(listen: &str, tls: &str, user: &str, password: &str, phone: SocketAddr) -> String {
    format!(
        r#"#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
{listen}
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "xlog.so"
loadmodule "auth.so"
{tls}
modparam("rr", "enable_double_rr", 1)

request_route {{
    xlog("L_INFO", "voice-otp-test: $rm $ru from $si:$sp over $pr\n");
    if (!mf_process_maxfwd_header("10")) {{
        sl_send_reply("483", "Too Many Hops");
        exit;
    }}
    if (has_totag()) {{
        if (loose_route()) {{
            t_relay();
            exit;
        }}
        # A far end that does not echo Record-Route (SIPp's scenarios) leaves no Route:
        # the request goes to its Request-URI.
        if (!uri==myself) {{
            t_relay();
            exit;
        }}
        if (is_method("ACK")) {{
            if (t_check_trans()) {{
                t_relay();
            }}
            exit;
        }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL") || is_method("ACK")) {{
        if (t_check_trans()) {{
            t_relay();
        }}
        exit;
    }}
    if (is_method("OPTIONS")) {{
        sl_send_reply("200", "OK");
        exit;
    }}
    if (!is_method("INVITE")) {{
        sl_send_reply("405", "Method Not Allowed");
        exit;
    }}
    if (!pv_proxy_authenticate("voice-otp.test", "{password}", "0")) {{
        proxy_challenge("voice-otp.test", "0");
        exit;
    }}
    if ($au != "{user}") {{
        sl_send_reply("403", "Forbidden");
        exit;
    }}
    consume_credentials();
    record_route();
    $ru = "sip:phone@{phone}";
    $du = "sip:{phone};transport=udp";
    t_relay();
}}
"#
    )
}
