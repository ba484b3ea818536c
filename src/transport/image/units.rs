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

use super::system::System;
use crate::transport::{CommandOutput, FileKind};

const CONFIG_DIR: &str = "/etc/systemd/system";
/// systemd's system unit search path, first match wins; /run is left out (runtime).
const UNIT_PATH: [&str; 5] = [
    CONFIG_DIR,
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/share/systemd/system",
];
/// `*.wants` folders looked into: a system has a few dozen.
const WANTS_MAX: usize = 256;

fn printed(word: &str, status: u32) -> CommandOutput {
    CommandOutput {
        exit_status: Some(status),
        stdout: format!("{word}\n").into_bytes(),
        stderr: Vec::new(),
        cut: None,
    }
}

/// `systemctl is-enabled UNIT`.
pub fn is_enabled(system: &System, unit: &str) -> CommandOutput {
    if unit.contains('/') || unit.is_empty() {
        return printed("not-found", 4);
    }
    let config_link = system
        .read_link(&format!("{CONFIG_DIR}/{unit}"))
        .ok()
        .flatten();
    if config_link.as_deref() == Some("/dev/null") {
        return printed("masked", 1);
    }
    if let Some(target) = &config_link {
        let name = target.rsplit('/').next().unwrap_or(target);
        if name != unit && UNIT_PATH.iter().any(|dir| target.starts_with(dir)) {
            return printed("alias", 0);
        }
    }
    let Some(file) = UNIT_PATH
        .iter()
        .map(|dir| format!("{dir}/{unit}"))
        .find(|path| matches!(system.stat(path), Ok(s) if s.kind == FileKind::File))
    else {
        // systemd 253 and later print "not-found"; older ones only an error, exit 1.
        return printed("not-found", 4);
    };
    if linked_in_wants(system, unit) || aliased_in_config(system, unit) {
        return printed("enabled", 0);
    }
    let body = system
        .read(&file, crate::transport::OUTPUT_CAP)
        .map(|c| String::from_utf8_lossy(&c.bytes).into_owned())
        .unwrap_or_default();
    match install_section(&body) {
        Install::Nothing => printed("static", 0),
        Install::AlsoOnly => printed("indirect", 0),
        Install::Hooks => printed("disabled", 1),
    }
}

/// Whether a `*.wants/UNIT` or `*.requires/UNIT` link exists under /etc/systemd/system.
fn linked_in_wants(system: &System, unit: &str) -> bool {
    let Ok(names) = system.list_dir(CONFIG_DIR) else {
        return false;
    };
    names
        .iter()
        .filter(|n| n.ends_with(".wants") || n.ends_with(".requires"))
        .take(WANTS_MAX)
        .any(|dir| {
            let link = format!("{CONFIG_DIR}/{dir}/{unit}");
            system.read_link(&link).ok().flatten().is_some() || system.stat(&link).is_ok()
        })
}

/// Whether a link in /etc/systemd/system by another name points at UNIT (its Alias=).
fn aliased_in_config(system: &System, unit: &str) -> bool {
    let Ok(names) = system.list_dir(CONFIG_DIR) else {
        return false;
    };
    names
        .iter()
        .filter(|n| *n != unit)
        .take(WANTS_MAX * 4)
        .any(|name| {
            system
                .read_link(&format!("{CONFIG_DIR}/{name}"))
                .ok()
                .flatten()
                .is_some_and(|target| target.rsplit('/').next() == Some(unit))
        })
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
