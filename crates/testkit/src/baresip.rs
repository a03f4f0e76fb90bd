//! A real baresip on loopback as the callee's phone.
//!
//! It answers every call at once (`answermode=auto`), records what it hears (the decoded
//! audio, through its `sndfile` filter) to a WAV, sends a 350 Hz tone of its own
//! (`ausine`, which makes 48 kHz stereo only, resampled by baresip; baresip sends RFC 4733
//! events only while its audio source runs), and, with
//! [`BaresipBuilder::press_after_answer`], presses keys over RFC 4733 a while after the
//! call is established. The keys are pressed through its `ctrl_tcp` control socket, whose
//! events also tell when the call is established and closed.
//!
//! ```no_run
//! # async fn demo() {
//! use std::time::Duration;
//! use voice_otp_testkit::baresip::Baresip;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let phone = Baresip::builder()
//!     .press_after_answer("1", Duration::from_secs(4))
//!     .start(dir.path())
//!     .await;
//! // ... call phone.sip_addr() ...
//! let wav = phone.wait_recording(Duration::from_secs(30)).await;
//! # }
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use crate::peer::Peer;
use crate::sipp::{free_tcp_port, free_udp_port};

const MODULES: &str = "/usr/lib/baresip/modules";
const READY_WITHIN: Duration = Duration::from_secs(10);

/// Options of one baresip run.
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until start() is awaited"]
pub struct BaresipBuilder {
    press: Option<(String, Duration)>,
    mediaenc: Option<String>,
}

impl BaresipBuilder {
    /// Presses `keys` (RFC 4733) `delay` after the call is established.
    pub fn press_after_answer(mut self, keys: &str, delay: Duration) -> BaresipBuilder {
        self.press = Some((keys.to_owned(), delay));
        self
    }

    /// The account's `mediaenc` (e.g. `srtp-mand` for SDES-SRTP only); loads the `srtp`
    /// module. Default: plain RTP.
    pub fn mediaenc(mut self, mediaenc: &str) -> BaresipBuilder {
        self.mediaenc = Some(mediaenc.to_owned());
        self
    }

    /// Writes the configuration into `dir`, starts baresip and waits (bounded) until its
    /// SIP and control ports listen; the control connection is then held for the test.
    pub async fn start(self, dir: &Path) -> Baresip {
        let records = dir.join("baresip-records");
        std::fs::create_dir_all(&records).expect("create the recording directory");
        let srtp = self.mediaenc.is_some();
        let mediaenc = self
            .mediaenc
            .map(|m| format!(";mediaenc={m}"))
            .unwrap_or_default();
        std::fs::write(
            dir.join("accounts"),
            format!("<sip:phone@127.0.0.1>;regint=0;answermode=auto{mediaenc}\n"),
        )
        .expect("write baresip accounts");
        // Fresh ports for every attempt (see `Peer::start_ready`).
        let spawn = |_attempt| {
            let sip = SocketAddr::from((Ipv4Addr::LOCALHOST, free_udp_and_tcp_port()));
            let ctrl = SocketAddr::from((Ipv4Addr::LOCALHOST, free_tcp_port()));
            std::fs::write(dir.join("config"), config(sip, ctrl, &records, srtp))
                .expect("write baresip config");
            let args = vec!["-f".to_owned(), dir.display().to_string(), "-v".to_owned()];
            (Peer::spawn("baresip", "baresip", &args, dir), (sip, ctrl))
        };
        let (peer, (sip, ctrl)) = Peer::start_ready(READY_WITHIN, spawn, |(sip, ctrl)| {
            std::net::UdpSocket::bind(sip).is_err()
                && std::net::TcpStream::connect_timeout(ctrl, Duration::from_millis(200)).is_ok()
        })
        .await;
        let state = Arc::new(Mutex::new(CtrlState::default()));
        let stream = TcpStream::connect(ctrl)
            .await
            .expect("connect to baresip's ctrl_tcp");
        let task = tokio::spawn(control(stream, self.press, state.clone()));
        Baresip {
            peer,
            sip,
            records,
            state,
            task,
        }
    }
}

/// What the control connection saw.
#[derive(Debug, Default)]
struct CtrlState {
    established: u32,
    closed: u32,
    pressed: bool,
    /// Every message from baresip, and anything that went wrong, for failure messages.
    trace: Vec<String>,
}

/// A running baresip, killed when dropped.
#[derive(Debug)]
pub struct Baresip {
    peer: Peer,
    sip: SocketAddr,
    records: PathBuf,
    state: Arc<Mutex<CtrlState>>,
    task: JoinHandle<()>,
}

impl Drop for Baresip {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Baresip {
    /// A phone with plain RTP that presses nothing.
    pub fn builder() -> BaresipBuilder {
        BaresipBuilder::default()
    }

    /// Its SIP address (UDP).
    pub fn sip_addr(&self) -> SocketAddr {
        self.sip
    }

    /// Its log and the control connection's trace.
    pub fn log(&self) -> String {
        let trace = self.lock().trace.join("\n");
        format!("{}\n---- ctrl_tcp ----\n{trace}", self.peer.log())
    }

    /// Whether the keys of [`BaresipBuilder::press_after_answer`] were sent.
    pub fn pressed(&self) -> bool {
        self.lock().pressed
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CtrlState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits (bounded) until a call has been established and closed, then returns the
    /// recording of what baresip heard in it (16-bit PCM WAV, complete once closed).
    pub async fn wait_recording(&self, within: Duration) -> PathBuf {
        let deadline = Instant::now() + within;
        while self.lock().closed == 0 {
            assert!(
                Instant::now() < deadline,
                "baresip saw no call end within {within:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let found = std::fs::read_dir(&self.records)
            .expect("read the recording directory")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"));
        found.unwrap_or_else(|| panic!("no *-dec.wav recording:\n{}", self.log()))
    }
}

fn config(sip: SocketAddr, ctrl: SocketAddr, records: &Path, srtp: bool) -> String {
    let srtp = if srtp { "module\t\t\tsrtp.so\n" } else { "" };
    format!(
        "poll_method\t\tepoll\n\
         sip_listen\t\t{sip}\n\
         net_interface\t\t127.0.0.1\n\
         rtp_ports\t\t10000-20000\n\
         audio_player\t\taubridge,voice-otp-test\n\
         audio_alert\t\taubridge,voice-otp-test\n\
         audio_source\t\tausine,350\n\
         ausrc_srate\t\t48000\n\
         ausrc_channels\t\t2\n\
         module_path\t\t{MODULES}\n\
         module\t\t\tg711.so\n\
         module\t\t\tausine.so\n\
         module\t\t\taubridge.so\n\
         module\t\t\tsndfile.so\n\
         {srtp}\
         module_app\t\taccount.so\n\
         module_app\t\tmenu.so\n\
         module_app\t\tctrl_tcp.so\n\
         ctrl_tcp_listen\t\t{ctrl}\n\
         snd_path\t\t{}\n",
        records.display()
    )
}

/// Reads baresip's events (netstrings of JSON); presses the keys once the call is
/// established and the delay has passed.
async fn control(
    mut stream: TcpStream,
    press: Option<(String, Duration)>,
    state: Arc<Mutex<CtrlState>>,
) {
    let mut buf = Vec::new();
    let mut press_at = None;
    loop {
        let mut chunk = [0u8; 4096];
        let read = match press_at {
            Some(at) => tokio::time::timeout_at(at, stream.read(&mut chunk))
                .await
                .ok(),
            None => Some(stream.read(&mut chunk).await),
        };
        let Some(read) = read else {
            press_at = None;
            let Some((keys, _)) = &press else { continue };
            let body = format!(r#"{{"command":"sndcode","params":"{keys}","token":"press"}}"#);
            let sent = stream
                .write_all(format!("{}:{body},", body.len()).as_bytes())
                .await;
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            st.pressed = sent.is_ok();
            st.trace.push(format!("sent sndcode {keys}: {sent:?}"));
            continue;
        };
        let n = match read {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        while let Some(message) = next_netstring(&mut buf) {
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            if message.contains("\"CALL_ESTABLISHED\"") {
                st.established += 1;
                if let (Some((_, delay)), 1) = (&press, st.established) {
                    press_at = Some(tokio::time::Instant::now() + *delay);
                }
            }
            if message.contains("\"CALL_CLOSED\"") {
                st.closed += 1;
            }
            st.trace.push(message);
        }
    }
}

/// Cuts one `<len>:<data>,` netstring off the front of `buf`.
fn next_netstring(buf: &mut Vec<u8>) -> Option<String> {
    let colon = buf.iter().position(|b| *b == b':')?;
    let len: usize = std::str::from_utf8(&buf[..colon]).ok()?.parse().ok()?;
    let end = colon + 1 + len;
    if buf.len() <= end {
        return None;
    }
    let data = String::from_utf8_lossy(&buf[colon + 1..end]).into_owned();
    buf.drain(..=end);
    Some(data)
}

/// A port free for both UDP and TCP: baresip listens for SIP on both at the same port, and a
/// UDP-only check let it collide with a TCP listener of a test running beside it.
fn free_udp_and_tcp_port() -> u16 {
    loop {
        let port = free_udp_port();
        if std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
}
