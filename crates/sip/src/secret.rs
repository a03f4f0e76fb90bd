//! Buffers that may hold SDES keys in SDP text (`a=crypto ... inline:<key>`): wiped when the
//! last reference drops.
//!
//! A message we send is shared as [`Bytes`] between the transaction that keeps it for
//! retransmission and the transports that write it; a message we receive is shared between
//! the parsed [`SipMessage`](crate::SipMessage) and the events made from it. Whichever
//! holder drops last, the allocation is zeroized before it is freed, so a call's keys do not
//! linger in freed heap memory after its transactions and dialog are gone.

use bytes::Bytes;
use zeroize::Zeroize;

/// Owns the bytes behind a [`Bytes`] and zeroizes them (their whole capacity, for a
/// `Vec`) when the last `Bytes` that shares them drops.
struct WipeOnDrop<T: Zeroize + AsRef<[u8]>>(T);

impl<T: Zeroize + AsRef<[u8]>> AsRef<[u8]> for WipeOnDrop<T> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref()
    }
}

impl<T: Zeroize + AsRef<[u8]>> Drop for WipeOnDrop<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// `bytes` as shared [`Bytes`] that are zeroized once no clone is left.
pub(crate) fn wiped_on_drop(bytes: Vec<u8>) -> Bytes {
    wiped_owner(bytes)
}

fn wiped_owner<T: Zeroize + AsRef<[u8]> + Send + 'static>(owner: T) -> Bytes {
    Bytes::from_owner(WipeOnDrop(owner))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// An owner that reports to the test what its bytes were when it was zeroized (the
    /// test cannot look at freed memory, so the owner keeps a copy where it can).
    struct Probe {
        bytes: Vec<u8>,
        wiped: Arc<Mutex<Option<Vec<u8>>>>,
    }

    impl AsRef<[u8]> for Probe {
        fn as_ref(&self) -> &[u8] {
            &self.bytes
        }
    }

    impl Zeroize for Probe {
        fn zeroize(&mut self) {
            // In place (a `Vec`'s own zeroize also clears it, leaving nothing to show).
            self.bytes[..].zeroize();
            *self.wiped.lock().unwrap() = Some(self.bytes.clone());
        }
    }

    #[test]
    fn the_buffer_is_zeroized_when_the_last_clone_drops() {
        let sdp =
            b"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
        let wiped = Arc::new(Mutex::new(None));
        let mut bytes = Vec::with_capacity(sdp.len());
        bytes.extend_from_slice(sdp);
        let kept = wiped_owner(Probe {
            bytes,
            wiped: wiped.clone(),
        });
        let sent = kept.clone();
        let part = kept.slice(11..);
        assert_eq!(&sent[..], sdp);
        drop(kept);
        drop(sent);
        assert_eq!(*wiped.lock().unwrap(), None, "a clone is still alive");
        assert_eq!(&part[..], &sdp[11..]);
        drop(part);
        let seen = wiped
            .lock()
            .unwrap()
            .take()
            .expect("wiped at the last drop");
        assert_eq!(seen.len(), sdp.len());
        assert!(seen.iter().all(|&b| b == 0), "{seen:?}");
    }

    #[test]
    fn a_vec_owner_reads_back_and_is_shared() {
        let b = wiped_on_drop(b"v=0\r\n".to_vec());
        assert_eq!(&b[..], b"v=0\r\n");
        assert_eq!(b.clone().as_ptr(), b.as_ptr(), "clones share, not copy");
    }
}
