//! A real tcpdump started by [`Capture`] sees the UDP datagrams a test sends over loopback,
//! with their addresses and payloads, and only those its filter names.

use std::net::UdpSocket;

use voice_otp_testkit::capture::Capture;

#[tokio::test]
async fn capture_returns_the_filtered_datagrams_with_payloads() {
    let dir = tempfile::tempdir().unwrap();
    let to = UdpSocket::bind("127.0.0.1:0").unwrap();
    let other = UdpSocket::bind("127.0.0.1:0").unwrap();
    let from = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = to.local_addr().unwrap().port();
    let capture = Capture::start(dir.path(), &format!("udp dst port {port}")).await;
    let payloads: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i; 100 + usize::from(i)]).collect();
    for p in &payloads {
        from.send_to(p, to.local_addr().unwrap()).unwrap();
        from.send_to(b"not captured", other.local_addr().unwrap())
            .unwrap();
    }
    let got = capture.stop().await;
    assert_eq!(got.len(), 3, "{got:?}");
    for (d, p) in got.iter().zip(&payloads) {
        assert_eq!(d.src, from.local_addr().unwrap());
        assert_eq!(d.dst, to.local_addr().unwrap());
        assert_eq!(&d.payload, p);
    }
}
