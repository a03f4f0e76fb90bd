//! Issue 13, RFC 4568 7.1.4, against the real `voice-otp serve` with `[rtp] srtp =
//! "optional"` and SIPp as the trunk (`e2e_answer_srtp_reinvites.xml`): SIPp answers with
//! SDES, then mid-call re-INVITEs once in clear `RTP/AVP` (a downgrade: it must get 488) and
//! once with a new `a=crypto` key (it must get 200 with the one line accepted, under its
//! tag, and no second line); SIPp's scenario fails otherwise. The call ends normally (10),
//! and a real tcpdump shows that every RTP packet the daemon sent was SRTP (182 bytes:
//! 160 of encrypted G.711 and an 80-bit tag), none plain (172), before and after the
//! downgrade attempt.

use std::time::Duration;

use voice_otp_suite::e2e::*;
use voice_otp_testkit::capture::Capture;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clear_reinvite_gets_488_a_new_key_gets_one_crypto_line_and_rtp_stays_srtp() {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = sipp_trunk(dir.path(), "e2e_answer_srtp_reinvites.xml", 1).await;
    let mut config = DaemonConfig::new(dir.path(), sipp.addr());
    config
        .env
        .push(("VOICE_OTP_RTP_SRTP".to_owned(), "optional".to_owned()));
    let rtp = config.rtp;
    let filter = format!("udp src portrange {}-{}", rtp.0, rtp.1);
    let capture = Capture::start(dir.path(), &filter).await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(config).await;
    daemon.otp_call(&otp_body("4829", &receiver.url())).await;

    let got = receiver.wait_for(1, Duration::from_secs(30)).await;
    let event = got[0].json();
    assert_eq!(event["result"]["code"], 10, "{event}\n{}", daemon.logs());
    sipp.assert_ok(Duration::from_secs(15)).await;

    let wire = capture.stop().await;
    let lengths: Vec<usize> = wire
        .iter()
        .filter(|d| d.payload.len() > 12 && d.payload[0] >> 6 == 2)
        .filter(|d| matches!(d.payload[1] & 0x7f, 0 | 8))
        .map(|d| d.payload.len())
        .collect();
    assert!(
        lengths.len() > 100,
        "RTP packets captured: {}",
        lengths.len()
    );
    assert!(
        lengths.iter().all(|&l| l == 12 + 160 + 10),
        "every RTP packet SRTP: {lengths:?}"
    );
}
