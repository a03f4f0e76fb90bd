//! The testkit's own tests as one binary: one module per behaviour-named file.

mod capture_sees_udp_datagrams_on_lo;
mod pcap_reader_refuses_garbage;
mod sipp_finish_reports_timeout_as_failure;
mod sipp_uac_calls_uas_both_exit_ok;
mod sipp_uas_listening_before_start_returns;
