//! The built-in phone (`voice-otp-phone`) as the trunk of an end-to-end call: it answers,
//! presses its keys (RFC 4733) once it has heard the first prompt, and ends with the call.
//! Every wait is bounded.

use std::time::Duration;

use tokio::task::JoinHandle;
use voice_otp_phone::{Phone, PhoneConfig, PhoneError, PhoneReport};

use crate::callback_receiver::{Received, Receiver};

/// A bound phone that will press `press` (keys `0-9*#A-D`) one after another.
pub async fn phone_trunk(press: &str) -> Phone {
    Phone::bind(PhoneConfig {
        press: press.to_owned(),
        invite_within: Duration::from_secs(30),
        max_call: Duration::from_secs(90),
        ..PhoneConfig::default()
    })
    .await
    .expect("the phone binds on loopback")
}

/// A phone taking its one call in the background.
pub struct PhoneCall(JoinHandle<Result<PhoneReport, PhoneError>>);

impl PhoneCall {
    /// Starts answering: call this before the daemon is asked to dial.
    pub fn start(phone: Phone) -> PhoneCall {
        PhoneCall(tokio::spawn(phone.run()))
    }

    /// Waits for the call's one callback (90 s at most), then for the phone's report (30 s).
    pub async fn finish(self, receiver: &Receiver) -> (Received, PhoneReport) {
        let mut got = receiver.wait_for(1, Duration::from_secs(90)).await;
        let report = tokio::time::timeout(Duration::from_secs(30), self.0)
            .await
            .expect("the phone ends with the call")
            .expect("the phone task does not panic")
            .expect("the phone took the call");
        (got.remove(0), report)
    }
}
