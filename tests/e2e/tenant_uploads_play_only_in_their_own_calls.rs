//! Per-tenant audio stores (issue 12, item 1) heard on a real call: the `default` tenant and
//! the `shop` tenant each upload `/prompts/welcome.wav` (a 500 Hz and a 1,500 Hz tone), and
//! each tenant's call with that File prompt plays its own tone and never the other's. The
//! built-in phone is the trunk and records what it hears; the daemon restarts between the
//! two calls (one phone per call) on the same store and audio directory.

use std::time::Duration;

use serde_json::{Value, json};
use voice_otp_phone::{Phone, PhoneConfig};
use voice_otp_suite::e2e::*;

const SHOP_TOKEN: &str = "shop-token-3b8e61f0c2";
const BANK_HZ: f64 = 500.0;
const SHOP_HZ: f64 = 1500.0;

/// One second of a sine at `hz`, as an 8 kHz 16-bit WAV.
fn tone(hz: f64) -> Vec<u8> {
    wav_8k((0..8000).map(|i| {
        let t = f64::from(i) / 8000.0;
        (12_000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16
    }))
}

/// Goertzel magnitude of `hz` over all of `samples` (8 kHz): a narrow bin, so a tone of
/// a second dwarfs what speech puts at the same frequency.
fn magnitude(samples: &[i16], hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * hz / 8000.0;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2).sqrt()
}

async fn upload(daemon: &Daemon, token: &str, hz: f64) {
    let resp = daemon
        .client
        .put(daemon.url("/v1/audio/prompts/welcome.wav"))
        .header("X-CM-PRODUCTTOKEN", token)
        .header("Content-Type", "audio/wav")
        .body(tone(hz))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
}

/// One call of the tenant of `token` with the welcome prompt, taken by a fresh phone;
/// returns what the phone heard.
async fn call_heard(dir: &std::path::Path, token: &str, setup: Option<(f64, f64)>) -> Vec<i16> {
    let phone = Phone::bind(PhoneConfig {
        invite_within: Duration::from_secs(30),
        max_call: Duration::from_secs(60),
        ..PhoneConfig::default()
    })
    .await
    .unwrap();
    let mut config = DaemonConfig::new(dir, phone.sip_addr().unwrap());
    config.extra = format!("[[tenants]]\nname = \"shop\"\ntokens = [\"{SHOP_TOKEN}\"]\n");
    let daemon = Daemon::start(config).await;
    if let Some((bank, shop)) = setup {
        upload(&daemon, TOKEN, bank).await;
        upload(&daemon, SHOP_TOKEN, shop).await;
    }
    let phone_call = tokio::spawn(phone.run());
    let mut body = otp_body("7", "");
    body["intro-prompt"] = json!("/prompts/welcome.wav");
    body["intro-prompt-type"] = json!("File");
    let resp = daemon
        .client
        .post(daemon.url("/voiceapi/v2/OTP"))
        .header("X-CM-PRODUCTTOKEN", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{answer}");
    let report = tokio::time::timeout(Duration::from_secs(60), phone_call)
        .await
        .expect("the phone ends with the call")
        .unwrap()
        .expect("the phone took the call");
    report.heard
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tenants_call_plays_its_own_upload_at_the_same_path() {
    let dir = tempfile::tempdir().unwrap();
    let shop = call_heard(dir.path(), SHOP_TOKEN, Some((BANK_HZ, SHOP_HZ))).await;
    let bank = call_heard(dir.path(), TOKEN, None).await;
    for (who, heard, own, other) in [
        ("shop", &shop, SHOP_HZ, BANK_HZ),
        ("default", &bank, BANK_HZ, SHOP_HZ),
    ] {
        let (own_mag, other_mag) = (magnitude(heard, own), magnitude(heard, other));
        assert!(
            own_mag > 5.0 * other_mag,
            "{who}'s call: {own} Hz {own_mag:.0} vs {other} Hz {other_mag:.0}"
        );
    }
}
