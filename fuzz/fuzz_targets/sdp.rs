#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(sdp) = voice_otp_sip::SessionDescription::parse(data) {
        let codecs = [voice_otp_sip::Codec::Pcma, voice_otp_sip::Codec::Pcmu];
        let _ = sdp.negotiate(&codecs);
        // The SDES answer path ([rtp] srtp = "required"): a=crypto lines against our offer.
        let offer = voice_otp_sip::SrtpOffer::generate(voice_otp_sip::SrtpPolicy::Required)
            .ok()
            .flatten();
        let _ = sdp.negotiate_with_srtp(&codecs, offer.as_ref());
        // A far end's re-INVITE offer inside an SRTP call (RFC 4568 7.1.4).
        if let Some(o) = &offer {
            let current = voice_otp_sip::NegotiatedSrtp {
                suite: o.crypto[0].suite,
                local: o.crypto[0].key.clone(),
                remote: o.crypto[1].key.clone(),
            };
            let _ = sdp.negotiate_srtp_reoffer(&codecs, &current);
        }
        assert!(voice_otp_sip::SessionDescription::parse(sdp.to_text().as_bytes()).is_ok());
    }
});
