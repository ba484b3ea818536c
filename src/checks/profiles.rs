//! Profiles: the checks of one target cloud, each with the documents its rules come from.
//! `alibaba` is Alibaba's 16 checks ([`super::ALL`]) as they always were; `aws`, `azure` and
//! `gcp` take the checks that their cloud's import documentation asks for, with that cloud's
//! rules and suggestions, on the same facts.
//!
//! A check keeps its number in every profile (ssh is 6, its codes 6xxx, wherever it runs);
//! checks that only the clouds run are numbered from 17. A check several clouds share is one
//! file with one rule per cloud (`driver::AZURE`), or Alibaba's check as it is with the
//! cloud's suggestion ([`with_suggestion`]).

use serde::Serialize;

use super::{
    boot_loader, cloud_init, device_id, dhcp, driver, encryption, mac_binding, os_supported,
    partition_table, root_filesystem, serial_console, ssh_login, swap, virtual_machine, Check,
    CheckResult, Source, ALIBABA_SOURCES, ALL,
};
use crate::facts::Facts;
use crate::inventory::Thresholds;

/// A check as a profile runs it, and where its rules are published.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ProfileCheck {
    #[serde(flatten)]
    pub check: Check,
    pub sources: &'static [Source],
}

/// One target cloud.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Profile {
    /// `--profile` name: "alibaba", "aws", "azure", "gcp".
    pub name: &'static str,
    /// The cloud's name in report headers: "Alibaba Cloud", "AWS".
    pub cloud: &'static str,
    pub checks: &'static [ProfileCheck],
}

impl Profile {
    /// The JSON names of its checks, in order: the check columns of summary.csv.
    pub fn names(&self) -> Vec<&'static str> {
        self.checks.iter().map(|c| c.check.name).collect()
    }

    /// Runs every check of the profile.
    pub fn evaluate(&self, facts: &Facts, thresholds: &Thresholds) -> Vec<CheckResult> {
        self.checks
            .iter()
            .map(|c| super::result(&c.check, facts, thresholds))
            .collect()
    }

    /// Whether this is Alibaba's profile, whose report files keep the seed's names.
    pub fn is_alibaba(&self) -> bool {
        self.name == ALIBABA.name
    }
}

const fn alibaba(check: Check) -> ProfileCheck {
    ProfileCheck {
        check,
        sources: ALIBABA_SOURCES,
    }
}

/// An Alibaba check unchanged but for the suggestion, with the cloud's sources.
pub(crate) const fn with_suggestion(
    check: Check,
    suggestion: &'static str,
    sources: &'static [Source],
) -> ProfileCheck {
    ProfileCheck {
        check: Check {
            suggestion,
            ..check
        },
        sources,
    }
}

/// Alibaba's checks, each with Alibaba's sources.
const ALIBABA_CHECKS: [ProfileCheck; ALL.len()] = {
    let mut checks = [alibaba(ALL[0]); ALL.len()];
    let mut i = 1;
    while i < ALL.len() {
        checks[i] = alibaba(ALL[i]);
        i += 1;
    }
    checks
};

pub const ALIBABA: Profile = Profile {
    name: "alibaba",
    cloud: "Alibaba Cloud",
    checks: &ALIBABA_CHECKS,
};

const AWS_IMPORT_LIMITS: Source = Source {
    title: "AWS VM Import/Export User Guide: Limitations for resources being imported with VM Import/Export",
    url: "https://docs.aws.amazon.com/vm-import/latest/userguide/limitations-image-importing.html",
};
const AWS_MODIFICATIONS: Source = Source {
    title: "AWS VM Import/Export User Guide: Programmatic modifications to VMs (fstab by UUID, static IPs made dynamic)",
    url: "https://docs.aws.amazon.com/vm-import/latest/userguide/import-modify-vm.html",
};
const AWS_BOOT_MODES: Source = Source {
    title: "AWS VM Import/Export User Guide: Boot modes (legacy BIOS with MBR, UEFI with GPT; uefi-preferred not supported)",
    url: "https://docs.aws.amazon.com/vm-import/latest/userguide/prerequisites.html",
};
const AZURE_GENERIC: Source = Source {
    title: "Microsoft Learn: Prepare Linux for imaging in Azure",
    url: "https://learn.microsoft.com/en-us/azure/virtual-machines/linux/create-upload-generic",
};
const AZURE_GENERATIONS: Source = Source {
    title: "Microsoft Learn: Support for generation 2 VMs on Azure (Gen1: BIOS and MBR; Gen2: UEFI and GPT)",
    url: "https://learn.microsoft.com/en-us/azure/virtual-machines/generation-2",
};
const GCP_IMPORT: Source = Source {
    title: "Google Cloud: Import virtual disks",
    url: "https://cloud.google.com/compute/docs/import/importing-virtual-disks",
};
const GCP_PRECHECK: Source = Source {
    title: "Google Cloud compute-image-tools: Image Import Precheck Tool (import_precheck: OS version, disks, SSH)",
    url: "https://github.com/GoogleCloudPlatform/compute-image-tools/tree/master/cli_tools/import_precheck",
};

pub const AWS: Profile = Profile {
    name: "aws",
    cloud: "AWS",
    checks: &[
        driver::AWS,
        ssh_login::CLOUD_SSH,
        with_suggestion(
            device_id::CHECK,
            "Mount file systems by UUID= (see blkid) in /etc/fstab: VM Import/Export replaces device names by UUIDs where it can and adds nofail where it cannot.",
            &[AWS_MODIFICATIONS, AWS_IMPORT_LIMITS],
        ),
        with_suggestion(
            partition_table::CHECK,
            "Use an MBR partition table and legacy BIOS boot, or a GPT disk that boots by UEFI imported with --boot-mode uefi (uefi-preferred is not accepted for imports).",
            &[AWS_BOOT_MODES, AWS_IMPORT_LIMITS],
        ),
        cloud_init::AWS,
        boot_loader::AWS,
        os_supported::AWS,
        dhcp::AWS,
        root_filesystem::AWS,
        virtual_machine::AWS,
        encryption::AWS,
    ],
};

pub const AZURE: Profile = Profile {
    name: "azure",
    cloud: "Microsoft Azure",
    checks: &[
        driver::AZURE,
        ssh_login::CLOUD_SSH,
        with_suggestion(
            device_id::CHECK,
            "Mount file systems by UUID= (see blkid) in /etc/fstab: device names change on Azure.",
            &[AZURE_GENERIC],
        ),
        with_suggestion(
            partition_table::CHECK,
            "Use an MBR partition table for a generation 1 VM (BIOS), or a GPT disk that boots by UEFI for a generation 2 VM.",
            &[AZURE_GENERATIONS, AZURE_GENERIC],
        ),
        cloud_init::AZURE,
        serial_console::AZURE,
        swap::AZURE,
        mac_binding::AZURE,
    ],
};

pub const GCP: Profile = Profile {
    name: "gcp",
    cloud: "Google Cloud",
    checks: &[
        driver::GCP,
        ssh_login::CLOUD_SSH,
        with_suggestion(
            partition_table::CHECK,
            "Use an MBR partition table with GRUB in the MBR, or a GPT disk that boots by UEFI (import it with UEFI compatibility).",
            &[GCP_IMPORT, GCP_PRECHECK],
        ),
        serial_console::GCP,
        mac_binding::GCP,
        boot_loader::GCP,
        os_supported::GCP,
        dhcp::GCP,
        encryption::GCP,
    ],
};

/// Every profile, in the order `--profile all` runs them.
pub const PROFILES: &[Profile] = &[ALIBABA, AWS, AZURE, GCP];

/// The profiles a `--profile` value names: `all`, or names separated by commas, each once,
/// in the order given.
pub fn parse(value: &str) -> Result<Vec<&'static Profile>, String> {
    if value.trim() == "all" {
        return Ok(PROFILES.iter().collect());
    }
    let mut chosen: Vec<&'static Profile> = Vec::new();
    for name in value.split(',').map(str::trim) {
        let profile = PROFILES.iter().find(|p| p.name == name).ok_or_else(|| {
            let known: Vec<&str> = PROFILES.iter().map(|p| p.name).collect();
            format!(
                "unknown profile `{name}`: expected all or a comma list of {}",
                known.join(", ")
            )
        })?;
        if !chosen.iter().any(|p| p.name == profile.name) {
            chosen.push(profile);
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::compliant;
    use crate::checks::Status;

    #[test]
    fn alibaba_profile_is_the_sixteen_checks_in_order() {
        let names: Vec<&str> = ALL.iter().map(|c| c.name).collect();
        assert_eq!(ALIBABA.names(), names);
    }

    #[test]
    fn every_rule_of_every_profile_names_a_source() {
        for profile in PROFILES {
            for c in profile.checks {
                assert!(!c.sources.is_empty(), "{}/{}", profile.name, c.check.name);
                for source in c.sources {
                    assert!(
                        source.url.starts_with("https://") && source.title.len() > 10,
                        "{}/{}: {source:?}",
                        profile.name,
                        c.check.name
                    );
                }
            }
        }
    }

    /// A check keeps its number everywhere, and no two checks share one (that its codes are
    /// its number's thousands is checked in checks::tests for every profile's checks).
    #[test]
    fn codes_are_documented_and_each_check_keeps_its_number() {
        let mut numbers: std::collections::BTreeMap<u32, &str> = Default::default();
        for profile in PROFILES {
            for c in profile.checks {
                assert!(
                    !c.check.codes.is_empty(),
                    "{}/{}",
                    profile.name,
                    c.check.name
                );
                let number = c.check.number;
                let owner = numbers.entry(number).or_insert(c.check.name);
                assert_eq!(*owner, c.check.name, "{number} used by two checks");
            }
        }
    }

    #[test]
    fn every_verdict_carries_a_documented_code() {
        let facts = compliant();
        for profile in PROFILES {
            for (c, result) in profile
                .checks
                .iter()
                .zip(profile.evaluate(&facts, &Thresholds::default()))
            {
                if result.status == Status::Ok {
                    assert_eq!(result.error_code, "0");
                } else {
                    assert!(
                        c.check
                            .codes
                            .iter()
                            .any(|code| code.code.to_string() == result.error_code
                                && code.status == result.status),
                        "{}/{}: {result:?}",
                        profile.name,
                        c.check.name
                    );
                }
            }
        }
    }

    #[test]
    fn profile_lists_are_parsed_once_each_in_order() {
        let names = |v: &str| parse(v).map(|ps| ps.iter().map(|p| p.name).collect::<Vec<_>>());
        assert_eq!(names("all").unwrap(), ["alibaba", "aws", "azure", "gcp"]);
        assert_eq!(names("gcp, aws,gcp").unwrap(), ["gcp", "aws"]);
        assert!(names("oracle")
            .unwrap_err()
            .contains("unknown profile `oracle`"));
    }
}
