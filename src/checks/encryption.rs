//! Check 26, encryption: AWS VM Import/Export and Google Cloud's image import cannot read a
//! disk whose volumes are encrypted inside the guest (LUKS, dm-crypt): /etc/crypttab lists
//! the volumes the system unlocks at boot.

use super::profiles::ProfileCheck;
use super::{listed, Check, Code, Source, Status, Verdict};
use crate::facts::Facts;

const CHECK: Check = Check {
    name: "encryption",
    number: 26,
    title: "Check encrypted volumes",
    reads: "/etc/crypttab",
    thresholds: &[],
    failed_means: "/etc/crypttab lists encrypted volumes: the import cannot read them",
    warning_means: "/etc/crypttab could not be read",
    suggestion: "",
    codes: &[
        Code {
            code: 26001,
            status: Status::Failed,
            meaning: "the system has encrypted volumes",
        },
        Code {
            code: 26099,
            status: Status::Warning,
            meaning: "/etc/crypttab could not be read",
        },
    ],
    evaluate: |facts, _| evaluate(facts),
};

pub const AWS: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Decrypt the volumes (or leave them out of the image) before the import; encrypt the EBS volumes on AWS instead.",
        ..CHECK
    },
    sources: &[Source { title: "AWS VM Import/Export User Guide: Limitations (importing VMs with encrypted volumes isn't supported)", url: "https://docs.aws.amazon.com/vm-import/latest/userguide/limitations-image-importing.html" }],
};

pub const GCP: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Decrypt the volumes before the import; Compute Engine encrypts disks itself (or with your keys: CMEK, CSEK).",
        ..CHECK
    },
    sources: &[Source { title: "Google Cloud: Import virtual disks (limitations: software-encrypted disks cannot be imported)", url: "https://cloud.google.com/compute/docs/import/importing-virtual-disks" }],
};

fn evaluate(facts: &Facts) -> Verdict {
    match facts.cloud.crypttab.get() {
        Err(reason) => Verdict::warning(26099, format!("could not read /etc/crypttab: {reason}")),
        Ok(None) => Verdict::ok("no /etc/crypttab: no volume is unlocked at boot"),
        Ok(Some(volumes)) if volumes.is_empty() => Verdict::ok("/etc/crypttab lists no volume"),
        Ok(Some(volumes)) => Verdict::failed(
            26001,
            format!(
                "encrypted volumes in /etc/crypttab: {}",
                listed(volumes, ", ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::Fact;

    #[test]
    fn crypttab_volumes_are_26001() {
        assert_eq!(verdict(&CHECK, &compliant()).status, Status::Ok);
        let mut f = compliant();
        f.cloud.crypttab = Fact::Known(Some(vec!["luks-data".into()]));
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Failed, 26001));
        assert_eq!(v.evidence, "encrypted volumes in /etc/crypttab: luks-data");
    }
}
