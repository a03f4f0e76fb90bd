//! SIP message parsing (rsip underneath) and a small typed view the user agent works with.

use bytes::Bytes;

use crate::error::SipError;

/// Longest SIP message we accept; anything bigger is garbage or an attack.
const MAX_MESSAGE: usize = 64 * 1024;

/// RFC 3261 section 7.3.3 compact forms, plus the common RFC 3515/3265/3841 ones.
fn expand_compact(name: &str) -> Option<&'static str> {
    if name.len() != 1 {
        return None;
    }
    Some(match name.as_bytes()[0].to_ascii_lowercase() {
        b'v' => "Via",
        b'f' => "From",
        b't' => "To",
        b'i' => "Call-ID",
        b'l' => "Content-Length",
        b'm' => "Contact",
        b'c' => "Content-Type",
        b'k' => "Supported",
        b's' => "Subject",
        b'e' => "Content-Encoding",
        b'o' => "Event",
        b'r' => "Refer-To",
        b'u' => "Allow-Events",
        _ => return None,
    })
}

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// A request: method and Request-URI as written.
    Request {
        /// Method token, upper case (e.g. `INVITE`).
        method: String,
        /// Request-URI.
        uri: String,
    },
    /// A response: status code and reason phrase.
    Response {
        /// Status code (100..=699).
        code: u16,
        /// Reason phrase as sent.
        reason: String,
    },
}

/// A parsed SIP message: start line, headers in order (full names) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipMessage {
    /// Request or status line.
    pub start: StartLine,
    /// Headers in wire order; compact names expanded; one entry per header line.
    pub headers: Vec<(String, String)>,
    /// Body, cut to Content-Length.
    pub body: Bytes,
}

impl SipMessage {
    /// First value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All values of a header, with comma-separated lists split (outside quotes and `<>`).
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| split_list(v))
    }

    /// Status code if this is a response.
    pub fn status(&self) -> Option<u16> {
        match self.start {
            StartLine::Response { code, .. } => Some(code),
            StartLine::Request { .. } => None,
        }
    }

    /// Method if this is a request.
    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// Branch parameter of the top Via.
    pub fn top_branch(&self) -> Option<&str> {
        self.header_values("Via")
            .next()
            .and_then(|v| param(v, "branch"))
    }

    /// Call-ID value.
    pub fn call_id(&self) -> Option<&str> {
        self.header("Call-ID").map(str::trim)
    }

    /// CSeq number and method.
    pub fn cseq(&self) -> Option<(u32, &str)> {
        let v = self.header("CSeq")?;
        let mut it = v.split_whitespace();
        let n = it.next()?.parse().ok()?;
        let m = it.next()?;
        Some((n, m))
    }

    /// `tag` parameter of From.
    pub fn from_tag(&self) -> Option<&str> {
        self.header("From")
            .and_then(|v| param(addr_params(v), "tag"))
    }

    /// `tag` parameter of To.
    pub fn to_tag(&self) -> Option<&str> {
        self.header("To").and_then(|v| param(addr_params(v), "tag"))
    }

    /// Serialises the message back to wire form (full header names, CRLF, Content-Length kept
    /// as received).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(512 + self.body.len());
        match &self.start {
            StartLine::Request { method, uri } => {
                out.push_str(&format!("{method} {uri} SIP/2.0\r\n"));
            }
            StartLine::Response { code, reason } => {
                out.push_str(&format!("SIP/2.0 {code} {reason}\r\n"));
            }
        }
        for (n, v) in &self.headers {
            out.push_str(n);
            out.push_str(": ");
            out.push_str(v);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Parses one SIP message (a UDP datagram or one Content-Length-framed TCP message).
///
/// Compact header forms are expanded and folded lines joined before rsip sees the text; the
/// body is cut to Content-Length. Garbage gives an error, never a panic.
pub fn parse_message(data: &[u8]) -> Result<SipMessage, SipError> {
    if data.len() > MAX_MESSAGE {
        return Err(SipError::Malformed("message too large"));
    }
    // RFC 3261 7.5: tolerate leading CRLFs (keepalives, stream padding).
    let start = data
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .ok_or(SipError::Malformed("empty"))?;
    let (head, body) =
        split_head(&data[start..]).ok_or(SipError::Malformed("no end of headers"))?;
    let head = std::str::from_utf8(head).map_err(|_| SipError::Malformed("headers not UTF-8"))?;

    let lines = unfold_lines(head)?;
    let (start_line, header_lines) = lines
        .split_first()
        .ok_or(SipError::Malformed("no start line"))?;
    let start_line = parse_start_line(start_line)?;
    let headers = header_lines
        .iter()
        .map(|line| parse_header(line))
        .collect::<Result<Vec<_>, _>>()?;
    let body = cut_body(&headers, body)?;

    let msg = SipMessage {
        start: start_line,
        headers,
        // The body may carry the far end's SDES key: wiped once the message is dropped.
        body: crate::secret::wiped_on_drop(body.to_vec()),
    };
    // rsip validates the request/status line grammar, the URI and the header framing of the
    // normalised text; its typed view is not kept because ours is simpler to match on.
    let normalised = msg.to_bytes();
    rsip::SipMessage::try_from(normalised.as_slice()).map_err(SipError::Parser)?;
    for required in ["Via", "From", "To", "Call-ID", "CSeq"] {
        if msg.header(required).is_none() {
            return Err(SipError::Malformed("missing mandatory header"));
        }
    }
    if msg.cseq().is_none() {
        return Err(SipError::Malformed("bad CSeq"));
    }
    Ok(msg)
}

/// The head's lines without their CR, folded continuations (RFC 3261 7.3.1) joined to the
/// header they continue, empty lines dropped.
fn unfold_lines(head: &str) -> Result<Vec<String>, SipError> {
    let mut lines: Vec<String> = Vec::new();
    for raw in head.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.starts_with([' ', '\t']) {
            let n = lines.len();
            match lines.last_mut() {
                // Not onto the start line: only a header can be continued.
                Some(prev) if n > 1 => {
                    prev.push(' ');
                    prev.push_str(line.trim());
                }
                _ => return Err(SipError::Malformed("continuation without header")),
            }
        } else if !line.is_empty() {
            lines.push(line.to_owned());
        }
    }
    Ok(lines)
}

/// One `Name: value` line, the name checked as a token and compact forms expanded.
fn parse_header(line: &str) -> Result<(String, String), SipError> {
    let (name, value) = line
        .split_once(':')
        .ok_or(SipError::Malformed("header without colon"))?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(is_token_char) {
        return Err(SipError::Malformed("bad header name"));
    }
    let name = expand_compact(name).map_or_else(|| name.to_owned(), str::to_owned);
    Ok((name, value.trim().to_owned()))
}

/// The body cut to Content-Length (all of it without one).
fn cut_body<'a>(headers: &[(String, String)], body: &'a [u8]) -> Result<&'a [u8], SipError> {
    let Some((_, v)) = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
    else {
        return Ok(body);
    };
    let len: usize = v
        .trim()
        .parse()
        .map_err(|_| SipError::Malformed("bad Content-Length"))?;
    // RFC 3261 18.3: a datagram shorter than its Content-Length is discarded.
    body.get(..len)
        .ok_or(SipError::Malformed("body shorter than Content-Length"))
}

fn split_head(data: &[u8]) -> Option<(&[u8], &[u8])> {
    if let Some(i) = find(data, b"\r\n\r\n") {
        return Some((&data[..i], &data[i + 4..]));
    }
    // Bare-LF senders exist; accept them as long as the whole head uses LF.
    find(data, b"\n\n").map(|i| (&data[..i], &data[i + 2..]))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

fn parse_start_line(line: &str) -> Result<StartLine, SipError> {
    if let Some(rest) = line.strip_prefix("SIP/2.0 ") {
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        let code: u16 = code
            .parse()
            .map_err(|_| SipError::Malformed("bad status code"))?;
        if !(100..=699).contains(&code) {
            return Err(SipError::Malformed("status code out of range"));
        }
        return Ok(StartLine::Response {
            code,
            reason: reason.to_owned(),
        });
    }
    let mut parts = line.split(' ');
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SipError::Malformed("bad request line"));
    };
    if version != "SIP/2.0" {
        return Err(SipError::Malformed("unsupported SIP version"));
    }
    if method.is_empty() || !method.bytes().all(is_token_char) || uri.is_empty() {
        return Err(SipError::Malformed("bad request line"));
    }
    Ok(StartLine::Request {
        method: method.to_ascii_uppercase(),
        uri: uri.to_owned(),
    })
}

/// Splits a header value at commas that are outside quotes and angle brackets.
pub(crate) fn split_list(v: &str) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let (mut quoted, mut angle, mut start) = (false, false, 0);
    let bytes = v.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b'<' if !quoted => angle = true,
            b'>' if !quoted => angle = false,
            b',' if !quoted && !angle => {
                parts.push(v[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(v.get(start..).unwrap_or("").trim());
    parts.into_iter().filter(|p| !p.is_empty())
}

/// The part of a name-addr header after the URI (where `tag` lives); for a bare addr-spec the
/// part after the first `;`.
pub(crate) fn addr_params(v: &str) -> &str {
    if let Some(close) = v.rfind('>') {
        &v[close + 1..]
    } else {
        v.find(';').map_or("", |i| &v[i..])
    }
}

/// The URI inside `<>` of a name-addr, or the addr-spec without parameters.
pub(crate) fn addr_uri(v: &str) -> &str {
    if let (Some(open), Some(close)) = (v.find('<'), v.rfind('>'))
        && open < close
    {
        return v[open + 1..close].trim();
    }
    v.split(';').next().unwrap_or("").trim()
}

/// Looks up `;name=value` (or a bare `;name`, which gives "") in a parameter list.
pub(crate) fn param<'a>(params: &'a str, name: &str) -> Option<&'a str> {
    params.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_outside_brackets_and_quotes() {
        let v: Vec<_> = split_list("<sip:a;lr>, \"x, y\" <sip:b>,<sip:c,d>").collect();
        assert_eq!(v, ["<sip:a;lr>", "\"x, y\" <sip:b>", "<sip:c,d>"]);
    }

    #[test]
    fn params_and_uris() {
        let to = "\"Bob\" <sip:bob@x;transport=udp>;tag=abc;foo";
        assert_eq!(param(addr_params(to), "tag"), Some("abc"));
        assert_eq!(param(addr_params(to), "foo"), Some(""));
        assert_eq!(addr_uri(to), "sip:bob@x;transport=udp");
        assert_eq!(addr_uri("sip:a@b;tag=1"), "sip:a@b");
        assert_eq!(param(addr_params("sip:a@b;tag=1"), "tag"), Some("1"));
    }
}
