//! The tokio driver: two loopback sockets, a timer and the run loop of [`PhoneCore`].

use std::net::SocketAddr;
use std::time::Instant;

use tokio::net::UdpSocket;

use crate::call::{LocalAddrs, PhoneCore, Socket};
use crate::config::{PhoneConfig, PhoneReport};
use crate::error::PhoneError;
use crate::keys::parse_keys;

/// Largest SIP datagram the phone reads.
const SIP_BUF: usize = 65_535;
/// Largest RTP datagram the phone reads (G.711 packets are 172 bytes).
const RTP_BUF: usize = 2048;

/// The phone: bound sockets waiting for one call.
#[derive(Debug)]
pub struct Phone {
    sip: UdpSocket,
    rtp: UdpSocket,
    config: PhoneConfig,
}

async fn bind(what: &'static str) -> Result<UdpSocket, PhoneError> {
    UdpSocket::bind("127.0.0.1:0")
        .await
        .map_err(|source| PhoneError::Bind { what, source })
}

impl Phone {
    /// Binds the SIP and RTP sockets on 127.0.0.1 (ephemeral ports). A press list with a
    /// key that is not DTMF is refused before anything is bound.
    pub async fn bind(config: PhoneConfig) -> Result<Phone, PhoneError> {
        parse_keys(&config.press).map_err(PhoneError::BadKey)?;
        Ok(Phone {
            sip: bind("SIP").await?,
            rtp: bind("RTP").await?,
            config,
        })
    }

    /// Where to send the INVITE (the demo's trunk).
    pub fn sip_addr(&self) -> Result<SocketAddr, PhoneError> {
        Ok(self.sip.local_addr()?)
    }

    /// Where the phone's RTP socket is bound (a relay in [`PhoneConfig::media_via`]
    /// forwards the caller's audio there).
    pub fn rtp_addr(&self) -> Result<SocketAddr, PhoneError> {
        Ok(self.rtp.local_addr()?)
    }

    /// Takes one call: answers it, records it, presses the keys, and returns once the
    /// caller has hung up (or with the reason it gave up).
    pub async fn run(self) -> Result<PhoneReport, PhoneError> {
        let local = LocalAddrs {
            sip: self.sip.local_addr()?,
            rtp: self.rtp.local_addr()?,
        };
        let mut core = PhoneCore::new(self.config, local, rand::random(), Instant::now())?;
        let mut sip_buf = vec![0u8; SIP_BUF];
        let mut rtp_buf = vec![0u8; RTP_BUF];
        loop {
            while let Some(t) = core.poll_transmit() {
                let socket = match t.socket {
                    Socket::Sip => &self.sip,
                    Socket::Rtp => &self.rtp,
                };
                socket.send_to(&t.payload, t.destination).await?;
            }
            if let Some(outcome) = core.poll_outcome() {
                return outcome;
            }
            let deadline = core.poll_timeout().map(tokio::time::Instant::from_std);
            let timer = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = self.sip.recv_from(&mut sip_buf) => {
                    let (n, from) = r?;
                    core.handle_sip(Instant::now(), from, &sip_buf[..n]);
                }
                r = self.rtp.recv_from(&mut rtp_buf) => {
                    let (n, _) = r?;
                    core.handle_rtp(Instant::now(), &rtp_buf[..n]);
                }
                () = timer => core.handle_timeout(Instant::now()),
            }
        }
    }
}
