//! Check 12, partition_table: the system disk must carry an MBR (DOS) partition table, or a
//! GPT on a disk that boots by UEFI, imported with ImportImage `BootMode=UEFI`.

use super::{listed, Check, Code, Status, Verdict};
use crate::facts::boot::{self, BootMode};
use crate::facts::partition_table::PartitionTable;
use crate::facts::Facts;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "partition_table",
    number: 12,
    title: "Check partition table",
    reads: "the first 24576 bytes of the system disk (head -c 24576 /dev/DISK, privileged: the \
            MBR, or the GPT with its partition types), or fdisk -l /dev/DISK; for the boot mode \
            /sys/firmware/efi, efivarfs in /proc/mounts, the EFI System and BIOS boot \
            partitions in the GPT, and EFI boot loaders under EFI/ of mounted FAT filesystems",
    thresholds: &[],
    failed_means: "the system disk has no partition table, or a GPT and no sign that it boots \
                   by UEFI (UEFI firmware now, an EFI System Partition, an EFI boot loader), as \
                   on a disk that boots by BIOS from a BIOS boot partition: the instance cannot \
                   start",
    warning_means: "a GPT on a disk that boots by UEFI: it starts only when imported with \
                    BootMode=UEFI (UEFI-Preferred when it boots by BIOS too); or the partition \
                    table could not be read",
    suggestion: "Use MBR partitioning for the system disk, or import a GPT disk that boots by \
                 UEFI with BootMode=UEFI.",
    codes: &[
        Code { code: 12001, status: Status::Failed, meaning: "GPT partition table on a disk that does not boot by UEFI" },
        Code { code: 12002, status: Status::Failed, meaning: "no partition table on the system disk" },
        Code { code: 12003, status: Status::Warning, meaning: "GPT partition table on a disk that boots by UEFI: import with BootMode=UEFI (UEFI-Preferred when it boots by BIOS too)" },
        Code { code: 12099, status: Status::Warning, meaning: "the partition table could not be read" },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let found = match facts.partition_table.get() {
        Ok(found) => found,
        Err(reason) => {
            return Verdict::warning(
                12099,
                format!("could not read the partition table: {reason}"),
            )
        }
    };
    let boot = boot::of(facts);
    // The pieces hold commas and colons of their own.
    let uefi = listed(&boot.uefi, "; ");
    let bios = listed(&boot.bios, "; ");
    match (found.table, &boot.mode) {
        (PartitionTable::Mbr, BootMode::Uefi) => Verdict::ok(format!(
            "MBR partition table ({}); the disk boots by UEFI ({uefi}): import with \
             BootMode=UEFI",
            found.source
        )),
        (PartitionTable::Mbr, _) => Verdict::ok(format!("MBR partition table ({})", found.source)),
        (PartitionTable::Gpt, BootMode::Uefi) => Verdict::warning(
            12003,
            format!(
                "GPT partition table ({}) on a disk that boots by UEFI ({uefi}): import with \
                 BootMode=UEFI",
                found.source
            ),
        ),
        (PartitionTable::Gpt, BootMode::UefiPreferred) => Verdict::warning(
            12003,
            format!(
                "GPT partition table ({}) on a disk that boots by UEFI ({uefi}) and by BIOS \
                 ({bios}): import with BootMode=UEFI-Preferred or UEFI",
                found.source
            ),
        ),
        (PartitionTable::Gpt, BootMode::Bios) => Verdict::failed(
            12001,
            format!(
                "GPT partition table ({}) on a disk that boots by BIOS ({bios}), with no EFI \
                 System Partition or EFI boot loader",
                found.source
            ),
        ),
        (PartitionTable::Gpt, BootMode::Unknown { reason }) => Verdict::failed(
            12001,
            format!(
                "GPT partition table ({}) and no sign that the disk boots by UEFI ({reason})",
                found.source
            ),
        ),
        (PartitionTable::None, _) => {
            Verdict::failed(12002, format!("no partition table ({})", found.source))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::boot::{BIOS_BOOT_GUID, ESP_GUID};
    use crate::facts::partition_table::{PartitionEntry, PartitionType};
    use crate::facts::{Fact, Facts, PartitionTableFact};

    const LINUX: &str = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

    /// The compliant host with a GPT system disk of these partition types, and whether
    /// /sys/firmware/efi exists.
    fn gpt_host(types: &[&str], efi_firmware: bool) -> Facts {
        let mut f = compliant();
        f.partition_table = Fact::Known(PartitionTableFact {
            table: PartitionTable::Gpt,
            source: "the first 24576 bytes of /dev/vda".into(),
        });
        f.boot.partitions = Fact::Known(
            types
                .iter()
                .zip(1..)
                .map(|(guid, number)| PartitionEntry {
                    number,
                    kind: PartitionType::Gpt(guid.to_string()),
                })
                .collect(),
        );
        f.boot.sys_firmware_efi = Fact::Known(efi_firmware);
        f
    }

    fn triple(f: &Facts) -> (Status, u32, String) {
        let v = verdict(&CHECK, f);
        (v.status, v.code, v.evidence)
    }

    #[test]
    fn mbr_is_ok() {
        assert_eq!(
            verdict(&CHECK, &compliant()).evidence,
            "MBR partition table (the first 1024 bytes of /dev/vda)"
        );
    }

    #[test]
    fn mbr_on_a_uefi_host_is_ok_and_names_the_boot_mode() {
        let mut f = compliant();
        f.boot.sys_firmware_efi = Fact::Known(true);
        assert_eq!(
            triple(&f),
            (
                Status::Ok,
                0,
                "MBR partition table (the first 1024 bytes of /dev/vda); the disk boots by \
                 UEFI (started by UEFI firmware: /sys/firmware/efi present): import with \
                 BootMode=UEFI"
                    .into()
            )
        );
    }

    #[test]
    fn gpt_booting_by_uefi_is_a_warning_to_import_with_bootmode_uefi() {
        assert_eq!(
            triple(&gpt_host(&[ESP_GUID, LINUX], true)),
            (
                Status::Warning,
                12003,
                "GPT partition table (the first 24576 bytes of /dev/vda) on a disk that boots \
                 by UEFI (started by UEFI firmware: /sys/firmware/efi present; EFI System \
                 Partition /dev/vda1 in the GPT): import with BootMode=UEFI"
                    .into()
            )
        );
    }

    #[test]
    fn hybrid_gpt_with_esp_and_bios_boot_partition_is_a_warning_not_failed() {
        assert_eq!(
            triple(&gpt_host(&[BIOS_BOOT_GUID, ESP_GUID, LINUX], false)),
            (
                Status::Warning,
                12003,
                "GPT partition table (the first 24576 bytes of /dev/vda) on a disk that boots \
                 by UEFI (EFI System Partition /dev/vda2 in the GPT) and by BIOS (started \
                 by BIOS firmware: no /sys/firmware/efi with sysfs on /sys; BIOS boot \
                 partition /dev/vda1 in the GPT): import with BootMode=UEFI-Preferred or UEFI"
                    .into()
            )
        );
    }

    #[test]
    fn gpt_booting_by_bios_is_failed() {
        assert_eq!(
            triple(&gpt_host(&[BIOS_BOOT_GUID, LINUX], false)),
            (
                Status::Failed,
                12001,
                "GPT partition table (the first 24576 bytes of /dev/vda) on a disk that boots \
                 by BIOS (started by BIOS firmware: no /sys/firmware/efi with sysfs on /sys; \
                 BIOS boot partition /dev/vda1 in the GPT), with no EFI System Partition or \
                 EFI boot loader"
                    .into()
            )
        );
    }

    #[test]
    fn gpt_with_no_boot_evidence_is_failed_with_the_missing_sources() {
        let mut f = gpt_host(&[LINUX], false);
        f.boot.sys_firmware_efi = Fact::unknown("/sys/firmware/efi: permission denied");
        let (status, code, evidence) = triple(&f);
        assert_eq!((status, code), (Status::Failed, 12001));
        assert!(
            evidence.ends_with(
                "and no sign that the disk boots by UEFI (firmware unknown: \
                 /sys/firmware/efi: permission denied)"
            ),
            "{evidence}"
        );
    }

    #[test]
    fn no_table_is_failed_and_unreadable_is_a_warning() {
        let mut f = compliant();
        f.partition_table = Fact::Known(PartitionTableFact {
            table: PartitionTable::None,
            source: "fdisk -l /dev/vda".into(),
        });
        assert_eq!(
            triple(&f),
            (
                Status::Failed,
                12002,
                "no partition table (fdisk -l /dev/vda)".into()
            )
        );
        f.partition_table = Fact::unknown("sudo: a password is required");
        assert_eq!(
            triple(&f),
            (
                Status::Warning,
                12099,
                "could not read the partition table: sudo: a password is required".into()
            )
        );
    }
}
