//! `lsattr::parse_lsattr` (`lsattr /etc/shadow` stdout) on any text.
#![no_main]

use image_check::facts::lsattr::parse_lsattr;
use image_check_fuzz::{assert_one_line, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = text(data);
    match parse_lsattr(&text) {
        Ok(attributes) => {
            assert!(!attributes.flags.is_empty() && !attributes.path.is_empty());
            assert_eq!(attributes.immutable, attributes.flags.contains('i'));
            assert_eq!(attributes.append_only, attributes.flags.contains('a'));
        }
        Err(reason) => assert_one_line("parse_lsattr's error", &reason),
    }
});
