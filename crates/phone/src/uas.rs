//! The phone's SIP answers, built from the request they answer (RFC 3261 section 8.2.6).

use bytes::Bytes;
use voice_otp_sip::{SipMessage, StartLine};

/// A response to `request`: its Vias, From, Call-ID and CSeq copied, To with `to_tag`
/// added (unless it has one, or `to_tag` is `None`), then `extra` headers and `body`.
pub(crate) fn response(
    request: &SipMessage,
    code: u16,
    reason: &str,
    to_tag: Option<&str>,
    extra: &[(&str, String)],
    body: Bytes,
) -> SipMessage {
    let mut headers = Vec::new();
    for (name, value) in &request.headers {
        let keep = ["Via", "From", "Call-ID", "CSeq"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h));
        if keep {
            headers.push((name.clone(), value.clone()));
        } else if name.eq_ignore_ascii_case("To") {
            let value = match to_tag {
                Some(tag) if request.to_tag().is_none() => format!("{value};tag={tag}"),
                _ => value.clone(),
            };
            headers.push((name.clone(), value));
        }
    }
    for (name, value) in extra {
        headers.push(((*name).to_owned(), value.clone()));
    }
    headers.push(("Content-Length".to_owned(), body.len().to_string()));
    SipMessage {
        start: StartLine::Response {
            code,
            reason: reason.to_owned(),
        },
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use voice_otp_sip::parse_message;

    const INVITE: &[u8] = b"INVITE sip:+31612345678@127.0.0.1:5070 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1;rport\r\n\
Max-Forwards: 70\r\n\
From: <sip:+3197010@otp.example>;tag=abc\r\n\
To: <sip:+31612345678@127.0.0.1>\r\n\
Call-ID: call-1@127.0.0.1\r\n\
CSeq: 1 INVITE\r\n\
Content-Length: 0\r\n\r\n";

    #[test]
    fn a_200_carries_the_dialog_headers_and_our_tag() {
        let invite = parse_message(INVITE).unwrap();
        let ok = response(
            &invite,
            200,
            "OK",
            Some("phone1"),
            &[("Contact", "<sip:phone@127.0.0.1:5070>".to_owned())],
            Bytes::new(),
        );
        let wire = ok.to_bytes();
        let back = parse_message(&wire).unwrap();
        assert_eq!(back.status(), Some(200));
        assert_eq!(back.to_tag(), Some("phone1"));
        assert_eq!(back.from_tag(), Some("abc"));
        assert_eq!(back.call_id(), Some("call-1@127.0.0.1"));
        assert_eq!(back.cseq(), Some((1, "INVITE")));
        assert_eq!(back.top_branch(), Some("z9hG4bK-1"));
        assert!(back.header("Max-Forwards").is_none());
    }
}
