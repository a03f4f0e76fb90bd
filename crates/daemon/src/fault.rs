//! Debug-build hooks for the end-to-end suite; release builds compile none of them (the
//! variables are not even read).
//!
//! - The "no ghost calls" failpoint: `VOICE_OTP_DEBUG_PAUSE_AFTER_STORE_MS` holds the
//!   request for that long right after its instruction is committed, so the end-to-end
//!   suite can disconnect the client in exactly the window where a cancelled handler would leave calls stored but never placed.
//! - `VOICE_OTP_DEBUG_KEYPRESS_DIGIT` (2 to 9) fixes the `require-keypress` key, so the
//!   suite's phone knows what to press.

/// Holds the task that stored the instruction, when the variable asks for it (debug
/// builds only).
#[cfg(debug_assertions)]
pub(crate) async fn after_instruction_stored() {
    static PAUSE: std::sync::OnceLock<Option<std::time::Duration>> = std::sync::OnceLock::new();
    let pause = PAUSE.get_or_init(|| {
        std::env::var("VOICE_OTP_DEBUG_PAUSE_AFTER_STORE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(std::time::Duration::from_millis)
    });
    if let Some(pause) = pause {
        tokio::time::sleep(*pause).await;
    }
}

/// Release builds: nothing.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) async fn after_instruction_stored() {}

/// Debug builds only: `VOICE_OTP_DEBUG_KEYPRESS_DIGIT` (2 to 9) fixes the key, so the
/// end-to-end suite's phone knows what to press. Release builds never read the variable.
#[cfg(debug_assertions)]
pub(crate) fn forced_keypress_digit() -> Option<voice_otp_call::Digit> {
    std::env::var("VOICE_OTP_DEBUG_KEYPRESS_DIGIT")
        .ok()
        .and_then(|v| v.chars().next())
        .filter(|c| ('2'..='9').contains(c))
        .and_then(voice_otp_call::Digit::from_char)
}

/// Release builds: the key is always random.
#[cfg(not(debug_assertions))]
pub(crate) fn forced_keypress_digit() -> Option<voice_otp_call::Digit> {
    None
}
