//! Building outgoing messages: header lines, start line, Content-Length.

use std::fmt::Write as _;
use std::net::SocketAddr;

use bytes::Bytes;

use crate::types::Transport;

/// Our Via: RFC 3581 `rport` asks the far end to answer to the port we sent from.
pub(super) fn via_line(transport: Transport, local_addr: SocketAddr, branch: &str) -> String {
    format!(
        "SIP/2.0/{} {local_addr};branch={branch};rport",
        transport.via_token()
    )
}

/// Accumulates header lines for an outgoing message.
#[derive(Default)]
pub(super) struct Headers {
    text: String,
}

impl Headers {
    pub(super) fn add(&mut self, name: &str, value: &str) {
        self.text.push_str(name);
        self.text.push_str(": ");
        self.text.push_str(value);
        self.text.push_str("\r\n");
    }

    pub(super) fn request(self, method: &str, uri: &str, body: &[u8]) -> Bytes {
        let mut out = format!("{method} {uri} SIP/2.0\r\n{}", self.text);
        let _ = write!(out, "Content-Length: {}\r\n\r\n", body.len());
        let mut out = out.into_bytes();
        out.extend_from_slice(body);
        Bytes::from(out)
    }

    pub(super) fn response(self, code: u16, reason: &str, body: &[u8]) -> Bytes {
        let mut out = format!(
            "SIP/2.0 {code} {reason}\r\n{}Content-Length: {}\r\n\r\n",
            self.text,
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(body);
        Bytes::from(out)
    }
}
