//! A call that finds no budget on any trunk waits (on tokio's paused clock, so in virtual
//! time) until the earliest trunk has budget: a rate slot freeing, or another call ending.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use voice_otp_call::trunks::{CPS_SLOT, TrunkGroup, TrunkLimits};

#[tokio::test(start_paused = true)]
async fn twenty_calls_on_five_cps_wait_their_turn_and_all_get_through() {
    let group = Arc::new(TrunkGroup::local(
        vec![TrunkLimits::new("a").max_cps(5)],
        Some(1),
    ));
    let start = Instant::now();
    let mut calls = Vec::new();
    for _ in 0..20 {
        let group = Arc::clone(&group);
        calls.push(tokio::spawn(async move {
            let grant = group.acquire(&[]).await.expect("one trunk to try");
            assert_eq!(grant.name(), "a");
            Instant::now()
        }));
    }
    let mut at = Vec::new();
    for call in calls {
        at.push(call.await.unwrap());
    }
    at.sort();
    for (i, t) in at.iter().enumerate() {
        let in_second = at[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < Duration::from_secs(1))
            .count();
        assert!(in_second <= 5, "{in_second} in the second after {t:?}");
    }
    // Four batches of five, each one slot later than the last: nobody waited for nothing.
    assert_eq!(at[19].duration_since(start), CPS_SLOT * 3);
}

#[tokio::test(start_paused = true)]
async fn a_full_trunk_wakes_its_waiter_when_a_call_ends() {
    let group = Arc::new(TrunkGroup::local(
        vec![TrunkLimits::new("a").max_concurrent(1)],
        Some(1),
    ));
    let held = group.acquire(&[]).await.unwrap();
    let waiter = {
        let group = Arc::clone(&group);
        tokio::spawn(async move {
            let grant = group.acquire(&[]).await.unwrap();
            (grant.name().to_owned(), Instant::now())
        })
    };
    tokio::time::sleep(Duration::from_millis(30_500)).await;
    assert!(!waiter.is_finished(), "the trunk was full");
    let released_at = Instant::now();
    drop(held);
    let (name, at) = waiter.await.unwrap();
    assert_eq!(name, "a");
    assert_eq!(at, released_at, "woken by the release, not by polling");
}

#[tokio::test(start_paused = true)]
async fn every_trunk_tried_ends_the_wait() {
    let group = TrunkGroup::local(vec![TrunkLimits::new("a"), TrunkLimits::new("b")], Some(1));
    assert!(group.acquire(&[0, 1]).await.is_none());
}
