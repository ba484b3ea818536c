//! Check 5, network: on CentOS/RHEL 7 and older (and distributions built from them) the cloud
//! configures the network through the `network` service; NetworkManager in its place leaves
//! the instance's network unstable. Other distributions use their own default and pass.

use super::{boot_state, BootState, Check, Code, Status, Verdict};
use crate::facts::os_release::OsInfo;
use crate::facts::Facts;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "network",
    number: 5,
    title: "Check network",
    reads: "systemctl is-enabled NetworkManager network systemd-networkd (chkconfig --list on SysV hosts); the distribution",
    thresholds: &[],
    failed_means: "never FAILED",
    warning_means: "CentOS/RHEL 7 or older family with NetworkManager enabled and the network service not enabled, or the state could not be read",
    suggestion: "Disable or delete the Network Manager and enable the network service (systemctl disable NetworkManager; systemctl enable network).",
    codes: &[
        Code { code: 5001, status: Status::Warning, meaning: "NetworkManager enabled instead of the network service" },
        Code { code: 5099, status: Status::Warning, meaning: "the distribution or the service states could not be read" },
    ],
    evaluate,
};

/// CentOS/RHEL 7 and older, and the distributions built from them (Amazon Linux 2, Alibaba
/// Cloud Linux 2, Anolis 7, ...), use network-scripts.
fn uses_network_scripts(os: &OsInfo) -> bool {
    os.rhel_release().is_some_and(|release| release <= 7)
}

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let os = match facts.os.get() {
        Ok(os) => os,
        Err(reason) => {
            return Verdict::warning(5099, format!("could not tell the distribution: {reason}"))
        }
    };
    let name = format!("{} {}", os.distribution, os.version);
    if !uses_network_scripts(os) {
        let managers: Vec<String> = ["NetworkManager", "systemd-networkd"]
            .iter()
            .filter(|unit| {
                matches!(
                    boot_state(facts, &[&format!("{unit}.service")], unit),
                    BootState::Enabled(_)
                )
            })
            .map(|unit| unit.to_string())
            .collect();
        let using = if managers.is_empty() {
            String::new()
        } else {
            format!(" ({} enabled)", managers.join(", "))
        };
        return Verdict::ok(format!(
            "{name} configures its network with its own default service{using}"
        ));
    }
    let manager = boot_state(facts, &["NetworkManager.service"], "NetworkManager");
    let network = boot_state(facts, &["network.service"], "network");
    match (&manager, &network) {
        (BootState::Enabled(m), BootState::Disabled(n) | BootState::Absent(n)) => {
            Verdict::warning(5001, format!("{name}: {m}, but {n}"))
        }
        (_, BootState::Enabled(n)) => Verdict::ok(format!("{name}: {n}")),
        (BootState::Unknown(reason), _) | (_, BootState::Unknown(reason)) => Verdict::warning(
            5099,
            format!("{name}: could not read the network services: {reason}"),
        ),
        (_, BootState::Disabled(n) | BootState::Absent(n)) => {
            Verdict::ok(format!("{name}: NetworkManager is not enabled ({n})"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, set_unit, verdict};
    use crate::facts::services::UnitEnabled;

    #[test]
    fn centos7_with_network_service_is_ok() {
        let v = verdict(&CHECK, &compliant());
        assert_eq!(v.status, Status::Ok, "{v:?}");
        assert_eq!(
            v.evidence,
            "CentOS Linux 7.9.2009: network.service is enabled"
        );
    }

    #[test]
    fn centos7_with_networkmanager_instead_is_warning_5001() {
        let mut f = compliant();
        set_unit(&mut f, "NetworkManager.service", UnitEnabled::Enabled);
        set_unit(&mut f, "network.service", UnitEnabled::Disabled);
        // `systemctl disable network` turns the SysV script off in chkconfig too.
        if let crate::facts::Fact::Known(Some(sysv)) = &mut f.sysv_services {
            sysv.insert("network".into(), false);
        }
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 5001));
        assert_eq!(
            v.evidence,
            "CentOS Linux 7.9.2009: NetworkManager.service is enabled, but network.service is disabled"
        );
    }

    #[test]
    fn networkmanager_is_fine_on_rocky9() {
        let mut f = compliant();
        if let crate::facts::Fact::Known(os) = &mut f.os {
            os.platform = "Rocky Linux".into();
            os.id = "rocky".into();
            os.big = "9".into();
        }
        set_unit(&mut f, "NetworkManager.service", UnitEnabled::Enabled);
        set_unit(&mut f, "network.service", UnitEnabled::NotFound);
        assert_eq!(verdict(&CHECK, &f).status, Status::Ok);
    }

    #[test]
    fn families_that_use_network_scripts() {
        let os = |id: &str, big: &str| OsInfo {
            id: id.into(),
            big: big.into(),
            ..compliant().os.known().cloned().expect("os")
        };
        assert!(uses_network_scripts(&os("centos", "6")));
        assert!(uses_network_scripts(&os("rhel", "7")));
        assert!(uses_network_scripts(&os("cloudlinux", "6")));
        assert!(uses_network_scripts(&os("anolis", "7")));
        assert!(uses_network_scripts(&os("amzn", "2")));
        assert!(uses_network_scripts(&os("amzn", "2018")));
        assert!(uses_network_scripts(&os("amzn", "2014")));
        assert!(uses_network_scripts(&os("alinux", "2")));
        assert!(!uses_network_scripts(&os("amzn", "2023")));
        assert!(!uses_network_scripts(&os("centos", "8")));
        assert!(!uses_network_scripts(&os("anolis", "8")));
        assert!(!uses_network_scripts(&os("alinux", "3")));
        assert!(!uses_network_scripts(&os("ubuntu", "14")));
    }
}
