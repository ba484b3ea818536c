//! How the host boots, by BIOS or by UEFI, and so which `BootMode` of Alibaba Cloud's
//! ImportImage (BIOS, UEFI, UEFI-Preferred) its system disk needs.
//!
//! The evidence, in the order it is weighed:
//!
//! 1. The running firmware. The kernel creates `/sys/firmware/efi` only when UEFI firmware
//!    started it, and efivarfs can only be mounted then; with sysfs mounted on `/sys` and
//!    nothing covering `/sys/firmware` (as container runtimes do), its absence means BIOS.
//! 2. The system disk: an EFI System Partition (GPT type C12A7328-…, MBR type 0xEF) is
//!    where UEFI firmware finds its loader; a BIOS boot partition (GPT type 21686148-…) is
//!    where GRUB puts its core image so that BIOS firmware can boot a GPT disk.
//! 3. EFI boot loaders (shim, GRUB, systemd-boot, the removable-media `BOOT*.EFI`) under
//!    `EFI/` of a mounted FAT filesystem.
//!
//! Each piece says one way the disk boots; a disk with signs of both (an ESP beside a BIOS
//! boot partition, as many cloud images have) boots either way: UEFI-Preferred.
//!
//! Not here: reading the disk header (that is `partition_table`), or the verdict on it
//! (`checks/partition_table`).

use serde::{Deserialize, Serialize};

use super::disks::Mount;
use super::partition_table::{PartitionEntry, PartitionType};
use super::{Fact, Facts};

/// The GPT type of an EFI System Partition.
pub const ESP_GUID: &str = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
/// The GPT type of a BIOS boot partition (GRUB's core image on a GPT disk).
pub const BIOS_BOOT_GUID: &str = "21686148-6449-6E6F-744E-656564454649";
/// The MBR type of an EFI System Partition.
const ESP_MBR: u8 = 0xEF;

/// Where the running kernel shows that UEFI firmware started it.
pub const SYS_FIRMWARE_EFI: &str = "/sys/firmware/efi";

/// What the boot mode is decided from; plain data, as collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootFacts {
    /// The partitions of the system disk and their types, from its header.
    pub partitions: Fact<Vec<PartitionEntry>>,
    /// Whether [`SYS_FIRMWARE_EFI`] exists.
    pub sys_firmware_efi: Fact<bool>,
    /// EFI boot loaders found as `MOUNT/EFI/DIR/NAME.efi` on mounted FAT filesystems.
    pub efi_loaders: Fact<Vec<String>>,
}

impl Default for BootFacts {
    /// What a facts.json saved before boot modes were collected holds.
    fn default() -> Self {
        const MISSING: &str = "not collected (facts saved by an older image_check)";
        BootFacts {
            partitions: Fact::unknown(MISSING),
            sys_firmware_efi: Fact::unknown(MISSING),
            efi_loaders: Fact::unknown(MISSING),
        }
    }
}

/// The ImportImage `BootMode` that the system disk needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootMode {
    /// Boots by UEFI only.
    Uefi,
    /// Boots by BIOS only.
    Bios,
    /// Boots either way.
    UefiPreferred,
    /// No evidence either way; the reason says which sources were missing.
    Unknown { reason: String },
}

impl BootMode {
    /// The value as ImportImage spells it, or "unknown".
    pub fn as_str(&self) -> &'static str {
        match self {
            BootMode::Uefi => "UEFI",
            BootMode::Bios => "BIOS",
            BootMode::UefiPreferred => "UEFI-Preferred",
            BootMode::Unknown { .. } => "unknown",
        }
    }
}

/// The decision and the evidence it used, firmware first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boot {
    pub mode: BootMode,
    /// Signs that the disk boots by UEFI: "started by UEFI firmware: /sys/firmware/efi
    /// present", "EFI System Partition /dev/vda2 in the GPT", "EFI boot loader
    /// /boot/efi/EFI/centos/shimx64.efi".
    pub uefi: Vec<String>,
    /// Signs that it boots by BIOS: "started by BIOS firmware: no /sys/firmware/efi with
    /// sysfs on /sys", "BIOS boot partition /dev/vda1 in the GPT".
    pub bios: Vec<String>,
}

/// The boot mode of a host from its facts.
pub fn of(facts: &Facts) -> Boot {
    decide(
        &facts.boot,
        &facts.mounts,
        facts.system_disk.known().map(|d| d.name.as_str()),
    )
}

/// Decides the boot mode from the boot facts, /proc/mounts and the system disk's name.
pub fn decide(boot: &BootFacts, mounts: &Fact<Vec<Mount>>, disk: Option<&str>) -> Boot {
    let mut uefi = Vec::new();
    let mut bios = Vec::new();
    let mut missing = Vec::new();
    match firmware(&boot.sys_firmware_efi, mounts) {
        Ok(Firmware::Uefi(why)) => uefi.push(why),
        Ok(Firmware::Bios(why)) => bios.push(why),
        Err(why) => missing.push(format!("firmware unknown: {why}")),
    }
    match boot.partitions.get() {
        Ok(partitions) => {
            for partition in partitions {
                let device = partition_device(disk, partition.number);
                match &partition.kind {
                    PartitionType::Gpt(guid) if guid.eq_ignore_ascii_case(ESP_GUID) => {
                        uefi.push(format!("EFI System Partition {device} in the GPT"))
                    }
                    PartitionType::Gpt(guid) if guid.eq_ignore_ascii_case(BIOS_BOOT_GUID) => {
                        bios.push(format!("BIOS boot partition {device} in the GPT"))
                    }
                    PartitionType::Mbr(ESP_MBR) => {
                        uefi.push(format!("EFI System Partition {device} in the MBR"))
                    }
                    _ => {}
                }
            }
        }
        Err(why) => missing.push(format!("partition types unknown: {why}")),
    }
    match boot.efi_loaders.get() {
        Ok(loaders) => {
            if let Some(first) = loaders.first() {
                let more = match loaders.len() - 1 {
                    0 => String::new(),
                    n => format!(" (and {n} more)"),
                };
                uefi.push(format!("EFI boot loader {first}{more}"));
            }
        }
        Err(why) => missing.push(format!("EFI boot loaders unknown: {why}")),
    }
    let mode = match (uefi.is_empty(), bios.is_empty()) {
        (false, false) => BootMode::UefiPreferred,
        (false, true) => BootMode::Uefi,
        (true, false) => BootMode::Bios,
        // A disk image, or a host whose firmware cannot be seen: an MBR disk without an
        // EFI System Partition can only be started by BIOS.
        (true, true) if only_mbr_partitions(boot) => {
            bios.push(
                "MBR partition table without an EFI System Partition: only BIOS can start it"
                    .to_string(),
            );
            BootMode::Bios
        }
        (true, true) if missing.is_empty() => BootMode::Unknown {
            reason: "no sign of UEFI or BIOS boot: no EFI System Partition, BIOS boot \
                     partition or EFI boot loader"
                .to_string(),
        },
        (true, true) => BootMode::Unknown {
            reason: missing.join("; "),
        },
    };
    Boot { mode, uefi, bios }
}

/// Whether the disk's partitions are all MBR entries (and there is at least one).
fn only_mbr_partitions(boot: &BootFacts) -> bool {
    boot.partitions.known().is_some_and(|partitions| {
        !partitions.is_empty()
            && partitions
                .iter()
                .all(|p| matches!(p.kind, PartitionType::Mbr(_)))
    })
}

/// The firmware that started the running kernel, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Firmware {
    Uefi(String),
    Bios(String),
}

fn firmware(sys_firmware_efi: &Fact<bool>, mounts: &Fact<Vec<Mount>>) -> Result<Firmware, String> {
    if sys_firmware_efi.known() == Some(&true) {
        return Ok(Firmware::Uefi(format!(
            "started by UEFI firmware: {SYS_FIRMWARE_EFI} present"
        )));
    }
    let mounts = mounts.get()?;
    if let Some(efivarfs) = mounts.iter().find(|m| m.fstype == "efivarfs") {
        return Ok(Firmware::Uefi(format!(
            "started by UEFI firmware: efivarfs mounted on {}",
            efivarfs.mountpoint
        )));
    }
    if !mounts
        .iter()
        .any(|m| m.mountpoint == "/sys" && m.fstype == "sysfs")
    {
        return Err(format!(
            "sysfs is not mounted on /sys, so the absence of {SYS_FIRMWARE_EFI} says nothing"
        ));
    }
    if let Some(cover) = mounts
        .iter()
        .find(|m| m.mountpoint == "/sys/firmware" || m.mountpoint == SYS_FIRMWARE_EFI)
    {
        return Err(format!(
            "{} is covered by a {} mount (a container runtime hides it)",
            cover.mountpoint, cover.fstype
        ));
    }
    match sys_firmware_efi.get()? {
        true => Ok(Firmware::Uefi(format!(
            "started by UEFI firmware: {SYS_FIRMWARE_EFI} present"
        ))),
        false => Ok(Firmware::Bios(format!(
            "started by BIOS firmware: no {SYS_FIRMWARE_EFI} with sysfs on /sys"
        ))),
    }
}

/// `/dev/vda2`, `/dev/nvme0n1p2`: the kernel puts a `p` between a disk name ending in a
/// digit and the partition number. "number 2" when the disk's name is not known.
fn partition_device(disk: Option<&str>, number: u32) -> String {
    match disk {
        Some(disk) if disk.ends_with(|c: char| c.is_ascii_digit()) => {
            format!("/dev/{disk}p{number}")
        }
        Some(disk) => format!("/dev/{disk}{number}"),
        None => format!("number {number}"),
    }
}

/// Whether a file name in `EFI/DIR/` is a boot loader UEFI firmware can be pointed at:
/// shim, GRUB, systemd-boot or the removable-media path's `BOOT<ARCH>.EFI`. MokManager
/// (`mm*.efi`) and shim's fallback (`fb*.efi`) are helpers, not loaders.
pub fn is_efi_loader(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".efi")
        && ["shim", "grub", "systemd-boot", "boot"]
            .iter()
            .any(|prefix| lower.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::disks::parse_proc_mounts;

    const ALINUX3_MOUNTS: &str = include_str!("../../tests/fleet/hosts/alinux3-ok/proc/mounts");
    const ARM_MOUNTS: &str = include_str!("../../tests/fleet/hosts/ubuntu2204-arm/proc/mounts");

    fn mounts(text: &str) -> Fact<Vec<Mount>> {
        Fact::Known(parse_proc_mounts(text))
    }

    fn gpt(number: u32, guid: &str) -> PartitionEntry {
        PartitionEntry {
            number,
            kind: PartitionType::Gpt(guid.to_string()),
        }
    }

    fn facts(partitions: Vec<PartitionEntry>, efi: bool, loaders: &[&str]) -> BootFacts {
        BootFacts {
            partitions: Fact::Known(partitions),
            sys_firmware_efi: Fact::Known(efi),
            efi_loaders: Fact::Known(loaders.iter().map(|l| l.to_string()).collect()),
        }
    }

    const LINUX: &str = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

    #[test]
    fn decision_table() {
        let bios_boot = || gpt(1, BIOS_BOOT_GUID);
        let esp = || gpt(2, ESP_GUID);
        let root = || gpt(3, LINUX);
        let mbr = |kind| PartitionEntry {
            number: 1,
            kind: PartitionType::Mbr(kind),
        };
        let shim = "/boot/efi/EFI/ubuntu/shimx64.efi";
        let sysfs = mounts(ALINUX3_MOUNTS);
        let none = Fact::Known(Vec::new());
        // (case, boot facts, mounts, expected mode)
        let table: Vec<(&str, BootFacts, &Fact<Vec<Mount>>, &str)> = vec![
            (
                "MBR, BIOS now",
                facts(vec![mbr(0x83)], false, &[]),
                &sysfs,
                "BIOS",
            ),
            (
                "MBR ESP, UEFI now",
                facts(vec![mbr(0xEF), mbr(0x83)], true, &[]),
                &sysfs,
                "UEFI",
            ),
            (
                "GPT BIOS boot, BIOS now",
                facts(vec![bios_boot(), root()], false, &[]),
                &sysfs,
                "BIOS",
            ),
            (
                "GPT ESP, UEFI now",
                facts(vec![esp(), root()], true, &[shim]),
                &sysfs,
                "UEFI",
            ),
            (
                "hybrid, BIOS now",
                facts(vec![bios_boot(), esp(), root()], false, &[]),
                &sysfs,
                "UEFI-Preferred",
            ),
            (
                "hybrid, UEFI now",
                facts(vec![bios_boot(), esp(), root()], true, &[shim]),
                &sysfs,
                "UEFI-Preferred",
            ),
            (
                "ESP only, BIOS now",
                facts(vec![esp(), root()], false, &[]),
                &sysfs,
                "UEFI-Preferred",
            ),
            (
                "no ESP but a loader, firmware unknown",
                facts(vec![root()], false, &[shim]),
                &none,
                "UEFI",
            ),
            (
                "nothing, firmware unknown",
                facts(vec![root()], false, &[]),
                &none,
                "unknown",
            ),
        ];
        for (case, boot, mounts, expected) in table {
            assert_eq!(
                decide(&boot, mounts, Some("vda")).mode.as_str(),
                expected,
                "{case}"
            );
        }
    }

    #[test]
    fn evidence_names_the_partition_devices_firmware_first() {
        let boot = facts(
            vec![gpt(1, BIOS_BOOT_GUID), gpt(2, ESP_GUID), gpt(3, LINUX)],
            true,
            &[
                "/boot/efi/EFI/alinux/shimx64.efi",
                "/boot/efi/EFI/BOOT/BOOTX64.EFI",
            ],
        );
        let decided = decide(&boot, &mounts(ALINUX3_MOUNTS), Some("vda"));
        assert_eq!(
            decided.uefi,
            [
                "started by UEFI firmware: /sys/firmware/efi present",
                "EFI System Partition /dev/vda2 in the GPT",
                "EFI boot loader /boot/efi/EFI/alinux/shimx64.efi (and 1 more)",
            ]
        );
        assert_eq!(decided.bios, ["BIOS boot partition /dev/vda1 in the GPT"]);
        let nvme = decide(
            &facts(vec![gpt(128, BIOS_BOOT_GUID)], false, &[]),
            &mounts(ALINUX3_MOUNTS),
            Some("nvme0n1"),
        );
        assert_eq!(
            nvme.bios,
            [
                "started by BIOS firmware: no /sys/firmware/efi with sysfs on /sys",
                "BIOS boot partition /dev/nvme0n1p128 in the GPT",
            ]
        );
    }

    #[test]
    fn partitions_of_an_unnamed_disk_go_by_number() {
        let decided = decide(
            &facts(vec![gpt(2, ESP_GUID)], false, &[]),
            &mounts(ALINUX3_MOUNTS),
            None,
        );
        assert_eq!(decided.uefi, ["EFI System Partition number 2 in the GPT"]);
    }

    #[test]
    fn efivarfs_mount_means_uefi_even_where_the_folder_cannot_be_seen() {
        let decided = decide(
            &facts(Vec::new(), false, &[]),
            &mounts(ARM_MOUNTS),
            Some("vda"),
        );
        assert_eq!(decided.mode, BootMode::Uefi);
        assert_eq!(
            decided.uefi,
            ["started by UEFI firmware: efivarfs mounted on /sys/firmware/efi/efivars"]
        );
    }

    #[test]
    fn firmware_is_unknown_without_sysfs_or_behind_a_container_mask() {
        let no_sysfs = Fact::Known(parse_proc_mounts("/dev/vda1 / ext4 rw 0 0\n"));
        let masked = Fact::Known(parse_proc_mounts(
            "overlay / overlay rw 0 0\nsysfs /sys sysfs ro 0 0\ntmpfs /sys/firmware tmpfs ro 0 0\n",
        ));
        let boot = facts(vec![gpt(1, LINUX)], false, &[]);
        let reason = |m: &Fact<Vec<Mount>>| match decide(&boot, m, Some("vda")).mode {
            BootMode::Unknown { reason } => reason,
            other => panic!("{other:?}"),
        };
        assert!(reason(&no_sysfs).contains("sysfs is not mounted on /sys"));
        assert!(reason(&masked).contains("/sys/firmware is covered by a tmpfs mount"));
    }

    #[test]
    fn unknown_sources_are_named_in_the_reason() {
        let boot = BootFacts {
            partitions: Fact::unknown("sudo: a password is required"),
            sys_firmware_efi: Fact::unknown("/sys/firmware/efi: permission denied"),
            efi_loaders: Fact::Known(Vec::new()),
        };
        let decided = decide(&boot, &mounts(ALINUX3_MOUNTS), Some("vda"));
        assert_eq!(
            decided.mode,
            BootMode::Unknown {
                reason: "firmware unknown: /sys/firmware/efi: permission denied; partition \
                         types unknown: sudo: a password is required"
                    .into()
            }
        );
        assert_eq!(
            decide(&BootFacts::default(), &mounts(ALINUX3_MOUNTS), None)
                .mode
                .as_str(),
            "unknown"
        );
    }

    #[test]
    fn facts_saved_before_boot_modes_still_load() {
        let mut json = serde_json::to_value(crate::checks::tests::compliant()).expect("json");
        json.as_object_mut().expect("object").remove("boot");
        let facts: Facts = serde_json::from_value(json).expect("loads without boot");
        assert_eq!(facts.boot, BootFacts::default());
        assert_eq!(of(&facts).mode.as_str(), "unknown");
    }

    #[test]
    fn loader_names() {
        for name in [
            "shimx64.efi",
            "grubaa64.efi",
            "BOOTX64.EFI",
            "systemd-bootx64.efi",
        ] {
            assert!(is_efi_loader(name), "{name}");
        }
        for name in ["mmx64.efi", "fbx64.efi", "grub.cfg", "BOOTX64.CSV", "shim"] {
            assert!(!is_efi_loader(name), "{name}");
        }
    }
}
