//! `selinux::parse_selinux_config` (/etc/selinux/config) and `parse_getenforce` on any text.
#![no_main]

use image_check::facts::selinux::{parse_getenforce, parse_selinux_config};
use image_check_fuzz::text;
use libfuzzer_sys::fuzz_target;

const MODES: [&str; 3] = ["enforcing", "permissive", "disabled"];

fuzz_target!(|data: &[u8]| {
    let text = text(data);
    for mode in [parse_selinux_config(&text), parse_getenforce(&text)]
        .into_iter()
        .flatten()
    {
        assert!(MODES.contains(&mode.as_str()), "{mode:?} is not a mode");
    }
});
