//! Whether services start at boot and whether they run now, from the text of
//! `systemctl is-enabled`, `systemctl is-active` and SysV `chkconfig --list`.
//!
//! Feeds checks such as "sshd enabled". Pure: the collector runs the commands (with
//! `LC_ALL=C`: chkconfig translates its "on"/"off") and hands their output in. It does not
//! know unit names: Debian and Ubuntu call the unit `ssh`, with `sshd` an alias; RHEL and
//! SUSE call it `sshd`; Ubuntu 22.10 and later start it through `ssh.socket`, leaving
//! `ssh.service` itself "disabled". Asking for the right units is the caller's job.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where systemd looks for system units, first to last (systemd.unit(5), "System Unit
/// Search Path", with the split-usr /lib of older distributions): a name in none of these
/// folders is a unit `systemctl is-enabled` does not find.
pub const SYSTEM_UNIT_PATH: &[&str] = &[
    "/etc/systemd/system.control",
    "/run/systemd/system.control",
    "/run/systemd/transient",
    "/run/systemd/generator.early",
    "/etc/systemd/system",
    "/etc/systemd/system.attached",
    "/run/systemd/system",
    "/run/systemd/system.attached",
    "/run/systemd/generator",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
    "/run/systemd/generator.late",
];

/// Where SysV init scripts are: Red Hat's folder and everyone else's.
pub const SYSV_SCRIPT_FOLDERS: &[&str] = &["/etc/rc.d/init.d", "/etc/init.d"];

/// What `systemctl is-enabled UNIT` says about one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitEnabled {
    /// "enabled" or "enabled-runtime": pulled in at boot by a .wants/.requires link.
    Enabled,
    /// "disabled": has an [Install] section, but is not linked in.
    Disabled,
    /// "static": no [Install] section; it starts only as another unit's dependency.
    Static,
    /// "indirect": not enabled itself, but names units in Also= (e.g. a socket) or is
    /// enabled under another instance name.
    Indirect,
    /// "alias": the name is an alias of another unit (`sshd` of Debian's `ssh`). Says
    /// nothing about the target: ask for the target's name.
    Alias,
    /// "generated": made by a generator at boot (e.g. from a SysV script or fstab), and
    /// enabled by it implicitly.
    Generated,
    /// "masked" or "masked-runtime": linked to /dev/null, cannot be started at all.
    Masked,
    /// No such unit file: "not-found" (systemd 253 and later, exit status 4) or the
    /// "Failed to get unit file state for X: No such file or directory" of older versions.
    NotFound,
    /// "linked", "linked-runtime", "transient", "bad", or an answer not understood (no
    /// systemd, no permission, garbage). The collector keeps the raw text for the report.
    Other,
}

/// The answer of `systemctl is-enabled UNIT` for one unit: its stdout, stderr and exit
/// status (None when it was killed or could not run).
///
/// The word is the last non-empty line of stdout: for a SysV service on CentOS 7
/// (systemd 219) systemctl first logs "network.service is not a native service,
/// redirecting to /sbin/chkconfig." and "Executing /sbin/chkconfig network --level=5" on
/// stderr, then prints "enabled" or "disabled" for chkconfig's answer, so the last line
/// is the answer even when the collector merged stderr into stdout. Note the runlevel:
/// systemctl asks about runlevel 5, [`parse_chkconfig_list`] looks at 3.
pub fn parse_is_enabled(stdout: &str, stderr: &str, exit_status: Option<u32>) -> UnitEnabled {
    let word = stdout
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .unwrap_or("");
    match word {
        "enabled" | "enabled-runtime" => UnitEnabled::Enabled,
        "disabled" => UnitEnabled::Disabled,
        "static" => UnitEnabled::Static,
        "indirect" => UnitEnabled::Indirect,
        "alias" => UnitEnabled::Alias,
        "generated" => UnitEnabled::Generated,
        "masked" | "masked-runtime" => UnitEnabled::Masked,
        "not-found" => UnitEnabled::NotFound,
        "linked" | "linked-runtime" | "transient" | "bad" => UnitEnabled::Other,
        // Nothing on stdout: before systemd 253 a missing unit file was only an error.
        _ if word.is_empty() && reports_missing_unit(stderr) => UnitEnabled::NotFound,
        // Exit status 4 is LSB's "unknown service", which systemd uses for it since 253.
        _ if word.is_empty() && exit_status == Some(4) => UnitEnabled::NotFound,
        _ => UnitEnabled::Other,
    }
}

/// "Failed to get unit file state for X: No such file or directory", the message of
/// systemd 219 to 252 for a unit without a unit file.
fn reports_missing_unit(stderr: &str) -> bool {
    stderr.lines().any(|line| {
        line.starts_with("Failed to get unit file state for")
            && line.ends_with("No such file or directory")
    })
}

/// The states `systemctl is-active` prints (UnitActiveState, plus "unknown", which
/// systemd 219 prints for a unit it cannot load).
const ACTIVE_STATES: [&str; 9] = [
    "active",
    "reloading",
    "refreshing",
    "inactive",
    "failed",
    "activating",
    "deactivating",
    "maintenance",
    "unknown",
];

/// The answer of `systemctl is-active A B C`: one state per unit, in the order asked.
/// A unit counts as active in the states systemctl's own exit status accepts: "active",
/// "reloading" and "refreshing".
///
/// Err when stdout does not hold exactly one known state per unit, e.g. nothing at all
/// with "System has not been booted with systemd as init system (PID 1). Can't
/// operate." on stderr (a container, or CentOS 6 with a stray systemctl), or error
/// messages merged into stdout.
pub fn parse_is_active(units: &[&str], stdout: &str) -> Result<Vec<(String, bool)>, String> {
    let states: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    if states.len() != units.len() {
        return Err(format!(
            "`systemctl is-active` printed {} line(s) for {} unit(s) ({}): {:?}",
            states.len(),
            units.len(),
            units.join(" "),
            first_chars(stdout, 200)
        ));
    }
    units
        .iter()
        .zip(&states)
        .map(|(unit, state)| {
            if ACTIVE_STATES.contains(state) {
                let active = matches!(*state, "active" | "reloading" | "refreshing");
                Ok((unit.to_string(), active))
            } else {
                Err(format!(
                    "`systemctl is-active` printed {state:?} for {unit}, which is not a unit state"
                ))
            }
        })
        .collect()
}

/// At most `n` characters of `text`, for error messages about garbage.
fn first_chars(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// The runlevel [`parse_chkconfig_list`] reports: 3, full multi-user without a display
/// manager, is what server and cloud images boot into (`id:3:initdefault:` in
/// /etc/inittab). Distributions' init scripts enable services for 2345 (or 345) alike, so
/// 3 and 5 differ only for desktop services and hand-made changes.
pub const CHKCONFIG_RUNLEVEL: u8 = 3;

/// `chkconfig --list` (CentOS/RHEL 5 and 6, SLES 11; CentOS 7 for its remaining SysV
/// scripts): service name to whether it starts in runlevel [`CHKCONFIG_RUNLEVEL`].
///
/// SysV lines are `name` padded to 15 columns, then `\t0:off\t1:off\t2:on ... 6:off`.
/// The xinetd section ("xinetd based services:", then `\tname:  \ton|off`) lists
/// services xinetd starts on demand; they can run only while xinetd itself does, so an
/// "on" there counts only when the `xinetd` line is on in runlevel 3.
///
/// Lines of any other shape are skipped: CentOS 7's "Note: This output shows SysV
/// services only..." banner, and the translated words of a non-C locale, so a localised
/// listing yields missing services rather than wrong ones.
pub fn parse_chkconfig_list(text: &str) -> BTreeMap<String, bool> {
    let mut services = BTreeMap::new();
    let mut on_demand = Vec::new();
    for line in text.lines() {
        if let Some((name, on)) = sysv_line(line) {
            services.insert(name.to_string(), on);
        } else if let Some((name, on)) = xinetd_line(line) {
            on_demand.push((name, on));
        }
    }
    // An xinetd section without an xinetd line (hand-edited output) keeps its own flags.
    let xinetd_runs = services.get("xinetd").copied().unwrap_or(true);
    for (name, on) in on_demand {
        services.insert(name.to_string(), on && xinetd_runs);
    }
    services
}

/// "sshd           \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off": the name and whether
/// runlevel 3 is on. All seven fields must be there, in order.
fn sysv_line(line: &str) -> Option<(&str, bool)> {
    let mut fields = line.split_whitespace();
    let name = fields.next()?;
    if name.ends_with(':') {
        return None;
    }
    let levels: Vec<&str> = fields.collect();
    if levels.len() != 7 {
        return None;
    }
    let mut level_on = None;
    for (expected, field) in levels.iter().enumerate() {
        let (level, state) = field.split_once(':')?;
        if level.parse::<usize>().ok()? != expected {
            return None;
        }
        let on = on_off(state)?;
        if expected == usize::from(CHKCONFIG_RUNLEVEL) {
            level_on = Some(on);
        }
    }
    level_on.map(|on| (name, on))
}

/// "\tchargen-dgram: \toff": the name and whether it is on.
fn xinetd_line(line: &str) -> Option<(&str, bool)> {
    let (name, state) = line.trim().split_once(':')?;
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some((name, on_off(state.trim())?))
}

fn on_off(word: &str) -> Option<bool> {
    match word {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    //! Fixtures under tests/data/services.
    //!
    //! Verbatim: debian12-systemd252/ (systemd 252.39 on Debian 12, captured for this
    //! module; `is-enabled` answers come from a scratch tree through `--root`, except
    //! `alias`, the host's own `sshd` alias of `ssh.service`, and `is-active`, which ran in
    //! a container without systemd as PID 1). Exit statuses were: enabled, static,
    //! indirect, alias 0; disabled, masked, linked and the missing unit 1; is-active 1.
    //!
    //! Reconstructed, not captured: centos6/ (chkconfig 1.3.49's "%-15s" and "\t%d:%s"
    //! layout with a CentOS 6 minimal install's services, plus xinetd), centos7-systemd219/
    //! (systemctl 219's SysV redirect messages and chkconfig 1.7's note) and systemd255/
    //! ("not-found", added in systemd 253).

    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../tests/data/services/", $name))
        };
    }

    #[test]
    fn systemd252_words_map_to_states() {
        let cases = [
            (
                fixture!("debian12-systemd252/is-enabled-enabled.stdout"),
                Some(0),
                UnitEnabled::Enabled,
            ),
            (
                fixture!("debian12-systemd252/is-enabled-disabled.stdout"),
                Some(1),
                UnitEnabled::Disabled,
            ),
            (
                fixture!("debian12-systemd252/is-enabled-static.stdout"),
                Some(0),
                UnitEnabled::Static,
            ),
            (
                fixture!("debian12-systemd252/is-enabled-indirect.stdout"),
                Some(0),
                UnitEnabled::Indirect,
            ),
            (
                fixture!("debian12-systemd252/is-enabled-alias.stdout"),
                Some(0),
                UnitEnabled::Alias,
            ),
            (
                fixture!("debian12-systemd252/is-enabled-masked.stdout"),
                Some(1),
                UnitEnabled::Masked,
            ),
            (
                fixture!("debian12-systemd252/is-enabled-linked.stdout"),
                Some(1),
                UnitEnabled::Other,
            ),
        ];
        for (stdout, status, expected) in cases {
            assert_eq!(parse_is_enabled(stdout, "", status), expected, "{stdout:?}");
        }
    }

    #[test]
    fn missing_unit_before_systemd_253_is_not_found_from_stderr() {
        assert_eq!(
            parse_is_enabled(
                fixture!("debian12-systemd252/is-enabled-missing.stdout"),
                fixture!("debian12-systemd252/is-enabled-missing.stderr"),
                Some(1)
            ),
            UnitEnabled::NotFound
        );
        assert_eq!(
            parse_is_enabled(
                "",
                fixture!("centos7-systemd219/is-enabled-missing.stderr"),
                Some(1)
            ),
            UnitEnabled::NotFound
        );
    }

    #[test]
    fn missing_unit_from_systemd_253_prints_not_found() {
        assert_eq!(
            parse_is_enabled(
                fixture!("systemd255/is-enabled-missing.stdout"),
                "",
                Some(4)
            ),
            UnitEnabled::NotFound
        );
        // Some versions answer --user queries with "not-found" and status 1.
        assert_eq!(
            parse_is_enabled("not-found\n", "", Some(1)),
            UnitEnabled::NotFound
        );
        assert_eq!(parse_is_enabled("", "", Some(4)), UnitEnabled::NotFound);
    }

    #[test]
    fn centos7_sysv_redirect_takes_the_last_line() {
        let stdout = fixture!("centos7-systemd219/is-enabled-sysv-network.stdout");
        let stderr = fixture!("centos7-systemd219/is-enabled-sysv-network.stderr");
        assert_eq!(
            parse_is_enabled(stdout, stderr, Some(0)),
            UnitEnabled::Enabled
        );
        // The same answer with stderr merged into stdout (a pty).
        let merged = format!("{stderr}{stdout}");
        assert_eq!(parse_is_enabled(&merged, "", Some(0)), UnitEnabled::Enabled);
        let disabled = "network.service is not a native service, redirecting to /sbin/chkconfig.\n\
                        Executing /sbin/chkconfig network --level=5\ndisabled\n";
        assert_eq!(
            parse_is_enabled(disabled, "", Some(1)),
            UnitEnabled::Disabled
        );
    }

    #[test]
    fn runtime_variants_fold_into_their_state() {
        assert_eq!(
            parse_is_enabled("enabled-runtime\n", "", Some(0)),
            UnitEnabled::Enabled
        );
        assert_eq!(
            parse_is_enabled("masked-runtime\n", "", Some(1)),
            UnitEnabled::Masked
        );
        assert_eq!(
            parse_is_enabled("generated\n", "", Some(0)),
            UnitEnabled::Generated
        );
        assert_eq!(
            parse_is_enabled("transient\r\n", "", Some(0)),
            UnitEnabled::Other
        );
    }

    #[test]
    fn no_systemd_or_garbage_is_other() {
        assert_eq!(
            parse_is_enabled(
                "",
                fixture!("debian12-systemd252/is-active-no-systemd.stderr"),
                Some(1)
            ),
            UnitEnabled::Other
        );
        assert_eq!(
            parse_is_enabled("", "bash: systemctl: command not found\n", Some(127)),
            UnitEnabled::Other
        );
        assert_eq!(parse_is_enabled("Enabled\n", "", None), UnitEnabled::Other);
        assert_eq!(
            parse_is_enabled("\u{0}\u{ff}", "\u{0}", None),
            UnitEnabled::Other
        );
    }

    #[test]
    fn is_active_pairs_states_with_units_in_order() {
        let states = parse_is_active(
            &["sshd", "crond", "telnet.socket"],
            fixture!("centos7-systemd219/is-active-sshd-crond-telnet.stdout"),
        );
        assert_eq!(
            states,
            Ok(vec![
                ("sshd".to_string(), true),
                ("crond".to_string(), true),
                ("telnet.socket".to_string(), false),
            ])
        );
        let socket = parse_is_active(
            &["ssh.socket", "ssh.service"],
            fixture!("systemd255/is-active-ssh-socket-service.stdout"),
        );
        assert_eq!(
            socket,
            Ok(vec![
                ("ssh.socket".to_string(), true),
                ("ssh.service".to_string(), false)
            ])
        );
        assert_eq!(
            parse_is_active(&["a", "b", "c"], "reloading\nfailed\nactivating\n"),
            Ok(vec![
                ("a".to_string(), true),
                ("b".to_string(), false),
                ("c".to_string(), false)
            ])
        );
    }

    #[test]
    fn is_active_without_systemd_is_an_error() {
        let stdout = fixture!("debian12-systemd252/is-active-no-systemd.stdout");
        let err = parse_is_active(&["ssh", "cron"], stdout).unwrap_err();
        assert!(
            err.contains("printed 0 line(s) for 2 unit(s) (ssh cron)"),
            "{err}"
        );
    }

    #[test]
    fn is_active_with_merged_error_text_is_an_error() {
        let merged = fixture!("debian12-systemd252/is-active-no-systemd.stderr");
        assert!(parse_is_active(&["ssh", "cron"], merged).is_err());
        assert!(parse_is_active(&["ssh"], "Failed to connect to bus: Host is down\n").is_err());
        assert_eq!(parse_is_active(&[], ""), Ok(vec![]));
    }

    #[test]
    fn chkconfig_centos6_reports_runlevel_3_and_xinetd_services() {
        let services = parse_chkconfig_list(fixture!("centos6/chkconfig-list.txt"));
        assert_eq!(services.len(), 37);
        assert_eq!(services.get("sshd"), Some(&true));
        assert_eq!(
            services.get("blk-availability"),
            Some(&true),
            "name wider than 15 columns"
        );
        assert_eq!(services.get("netconsole"), Some(&false));
        assert_eq!(services.get("ntpd"), Some(&false), "on in runlevel 5 only");
        assert_eq!(services.get("iscsi"), Some(&true));
        assert_eq!(services.get("xinetd"), Some(&true));
        assert_eq!(services.get("telnet"), Some(&true));
        assert_eq!(services.get("rsync"), Some(&true));
        assert_eq!(services.get("chargen-stream"), Some(&false));
        assert_eq!(services.get("xinetd based services"), None);
    }

    #[test]
    fn chkconfig_xinetd_services_are_off_when_xinetd_is_off() {
        let services = parse_chkconfig_list(fixture!("centos6/chkconfig-list-xinetd-off.txt"));
        assert_eq!(services.get("xinetd"), Some(&false));
        assert_eq!(services.get("telnet"), Some(&false));
        assert_eq!(services.get("sshd"), Some(&true));
    }

    #[test]
    fn chkconfig_centos7_note_is_skipped_even_when_merged() {
        let stdout = fixture!("centos7-systemd219/chkconfig-list.stdout");
        let stderr = fixture!("centos7-systemd219/chkconfig-list.stderr");
        let expected: BTreeMap<String, bool> = [
            ("netconsole".to_string(), false),
            ("network".to_string(), true),
        ]
        .into();
        assert_eq!(parse_chkconfig_list(stdout), expected);
        assert_eq!(parse_chkconfig_list(&format!("{stderr}{stdout}")), expected);
    }

    #[test]
    fn chkconfig_sles11_space_separated_columns() {
        let text = "sshd                      0:off  1:off  2:off  3:on   4:off  5:on   6:off\n\
                    cron                      0:off  1:off  2:on   3:on   4:off  5:on   6:off\n";
        let services = parse_chkconfig_list(text);
        assert_eq!(services.get("sshd"), Some(&true));
        assert_eq!(services.get("cron"), Some(&true));
    }

    #[test]
    fn chkconfig_localised_or_truncated_lines_are_skipped() {
        let text = "sshd           \t0:关闭\t1:关闭\t2:启用\t3:启用\t4:启用\t5:启用\t6:关闭\n\
                    crond          \t0:off\t1:off\t2:on\t3:on\n\
                    atd            \t1:off\t0:off\t2:on\t3:on\t4:on\t5:on\t6:off\n\
                    \trsync:         \t启用\n\
                    kdump          \t0:off\t1:off\t2:off\t3:on\t4:on\t5:on\t6:off\t7:on\n";
        assert!(parse_chkconfig_list(text).is_empty());
        assert!(parse_chkconfig_list("\u{0}:\u{0}\n::\n:\n\t:on\n").is_empty());
    }
}
