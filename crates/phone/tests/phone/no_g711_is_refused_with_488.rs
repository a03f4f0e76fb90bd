//! An INVITE offering no G.711 (Opus only) is answered 488 Not Acceptable Here, and the
//! phone ends with `NoCommonCodec`; the caller sees the call rejected with 488.

use std::time::Duration;

use voice_otp_phone::{PhoneConfig, PhoneError};
use voice_otp_sip::{Codec, FailReason, MediaOffer, SipEvent};

use crate::common::{Bench, caller_rtp, ms};

#[test]
fn opus_only_gets_488() {
    let media = MediaOffer {
        codecs: vec![Codec::Opus],
        ..MediaOffer::g711(caller_rtp())
    };
    let mut bench = Bench::new(PhoneConfig::default(), media);
    bench.run_until(Duration::from_secs(5));
    assert_eq!(bench.statuses(), [(ms(0), 488)]);
    assert!(matches!(
        bench.outcome,
        Some(Err(PhoneError::NoCommonCodec))
    ));
    let rejected = bench.events.iter().any(|e| {
        matches!(
            e,
            SipEvent::Failed {
                reason: FailReason::Rejected { code: 488, .. },
                ..
            }
        )
    });
    assert!(rejected, "{:?}", bench.events);
    assert_eq!(bench.phone.poll_timeout(), None, "nothing more to do");
}
