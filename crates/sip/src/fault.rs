//! A failpoint for the supervision test: in debug builds only, a datagram that contains the
//! bytes in `VOICE_OTP_DEBUG_SIP_PANIC_MARKER` makes the driver task panic, so the
//! end-to-end suite can check what `voice-otp serve` does when its SIP driver dies (no real
//! input is known to panic it). Release builds compile none of this: the variable is not
//! even read.

/// Panics when `data` carries the marker (debug builds with the variable set only).
#[cfg(debug_assertions)]
pub(crate) fn panic_if_marked(data: &[u8]) {
    static MARKER: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();
    let marker = MARKER.get_or_init(|| {
        std::env::var_os("VOICE_OTP_DEBUG_SIP_PANIC_MARKER")
            .map(|v| v.into_encoded_bytes())
            .filter(|v| !v.is_empty())
    });
    if let Some(marker) = marker
        && data.windows(marker.len()).any(|w| w == marker.as_slice())
    {
        panic!("SIP driver failpoint: a datagram carried VOICE_OTP_DEBUG_SIP_PANIC_MARKER");
    }
}

/// Release builds: nothing.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) fn panic_if_marked(_data: &[u8]) {}
