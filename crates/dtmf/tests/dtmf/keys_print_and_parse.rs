//! A call's keys stay typed `Digit`s; they print as keypad characters for records and
//! events, read back from that text, and refuse text that holds anything but keys.

use voice_otp_dtmf::{Digit, DtmfError, Keys};

#[test]
fn keys_print_in_order_as_keypad_characters() {
    let keys: Keys = [Digit::D5, Digit::Hash, Digit::Star, Digit::D, Digit::D0]
        .into_iter()
        .collect();
    assert_eq!(keys.to_string(), "5#*D0");
    assert_eq!(keys.len(), 5);
    assert_eq!(keys, "5#*D0");
    assert_ne!(keys, "5#*D");
    assert_ne!(keys, "5#*D01");
    assert!(Keys::new().is_empty());
    assert_eq!(Keys::new().to_string(), "");
}

#[test]
fn keys_read_back_from_their_text() {
    let keys: Keys = "91*#ABCD".parse().unwrap();
    assert_eq!(keys.as_slice()[0], Digit::D9);
    assert_eq!(keys.to_string(), "91*#ABCD");
    // Lower-case letters are the same keys.
    assert_eq!("abcd".parse::<Keys>().unwrap(), "ABCD");
}

#[test]
fn text_with_anything_but_keys_is_refused() {
    assert_eq!("12x".parse::<Keys>(), Err(DtmfError::InvalidKey));
    assert_eq!("1 2".parse::<Keys>(), Err(DtmfError::InvalidKey));
    assert_eq!("E".parse::<Keys>(), Err(DtmfError::InvalidKey));
}
