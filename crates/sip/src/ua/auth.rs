//! The digest challenge flow (RFC 3261 22, RFC 2617/7616): answering a 401/407 once per
//! nonce, and the credentials every later request of the call carries.

use crate::auth::Challenge;
use crate::message::SipMessage;
use crate::types::CallKey;

use super::UserAgent;

/// Give up on auth after this many challenges in one call, whatever the nonces.
const MAX_AUTH_ROUNDS: u32 = 3;

/// Nothing new to answer a challenge with: no credentials, an unusable challenge, the same
/// nonce again (our credentials were refused) or too many rounds.
#[derive(Debug)]
pub(super) struct NoAnswer;

impl UserAgent {
    /// Records the challenge of a 401/407 so the next request carries credentials.
    pub(super) fn prepare_auth(
        &mut self,
        key: CallKey,
        code: u16,
        msg: &SipMessage,
    ) -> Result<(), NoAnswer> {
        let (challenge_header, answer_header) = if code == 407 {
            ("Proxy-Authenticate", "Proxy-Authorization")
        } else {
            ("WWW-Authenticate", "Authorization")
        };
        if self.config.username.is_empty() {
            return Err(NoAnswer);
        }
        let challenge = msg
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(challenge_header))
            .find_map(|(_, v)| Challenge::parse(v).ok())
            .ok_or(NoAnswer)?;
        let call = self.calls.get_mut(&key).ok_or(NoAnswer)?;
        if call.last_nonce.as_deref() == Some(challenge.nonce.as_str())
            || call.auth_rounds >= MAX_AUTH_ROUNDS
        {
            // Same nonce again means our credentials were wrong; retrying would loop.
            return Err(NoAnswer);
        }
        call.auth_rounds += 1;
        call.last_nonce = Some(challenge.nonce.clone());
        call.nonce_count = 0;
        call.challenge = Some((answer_header, challenge));
        Ok(())
    }

    /// Credentials for the next request of a call, if it has been challenged: a fresh cnonce
    /// and the next nonce count each time (RFC 2617 3.2.2).
    pub(super) fn credentials(
        &mut self,
        key: CallKey,
        method: &str,
        uri: Option<&str>,
    ) -> Option<(&'static str, String)> {
        let cnonce = self.token(8);
        let (user, pass) = (self.config.username.clone(), self.config.password.clone());
        let call = self.calls.get_mut(&key)?;
        let (name, challenge) = call.challenge.as_ref()?;
        call.nonce_count += 1;
        let uri = uri.unwrap_or(&call.request_uri);
        let value = challenge.authorization(&user, &pass, method, uri, &cnonce, call.nonce_count);
        Some((name, value))
    }
}
