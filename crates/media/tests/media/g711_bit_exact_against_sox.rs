//! G.711 against an independent implementation: sox's, captured in
//! `fixtures/media/g711/` by `scripts/media-g711-fixtures.sh` for every 16-bit input and
//! every code.
//!
//! sox quantises differently from G.191 in two documented ways, and the test maps them out
//! rather than bending our tables: (1) sox *rounds* a 16-bit input to the 13 (A-law) or 14
//! (u-law) bits the law uses, G.191 truncates, so we compare at inputs already aligned to
//! those bits, where both agree; (2) for negative u-law input sox negates in two's
//! complement (Sun's g711.c), G.191 in one's complement, so G.191's code for x < 0 is sox's
//! code for -(4 * ((!x) >> 2)), and for x in -4..=-1 it is "negative zero" (0x7F).

use std::path::PathBuf;

use voice_otp_media::G711Law;
use voice_otp_media::g711::{
    alaw_decode, alaw_decode_slice, alaw_encode, alaw_encode_slice, ulaw_decode, ulaw_decode_slice,
    ulaw_encode, ulaw_encode_slice,
};

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/media/g711")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// sox's code for the 16-bit input `x`.
fn sox_code(table: &[u8], x: i32) -> u8 {
    table[(x + 32768) as usize]
}

#[test]
fn alaw_encode_matches_sox_for_all_65536_inputs() {
    let sox = fixture("encode-a-law.raw");
    assert_eq!(sox.len(), 65536);
    for x in i16::MIN..=i16::MAX {
        let aligned = i32::from(x) & !7;
        assert_eq!(alaw_encode(x), sox_code(&sox, aligned), "input {x}");
    }
}

#[test]
fn ulaw_encode_matches_sox_for_all_65536_inputs() {
    let sox = fixture("encode-u-law.raw");
    assert_eq!(sox.len(), 65536);
    for x in i16::MIN..=i16::MAX {
        let expected = if x >= 0 {
            sox_code(&sox, i32::from(x) & !3)
        } else {
            let magnitude = i32::from(!x) >> 2;
            if magnitude == 0 {
                sox_code(&sox, 0) & 0x7F
            } else {
                sox_code(&sox, -4 * magnitude)
            }
        };
        assert_eq!(ulaw_encode(x), expected, "input {x}");
    }
}

#[test]
fn decode_matches_sox_for_all_256_codes() {
    for (law, name) in [
        (G711Law::Alaw, "decode-a-law.raw"),
        (G711Law::Ulaw, "decode-u-law.raw"),
    ] {
        let sox = fixture(name);
        assert_eq!(sox.len(), 512);
        for c in 0..=255u8 {
            let want = i16::from_le_bytes([sox[2 * c as usize], sox[2 * c as usize + 1]]);
            assert_eq!(law.decode(c), want, "{law:?} code {c:#04x}");
        }
    }
}

#[test]
fn g191_known_answers() {
    // Values from the G.711 tables: silence codes, the ends of the range, the sign split.
    assert_eq!(alaw_encode(0), 0xD5);
    assert_eq!(alaw_encode(-1), 0x55);
    assert_eq!(alaw_encode(i16::MAX), 0xAA);
    assert_eq!(alaw_encode(i16::MIN), 0x2A);
    assert_eq!(alaw_decode(0xD5), 8);
    assert_eq!(alaw_decode(0x55), -8);
    assert_eq!(alaw_decode(0xAA), 32256);
    assert_eq!(ulaw_encode(0), 0xFF);
    assert_eq!(ulaw_encode(-1), 0x7F);
    assert_eq!(ulaw_encode(i16::MAX), 0x80);
    assert_eq!(ulaw_encode(i16::MIN), 0x00);
    assert_eq!(ulaw_decode(0xFF), 0);
    assert_eq!(ulaw_decode(0x7F), 0);
    assert_eq!(ulaw_decode(0x80), 32124);
    assert_eq!(ulaw_decode(0x00), -32124);
    assert_eq!(G711Law::Alaw.decode(G711Law::Alaw.silence()), 8);
    assert_eq!(G711Law::Ulaw.decode(G711Law::Ulaw.silence()), 0);
}

#[test]
fn slice_forms_agree_with_scalar_forms() {
    let all: Vec<i16> = (i16::MIN..=i16::MAX).collect();
    let mut a = vec![0u8; all.len()];
    let mut u = vec![0u8; all.len()];
    alaw_encode_slice(&all, &mut a);
    ulaw_encode_slice(&all, &mut u);
    for (i, &x) in all.iter().enumerate() {
        assert_eq!(a[i], alaw_encode(x));
        assert_eq!(u[i], ulaw_encode(x));
    }
    let codes: Vec<u8> = (0..=255).collect();
    let mut da = vec![0i16; 256];
    let mut du = vec![0i16; 256];
    alaw_decode_slice(&codes, &mut da);
    ulaw_decode_slice(&codes, &mut du);
    let mut via_enum = vec![0i16; 256];
    G711Law::Ulaw.decode_slice(&codes, &mut via_enum);
    assert_eq!(via_enum, du);
    for c in 0..=255u8 {
        assert_eq!(da[c as usize], alaw_decode(c));
        assert_eq!(du[c as usize], ulaw_decode(c));
        // Decoding then encoding a code gives the code back (except u-law's -0, which
        // decodes to 0 and encodes as +0).
        assert_eq!(alaw_encode(alaw_decode(c)), c);
        if c != 0x7F {
            assert_eq!(ulaw_encode(ulaw_decode(c)), c, "u-law code {c:#04x}");
        }
    }
    // A short destination converts only what fits.
    let mut short = [0u8; 3];
    G711Law::Alaw.encode_slice(&all[..10], &mut short);
    assert_eq!(
        short,
        [
            alaw_encode(all[0]),
            alaw_encode(all[1]),
            alaw_encode(all[2])
        ]
    );
}
