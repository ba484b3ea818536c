//! Check 7, firewall: a firewall in the image keeps the cloud from configuring the instance.

use super::{Check, Code, Status, Verdict};
use crate::facts::{Facts, FIREWALL_UNITS};
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "firewall",
    number: 7,
    title: "Check firewall",
    reads: "systemctl is-active firewalld iptables ip6tables nftables SuSEfirewall2 netfilter-persistent; ENABLED= in /etc/ufw/ufw.conf; chkconfig --list iptables ip6tables on SysV hosts",
    thresholds: &[],
    failed_means: "never FAILED",
    warning_means: "a firewall is active (each is named), or no source could be read",
    suggestion: "Disable the firewall iptables, firewalld, ufw, IPFilter (IPF), IPFireWall (IPFW) or PacketFilter (PF): e.g. systemctl disable --now firewalld; ufw disable.",
    codes: &[
        Code { code: 7001, status: Status::Warning, meaning: "a firewall is active" },
        Code { code: 7099, status: Status::Warning, meaning: "the firewall services could not be read" },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let mut active = Vec::new();
    let mut unknown = Vec::new();
    match facts.active_units.get() {
        Ok(units) => active.extend(
            units
                .iter()
                .filter(|(unit, on)| *on && FIREWALL_UNITS.contains(&unit.as_str()))
                .map(|(unit, _)| format!("{unit} is active")),
        ),
        Err(reason) => unknown.push(reason.to_string()),
    }
    match facts.ufw_enabled.get() {
        Ok(Some(true)) => {
            active.push("ufw is enabled (ENABLED=yes in /etc/ufw/ufw.conf)".to_string())
        }
        Ok(_) => {}
        Err(reason) => unknown.push(reason.to_string()),
    }
    match facts.sysv_services.get() {
        Ok(Some(services)) => {
            // Where systemd is absent (no `systemctl is-enabled` answered), chkconfig is the
            // boot-time truth of a SysV host; beside systemd it lists only SysV scripts.
            if facts
                .units_enabled
                .values()
                .all(|state| state.known().is_none())
            {
                unknown.clear();
            }
            for name in ["iptables", "ip6tables"] {
                if services.get(name) == Some(&true) {
                    active.push(format!("{name} is on at boot (chkconfig, runlevel 3)"));
                }
            }
        }
        Ok(None) => {}
        Err(reason) => unknown.push(reason.to_string()),
    }
    if !active.is_empty() {
        Verdict::warning(7001, active.join("; "))
    } else if facts.active_units.known().is_none() && !unknown.is_empty() {
        Verdict::warning(
            7099,
            format!(
                "could not read the firewall services: {}",
                unknown.join("; ")
            ),
        )
    } else {
        Verdict::ok("no firewall is active")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::Fact;

    #[test]
    fn active_firewalld_is_warning_7001() {
        let mut f = compliant();
        f.active_units = Fact::Known(vec![
            ("firewalld.service".into(), true),
            ("iptables.service".into(), false),
        ]);
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 7001));
        assert_eq!(v.evidence, "firewalld.service is active");
    }

    #[test]
    fn enabled_ufw_is_named() {
        let mut f = compliant();
        f.ufw_enabled = Fact::Known(Some(true));
        assert_eq!(
            verdict(&CHECK, &f).evidence,
            "ufw is enabled (ENABLED=yes in /etc/ufw/ufw.conf)"
        );
    }

    #[test]
    fn sysv_iptables_on_is_warning_and_sysv_answers_without_systemctl() {
        let mut f = compliant();
        f.active_units = Fact::unknown("`systemctl is-active ...`: command not found");
        for state in f.units_enabled.values_mut() {
            *state = Fact::unknown("`systemctl is-enabled`: command not found");
        }
        f.sysv_services = Fact::Known(Some(
            [("iptables".to_string(), true), ("sshd".to_string(), true)].into(),
        ));
        assert_eq!(
            verdict(&CHECK, &f).evidence,
            "iptables is on at boot (chkconfig, runlevel 3)"
        );
        f.sysv_services = Fact::Known(Some([("iptables".to_string(), false)].into()));
        assert_eq!(verdict(&CHECK, &f).status, Status::Ok);
    }

    #[test]
    fn chkconfig_beside_systemd_does_not_stand_in_for_the_active_units() {
        let mut f = compliant();
        f.active_units = Fact::unknown("not knowable from a disk image (nothing runs in it)");
        f.sysv_services = Fact::Known(Some([("netconsole".to_string(), false)].into()));
        let verdict = verdict(&CHECK, &f);
        assert_eq!(verdict.code, 7099);
        assert!(verdict.evidence.contains("not knowable from a disk image"));
    }

    #[test]
    fn nothing_readable_is_7099() {
        let mut f = compliant();
        f.active_units = Fact::unknown("System has not been booted with systemd");
        f.sysv_services = Fact::Known(None);
        assert_eq!(verdict(&CHECK, &f).code, 7099);
    }
}
