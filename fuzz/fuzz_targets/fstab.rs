//! `fstab::parse_fstab` and `boot_needs` on any text.
#![no_main]

use image_check::facts::fstab::{boot_needs, parse_fstab};
use image_check_fuzz::{assert_one_line, lines, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = text(data);
    let fstab = parse_fstab(&text);
    let count = lines(&text);
    assert!(fstab.entries.len() <= count);
    for entry in &fstab.entries {
        assert!(entry.line >= 1 && entry.line <= count, "{entry:?}");
        let _ = boot_needs(entry);
    }
    for problem in &fstab.problems {
        assert_one_line("an fstab problem", problem);
    }
});
