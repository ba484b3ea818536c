//! Check 1, driver: can the instance boot on KVM? It needs a virtio block driver at boot
//! (built in, or a module inside the initramfs) and a virtio network driver.

use std::collections::{BTreeMap, BTreeSet};

use super::{Check, Code, Status, Verdict};
use crate::facts::kernel_modules::{availability, DriverAvailability};
use crate::facts::Facts;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "driver",
    title: "Check driver",
    reads: "/boot/config-$(uname -r), /lib/modules/$(uname -r)/modules.builtin and modules.dep, the initramfs listing (lsinitrd, or lsinitramfs on Debian/Ubuntu), /proc/modules",
    failed_means: "no virtio block driver (virtio_blk or virtio_scsi) in the kernel at all: the instance cannot boot",
    warning_means: "the virtio block driver is a module missing from the initramfs, no virtio_net, or a source could not be read",
    suggestion: "Alibaba Cloud supports kvm virtualization technology. We strongly recommend installing kvm driver (virtio_blk, virtio_net) and adding it to the initramfs: dracut --add-drivers \"virtio_blk virtio_net virtio_pci virtio_scsi\" -f (RHEL, SUSE), or list the modules in /etc/initramfs-tools/modules and run update-initramfs -u (Debian, Ubuntu).",
    codes: &[
        Code { code: 1001, status: Status::Failed, meaning: "no virtio block driver built in or as a module" },
        Code { code: 1002, status: Status::Warning, meaning: "virtio block driver is a module that the initramfs lacks" },
        Code { code: 1003, status: Status::Warning, meaning: "no virtio_net driver: the instance would have no network" },
        Code { code: 1099, status: Status::Warning, meaning: "the kernel's driver lists or the initramfs could not be read" },
    ],
    evaluate,
};

const BLOCK: &[&str] = &["virtio_blk", "virtio_scsi"];
/// The PCI transport the block driver sits on: needed at boot as much as the driver itself.
const PCI: &[&str] = &["virtio_pci"];
const NET: &[&str] = &["virtio_net"];

fn describe(names: &[&str], found: DriverAvailability) -> String {
    let names = names.join("/");
    match found {
        DriverAvailability::BuiltIn => format!("{names} built in"),
        DriverAvailability::InInitramfs => format!("{names} in the initramfs"),
        DriverAvailability::ModuleNotInInitramfs => format!("{names} a module"),
        DriverAvailability::Absent => format!("no {names}"),
    }
}

/// Orders availabilities from fine to fatal.
fn weakness(found: DriverAvailability) -> u8 {
    match found {
        DriverAvailability::BuiltIn | DriverAvailability::InInitramfs => 0,
        DriverAvailability::ModuleNotInInitramfs => 1,
        DriverAvailability::Absent => 2,
    }
}

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let d = &facts.drivers;
    let kernel = facts
        .kernel
        .known()
        .map_or("the running kernel", String::as_str);
    if d.kernel_config.known().is_none()
        && d.builtin.known().is_none()
        && d.modules.known().is_none()
    {
        let reason = d.kernel_config.get().err().unwrap_or_default();
        return Verdict::warning(
            1099,
            format!("could not read the driver lists of {kernel}: {reason}"),
        );
    }
    let (no_config, no_set) = (BTreeMap::new(), BTreeSet::new());
    let config = d.kernel_config.known().unwrap_or(&no_config);
    let builtin = d.builtin.known().unwrap_or(&no_set);
    let modules = d.modules.known().unwrap_or(&no_set);
    let initramfs = d.initramfs.known();
    // The weaker of the block driver and its transport decides whether the disk appears.
    let (block_names, block) = [
        (
            BLOCK,
            availability(BLOCK, config, builtin, modules, initramfs),
        ),
        (PCI, availability(PCI, config, builtin, modules, initramfs)),
    ]
    .into_iter()
    .max_by_key(|(_, found)| weakness(*found))
    .unwrap_or((BLOCK, DriverAvailability::Absent));
    // The network driver loads after the root file system is mounted: it need not be in
    // the initramfs.
    let net = availability(NET, config, builtin, modules, None);
    let loaded = d
        .loaded
        .known()
        .map(|l| {
            let virtio: Vec<&str> = l
                .iter()
                .filter(|m| m.starts_with("virtio"))
                .map(String::as_str)
                .collect();
            if virtio.is_empty() {
                "; no virtio module is loaded now (the source is not KVM)".to_string()
            } else {
                format!("; loaded now: {}", virtio.join(", "))
            }
        })
        .unwrap_or_default();
    match block {
        DriverAvailability::Absent => Verdict::failed(
            1001,
            format!(
                "{} in kernel {kernel}{loaded}",
                describe(block_names, block)
            ),
        ),
        DriverAvailability::ModuleNotInInitramfs => match d.initramfs.get() {
            Err(reason) => Verdict::warning(
                1099,
                format!(
                    "{} of kernel {kernel}, but its initramfs could not be listed: {reason}",
                    describe(block_names, block)
                ),
            ),
            Ok(_) => Verdict::warning(
                1002,
                format!(
                    "{} of kernel {kernel}, missing from its initramfs{loaded}",
                    describe(block_names, block)
                ),
            ),
        },
        DriverAvailability::BuiltIn | DriverAvailability::InInitramfs
            if net == DriverAvailability::Absent =>
        {
            Verdict::warning(
                1003,
                format!(
                    "{}, but no virtio_net in kernel {kernel}{loaded}",
                    describe(BLOCK, block)
                ),
            )
        }
        _ => Verdict::ok(format!(
            "kvm driver exists: {}, {} (kernel {kernel}){loaded}",
            describe(BLOCK, block),
            describe(NET, net)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::Fact;

    fn set(names: &[&str]) -> Fact<BTreeSet<String>> {
        Fact::Known(names.iter().map(|n| n.to_string()).collect())
    }

    #[test]
    fn modules_in_the_initramfs_are_ok() {
        let v = verdict(&CHECK, &compliant());
        assert_eq!(v.status, Status::Ok, "{v:?}");
        assert!(
            v.evidence
                .contains("virtio_blk/virtio_scsi in the initramfs"),
            "{}",
            v.evidence
        );
    }

    #[test]
    fn block_module_missing_from_initramfs_is_warning_1002() {
        let mut f = compliant();
        f.drivers.initramfs = set(&["vmw_pvscsi", "vmxnet3"]);
        f.drivers.loaded = set(&["vmw_pvscsi"]);
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 1002));
        assert!(
            v.evidence
                .contains("missing from its initramfs; no virtio module is loaded now"),
            "{}",
            v.evidence
        );
    }

    #[test]
    fn no_virtio_at_all_is_failed_1001() {
        let mut f = compliant();
        f.drivers.kernel_config = Fact::Known(BTreeMap::new());
        f.drivers.modules = set(&["e1000", "ahci"]);
        f.drivers.initramfs = set(&["ahci"]);
        assert_eq!(verdict(&CHECK, &f).code, 1001);
    }

    #[test]
    fn unlisted_initramfs_is_a_warning_not_ok() {
        let mut f = compliant();
        f.drivers.initramfs = Fact::unknown("neither lsinitrd nor lsinitramfs is installed");
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 1099));
        assert!(v
            .evidence
            .ends_with("neither lsinitrd nor lsinitramfs is installed"));
    }

    #[test]
    fn built_in_block_driver_needs_no_initramfs() {
        let mut f = compliant();
        f.drivers.builtin = set(&["virtio_blk", "virtio_net", "virtio_pci"]);
        f.drivers.initramfs = Fact::unknown("no initramfs");
        assert_eq!(verdict(&CHECK, &f).status, Status::Ok);
    }

    #[test]
    fn pci_transport_missing_from_initramfs_is_1002() {
        let mut f = compliant();
        f.drivers.initramfs = set(&["virtio_blk", "virtio_scsi", "virtio_net"]);
        let v = verdict(&CHECK, &f);
        assert_eq!(v.code, 1002);
        assert!(
            v.evidence.starts_with("virtio_pci a module"),
            "{}",
            v.evidence
        );
    }

    #[test]
    fn no_sources_at_all_is_1099() {
        let mut f = compliant();
        f.drivers.kernel_config = Fact::unknown("/boot/config-x does not exist");
        f.drivers.builtin = Fact::unknown("x");
        f.drivers.modules = Fact::unknown("x");
        assert_eq!(verdict(&CHECK, &f).code, 1099);
    }
}
