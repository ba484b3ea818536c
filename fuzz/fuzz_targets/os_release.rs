//! `os_release::detect` over any set of release files: the input is the contents of
//! `RELEASE_FILES` in order, separated by NUL bytes; an empty (or blank) part is a missing file.
#![no_main]

use image_check::facts::os_release::{detect, parse_os_release, RELEASE_FILES};
use image_check_fuzz::{assert_one_line, lines, parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let texts = parts(data, RELEASE_FILES.len());
    for text in &texts {
        assert!(parse_os_release(text).len() <= lines(text));
    }
    let read = |path: &str| {
        let index = RELEASE_FILES.iter().position(|p| *p == path)?;
        let text = &texts[index];
        (!text.trim().is_empty()).then(|| text.clone())
    };
    match detect(&read) {
        Ok(info) => assert!(
            RELEASE_FILES.contains(&info.source.as_str()),
            "source {:?} is not a release file",
            info.source
        ),
        Err(reason) => assert_one_line("detect's reason", &reason),
    }
});
