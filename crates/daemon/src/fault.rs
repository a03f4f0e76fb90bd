//! A failpoint for the "no ghost calls" test: in debug builds only,
//! `VOICE_OTP_DEBUG_PAUSE_AFTER_STORE_MS` holds the request for that long right after its
//! instruction is committed, so the end-to-end suite can disconnect the client in exactly
//! the window where a cancelled handler would leave calls stored but never placed. Release
//! builds compile none of this: the variable is not even read.

/// Sleeps on the (blocking-pool) thread that stored the instruction, when the variable
/// asks for it (debug builds only).
#[cfg(debug_assertions)]
pub(crate) fn after_instruction_stored() {
    static PAUSE: std::sync::OnceLock<Option<std::time::Duration>> = std::sync::OnceLock::new();
    let pause = PAUSE.get_or_init(|| {
        std::env::var("VOICE_OTP_DEBUG_PAUSE_AFTER_STORE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(std::time::Duration::from_millis)
    });
    if let Some(pause) = pause {
        std::thread::sleep(*pause);
    }
}

/// Release builds: nothing.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) fn after_instruction_stored() {}
