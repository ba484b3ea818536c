//! Check 9, device_id: every mount that boot waits for must name its device in a way that
//! still works on the cloud: by UUID, LABEL or PARTUUID that `blkid` lists. A device that does
//! not exist stops boot; a raw kernel name (/dev/sda1) changes when the disk becomes /dev/vda.

use super::{listed, Check, Code, Status, Verdict};
use crate::facts::{blkid, fstab, Facts};
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "device_id",
    number: 9,
    title: "Check device id",
    reads: "/etc/fstab; blkid (privileged)",
    thresholds: &[],
    failed_means: "a mount that boot waits for names a device that blkid does not list: the instance will not boot",
    warning_means: "a mount uses a raw kernel name (/dev/sda1, /dev/xvda1, /dev/hda1, /dev/nvme0n1p1) or a hardware path (/dev/disk/by-id, by-path) that changes on the cloud, or a source could not be read",
    suggestion: "Mount file systems by UUID= (see blkid) in /etc/fstab, and make sure every UUID/LABEL there exists.",
    codes: &[
        Code { code: 9001, status: Status::Failed, meaning: "a mount needed at boot names a device that does not exist" },
        Code { code: 9002, status: Status::Warning, meaning: "a mount uses a raw kernel device name" },
        Code { code: 9003, status: Status::Warning, meaning: "a mount uses a hardware-specific /dev/disk/by-id or by-path name" },
        Code { code: 9099, status: Status::Warning, meaning: "/etc/fstab or blkid could not be read" },
    ],
    evaluate,
};

/// Kernel names that differ between hypervisors: SCSI/SATA, Xen, IDE, NVMe.
fn raw_kernel_name(spec: &str) -> bool {
    let Some(name) = spec.strip_prefix("/dev/") else {
        return false;
    };
    ["sd", "xvd", "hd", "nvme"].iter().any(|prefix| {
        name.strip_prefix(prefix).is_some_and(|rest| {
            rest.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
        })
    })
}

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let (table, devices) = match (facts.fstab.get(), facts.blkid.get()) {
        (Ok(None), _) => return Verdict::ok("there is no /etc/fstab: boot mounts nothing from it"),
        (Ok(Some(t)), Ok(d)) => (t, d),
        (Err(reason), _) => {
            return Verdict::warning(9099, format!("could not read /etc/fstab: {reason}"))
        }
        (_, Err(reason)) => {
            return Verdict::warning(9099, format!("could not run blkid: {reason}"))
        }
    };
    let needed: Vec<&fstab::FstabEntry> = table
        .entries
        .iter()
        .filter(|e| fstab::boot_needs(e))
        .collect();
    let at =
        |e: &fstab::FstabEntry| format!("{} on {} (/etc/fstab:{})", e.spec, e.mountpoint, e.line);
    let missing: Vec<String> = needed
        .iter()
        .filter(|e| {
            !e.spec.starts_with("/dev/disk/by-id/") && !e.spec.starts_with("/dev/disk/by-path/")
        })
        .filter(|e| !blkid::lists(devices, &e.spec))
        .map(|e| at(e))
        .collect();
    if !missing.is_empty() {
        return Verdict::failed(
            9001,
            format!("blkid does not list {}", listed(&missing, ", ")),
        );
    }
    let raw: Vec<String> = needed
        .iter()
        .filter(|e| raw_kernel_name(&e.spec))
        .map(|e| at(e))
        .collect();
    if !raw.is_empty() {
        return Verdict::warning(
            9002,
            format!("mounted by raw kernel name: {}", listed(&raw, ", ")),
        );
    }
    let hardware: Vec<String> = needed
        .iter()
        .filter(|e| {
            e.spec.starts_with("/dev/disk/by-id/") || e.spec.starts_with("/dev/disk/by-path/")
        })
        .map(|e| at(e))
        .collect();
    if !hardware.is_empty() {
        return Verdict::warning(
            9003,
            format!("mounted by hardware path: {}", listed(&hardware, ", ")),
        );
    }
    let unchecked = match table.omitted {
        0 => String::new(),
        n => format!(" ({n} more lines of /etc/fstab not checked: the file is too long)"),
    };
    Verdict::ok(format!(
        "mounts needed at boot: {}, each on a device that blkid lists{unchecked}",
        needed.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::Fact;

    fn with_fstab(text: &str) -> Verdict {
        let mut f = compliant();
        f.fstab = Fact::Known(Some(fstab::parse_fstab(text)));
        verdict(&CHECK, &f)
    }

    #[test]
    fn uuid_and_mapper_mounts_that_blkid_lists_are_ok() {
        let v = verdict(&CHECK, &compliant());
        assert_eq!(v.status, Status::Ok, "{v:?}");
        assert_eq!(
            v.evidence,
            "mounts needed at boot: 3, each on a device that blkid lists"
        );
    }

    #[test]
    fn stale_uuid_is_failed_9001() {
        let v = with_fstab("UUID=11111111-2222-3333-4444-555555555555 / xfs defaults 0 0\n");
        assert_eq!((v.status, v.code), (Status::Failed, 9001));
        assert_eq!(
            v.evidence,
            "blkid does not list UUID=11111111-2222-3333-4444-555555555555 on / (/etc/fstab:1)"
        );
    }

    #[test]
    fn raw_sda_name_is_failed_when_absent_and_warning_when_present() {
        assert_eq!(with_fstab("/dev/sda1 /boot xfs defaults 0 0\n").code, 9001);
        let mut f = compliant();
        if let Fact::Known(devices) = &mut f.blkid {
            devices.push(blkid::parse_blkid("/dev/sda1: UUID=\"abcd\" TYPE=\"xfs\"\n").remove(0));
        }
        f.fstab = Fact::Known(Some(fstab::parse_fstab(
            "/dev/sda1 /boot xfs defaults 0 0\n",
        )));
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 9002));
    }

    #[test]
    fn nofail_and_network_mounts_do_not_count() {
        let v = with_fstab(
            "UUID=dead-beef /data xfs defaults,nofail 0 0\nnas:/export /mnt nfs defaults 0 0\n",
        );
        assert_eq!(v.status, Status::Ok);
    }

    #[test]
    fn by_id_paths_are_warning_9003() {
        assert_eq!(
            with_fstab("/dev/disk/by-id/scsi-0QEMU_disk-part1 /data ext4 defaults 0 2\n").code,
            9003
        );
    }

    #[test]
    fn raw_names() {
        assert!(
            raw_kernel_name("/dev/sda1")
                && raw_kernel_name("/dev/xvda1")
                && raw_kernel_name("/dev/nvme0n1p1")
        );
        assert!(
            !raw_kernel_name("/dev/vda1")
                && !raw_kernel_name("/dev/mapper/centos-root")
                && !raw_kernel_name("UUID=x")
        );
    }
}
