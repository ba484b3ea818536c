//! Checks: is this host fit to become a cloud image? Each check is a pure function of the
//! [`Facts`] and the host's [`Thresholds`]: no I/O, no clock. One file per check; [`ALL`] lists
//! them in the console order of Alibaba's tool.
//!
//! Error codes: check number × 1000 + cause (`3001` SELinux enforcing); `×099` always means
//! "a source could not be read", which is a WARNING, never a silent OK.

mod boot_loader;
mod cloud_init;
mod device_id;
mod dhcp;
mod disk_size;
mod disk_usage;
mod driver;
mod encryption;
mod filesystem;
mod firewall;
mod inode_usage;
mod lib;
mod mac_binding;
mod network;
mod os_supported;
mod partition_table;
mod passwd;
pub mod profiles;
mod qemu_ga;
mod root;
mod root_filesystem;
mod selinux;
mod serial_console;
mod shadow;
mod ssh;
mod ssh_login;
mod swap;
mod virtual_machine;

use serde::{Deserialize, Serialize};

use crate::facts::services::UnitEnabled;
use crate::facts::{Fact, Facts};
use crate::inventory::Thresholds;

/// Alibaba's three verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Warning,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Failed => "FAILED",
        }
    }

    /// The word the seed's descriptions start with ("Pass: kvm driver exists.").
    fn prefix(self) -> &'static str {
        match self {
            Status::Ok => "Pass",
            Status::Warning => "Warning",
            Status::Failed => "Failed",
        }
    }
}

/// What a check function decides: the verdict, its code and the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub code: u32,
    pub evidence: String,
}

/// Longest evidence a verdict keeps: a hostile host's data never makes a report large.
pub const MAX_EVIDENCE: usize = 4096;

/// Items shown by [`listed`] before "… and N more".
const LISTED_ITEMS: usize = 10;

/// `items` joined with `separator`, the first [`LISTED_ITEMS`] of them, then "… and N more".
pub fn listed(items: &[String], separator: &str) -> String {
    let shown = items[..items.len().min(LISTED_ITEMS)].join(separator);
    match items.len().saturating_sub(LISTED_ITEMS) {
        0 => shown,
        more => format!("{shown}{separator}… and {more} more"),
    }
}

impl Verdict {
    fn new(status: Status, code: u32, evidence: String) -> Self {
        let mut evidence = evidence;
        if evidence.len() > MAX_EVIDENCE {
            let mut cut = MAX_EVIDENCE;
            while !evidence.is_char_boundary(cut) {
                cut -= 1;
            }
            let dropped = evidence.len() - cut;
            evidence.truncate(cut);
            evidence.push_str(&format!("… ({dropped} bytes more)"));
        }
        Verdict {
            status,
            code,
            evidence,
        }
    }

    pub fn ok(evidence: impl Into<String>) -> Self {
        Verdict::new(Status::Ok, 0, evidence.into())
    }

    pub fn warning(code: u32, evidence: impl Into<String>) -> Self {
        Verdict::new(Status::Warning, code, evidence.into())
    }

    pub fn failed(code: u32, evidence: impl Into<String>) -> Self {
        Verdict::new(Status::Failed, code, evidence.into())
    }
}

/// A documented error code of a check.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Code {
    pub code: u32,
    pub status: Status,
    pub meaning: &'static str,
}

/// A published document a rule comes from: `image_check checks` prints it beside the rule.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Source {
    pub title: &'static str,
    pub url: &'static str,
}

/// Where Alibaba's 16 checks come from: its own image_check tool and the import guide.
pub const ALIBABA_SOURCES: &[Source] = &[
    Source {
        title: "Alibaba Cloud ECS: Check whether an image meets the import requirements (the image_check tool these checks follow, and the check items)",
        url: "https://www.alibabacloud.com/help/en/ecs/user-guide/check-whether-an-image-meets-the-import-requirements",
    },
    Source {
        title: "Alibaba Cloud ECS API: ImportImage (Platform, BootMode)",
        url: "https://www.alibabacloud.com/help/doc-detail/25542.htm",
    },
];

/// One check and its documentation (`image_check checks` prints it).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Check {
    /// JSON name, e.g. "selinux".
    pub name: &'static str,
    /// Console label, e.g. "Check security".
    pub title: &'static str,
    /// The sources it reads.
    pub reads: &'static str,
    pub failed_means: &'static str,
    pub warning_means: &'static str,
    /// The seed's suggestion: every report's `comment` for this check.
    pub suggestion: &'static str,
    pub codes: &'static [Code],
    #[serde(skip)]
    pub evaluate: fn(&Facts, &Thresholds) -> Verdict,
}

/// The verdict of one check on one host, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub title: String,
    pub status: Status,
    /// "0" for OK, otherwise one of the check's documented codes.
    pub error_code: String,
    /// "Pass: ..." / "Warning: ..." / "Failed: ..." with the evidence.
    pub description: String,
    pub comment: String,
}

/// Every check, in the console order of Alibaba's tool.
pub const ALL: &[Check] = &[
    driver::CHECK,
    shadow::CHECK,
    selinux::CHECK,
    qemu_ga::CHECK,
    network::CHECK,
    ssh::CHECK,
    firewall::CHECK,
    filesystem::CHECK,
    device_id::CHECK,
    root::CHECK,
    passwd::CHECK,
    partition_table::CHECK,
    lib::CHECK,
    disk_size::CHECK,
    disk_usage::CHECK,
    inode_usage::CHECK,
];

/// The JSON names of every check, in console order: the check columns of summary.csv.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|c| c.name).collect()
}

/// Runs every check; every verdict carries one of the check's documented codes.
pub fn evaluate(facts: &Facts, thresholds: &Thresholds) -> Vec<CheckResult> {
    ALL.iter()
        .map(|check| result(check, facts, thresholds))
        .collect()
}

/// One check's verdict as reports show it.
fn result(check: &Check, facts: &Facts, thresholds: &Thresholds) -> CheckResult {
    let verdict = (check.evaluate)(facts, thresholds);
    CheckResult {
        name: check.name.to_string(),
        title: check.title.to_string(),
        status: verdict.status,
        error_code: verdict.code.to_string(),
        description: format!("{}: {}", verdict.status.prefix(), verdict.evidence),
        comment: check.suggestion.to_string(),
    }
}

/// Whether a service starts at boot, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BootState {
    Enabled(String),
    Disabled(String),
    /// Neither systemd nor SysV init knows the service.
    Absent(String),
    /// Neither systemctl nor chkconfig could be asked.
    Unknown(String),
}

/// The boot-time state of a service known to systemd as any of `units` or to SysV init
/// (chkconfig) as `sysv`: enabled anywhere wins.
pub(crate) fn boot_state(facts: &Facts, units: &[&str], sysv: &str) -> BootState {
    let mut disabled = None;
    let mut unknown = None;
    let mut asked = false;
    for unit in units {
        match facts.units_enabled.get(*unit) {
            Some(Fact::Known(state)) => {
                asked = true;
                let word = match state {
                    UnitEnabled::Enabled | UnitEnabled::Generated => {
                        return BootState::Enabled(format!("{unit} is enabled"))
                    }
                    // An alias says nothing: its target is asked under its own name.
                    UnitEnabled::NotFound | UnitEnabled::Alias => continue,
                    UnitEnabled::Disabled => "disabled",
                    UnitEnabled::Static => "static (not started at boot by itself)",
                    UnitEnabled::Indirect => "indirect",
                    UnitEnabled::Masked => "masked",
                    UnitEnabled::Other => "in an unknown state",
                };
                disabled.get_or_insert(format!("{unit} is {word}"));
            }
            Some(Fact::Unknown { reason }) => {
                unknown.get_or_insert_with(|| reason.clone());
            }
            None => {}
        }
    }
    match facts.sysv_services.get() {
        Ok(Some(services)) => {
            asked = true;
            match services.get(sysv) {
                Some(true) => {
                    return BootState::Enabled(format!(
                        "{sysv} is on at boot (chkconfig, runlevel 3)"
                    ))
                }
                Some(false) => {
                    disabled
                        .get_or_insert(format!("{sysv} is off at boot (chkconfig, runlevel 3)"));
                }
                None => {}
            }
        }
        Ok(None) => {}
        Err(reason) => {
            unknown.get_or_insert_with(|| reason.to_string());
        }
    }
    match (disabled, asked) {
        (Some(evidence), _) => BootState::Disabled(evidence),
        (None, true) => BootState::Absent(format!(
            "{} does not exist",
            units.first().copied().unwrap_or(sysv)
        )),
        (None, false) => {
            BootState::Unknown(unknown.unwrap_or_else(|| "no service manager answered".to_string()))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::facts::boot;
    use crate::facts::os_release::OsInfo;
    use crate::facts::partition_table::PartitionTable;
    use crate::facts::partition_table::{PartitionEntry, PartitionType};
    use crate::facts::{
        blkid, df, disks, fstab, lsattr, passwd, sshd_config, DriverFacts, LibPath,
        PartitionTableFact,
    };

    fn set<const N: usize>(names: [&str; N]) -> Fact<std::collections::BTreeSet<String>> {
        Fact::Known(names.iter().map(|n| n.to_string()).collect())
    }

    /// A CentOS 7.9 KVM guest on which every check is OK; tests change one thing each.
    pub(crate) fn compliant() -> Facts {
        let units = [
            ("sshd.service", UnitEnabled::Enabled),
            ("ssh.service", UnitEnabled::NotFound),
            ("ssh.socket", UnitEnabled::NotFound),
            ("NetworkManager.service", UnitEnabled::NotFound),
            ("network.service", UnitEnabled::Enabled),
            ("systemd-networkd.service", UnitEnabled::NotFound),
            ("qemu-guest-agent.service", UnitEnabled::NotFound),
        ];
        let df_blocks = "Filesystem              1024-blocks    Used Available Capacity Mounted on\n/dev/mapper/centos-root    38770180 3607072  35163108      10% /\n";
        let df_inodes = "Filesystem               Inodes IUsed    IFree IUse% Mounted on\n/dev/mapper/centos-root 19394560 61234 19333326    1% /\n";
        Facts {
            os: Fact::Known(OsInfo {
                platform: "CentOS".into(),
                distribution: "CentOS Linux".into(),
                id: "centos".into(),
                id_like: "rhel fedora".into(),
                version: "7.9.2009".into(),
                big: "7".into(),
                small: "9".into(),
                pretty_name: "CentOS Linux 7 (Core)".into(),
                source: "/etc/os-release".into(),
            }),
            architecture: Fact::Known("x86_64".into()),
            kernel: Fact::Known("3.10.0-1160.el7.x86_64".into()),
            system_disk: Fact::Known(disks::SystemDisk { name: "vda".into(), size_bytes: 40 << 30, root_device: "centos-root".into() }),
            mounts: Fact::Known(disks::parse_proc_mounts(
                "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n/dev/mapper/centos-root / xfs rw,relatime,attr2,inode64,noquota 0 0\n/dev/vda1 /boot xfs rw,relatime 0 0\n",
            )),
            drivers: DriverFacts {
                kernel_config: Fact::Known(BTreeMap::from([
                    ("CONFIG_VIRTIO_BLK".to_string(), 'm'),
                    ("CONFIG_VIRTIO_NET".to_string(), 'm'),
                    ("CONFIG_VIRTIO_PCI".to_string(), 'm'),
                    ("CONFIG_SCSI_VIRTIO".to_string(), 'm'),
                ])),
                builtin: set([]),
                modules: set(["virtio", "virtio_ring", "virtio_pci", "virtio_blk", "virtio_net", "virtio_scsi"]),
                initramfs: set(["virtio", "virtio_ring", "virtio_pci", "virtio_blk", "virtio_net", "virtio_scsi"]),
                loaded: set(["virtio_blk", "virtio_net"]),
            },
            shadow_attributes: Fact::Known(lsattr::parse_lsattr("---------------- /etc/shadow\n").expect("lsattr")),
            selinux_config: Fact::Known(Some("disabled".into())),
            selinux_mode: Fact::Known(Some("disabled".into())),
            qemu_ga_files: Fact::Known(vec![]),
            units_enabled: units.iter().map(|(u, s)| (u.to_string(), Fact::Known(*s))).collect(),
            sysv_services: Fact::Known(None),
            active_units: Fact::Known(
                crate::facts::FIREWALL_UNITS
                    .iter()
                    .chain(crate::facts::SSH_UNITS)
                    .map(|u| (u.to_string(), *u == "sshd.service"))
                    .collect(),
            ),
            ufw_enabled: Fact::Known(None),
            sshd_config: Fact::Known(Some(sshd_config::resolve("/etc/ssh/sshd_config", "PermitRootLogin yes\n", &BTreeMap::new(), &sshd_config::console(), None))),
            openssh_version: Fact::Known((7, 4)),
            root_ext: Fact::Known(None),
            fstab: Fact::Known(Some(fstab::parse_fstab(
                "/dev/mapper/centos-root /                       xfs     defaults        0 0\n\
                 UUID=6a0c8a9e-3f9b-4c57-9a40-1d3c8a7b2f10 /boot                   xfs     defaults        0 0\n\
                 /dev/mapper/centos-swap swap                    swap    defaults        0 0\n",
            ))),
            blkid: Fact::Known(blkid::parse_blkid(
                "/dev/vda1: UUID=\"6a0c8a9e-3f9b-4c57-9a40-1d3c8a7b2f10\" TYPE=\"xfs\"\n\
                 /dev/vda2: UUID=\"Yc2mHk-0n7F-0Q3u-Uq2v-0b8S-kf2e-9xYk4d\" TYPE=\"LVM2_member\"\n\
                 /dev/mapper/centos-root: UUID=\"0b5d5e28-8b0c-4ac6-8f6d-2d3b44f1e3a1\" TYPE=\"xfs\"\n\
                 /dev/mapper/centos-swap: UUID=\"3e4f9c1d-5a6b-4c7d-8e9f-0a1b2c3d4e5f\" TYPE=\"swap\"\n",
            )),
            passwd: Fact::Known(passwd::parse_passwd("root:x:0:0:root:/root:/bin/bash\nbin:x:1:1:bin:/bin:/sbin/nologin\n")),
            passwd_program: Fact::Known(Some("/usr/bin/passwd".into())),
            partition_table: Fact::Known(PartitionTableFact {
                table: PartitionTable::Mbr,
                source: "the first 1024 bytes of /dev/vda".into(),
            }),
            lib_paths: Fact::Known(vec![
                LibPath { path: "/lib".into(), target: Some("usr/lib".into()) },
                LibPath { path: "/lib64".into(), target: Some("usr/lib64".into()) },
            ]),
            disk_usage: Fact::Known(df::parse_df(df_blocks).expect("df").remove(0)),
            inode_usage: Fact::Known(df::parse_df(df_inodes).expect("df").remove(0)),
            boot: boot::BootFacts {
                partitions: Fact::Known(vec![
                    PartitionEntry { number: 1, kind: PartitionType::Mbr(0x83) },
                    PartitionEntry { number: 2, kind: PartitionType::Mbr(0x8E) },
                ]),
                sys_firmware_efi: Fact::Known(false),
                efi_loaders: Fact::Known(vec![]),
            },
            cloud: crate::facts::cloud::CloudFacts {
                cmdline: Fact::Known("BOOT_IMAGE=/vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro console=tty0 console=ttyS0,115200n8".into()),
                default_grub: Fact::Known(None),
                grub_files: Fact::Known(vec!["/boot/grub2/grub.cfg".into()]),
                cloud_init_files: Fact::Known(vec!["/usr/bin/cloud-init".into()]),
                cloud_cfg: Fact::Known(vec![]),
                waagent_files: Fact::Known(vec![]),
                persistent_net_rules: Fact::Known(None),
                network_files: Fact::Known(vec![crate::facts::cloud::ConfigFile {
                    path: "/etc/sysconfig/network-scripts/ifcfg-eth0".into(),
                    text: "DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n".into(),
                }]),
                dmi: Fact::Known(Some(crate::facts::cloud::Dmi {
                    sys_vendor: "QEMU".into(),
                    product_name: "Standard PC (i440FX + PIIX, 1996)".into(),
                })),
                crypttab: Fact::Known(None),
            },
        }
    }

    pub(crate) fn verdict(check: &Check, facts: &Facts) -> Verdict {
        (check.evaluate)(facts, &Thresholds::default())
    }

    pub(crate) fn set_unit(facts: &mut Facts, unit: &str, state: UnitEnabled) {
        facts
            .units_enabled
            .insert(unit.to_string(), Fact::Known(state));
    }

    #[test]
    fn compliant_host_passes_every_check_in_console_order() {
        let results = evaluate(&compliant(), &Thresholds::default());
        let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "driver",
                "shadow",
                "selinux",
                "qemu_ga",
                "network",
                "ssh",
                "firewall",
                "filesystem",
                "device_id",
                "root",
                "passwd",
                "partition_table",
                "lib",
                "disk_size",
                "disk_usage",
                "inode_usage"
            ]
        );
        for r in &results {
            assert_eq!(r.status, Status::Ok, "{r:?}");
            assert_eq!(r.error_code, "0");
            assert!(r.description.starts_with("Pass: "), "{r:?}");
        }
        assert_eq!(results[2].title, "Check security");
    }

    #[test]
    fn every_code_is_documented_and_unique_per_check() {
        for check in ALL {
            let mut codes: Vec<u32> = check.codes.iter().map(|c| c.code).collect();
            codes.dedup();
            assert_eq!(codes.len(), check.codes.len(), "{}", check.name);
            let number = ALL.iter().position(|c| c.name == check.name).unwrap() as u32 + 1;
            for code in &codes {
                assert_eq!(code / 1000, number, "{}: {code}", check.name);
            }
        }
    }

    #[test]
    fn boot_state_prefers_enabled_and_falls_back_to_chkconfig() {
        let mut f = compliant();
        assert_eq!(
            boot_state(&f, &["sshd.service"], "sshd"),
            BootState::Enabled("sshd.service is enabled".into())
        );
        for unit in crate::facts::ENABLED_UNITS {
            f.units_enabled.insert(
                unit.to_string(),
                Fact::unknown("`systemctl is-enabled x`: command not found"),
            );
        }
        assert!(matches!(
            boot_state(&f, &["sshd.service"], "sshd"),
            BootState::Unknown(_)
        ));
        f.sysv_services = Fact::Known(Some(BTreeMap::from([
            ("sshd".to_string(), true),
            ("NetworkManager".to_string(), false),
        ])));
        assert_eq!(
            boot_state(&f, &["sshd.service"], "sshd"),
            BootState::Enabled("sshd is on at boot (chkconfig, runlevel 3)".into())
        );
        assert_eq!(
            boot_state(&f, &["NetworkManager.service"], "NetworkManager"),
            BootState::Disabled("NetworkManager is off at boot (chkconfig, runlevel 3)".into())
        );
        assert_eq!(
            boot_state(&f, &["network.service"], "network"),
            BootState::Absent("network.service does not exist".into())
        );
    }
}
