//! `passwd::parse_passwd` (/etc/passwd) on any text.
#![no_main]

use image_check::facts::passwd::parse_passwd;
use image_check_fuzz::{lines, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = text(data);
    let entries = parse_passwd(&text);
    let count = lines(&text);
    assert!(entries.len() <= count);
    let mut previous = 0;
    for entry in &entries {
        assert!(entry.line > previous && entry.line <= count, "{entry:?}");
        assert!(!entry.name.is_empty());
        previous = entry.line;
    }
});
