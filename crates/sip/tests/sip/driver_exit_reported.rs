//! The endpoint reports how its driver task ended, to a supervisor that holds `stopped()`
//! without keeping the endpoint alive: a shutdown or a dropped endpoint is `Shutdown`.
//! (`Panicked` comes from the same guard during unwinding; no input can make the driver
//! panic, so no test provokes it.)
use std::time::Duration;

use tokio::time::timeout;
use voice_otp_sip::{DriverExit, EndpointConfig, SipEndpoint};

async fn endpoint() -> SipEndpoint {
    let cfg = EndpointConfig::udp("127.0.0.1:0".parse().unwrap(), "127.0.0.1:5999");
    SipEndpoint::start(cfg).await.unwrap()
}

#[tokio::test]
async fn stopped_resolves_on_shutdown_and_on_drop() {
    let ep = endpoint().await;
    let stopped = ep.stopped();
    let early = timeout(Duration::from_millis(200), ep.stopped()).await;
    assert!(early.is_err(), "resolved while the driver runs");
    ep.shutdown().await;
    let exit = timeout(Duration::from_secs(5), stopped).await.unwrap();
    assert_eq!(exit, DriverExit::Shutdown);

    let ep = endpoint().await;
    let stopped = ep.stopped();
    drop(ep);
    let exit = timeout(Duration::from_secs(5), stopped).await.unwrap();
    assert_eq!(exit, DriverExit::Shutdown);
}
