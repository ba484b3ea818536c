//! Whether services start at boot, from an image's unit files and links, as
//! `systemctl is-enabled UNIT` and `chkconfig --list` answer on the running system.
//!
//! systemd (src/shared/install.c, unit_file_lookup_state), for the system instance:
//! * the unit file is the first of the unit search path that has the name;
//!   `/etc/systemd/system/NAME` linked to `/dev/null` (or empty and named so) is masked;
//! * enabled: a link to it in a `*.wants/` or `*.requires/` folder of /etc/systemd/system,
//!   or an alias link (`/etc/systemd/system/sshd.service -> …/ssh.service`), where the
//!   unit is the target — asked by its alias name the answer is "alias";
//! * else static when its `[Install]` section names nothing to hook into, indirect when it
//!   names only `Also=`, disabled otherwise.
//!
//! Runtime folders (/run/systemd) and generators do not exist in an image.

use std::collections::{BTreeMap, BTreeSet};

use super::system::System;
use crate::transport::{CommandOutput, FileKind};

const CONFIG_DIR: &str = "/etc/systemd/system";

/// systemd's system unit search path, first match wins, without its runtime folders
/// (/run), which an image does not have.
fn unit_path() -> impl Iterator<Item = &'static str> {
    crate::facts::services::SYSTEM_UNIT_PATH
        .iter()
        .copied()
        .filter(|dir| !dir.starts_with("/run/"))
}
/// `*.wants` folders looked into: a system has a few dozen.
const WANTS_MAX: usize = 256;

/// The links of /etc/systemd/system, read once per image: what each entry there links to,
/// and the units linked in its `*.wants/` and `*.requires/` folders.
#[derive(Debug, Default)]
pub struct ConfigLinks {
    /// Entry name → link target, for the entries that are symlinks.
    links: BTreeMap<String, String>,
    /// Names in the `*.wants/` and `*.requires/` folders.
    wanted: BTreeSet<String>,
}

impl ConfigLinks {
    fn read(system: &System) -> ConfigLinks {
        let mut found = ConfigLinks::default();
        let Ok(names) = system.list_dir(CONFIG_DIR) else {
            return found;
        };
        let mut folders = 0;
        for name in names.iter().take(WANTS_MAX * 4) {
            let path = format!("{CONFIG_DIR}/{name}");
            if name.ends_with(".wants") || name.ends_with(".requires") {
                folders += 1;
                if folders <= WANTS_MAX {
                    found
                        .wanted
                        .extend(system.list_dir(&path).unwrap_or_default());
                }
            } else if let Ok(Some(target)) = system.read_link(&path) {
                found.links.insert(name.clone(), target);
            }
        }
        found
    }
}

/// `systemctl is-enabled UNIT...`: one line per unit, as systemd 253 and later print them
/// (a unit without a file is "not-found"), exit status 0 when any is enabled.
pub fn is_enabled(system: &System, units: &[&str]) -> CommandOutput {
    let states: Vec<(&str, u32)> = units.iter().map(|unit| state(system, unit)).collect();
    let text: String = states.iter().map(|(word, _)| format!("{word}\n")).collect();
    let status = match states.as_slice() {
        [(_, status)] => *status,
        _ if states.iter().any(|(_, status)| *status == 0) => 0,
        _ => 1,
    };
    super::commands::output(status, text, "")
}

/// The word `systemctl is-enabled UNIT` prints for `unit`, and its exit status.
fn state(system: &System, unit: &str) -> (&'static str, u32) {
    if unit.contains('/') || unit.is_empty() {
        return ("not-found", 4);
    }
    let config = system.unit_links.get_or_init(|| ConfigLinks::read(system));
    let config_link = config.links.get(unit);
    if config_link.map(String::as_str) == Some("/dev/null") {
        return ("masked", 1);
    }
    if let Some(target) = config_link {
        let name = target.rsplit('/').next().unwrap_or(target);
        if name != unit && unit_path().any(|dir| target.starts_with(dir)) {
            return ("alias", 0);
        }
    }
    let Some(file) = unit_path()
        .map(|dir| format!("{dir}/{unit}"))
        .find(|path| matches!(system.stat(path), Ok(s) if s.kind == FileKind::File))
    else {
        // systemd 253 and later print "not-found"; older ones only an error, exit 1.
        return ("not-found", 4);
    };
    // Enabled: linked in a .wants/.requires folder, or aliased by another name (Alias=).
    let aliased = config
        .links
        .iter()
        .any(|(name, target)| name != unit && target.rsplit('/').next() == Some(unit));
    if config.wanted.contains(unit) || aliased {
        return ("enabled", 0);
    }
    let body = system
        .read(&file, crate::transport::OUTPUT_CAP)
        .map(|c| String::from_utf8_lossy(&c.bytes).into_owned())
        .unwrap_or_default();
    match install_section(&body) {
        Install::Nothing => ("static", 0),
        Install::AlsoOnly => ("indirect", 0),
        Install::Hooks => ("disabled", 1),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Install {
    /// No `[Install]` hooks: the unit is static.
    Nothing,
    /// Only `Also=`: enabling it enables others.
    AlsoOnly,
    /// WantedBy=, RequiredBy=, UpheldBy= or Alias=.
    Hooks,
}

fn install_section(body: &str) -> Install {
    let mut in_install = false;
    let (mut hooks, mut also) = (false, false);
    for line in body.lines().map(str::trim) {
        if line.starts_with('[') {
            in_install = line == "[Install]";
            continue;
        }
        if !in_install {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            if value.trim().is_empty() {
                continue;
            }
            match key.trim() {
                "WantedBy" | "RequiredBy" | "UpheldBy" | "Alias" => hooks = true,
                "Also" => also = true,
                _ => {}
            }
        }
    }
    match (hooks, also) {
        (true, _) => Install::Hooks,
        (false, true) => Install::AlsoOnly,
        (false, false) => Install::Nothing,
    }
}

/// `chkconfig --list`: each SysV script of /etc/rc.d/init.d (or /etc/init.d) with the
/// runlevels whose rcN.d folder has an `S??NAME` link.
pub fn chkconfig_list(system: &System) -> String {
    let (init_dir, rc_base) = if system.list_dir("/etc/rc.d/init.d").is_ok() {
        ("/etc/rc.d/init.d", "/etc/rc.d")
    } else {
        ("/etc/init.d", "/etc")
    };
    let scripts = system.list_dir(init_dir).unwrap_or_default();
    let levels: Vec<Vec<String>> = (0..7)
        .map(|level| {
            system
                .list_dir(&format!("{rc_base}/rc{level}.d"))
                .unwrap_or_default()
        })
        .collect();
    let mut text = String::new();
    for script in scripts
        .iter()
        .filter(|s| !s.starts_with('.') && *s != "functions")
    {
        text.push_str(&format!("{script:<15}"));
        for (level, links) in levels.iter().enumerate() {
            let on = links.iter().any(|link| {
                link.strip_prefix('S')
                    .filter(|rest| {
                        rest.len() > 2 && rest.as_bytes()[..2].iter().all(u8::is_ascii_digit)
                    })
                    .is_some_and(|rest| &rest[2..] == script)
            });
            text.push_str(&format!("\t{level}:{}", if on { "on" } else { "off" }));
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_install_section_tells_static_indirect_and_disabled_apart() {
        let sshd = "[Unit]\nDescription=OpenSSH server daemon\n\n[Service]\nExecStart=/usr/sbin/sshd -D $OPTIONS\n\n[Install]\nWantedBy=multi-user.target\n";
        assert_eq!(install_section(sshd), Install::Hooks);
        let getty = "[Unit]\nDescription=Getty\n[Service]\nExecStart=-/sbin/agetty\n";
        assert_eq!(install_section(getty), Install::Nothing);
        let socket_pair = "[Install]\nAlso=sshd.socket\n";
        assert_eq!(install_section(socket_pair), Install::AlsoOnly);
        assert_eq!(install_section("[Install]\nWantedBy=\n"), Install::Nothing);
    }
}
