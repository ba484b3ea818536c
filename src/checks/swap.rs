//! Check 19, swap: Azure wants no swap on the OS disk; swap belongs on the temporary
//! resource disk, where cloud-init or the Azure Linux Agent makes it.

use super::profiles::ProfileCheck;
use super::{listed, Check, Code, Source, Status, Verdict};
use crate::facts::Facts;
use crate::inventory::Thresholds;

pub const AZURE: ProfileCheck = ProfileCheck {
    check: Check {
        name: "swap",
        number: 19,
        title: "Check swap",
        reads: "/etc/fstab",
        thresholds: &[],
        failed_means: "never FAILED",
        warning_means: "/etc/fstab mounts swap (a partition or a file of the OS disk), or fstab could not be read",
        suggestion: "Remove the swap entries from /etc/fstab (and the swap partition or file) and let cloud-init (mounts, swap) or the Azure Linux Agent (ResourceDisk.EnableSwap=y in /etc/waagent.conf) make swap on the resource disk.",
        codes: &[
            Code { code: 19001, status: Status::Warning, meaning: "swap is configured on the OS disk" },
            Code { code: 19099, status: Status::Warning, meaning: "/etc/fstab could not be read" },
        ],
        evaluate,
    },
    sources: &[Source { title: "Microsoft Learn: Prepare Linux for imaging in Azure (General Linux installation notes: do not configure a swap partition or swap file on the OS disk)", url: "https://learn.microsoft.com/en-us/azure/virtual-machines/linux/create-upload-generic" }],
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let fstab = match facts.fstab.get() {
        Ok(Some(fstab)) => fstab,
        Ok(None) => return Verdict::ok("no /etc/fstab, so no swap in it"),
        Err(reason) => {
            return Verdict::warning(19099, format!("could not read /etc/fstab: {reason}"))
        }
    };
    let swaps: Vec<String> = fstab
        .entries
        .iter()
        .filter(|e| e.fstype == "swap")
        .map(|e| format!("{} (/etc/fstab line {})", e.spec, e.line))
        .collect();
    if swaps.is_empty() {
        Verdict::ok("no swap in /etc/fstab")
    } else {
        Verdict::warning(
            19001,
            format!("swap on the OS disk: {}", listed(&swaps, ", ")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::{fstab, Fact};

    #[test]
    fn a_swap_line_is_19001_naming_it() {
        let v = verdict(&AZURE.check, &compliant());
        assert_eq!((v.status, v.code), (Status::Warning, 19001));
        assert_eq!(
            v.evidence,
            "swap on the OS disk: /dev/mapper/centos-swap (/etc/fstab line 11)"
        );
        let mut f = compliant();
        f.fstab = Fact::Known(Some(fstab::parse_fstab("UUID=1 / xfs defaults 0 0\n")));
        assert_eq!(verdict(&AZURE.check, &f).status, Status::Ok);
    }
}
