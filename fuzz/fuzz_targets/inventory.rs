//! The inventory parsers on any text: `parse_inventory` (format told from content) and each of
//! hosts.toml, Ansible INI and Ansible YAML forced, so every parser sees every input.
#![no_main]

use std::path::{Path, PathBuf};

use image_check::inventory::{
    detect_format, parse_ansible_ini, parse_ansible_yaml, parse_hosts_toml, parse_inventory,
    InventoryError, Target, UserPaths,
};
use image_check_fuzz::{assert_one_line, text};
use libfuzzer_sys::fuzz_target;

fn check(text: &str, result: Result<Vec<Target>, InventoryError>) {
    match result {
        Ok(targets) => {
            for target in &targets {
                assert!(!target.name.is_empty(), "{target:?} has no name");
                assert!(target.port != 0, "{target:?} has port 0");
            }
        }
        Err(error) => {
            assert_one_line("an inventory error", &error.to_string());
            if let Some((line, column)) = error.position {
                // YAML also breaks lines at a lone CR, and yaml-rust2 puts the end of a text
                // without a final line break on the line after its last one.
                let breaks = text.matches(['\n', '\r']).count();
                assert!(line >= 1 && line <= breaks + 2, "{error}");
                assert!(column >= 1, "{error}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = text(data);
    let file = Path::new("/inventories/fuzz");
    let paths = UserPaths {
        home: PathBuf::from("/home/fuzz"),
        default_identities: vec![PathBuf::from("/home/fuzz/.ssh/id_ed25519")],
    };
    let _ = detect_format(&text);
    check(&text, parse_inventory(&text, file, &paths));
    check(&text, parse_hosts_toml(&text, file, &paths));
    check(&text, parse_ansible_ini(&text, file, &paths));
    check(&text, parse_ansible_yaml(&text, file, &paths));
});
