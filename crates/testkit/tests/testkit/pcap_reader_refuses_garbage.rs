//! [`read_pcap`] reads a classic pcap file written by hand (Ethernet, IPv4, UDP) and
//! returns errors, never panics, for garbage: a short file, a wrong magic number, an
//! unknown link type, and every truncation and single-bit flip of a valid file.

use voice_otp_testkit::capture::{PcapError, read_pcap};

/// A little-endian pcap file with one Ethernet/IPv4/UDP packet 127.0.0.1:4000 ->
/// 127.0.0.2:5000 carrying `payload`, and one ARP frame (skipped).
fn pcap(payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    f.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&1u32.to_le_bytes());
    let udp_len = 8 + payload.len() as u16;
    let mut frame = vec![0u8; 12];
    frame.extend_from_slice(&[0x08, 0x00]);
    frame.extend_from_slice(&[0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0]);
    frame.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 2]);
    frame.extend_from_slice(&4000u16.to_be_bytes());
    frame.extend_from_slice(&5000u16.to_be_bytes());
    frame.extend_from_slice(&udp_len.to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(payload);
    let mut arp = vec![0u8; 12];
    arp.extend_from_slice(&[0x08, 0x06]);
    arp.extend_from_slice(&[0u8; 28]);
    for frame in [&frame, &arp] {
        f.extend_from_slice(&[0u8; 8]);
        f.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        f.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        f.extend_from_slice(frame);
    }
    f
}

#[test]
fn reads_the_udp_datagram_and_skips_the_rest() {
    let got = read_pcap(&pcap(b"hello rtp")).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].src, "127.0.0.1:4000".parse().unwrap());
    assert_eq!(got[0].dst, "127.0.0.2:5000".parse().unwrap());
    assert_eq!(got[0].payload, b"hello rtp");
}

#[test]
fn garbage_is_an_error_or_fewer_datagrams_never_a_panic() {
    assert_eq!(read_pcap(&[]), Err(PcapError::Truncated));
    let mut file = pcap(b"payload");
    file[0] = 0;
    assert!(matches!(read_pcap(&file), Err(PcapError::Magic(_))));
    let mut file = pcap(b"payload");
    file[20] = 99;
    assert_eq!(read_pcap(&file), Err(PcapError::LinkType(99)));

    let file = pcap(&[0x80; 40]);
    for cut in 0..file.len() {
        let _ = read_pcap(&file[..cut]);
    }
    let mut flipped = 0;
    for bit in 0..file.len() * 8 {
        let mut f = file.clone();
        f[bit / 8] ^= 1 << (bit % 8);
        flipped += usize::from(read_pcap(&f).is_ok());
    }
    // Most flips land in addresses, ports and payload and still read.
    assert!(flipped > file.len() * 4, "{flipped}");
}
