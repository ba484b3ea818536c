//! Check 6, ssh: the cloud console logs in as root over SSH: sshd must start at boot and
//! allow root to log in.

use super::{boot_state, listed, BootState, Check, Code, Status, Verdict};
use crate::facts::os_family::OsFamily;
use crate::facts::os_release::OsInfo;
use crate::facts::{sshd_config, Facts, SSH_UNITS};
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "ssh",
    number: 6,
    title: "Check ssh",
    reads: "systemctl is-enabled and is-active of sshd, ssh, ssh.socket, sshd.socket (chkconfig --list on SysV hosts); `sshd -T -C user=root,host=image-check.invalid,addr=192.0.2.1` (privileged); /etc/ssh/sshd_config (or /usr/etc/ssh/sshd_config) with its Include files and /etc/group, resolved as sshd does where sshd -T cannot run; ssh -V",
    thresholds: &[],
    failed_means: "sshd refuses its configuration (sshd -T, or the files resolved as sshd reads them): it would not start, and no one could log in",
    warning_means: "sshd is not enabled at boot, root may not log in from the console (PermitRootLogin no, prohibit-password, without-password, forced-commands-only, also in a Match block for root; a Match on the console's address counts with its stricter value), no sshd_config, or a source could not be read",
    suggestion: "Enable the SSH service (systemctl enable sshd) and do not set PermitRootLogin to no: set PermitRootLogin yes in /etc/ssh/sshd_config.",
    codes: &[
        Code { code: 6001, status: Status::Warning, meaning: "sshd is not enabled at boot" },
        Code { code: 6002, status: Status::Warning, meaning: "PermitRootLogin does not allow root to log in" },
        Code { code: 6003, status: Status::Warning, meaning: "no sshd_config: the OpenSSH server is not installed" },
        Code { code: 6004, status: Status::Failed, meaning: "sshd refuses its configuration: it would not start" },
        Code { code: 6099, status: Status::Warning, meaning: "the service state or sshd's configuration could not be read" },
    ],
    evaluate,
};

/// The PermitRootLogin sshd uses when the file does not set it. Distributions patch the
/// upstream default ("yes" before OpenSSH 7.0, then "prohibit-password"): Red Hat kept "yes"
/// through RHEL 8 (and so did the distributions built from it), SUSE through SLES 15.
fn default_permit_root_login(
    os: Option<&OsInfo>,
    version: Option<(u32, u32)>,
) -> Option<&'static str> {
    if let Some(os) = os {
        let vendor_yes = match os.family() {
            OsFamily::RedHat => os.rhel_release().is_some_and(|release| release <= 8),
            OsFamily::Suse => os.big.parse().is_ok_and(|major: u32| major <= 15),
            OsFamily::Debian | OsFamily::Other => false,
        };
        if vendor_yes {
            return Some("yes");
        }
    }
    version.map(sshd_config::upstream_default_permit_root_login)
}

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let mut service = boot_state(facts, SSH_UNITS, "sshd");
    if !matches!(service, BootState::Enabled(_)) {
        // Socket activation and vendor links under /usr (Flatcar) start sshd at boot without
        // `is-enabled` saying so: running now is the evidence then.
        let running = facts.active_units.known().and_then(|units| {
            units
                .iter()
                .find(|(unit, on)| *on && SSH_UNITS.contains(&unit.as_str()))
                .map(|(unit, _)| unit.clone())
        });
        if let Some(unit) = running {
            service = BootState::Enabled(format!(
                "{unit} is active (started without an enablement link)"
            ));
        }
    }
    let config = match facts.sshd_config.get() {
        Err(reason) => {
            return Verdict::warning(
                6099,
                format!("could not read sshd's configuration: {reason}"),
            )
        }
        Ok(None) => {
            return Verdict::warning(
                6003,
                "there is no /etc/ssh/sshd_config: the OpenSSH server is not installed",
            )
        }
        Ok(Some(config)) => config,
    };
    if let Some(first) = config.errors.first() {
        let more = match config.errors.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        return Verdict::failed(
            6004,
            format!(
                "sshd would not start with this configuration, so no one could log in \
                 ({}): {first}{more}",
                config.decided_by.label()
            ),
        );
    }
    let default = || {
        default_permit_root_login(facts.os.known(), facts.openssh_version.known().copied())
            .ok_or_else(|| {
                format!(
                    "PermitRootLogin is not set and the OpenSSH version is unknown ({})",
                    facts.openssh_version.get().err().unwrap_or_default()
                )
            })
    };
    // Facts saved before root_login existed name only the global value.
    let global = [sshd_config::Candidate {
        setting: config.permit_root_login.clone(),
        undecided: None,
    }];
    let candidates = if config.root_login.is_empty() {
        &global[..]
    } else {
        &config.root_login[..]
    };
    let source = config.decided_by.label();
    let mut values = Vec::new();
    let mut texts = Vec::new();
    for candidate in candidates {
        let (value, origin) = match &candidate.setting {
            Some(setting) if setting.line == 0 => (setting.value.clone(), setting.origin()),
            Some(setting) => (
                setting.value.clone(),
                format!("{}; {source}", setting.origin()),
            ),
            None => match default() {
                Ok(value) => (
                    value.to_string(),
                    format!("not set: the default of this OpenSSH; {source}"),
                ),
                Err(reason) => return Verdict::warning(6099, reason),
            },
        };
        texts.push(match &candidate.undecided {
            Some(condition) => format!("PermitRootLogin {value} ({origin}) if {condition} matches"),
            None => format!("PermitRootLogin {value} ({origin})"),
        });
        values.push(value);
    }
    let root_may_log_in = values.iter().all(|v| v == "yes");
    let login = if texts.len() == 1 {
        texts.remove(0)
    } else {
        format!(
            "{}; which applies depends on where the console connects from, which the facts \
             cannot tell, so the stricter value counts",
            texts.join(", else ")
        )
    };
    let mut details = if config.match_overrides.is_empty() {
        String::new()
    } else {
        format!("; Match blocks: {}", listed(&config.match_overrides, "; "))
    };
    if !config.warnings.is_empty() {
        details.push_str(&format!("; notes: {}", listed(&config.warnings, "; ")));
    }
    match service {
        BootState::Unknown(reason) => Verdict::warning(
            6099,
            format!("could not tell whether sshd starts at boot: {reason}"),
        ),
        BootState::Enabled(s) if root_may_log_in => Verdict::ok(format!("{s}; {login}{details}")),
        BootState::Enabled(s) => {
            Verdict::warning(6002, format!("root may not log in: {login}; {s}{details}"))
        }
        BootState::Disabled(s) | BootState::Absent(s) => Verdict::warning(
            6001,
            format!("sshd does not start at boot: {s}; {login}{details}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, set_unit, verdict};
    use crate::facts::services::UnitEnabled;
    use crate::facts::Fact;
    use std::collections::BTreeMap;

    fn with_config(main: &str, files: &[(&str, &str)]) -> Verdict {
        let mut f = compliant();
        f.sshd_config = Fact::Known(Some(sshd_config::resolve(
            "/etc/ssh/sshd_config",
            main,
            &sshd_config::files(files),
            &sshd_config::console(),
            None,
        )));
        verdict(&CHECK, &f)
    }

    #[test]
    fn permit_root_login_yes_and_enabled_is_ok() {
        let v = verdict(&CHECK, &compliant());
        assert_eq!(v.status, Status::Ok, "{v:?}");
        assert_eq!(
            v.evidence,
            "sshd.service is enabled; PermitRootLogin yes (/etc/ssh/sshd_config:38; sshd_config parsed); notes: sshd -T not used: sshd is not installed at /usr/sbin/sshd"
        );
    }

    #[test]
    fn permit_root_login_no_inside_an_include_is_warning_6002() {
        let v = with_config(
            "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n",
            &[(
                "/etc/ssh/sshd_config.d/50-hardening.conf",
                "PermitRootLogin no\n",
            )],
        );
        assert_eq!((v.status, v.code), (Status::Warning, 6002));
        assert!(v.evidence.starts_with("root may not log in: PermitRootLogin no (/etc/ssh/sshd_config.d/50-hardening.conf:1; sshd_config parsed)"), "{}", v.evidence);
    }

    #[test]
    fn unset_permit_root_login_follows_the_vendor_default() {
        // CentOS 7's OpenSSH 7.4 keeps "yes".
        assert_eq!(with_config("UseDNS no\n", &[]).status, Status::Ok);
        let mut f = compliant();
        if let Fact::Known(os) = &mut f.os {
            os.platform = "Debian".into();
            os.id = "debian".into();
            os.big = "12".into();
        }
        f.openssh_version = Fact::Known((9, 2));
        f.sshd_config = Fact::Known(Some(sshd_config::resolve(
            "/etc/ssh/sshd_config",
            "UsePAM yes\n",
            &BTreeMap::new(),
            &sshd_config::console(),
            None,
        )));
        let v = verdict(&CHECK, &f);
        assert_eq!(v.code, 6002);
        assert!(v
            .evidence
            .contains("PermitRootLogin prohibit-password (not set: the default of this OpenSSH; sshd_config parsed)"), "{}", v.evidence);
    }

    #[test]
    fn a_refused_configuration_is_failed_6004_whatever_follows() {
        let v = with_config("PermitRootLogin maybe\nPermitRootLogin yes\n", &[]);
        assert_eq!((v.status, v.code), (Status::Failed, 6004), "{v:?}");
        assert!(
            v.evidence.contains(
                "(sshd_config parsed): /etc/ssh/sshd_config:1: unsupported option \"maybe\""
            ),
            "{}",
            v.evidence
        );
    }

    #[test]
    fn match_user_root_overrides_the_global_value() {
        let v = with_config(
            "PermitRootLogin yes\nMatch User root\nPermitRootLogin no\n",
            &[],
        );
        assert_eq!((v.status, v.code), (Status::Warning, 6002), "{v:?}");
        let v = with_config(
            "PermitRootLogin no\nMatch User root\nPermitRootLogin yes\n",
            &[],
        );
        assert_eq!(v.status, Status::Ok, "{v:?}");
    }

    #[test]
    fn an_undecidable_match_counts_with_its_stricter_value() {
        let v = with_config(
            "PermitRootLogin yes\nMatch Address 10.0.0.0/8\nPermitRootLogin no\n",
            &[],
        );
        assert_eq!((v.status, v.code), (Status::Warning, 6002), "{v:?}");
        assert!(
            v.evidence.contains("if Match Address 10.0.0.0/8"),
            "{}",
            v.evidence
        );
    }

    #[test]
    fn sshd_t_is_cited_as_the_source() {
        let mut f = compliant();
        let parsed = sshd_config::resolve(
            "/etc/ssh/sshd_config",
            "UsePAM yes\n",
            &BTreeMap::new(),
            &sshd_config::console(),
            None,
        );
        let stdout = include_str!("../../tests/data/sshd_config/debian12-sshd-T.txt");
        let resolved = match sshd_config::sshd_t::interpret(Some(0), stdout, "") {
            sshd_config::sshd_t::SshdT::Resolved(r) => *r,
            other => panic!("{other:?}"),
        };
        f.sshd_config = Fact::Known(Some(sshd_config::sshd_t::combine(resolved, Some(&parsed))));
        let v = verdict(&CHECK, &f);
        assert_eq!(v.code, 6002, "{v:?}");
        assert!(
            v.evidence
                .starts_with("root may not log in: PermitRootLogin without-password (sshd -T)"),
            "{}",
            v.evidence
        );
    }

    #[test]
    fn disabled_sshd_is_warning_6001() {
        let mut f = compliant();
        set_unit(&mut f, "sshd.service", UnitEnabled::Disabled);
        f.active_units = Fact::Known(vec![("sshd.service".into(), false)]);
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 6001));
        assert!(v
            .evidence
            .starts_with("sshd does not start at boot: sshd.service is disabled"));
    }

    #[test]
    fn socket_activation_counts_as_enabled() {
        let mut f = compliant();
        set_unit(&mut f, "sshd.service", UnitEnabled::Alias);
        set_unit(&mut f, "ssh.service", UnitEnabled::Disabled);
        set_unit(&mut f, "ssh.socket", UnitEnabled::Enabled);
        assert_eq!(verdict(&CHECK, &f).status, Status::Ok);
    }

    #[test]
    fn active_socket_without_enablement_link_counts() {
        let mut f = compliant();
        set_unit(&mut f, "sshd.service", UnitEnabled::Disabled);
        set_unit(&mut f, "sshd.socket", UnitEnabled::Disabled);
        f.active_units = Fact::Known(vec![
            ("sshd.service".into(), false),
            ("sshd.socket".into(), true),
        ]);
        let v = verdict(&CHECK, &f);
        assert_eq!(v.status, Status::Ok, "{v:?}");
        assert!(v.evidence.starts_with("sshd.socket is active"));
    }

    #[test]
    fn missing_config_is_6003() {
        let mut f = compliant();
        f.sshd_config = Fact::Known(None);
        assert_eq!(verdict(&CHECK, &f).code, 6003);
    }
}
