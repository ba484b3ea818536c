//! `blkid::parse_blkid` on any text, and `blkid::lists` asked about every line of a second
//! text (fstab first fields: `UUID=...`, `/dev/disk/by-label/...`, `/dev/mapper/vg-lv`, ...).
//! Input: blkid output, NUL, the specs.
#![no_main]

use image_check::facts::blkid::{lists, parse_blkid};
use image_check_fuzz::{lines, parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let texts = parts(data, 2);
    let entries = parse_blkid(&texts[0]);
    assert!(entries.len() <= lines(&texts[0]));
    for entry in &entries {
        assert!(!entry.tags.is_empty(), "{entry:?}");
        // A plain device node lists itself.
        if entry.device.starts_with("/dev/") && !entry.device.starts_with("/dev/disk/by-") {
            assert!(
                lists(&entries, &entry.device),
                "{entry:?} does not list itself"
            );
        }
    }
    for spec in texts[1].lines() {
        let _ = lists(&entries, spec);
    }
});
