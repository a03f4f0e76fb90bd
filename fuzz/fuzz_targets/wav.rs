#![no_main]
// Any bytes given to the WAV reader produce samples or a typed error, never a panic.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = voice_otp_media::wav::decode_wav(data);
});
