//! Check 23, dhcp: the cloud hands out addresses by DHCP, so an interface configured with a
//! fixed address has none that works. AWS rewrites static configurations during the import
//! (and says to prepare DHCP); Google Cloud expects DHCP.

use super::profiles::ProfileCheck;
use super::{listed, Check, Code, Source, Status, Verdict};
use crate::facts::cloud::static_configs;
use crate::facts::Facts;
use crate::inventory::Thresholds;

const CHECK: Check = Check {
    name: "dhcp",
    number: 23,
    title: "Check DHCP",
    reads: "ifcfg-* of /etc/sysconfig/network-scripts and /etc/sysconfig/network, /etc/netplan/*.yaml, /etc/network/interfaces",
    thresholds: &[],
    failed_means: "never FAILED",
    warning_means: "an interface has a static address instead of DHCP, or the network configuration could not be read",
    suggestion: "",
    codes: &[
        Code { code: 23001, status: Status::Warning, meaning: "an interface is configured with a static address" },
        Code { code: 23099, status: Status::Warning, meaning: "the network configuration could not be read" },
    ],
    evaluate,
};

pub const AWS: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Configure the network interfaces for DHCP (BOOTPROTO=dhcp, iface eth0 inet dhcp, netplan dhcp4: true) before the import.",
        ..CHECK
    },
    sources: &[
        Source { title: "AWS VM Import/Export User Guide: Limitations (Linux: the network must be configured for DHCP)", url: "https://docs.aws.amazon.com/vm-import/latest/userguide/limitations-image-importing.html" },
        Source { title: "AWS VM Import/Export User Guide: Programmatic modifications to VMs (network scripts: static IPs replaced by dynamic IPs)", url: "https://docs.aws.amazon.com/vm-import/latest/userguide/import-modify-vm.html" },
    ],
};

pub const GCP: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Configure the primary interface for DHCP: Compute Engine gives the VM its address by DHCP.",
        ..CHECK
    },
    sources: &[Source { title: "Google Cloud: Manually import boot disks, operating system requirements (network: DHCP)", url: "https://cloud.google.com/compute/docs/import/import-existing-image" }],
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let files = match facts.cloud.network_files.get() {
        Ok(files) => files,
        Err(reason) => {
            return Verdict::warning(
                23099,
                format!("could not read the network configuration: {reason}"),
            )
        }
    };
    let fixed = static_configs(files);
    if fixed.is_empty() {
        Verdict::ok(format!(
            "no static address in {} network configuration file(s)",
            files.len()
        ))
    } else {
        Verdict::warning(23001, format!("static addresses: {}", listed(&fixed, ", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::cloud::ConfigFile;
    use crate::facts::Fact;

    #[test]
    fn a_static_ifcfg_is_23001() {
        assert_eq!(verdict(&CHECK, &compliant()).status, Status::Ok);
        let mut f = compliant();
        f.cloud.network_files = Fact::Known(vec![ConfigFile {
            path: "/etc/sysconfig/network-scripts/ifcfg-eth0".into(),
            text: "BOOTPROTO=static\nIPADDR=192.168.1.10\n".into(),
        }]);
        let v = verdict(&CHECK, &f);
        assert_eq!(
            v.evidence,
            "static addresses: /etc/sysconfig/network-scripts/ifcfg-eth0 (BOOTPROTO=static)"
        );
    }
}
