//! `start()` of a UAS returns only once SIPp listens on 127.0.0.1 (UDP: the port refuses a
//! second bind; TCP: a connect succeeds), and dropping the handle kills SIPp, which frees
//! the port again.
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use voice_otp_testkit::sipp::{Sipp, Transport, fixture};

/// Polls `free` until it holds, for at most 5 s.
async fn freed(mut free: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if free() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn udp_uas_is_bound_and_released_on_drop() {
    let sipp = Sipp::uas(fixture("uas_answer_bye.xml")).start().await;
    let addr = sipp.addr();
    assert!(addr.ip().is_loopback());
    assert!(UdpSocket::bind(addr).is_err(), "SIPp holds {addr}");
    drop(sipp);
    assert!(
        freed(|| UdpSocket::bind(addr).is_ok()).await,
        "{addr} still bound after the handle dropped"
    );
}

#[tokio::test]
async fn tcp_uas_accepts_and_is_released_on_drop() {
    let sipp = Sipp::uas(fixture("uas_answer_bye.xml"))
        .transport(Transport::Tcp)
        .start()
        .await;
    let addr = sipp.addr();
    assert!(TcpStream::connect(addr).is_ok(), "SIPp listens on {addr}");
    drop(sipp);
    assert!(
        freed(|| TcpStream::connect(addr).is_err()).await,
        "{addr} still accepting after the handle dropped"
    );
}
