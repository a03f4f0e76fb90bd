//! Hand-built RTP datagrams for receiver tests.
#![allow(dead_code, unreachable_pub)]

/// A minimal RTP datagram: 12-byte header then `payload`.
pub fn rtp(pt: u8, marker: bool, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x80, (u8::from(marker) << 7) | pt];
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(&ts.to_be_bytes());
    v.extend_from_slice(&ssrc.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// A telephone-event payload (RFC 4733).
pub fn event(code: u8, end: bool, volume: u8, duration: u16) -> [u8; 4] {
    let d = duration.to_be_bytes();
    [code, (u8::from(end) << 7) | volume, d[0], d[1]]
}

/// `n` samples of the DTMF tone pair (`low`, `high` Hz) at about -10 dBm0 each.
pub fn tone(low: f64, high: f64, n: usize, offset: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = (i + offset) as f64 / 8000.0;
            let s = 5000.0 * (2.0 * std::f64::consts::PI * low * t).sin()
                + 5000.0 * (2.0 * std::f64::consts::PI * high * t).sin();
            s as i16
        })
        .collect()
}
