//! Broken or hostile WAV input gives a typed error, never a panic and never an allocation
//! sized by a header field; the fuzz corpus (fuzz/corpus/wav/), its truncations and
//! mutations all return.

use voice_otp_media::MediaError;
use voice_otp_media::wav::{decode_wav, encode_wav};

fn valid() -> Vec<u8> {
    encode_wav(&[1, 2, 3, 4, 5, 6, 7, 8])
}

fn set_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn set_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn empty_and_truncated_headers() {
    assert!(matches!(decode_wav(&[]), Err(MediaError::WavTruncated(_))));
    assert!(matches!(
        decode_wav(b"RIFF"),
        Err(MediaError::WavTruncated(_))
    ));
    assert!(matches!(
        decode_wav(b"RIFF\0\0\0\0WAVE"),
        Err(MediaError::WavMissingChunk("fmt "))
    ));
    let v = valid();
    // Cut inside the fmt chunk.
    assert!(matches!(
        decode_wav(&v[..30]),
        Err(MediaError::WavTruncated(_))
    ));
    // Cut inside the data chunk.
    assert!(matches!(
        decode_wav(&v[..v.len() - 1]),
        Err(MediaError::WavTruncated("data chunk"))
    ));
    // No data chunk at all.
    assert!(matches!(
        decode_wav(&v[..36]),
        Err(MediaError::WavMissingChunk("data"))
    ));
}

#[test]
fn not_riff() {
    assert!(matches!(
        decode_wav(b"OggS\0\0\0\0\0\0\0\0\0\0\0"),
        Err(MediaError::WavNotRiff)
    ));
    let mut v = valid();
    v[8..12].copy_from_slice(b"AVI ");
    assert!(matches!(decode_wav(&v), Err(MediaError::WavNotRiff)));
}

#[test]
fn huge_declared_sizes_are_refused_without_allocating() {
    let mut v = valid();
    set_u32(&mut v, 40, u32::MAX); // data size
    assert!(matches!(
        decode_wav(&v),
        Err(MediaError::WavTruncated("data chunk"))
    ));
    let mut v = valid();
    set_u32(&mut v, 16, u32::MAX); // fmt size
    assert!(matches!(
        decode_wav(&v),
        Err(MediaError::WavTruncated("fmt chunk"))
    ));
    let mut v = valid();
    set_u32(&mut v, 4, u32::MAX); // RIFF size is not trusted either
    assert_eq!(decode_wav(&v).unwrap(), vec![1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn bad_formats() {
    let mut v = valid();
    set_u16(&mut v, 22, 0);
    assert!(matches!(
        decode_wav(&v),
        Err(MediaError::WavInvalidFormat(_))
    ));
    let mut v = valid();
    set_u16(&mut v, 22, 9);
    assert!(matches!(
        decode_wav(&v),
        Err(MediaError::WavUnsupportedChannels(9))
    ));
    let mut v = valid();
    set_u32(&mut v, 24, 96000);
    assert!(matches!(
        decode_wav(&v),
        Err(MediaError::WavUnsupportedRate(96000))
    ));
    let mut v = valid();
    set_u32(&mut v, 24, 0);
    assert!(matches!(
        decode_wav(&v),
        Err(MediaError::WavUnsupportedRate(0))
    ));
    let mut v = valid();
    set_u16(&mut v, 20, 0x55); // MP3
    assert!(matches!(
        decode_wav(&v),
        Err(MediaError::WavUnsupportedEncoding {
            format_tag: 0x55,
            bits: 16
        })
    ));
    let mut v = valid();
    set_u16(&mut v, 34, 12); // 12-bit PCM
    assert!(matches!(
        decode_wav(&v),
        Err(MediaError::WavUnsupportedEncoding { .. })
    ));
    let mut v = valid();
    set_u16(&mut v, 32, 4); // block align for stereo in a mono file
    assert!(matches!(
        decode_wav(&v),
        Err(MediaError::WavInvalidFormat(_))
    ));
}

#[test]
fn too_long_is_refused() {
    // A 16-byte-per-frame header over little data cannot claim length; a long file can.
    let samples = vec![0i16; 8000 * 601];
    assert!(matches!(
        decode_wav(&encode_wav(&samples)),
        Err(MediaError::WavTooLong { .. })
    ));
}

#[test]
fn fuzz_corpus_and_its_mutations_never_panic() {
    let files = crate::common::fuzz_corpus("wav");
    for (_, bytes) in &files {
        assert!(decode_wav(bytes).is_ok());
        // Every truncation of the header region, a spread of longer ones, and byte
        // mutations of the header region.
        crate::common::mutations(bytes, 128, 80, |m| {
            let _ = decode_wav(m);
        });
    }
    assert!(files.len() >= 5, "corpus has {} files", files.len());
}
