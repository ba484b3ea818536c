//! `df::parse_df` (df -P -B1 / df -P -i output) and `row_for` on any text.
#![no_main]

use image_check::facts::df::{parse_df, row_for};
use image_check_fuzz::{assert_one_line, lines, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = text(data);
    match parse_df(&text) {
        Ok(rows) => {
            assert!(!rows.is_empty());
            assert!(rows.len() <= lines(&text));
            let _ = row_for(&rows, "/");
        }
        Err(reason) => assert_one_line("parse_df's error", &reason),
    }
});
