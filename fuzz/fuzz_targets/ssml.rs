#![no_main]
//! The SSML filter (prompt text from any API client) answers every input with `Ok` or a
//! typed refusal, never a panic; and whatever it accepts is also accepted as TTS text.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && voice_otp_media::check_ssml(text).is_ok()
    {
        assert!(voice_otp_media::check_tts_text(text).is_ok());
    }
});
