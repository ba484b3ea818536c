//! Facts that only the cloud profiles (AWS, Azure, Google Cloud) read: the kernel command
//! line, the GRUB configuration, cloud-init and the Azure Linux Agent, udev's persistent
//! network rules and the network configuration files, and the parsers that turn them into
//! what the checks ask ("is console=ttyS0 set?", "which interfaces are static?").
//!
//! Not here: anything the Alibaba checks read (modules, fstab, partitions), which the cloud
//! checks take from [`super::Facts`] as it is.

use serde::{Deserialize, Serialize};

use super::{existing_files, read, read_optional, Fact};
use crate::transport::{into_text, ReadError, Transport};

/// Everything the cloud profiles read beyond the Alibaba checks' facts. Facts saved before
/// these existed load with every field Unknown ("not collected by this version").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudFacts {
    /// /proc/cmdline: the running kernel's command line.
    pub cmdline: Fact<String>,
    /// /etc/default/grub; None when it does not exist.
    pub default_grub: Fact<Option<String>>,
    /// GRUB configuration files of [`GRUB_FILES`] that exist.
    pub grub_files: Fact<Vec<String>>,
    /// cloud-init programs of [`CLOUD_INIT_FILES`] that exist.
    pub cloud_init_files: Fact<Vec<String>>,
    /// /etc/cloud/cloud.cfg and /etc/cloud/cloud.cfg.d/*.cfg, in the order cloud-init merges
    /// them (path, text); empty when there is no /etc/cloud.
    pub cloud_cfg: Fact<Vec<ConfigFile>>,
    /// The Azure Linux Agent's programs of [`WAAGENT_FILES`] that exist.
    pub waagent_files: Fact<Vec<String>>,
    /// /etc/udev/rules.d/70-persistent-net.rules; None when it does not exist.
    pub persistent_net_rules: Fact<Option<String>>,
    /// Interface configuration files: ifcfg-* (Red Hat, SUSE), /etc/network/interfaces
    /// (Debian), /etc/netplan/*.yaml (Ubuntu).
    pub network_files: Fact<Vec<ConfigFile>>,
    /// /sys/class/dmi/id/sys_vendor and product_name, trimmed: who made the (virtual)
    /// machine; None when the kernel shows no DMI table.
    pub dmi: Fact<Option<Dmi>>,
    /// The volumes of /etc/crypttab (its first field), at most [`MAX_FILES`]; None when there
    /// is no crypttab.
    pub crypttab: Fact<Option<Vec<String>>>,
}

/// The machine's maker and model as the firmware's DMI table says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dmi {
    pub sys_vendor: String,
    pub product_name: String,
}

/// The makers and models of virtual machines, as their DMI tables name them (KVM/QEMU,
/// VMware, Hyper-V, Xen, VirtualBox, the clouds' own).
const VIRTUAL: &[&str] = &[
    "qemu",
    "kvm",
    "vmware",
    "virtualbox",
    "innotek",
    "virtual machine",
    "xen",
    "amazon ec2",
    "google compute engine",
    "alibaba cloud",
    "openstack",
    "bochs",
    "parallels",
    "ovirt",
    "nutanix",
    "bhyve",
];

impl Dmi {
    /// Whether the maker or the model is a hypervisor's.
    pub fn is_virtual(&self) -> bool {
        let text = format!("{} {}", self.sys_vendor, self.product_name).to_ascii_lowercase();
        VIRTUAL.iter().any(|v| text.contains(v))
    }
}

impl Default for CloudFacts {
    fn default() -> Self {
        CloudFacts::unknown("not collected by the image_check version that saved these facts")
    }
}

impl CloudFacts {
    /// Every fact Unknown for `reason`.
    pub fn unknown(reason: &str) -> Self {
        CloudFacts {
            cmdline: Fact::unknown(reason),
            default_grub: Fact::unknown(reason),
            grub_files: Fact::unknown(reason),
            cloud_init_files: Fact::unknown(reason),
            cloud_cfg: Fact::unknown(reason),
            waagent_files: Fact::unknown(reason),
            persistent_net_rules: Fact::unknown(reason),
            network_files: Fact::unknown(reason),
            dmi: Fact::unknown(reason),
            crypttab: Fact::unknown(reason),
        }
    }

    /// What a scan for Alibaba's profile alone keeps: it reads nothing more than it always did.
    pub fn not_asked() -> Self {
        CloudFacts::unknown("not read: the scan asked for no cloud profile (--profile)")
    }
}

/// A configuration file's path and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFile {
    pub path: String,
    pub text: String,
}

pub const GRUB_FILES: &[&str] = &[
    "/boot/grub2/grub.cfg",
    "/boot/grub/grub.cfg",
    "/boot/grub/menu.lst",
    "/boot/grub/grub.conf",
];
pub const CLOUD_INIT_FILES: &[&str] = &["/usr/bin/cloud-init", "/usr/local/bin/cloud-init"];
pub const WAAGENT_FILES: &[&str] = &["/usr/sbin/waagent", "/usr/bin/waagent"];
const PERSISTENT_NET_RULES: &str = "/etc/udev/rules.d/70-persistent-net.rules";
/// Folders whose files configure interfaces, and the names that count in each.
const NETWORK_DIRS: &[(&str, &str, &str)] = &[
    ("/etc/sysconfig/network-scripts", "ifcfg-", ""),
    ("/etc/sysconfig/network", "ifcfg-", ""),
    ("/etc/netplan", "", ".yaml"),
];
/// Files read from one folder at most: a host with thousands of ifcfg files is not judged
/// by all of them.
const MAX_FILES: usize = 32;

/// Reads every cloud fact over `t`.
pub async fn collect<T: Transport>(t: &T) -> CloudFacts {
    let (
        (cmdline, default_grub, grub_files, cloud_init_files, cloud_cfg, waagent_files),
        (rules, network_files, dmi, crypttab),
    ) = tokio::join!(
        async {
            tokio::join!(
                read(t, "/proc/cmdline"),
                read_optional(t, "/etc/default/grub"),
                existing_files(t, GRUB_FILES),
                existing_files(t, CLOUD_INIT_FILES),
                cloud_cfg(t),
                existing_files(t, WAAGENT_FILES),
            )
        },
        async {
            tokio::join!(
                read_optional(t, PERSISTENT_NET_RULES),
                network_files(t),
                dmi(t),
                read_optional(t, "/etc/crypttab"),
            )
        },
    );
    CloudFacts {
        cmdline: Fact::from_result(cmdline.map(|c| c.trim().to_string())),
        default_grub: Fact::from_result(default_grub),
        grub_files: Fact::from_result(grub_files),
        cloud_init_files: Fact::from_result(cloud_init_files),
        cloud_cfg: Fact::from_result(cloud_cfg),
        waagent_files: Fact::from_result(waagent_files),
        persistent_net_rules: Fact::from_result(rules),
        network_files: Fact::from_result(network_files),
        dmi: Fact::from_result(dmi),
        crypttab: Fact::from_result(crypttab.map(|text| text.map(|t| crypttab_volumes(&t)))),
    }
}

async fn dmi<T: Transport>(t: &T) -> Result<Option<Dmi>, String> {
    let (vendor, product) = tokio::join!(
        read_optional(t, "/sys/class/dmi/id/sys_vendor"),
        read_optional(t, "/sys/class/dmi/id/product_name"),
    );
    let field = |text: Option<String>| -> String {
        text.unwrap_or_default().trim().chars().take(128).collect()
    };
    Ok(match (vendor?, product?) {
        (None, None) => None,
        (vendor, product) => Some(Dmi {
            sys_vendor: field(vendor),
            product_name: field(product),
        }),
    })
}

/// The volume names of a crypttab (`name device [keyfile [options]]` per line).
pub fn crypttab_volumes(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .take(MAX_FILES)
        .map(|name| name.chars().take(128).collect())
        .collect()
}

/// The files of `dir` whose names start with `prefix` and end with `suffix`, read; an absent
/// folder has none.
async fn files_in<T: Transport>(
    t: &T,
    dir: &str,
    prefix: &str,
    suffix: &str,
) -> Result<Vec<ConfigFile>, String> {
    let names = match t.list_dir(dir).await {
        Ok(names) => names,
        Err(ReadError::NotFound(_)) => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {e}")),
    };
    let paths: Vec<String> = names
        .iter()
        .filter(|n| n.starts_with(prefix) && n.ends_with(suffix) && !n.ends_with('~'))
        .filter(|n| n.as_str() != "ifcfg-lo")
        .take(MAX_FILES)
        .map(|n| format!("{dir}/{n}"))
        .collect();
    let reads = futures_util::future::join_all(paths.iter().map(|p| t.read_file(p))).await;
    let mut files = Vec::new();
    for (path, read) in paths.into_iter().zip(reads) {
        match read {
            Ok(contents) => files.push(ConfigFile {
                path,
                text: into_text(contents.bytes),
            }),
            // A dangling link or a folder named like a config file configures nothing.
            Err(ReadError::NotFound(_)) => {}
            Err(e) => return Err(format!("cannot read {e}")),
        }
    }
    Ok(files)
}

async fn cloud_cfg<T: Transport>(t: &T) -> Result<Vec<ConfigFile>, String> {
    let (main, parts) = tokio::join!(
        read_optional(t, "/etc/cloud/cloud.cfg"),
        files_in(t, "/etc/cloud/cloud.cfg.d", "", ".cfg"),
    );
    let mut files: Vec<ConfigFile> = main?
        .map(|text| ConfigFile {
            path: "/etc/cloud/cloud.cfg".into(),
            text,
        })
        .into_iter()
        .collect();
    files.extend(parts?);
    Ok(files)
}

async fn network_files<T: Transport>(t: &T) -> Result<Vec<ConfigFile>, String> {
    let (dirs, interfaces) = tokio::join!(
        futures_util::future::join_all(
            NETWORK_DIRS
                .iter()
                .map(|(dir, prefix, suffix)| files_in(t, dir, prefix, suffix))
        ),
        read_optional(t, "/etc/network/interfaces"),
    );
    let mut files = Vec::new();
    for dir in dirs {
        files.extend(dir?);
    }
    if let Some(text) = interfaces? {
        files.push(ConfigFile {
            path: "/etc/network/interfaces".into(),
            text,
        });
    }
    Ok(files)
}

/// The `console=` values of a kernel command line (`console=tty0 console=ttyS0,115200`).
pub fn consoles(cmdline: &str) -> Vec<&str> {
    cmdline
        .split_whitespace()
        .filter_map(|word| word.strip_prefix("console="))
        .collect()
}

/// The kernel command line that GRUB passes by /etc/default/grub: GRUB_CMDLINE_LINUX and
/// GRUB_CMDLINE_LINUX_DEFAULT, unquoted, joined.
pub fn grub_cmdline(default_grub: &str) -> String {
    let mut words = Vec::new();
    for line in default_grub.lines() {
        let line = line.trim();
        for key in ["GRUB_CMDLINE_LINUX=", "GRUB_CMDLINE_LINUX_DEFAULT="] {
            if let Some(value) = line.strip_prefix(key) {
                words.push(value.trim_matches(|c| c == '"' || c == '\'').to_string());
            }
        }
    }
    words.join(" ")
}

/// cloud-init's `datasource_list`, as the last file that sets it says (flow `[ A, B ]` or
/// block `- A` style); None when no file sets it (cloud-init then probes every source).
pub fn datasource_list(files: &[ConfigFile]) -> Option<(Vec<String>, &str)> {
    let mut found = None;
    for file in files {
        let mut lines = file.text.lines().peekable();
        while let Some(line) = lines.next() {
            let Some(rest) = line.trim_start().strip_prefix("datasource_list:") else {
                continue;
            };
            if line.starts_with(char::is_whitespace) {
                continue;
            }
            let rest = rest.split('#').next().unwrap_or("").trim();
            let names: Vec<String> = if rest.is_empty() {
                let mut names = Vec::new();
                while let Some(item) = lines.peek().and_then(|l| l.trim().strip_prefix("- ")) {
                    names.push(item.trim().trim_matches(['\'', '"']).to_string());
                    lines.next();
                }
                names
            } else {
                rest.trim_matches(['[', ']'])
                    .split(',')
                    .map(|n| n.trim().trim_matches(['\'', '"']).to_string())
                    .filter(|n| !n.is_empty())
                    .collect()
            };
            found = Some((names, file.path.as_str()));
        }
    }
    found
}

/// Where a network configuration binds an interface to a MAC address: `path: line`.
pub fn mac_bindings(files: &[ConfigFile], persistent_net_rules: Option<&str>) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(rules) = persistent_net_rules {
        for (n, line) in rules.lines().enumerate() {
            let line = line.trim();
            if !line.starts_with('#') && line.contains("ATTR{address}") {
                found.push(format!("{PERSISTENT_NET_RULES}:{}", n + 1));
            }
        }
    }
    for file in files {
        for (n, line) in file.text.lines().enumerate() {
            let line = line.trim();
            let key = line.split(['=', ':', ' ']).next().unwrap_or("");
            if matches!(key, "HWADDR" | "MACADDR" | "macaddress" | "hwaddress")
                && !line.starts_with('#')
            {
                found.push(format!("{}:{}", file.path, n + 1));
            }
        }
    }
    found
}

/// Interfaces given a fixed address instead of DHCP: `path` (ifcfg BOOTPROTO=static/none
/// with IPADDR), `path: iface X` (interfaces `inet static`), netplan files with `addresses:`
/// and no `dhcp4: true`.
pub fn static_configs(files: &[ConfigFile]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let name = file.path.rsplit('/').next().unwrap_or("");
        if name.starts_with("ifcfg-") {
            let value = |key: &str| {
                file.text.lines().find_map(|l| {
                    l.trim()
                        .strip_prefix(key)
                        .and_then(|v| v.strip_prefix('='))
                        .map(|v| v.trim().trim_matches(['"', '\'']).to_ascii_lowercase())
                })
            };
            let proto = value("BOOTPROTO").unwrap_or_default();
            if !proto.contains("dhcp") && value("IPADDR").is_some() {
                found.push(format!("{} (BOOTPROTO={proto})", file.path));
            }
        } else if file.path == "/etc/network/interfaces" {
            for line in file.text.lines() {
                let words: Vec<&str> = line.split_whitespace().collect();
                if let ["iface", iface, _, "static", ..] = words.as_slice() {
                    if *iface != "lo" {
                        found.push(format!("{}: iface {iface} static", file.path));
                    }
                }
            }
        } else if file.text.contains("addresses:") && !file.text.contains("dhcp4: true") {
            found.push(format!("{} (addresses, no dhcp4)", file.path));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> ConfigFile {
        ConfigFile {
            path: path.into(),
            text: text.into(),
        }
    }

    #[test]
    fn consoles_and_grub_cmdline_are_read() {
        assert_eq!(
            consoles("BOOT_IMAGE=/vmlinuz ro console=tty0 console=ttyS0,115200n8"),
            ["tty0", "ttyS0,115200n8"]
        );
        let grub = "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb quiet\"\nGRUB_CMDLINE_LINUX_DEFAULT='console=ttyS0'\n";
        assert_eq!(
            grub_cmdline(grub),
            "crashkernel=auto rhgb quiet console=ttyS0"
        );
    }

    #[test]
    fn the_last_datasource_list_wins_in_both_styles() {
        let files = [
            file(
                "/etc/cloud/cloud.cfg",
                "datasource_list: [ NoCloud, ConfigDrive ]\n",
            ),
            file(
                "/etc/cloud/cloud.cfg.d/90_dpkg.cfg",
                "# from debconf\ndatasource_list:\n  - Ec2\n  - 'None'\n",
            ),
        ];
        let (names, path) = datasource_list(&files).unwrap();
        assert_eq!(names, ["Ec2", "None"]);
        assert_eq!(path, "/etc/cloud/cloud.cfg.d/90_dpkg.cfg");
        assert_eq!(
            datasource_list(&[file("/etc/cloud/cloud.cfg", "users: []\n")]),
            None
        );
    }

    #[test]
    fn mac_bindings_name_file_and_line() {
        let rules = "# generated\nSUBSYSTEM==\"net\", ACTION==\"add\", ATTR{address}==\"52:54:00:12:34:56\", NAME=\"eth0\"\n";
        let files = [file(
            "/etc/sysconfig/network-scripts/ifcfg-eth0",
            "DEVICE=eth0\nHWADDR=52:54:00:12:34:56\nBOOTPROTO=dhcp\n",
        )];
        assert_eq!(
            mac_bindings(&files, Some(rules)),
            [
                "/etc/udev/rules.d/70-persistent-net.rules:2",
                "/etc/sysconfig/network-scripts/ifcfg-eth0:2"
            ]
        );
    }

    #[test]
    fn dmi_of_hypervisors_is_virtual_and_crypttab_names_its_volumes() {
        let dmi = |v: &str, p: &str| Dmi {
            sys_vendor: v.into(),
            product_name: p.into(),
        };
        assert!(dmi("QEMU", "Standard PC (i440FX + PIIX, 1996)").is_virtual());
        assert!(dmi("Microsoft Corporation", "Virtual Machine").is_virtual());
        assert!(dmi("VMware, Inc.", "VMware7,1").is_virtual());
        assert!(!dmi("Dell Inc.", "PowerEdge R630").is_virtual());
        assert_eq!(
            crypttab_volumes("# <target name> <source device> <key file> <options>\nluks-data UUID=1f2e none luks,discard\n\n"),
            ["luks-data"]
        );
    }

    #[test]
    fn static_configs_of_each_format() {
        let files = [
            file(
                "/etc/sysconfig/network-scripts/ifcfg-eth0",
                "BOOTPROTO=none\nIPADDR=10.0.0.5\n",
            ),
            file(
                "/etc/sysconfig/network-scripts/ifcfg-eth1",
                "BOOTPROTO=dhcp\n",
            ),
            file(
                "/etc/network/interfaces",
                "auto lo\niface lo inet loopback\niface eth0 inet static\n  address 10.0.0.6\n",
            ),
            file(
                "/etc/netplan/50.yaml",
                "network:\n  ethernets:\n    eth0:\n      dhcp4: true\n",
            ),
        ];
        assert_eq!(
            static_configs(&files),
            [
                "/etc/sysconfig/network-scripts/ifcfg-eth0 (BOOTPROTO=none)",
                "/etc/network/interfaces: iface eth0 static"
            ]
        );
    }
}
