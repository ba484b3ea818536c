//! `sshd_config::resolve` with any main file and any map of included files, plus the helpers
//! the collector calls while it gathers them (`include_patterns`, `glob_matches`) and
//! `openssh_version`.
//!
//! Input: the main file, then NUL-separated included files, each `PATH\nTEXT`; a relative
//! PATH is taken as relative to /etc/ssh, as sshd takes a relative Include.
#![no_main]

use std::collections::BTreeMap;

use image_check::facts::sshd_config::{
    glob_matches, include_patterns, openssh_version, resolve, Connection, IncludedFile,
};
use image_check_fuzz::text;
use libfuzzer_sys::fuzz_target;

const MAIN: &str = "/etc/ssh/sshd_config";

fuzz_target!(|data: &[u8]| {
    let mut pieces = data.split(|&b| b == 0);
    let main = text(pieces.next().unwrap_or_default());
    let mut files = BTreeMap::new();
    for piece in pieces.take(64) {
        let piece = text(piece);
        let (path, body) = piece.split_once('\n').unwrap_or((piece.as_str(), ""));
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/etc/ssh/{path}")
        };
        files.insert(path, IncludedFile::Text(body.to_string()));
    }

    let included = files.values().filter_map(|file| match file {
        IncludedFile::Text(text) => Some(text),
        _ => None,
    });
    for source in std::iter::once(&main).chain(included) {
        for pattern in include_patterns(source) {
            // sshd leaves a `~` pattern as it is (glob without GLOB_TILDE).
            assert!(
                pattern.starts_with(['/', '~']),
                "pattern {pattern:?} is neither absolute nor ~"
            );
            for path in files.keys() {
                let _ = glob_matches(&pattern, path);
            }
        }
    }

    let version = openssh_version(&main);
    let config = resolve(MAIN, &main, &files, &Connection::console_root(None), version);
    let settings = config
        .permit_root_login
        .iter()
        .chain(&config.password_authentication)
        .chain(&config.pubkey_authentication)
        .chain(&config.port);
    for setting in settings {
        assert!(setting.line >= 1, "line numbers are 1-based: {setting:?}");
        assert!(
            setting.file == MAIN || files.contains_key(&setting.file),
            "{setting:?} names a file that was not given"
        );
    }
});
