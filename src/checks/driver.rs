//! Check 1, driver: can the instance boot on the cloud's hypervisor? It needs the block
//! driver at boot (built in, or a module inside the initramfs) and a network driver. One
//! rule per cloud ([`Drivers`]): virtio on Alibaba Cloud (KVM) and Google Cloud, Hyper-V's
//! on Azure, NVMe and ENA on AWS's Nitro instance types.

use std::collections::{BTreeMap, BTreeSet};

use super::profiles::ProfileCheck;
use super::{Check, Code, Source, Status, Verdict};
use crate::facts::kernel_modules::{availability, DriverAvailability};
use crate::facts::Facts;

pub const CHECK: Check = Check {
    name: "driver",
    number: 1,
    title: "Check driver",
    reads: "/boot/config-$(uname -r), /lib/modules/$(uname -r)/modules.builtin and modules.dep, the initramfs listing (lsinitrd, or lsinitramfs on Debian/Ubuntu), /proc/modules",
    thresholds: &[],
    failed_means: "no virtio block driver (virtio_blk or virtio_scsi) in the kernel at all: the instance cannot boot",
    warning_means: "the virtio block driver is a module missing from the initramfs, no virtio_net, or a source could not be read",
    suggestion: "Alibaba Cloud supports kvm virtualization technology. We strongly recommend installing kvm driver (virtio_blk, virtio_net) and adding it to the initramfs: dracut --add-drivers \"virtio_blk virtio_net virtio_pci virtio_scsi\" -f (RHEL, SUSE), or list the modules in /etc/initramfs-tools/modules and run update-initramfs -u (Debian, Ubuntu).",
    codes: &[
        Code { code: 1001, status: Status::Failed, meaning: "no virtio block driver built in or as a module" },
        Code { code: 1002, status: Status::Warning, meaning: "virtio block driver is a module that the initramfs lacks" },
        Code { code: 1003, status: Status::Warning, meaning: "no virtio_net driver: the instance would have no network" },
        Code { code: 1099, status: Status::Warning, meaning: "the kernel's driver lists or the initramfs could not be read" },
    ],
    evaluate: |facts, _| evaluate(facts, &VIRTIO),
};

/// What one cloud's instances need of the kernel.
struct Drivers {
    /// Alternatives for the block driver: one of them must be there at boot.
    block: &'static [&'static str],
    /// The bus the block driver sits on: needed at boot as much as the driver itself.
    transport: &'static [&'static str],
    /// Whether a kernel without the transport at all is fine: nvme_core was split out of
    /// nvme in Linux 4.5, so older kernels (RHEL 7's 3.10) have nvme alone.
    transport_optional: bool,
    net: &'static [&'static str],
    /// The OK evidence's first words ("kvm driver exists").
    ok: &'static str,
    /// The verdict when the block driver is not in the kernel at all.
    absent: Status,
    /// The prefix of the hypervisor's module names and its name, for the evidence of what is
    /// loaded now.
    loaded: Option<(&'static str, &'static str)>,
}

const VIRTIO: Drivers = Drivers {
    block: &["virtio_blk", "virtio_scsi"],
    transport: &["virtio_pci"],
    transport_optional: false,
    net: &["virtio_net"],
    ok: "kvm driver exists",
    absent: Status::Failed,
    loaded: Some(("virtio", "KVM")),
};

/// Google Cloud attaches boot disks by virtio-scsi (NVMe on some machine types only).
const GCP_DRIVERS: Drivers = Drivers {
    block: &["virtio_scsi"],
    transport: &["virtio_pci"],
    transport_optional: false,
    net: &["virtio_net"],
    ok: "virtio-scsi and virtio-net drivers exist",
    absent: Status::Failed,
    loaded: Some(("virtio", "KVM")),
};

const AZURE_DRIVERS: Drivers = Drivers {
    block: &["hv_storvsc"],
    transport: &["hv_vmbus"],
    transport_optional: false,
    net: &["hv_netvsc"],
    ok: "Hyper-V drivers exist",
    absent: Status::Failed,
    loaded: Some(("hv_", "Hyper-V")),
};

/// Nitro instance types attach EBS volumes as NVMe and need ENA; Xen types (t2, m4) boot
/// without either, so a missing driver narrows the choice of instance types: a WARNING.
const AWS_DRIVERS: Drivers = Drivers {
    block: &["nvme"],
    transport: &["nvme_core"],
    transport_optional: true,
    net: &["ena"],
    ok: "NVMe and ENA drivers exist",
    absent: Status::Warning,
    loaded: None,
};

pub const AWS: ProfileCheck = ProfileCheck {
    check: Check {
        title: "Check NVMe and ENA drivers",
        reads: "/boot/config-$(uname -r), /lib/modules/$(uname -r)/modules.builtin and modules.dep, the initramfs listing, /proc/modules",
        failed_means: "never FAILED: Xen-based instance types boot without NVMe and ENA",
        warning_means: "no nvme driver, nvme/nvme_core a module missing from the initramfs, no ena driver: Nitro instance types cannot boot or have no network; or a source could not be read",
        suggestion: "Install the NVMe and ENA drivers and add nvme to the initramfs (dracut --add-drivers \"nvme nvme_core\" -f; on Debian/Ubuntu list them in /etc/initramfs-tools/modules and run update-initramfs -u); ENA is in mainline kernels since 4.9.",
        codes: &[
            Code { code: 1001, status: Status::Warning, meaning: "no nvme driver: Nitro instance types cannot find the EBS root volume" },
            Code { code: 1002, status: Status::Warning, meaning: "nvme or nvme_core is a module that the initramfs lacks" },
            Code { code: 1003, status: Status::Warning, meaning: "no ena driver: Nitro instance types would have no network" },
            Code { code: 1099, status: Status::Warning, meaning: "the kernel's driver lists or the initramfs could not be read" },
        ],
        evaluate: |facts, _| evaluate(facts, &AWS_DRIVERS),
        ..CHECK
    },
    sources: &[
        Source { title: "AWS VM Import/Export User Guide: Limitations for resources being imported (Linux: ENA and NVMe drivers for Nitro-based instance types)", url: "https://docs.aws.amazon.com/vm-import/latest/userguide/limitations-image-importing.html" },
        Source { title: "Amazon EC2 User Guide: Amazon EBS and NVMe", url: "https://docs.aws.amazon.com/ebs/latest/userguide/nvme-ebs-volumes.html" },
        Source { title: "Amazon EC2 User Guide: Enable enhanced networking with ENA", url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/enhanced-networking-ena.html" },
    ],
};

pub const AZURE: ProfileCheck = ProfileCheck {
    check: Check {
        title: "Check Hyper-V drivers",
        failed_means: "no Hyper-V storage driver (hv_storvsc) or VMBus (hv_vmbus) in the kernel at all: the VM cannot find its OS disk",
        warning_means: "hv_storvsc or hv_vmbus is a module missing from the initramfs, no hv_netvsc, or a source could not be read",
        suggestion: "Add the Hyper-V drivers to the initramfs: dracut --add-drivers \"hv_vmbus hv_netvsc hv_storvsc\" -f (RHEL, SUSE), or list hv_vmbus, hv_netvsc and hv_storvsc in /etc/initramfs-tools/modules and run update-initramfs -u (Debian, Ubuntu).",
        codes: &[
            Code { code: 1001, status: Status::Failed, meaning: "no hv_storvsc or hv_vmbus driver built in or as a module" },
            Code { code: 1002, status: Status::Warning, meaning: "hv_storvsc or hv_vmbus is a module that the initramfs lacks" },
            Code { code: 1003, status: Status::Warning, meaning: "no hv_netvsc driver: the VM would have no network" },
            Code { code: 1099, status: Status::Warning, meaning: "the kernel's driver lists or the initramfs could not be read" },
        ],
        evaluate: |facts, _| evaluate(facts, &AZURE_DRIVERS),
        ..CHECK
    },
    sources: &[
        Source { title: "Microsoft Learn: Prepare Linux for imaging in Azure (Linux kernel modules: hv_vmbus, hv_netvsc, hv_storvsc in the initramfs)", url: "https://learn.microsoft.com/en-us/azure/virtual-machines/linux/create-upload-generic" },
        Source { title: "Microsoft Learn: Troubleshooting LIS driver issues on Linux virtual machines in Azure", url: "https://learn.microsoft.com/en-us/troubleshoot/azure/virtual-machines/linux/troubleshooting-lis-driver-issues-in-linux-virtual-machines" },
    ],
};

pub const GCP: ProfileCheck = ProfileCheck {
    check: Check {
        title: "Check virtio-scsi and virtio-net drivers",
        failed_means: "no virtio_scsi driver in the kernel at all: the VM cannot find its boot disk",
        warning_means: "virtio_scsi or virtio_pci is a module missing from the initramfs, no virtio_net, or a source could not be read",
        suggestion: "Add the virtio drivers to the initramfs: dracut --add-drivers \"virtio_scsi virtio_pci virtio_net\" -f (RHEL, SUSE), or list them in /etc/initramfs-tools/modules and run update-initramfs -u (Debian, Ubuntu).",
        codes: &[
            Code { code: 1001, status: Status::Failed, meaning: "no virtio_scsi driver built in or as a module" },
            Code { code: 1002, status: Status::Warning, meaning: "virtio_scsi or virtio_pci is a module that the initramfs lacks" },
            Code { code: 1003, status: Status::Warning, meaning: "no virtio_net driver: the VM would have no network" },
            Code { code: 1099, status: Status::Warning, meaning: "the kernel's driver lists or the initramfs could not be read" },
        ],
        evaluate: |facts, _| evaluate(facts, &GCP_DRIVERS),
        ..CHECK
    },
    sources: &[
        Source { title: "Google Cloud: Import virtual disks (Linux: the disk must support the Virtio-SCSI storage controller)", url: "https://cloud.google.com/compute/docs/import/importing-virtual-disks" },
        Source { title: "Google Cloud: Manually import boot disks, operating system requirements (virtio-scsi, virtio-net kernel modules)", url: "https://cloud.google.com/compute/docs/import/import-existing-image" },
    ],
};

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

fn evaluate(facts: &Facts, rule: &Drivers) -> Verdict {
    let (block_alternatives, transport, net_names) = (rule.block, rule.transport, rule.net);
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
    let bus = availability(transport, config, builtin, modules, initramfs);
    let bus = (!(rule.transport_optional && bus == DriverAvailability::Absent))
        .then_some((transport, bus));
    let (block_names, block) = [(
        block_alternatives,
        availability(block_alternatives, config, builtin, modules, initramfs),
    )]
    .into_iter()
    .chain(bus)
    .max_by_key(|(_, found)| weakness(*found))
    .unwrap_or((block_alternatives, DriverAvailability::Absent));
    // The network driver loads after the root file system is mounted: it need not be in
    // the initramfs.
    let net = availability(net_names, config, builtin, modules, None);
    let loaded = match (d.loaded.known(), rule.loaded) {
        (Some(l), Some((prefix, hypervisor))) => {
            let ours: Vec<&str> = l
                .iter()
                .filter(|m| m.starts_with(prefix))
                .map(String::as_str)
                .collect();
            if ours.is_empty() {
                format!("; no {prefix} module is loaded now (the source is not {hypervisor})")
            } else {
                format!("; loaded now: {}", ours.join(", "))
            }
        }
        _ => String::new(),
    };
    match block {
        DriverAvailability::Absent => {
            let evidence = format!(
                "{} in kernel {kernel}{loaded}",
                describe(block_names, block)
            );
            match rule.absent {
                Status::Failed => Verdict::failed(1001, evidence),
                _ => Verdict::warning(1001, evidence),
            }
        }
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
                    "{}, but no {} in kernel {kernel}{loaded}",
                    describe(block_alternatives, block),
                    net_names.join("/")
                ),
            )
        }
        _ => Verdict::ok(format!(
            "{}: {}, {} (kernel {kernel}){loaded}",
            rule.ok,
            describe(block_alternatives, block),
            describe(net_names, net)
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
    fn a_kernel_older_than_nvme_core_needs_nvme_alone_on_aws() {
        let mut f = compliant();
        f.drivers.kernel_config = Fact::Known(BTreeMap::new());
        f.drivers.modules = set(&["nvme", "ena", "virtio_blk"]);
        f.drivers.initramfs = set(&["nvme"]);
        let v = verdict(&AWS.check, &f);
        assert_eq!(v.status, Status::Ok, "{v:?}");
        assert_eq!(
            v.evidence,
            "NVMe and ENA drivers exist: nvme in the initramfs, ena a module (kernel 3.10.0-1160.el7.x86_64)"
        );
        f.drivers.modules = set(&["nvme", "nvme_core", "ena"]);
        let v = verdict(&AWS.check, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 1002));
        f.drivers.modules = set(&["ena"]);
        f.drivers.initramfs = set(&[]);
        let v = verdict(&AWS.check, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 1001));
        let v = verdict(&AZURE.check, &f);
        assert_eq!((v.status, v.code), (Status::Failed, 1001));
        assert_eq!(v.evidence, "no hv_vmbus in kernel 3.10.0-1160.el7.x86_64; no hv_ module is loaded now (the source is not Hyper-V)");
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
