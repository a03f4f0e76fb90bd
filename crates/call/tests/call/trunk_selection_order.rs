//! Trunk selection: the lowest priority number first, a weighted choice among equal
//! priorities (reproducible with a seed), trunks already tried skipped, and a trunk without
//! budget passed over for the next one.

use std::time::Instant;

use voice_otp_call::trunks::{Pick, TrunkGroup, TrunkLimits};

fn granted(pick: Pick) -> String {
    match pick {
        Pick::Granted(grant) => grant.name().to_owned(),
        other => panic!("expected a grant, got {other:?}"),
    }
}

#[tokio::test]
async fn lowest_priority_number_first_then_the_rest_in_order() {
    let group = TrunkGroup::local(
        vec![
            TrunkLimits::new("backup").priority(5),
            TrunkLimits::new("main").priority(1),
            TrunkLimits::new("last").priority(9),
        ],
        Some(1),
    );
    let now = Instant::now();
    assert_eq!(group.order(&[]), [1, 0, 2]);
    assert_eq!(granted(group.try_pick(&[], now).await), "main");
    assert_eq!(granted(group.try_pick(&[1], now).await), "backup");
    assert_eq!(granted(group.try_pick(&[1, 0], now).await), "last");
    assert!(matches!(
        group.try_pick(&[0, 1, 2], now).await,
        Pick::Exhausted
    ));
}

#[test]
fn equal_priorities_share_by_weight() {
    let group = TrunkGroup::local(
        vec![
            TrunkLimits::new("heavy").weight(3),
            TrunkLimits::new("light").weight(1),
            TrunkLimits::new("other").priority(1).weight(100),
        ],
        Some(42),
    );
    let mut first = [0u32; 3];
    for _ in 0..4000 {
        let order = group.order(&[]);
        // Every trunk once; the priority-1 trunk always after both priority-0 ones.
        assert_eq!(order.len(), 3);
        assert_eq!(order[2], 2, "{order:?}");
        first[order[0]] += 1;
    }
    // 3:1 expected (3000:1000); the bounds leave room for any seed.
    assert!((2700..=3300).contains(&first[0]), "{first:?}");
    assert_eq!(first[0] + first[1], 4000);
}

#[test]
fn the_same_seed_gives_the_same_choices() {
    let trunks = || {
        (0..5)
            .map(|i| TrunkLimits::new(format!("t{i}")).weight(i + 1))
            .collect::<Vec<_>>()
    };
    let a = TrunkGroup::local(trunks(), Some(9));
    let b = TrunkGroup::local(trunks(), Some(9));
    for _ in 0..50 {
        assert_eq!(a.order(&[]), b.order(&[]));
    }
}

#[tokio::test]
async fn a_trunk_without_budget_is_passed_over() {
    let group = TrunkGroup::local(
        vec![
            TrunkLimits::new("a").max_concurrent(1),
            TrunkLimits::new("b").priority(1).max_concurrent(1),
        ],
        Some(3),
    );
    let now = Instant::now();
    let first = match group.try_pick(&[], now).await {
        Pick::Granted(g) => g,
        other => panic!("{other:?}"),
    };
    assert_eq!(first.name(), "a");
    let second = match group.try_pick(&[], now).await {
        Pick::Granted(g) => g,
        other => panic!("{other:?}"),
    };
    assert_eq!(second.name(), "b");
    // Both full: wait for a call to end (no rate slot to wait for).
    assert!(matches!(
        group.try_pick(&[], now).await,
        Pick::Wait { retry_at: None }
    ));
    drop(first);
    assert_eq!(granted(group.try_pick(&[], now).await), "a");
}
