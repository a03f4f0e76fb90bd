//! A real HTTP callback receiver for tests: an axum server on 127.0.0.1 that records every
//! POST and answers with scripted statuses. Shared by the daemon's tests
//! (`crates/daemon/tests/common`, by `#[path]`) and the end-to-end tests (the suite library's
//! `callback_receiver` module, re-exported by `e2e`).
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::Value;

/// One request seen by the callback receiver.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The status the receiver answered.
    pub answered: u16,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("callback body is JSON")
    }
}

/// How the receiver answers, besides the scripted statuses.
#[derive(Default)]
struct Behaviour {
    /// Held before answering (a slow receiver).
    delay: Duration,
    /// `Location` of 3xx answers.
    location: Option<String>,
    /// Requests being answered now, and the most seen at once.
    in_flight: usize,
    max_in_flight: usize,
}

/// A real HTTP server on 127.0.0.1 that records every POST (when it arrives) and answers
/// with the next scripted status (200 once the script is exhausted).
#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    behaviour: Arc<Mutex<Behaviour>>,
    task: Arc<tokio::task::JoinHandle<()>>,
}

impl Receiver {
    pub async fn start(statuses: &[u16]) -> Receiver {
        Receiver::start_on("127.0.0.1:0".parse().unwrap(), statuses).await
    }

    /// Like [`Receiver::start`] on a given address (a receiver that comes back up).
    pub async fn start_on(addr: SocketAddr, statuses: &[u16]) -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let statuses = Arc::new(Mutex::new(
            statuses.iter().copied().collect::<VecDeque<_>>(),
        ));
        let behaviour = Arc::new(Mutex::new(Behaviour::default()));
        let (r, s, b) = (
            Arc::clone(&received),
            Arc::clone(&statuses),
            Arc::clone(&behaviour),
        );
        let app = axum::Router::new().route(
            "/{*path}",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (r, s, b) = (Arc::clone(&r), Arc::clone(&s), Arc::clone(&b));
                async move {
                    let code = s.lock().unwrap().pop_front().unwrap_or(200);
                    r.lock().unwrap().push(Received {
                        headers,
                        body,
                        answered: code,
                    });
                    let (delay, location) = {
                        let mut b = b.lock().unwrap();
                        b.in_flight += 1;
                        b.max_in_flight = b.max_in_flight.max(b.in_flight);
                        (b.delay, b.location.clone())
                    };
                    tokio::time::sleep(delay).await;
                    b.lock().unwrap().in_flight -= 1;
                    let status = StatusCode::from_u16(code).unwrap();
                    match location.filter(|_| status.is_redirection()) {
                        Some(to) => (status, [(header::LOCATION, to)]).into_response(),
                        None => status.into_response(),
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            addr,
            received,
            statuses,
            behaviour,
            task: Arc::new(task),
        }
    }

    /// Holds every later request `delay` before answering (a slow receiver).
    pub fn set_delay(&self, delay: Duration) {
        self.behaviour.lock().unwrap().delay = delay;
    }

    /// Sends `Location: to` with every 3xx answer.
    pub fn set_redirect(&self, to: &str) {
        self.behaviour.lock().unwrap().location = Some(to.to_owned());
    }

    /// The most requests that were being answered at once.
    pub fn max_in_flight(&self) -> usize {
        self.behaviour.lock().unwrap().max_in_flight
    }

    /// Stops answering (the port closes), as a receiver that goes down.
    pub fn stop(&self) {
        self.task.abort();
    }

    pub fn url(&self) -> String {
        format!("http://{}/hooks/voice", self.addr)
    }

    /// Replaces the statuses still to be answered.
    pub fn set_statuses(&self, statuses: &[u16]) {
        *self.statuses.lock().unwrap() = statuses.iter().copied().collect();
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (bounded) until `n` requests have arrived.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let all = self.all();
            if all.len() >= n {
                return all;
            }
            assert!(
                Instant::now() < deadline,
                "callback receiver got {} of {n} requests in {within:?}",
                all.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if Arc::strong_count(&self.task) == 1 {
            self.task.abort();
        }
    }
}
