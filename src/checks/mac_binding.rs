//! Check 20, mac_binding: nothing may tie an interface to the source machine's MAC address
//! (udev's 70-persistent-net.rules, HWADDR= in ifcfg files, macaddress in netplan): the
//! cloud's NIC has another one, and the interface would not come up.

use super::profiles::ProfileCheck;
use super::{listed, Check, Code, Source, Status, Verdict};
use crate::facts::cloud::mac_bindings;
use crate::facts::Facts;
use crate::inventory::Thresholds;

const CHECK: Check = Check {
    name: "mac_binding",
    number: 20,
    title: "Check MAC address bindings",
    reads: "/etc/udev/rules.d/70-persistent-net.rules; ifcfg-* of /etc/sysconfig/network-scripts and /etc/sysconfig/network, /etc/netplan/*.yaml, /etc/network/interfaces",
    thresholds: &[],
    failed_means: "never FAILED",
    warning_means: "a udev rule or an interface configuration names a MAC address, or a source could not be read",
    suggestion: "",
    codes: &[
        Code { code: 20001, status: Status::Warning, meaning: "an interface is bound to the source machine's MAC address" },
        Code { code: 20099, status: Status::Warning, meaning: "the udev rules or the network configuration could not be read" },
    ],
    evaluate,
};

pub const AZURE: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Remove /etc/udev/rules.d/70-persistent-net.rules and the HWADDR=/MACADDR= lines of the ifcfg files (macaddress in netplan).",
        ..CHECK
    },
    sources: &[
        Source { title: "Microsoft Learn: Prepare Linux for imaging in Azure (remove persistent network rules: rm -f /etc/udev/rules.d/70-persistent-net.rules)", url: "https://learn.microsoft.com/en-us/azure/virtual-machines/linux/create-upload-generic" },
        Source { title: "Microsoft Learn: Troubleshoot Linux VM boot and network issues due to Hyper-V driver errors (NIC MAC address mismatch)", url: "https://learn.microsoft.com/en-us/troubleshoot/azure/virtual-machines/linux/linux-hyperv-issue" },
    ],
};

pub const GCP: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Remove /etc/udev/rules.d/70-persistent-net.rules and every hard-coded MAC address (HWADDR=, MACADDR=, netplan macaddress) from the network configuration.",
        ..CHECK
    },
    sources: &[Source { title: "Google Cloud: Manually import boot disks, operating system requirements (no hard-coded MAC addresses; delete persistent network udev rules)", url: "https://cloud.google.com/compute/docs/import/import-existing-image" }],
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let cloud = &facts.cloud;
    let (rules, files) = match (cloud.persistent_net_rules.get(), cloud.network_files.get()) {
        (Ok(rules), Ok(files)) => (rules, files),
        (Err(reason), _) | (_, Err(reason)) => {
            return Verdict::warning(
                20099,
                format!("could not read the network configuration: {reason}"),
            )
        }
    };
    let found = mac_bindings(files, rules.as_deref());
    if found.is_empty() {
        Verdict::ok(format!(
            "no MAC address in the udev rules or {} network configuration file(s)",
            files.len()
        ))
    } else {
        Verdict::warning(20001, format!("MAC addresses at {}", listed(&found, ", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::Fact;

    #[test]
    fn persistent_net_rules_are_20001() {
        assert_eq!(verdict(&CHECK, &compliant()).status, Status::Ok);
        let mut f = compliant();
        f.cloud.persistent_net_rules = Fact::Known(Some(
            "SUBSYSTEM==\"net\", ATTR{address}==\"00:0c:29:aa:bb:cc\", NAME=\"eth0\"\n".into(),
        ));
        let v = verdict(&CHECK, &f);
        assert_eq!(
            v.evidence,
            "MAC addresses at /etc/udev/rules.d/70-persistent-net.rules:1"
        );
        f.cloud.network_files = Fact::unknown("permission denied");
        assert_eq!(verdict(&CHECK, &f).code, 20099);
    }
}
