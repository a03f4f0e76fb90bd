//! Counters for `GET /metrics` (Prometheus text format 0.0.4).
//!
//! [`Metrics`] is a cheap clonable handle. Figures arrive by two routes only:
//!
//! - pushed: the daemon bumps the call and callback counters itself, and the call runner
//!   counts DTMF key presses through its `CallObserver` (pass the handle to
//!   `wiring::build_executor`);
//! - pulled: the RTP engine's packets and pacers and the SIP endpoint's counters and trunk
//!   keepalive verdict are not copied anywhere: `wiring::build_executor` registers the
//!   `MediaEngine` and the `SipEndpoint` here and they are read from them at scrape time.
//!
//! No label ever carries a number or a code.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use voice_otp_call::ResultCode;
use voice_otp_call::trunks::TrunkGroup;
use voice_otp_rtp::{MediaEngine, Percentiles};
use voice_otp_sip::SipEndpoint;

/// Upper bounds (seconds) of the answer latency histogram buckets.
const ANSWER_BUCKETS: [f64; 10] = [0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0];

#[derive(Default)]
struct Inner {
    /// Indexed by result code - 9.
    calls_by_result: [AtomicU64; 4],
    calls_active: AtomicI64,
    calls_queued: AtomicI64,
    calls_accepted: AtomicU64,
    answer_buckets: [AtomicU64; ANSWER_BUCKETS.len()],
    answer_count: AtomicU64,
    answer_sum_ms: AtomicU64,
    callbacks_delivered: AtomicU64,
    callbacks_failed_attempts: AtomicU64,
    callbacks_given_up: AtomicU64,
    dtmf_events: AtomicU64,
    /// 0 unknown, 1 ready, 2 down.
    sip_ready: AtomicU8,
    /// The engine whose pacers `/metrics` reports. Weak: the call runner owns the engine,
    /// and a metrics handle kept by some task must not keep its pacing threads alive.
    media: Mutex<Weak<MediaEngine>>,
    /// The SIP endpoint of each trunk, by trunk name, whose counters `/metrics` reads at
    /// scrape time (weak, as `media`).
    sip: Mutex<Vec<(String, Weak<SipEndpoint>)>>,
    /// The trunk group whose attempt counters `/metrics` reads (weak, as `media`).
    trunks: Mutex<Weak<TrunkGroup>>,
}

/// Handle to the daemon's metrics; clones share the same counters.
#[derive(Clone, Default)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Fresh counters, all zero, SIP readiness unknown.
    pub fn new() -> Self {
        Metrics::default()
    }

    /// Counts one DTMF event (RFC 4733, SIP INFO or in-band) (for the runner).
    pub fn inc_dtmf_events(&self) {
        self.inner.dtmf_events.fetch_add(1, Ordering::Relaxed);
    }

    /// Tells `/healthz` whether the SIP transport is bound (for the engine).
    pub fn set_sip_ready(&self, ready: bool) {
        self.inner
            .sip_ready
            .store(if ready { 1 } else { 2 }, Ordering::Relaxed);
    }

    /// Whether the trunk group can take calls, from the OPTIONS keepalives: `Some(true)`
    /// some trunk answers, `Some(false)` none does and one stopped answering, `None`
    /// unknown (keepalive off, no answer yet, or no SIP endpoint). Read from the watched
    /// endpoints now.
    pub fn trunk_reachable(&self) -> Option<bool> {
        let verdicts: Vec<Option<bool>> = self
            .trunks_reachable()
            .into_iter()
            .map(|(_, reachable)| reachable)
            .collect();
        if verdicts.contains(&Some(true)) {
            Some(true)
        } else if verdicts.contains(&Some(false)) {
            Some(false)
        } else {
            None
        }
    }

    /// Each trunk's keepalive verdict, by name, in the group's order (see
    /// [`Metrics::trunk_reachable`]).
    pub fn trunks_reachable(&self) -> Vec<(String, Option<bool>)> {
        self.sip_endpoints()
            .into_iter()
            .map(|(name, sip)| (name, sip.stats().trunk_reachable))
            .collect()
    }

    /// The watched SIP endpoints that still live, with their trunk names.
    fn sip_endpoints(&self) -> Vec<(String, Arc<SipEndpoint>)> {
        let sips = self
            .inner
            .sip
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        sips.iter()
            .filter_map(|(name, sip)| Some((name.clone(), sip.upgrade()?)))
            .collect()
    }

    /// Reports the pacers of `engine` in `/metrics` from now on, for as long as the engine
    /// lives (for the engine builder; the last one registered wins).
    pub(crate) fn watch_media_engine(&self, engine: &Arc<MediaEngine>) {
        *self
            .inner
            .media
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Arc::downgrade(engine);
    }

    /// Reports the counters of `endpoint`, the SIP endpoint of trunk `trunk`, in
    /// `/metrics` and `/healthz` from now on, for as long as it lives (for the engine
    /// builder; registering a trunk name again replaces its endpoint, and endpoints that
    /// are gone are forgotten).
    pub(crate) fn watch_sip_endpoint(&self, trunk: &str, endpoint: &Arc<SipEndpoint>) {
        let mut sips = self
            .inner
            .sip
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        sips.retain(|(name, sip)| name != trunk && sip.strong_count() > 0);
        sips.push((trunk.to_owned(), Arc::downgrade(endpoint)));
    }

    /// Reports the attempt counters of `group` in `/metrics` from now on, for as long as it
    /// lives (for the engine builder; the last one registered wins).
    pub(crate) fn watch_trunk_group(&self, group: &Arc<TrunkGroup>) {
        *self
            .inner
            .trunks
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Arc::downgrade(group);
    }

    /// `Some(true)` bound, `Some(false)` down, `None` not reported by the engine.
    pub fn sip_ready(&self) -> Option<bool> {
        match self.inner.sip_ready.load(Ordering::Relaxed) {
            1 => Some(true),
            2 => Some(false),
            _ => None,
        }
    }

    pub(crate) fn call_accepted(&self) {
        self.inner.calls_accepted.fetch_add(1, Ordering::Relaxed);
        self.inner.calls_queued.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn call_started(&self) {
        self.inner.calls_queued.fetch_sub(1, Ordering::Relaxed);
        self.inner.calls_active.fetch_add(1, Ordering::Relaxed);
    }

    /// A call ended; `was_active` is false for calls that never left the queue.
    pub(crate) fn call_ended(&self, result: ResultCode, was_active: bool) {
        if was_active {
            self.inner.calls_active.fetch_sub(1, Ordering::Relaxed);
        } else {
            self.inner.calls_queued.fetch_sub(1, Ordering::Relaxed);
        }
        let i = usize::from(result.code() - 9);
        self.inner.calls_by_result[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Observes one call's INVITE-to-answer latency (for the runner's observer, when the
    /// answer comes, so the histogram is live while calls are).
    pub fn observe_answer_latency(&self, latency: Duration) {
        let secs = latency.as_secs_f64();
        for (i, bound) in ANSWER_BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.inner.answer_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.inner.answer_count.fetch_add(1, Ordering::Relaxed);
        self.inner.answer_sum_ms.fetch_add(
            u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    pub(crate) fn callback_delivered(&self) {
        self.inner
            .callbacks_delivered
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn callback_failed_attempt(&self) {
        self.inner
            .callbacks_failed_attempts
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn callback_given_up(&self) {
        self.inner
            .callbacks_given_up
            .fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        self.render_calls(&mut out);
        self.render_answers_and_callbacks(&mut out);
        self.render_media(&mut out);
        let sips = self.sip_endpoints();
        if !sips.is_empty() {
            let _ = writeln!(
                out,
                "# HELP voice_otp_sip_rejected_source_total SIP datagrams dropped unanswered: source outside [sip] accept-from.\n# TYPE voice_otp_sip_rejected_source_total counter\nvoice_otp_sip_rejected_source_total {}",
                sips.iter()
                    .map(|(_, sip)| sip.stats().rejected_source)
                    .sum::<u64>()
            );
        }
        self.render_trunks(&mut out);
        out
    }

    /// Each trunk's call attempts by result, and its keepalive verdict.
    fn render_trunks(&self, out: &mut String) {
        let group = self
            .inner
            .trunks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .upgrade();
        if let Some(group) = group {
            let _ = writeln!(
                out,
                "# HELP voice_otp_trunk_attempts_total INVITE attempts by trunk and how they ended (SIP status, answered, timeout, transport, cancelled).\n# TYPE voice_otp_trunk_attempts_total counter"
            );
            for (trunk, result, n) in group.attempts() {
                let _ = writeln!(
                    out,
                    "voice_otp_trunk_attempts_total{{trunk=\"{trunk}\",result=\"{result}\"}} {n}"
                );
            }
        }
        let verdicts: Vec<(String, bool)> = self
            .trunks_reachable()
            .into_iter()
            .filter_map(|(name, reachable)| Some((name, reachable?)))
            .collect();
        if !verdicts.is_empty() {
            let _ = writeln!(
                out,
                "# HELP voice_otp_trunk_reachable Whether each trunk answers OPTIONS keepalives.\n# TYPE voice_otp_trunk_reachable gauge"
            );
            for (trunk, reachable) in verdicts {
                let _ = writeln!(
                    out,
                    "voice_otp_trunk_reachable{{trunk=\"{trunk}\"}} {}",
                    u8::from(reachable)
                );
            }
        }
    }

    /// Calls by result, accepted, active and queued; the trunk's keepalive verdict.
    fn render_calls(&self, out: &mut String) {
        let m = &self.inner;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP voice_otp_calls_total Calls ended, by result.\n# TYPE voice_otp_calls_total counter"
        );
        for code in [
            ResultCode::Cancelled,
            ResultCode::Finished,
            ResultCode::Failed,
            ResultCode::Rejected,
        ] {
            let _ = writeln!(
                out,
                "voice_otp_calls_total{{result=\"{}\",code=\"{}\"}} {}",
                code.description().to_ascii_lowercase(),
                code.code(),
                get(&m.calls_by_result[usize::from(code.code() - 9)])
            );
        }
        let _ = writeln!(
            out,
            "# HELP voice_otp_calls_accepted_total Calls accepted by the API.\n# TYPE voice_otp_calls_accepted_total counter\nvoice_otp_calls_accepted_total {}",
            get(&m.calls_accepted)
        );
        let _ = writeln!(
            out,
            "# HELP voice_otp_calls_active Calls being dialled or in progress.\n# TYPE voice_otp_calls_active gauge\nvoice_otp_calls_active {}",
            m.calls_active.load(Ordering::Relaxed).max(0)
        );
        let _ = writeln!(
            out,
            "# HELP voice_otp_calls_queued Calls waiting for a slot under max-concurrent.\n# TYPE voice_otp_calls_queued gauge\nvoice_otp_calls_queued {}",
            m.calls_queued.load(Ordering::Relaxed).max(0)
        );
        if let Some(reachable) = self.trunk_reachable() {
            let _ = writeln!(
                out,
                "# HELP voice_otp_sip_trunk_reachable Whether some trunk of the group answers OPTIONS keepalives.\n# TYPE voice_otp_sip_trunk_reachable gauge\nvoice_otp_sip_trunk_reachable {}",
                u8::from(reachable)
            );
        }
    }

    /// The answer latency histogram and the callback deliveries.
    fn render_answers_and_callbacks(&self, out: &mut String) {
        let m = &self.inner;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP voice_otp_answer_latency_seconds INVITE to answer.\n# TYPE voice_otp_answer_latency_seconds histogram"
        );
        for (i, bound) in ANSWER_BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "voice_otp_answer_latency_seconds_bucket{{le=\"{bound}\"}} {}",
                get(&m.answer_buckets[i])
            );
        }
        let count = get(&m.answer_count);
        let _ = writeln!(
            out,
            "voice_otp_answer_latency_seconds_bucket{{le=\"+Inf\"}} {count}\nvoice_otp_answer_latency_seconds_sum {}\nvoice_otp_answer_latency_seconds_count {count}",
            get(&m.answer_sum_ms) as f64 / 1000.0
        );
        let _ = writeln!(
            out,
            "# HELP voice_otp_callback_deliveries_total Callback delivery attempts, by outcome.\n# TYPE voice_otp_callback_deliveries_total counter\nvoice_otp_callback_deliveries_total{{outcome=\"delivered\"}} {}\nvoice_otp_callback_deliveries_total{{outcome=\"failed\"}} {}\nvoice_otp_callback_deliveries_total{{outcome=\"given_up\"}} {}",
            get(&m.callbacks_delivered),
            get(&m.callbacks_failed_attempts),
            get(&m.callbacks_given_up)
        );
    }

    /// RTP packets and pacers, read from the watched engine now, and DTMF presses.
    fn render_media(&self, out: &mut String) {
        let m = &self.inner;
        let media = m
            .media
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .upgrade();
        // Read from the engine at scrape time, so calls in progress count (a per-call sum
        // at hang-up would hold a long call's packets back until it ends).
        let live = media
            .as_ref()
            .map(|e| e.packet_totals())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "# HELP voice_otp_rtp_packets_total RTP packets, by direction (received: accepted from the far end), live calls included.\n# TYPE voice_otp_rtp_packets_total counter\nvoice_otp_rtp_packets_total{{direction=\"sent\"}} {}\nvoice_otp_rtp_packets_total{{direction=\"received\"}} {}",
            live.sent, live.received
        );
        let _ = writeln!(
            out,
            "# HELP voice_otp_rtp_rejected_source_total RTP datagrams dropped because they came from a source the call's stream does not accept ([rtp] latching), live calls included.\n# TYPE voice_otp_rtp_rejected_source_total counter\nvoice_otp_rtp_rejected_source_total {}",
            live.rejected_source
        );
        let _ = writeln!(
            out,
            "# HELP voice_otp_dtmf_events_total DTMF key presses received.\n# TYPE voice_otp_dtmf_events_total counter\nvoice_otp_dtmf_events_total {}",
            m.dtmf_events.load(Ordering::Relaxed)
        );
        if let Some(media) = media {
            render_pacers(out, &media);
        }
    }
}

/// The pacing threads' scheduling and timing, read from the engine now.
fn render_pacers(out: &mut String, media: &MediaEngine) {
    let scheduling = media.pacer_scheduling();
    let _ = writeln!(
        out,
        "# HELP voice_otp_rtp_pacers RTP pacing threads.\n# TYPE voice_otp_rtp_pacers gauge\nvoice_otp_rtp_pacers {}",
        scheduling.pacers
    );
    let _ = writeln!(
        out,
        "# HELP voice_otp_rtp_pacers_realtime RTP pacing threads running under SCHED_FIFO now ([rtp] realtime-priority).\n# TYPE voice_otp_rtp_pacers_realtime gauge\nvoice_otp_rtp_pacers_realtime {}",
        scheduling.realtime
    );
    let _ = writeln!(
        out,
        "# HELP voice_otp_rtp_pacer_demotions_total Times an overloaded real-time pacer was dropped to time-sharing.\n# TYPE voice_otp_rtp_pacer_demotions_total counter\nvoice_otp_rtp_pacer_demotions_total {}",
        scheduling.demotions
    );
    let pacing = media.pacing_stats();
    summary(
        out,
        "voice_otp_rtp_send_interval_error_seconds",
        "Distance of the gap between two RTP packets of a stream from 20 ms, since start.",
        &pacing.send_interval_error,
    );
    summary(
        out,
        "voice_otp_rtp_pacer_lateness_seconds",
        "Send time minus due time of each RTP packet and RTCP report, since start.",
        &pacing.lateness,
    );
}

/// A summary without `_sum` (the engine keeps bucket counts, not a total); quantiles are
/// NaN before the first sample, as Prometheus clients write an empty summary.
fn summary(out: &mut String, name: &str, help: &str, p: &Percentiles) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} summary");
    for (quantile, value) in [("0.5", p.p50), ("0.99", p.p99), ("0.999", p.p999)] {
        let seconds = if p.samples == 0 {
            f64::NAN
        } else {
            value.as_secs_f64()
        };
        let _ = writeln!(out, "{name}{{quantile=\"{quantile}\"}} {seconds}");
    }
    let _ = writeln!(out, "{name}_count {}", p.samples);
}
