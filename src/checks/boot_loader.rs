//! Check 21, boot_loader: AWS VM Import/Export and Google Cloud's image import boot Linux
//! through GRUB (legacy GRUB or GRUB 2) and rewrite its configuration; another boot loader
//! (systemd-boot, syslinux, extlinux, LILO) makes the import fail.

use super::profiles::ProfileCheck;
use super::{Check, Code, Source, Status, Verdict};
use crate::facts::boot::BIOS_BOOT_GUID;
use crate::facts::partition_table::PartitionType;
use crate::facts::Facts;
use crate::inventory::Thresholds;

const CHECK: Check = Check {
    name: "boot_loader",
    number: 21,
    title: "Check boot loader",
    reads: "stat /boot/grub2/grub.cfg, /boot/grub/grub.cfg, /boot/grub/menu.lst, /boot/grub/grub.conf; EFI loaders under EFI/*/ of mounted FAT filesystems; the system disk's GPT partition types (a BIOS boot partition holds GRUB 2's core image)",
    thresholds: &[],
    failed_means: "no GRUB configuration, no GRUB EFI loader and no BIOS boot partition: the import cannot configure the boot",
    warning_means: "the boot files could not be looked for",
    suggestion: "",
    codes: &[
        Code { code: 21001, status: Status::Failed, meaning: "the system does not boot by GRUB" },
        Code { code: 21099, status: Status::Warning, meaning: "the boot files could not be looked for" },
    ],
    evaluate,
};

pub const AWS: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Install GRUB (GRUB 2 or legacy GRUB) as the boot loader, with its configuration in /boot/grub2/grub.cfg or /boot/grub/grub.cfg (menu.lst for legacy GRUB).",
        ..CHECK
    },
    sources: &[Source { title: "AWS VM Import/Export User Guide: Limitations (Linux: imported VMs must use GRUB (GRUB legacy) or GRUB 2 as the boot loader)", url: "https://docs.aws.amazon.com/vm-import/latest/userguide/limitations-image-importing.html" }],
};

pub const GCP: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Install GRUB as the boot loader (in the MBR, or as the EFI loader of a UEFI disk).",
        ..CHECK
    },
    sources: &[Source { title: "Google Cloud: Import virtual disks (limitations: Linux virtual disks must use grub as the bootloader)", url: "https://cloud.google.com/compute/docs/import/importing-virtual-disks" }],
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let files = match facts.cloud.grub_files.get() {
        Ok(files) => files,
        Err(reason) => {
            return Verdict::warning(21099, format!("could not look for GRUB: {reason}"))
        }
    };
    let efi: Vec<&str> = facts
        .boot
        .efi_loaders
        .known()
        .map(|loaders| {
            loaders
                .iter()
                .map(String::as_str)
                .filter(|l| {
                    let name = l.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
                    name.starts_with("grub") || name.starts_with("shim")
                })
                .collect()
        })
        .unwrap_or_default();
    // Only GRUB 2 uses a BIOS boot partition: it holds its core image on a GPT disk.
    let bios_boot = facts.boot.partitions.known().and_then(|parts| {
        parts.iter().find(|p| {
            matches!(&p.kind, PartitionType::Gpt(guid) if guid.eq_ignore_ascii_case(BIOS_BOOT_GUID))
        })
    });
    match (files.first(), efi.first(), bios_boot) {
        (Some(file), _, _) => Verdict::ok(format!("GRUB boots the system: {file}")),
        (None, Some(loader), _) => {
            Verdict::ok(format!("GRUB boots the system by UEFI: {loader}"))
        }
        (None, None, Some(part)) => Verdict::ok(format!(
            "GRUB 2 boots the system: its core image is in the BIOS boot partition (partition {})",
            part.number
        )),
        (None, None, None) => Verdict::failed(21001, "no GRUB configuration (/boot/grub2/grub.cfg, /boot/grub/grub.cfg, menu.lst), no GRUB EFI loader and no BIOS boot partition"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::partition_table::PartitionEntry;
    use crate::facts::Fact;

    #[test]
    fn grub_cfg_or_a_grub_efi_loader_is_ok_else_21001() {
        assert_eq!(
            verdict(&CHECK, &compliant()).evidence,
            "GRUB boots the system: /boot/grub2/grub.cfg"
        );
        let mut f = compliant();
        f.cloud.grub_files = Fact::Known(vec![]);
        assert_eq!(verdict(&CHECK, &f).code, 21001);
        f.boot.efi_loaders = Fact::Known(vec!["/boot/efi/EFI/ubuntu/grubx64.efi".into()]);
        assert_eq!(verdict(&CHECK, &f).status, Status::Ok);
        f.boot.efi_loaders = Fact::Known(vec!["/boot/efi/EFI/systemd/systemd-bootx64.efi".into()]);
        assert_eq!(verdict(&CHECK, &f).code, 21001);
        f.boot.partitions = Fact::Known(vec![PartitionEntry {
            number: 2,
            kind: PartitionType::Gpt(BIOS_BOOT_GUID.into()),
        }]);
        assert_eq!(
            verdict(&CHECK, &f).evidence,
            "GRUB 2 boots the system: its core image is in the BIOS boot partition (partition 2)"
        );
    }
}
