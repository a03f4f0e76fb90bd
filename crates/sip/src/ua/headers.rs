//! Building outgoing messages: header lines, start line, Content-Length.

use std::fmt::Write as _;
use std::net::SocketAddr;

use bytes::Bytes;

use crate::secret::wiped_on_drop;
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
        let mut head = format!("{method} {uri} SIP/2.0\r\n{}", self.text);
        let _ = write!(head, "Content-Length: {}\r\n\r\n", body.len());
        with_body(&head, body)
    }

    pub(super) fn response(self, code: u16, reason: &str, body: &[u8]) -> Bytes {
        let head = format!(
            "SIP/2.0 {code} {reason}\r\n{}Content-Length: {}\r\n\r\n",
            self.text,
            body.len()
        );
        with_body(&head, body)
    }
}

/// The message in one buffer of its exact size (so no reallocation copies the body, which
/// may carry SDES keys), zeroized once the transaction and the transport are done with it.
fn with_body(head: &str, body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(head.len() + body.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(body);
    wiped_on_drop(out)
}
