//! Check 25, virtual_machine: AWS VM Import/Export takes images of virtual machines only; a
//! disk image of a system running on physical hardware is a physical-to-virtual (P2V)
//! conversion, which it does not support. The firmware's DMI table says who made the machine.

use super::profiles::ProfileCheck;
use super::{Check, Code, Source, Status, Verdict};
use crate::facts::Facts;

pub const AWS: ProfileCheck = ProfileCheck {
    check: Check {
        name: "virtual_machine",
        number: 25,
        title: "Check virtual machine",
        reads: "/sys/class/dmi/id/sys_vendor and /sys/class/dmi/id/product_name",
        thresholds: &[],
        failed_means: "the system runs on physical hardware: its image would be a P2V conversion, which VM Import/Export does not import",
        warning_means: "the machine's maker could not be read (no DMI table, or it could not be read)",
        suggestion: "Import the system from a virtual machine (VMware, Hyper-V, KVM, ...); for a physical server use AWS Application Migration Service instead of VM Import/Export.",
        codes: &[
            Code { code: 25001, status: Status::Failed, meaning: "the system runs on physical hardware (a P2V image)" },
            Code { code: 25099, status: Status::Warning, meaning: "the machine's maker could not be read" },
        ],
        evaluate: |facts, _| evaluate(facts),
    },
    sources: &[Source { title: "AWS VM Import/Export User Guide: Limitations (VMs created by a physical-to-virtual (P2V) conversion are not supported)", url: "https://docs.aws.amazon.com/vm-import/latest/userguide/limitations-image-importing.html" }],
};

fn evaluate(facts: &Facts) -> Verdict {
    match facts.cloud.dmi.get() {
        Err(reason) => Verdict::warning(25099, format!("could not read the DMI table: {reason}")),
        Ok(None) => Verdict::warning(25099, "the kernel shows no DMI table (/sys/class/dmi/id)"),
        Ok(Some(dmi)) => {
            let machine = format!("{} {}", dmi.sys_vendor, dmi.product_name);
            let machine = machine.trim();
            if dmi.is_virtual() {
                Verdict::ok(format!("a virtual machine: {machine}"))
            } else {
                Verdict::failed(25001, format!("physical hardware: {machine}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::cloud::Dmi;
    use crate::facts::Fact;

    #[test]
    fn a_dell_server_is_25001_and_a_kvm_guest_ok() {
        assert_eq!(
            verdict(&AWS.check, &compliant()).evidence,
            "a virtual machine: QEMU Standard PC (i440FX + PIIX, 1996)"
        );
        let mut f = compliant();
        f.cloud.dmi = Fact::Known(Some(Dmi {
            sys_vendor: "Dell Inc.".into(),
            product_name: "PowerEdge R630".into(),
        }));
        let v = verdict(&AWS.check, &f);
        assert_eq!((v.status, v.code), (Status::Failed, 25001));
        assert_eq!(v.evidence, "physical hardware: Dell Inc. PowerEdge R630");
        f.cloud.dmi = Fact::Known(None);
        assert_eq!(verdict(&AWS.check, &f).code, 25099);
    }
}
