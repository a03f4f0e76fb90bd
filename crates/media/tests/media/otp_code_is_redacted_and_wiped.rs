//! The code's type: never printed, and wiped when dropped or zeroized.

use voice_otp_media::OtpCode;
use zeroize::{Zeroize, ZeroizeOnDrop};

fn wipes_on_drop<T: ZeroizeOnDrop>() {}

#[test]
fn debug_and_display_never_show_the_code() {
    let code = OtpCode::new("493817");
    assert_eq!(format!("{code:?}"), "OtpCode(<redacted>)");
    assert_eq!(format!("{code}"), "<redacted>");
    assert_eq!(
        format!("{:?}", Some(code.clone())),
        "Some(OtpCode(<redacted>))"
    );
    assert_eq!(code.expose(), "493817");
}

#[test]
fn zeroize_empties_it_and_every_copy_wipes_on_drop() {
    wipes_on_drop::<OtpCode>();
    let mut code = OtpCode::new("7A3K9Z");
    let copy = code.clone();
    code.zeroize();
    assert_eq!(code.expose(), "");
    // A clone owns its own memory and is not affected.
    assert_eq!(copy.expose(), "7A3K9Z");
}
