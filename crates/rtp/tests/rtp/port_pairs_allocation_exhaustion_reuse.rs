//! Ports come in even/odd pairs from the configured range, run out with a clear error, and
//! come back when the pair is dropped.

use voice_otp_rtp::{PortAllocator, PortRange, RtpError};

#[test]
fn range_parses_and_counts_pairs() {
    let r: PortRange = "20000-30000".parse().unwrap();
    assert_eq!((r.low(), r.high(), r.pairs()), (20000, 30000, 5000));
    // An odd low port starts at the next even one.
    assert_eq!("20001-20006".parse::<PortRange>().unwrap().pairs(), 2);
    for bad in [
        "",
        "20000",
        "30000-20000",
        "a-b",
        "20000-20000",
        "0-10",
        "20000-",
    ] {
        assert!(
            matches!(bad.parse::<PortRange>(), Err(RtpError::InvalidPortRange(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn pairs_are_even_odd_distinct_then_exhausted_then_reused() {
    let alloc = PortAllocator::new("40000-40007".parse().unwrap());
    let pairs: Vec<_> = (0..4).map(|_| alloc.allocate().unwrap()).collect();
    let mut ports: Vec<u16> = pairs.iter().map(|p| p.rtp()).collect();
    for p in &pairs {
        assert_eq!(p.rtp() % 2, 0);
        assert_eq!(p.rtcp(), p.rtp() + 1);
    }
    ports.sort();
    assert_eq!(ports, vec![40000, 40002, 40004, 40006]);
    assert_eq!(alloc.in_use(), 4);

    let err = alloc.allocate().unwrap_err();
    assert!(matches!(
        err,
        RtpError::PortsExhausted {
            low: 40000,
            high: 40007,
            pairs: 4
        }
    ));
    assert!(err.to_string().contains("exhausted"), "{err}");

    let freed = pairs[1].rtp();
    drop(pairs);
    assert_eq!(alloc.in_use(), 0);
    let again = alloc.allocate().unwrap();
    assert!(ports.contains(&again.rtp()));
    let _ = freed;
}

#[test]
fn a_freed_pair_is_reused_when_it_is_the_only_one() {
    let alloc = PortAllocator::new("40100-40105".parse().unwrap());
    let a = alloc.allocate().unwrap();
    let b = alloc.allocate().unwrap();
    let c = alloc.allocate().unwrap();
    let freed = b.rtp();
    drop(b);
    let d = alloc.allocate().unwrap();
    assert_eq!(d.rtp(), freed);
    assert!(alloc.allocate().is_err());
    drop((a, c, d));
}

/// Ports are drawn at random (a stranger cannot aim at the next call's port), yet a pair in
/// use is never handed out twice and the whole range stays usable.
#[test]
fn pairs_are_drawn_at_random_and_never_twice_while_in_use() {
    let range: PortRange = "20000-29999".parse().unwrap();
    let first: Vec<u16> = (0..4)
        .map(|seed| {
            PortAllocator::with_seed(range, seed)
                .allocate()
                .unwrap()
                .rtp()
        })
        .collect();
    assert!(
        first.windows(2).any(|w| w[0] != w[1]),
        "the first pair does not depend on the draw: {first:?}"
    );

    let alloc = PortAllocator::with_seed(range, 7);
    let held: Vec<_> = (0..200).map(|_| alloc.allocate().unwrap()).collect();
    let mut ports: Vec<u16> = held.iter().map(|p| p.rtp()).collect();
    let in_a_row = ports.windows(2).filter(|w| w[1] == w[0] + 2).count();
    assert!(
        in_a_row < 20,
        "{in_a_row} of 199 allocations were the next pair up"
    );
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 200, "a pair in use was handed out twice");

    // A small range is used up completely, every pair once, and then refused.
    let small = PortAllocator::new("40200-40219".parse().unwrap());
    let all: Vec<_> = (0..10).map(|_| small.allocate().unwrap()).collect();
    let mut got: Vec<u16> = all.iter().map(|p| p.rtp()).collect();
    got.sort_unstable();
    assert_eq!(got, (40200..40220).step_by(2).collect::<Vec<u16>>());
    assert!(matches!(
        small.allocate(),
        Err(RtpError::PortsExhausted { pairs: 10, .. })
    ));
}
