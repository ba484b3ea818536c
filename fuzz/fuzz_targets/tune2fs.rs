//! `tune2fs::parse_tune2fs` (tune2fs -l / dumpe2fs -h output) on any text.
#![no_main]

use image_check::facts::tune2fs::parse_tune2fs;
use image_check_fuzz::{assert_one_line, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = text(data);
    match parse_tune2fs(&text) {
        Ok(info) => {
            for feature in &info.features {
                assert!(!feature.is_empty() && !feature.contains(char::is_whitespace));
                assert!(info.has_feature(feature));
            }
        }
        Err(reason) => assert_one_line("parse_tune2fs' error", &reason),
    }
});
