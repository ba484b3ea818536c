//! Check 22, os_supported: is the distribution and release one the cloud's import service
//! lists, on an architecture it imports? An unlisted release may still import, so that is a
//! WARNING; an architecture the import refuses is FAILED (AWS: no ARM64) or a WARNING where
//! another way in exists (Google Cloud: Arm disks only by manual import). The lists are the
//! documents' as read when this file was written (see the sources and the README); kernels
//! per release, which AWS's table also lists, are not compared.

use super::profiles::ProfileCheck;
use super::{Check, Code, Source, Status, Verdict};
use crate::facts::Facts;

/// os-release IDs and the major versions ("7", "22.04" for Ubuntu) a cloud lists.
type Supported = &'static [(&'static str, &'static [&'static str])];

/// What a cloud's import says about a distribution.
struct Rule {
    supported: Supported,
    /// `uname -m` values the import takes.
    architectures: &'static [&'static str],
    /// The verdict on another architecture.
    other_architecture: Status,
}

const AWS_RULE: Rule = Rule {
    supported: AWS_SUPPORTED,
    architectures: &["x86_64"],
    other_architecture: Status::Failed,
};

const GCP_RULE: Rule = Rule {
    supported: GCP_SUPPORTED,
    architectures: &["x86_64"],
    other_architecture: Status::Warning,
};

const AWS_SUPPORTED: Supported = &[
    ("amzn", &["2", "2023"]),
    ("centos", &["5", "6", "7", "8", "9"]),
    ("debian", &["6", "7", "10", "11", "12"]),
    ("fedora", &["18", "19", "20"]),
    ("ol", &["5", "6", "7"]),
    ("rhel", &["5", "6", "7", "8"]),
    ("sles", &["11", "12", "15"]),
    (
        "ubuntu",
        &[
            "12.04", "12.10", "13.04", "13.10", "14.04", "14.10", "15.04", "16.04", "16.10",
            "17.04", "18.04", "20.04", "22.04",
        ],
    ),
];

const GCP_SUPPORTED: Supported = &[
    ("centos", &["7", "8"]),
    ("debian", &["9", "10", "11", "12"]),
    ("rhel", &["7", "8", "9"]),
    ("rocky", &["8", "9"]),
    ("almalinux", &["8", "9"]),
    ("ol", &["7", "8"]),
    ("sles", &["12", "15"]),
    ("sles_sap", &["12", "15"]),
    ("opensuse-leap", &["15"]),
    (
        "ubuntu",
        &["14.04", "16.04", "18.04", "20.04", "22.04", "24.04"],
    ),
];

const CHECK: Check = Check {
    name: "os_supported",
    number: 22,
    title: "Check operating system",
    reads: "/etc/os-release and the vendor release files (the report's distribution and version)",
    thresholds: &[],
    failed_means: "the architecture is one the import refuses (AWS: ARM64)",
    warning_means: "the distribution or its release is not in the cloud's list of supported operating systems, an architecture that needs another way in (Google Cloud: Arm, by manual import only), or the system could not be identified",
    suggestion: "",
    codes: &[
        Code { code: 22001, status: Status::Warning, meaning: "the distribution or release is not in the cloud's list" },
        Code { code: 22099, status: Status::Warning, meaning: "the distribution or the architecture could not be identified" },
    ],
    // Each cloud sets its own codes and rule; this one is AWS's.
    evaluate: |facts, _| evaluate(facts, &AWS_RULE),
};

pub const AWS: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Import one of the releases VM Import/Export lists (Amazon Linux 2, CentOS 5-8, Debian, Fedora, Oracle Linux, RHEL 5-8, SLES 11-15, Ubuntu), or build the AMI from an AWS-published image of the distribution.",
        codes: &[
            Code { code: 22001, status: Status::Warning, meaning: "the distribution or release is not in VM Import/Export's list" },
            Code { code: 22002, status: Status::Failed, meaning: "VM Import/Export does not import this architecture (ARM64 is not supported)" },
            Code { code: 22099, status: Status::Warning, meaning: "the distribution or the architecture could not be identified" },
        ],
        evaluate: |facts, _| evaluate(facts, &AWS_RULE),
        ..CHECK
    },
    sources: &[Source { title: "AWS VM Import/Export User Guide: Requirements for resources, supported operating systems (Linux/Unix, 64-bit only; ARM64 not supported)", url: "https://docs.aws.amazon.com/vm-import/latest/userguide/prerequisites.html" }],
};

pub const GCP: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Import one of the operating systems the image import tool supports, or create the VM from a Google-provided image of the distribution.",
        codes: &[
            Code { code: 22001, status: Status::Warning, meaning: "the distribution or release is not in the image import tool's list" },
            Code { code: 22002, status: Status::Warning, meaning: "the image import tool does not import Arm disks: import the boot disk manually" },
            Code { code: 22099, status: Status::Warning, meaning: "the distribution or the architecture could not be identified" },
        ],
        evaluate: |facts, _| evaluate(facts, &GCP_RULE),
        ..CHECK
    },
    sources: &[
        Source { title: "Google Cloud: Import virtual disks (supported operating systems)", url: "https://cloud.google.com/compute/docs/import/importing-virtual-disks" },
        Source { title: "Google Cloud: Operating system details (import support per OS)", url: "https://cloud.google.com/compute/docs/images/os-details" },
    ],
};

fn evaluate(facts: &Facts, rule: &Rule) -> Verdict {
    let arch = match facts.architecture.get() {
        Ok(arch) => arch,
        Err(reason) => {
            return Verdict::warning(22099, format!("could not read the architecture: {reason}"))
        }
    };
    if !rule.architectures.contains(&arch.as_str()) {
        let evidence = format!(
            "the architecture is {arch}; the import takes {}",
            rule.architectures.join(", ")
        );
        return match rule.other_architecture {
            Status::Failed => Verdict::failed(22002, evidence),
            _ => Verdict::warning(22002, evidence),
        };
    }
    let supported = rule.supported;
    let os = match facts.os.get() {
        Ok(os) => os,
        Err(reason) => {
            return Verdict::warning(
                22099,
                format!("could not identify the distribution: {reason}"),
            )
        }
    };
    let release = if os.id == "ubuntu" {
        format!("{}.{}", os.big, os.small.split('.').next().unwrap_or(""))
    } else {
        os.big.clone()
    };
    let name = format!("{} {release}", os.distribution);
    match supported.iter().find(|(id, _)| *id == os.id) {
        Some((_, versions)) if versions.contains(&release.as_str()) => {
            Verdict::ok(format!("{name} is a supported operating system"))
        }
        Some((_, versions)) => Verdict::warning(
            22001,
            format!(
                "{name} is not a listed release (listed: {})",
                versions.join(", ")
            ),
        ),
        None => Verdict::warning(
            22001,
            format!("{name} ({}) is not a listed distribution", os.id),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::Fact;

    #[test]
    fn listed_releases_pass_and_others_warn() {
        let v = verdict(&AWS.check, &compliant());
        assert_eq!(v.evidence, "CentOS Linux 7 is a supported operating system");
        let mut f = compliant();
        if let Fact::Known(os) = &mut f.os {
            os.id = "rocky".into();
            os.distribution = "Rocky Linux".into();
            os.big = "9".into();
        }
        assert_eq!(verdict(&AWS.check, &f).code, 22001);
        assert_eq!(verdict(&GCP.check, &f).status, Status::Ok);
        f.os = Fact::unknown("no release file");
        assert_eq!(verdict(&GCP.check, &f).code, 22099);
        let mut f = compliant();
        f.architecture = Fact::Known("aarch64".into());
        let v = verdict(&AWS.check, &f);
        assert_eq!((v.status, v.code), (Status::Failed, 22002));
        assert_eq!(
            v.evidence,
            "the architecture is aarch64; the import takes x86_64"
        );
        assert_eq!(verdict(&GCP.check, &f).status, Status::Warning);
    }
}
