//! G.711 A-law and u-law, bit-exact with the ITU-T G.191 reference (`g711.c`).
//!
//! Encoding looks up a table indexed by the bits the law actually uses (13 for A-law, 14 for
//! u-law), so the tables stay in L1 cache (8 KiB and 16 KiB); decoding is a 256-entry table.
//! All tables are computed at compile time from the G.191 rules, so there is nothing to
//! initialise at run time.

/// Which G.711 companding law a stream uses (RTP payload type 8 is A-law, 0 is u-law).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum G711Law {
    /// A-law (PCMA, payload type 8), used in Europe and most of the world.
    Alaw,
    /// u-law (PCMU, payload type 0), used in North America and Japan.
    Ulaw,
}

impl G711Law {
    /// Both laws, in a fixed order (A-law first).
    pub const ALL: [G711Law; 2] = [G711Law::Alaw, G711Law::Ulaw];

    /// Encodes one linear sample.
    #[inline]
    pub fn encode(self, s: i16) -> u8 {
        match self {
            G711Law::Alaw => alaw_encode(s),
            G711Law::Ulaw => ulaw_encode(s),
        }
    }

    /// Decodes one code to a linear sample.
    #[inline]
    pub fn decode(self, c: u8) -> i16 {
        match self {
            G711Law::Alaw => alaw_decode(c),
            G711Law::Ulaw => ulaw_decode(c),
        }
    }

    /// Encodes `src` into `dst`; only `min(src.len(), dst.len())` samples are converted.
    pub fn encode_slice(self, src: &[i16], dst: &mut [u8]) {
        match self {
            G711Law::Alaw => alaw_encode_slice(src, dst),
            G711Law::Ulaw => ulaw_encode_slice(src, dst),
        }
    }

    /// Decodes `src` into `dst`; only `min(src.len(), dst.len())` codes are converted.
    pub fn decode_slice(self, src: &[u8], dst: &mut [i16]) {
        match self {
            G711Law::Alaw => alaw_decode_slice(src, dst),
            G711Law::Ulaw => ulaw_decode_slice(src, dst),
        }
    }

    /// The code that decodes to (positive) zero: what silence is made of.
    pub fn silence(self) -> u8 {
        match self {
            G711Law::Alaw => 0xD5,
            G711Law::Ulaw => 0xFF,
        }
    }

    /// A 20 ms frame of silence (160 codes), shared and never copied: what the stream
    /// sends between prompts.
    pub fn silence_frame(self) -> bytes::Bytes {
        static ALAW: [u8; crate::FRAME_SAMPLES] = [0xD5; crate::FRAME_SAMPLES];
        static ULAW: [u8; crate::FRAME_SAMPLES] = [0xFF; crate::FRAME_SAMPLES];
        match self {
            G711Law::Alaw => bytes::Bytes::from_static(&ALAW),
            G711Law::Ulaw => bytes::Bytes::from_static(&ULAW),
        }
    }
}

/// G.191 `alaw_compress` for one sample (only the 13 most significant bits matter).
const fn alaw_compress_ref(lin: i16) -> u8 {
    // One's complement for negatives, as in G.191 (not two's: that shifts every decision
    // level of the negative half by one step).
    let mut ix: i16 = if lin < 0 { (!lin) >> 4 } else { lin >> 4 };
    if ix > 15 {
        let mut iexp: i16 = 1;
        while ix > 16 + 15 {
            ix >>= 1;
            iexp += 1;
        }
        ix -= 16;
        ix += iexp << 4;
    }
    if lin >= 0 {
        ix |= 0x80;
    }
    (ix ^ 0x55) as u8
}

/// G.191 `alaw_expand` for one code.
const fn alaw_expand_ref(code: u8) -> i16 {
    let ix = (code ^ 0x55) as i16 & 0x7F;
    let iexp = ix >> 4;
    let mut mant = ix & 0x0F;
    if iexp > 0 {
        mant += 16;
    }
    mant = (mant << 4) + 0x08;
    if iexp > 1 {
        mant <<= iexp - 1;
    }
    if code > 127 { mant } else { -mant }
}

/// G.191 `ulaw_compress` for one sample (only the 14 most significant bits matter).
const fn ulaw_compress_ref(lin: i16) -> u8 {
    let mut absno: i16 = if lin < 0 {
        ((!lin) >> 2) + 33
    } else {
        (lin >> 2) + 33
    };
    if absno > 0x1FFF {
        absno = 0x1FFF;
    }
    let mut i = absno >> 6;
    let mut segno: i16 = 1;
    while i != 0 {
        segno += 1;
        i >>= 1;
    }
    let high = 0x08 - segno;
    let low = 0x0F - ((absno >> segno) & 0x0F);
    let mut code = (high << 4) | low;
    if lin >= 0 {
        code |= 0x80;
    }
    code as u8
}

/// G.191 `ulaw_expand` for one code.
const fn ulaw_expand_ref(code: u8) -> i16 {
    let sign: i32 = if code < 0x80 { -1 } else { 1 };
    let mantissa = !(code as i32);
    let exponent = (mantissa >> 4) & 0x07;
    let segment = exponent + 1;
    let mantissa = mantissa & 0x0F;
    let step = 4 << segment;
    (sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33)) as i16
}

const ALAW_ENCODE: [u8; 8192] = {
    let mut t = [0u8; 8192];
    let mut i = 0;
    while i < 8192 {
        // Index i holds the top 13 bits of the sample as an unsigned pattern.
        t[i] = alaw_compress_ref(((i as u16) << 3) as i16);
        i += 1;
    }
    t
};

const ULAW_ENCODE: [u8; 16384] = {
    let mut t = [0u8; 16384];
    let mut i = 0;
    while i < 16384 {
        t[i] = ulaw_compress_ref(((i as u16) << 2) as i16);
        i += 1;
    }
    t
};

const ALAW_DECODE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = alaw_expand_ref(i as u8);
        i += 1;
    }
    t
};

const ULAW_DECODE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ulaw_expand_ref(i as u8);
        i += 1;
    }
    t
};

// Statics (not consts) so every use shares one copy of each table.
static ALAW_ENC: [u8; 8192] = ALAW_ENCODE;
static ULAW_ENC: [u8; 16384] = ULAW_ENCODE;
static ALAW_DEC: [i16; 256] = ALAW_DECODE;
static ULAW_DEC: [i16; 256] = ULAW_DECODE;

/// Encodes one linear sample to A-law.
#[inline]
pub fn alaw_encode(s: i16) -> u8 {
    ALAW_ENC[(s as u16 >> 3) as usize]
}

/// Decodes one A-law code to a linear sample (13 bits, left-justified in 16).
#[inline]
pub fn alaw_decode(c: u8) -> i16 {
    ALAW_DEC[c as usize]
}

/// Encodes one linear sample to u-law.
#[inline]
pub fn ulaw_encode(s: i16) -> u8 {
    ULAW_ENC[(s as u16 >> 2) as usize]
}

/// Decodes one u-law code to a linear sample (14 bits, left-justified in 16).
#[inline]
pub fn ulaw_decode(c: u8) -> i16 {
    ULAW_DEC[c as usize]
}

/// Encodes `src` to A-law into `dst`; converts `min(src.len(), dst.len())` samples.
pub fn alaw_encode_slice(src: &[i16], dst: &mut [u8]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = ALAW_ENC[(s as u16 >> 3) as usize];
    }
}

/// Decodes A-law `src` into `dst`; converts `min(src.len(), dst.len())` codes.
pub fn alaw_decode_slice(src: &[u8], dst: &mut [i16]) {
    for (d, &c) in dst.iter_mut().zip(src) {
        *d = ALAW_DEC[c as usize];
    }
}

/// Encodes `src` to u-law into `dst`; converts `min(src.len(), dst.len())` samples.
pub fn ulaw_encode_slice(src: &[i16], dst: &mut [u8]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = ULAW_ENC[(s as u16 >> 2) as usize];
    }
}

/// Decodes u-law `src` into `dst`; converts `min(src.len(), dst.len())` codes.
pub fn ulaw_decode_slice(src: &[u8], dst: &mut [i16]) {
    for (d, &c) in dst.iter_mut().zip(src) {
        *d = ULAW_DEC[c as usize];
    }
}
