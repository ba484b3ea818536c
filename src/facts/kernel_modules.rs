//! Which virtio drivers a Linux kernel can use at boot: built in, a module inside the
//! initramfs, or only a module on the root file system.
//!
//! Alibaba Cloud runs instances on KVM with virtio disks and NICs. An image built on VMware,
//! Hyper-V or bare metal often has virtio only as loadable modules, and a dracut "hostonly"
//! initramfs built there leaves them out, so the imported instance cannot find its root
//! disk. This module turns the host's sources into sets of module names and decides, per
//! driver, how it would be available at boot:
//!
//! * `/boot/config-$(uname -r)`: [`parse_kernel_config`],
//! * `/lib/modules/$(uname -r)/modules.builtin` and `modules.dep`: [`module_names_from_paths`],
//! * `/proc/modules` (what is loaded now): [`parse_proc_modules`],
//! * `lsinitrd` (dracut) or `lsinitramfs` (initramfs-tools): [`modules_in_initramfs`],
//! * the summary: [`availability`].
//!
//! Module names are normalised the way the kernel does (`-` becomes `_`), so
//! `crc-t10dif.ko.xz` and `crc_t10dif` in /proc/modules are the same name.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// How one driver (or the best of its alternatives) is available when the kernel boots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriverAvailability {
    /// Compiled into the kernel image: always there, no initramfs needed.
    BuiltIn,
    /// A loadable module that the initramfs carries, so it loads before root is mounted.
    InInitramfs,
    /// A loadable module installed under /lib/modules, but not known to be in the
    /// initramfs: either the listing lacks it, or no listing was given.
    ModuleNotInInitramfs,
    /// Neither built in nor installed as a module.
    Absent,
}

/// Reads the tristate options of a kernel config (`/boot/config-$(uname -r)`, or
/// `zcat /proc/config.gz` where the distribution ships none, as Flatcar does).
///
/// `CONFIG_VIRTIO_BLK=m` maps "CONFIG_VIRTIO_BLK" to 'm', `=y` to 'y'. Options that are off
/// ("# CONFIG_X is not set") are absent, as are string and number options
/// (`CONFIG_NR_CPUS=8192`), which say nothing about drivers. A full config yields several
/// thousand entries; a collector that saves facts may keep only the symbols it needs.
pub fn parse_kernel_config(text: &str) -> BTreeMap<String, char> {
    text.lines()
        .filter_map(|line| {
            let (name, value) = line.trim().split_once('=')?;
            let symbol = name.strip_prefix("CONFIG_")?;
            let valid = !symbol.is_empty()
                && symbol
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            let state = match value.trim() {
                "y" => 'y',
                "m" => 'm',
                _ => return None,
            };
            valid.then(|| (name.to_owned(), state))
        })
        .collect()
}

/// What `uname -m` prints for a kernel built with `symbols` (from [`parse_kernel_config`]):
/// each 64-bit architecture names one machine. None for 32-bit kernels, whose machine
/// depends on the processor they run on (`i586`, `i686`, `armv7l`), and for unknown ones.
pub fn machine_from_config(symbols: &BTreeMap<String, char>) -> Option<&'static str> {
    let set = |symbol: &str| symbols.get(symbol) == Some(&'y');
    let wide = set("CONFIG_64BIT");
    [
        (set("CONFIG_X86_64"), "x86_64"),
        (set("CONFIG_ARM64"), "aarch64"),
        (
            set("CONFIG_PPC64") && set("CONFIG_CPU_LITTLE_ENDIAN"),
            "ppc64le",
        ),
        (set("CONFIG_PPC64"), "ppc64"),
        (set("CONFIG_S390") && wide, "s390x"),
        (set("CONFIG_RISCV") && wide, "riscv64"),
        (set("CONFIG_LOONGARCH") && wide, "loongarch64"),
    ]
    .into_iter()
    .find_map(|(built, machine)| built.then_some(machine))
}

/// Reads module names out of a module path list: `modules.builtin` (one
/// "kernel/drivers/block/virtio_blk.ko" per line) or `modules.dep`
/// ("kernel/drivers/block/virtio_blk.ko.xz: kernel/drivers/virtio/virtio.ko.xz ...").
///
/// Only the path before a ':' counts: the dependencies after it have lines of their own.
/// Compressed modules (.ko.xz on RHEL/CentOS 7+, .ko.zst on Ubuntu 23.10+ and Fedora, .ko.gz
/// on some SUSE builds) have the same name as plain .ko ones. Absolute paths, as old
/// module-init-tools wrote them, work too. Lines that are not a module path are skipped.
pub fn module_names_from_paths(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| {
            let path = line.split(':').next()?.trim();
            module_name(path)
        })
        .collect()
}

/// Reads the loaded modules from `/proc/modules`
/// ("virtio_blk 20480 3 - Live 0xffffffffc0344000").
///
/// A line counts only when it has the fields the kernel always prints (name, size, use
/// count, users, state), so a line cut off at the end of a short read is not taken for a
/// module with a truncated name.
pub fn parse_proc_modules(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, size, _count, _users, state, ..] = fields.as_slice() else {
                return None;
            };
            let sized = !size.is_empty() && size.bytes().all(|b| b.is_ascii_digit());
            let live = matches!(*state, "Live" | "Loading" | "Unloading");
            (sized && live && is_module_name(name)).then(|| normalise(name))
        })
        .collect()
}

/// Reads the kernel modules an initramfs carries from its listing.
///
/// Two listing styles are read:
///
/// * dracut's `lsinitrd` (RHEL/CentOS 7+, SUSE, Alibaba Cloud Linux, Amazon Linux): a
///   header ("Image: ...", "Version: dracut-033-572.el7", "dracut modules:" and their
///   names), then `cpio -tv` lines such as "-rw-r--r--   1 root     root        17892 Oct 19
///   2020 usr/lib/modules/3.10.0-1160.el7.x86_64/kernel/drivers/block/virtio_blk.ko.xz".
///   CentOS 6's dracut 004 prints the same cpio lines, with "lib/modules/..." paths.
/// * initramfs-tools' `lsinitramfs` (Debian, Ubuntu): one path per line,
///   "usr/lib/modules/5.15.0-91-generic/kernel/drivers/block/virtio_blk.ko" (older releases:
///   "lib/modules/...").
///
/// Every path under a `lib/modules/` directory that names a module file counts; the last
/// word of a line is its path (before " -> " on a symlink line). Names of dracut modules in
/// the header ("kernel-modules", "qemu") are not kernel modules and are not paths, so they
/// are not counted.
///
/// An initramfs packed with dracut's "squash" module keeps its modules inside an image
/// that lsinitrd does not open; its listing shows none. The caller should pass `None` to
/// [`availability`] when the listing could not be made at all.
pub fn modules_in_initramfs(listing: &str) -> BTreeSet<String> {
    listing
        .lines()
        .filter_map(|line| {
            let path = line.split(" -> ").next()?.split_whitespace().last()?;
            let under_modules = path.starts_with("lib/modules/") || path.contains("/lib/modules/");
            under_modules.then(|| module_name(path)).flatten()
        })
        .collect()
}

/// Decides how a driver is available at boot, given alternatives that each do the job
/// (block: `["virtio_blk", "virtio_scsi"]`; network: `["virtio_net"]`), and returns the best
/// of them: built in, then in the initramfs, then a module elsewhere, then absent.
///
/// * Built in: the kernel config says `y`, or `modules.builtin` lists the module.
/// * In the initramfs: the initramfs listing has the module.
/// * Module not in the initramfs: the module is installed (`modules.dep` lists it; when
///   `available_modules` is empty, as when modules.dep could not be read, a config `m`
///   stands in for it), and the initramfs listing lacks it or was not given (`None`).
/// * Absent otherwise. A config `m` with a non-empty modules.dep that lacks the module
///   means the module package is not installed (RHEL's kernel-modules-extra, Ubuntu's
///   linux-modules-extra).
///
/// Config symbols are looked up by module name: virtio_blk is CONFIG_VIRTIO_BLK,
/// virtio_scsi is CONFIG_SCSI_VIRTIO, virtio_net is CONFIG_VIRTIO_NET and virtio_pci is
/// CONFIG_VIRTIO_PCI; the Hyper-V, NVMe and ENA drivers of the cloud profiles likewise. Other
/// names are judged by the module lists alone.
///
/// Only the **block** driver has to be built in or in the initramfs: the initramfs must
/// find the root disk before anything on it can load. The **network** driver need not be in
/// the initramfs: udev loads it from the root file system once root is mounted, so for it
/// [`DriverAvailability::ModuleNotInInitramfs`] is as good as the others; pass `None` as
/// `initramfs` then. The virtio PCI transport (`virtio_pci`) sits under both drivers on an
/// ECS instance and has the same boot-time need as the block driver.
pub fn availability(
    names: &[&str],
    config: &BTreeMap<String, char>,
    builtin: &BTreeSet<String>,
    available_modules: &BTreeSet<String>,
    initramfs: Option<&BTreeSet<String>>,
) -> DriverAvailability {
    names
        .iter()
        .map(|name| {
            let name = normalise(name);
            let configured = config_symbol(&name).and_then(|symbol| config.get(symbol));
            if configured == Some(&'y') || builtin.contains(&name) {
                DriverAvailability::BuiltIn
            } else if initramfs.is_some_and(|modules| modules.contains(&name)) {
                DriverAvailability::InInitramfs
            } else if available_modules.contains(&name)
                || (available_modules.is_empty() && configured == Some(&'m'))
            {
                DriverAvailability::ModuleNotInInitramfs
            } else {
                DriverAvailability::Absent
            }
        })
        .max_by_key(|found| rank(*found))
        .unwrap_or(DriverAvailability::Absent)
}

/// Orders the outcomes from worst to best, for picking the best alternative.
fn rank(found: DriverAvailability) -> u8 {
    match found {
        DriverAvailability::Absent => 0,
        DriverAvailability::ModuleNotInInitramfs => 1,
        DriverAvailability::InInitramfs => 2,
        DriverAvailability::BuiltIn => 3,
    }
}

/// The Kconfig symbol that builds a module. The names do not follow one rule
/// (virtio_scsi is SCSI_VIRTIO), so only the drivers this tool asks about are listed.
fn config_symbol(module: &str) -> Option<&'static str> {
    match module {
        "virtio_blk" => Some("CONFIG_VIRTIO_BLK"),
        "virtio_scsi" => Some("CONFIG_SCSI_VIRTIO"),
        "virtio_net" => Some("CONFIG_VIRTIO_NET"),
        "virtio_pci" => Some("CONFIG_VIRTIO_PCI"),
        "hv_vmbus" => Some("CONFIG_HYPERV"),
        "hv_storvsc" => Some("CONFIG_HYPERV_STORAGE"),
        "hv_netvsc" => Some("CONFIG_HYPERV_NET"),
        "nvme" => Some("CONFIG_BLK_DEV_NVME"),
        "nvme_core" => Some("CONFIG_NVME_CORE"),
        "ena" => Some("CONFIG_ENA_ETHERNET"),
        _ => None,
    }
}

/// Module file suffixes, compressed ones first so that ".ko.xz" is not cut at ".ko".
const MODULE_SUFFIXES: [&str; 5] = [".ko.xz", ".ko.zst", ".ko.gz", ".ko.bz2", ".ko"];

/// The module name of a module file path: "kernel/lib/crc-t10dif.ko.xz" is "crc_t10dif".
fn module_name(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    let stem = MODULE_SUFFIXES
        .iter()
        .find_map(|suffix| file.strip_suffix(suffix))?;
    is_module_name(stem).then(|| normalise(stem))
}

fn is_module_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The kernel treats '-' and '_' in module names alike and shows '_' in /proc/modules.
fn normalise(name: &str) -> String {
    name.replace('-', "_")
}

#[cfg(test)]
mod tests {
    //! Fixtures under tests/data/kernel_modules, and where each comes from:
    //!
    //! * Debian 12 (`*-debian12-6.1.0-56-amd64.txt`): verbatim from Debian's own
    //!   linux-image-6.1.0-56-amd64 installed with initramfs-tools (MODULES=most): the
    //!   config, modules.builtin (whole) and modules.dep as the package and depmod wrote
    //!   them, and `lsinitramfs /boot/initrd.img-6.1.0-56-amd64`; config, modules.dep and
    //!   the listing are trimmed to the relevant sections, lines unchanged and in order.
    //! * CentOS 7 lsinitrd (`lsinitrd-centos7-*.txt`) and CentOS 6 (`lsinitrd-centos6-*`):
    //!   reconstructed. The header follows dracut 033's and 004's lsinitrd scripts; the file
    //!   lines were produced by GNU cpio's `--list --verbose` (through `sort -k9`, as
    //!   lsinitrd 033 does) over a tree laid out like a hostonly initramfs built on KVM
    //!   (dracut's qemu and qemu-net modules add the virtio and emulated NIC drivers) and on
    //!   VMware (no qemu module, so no virtio). File sizes are plausible, not measured.
    //! * CentOS 7 config and modules.dep: reconstructed excerpts in RHEL 7's config layout
    //!   and .ko.xz naming; values as shipped (virtio all =m).
    //! * Ubuntu 22.04 config and modules.builtin: reconstructed excerpts; the values come
    //!   from the jammy kernel's debian.master/config/config.common.ubuntu: VIRTIO_BLK,
    //!   VIRTIO_NET and SCSI_VIRTIO are =m on -generic, VIRTIO and VIRTIO_PCI are =y. The
    //!   lsinitramfs listing is reconstructed in initramfs-tools' format.
    //! * Flatcar 6.6 config: reconstructed from Flatcar's commonconfig-6.6 values (virtio
    //!   block/net =m, VIRTIO_PCI=y).
    //! * Amazon Linux 2 config: reconstructed excerpt with the amzn2 header layout; its
    //!   virtio values are from memory, not checked against a capture.
    //! * Debian 12 on five architectures (`config-debian12-6.1.192-*-head.txt`): the first
    //!   450 lines, unchanged, of the configs in Debian's linux-config-6.1 6.1.192-3
    //!   packages for amd64 (cloud), arm64, ppc64el and i386 (686-pae), and 6.1.176-1 for
    //!   s390x; the architecture symbols are in those lines.
    //! * /proc/modules of CentOS 7 on KVM and on VMware: reconstructed in the kernel's
    //!   `print_unload_info` layout, module sets typical of each hypervisor.

    use super::*;

    const CONFIG_DEBIAN12: &str =
        include_str!("../../tests/data/kernel_modules/config-debian12-6.1.0-56-amd64.txt");
    const CONFIG_CENTOS7: &str =
        include_str!("../../tests/data/kernel_modules/config-centos7-3.10.0-1160.el7.x86_64.txt");
    const CONFIG_UBUNTU2204: &str =
        include_str!("../../tests/data/kernel_modules/config-ubuntu2204-5.15.0-91-generic.txt");
    const CONFIG_AMZN2: &str = include_str!(
        "../../tests/data/kernel_modules/config-amzn2-5.10.223-212.873.amzn2.x86_64.txt"
    );
    const CONFIG_FLATCAR: &str =
        include_str!("../../tests/data/kernel_modules/config-flatcar-6.6.60-flatcar.txt");

    const BUILTIN_DEBIAN12: &str =
        include_str!("../../tests/data/kernel_modules/modules.builtin-debian12-6.1.0-56-amd64.txt");
    const BUILTIN_UBUNTU2204: &str = include_str!(
        "../../tests/data/kernel_modules/modules.builtin-ubuntu2204-5.15.0-91-generic.txt"
    );
    const DEP_DEBIAN12: &str =
        include_str!("../../tests/data/kernel_modules/modules.dep-debian12-6.1.0-56-amd64.txt");
    const DEP_CENTOS7: &str = include_str!(
        "../../tests/data/kernel_modules/modules.dep-centos7-3.10.0-1160.el7.x86_64.txt"
    );

    const LSINITRD_CENTOS7_KVM: &str =
        include_str!("../../tests/data/kernel_modules/lsinitrd-centos7-kvm.txt");
    const LSINITRD_CENTOS7_VMWARE: &str =
        include_str!("../../tests/data/kernel_modules/lsinitrd-centos7-vmware-hostonly.txt");
    const LSINITRD_CENTOS6: &str =
        include_str!("../../tests/data/kernel_modules/lsinitrd-centos6-dracut004.txt");
    const LSINITRAMFS_DEBIAN12: &str =
        include_str!("../../tests/data/kernel_modules/lsinitramfs-debian12-6.1.0-56-amd64.txt");
    const LSINITRAMFS_UBUNTU2204: &str = include_str!(
        "../../tests/data/kernel_modules/lsinitramfs-ubuntu2204-5.15.0-91-generic.txt"
    );

    const PROC_MODULES_KVM: &str =
        include_str!("../../tests/data/kernel_modules/proc-modules-centos7-kvm.txt");
    const PROC_MODULES_VMWARE: &str =
        include_str!("../../tests/data/kernel_modules/proc-modules-centos7-vmware.txt");

    const ALL_TEXT: [&str; 16] = [
        CONFIG_DEBIAN12,
        CONFIG_CENTOS7,
        CONFIG_UBUNTU2204,
        CONFIG_AMZN2,
        CONFIG_FLATCAR,
        BUILTIN_DEBIAN12,
        BUILTIN_UBUNTU2204,
        DEP_DEBIAN12,
        DEP_CENTOS7,
        LSINITRD_CENTOS7_KVM,
        LSINITRD_CENTOS7_VMWARE,
        LSINITRD_CENTOS6,
        LSINITRAMFS_DEBIAN12,
        LSINITRAMFS_UBUNTU2204,
        PROC_MODULES_KVM,
        PROC_MODULES_VMWARE,
    ];

    const BLOCK: &[&str] = &["virtio_blk", "virtio_scsi"];
    const NET: &[&str] = &["virtio_net"];

    #[test]
    fn the_machine_follows_from_the_configuration_of_64_bit_kernels_only() {
        let machine = |text: &str| machine_from_config(&parse_kernel_config(text));
        let head = |name: &str| {
            std::fs::read_to_string(format!(
                "{}/tests/data/kernel_modules/config-debian12-6.1.192-{name}-head.txt",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        };
        assert_eq!(machine(&head("cloud-amd64")), Some("x86_64"));
        assert_eq!(machine(&head("arm64")), Some("aarch64"));
        assert_eq!(machine(&head("powerpc64le")), Some("ppc64le"));
        assert_eq!(machine(&head("s390x")), Some("s390x"));
        // 32-bit x86 prints i586 or i686 by the processor: uname -m is asked.
        assert_eq!(machine(&head("686-pae")), None);
        assert_eq!(machine(CONFIG_CENTOS7), Some("x86_64"));
        // Trimmed to the virtio section: no architecture symbol, so none is guessed.
        assert_eq!(machine(CONFIG_DEBIAN12), None);
    }

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|name| name.to_string()).collect()
    }

    fn virtio_config(config: &BTreeMap<String, char>) -> Vec<(&str, char)> {
        [
            "CONFIG_VIRTIO_BLK",
            "CONFIG_SCSI_VIRTIO",
            "CONFIG_VIRTIO_NET",
            "CONFIG_VIRTIO_PCI",
            "CONFIG_VIRTIO_CONSOLE",
        ]
        .into_iter()
        .map(|symbol| (symbol, config.get(symbol).copied().unwrap_or('-')))
        .collect()
    }

    // ---- parse_kernel_config -------------------------------------------------------------

    #[test]
    fn debian12_config_has_every_virtio_driver_as_module() {
        let config = parse_kernel_config(CONFIG_DEBIAN12);
        assert_eq!(
            virtio_config(&config),
            [
                ("CONFIG_VIRTIO_BLK", 'm'),
                ("CONFIG_SCSI_VIRTIO", 'm'),
                ("CONFIG_VIRTIO_NET", 'm'),
                ("CONFIG_VIRTIO_PCI", 'm'),
                ("CONFIG_VIRTIO_CONSOLE", 'm'),
            ]
        );
        assert_eq!(config.get("CONFIG_VIRTIO_PCI_LEGACY"), Some(&'y'));
    }

    #[test]
    fn centos7_config_has_virtio_as_modules() {
        let config = parse_kernel_config(CONFIG_CENTOS7);
        assert_eq!(
            virtio_config(&config),
            [
                ("CONFIG_VIRTIO_BLK", 'm'),
                ("CONFIG_SCSI_VIRTIO", 'm'),
                ("CONFIG_VIRTIO_NET", 'm'),
                ("CONFIG_VIRTIO_PCI", 'm'),
                ("CONFIG_VIRTIO_CONSOLE", 'm'),
            ]
        );
    }

    #[test]
    fn ubuntu2204_config_builds_the_pci_transport_in_and_the_drivers_as_modules() {
        let config = parse_kernel_config(CONFIG_UBUNTU2204);
        assert_eq!(
            virtio_config(&config),
            [
                ("CONFIG_VIRTIO_BLK", 'm'),
                ("CONFIG_SCSI_VIRTIO", 'm'),
                ("CONFIG_VIRTIO_NET", 'm'),
                ("CONFIG_VIRTIO_PCI", 'y'),
                ("CONFIG_VIRTIO_CONSOLE", 'y'),
            ]
        );
    }

    #[test]
    fn amzn2_and_flatcar_configs_read() {
        let amzn2 = parse_kernel_config(CONFIG_AMZN2);
        assert_eq!(amzn2.get("CONFIG_VIRTIO_BLK"), Some(&'m'));
        assert_eq!(amzn2.get("CONFIG_BLK_DEV_NVME"), Some(&'y'));
        assert_eq!(amzn2.get("CONFIG_VMXNET3"), None);
        let flatcar = parse_kernel_config(CONFIG_FLATCAR);
        assert_eq!(flatcar.get("CONFIG_VIRTIO_BLK"), Some(&'m'));
        assert_eq!(flatcar.get("CONFIG_VIRTIO_PCI"), Some(&'y'));
    }

    #[test]
    fn config_skips_unset_string_and_number_options() {
        let config = parse_kernel_config(CONFIG_DEBIAN12);
        assert!(!config.contains_key("CONFIG_CC_VERSION_TEXT"));
        assert!(!config.contains_key("CONFIG_GCC_VERSION"));
        assert!(!config.contains_key("CONFIG_BLK_DEV_UBLK"));
        assert!(!config.contains_key("CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES"));
        assert!(config.values().all(|state| *state == 'y' || *state == 'm'));
    }

    #[test]
    fn config_with_windows_line_ends_and_stray_lines_reads() {
        let config = parse_kernel_config(
            "CONFIG_VIRTIO_BLK=m\r\nCONFIG_=y\nVIRTIO_NET=y\nCONFIG_A B=y\n  CONFIG_VIRTIO=y  \n",
        );
        assert_eq!(
            config,
            BTreeMap::from([
                ("CONFIG_VIRTIO".to_string(), 'y'),
                ("CONFIG_VIRTIO_BLK".to_string(), 'm')
            ])
        );
    }

    // ---- module_names_from_paths -------------------------------------------------------------

    #[test]
    fn debian12_modules_builtin_has_no_virtio() {
        let builtin = module_names_from_paths(BUILTIN_DEBIAN12);
        assert_eq!(builtin.len(), 186);
        assert!(builtin.iter().all(|name| !name.starts_with("virtio")));
        // "intel-uncore.ko"-style names come out with underscores.
        assert!(builtin.contains("encrypted_keys"));
        assert!(builtin.contains("binfmt_elf"));
    }

    #[test]
    fn ubuntu2204_modules_builtin_has_the_virtio_core_but_not_the_block_driver() {
        let builtin = module_names_from_paths(BUILTIN_UBUNTU2204);
        for name in [
            "virtio",
            "virtio_ring",
            "virtio_pci",
            "virtio_console",
            "virtio_iommu",
        ] {
            assert!(builtin.contains(name), "{name}");
        }
        assert!(!builtin.contains("virtio_blk"));
        assert!(!builtin.contains("virtio_net"));
    }

    #[test]
    fn modules_dep_takes_the_module_before_the_colon() {
        let available = module_names_from_paths(DEP_DEBIAN12);
        for name in [
            "virtio_blk",
            "virtio_scsi",
            "virtio_net",
            "virtio_pci",
            "vmw_pvscsi",
        ] {
            assert!(available.contains(name), "{name}");
        }
        // net_failover is only ever a dependency in this excerpt, never a line of its own.
        assert!(!available.contains("net_failover"));
        assert!(available.contains("nvme_core"));
        assert_eq!(available.len(), 68);
    }

    #[test]
    fn modules_dep_with_xz_compressed_modules_reads() {
        let available = module_names_from_paths(DEP_CENTOS7);
        assert!(available.contains("virtio_blk"));
        assert!(available.contains("crc_t10dif"));
        assert!(available.contains("dm_mod"));
        assert_eq!(available.len(), 24);
    }

    #[test]
    fn zstd_gzip_and_absolute_module_paths_read() {
        let text = "kernel/drivers/block/virtio_blk.ko.zst: kernel/drivers/virtio/virtio.ko.zst\n\
                    kernel/drivers/net/virtio_net.ko.gz:\n\
                    /lib/modules/2.6.18-419.el5/kernel/drivers/scsi/sd_mod.ko: \n\
                    kernel/drivers/block/notamodule.o\n\
                    \n";
        assert_eq!(
            module_names_from_paths(text),
            names(&["sd_mod", "virtio_blk", "virtio_net"])
        );
    }

    // ---- parse_proc_modules ----------------------------------------------------------------

    #[test]
    fn kvm_host_has_virtio_loaded() {
        let loaded = parse_proc_modules(PROC_MODULES_KVM);
        assert_eq!(loaded.len(), 48);
        for name in [
            "virtio_blk",
            "virtio_net",
            "virtio_pci",
            "virtio_ring",
            "dm_mod",
        ] {
            assert!(loaded.contains(name), "{name}");
        }
    }

    #[test]
    fn vmware_host_has_pvscsi_and_vmxnet3_and_no_virtio() {
        let loaded = parse_proc_modules(PROC_MODULES_VMWARE);
        assert_eq!(loaded.len(), 52);
        assert!(loaded.contains("vmw_pvscsi"));
        assert!(loaded.contains("vmxnet3"));
        assert!(loaded.iter().all(|name| !name.starts_with("virtio")));
    }

    #[test]
    fn proc_modules_variants_read_and_cut_lines_do_not() {
        let text = "vboxsf 81920 1 - Live 0x0000000000000000 (OE)\n\
                    nfit 69632 0 - Loading 0xffffffffc04f1000\n\
                    ext4 741376 1 - Live 0xffffffffc0401000\n\
                    crc-t10dif 16384 1 - - Live 0xffffffffc0100000\n\
                    virtio_n";
        assert_eq!(parse_proc_modules(text), names(&["ext4", "nfit", "vboxsf"]));
        // A kernel without module unloading prints " - -" for use count and users.
        assert_eq!(
            parse_proc_modules("virtio_blk 20480 - - Live 0xffffffffc0344000\n"),
            names(&["virtio_blk"])
        );
    }

    // ---- modules_in_initramfs --------------------------------------------------------------

    #[test]
    fn centos7_kvm_initramfs_has_virtio_drivers() {
        let modules = modules_in_initramfs(LSINITRD_CENTOS7_KVM);
        for name in [
            "virtio_blk",
            "virtio_scsi",
            "virtio_net",
            "virtio_pci",
            "virtio_ring",
            "virtio",
            "virtio_rng",
            "ne2k_pci",
            "dm_mod",
            "crct10dif_pclmul",
            "xfs",
        ] {
            assert!(modules.contains(name), "{name}");
        }
        // dracut module names from the header are not kernel modules.
        assert!(!modules.contains("kernel_modules"));
        assert!(!modules.contains("qemu"));
        assert_eq!(modules.len(), 35);
    }

    #[test]
    fn centos7_vmware_hostonly_initramfs_has_no_virtio() {
        let modules = modules_in_initramfs(LSINITRD_CENTOS7_VMWARE);
        assert!(modules.contains("vmw_pvscsi"));
        assert!(modules.contains("vmxnet3"));
        assert!(modules.iter().all(|name| !name.starts_with("virtio")));
        assert_eq!(modules.len(), 20);
    }

    #[test]
    fn centos6_dracut004_listing_uses_lib_modules_and_plain_ko() {
        let modules = modules_in_initramfs(LSINITRD_CENTOS6);
        assert_eq!(
            modules,
            names(&[
                "ata_piix",
                "crc_t10dif",
                "dm_log",
                "dm_mirror",
                "dm_mod",
                "dm_region_hash",
                "ext4",
                "jbd2",
                "libata",
                "mbcache",
                "sd_mod",
                "virtio",
                "virtio_blk",
                "virtio_pci",
                "virtio_ring",
                "virtio_scsi",
            ])
        );
    }

    #[test]
    fn debian12_lsinitramfs_lists_virtio_modules() {
        let modules = modules_in_initramfs(LSINITRAMFS_DEBIAN12);
        assert_eq!(modules.len(), 96);
        for name in [
            "virtio_blk",
            "virtio_scsi",
            "virtio_net",
            "virtio_pci",
            "virtio_pci_modern_dev",
            "vmw_pvscsi",
            "dm_bio_prison",
            "crc32c_intel",
        ] {
            assert!(modules.contains(name), "{name}");
        }
    }

    #[test]
    fn ubuntu2204_lsinitramfs_lists_virtio_modules_but_not_builtin_ones() {
        let modules = modules_in_initramfs(LSINITRAMFS_UBUNTU2204);
        assert!(modules.contains("virtio_blk"));
        assert!(modules.contains("virtio_net"));
        assert!(modules.contains("virtio_scsi"));
        // Built into Ubuntu's kernel, so there is no file for it.
        assert!(!modules.contains("virtio_pci"));
        assert_eq!(modules.len(), 26);
    }

    #[test]
    fn old_lsinitramfs_paths_and_symlinks_read() {
        let listing = "lib/modules/4.15.0-213-generic/kernel/drivers/block/virtio_blk.ko\n\
            lrwxrwxrwx   1 root     root           75 Mar  4  2021 usr/lib/modules/4.18.0-553.el8_10.x86_64/weak-updates/kmod-foo/foo-bar.ko.xz -> /lib/modules/4.18.0-553.el8_10.x86_64/extra/kmod-foo/foo-bar.ko.xz\n\
            usr/lib/dracut/modules.d/90kernel-modules/module-setup.ko\n\
            kernel/x86/microcode/GenuineIntel.bin\n";
        assert_eq!(
            modules_in_initramfs(listing),
            names(&["foo_bar", "virtio_blk"])
        );
    }

    // ---- availability ----------------------------------------------------------------------

    #[test]
    fn centos7_built_on_kvm_has_block_driver_in_initramfs() {
        let config = parse_kernel_config(CONFIG_CENTOS7);
        let available = module_names_from_paths(DEP_CENTOS7);
        let initramfs = modules_in_initramfs(LSINITRD_CENTOS7_KVM);
        let none = BTreeSet::new();
        assert_eq!(
            availability(BLOCK, &config, &none, &available, Some(&initramfs)),
            DriverAvailability::InInitramfs
        );
        assert_eq!(
            availability(
                &["virtio_pci"],
                &config,
                &none,
                &available,
                Some(&initramfs)
            ),
            DriverAvailability::InInitramfs
        );
    }

    #[test]
    fn centos7_built_on_vmware_has_block_driver_only_as_module() {
        let config = parse_kernel_config(CONFIG_CENTOS7);
        let available = module_names_from_paths(DEP_CENTOS7);
        let initramfs = modules_in_initramfs(LSINITRD_CENTOS7_VMWARE);
        let none = BTreeSet::new();
        assert_eq!(
            availability(BLOCK, &config, &none, &available, Some(&initramfs)),
            DriverAvailability::ModuleNotInInitramfs
        );
        // The network driver is fine as a plain module: udev loads it after root mounts.
        assert_eq!(
            availability(NET, &config, &none, &available, None),
            DriverAvailability::ModuleNotInInitramfs
        );
    }

    #[test]
    fn debian12_has_everything_in_its_initramfs() {
        let config = parse_kernel_config(CONFIG_DEBIAN12);
        let builtin = module_names_from_paths(BUILTIN_DEBIAN12);
        let available = module_names_from_paths(DEP_DEBIAN12);
        let initramfs = modules_in_initramfs(LSINITRAMFS_DEBIAN12);
        for driver in [BLOCK, NET, &["virtio_pci"]] {
            assert_eq!(
                availability(driver, &config, &builtin, &available, Some(&initramfs)),
                DriverAvailability::InInitramfs,
                "{driver:?}"
            );
        }
    }

    #[test]
    fn ubuntu2204_block_driver_is_in_initramfs_and_transport_built_in() {
        let config = parse_kernel_config(CONFIG_UBUNTU2204);
        let builtin = module_names_from_paths(BUILTIN_UBUNTU2204);
        let initramfs = modules_in_initramfs(LSINITRAMFS_UBUNTU2204);
        let available = names(&["virtio_blk", "virtio_net", "virtio_scsi"]);
        assert_eq!(
            availability(BLOCK, &config, &builtin, &available, Some(&initramfs)),
            DriverAvailability::InInitramfs
        );
        assert_eq!(
            availability(
                &["virtio_pci"],
                &config,
                &builtin,
                &available,
                Some(&initramfs)
            ),
            DriverAvailability::BuiltIn
        );
    }

    #[test]
    fn config_y_is_built_in_without_any_list() {
        // The shape of a kernel that builds virtio in (Ubuntu's -kvm flavour, microVM guests).
        let config = parse_kernel_config("CONFIG_VIRTIO_BLK=y\nCONFIG_VIRTIO_NET=y\n");
        let none = BTreeSet::new();
        assert_eq!(
            availability(BLOCK, &config, &none, &none, None),
            DriverAvailability::BuiltIn
        );
        assert_eq!(
            availability(NET, &config, &none, &none, Some(&none)),
            DriverAvailability::BuiltIn
        );
    }

    #[test]
    fn modules_builtin_alone_makes_it_built_in() {
        let builtin = module_names_from_paths("kernel/drivers/scsi/virtio_scsi.ko\n");
        let none = BTreeSet::new();
        assert_eq!(
            availability(BLOCK, &BTreeMap::new(), &builtin, &none, Some(&none)),
            DriverAvailability::BuiltIn
        );
    }

    #[test]
    fn best_alternative_wins() {
        let config = parse_kernel_config("CONFIG_VIRTIO_BLK=m\nCONFIG_SCSI_VIRTIO=m\n");
        let available = names(&["virtio_blk", "virtio_scsi"]);
        let initramfs = names(&["virtio_scsi"]);
        let none = BTreeSet::new();
        assert_eq!(
            availability(BLOCK, &config, &none, &available, Some(&initramfs)),
            DriverAvailability::InInitramfs
        );
    }

    #[test]
    fn config_m_counts_as_installed_only_when_modules_dep_is_unknown() {
        let config = parse_kernel_config(CONFIG_CENTOS7);
        let none = BTreeSet::new();
        assert_eq!(
            availability(BLOCK, &config, &none, &none, Some(&none)),
            DriverAvailability::ModuleNotInInitramfs
        );
        // modules.dep read, and it lacks the driver: its package is not installed.
        let other = names(&["e1000", "ahci"]);
        assert_eq!(
            availability(BLOCK, &config, &none, &other, Some(&none)),
            DriverAvailability::Absent
        );
    }

    #[test]
    fn nothing_known_is_absent() {
        let none = BTreeSet::new();
        assert_eq!(
            availability(BLOCK, &BTreeMap::new(), &none, &none, None),
            DriverAvailability::Absent
        );
        assert_eq!(
            availability(&[], &BTreeMap::new(), &none, &none, None),
            DriverAvailability::Absent
        );
    }

    #[test]
    fn dashed_driver_names_match_normalised_lists() {
        let initramfs =
            modules_in_initramfs("usr/lib/modules/5.14.0/kernel/drivers/scsi/virtio_scsi.ko.xz\n");
        let none = BTreeSet::new();
        assert_eq!(
            availability(
                &["virtio-scsi"],
                &BTreeMap::new(),
                &none,
                &none,
                Some(&initramfs)
            ),
            DriverAvailability::InInitramfs
        );
    }

    // ---- robustness ------------------------------------------------------------------------

    #[test]
    fn every_prefix_of_every_fixture_parses_without_panic() {
        for text in ALL_TEXT {
            for cut in cut_points(text) {
                let part = &text[..cut];
                let _ = parse_kernel_config(part);
                let _ = module_names_from_paths(part);
                let _ = parse_proc_modules(part);
                let _ = modules_in_initramfs(part);
            }
        }
    }

    /// Where a read can stop that matters to a line parser: a few bytes either side of
    /// every line end (mid-word, right before and right after the newline), and the ends.
    fn cut_points(text: &str) -> Vec<usize> {
        let mut cuts: Vec<usize> = text
            .match_indices('\n')
            .flat_map(|(at, _)| at.saturating_sub(3)..=(at + 2).min(text.len()))
            .chain([0, text.len()])
            .filter(|at| text.is_char_boundary(*at))
            .collect();
        cuts.dedup();
        cuts
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let bytes: Vec<u8> = (0..8192)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Bias towards the characters the parsers split on.
                match seed % 8 {
                    0 => b'\n',
                    1 => b' ',
                    2 => b'/',
                    3 => b'=',
                    4 => b':',
                    _ => seed as u8,
                }
            })
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        let none = BTreeSet::new();
        let config = parse_kernel_config(&text);
        let listed = module_names_from_paths(&text);
        let loaded = parse_proc_modules(&text);
        let initramfs = modules_in_initramfs(&text);
        let _ = availability(BLOCK, &config, &listed, &loaded, Some(&initramfs));
        let _ = availability(&["", "-", "virtio_blk"], &config, &none, &none, None);
        for weird in [
            "=",
            "CONFIG_=",
            ".ko",
            "/.ko",
            " -> ",
            "lib/modules/.ko.xz",
            "a b c d e",
        ] {
            let _ = parse_kernel_config(weird);
            let _ = module_names_from_paths(weird);
            let _ = parse_proc_modules(weird);
            let _ = modules_in_initramfs(weird);
        }
    }

    #[test]
    fn driver_availability_serializes_snake_case() {
        let json = serde_json::to_string(&[
            DriverAvailability::BuiltIn,
            DriverAvailability::InInitramfs,
            DriverAvailability::ModuleNotInInitramfs,
            DriverAvailability::Absent,
        ])
        .expect("serializes");
        assert_eq!(
            json,
            r#"["built_in","in_initramfs","module_not_in_initramfs","absent"]"#
        );
    }
}
