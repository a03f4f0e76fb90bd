//! Attack: a far end answers with its media at an address RTP must not go to (a multicast
//! group, or 0.0.0.0). The daemon sends no code there: it ACKs and BYEs the answer, and the
//! signed finished event says result 11 (Failed), never answered, with a disconnect reason
//! that names the address and why.

use std::time::Duration;

use voice_otp_suite::e2e::*;

async fn answer_at(bad_media_ip: &str, reason: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut sipp = Sipp::uas(scenario("e2e_answer_bad_media_address.xml"))
        .dir(dir.path())
        .key("bad_media_ip", bad_media_ip)
        .timeout(SIPP_TIMEOUT)
        .start()
        .await;
    let receiver = Receiver::start(&[]).await;
    let daemon = Daemon::start(DaemonConfig::new(dir.path(), sipp.addr())).await;

    let call_id = daemon.otp_call(&otp_body("4829", &receiver.url())).await;
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_signed(&got[0], SECRET);
    let event = got[0].json();
    let result = &event["result"];
    assert_eq!(
        (
            event["call-id"].as_str(),
            result["code"].as_u64(),
            result["description"].as_str(),
            result["sip-disconnect-reason"].as_str(),
        ),
        (
            Some(call_id.as_str()),
            Some(11),
            Some("Failed"),
            Some(reason)
        ),
        "{event}"
    );
    // Never answered: no code was read to the multicast group or to nowhere.
    assert!(event["answered-on"].is_null(), "{event}");
    assert_eq!(event["code-read-count"], 0, "{event}");
    // SIPp's scenario ends with our ACK and BYE.
    sipp.assert_ok(Duration::from_secs(15)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multicast_media_address_fails_the_call_as_11() {
    answer_at("224.0.0.1", "Far end media address 224.0.0.1 is multicast").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unspecified_media_address_fails_the_call_as_11() {
    answer_at("0.0.0.0", "Far end media address 0.0.0.0 is unspecified").await;
}
