//! The service parsers: `systemctl is-enabled` (stdout, stderr, exit status), `systemctl
//! is-active` of the units the collector asks about, and `chkconfig --list`.
//! Input: is-enabled stdout, NUL, its stderr, NUL, its exit status (a number, else none),
//! NUL, is-active stdout, NUL, chkconfig output.
#![no_main]

use image_check::facts::services::{parse_chkconfig_list, parse_is_active, parse_is_enabled};
use image_check::facts::ACTIVE_UNITS;
use image_check_fuzz::{assert_one_line, lines, parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let texts = parts(data, 5);
    let status = texts[2].trim().parse::<u32>().ok();
    let _ = parse_is_enabled(&texts[0], &texts[1], status);

    match parse_is_active(ACTIVE_UNITS, &texts[3]) {
        Ok(states) => {
            assert_eq!(states.len(), ACTIVE_UNITS.len());
            for ((unit, _), asked) in states.iter().zip(ACTIVE_UNITS) {
                assert_eq!(unit, asked);
            }
        }
        Err(reason) => assert_one_line("parse_is_active's error", &reason),
    }
    // A unit list of its own: the first line's words.
    let units: Vec<&str> = texts[3]
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    if let Ok(states) = parse_is_active(&units, &texts[4]) {
        assert_eq!(states.len(), units.len());
    }

    assert!(parse_chkconfig_list(&texts[4]).len() <= lines(&texts[4]));
});
