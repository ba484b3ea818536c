//! Facts: which files to read and which commands to run on a host, and the parsers that turn
//! their text into typed values.
//!
//! A [`Facts`] value is plain serde data: it can be saved (`--save-facts`) and evaluated again
//! later without a network. A source that cannot be read is a value, [`Fact::Unknown`] with the
//! reason, never an error that aborts the host. Collection runs in two rounds: everything that
//! needs nothing else at once, then what depends on the first round (the kernel release, the
//! root device, the system disk, sshd's Include files); `uname -m` after them, only where the
//! kernel's configuration does not name the machine.
//!
//! Each command is a process on the host (an exec channel, a login shell, the program), so a
//! file read over SFTP is preferred wherever it gives the same answer: /proc/sys/kernel for
//! `uname -s -r`, the disk's header and the root's superblock as bytes where the login may
//! read the device, systemd's unit folders to ask `systemctl` only of units that exist (and
//! of those in one call), the PATH to run no command that would only say "command not
//! found". README's "What a scan asks each host" lists what is left and why.

pub mod blkid;
pub mod boot;
pub mod cloud;
pub mod df;
pub mod disks;
mod escapes;
pub mod fstab;
pub mod kernel_modules;
pub mod lsattr;
pub mod os_family;
pub mod os_release;
pub mod partition_table;
pub mod passwd;
pub mod selinux;
pub mod services;
pub mod sshd_config;
pub mod tune2fs;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};

use crate::transport::{
    into_text, Command, CommandOutput, FileContents, FileKind, ReadError, Transport,
};
use disks::{Mount, SystemDisk};
use os_release::OsInfo;
use partition_table::{PartitionEntry, PartitionTable};
use services::UnitEnabled;

/// A value read from the host, or why it could not be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact<T> {
    Known(T),
    Unknown { reason: String },
}

impl<T> Fact<T> {
    pub fn unknown(reason: impl Into<String>) -> Self {
        Fact::Unknown {
            reason: reason.into(),
        }
    }

    pub fn known(&self) -> Option<&T> {
        match self {
            Fact::Known(value) => Some(value),
            Fact::Unknown { .. } => None,
        }
    }

    /// The value, or the reason it is missing.
    pub fn get(&self) -> Result<&T, &str> {
        match self {
            Fact::Known(value) => Ok(value),
            Fact::Unknown { reason } => Err(reason),
        }
    }

    fn from_result(result: Result<T, String>) -> Self {
        match result {
            Ok(value) => Fact::Known(value),
            Err(reason) => Fact::Unknown { reason },
        }
    }
}

/// What the driver check needs: where virtio drivers could come from at boot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriverFacts {
    /// /boot/config-K: CONFIG_* symbol → 'y' or 'm'.
    pub kernel_config: Fact<BTreeMap<String, char>>,
    /// /lib/modules/K/modules.builtin
    pub builtin: Fact<BTreeSet<String>>,
    /// /lib/modules/K/modules.dep: every module of the kernel.
    pub modules: Fact<BTreeSet<String>>,
    /// Modules inside the initramfs of K (`lsinitrd` or `lsinitramfs`).
    pub initramfs: Fact<BTreeSet<String>>,
    /// /proc/modules: loaded now (evidence only: the source may not run on KVM).
    pub loaded: Fact<BTreeSet<String>>,
}

/// Where the partition table was read and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionTableFact {
    pub table: PartitionTable,
    /// "the first 1024 bytes of /dev/vda", "fdisk -l /dev/vda".
    pub source: String,
}

/// A `/lib`-style path and its symlink target (None: a real directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibPath {
    pub path: String,
    /// None when the path is not a symlink; absent paths are not listed.
    pub target: Option<String>,
}

/// Everything the checks and the report header need to know about one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub os: Fact<OsInfo>,
    /// `uname -m`
    pub architecture: Fact<String>,
    /// `uname -r`
    pub kernel: Fact<String>,
    pub system_disk: Fact<SystemDisk>,
    /// /proc/mounts
    pub mounts: Fact<Vec<Mount>>,
    pub drivers: DriverFacts,
    /// `lsattr /etc/shadow`
    pub shadow_attributes: Fact<lsattr::FileAttributes>,
    /// SELINUX= of /etc/selinux/config; None when the file does not exist.
    pub selinux_config: Fact<Option<String>>,
    /// `getenforce`, lower case; None when the command does not exist.
    pub selinux_mode: Fact<Option<String>>,
    /// qemu-ga binaries and unit files that exist.
    pub qemu_ga_files: Fact<Vec<String>>,
    /// `systemctl is-enabled UNIT` for each of [`ENABLED_UNITS`]; Unknown where there is no systemctl.
    pub units_enabled: BTreeMap<String, Fact<UnitEnabled>>,
    /// `chkconfig --list` at runlevel 3; None where there is no chkconfig (systemd-only hosts).
    pub sysv_services: Fact<Option<BTreeMap<String, bool>>>,
    /// `systemctl is-active` of [`FIREWALL_UNITS`] and [`SSH_UNITS`].
    pub active_units: Fact<Vec<(String, bool)>>,
    /// ENABLED= of /etc/ufw/ufw.conf; None when ufw is not installed.
    pub ufw_enabled: Fact<Option<bool>>,
    /// The effective sshd configuration; None when no sshd_config exists.
    pub sshd_config: Fact<Option<sshd_config::SshdConfig>>,
    /// `ssh -V`: OpenSSH (major, minor).
    pub openssh_version: Fact<(u32, u32)>,
    /// `tune2fs -l` of the root device; None when / is not ext2/3/4.
    pub root_ext: Fact<Option<tune2fs::Ext4Info>>,
    /// /etc/fstab; None when the host has none (Flatcar, systemd mount units only).
    pub fstab: Fact<Option<fstab::Fstab>>,
    /// `blkid`
    pub blkid: Fact<Vec<blkid::BlkidEntry>>,
    /// /etc/passwd
    pub passwd: Fact<Vec<passwd::PasswdEntry>>,
    /// The first executable `passwd` program found; None when there is none.
    pub passwd_program: Fact<Option<String>>,
    pub partition_table: Fact<PartitionTableFact>,
    /// /lib and /lib64, where they exist.
    pub lib_paths: Fact<Vec<LibPath>>,
    /// `df -P -k /`
    pub disk_usage: Fact<df::DfRow>,
    /// `df -P -i /`
    pub inode_usage: Fact<df::DfRow>,
    /// What the boot mode is decided from (see [`boot::of`]).
    #[serde(default)]
    pub boot: boot::BootFacts,
    /// What only the cloud profiles read (see [`cloud`]).
    #[serde(default)]
    pub cloud: cloud::CloudFacts,
}

/// Units whose boot-time state the checks need (ssh, network, qemu-ga).
pub const ENABLED_UNITS: &[&str] = &[
    "sshd.service",
    "ssh.service",
    "ssh.socket",
    "sshd.socket",
    "NetworkManager.service",
    "network.service",
    "systemd-networkd.service",
    "qemu-guest-agent.service",
];

/// Firewall services; ufw is judged by /etc/ufw/ufw.conf instead, since ufw.service is
/// "active" whether or not the firewall is enabled.
pub const FIREWALL_UNITS: &[&str] = &[
    "firewalld.service",
    "iptables.service",
    "ip6tables.service",
    "nftables.service",
    "SuSEfirewall2.service",
    "netfilter-persistent.service",
];

/// The names sshd goes by: Red Hat and SUSE's, Debian's, and their socket units. Their
/// running state is asked for too: socket activation and vendor links under /usr start sshd
/// without `is-enabled` saying so.
pub const SSH_UNITS: &[&str] = &["sshd.service", "ssh.service", "ssh.socket", "sshd.socket"];

const QEMU_GA_FILES: &[&str] = &[
    "/usr/bin/qemu-ga",
    "/usr/sbin/qemu-ga",
    "/usr/local/bin/qemu-ga",
    "/usr/lib/systemd/system/qemu-guest-agent.service",
    "/lib/systemd/system/qemu-guest-agent.service",
];
const PASSWD_PROGRAMS: &[&str] = &["/usr/bin/passwd", "/bin/passwd"];
const LIB_PATHS: &[&str] = &["/lib", "/lib64"];
const LSBLK: &[&str] = &["lsblk", "-b", "-P", "-o", "NAME,TYPE,SIZE,MOUNTPOINT"];

/// Runs a command; the output whatever its exit status, or why it could not run at all.
async fn run_raw<T: Transport>(t: &T, cmd: &Command) -> Result<CommandOutput, String> {
    t.exec(cmd)
        .await
        .map_err(|e| format!("`{}`: {e}", cmd.display()))
}

/// Text of a command's stdout when it succeeded, or the reason it did not.
async fn run_cmd<T: Transport>(t: &T, cmd: Command) -> Result<String, String> {
    let output = run_raw(t, &cmd).await?;
    if let Some(cut) = output.cut {
        return Err(format!(
            "`{}` printed {cut}: output cut, not parsed",
            cmd.display()
        ));
    }
    if output.success() {
        Ok(into_text(output.stdout))
    } else {
        Err(output.failure_reason(&cmd))
    }
}

async fn run<T: Transport>(t: &T, argv: &[&str]) -> Result<String, String> {
    run_cmd(t, Command::new(argv)).await
}

/// Text of a file; None when it does not exist; Err for any other failure.
async fn read_optional<T: Transport>(t: &T, path: &str) -> Result<Option<String>, String> {
    match t.read_file(path).await {
        Ok(FileContents { cut: Some(cut), .. }) => Err(format!("{path}: {cut}: not parsed")),
        Ok(contents) => Ok(Some(into_text(contents.bytes))),
        Err(ReadError::NotFound(_)) => Ok(None),
        Err(e) => Err(format!("cannot read {e}")),
    }
}

async fn read<T: Transport>(t: &T, path: &str) -> Result<String, String> {
    read_optional(t, path)
        .await?
        .ok_or_else(|| format!("{path} does not exist"))
}

fn single_word(text: Result<String, String>, what: &str) -> Fact<String> {
    Fact::from_result(text.and_then(|t| {
        let value = t.trim();
        if value.is_empty() || value.contains(char::is_whitespace) {
            Err(format!("{what} printed {value:?}, expected one word"))
        } else {
            Ok(value.to_string())
        }
    }))
}

/// Collects every fact over `transport`, the cloud profiles' too.
pub async fn collect<T: Transport>(t: &T) -> Facts {
    collect_with(t, true).await
}

/// Collects the facts over `transport`; those only the cloud profiles read ([`cloud`]) when
/// `cloud` is set, so that a scan for Alibaba alone asks what it always asked.
pub async fn collect_with<T: Transport>(t: &T, cloud: bool) -> Facts {
    let release_reads = join_all(
        os_release::RELEASE_FILES
            .iter()
            .map(|path| t.read_file(path)),
    );
    // Each slot is the fact it fills, parsed where it is asked: two slots of one type are
    // only the df pair, whose commands say which is which.
    let (
        (releases, uname, lsblk, mounts, partitions),
        (proc_modules, shadow_attributes, selinux_config, selinux_mode, services),
        (ufw_enabled, (sshd_config, openssh_version), fstab, blkid),
        (passwd, qemu_ga_files, passwd_program, lib_paths, disk_usage, inode_usage),
    ) = tokio::join!(
        async {
            tokio::join!(
                release_reads,
                kernel_names(t),
                run(t, LSBLK),
                read(t, "/proc/mounts"),
                read(t, "/proc/partitions"),
            )
        },
        async {
            tokio::join!(
                read(t, "/proc/modules"),
                async {
                    let shadow = Command::new(&["lsattr", "/etc/shadow"]).privileged();
                    let text = run_cmd(t, shadow).await;
                    Fact::from_result(text.and_then(|text| lsattr::parse_lsattr(&text)))
                },
                async {
                    let text = read_optional(t, "/etc/selinux/config").await;
                    Fact::from_result(
                        text.map(|text| text.and_then(|t| selinux::parse_selinux_config(&t))),
                    )
                },
                async { Fact::from_result(getenforce(t).await) },
                service_states(t),
            )
        },
        async {
            tokio::join!(
                async {
                    let text = read_optional(t, "/etc/ufw/ufw.conf").await;
                    Fact::from_result(text.map(|text| text.map(|t| ufw_enabled(&t))))
                },
                async {
                    let (config, version) = sshd_config_fact(t).await;
                    (config, Fact::from_result(version))
                },
                async {
                    let text = read_optional(t, "/etc/fstab").await;
                    Fact::from_result(text.map(|text| text.map(|t| fstab::parse_fstab(&t))))
                },
                async {
                    let text = run_cmd(t, Command::new(&["blkid"]).privileged()).await;
                    Fact::from_result(text.map(|text| blkid::parse_blkid(&text)))
                },
            )
        },
        async {
            tokio::join!(
                async {
                    let text = read(t, "/etc/passwd").await;
                    Fact::from_result(text.map(|text| passwd::parse_passwd(&text)))
                },
                async { Fact::from_result(existing_files(t, QEMU_GA_FILES).await) },
                async { Fact::from_result(first_executable(t, PASSWD_PROGRAMS).await) },
                async { Fact::from_result(lib_paths(t).await) },
                async { df_fact(run(t, &["df", "-P", "-k", "/"]).await) },
                async { df_fact(run(t, &["df", "-P", "-i", "/"]).await) },
            )
        },
    );
    let (units_enabled, active_units, sysv_services) = services;

    let KernelNames {
        name: uname_s,
        release: kernel,
        machine: uname_m,
    } = uname;
    let os = os_fact(releases, uname_s, kernel.as_deref().ok());
    let kernel = single_word(kernel, "uname -r");
    let mounts = mounts.map(|text| disks::parse_proc_mounts(&text));
    let system_disk = system_disk_fact(lsblk, mounts.clone(), partitions);
    let mounts = Fact::from_result(mounts);

    let (
        (drivers, config_machine),
        root_ext,
        (partition_table, partitions),
        sys_firmware_efi,
        efi_loaders,
        cloud,
    ) = tokio::join!(
        driver_facts(t, &kernel, &os, proc_modules),
        root_ext_fact(t, &mounts, &system_disk),
        partition_table_fact(t, &system_disk),
        sys_firmware_efi(t),
        efi_loaders(t, &mounts),
        async {
            if cloud {
                // Boxed: the collection future is large, and a worker thread's stack is not.
                Box::pin(cloud::collect(t)).await
            } else {
                cloud::CloudFacts::not_asked()
            }
        },
    );

    let arch = match (uname_m, config_machine) {
        (Some(printed), _) => printed,
        (None, Some(machine)) => Ok(machine.to_string()),
        (None, None) => run(t, &["uname", "-m"]).await,
    };
    Facts {
        os,
        architecture: single_word(arch, "uname -m"),
        kernel,
        system_disk,
        mounts,
        drivers,
        shadow_attributes,
        selinux_config,
        selinux_mode,
        qemu_ga_files,
        units_enabled,
        sysv_services: Fact::from_result(sysv_services),
        active_units: Fact::from_result(active_units),
        ufw_enabled,
        sshd_config,
        openssh_version,
        root_ext,
        fstab,
        blkid,
        passwd,
        passwd_program,
        partition_table,
        lib_paths,
        disk_usage,
        inode_usage,
        boot: boot::BootFacts {
            partitions,
            sys_firmware_efi,
            efi_loaders,
        },
        cloud,
    }
}

/// What `uname -s`, `-r` and `-m` print, where known before the kernel's configuration is
/// read (see [`kernel_names`]).
struct KernelNames {
    name: Result<String, String>,
    release: Result<String, String>,
    /// None: decided from the kernel's configuration, else asked of `uname -m`.
    machine: Option<Result<String, String>>,
}

/// Kernel name, release and machine in one call, where /proc does not have the first two;
/// coreutils, busybox and the BSDs print them in this order whatever the order of the
/// options.
const UNAME: &[&str] = &["uname", "-s", "-r", "-m"];

/// `uname -s` and `-r` are the kernel's utsname, which /proc/sys/kernel/ostype and
/// osrelease hold; the machine then follows from the kernel's configuration (see
/// [`kernel_modules::machine_from_config`]). Where /proc has neither (the BSDs), `uname -s
/// -r -m` answers all three.
async fn kernel_names<T: Transport>(t: &T) -> KernelNames {
    let (name, release) = tokio::join!(
        read(t, "/proc/sys/kernel/ostype"),
        read(t, "/proc/sys/kernel/osrelease")
    );
    if let (Ok(name), Ok(release)) = (&name, &release) {
        return KernelNames {
            name: Ok(name.trim().to_string()),
            release: Ok(release.trim().to_string()),
            machine: None,
        };
    }
    let words = run(t, UNAME).await.and_then(|text| {
        match text.split_whitespace().collect::<Vec<_>>().as_slice() {
            [name, release, machine] => {
                Ok((name.to_string(), release.to_string(), machine.to_string()))
            }
            _ => Err(format!(
                "`{}` printed {:?}, expected three words",
                UNAME.join(" "),
                text.trim()
            )),
        }
    });
    match words {
        Ok((name, release, machine)) => KernelNames {
            name: Ok(name),
            release: Ok(release),
            machine: Some(Ok(machine)),
        },
        Err(reason) => KernelNames {
            name: Err(reason.clone()),
            release: Err(reason.clone()),
            machine: Some(Err(reason)),
        },
    }
}

/// The OS from the release files read (those of [`os_release::RELEASE_FILES`]), and from
/// `uname -s` with `kernel_release` (`uname -r`) where no release file says anything: it
/// names the BSDs.
fn os_fact(
    reads: Vec<Result<crate::transport::FileContents, ReadError>>,
    uname_s: Result<String, String>,
    kernel_release: Option<&str>,
) -> Fact<OsInfo> {
    let mut found: HashMap<&str, String> = HashMap::new();
    let mut problems = Vec::new();
    for (&path, result) in os_release::RELEASE_FILES.iter().zip(reads) {
        match result {
            Ok(contents) => {
                found.insert(path, into_text(contents.bytes));
            }
            Err(ReadError::NotFound(_)) => {}
            Err(e) => problems.push(e.to_string()),
        }
    }
    let kernel = match (uname_s.as_deref(), kernel_release) {
        (Ok(name), Some(release)) => Some(os_release::Kernel {
            name: name.trim(),
            release: release.trim(),
        }),
        _ => None,
    };
    let detected = os_release::detect(&|path| found.get(path).cloned(), kernel);
    Fact::from_result(detected.map_err(|reason| {
        if problems.is_empty() {
            reason
        } else {
            format!("{reason} ({})", problems.join("; "))
        }
    }))
}

fn system_disk_fact(
    lsblk: Result<String, String>,
    mounts: Result<Vec<Mount>, String>,
    partitions: Result<String, String>,
) -> Fact<SystemDisk> {
    let mut reasons = Vec::new();
    let devices = lsblk
        .and_then(|text| disks::parse_lsblk_pairs(&text))
        .map_err(|e| reasons.push(e))
        .ok();
    let mounts = mounts.map_err(|e| reasons.push(e)).unwrap_or_default();
    let partitions = partitions
        .and_then(|text| disks::parse_proc_partitions(&text))
        .map_err(|e| reasons.push(e))
        .unwrap_or_default();
    Fact::from_result(
        disks::system_disk(devices.as_deref(), &mounts, &partitions).map_err(|e| {
            reasons.push(e);
            reasons.join("; ")
        }),
    )
}

/// The boot-time state of each of [`ENABLED_UNITS`] and the running state of
/// [`FIREWALL_UNITS`] and [`SSH_UNITS`], asked of systemctl in as few calls as give the
/// same answers as one call per unit (see [`units_enabled`]), and SysV init's runlevels
/// (see [`chkconfig`]). Without systemd (no folder of its unit search path exists)
/// systemctl is not asked: its answers are Unknown.
async fn service_states<T: Transport>(
    t: &T,
) -> (
    BTreeMap<String, Fact<UnitEnabled>>,
    Result<Vec<(String, bool)>, String>,
    Result<Option<BTreeMap<String, bool>>, String>,
) {
    let installed = unit_files(t).await;
    if !installed.systemd {
        let reason = format!(
            "systemd is not installed: none of {} exists",
            services::SYSTEM_UNIT_PATH.join(", ")
        );
        let units = ENABLED_UNITS
            .iter()
            .map(|unit| (unit.to_string(), Fact::unknown(reason.clone())))
            .collect();
        return (units, Err(reason), chkconfig(t, &installed).await);
    }
    tokio::join!(
        units_enabled(t, &installed),
        active_units(t),
        chkconfig(t, &installed)
    )
}

/// Which units have a file in systemd's unit search path, and which SysV scripts exist.
struct UnitFiles {
    /// Some folder of [`services::SYSTEM_UNIT_PATH`] exists: systemd is installed.
    systemd: bool,
    /// Names found in them.
    units: BTreeSet<String>,
    /// A folder exists but could not be listed: a unit may be in it.
    unlisted: bool,
    /// Scripts of /etc/init.d and /etc/rc.d/init.d.
    sysv_scripts: BTreeSet<String>,
    /// A SysV folder exists but could not be listed.
    sysv_unlisted: bool,
}

async fn unit_files<T: Transport>(t: &T) -> UnitFiles {
    let folders = services::SYSTEM_UNIT_PATH
        .iter()
        .chain(services::SYSV_SCRIPT_FOLDERS);
    let listings = join_all(folders.clone().map(|folder| t.list_dir(folder))).await;
    let mut found = UnitFiles {
        systemd: false,
        units: BTreeSet::new(),
        unlisted: false,
        sysv_scripts: BTreeSet::new(),
        sysv_unlisted: false,
    };
    for (folder, listing) in folders.zip(listings) {
        let sysv = services::SYSV_SCRIPT_FOLDERS.contains(folder);
        match listing {
            Ok(names) if sysv => found.sysv_scripts.extend(names),
            Ok(names) => {
                found.systemd = true;
                found.units.extend(names);
            }
            Err(ReadError::NotFound(_)) => {}
            Err(_) if sysv => found.sysv_unlisted = true,
            Err(_) => {
                found.systemd = true;
                found.unlisted = true;
            }
        }
    }
    found
}

/// `systemctl is-enabled` of each of [`ENABLED_UNITS`]. A unit no folder of the search
/// path holds is not-found without asking, as systemctl would find it nowhere either. The
/// others are asked together: systemctl prints one line per unit, in order, but stops at
/// the first unit it cannot find (systemd 219 to 252), so the rest is asked again after
/// it. A SysV script without a unit file of its own is asked alone, since systemd 219
/// answers those through chkconfig before the others, out of order.
async fn units_enabled<T: Transport>(
    t: &T,
    installed: &UnitFiles,
) -> BTreeMap<String, Fact<UnitEnabled>> {
    let mut states: BTreeMap<String, Fact<UnitEnabled>> = BTreeMap::new();
    let mut together = Vec::new();
    let mut alone = Vec::new();
    for unit in ENABLED_UNITS {
        let stem = unit.rsplit_once('.').map_or(*unit, |(stem, _)| stem);
        if installed.sysv_scripts.contains(stem) && !installed.units.contains(*unit) {
            alone.push(vec![*unit]);
        } else if installed.units.contains(*unit) || installed.unlisted {
            together.push(*unit);
        } else {
            states.insert(unit.to_string(), Fact::Known(UnitEnabled::NotFound));
        }
    }
    let batches = std::iter::once(together)
        .chain(alone)
        .filter(|b| !b.is_empty());
    for answers in join_all(batches.map(|batch| is_enabled(t, batch))).await {
        states.extend(answers);
    }
    states
}

/// `systemctl is-enabled UNIT...` for `units`, asked again after a unit systemctl stopped at.
async fn is_enabled<T: Transport>(t: &T, mut units: Vec<&str>) -> Vec<(String, Fact<UnitEnabled>)> {
    let mut states = Vec::new();
    while !units.is_empty() {
        let mut argv = vec!["systemctl", "is-enabled"];
        argv.extend(&units);
        let cmd = Command::new(&argv);
        let out = match run_raw(t, &cmd).await {
            Ok(out) if out.exit_status == Some(127) || out.cut.is_some() => {
                Err(out.failure_reason(&cmd))
            }
            Ok(out) => Ok(out),
            Err(reason) => Err(reason),
        };
        let out = match out {
            Ok(out) => out,
            Err(reason) => {
                states.extend(
                    units
                        .iter()
                        .map(|unit| (unit.to_string(), Fact::unknown(reason.clone()))),
                );
                break;
            }
        };
        let stdout = out.stdout_text();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let words: Vec<&str> = stdout
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if units.len() == 1 || words.len() > units.len() {
            // One unit, or lines that are not one per unit: read as the answer for one unit.
            let unit = units.remove(0);
            let state = services::parse_is_enabled(&stdout, &stderr, out.exit_status);
            states.push((unit.to_string(), Fact::Known(state)));
            continue;
        }
        let answered = words.len();
        for (unit, word) in units.iter().zip(&words) {
            let state = services::parse_is_enabled(word, "", None);
            states.push((unit.to_string(), Fact::Known(state)));
        }
        units.drain(..answered);
        // systemctl stopped at the next unit, and said why on stderr: that is its answer.
        // An unanswered unit stderr does not name is asked again, alone.
        if let Some(stopped_at) = units.first().copied() {
            if stderr.contains(stopped_at) || answered == 0 {
                let state = services::parse_is_enabled("", &stderr, out.exit_status);
                states.push((stopped_at.to_string(), Fact::Known(state)));
                units.remove(0);
            }
        }
    }
    states
}

async fn active_units<T: Transport>(t: &T) -> Result<Vec<(String, bool)>, String> {
    let units: Vec<&str> = FIREWALL_UNITS.iter().chain(SSH_UNITS).copied().collect();
    let mut argv = vec!["systemctl", "is-active"];
    argv.extend(&units);
    let cmd = Command::new(&argv);
    // is-active exits 3 when some unit is inactive: the lines are the answer either way.
    let out = run_raw(t, &cmd).await?;
    if out.exit_status == Some(127) {
        return Err(out.failure_reason(&cmd));
    }
    services::parse_is_active(&units, &out.stdout_text())
}

/// Where `program` is on the usual PATH ([`PROGRAM_PATH`]): None when it is in none of
/// them, so that a command that would only say "command not found" is not run.
async fn installed<T: Transport>(t: &T, program: &str) -> Result<Option<String>, String> {
    let paths: Vec<String> = PROGRAM_PATH
        .iter()
        .map(|dir| format!("{dir}/{program}"))
        .collect();
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    first_executable(t, &refs).await
}

/// The folders a login shell's PATH holds on Linux distributions, root's included.
pub const PROGRAM_PATH: [&str; 6] = [
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// The SysV services the checks ask chkconfig about: sshd, the network services and the
/// firewalls (see `checks::boot_state` and the firewall check).
const SYSV_SERVICES: &[&str] = &[
    "sshd",
    "network",
    "NetworkManager",
    "systemd-networkd",
    "iptables",
    "ip6tables",
];

/// `chkconfig --list` at runlevel 3; None where chkconfig is not installed. chkconfig lists
/// the scripts of the SysV folders: where none of [`SYSV_SERVICES`] has one there (a
/// systemd host keeps only `functions` and a README), it would say nothing about them,
/// and is not asked.
async fn chkconfig<T: Transport>(
    t: &T,
    installed_units: &UnitFiles,
) -> Result<Option<BTreeMap<String, bool>>, String> {
    if installed(t, "chkconfig").await?.is_none() {
        return Ok(None);
    }
    let scripts = &installed_units.sysv_scripts;
    if !installed_units.sysv_unlisted && !SYSV_SERVICES.iter().any(|name| scripts.contains(*name)) {
        return Ok(Some(BTreeMap::new()));
    }
    // LC_ALL=C: chkconfig translates "on"/"off".
    let cmd = Command::new(&["env", "LC_ALL=C", "chkconfig", "--list"]);
    let out = run_raw(t, &cmd).await?;
    match out.exit_status {
        Some(127) => Ok(None),
        Some(0) => Ok(Some(services::parse_chkconfig_list(&out.stdout_text()))),
        _ => Err(out.failure_reason(&cmd)),
    }
}

async fn getenforce<T: Transport>(t: &T) -> Result<Option<String>, String> {
    if installed(t, "getenforce").await?.is_none() {
        return Ok(None);
    }
    let cmd = Command::new(&["getenforce"]);
    let out = run_raw(t, &cmd).await?;
    match out.exit_status {
        Some(127) => Ok(None),
        Some(0) => selinux::parse_getenforce(&out.stdout_text())
            .map(Some)
            .ok_or_else(|| format!("getenforce printed {:?}", out.stdout_text().trim())),
        _ => Err(out.failure_reason(&cmd)),
    }
}

async fn openssh_version<T: Transport>(t: &T) -> Result<(u32, u32), String> {
    let cmd = Command::new(&["ssh", "-V"]);
    let out = run_raw(t, &cmd).await?;
    // The version goes to stderr; some old builds exit 255 after printing it.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        out.stdout_text()
    );
    sshd_config::openssh_version(&text).ok_or_else(|| out.failure_reason(&cmd))
}

fn ufw_enabled(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .any(|l| {
            l.split_once('=').is_some_and(|(k, v)| {
                k.trim() == "ENABLED"
                    && v.trim()
                        .trim_matches(['"', '\''])
                        .eq_ignore_ascii_case("yes")
            })
        })
}

async fn existing_files<T: Transport>(t: &T, paths: &[&str]) -> Result<Vec<String>, String> {
    let stats = join_all(paths.iter().map(|p| t.stat(p))).await;
    let mut found = Vec::new();
    for (path, stat) in paths.iter().zip(stats) {
        match stat {
            Ok(_) => found.push(path.to_string()),
            Err(ReadError::NotFound(_)) => {}
            Err(e) => return Err(format!("cannot stat {e}")),
        }
    }
    Ok(found)
}

async fn first_executable<T: Transport>(t: &T, paths: &[&str]) -> Result<Option<String>, String> {
    let stats = join_all(paths.iter().map(|p| t.stat(p))).await;
    for (path, stat) in paths.iter().zip(stats) {
        match stat {
            Ok(s) if s.kind == FileKind::File && s.mode & 0o111 != 0 => {
                return Ok(Some(path.to_string()))
            }
            Ok(_) | Err(ReadError::NotFound(_)) => {}
            Err(e) => return Err(format!("cannot stat {e}")),
        }
    }
    Ok(None)
}

async fn lib_paths<T: Transport>(t: &T) -> Result<Vec<LibPath>, String> {
    let links = join_all(LIB_PATHS.iter().map(|p| t.read_link(p))).await;
    let mut found = Vec::new();
    for (path, link) in LIB_PATHS.iter().zip(links) {
        match link {
            Ok(target) => found.push(LibPath {
                path: path.to_string(),
                target,
            }),
            Err(ReadError::NotFound(_)) => {}
            Err(e) => return Err(format!("cannot read the link {e}")),
        }
    }
    Ok(found)
}

fn df_fact(text: Result<String, String>) -> Fact<df::DfRow> {
    Fact::from_result(text.and_then(|t| df::parse_df(&t)).and_then(|rows| {
        df::row_for(&rows, "/")
            .cloned()
            .ok_or_else(|| "df printed no row for /".to_string())
    }))
}

/// The driver facts, and the machine the kernel's configuration was built for.
async fn driver_facts<T: Transport>(
    t: &T,
    kernel: &Fact<String>,
    os: &Fact<OsInfo>,
    proc_modules: Result<String, String>,
) -> (DriverFacts, Option<&'static str>) {
    let loaded =
        Fact::from_result(proc_modules.map(|text| kernel_modules::parse_proc_modules(&text)));
    let Some(k) = kernel.known() else {
        let reason = format!(
            "kernel release unknown: {}",
            kernel.get().err().unwrap_or_default()
        );
        let facts = DriverFacts {
            kernel_config: Fact::unknown(reason.clone()),
            builtin: Fact::unknown(reason.clone()),
            modules: Fact::unknown(reason.clone()),
            initramfs: Fact::unknown(reason),
            loaded,
        };
        return (facts, None);
    };
    let (builtin_path, dep_path) = (
        format!("/lib/modules/{k}/modules.builtin"),
        format!("/lib/modules/{k}/modules.dep"),
    );
    let (config, builtin, dep, initramfs) = tokio::join!(
        kernel_config(t, k),
        read(t, &builtin_path),
        read(t, &dep_path),
        initramfs_listing(t, k, os),
    );
    let mut machine = None;
    let facts = DriverFacts {
        kernel_config: Fact::from_result(config.map(|text| {
            // Thousands of symbols; the check needs the virtio ones, and facts.json stays small.
            let mut symbols = kernel_modules::parse_kernel_config(&text);
            machine = kernel_modules::machine_from_config(&symbols);
            symbols.retain(|name, _| name.contains("VIRTIO"));
            symbols
        })),
        builtin: Fact::from_result(
            builtin.map(|text| kernel_modules::module_names_from_paths(&text)),
        ),
        modules: Fact::from_result(dep.map(|text| kernel_modules::module_names_from_paths(&text))),
        initramfs: Fact::from_result(
            initramfs.map(|text| kernel_modules::modules_in_initramfs(&text)),
        ),
        loaded,
    };
    (facts, machine)
}

/// Where the build configuration of kernel `k` is: /boot on most distributions, /usr/boot on
/// Flatcar, beside the modules on Fedora and Arch; the first that exists is it.
pub fn kernel_config_paths(k: &str) -> [String; 3] {
    [
        format!("/boot/config-{k}"),
        format!("/usr/boot/config-{k}"),
        format!("/lib/modules/{k}/config"),
    ]
}

/// The build configuration of kernel `k`, from the first of [`kernel_config_paths`].
async fn kernel_config<T: Transport>(t: &T, k: &str) -> Result<String, String> {
    let candidates = kernel_config_paths(k);
    for path in &candidates {
        if let Some(text) = read_optional(t, path).await? {
            return Ok(text);
        }
    }
    Err(format!(
        "no kernel configuration: {} do not exist",
        candidates.join(", ")
    ))
}

/// Lists the initramfs of kernel `k`: dracut's `lsinitrd` on most families, initramfs-tools'
/// `lsinitramfs` on Debian and Ubuntu; the other one when the first is not installed.
async fn initramfs_listing<T: Transport>(
    t: &T,
    k: &str,
    os: &Fact<OsInfo>,
) -> Result<String, String> {
    let debian_like = os
        .known()
        .is_some_and(|o| o.family() == os_family::OsFamily::Debian);
    let image = format!("/boot/initrd.img-{k}");
    let lsinitramfs = Command::new(&["lsinitramfs", &image]).privileged();
    let lsinitrd = Command::new(&["lsinitrd"]).privileged();
    let (first, second) = if debian_like {
        (lsinitramfs, lsinitrd)
    } else {
        (lsinitrd, lsinitramfs)
    };
    let out = run_raw(t, &first).await?;
    if out.exit_status != Some(127) {
        return if out.success() {
            Ok(out.stdout_text())
        } else {
            Err(out.failure_reason(&first))
        };
    }
    let out2 = run_raw(t, &second).await?;
    match out2.exit_status {
        Some(0) => Ok(out2.stdout_text()),
        Some(127) => Err("neither lsinitrd nor lsinitramfs is installed".to_string()),
        _ => Err(out2.failure_reason(&second)),
    }
}

/// `tune2fs -l` of the device mounted on /, when it is ext2/3/4.
async fn root_ext_fact<T: Transport>(
    t: &T,
    mounts: &Fact<Vec<Mount>>,
    disk: &Fact<SystemDisk>,
) -> Fact<Option<tune2fs::Ext4Info>> {
    let root = match mounts.get().map(|m| disks::root_mount(m)) {
        Ok(Some(root)) => root,
        Ok(None) => return Fact::unknown("/proc/mounts has no entry for /"),
        Err(reason) => return Fact::unknown(reason),
    };
    if !matches!(root.fstype.as_str(), "ext2" | "ext3" | "ext4") {
        return Fact::Known(None);
    }
    // "/dev/root" is the kernel's alias for the boot device; lsblk knows its real name.
    let device = match (root.device.as_str(), disk.known()) {
        ("/dev/root", Some(d)) => format!("/dev/{}", d.root_device),
        (device, _) => device.to_string(),
    };
    // The superblock as bytes where this user may read the device (root); else tune2fs.
    if let Ok(head) = t.read_head(&device, 2048).await {
        if let Some(raw) = head.bytes.get(1024..2048).and_then(|b| b.try_into().ok()) {
            if let Ok(superblock) = crate::image::ext::Superblock::parse(raw) {
                return Fact::Known(Some(tune2fs::Ext4Info::from_superblock(&superblock)));
            }
        }
    }
    let text = run_cmd(t, Command::new(&["tune2fs", "-l", &device]).privileged()).await;
    Fact::from_result(
        text.and_then(|text| tune2fs::parse_tune2fs(&text))
            .map(Some),
    )
}

/// The system disk's partition table and the types of its partitions, from one read of
/// its first [`partition_table::HEADER_BYTES`] bytes, else from `fdisk -l` (the table only).
async fn partition_table_fact<T: Transport>(
    t: &T,
    disk: &Fact<SystemDisk>,
) -> (Fact<PartitionTableFact>, Fact<Vec<PartitionEntry>>) {
    let device = match disk.get() {
        Ok(d) => format!("/dev/{}", d.name),
        Err(reason) => {
            let reason = format!("system disk unknown: {reason}");
            return (Fact::unknown(reason.clone()), Fact::unknown(reason));
        }
    };
    // The header over SFTP where this user may read the device (root); else `head -c`.
    let bytes = partition_table::HEADER_BYTES.to_string();
    let head = Command::new(&["head", "-c", &bytes, &device]).privileged();
    let header = match t.read_head(&device, partition_table::HEADER_BYTES).await {
        Ok(contents) => Ok(output_of(contents)),
        Err(_) => run_raw(t, &head).await,
    };
    let header_reason = match header {
        Ok(out) if out.success() => match partition_table::from_header(&out.stdout) {
            Ok(table) => {
                let source = format!("the first {} bytes of {device}", out.stdout.len());
                let partitions = Fact::from_result(partition_table::partition_types(&out.stdout));
                return (
                    Fact::Known(PartitionTableFact { table, source }),
                    partitions,
                );
            }
            Err(reason) => reason,
        },
        Ok(out) => out.failure_reason(&head),
        Err(reason) => reason,
    };
    let partitions = Fact::unknown(format!(
        "the disk header could not be read ({header_reason}); fdisk's listing is not read for \
         partition types"
    ));
    // LC_ALL=C: the parser reads fdisk's English messages.
    let fdisk = Command::new(&["env", "LC_ALL=C", "fdisk", "-l", &device]).privileged();
    let table = match run_raw(t, &fdisk).await {
        Ok(out) if out.exit_status != Some(127) => {
            match partition_table::from_fdisk(
                &out.stdout_text(),
                &String::from_utf8_lossy(&out.stderr),
            ) {
                Some(table) => Fact::Known(PartitionTableFact {
                    table,
                    source: format!("fdisk -l {device}"),
                }),
                None => Fact::unknown(format!("{header_reason}; {}", out.failure_reason(&fdisk))),
            }
        }
        Ok(out) => Fact::unknown(format!("{header_reason}; {}", out.failure_reason(&fdisk))),
        Err(reason) => Fact::unknown(format!("{header_reason}; {reason}")),
    };
    (table, partitions)
}

/// A read's bytes as the output of a `head -c` that printed them.
fn output_of(contents: FileContents) -> CommandOutput {
    CommandOutput {
        exit_status: Some(0),
        stdout: contents.bytes,
        stderr: Vec::new(),
        cut: contents.cut,
    }
}

/// Whether [`boot::SYS_FIRMWARE_EFI`] exists.
async fn sys_firmware_efi<T: Transport>(t: &T) -> Fact<bool> {
    match t.stat(boot::SYS_FIRMWARE_EFI).await {
        Ok(_) => Fact::Known(true),
        Err(ReadError::NotFound(_)) => Fact::Known(false),
        Err(e) => Fact::unknown(format!("cannot stat {e}")),
    }
}

/// Folders under one `EFI/` folder that are looked into, and loaders kept: an ESP holds a
/// handful of each.
const MAX_EFI_FOLDERS: usize = 32;
const MAX_EFI_LOADERS: usize = 64;

/// EFI boot loaders on mounted FAT filesystems (the ESP is one, wherever it is mounted:
/// `/boot/efi`, `/efi`, `/boot`): `MOUNT/EFI/DIR/NAME` where [`boot::is_efi_loader`].
/// FAT ignores case, so `EFI` is matched in any case.
async fn efi_loaders<T: Transport>(t: &T, mounts: &Fact<Vec<Mount>>) -> Fact<Vec<String>> {
    let mounts = match mounts.get() {
        Ok(mounts) => mounts,
        Err(reason) => return Fact::unknown(reason),
    };
    let mut found = Vec::new();
    let fat: BTreeSet<&str> = mounts
        .iter()
        .filter(|m| m.fstype == "vfat")
        .map(|m| m.mountpoint.as_str())
        .collect();
    for mountpoint in fat {
        let base = mountpoint.trim_end_matches('/');
        let names = match t.list_dir(mountpoint).await {
            Ok(names) => names,
            Err(ReadError::NotFound(_)) => continue,
            Err(e) => return Fact::unknown(format!("cannot list {e}")),
        };
        let Some(efi) = names.iter().find(|n| n.eq_ignore_ascii_case("EFI")) else {
            continue;
        };
        let folders = match t.list_dir(&format!("{base}/{efi}")).await {
            Ok(folders) => folders,
            Err(ReadError::NotFound(_)) => continue,
            Err(e) => return Fact::unknown(format!("cannot list {e}")),
        };
        for folder in folders.iter().take(MAX_EFI_FOLDERS) {
            if found.len() >= MAX_EFI_LOADERS {
                break;
            }
            let path = format!("{base}/{efi}/{folder}");
            // A file directly under EFI/ is not a folder: listing it fails, and is skipped.
            if let Ok(files) = t.list_dir(&path).await {
                found.extend(
                    files
                        .iter()
                        .filter(|f| boot::is_efi_loader(f))
                        .map(|f| format!("{path}/{f}")),
                );
            }
        }
    }
    Fact::Known(found)
}

/// The main sshd_config found: its path and its text, or why sshd cannot open it.
type MainConfig = Option<(String, Result<String, String>)>;

/// The first sshd_config of [`sshd_config::CONFIG_PATHS`] that exists: (path, text).
/// A main file that is a symlink sshd cannot open (a loop, a dangling target) has, instead of
/// a text, the reason: sshd would not start.
async fn sshd_main_config<T: Transport>(t: &T) -> Result<MainConfig, String> {
    for path in sshd_config::CONFIG_PATHS {
        if let Some(text) = read_optional(t, path).await? {
            return Ok(Some((path.to_string(), Ok(text))));
        }
        // SFTP reports a symlink loop (ELOOP) as "no such file", like a dangling link.
        if let Some(why) = broken_symlink(t, path).await {
            return Ok(Some((path.to_string(), Err(why))));
        }
    }
    Ok(None)
}

/// Why `path`, which cannot be opened, is a symlink that leads nowhere: a loop (ELOOP, as
/// `sshd_config -> sshd_config`) or a dangling link, with the chain of links followed. None
/// when `path` is not a symlink.
async fn broken_symlink<T: Transport>(t: &T, path: &str) -> Option<String> {
    // The kernel gives up after 40 links (ELOOP); so does this.
    const MAX_LINKS: usize = 40;
    let mut chain = vec![path.to_string()];
    let mut current = path.to_string();
    while let Ok(Some(target)) = t.read_link(&current).await {
        let next = if target.starts_with('/') {
            target
        } else {
            let dir = current.rsplit_once('/').map_or("", |(dir, _)| dir);
            format!("{dir}/{target}")
        };
        let looped = chain.contains(&next) || chain.len() > MAX_LINKS;
        chain.push(next.clone());
        if looped {
            return Some(format!(
                "{path} is a symlink loop (ELOOP: {}): sshd cannot open it",
                chain.join(" -> ")
            ));
        }
        current = next;
    }
    (chain.len() > 1).then(|| {
        format!(
            "{path} is a dangling symlink ({}, which does not exist): sshd cannot open it",
            chain.join(" -> ")
        )
    })
}

/// sshd's configuration: `sshd -T` where it runs (see [`sshd_config::sshd_t`]), the files
/// resolved as sshd would where it does not; both when it runs, for the Match blocks `-T`
/// cannot judge for an unknown console address. With the OpenSSH release (`ssh -V`), which
/// decides the keywords that sshd knows.
async fn sshd_config_fact<T: Transport>(
    t: &T,
) -> (
    Fact<Option<sshd_config::SshdConfig>>,
    Result<(u32, u32), String>,
) {
    let (main, group, asked, version) = tokio::join!(
        sshd_main_config(t),
        read_optional(t, "/etc/group"),
        sshd_t_answer(t),
        openssh_version(t),
    );
    let openssh = version.as_ref().ok().copied();
    let config = sshd_config_from(t, main, group, asked, openssh).await;
    (config, version)
}

/// sshd -T's answer, the files resolved, or both (see [`sshd_config_fact`]).
async fn sshd_config_from<T: Transport>(
    t: &T,
    main: Result<MainConfig, String>,
    group: Result<Option<String>, String>,
    asked: sshd_config::sshd_t::SshdT,
    openssh: Option<(u32, u32)>,
) -> Fact<Option<sshd_config::SshdConfig>> {
    use sshd_config::sshd_t::{self, SshdT};
    // Root's primary group is gid 0 on every distribution.
    let groups = group
        .ok()
        .flatten()
        .map(|text| passwd::groups_of("root", 0, &text));
    let connection = sshd_config::Connection::console_root(groups);
    let parsed: Result<Option<sshd_config::SshdConfig>, String> = match main {
        Err(reason) => Err(reason),
        Ok(None) => Ok(None),
        Ok(Some((_, Err(why)))) => Ok(Some(sshd_config::SshdConfig {
            errors: vec![why],
            ..Default::default()
        })),
        Ok(Some((path, Ok(text)))) => sshd_include_files(t, &text).await.map(|files| {
            Some(sshd_config::resolve(
                &path,
                &text,
                &files,
                &connection,
                openssh,
            ))
        }),
    };
    match (asked, parsed) {
        (SshdT::Resolved(config), parsed) => Fact::Known(Some(sshd_t::combine(
            *config,
            parsed.ok().flatten().as_ref(),
        ))),
        (SshdT::Refused(message), parsed) => {
            let mut config = parsed.ok().flatten().unwrap_or_default();
            config.decided_by = sshd_config::DecidedBy::SshdT;
            config.errors = vec![format!("sshd -T: {message}")];
            Fact::Known(Some(config))
        }
        (SshdT::Unavailable(why), Ok(parsed)) => Fact::Known(parsed.map(|mut config| {
            config.warnings.push(format!("sshd -T not used: {why}"));
            config
        })),
        (SshdT::NoHostKeys, Ok(parsed)) => Fact::Known(parsed),
        (SshdT::Unavailable(why), Err(reason)) => {
            Fact::unknown(format!("{reason}; sshd -T: {why}"))
        }
        (SshdT::NoHostKeys, Err(reason)) => Fact::unknown(format!(
            "{reason}; sshd -T: no host key is readable by this user (set become = true)"
        )),
    }
}

/// Sockets that accept a connection from any user on most systems. `sshd -T` run without
/// root cannot read the private host keys and stops; given a HostKeyAgent it can connect
/// to, it takes the public halves instead (it never talks to the agent in test mode).
const AGENT_SOCKETS: &[&str] = &[
    "/run/dbus/system_bus_socket",
    "/var/run/dbus/system_bus_socket",
    "/run/systemd/journal/stdout",
];

/// `sshd -T -C user=root,…` (privileged), again with a HostKeyAgent when the host keys
/// cannot be read.
async fn sshd_t_answer<T: Transport>(t: &T) -> sshd_config::sshd_t::SshdT {
    use sshd_config::sshd_t::{interpret, SshdT, TEST_SPEC};
    let ask = |extra: Vec<String>| async move {
        let mut argv = vec!["/usr/sbin/sshd".to_string(), "-T".to_string()];
        argv.extend(extra);
        argv.extend(["-C".to_string(), TEST_SPEC.to_string()]);
        let words: Vec<&str> = argv.iter().map(String::as_str).collect();
        let cmd = Command::new(&words).privileged();
        match run_raw(t, &cmd).await {
            Ok(CommandOutput { cut: Some(cut), .. }) => {
                SshdT::Unavailable(format!("`{}` printed {cut}", cmd.display()))
            }
            Ok(out) => interpret(
                out.exit_status,
                &out.stdout_text(),
                &String::from_utf8_lossy(&out.stderr),
            ),
            Err(reason) => SshdT::Unavailable(reason),
        }
    };
    let first = ask(Vec::new()).await;
    if first != SshdT::NoHostKeys {
        return first;
    }
    let stats = join_all(AGENT_SOCKETS.iter().map(|p| t.stat(p))).await;
    let socket = AGENT_SOCKETS
        .iter()
        .zip(stats)
        .find(|(_, stat)| matches!(stat, Ok(s) if s.kind == FileKind::Other))
        .map(|(path, _)| *path);
    match socket {
        Some(socket) => ask(vec!["-o".to_string(), format!("HostKeyAgent={socket}")]).await,
        None => SshdT::NoHostKeys,
    }
}

/// How many files an Include tree may pull in, and how many paths one pattern may expand
/// to, before collection stops.
const MAX_SSHD_FILES: usize = 256;
/// The bytes of included files read for one host.
const MAX_SSHD_BYTES: usize = 16 << 20;

/// Every path the Include patterns of `main` name, and of the files those name, breadth
/// first, read one at a time: what sshd would find there.
async fn sshd_include_files<T: Transport>(
    t: &T,
    main: &str,
) -> Result<BTreeMap<String, sshd_config::IncludedFile>, String> {
    use sshd_config::IncludedFile;
    let mut files: BTreeMap<String, IncludedFile> = BTreeMap::new();
    let mut pending: std::collections::VecDeque<String> =
        sshd_config::include_patterns(main).into();
    let mut seen_patterns: BTreeSet<String> = BTreeSet::new();
    let mut bytes = main.len();
    while let Some(pattern) = pending.pop_front() {
        if !seen_patterns.insert(pattern.clone()) {
            continue;
        }
        for path in expand_include(t, &pattern).await {
            if files.contains_key(&path) {
                continue;
            }
            if files.len() >= MAX_SSHD_FILES {
                return Err(format!(
                    "sshd's Include patterns name more than {MAX_SSHD_FILES} files \
                     (at {pattern}): not read further"
                ));
            }
            let Some(file) = included_file(t, &path, MAX_SSHD_BYTES - bytes).await? else {
                continue;
            };
            if let IncludedFile::Text(text) = &file {
                bytes += text.len();
                if bytes > MAX_SSHD_BYTES {
                    return Err(sshd_too_large(&path));
                }
                pending.extend(sshd_config::include_patterns(text));
            }
            files.insert(path, file);
        }
    }
    Ok(files)
}

/// The paths glob(3) gives for `pattern`, component by component: a literal component is
/// taken as it is, a wildcard one is matched against the folder's listing. Folders that
/// cannot be listed give nothing, as in glob without GLOB_ERR.
async fn expand_include<T: Transport>(t: &T, pattern: &str) -> Vec<String> {
    let Some(relative) = pattern.strip_prefix('/') else {
        return Vec::new(); // "~/…": relative to sshd's working folder, matches nothing.
    };
    let mut prefixes = vec![String::new()];
    for component in relative.split('/').filter(|c| !c.is_empty()) {
        if !sshd_config::has_wildcard(component) {
            let unescaped = component.replace('\\', "");
            prefixes.iter_mut().for_each(|p| {
                p.push('/');
                p.push_str(&unescaped);
            });
            continue;
        }
        let mut next = Vec::new();
        for prefix in &prefixes {
            let folder = if prefix.is_empty() {
                "/"
            } else {
                prefix.as_str()
            };
            let Ok(names) = t.list_dir(folder).await else {
                continue;
            };
            next.extend(
                names
                    .iter()
                    .filter(|n| sshd_config::component_matches(component.as_bytes(), n.as_bytes()))
                    .map(|n| format!("{prefix}/{n}")),
            );
            if next.len() > MAX_SSHD_FILES {
                break;
            }
        }
        prefixes = next;
    }
    prefixes.sort();
    prefixes
}

fn sshd_too_large(path: &str) -> String {
    format!(
        "sshd's configuration with its Include files is larger than {} MiB (at {path}): not \
         read further",
        MAX_SSHD_BYTES >> 20
    )
}

/// What sshd finds at `path`; None when nothing is there; Err when this user cannot tell, or
/// the file is larger than `room` bytes (it is not read then).
async fn included_file<T: Transport>(
    t: &T,
    path: &str,
    room: usize,
) -> Result<Option<sshd_config::IncludedFile>, String> {
    use sshd_config::IncludedFile;
    match t.stat(path).await {
        Ok(stat) if stat.kind == FileKind::File && stat.size > room as u64 => {
            Err(sshd_too_large(path))
        }
        Ok(stat) if stat.kind == FileKind::Directory => Ok(Some(IncludedFile::Directory)),
        Ok(stat) if stat.kind == FileKind::Other => Ok(Some(IncludedFile::Unreadable(
            "not a regular file (a FIFO, socket or device): sshd would block or fail \
             reading it"
                .to_string(),
        ))),
        Ok(_) => match read_optional(t, path).await? {
            Some(text) => Ok(Some(IncludedFile::Text(text))),
            None => Ok(None),
        },
        // glob(3) lstat()s: a dangling or looping symlink is a match sshd cannot open.
        Err(ReadError::NotFound(_)) => match t.read_link(path).await {
            Ok(Some(target)) => Ok(Some(IncludedFile::Unreadable(format!(
                "a symlink to {target} that leads to no file"
            )))),
            _ => Ok(None),
        },
        Err(e) => Err(format!("cannot read sshd Include file {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Answer, Replay};

    fn printed(argv: &[&str], stdout: &str) -> Answer {
        Answer::Exec {
            command: Command::new(argv),
            millis: 0,
            result: Ok(CommandOutput {
                exit_status: Some(0),
                stdout: stdout.as_bytes().to_vec(),
                stderr: Vec::new(),
                cut: None,
            }),
        }
    }

    fn file(path: &str, text: &str) -> Answer {
        Answer::Read {
            path: path.to_string(),
            millis: 0,
            result: Ok(FileContents {
                bytes: text.as_bytes().to_vec(),
                cut: None,
            }),
        }
    }

    fn missing(path: &str) -> Answer {
        Answer::Read {
            path: path.to_string(),
            millis: 0,
            result: Err(ReadError::NotFound(path.to_string())),
        }
    }

    fn collected(answers: &[Answer]) -> Facts {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(collect_with(&Replay::new(answers), false))
    }

    #[test]
    fn kernel_name_and_release_come_from_proc_and_the_machine_from_the_configuration() {
        let facts = collected(&[
            file("/proc/sys/kernel/ostype", "Linux\n"),
            file("/proc/sys/kernel/osrelease", "6.1.0-17-amd64\n"),
            file(
                "/boot/config-6.1.0-17-amd64",
                "CONFIG_64BIT=y\nCONFIG_X86_64=y\n",
            ),
            printed(&["uname", "-m"], "wrong\n"),
        ]);
        assert_eq!(
            facts.kernel.known().map(String::as_str),
            Some("6.1.0-17-amd64")
        );
        assert_eq!(
            facts.architecture.known().map(String::as_str),
            Some("x86_64")
        );
    }

    #[test]
    fn a_32_bit_kernel_asks_uname_for_its_machine() {
        let facts = collected(&[
            file("/proc/sys/kernel/ostype", "Linux\n"),
            file("/proc/sys/kernel/osrelease", "6.1.0-17-686-pae\n"),
            file("/boot/config-6.1.0-17-686-pae", "CONFIG_X86_32=y\n"),
            printed(&["uname", "-m"], "i686\n"),
        ]);
        assert_eq!(facts.architecture.known().map(String::as_str), Some("i686"));
    }

    fn listing(path: &str, names: &[&str]) -> Answer {
        Answer::ListDir {
            path: path.to_string(),
            millis: 0,
            result: if names.is_empty() {
                Err(ReadError::NotFound(path.to_string()))
            } else {
                Ok(names.iter().map(|n| n.to_string()).collect())
            },
        }
    }

    #[test]
    fn units_with_files_are_asked_together_and_a_sysv_script_alone() {
        // CentOS 7 (systemd 219): sshd and NetworkManager are native, network is a SysV
        // script that systemctl answers through chkconfig, before any other unit.
        let mut answers: Vec<Answer> = services::SYSTEM_UNIT_PATH
            .iter()
            .map(|folder| match *folder {
                "/usr/lib/systemd/system" => listing(
                    folder,
                    &["NetworkManager.service", "sshd.service", "sshd.socket"],
                ),
                _ => listing(folder, &[]),
            })
            .collect();
        answers.push(listing(
            "/etc/rc.d/init.d",
            &["functions", "netconsole", "network"],
        ));
        answers.push(listing(
            "/etc/init.d",
            &["functions", "netconsole", "network"],
        ));
        answers.push(printed(
            &[
                "systemctl",
                "is-enabled",
                "sshd.service",
                "sshd.socket",
                "NetworkManager.service",
            ],
            "enabled\ndisabled\nenabled\n",
        ));
        answers.push(printed(
            &["systemctl", "is-enabled", "network.service"],
            "enabled\n",
        ));
        let facts = collected(&answers);
        let state = |unit: &str| facts.units_enabled[unit].known().copied();
        assert_eq!(state("sshd.service"), Some(UnitEnabled::Enabled));
        assert_eq!(state("sshd.socket"), Some(UnitEnabled::Disabled));
        assert_eq!(state("NetworkManager.service"), Some(UnitEnabled::Enabled));
        assert_eq!(state("network.service"), Some(UnitEnabled::Enabled));
        assert_eq!(state("ssh.service"), Some(UnitEnabled::NotFound));
        assert_eq!(
            state("qemu-guest-agent.service"),
            Some(UnitEnabled::NotFound)
        );
    }

    #[test]
    fn without_proc_uname_answers_name_release_and_machine_in_one_call() {
        // FreeBSD 13's uname: no /proc/sys, and a kernel release no release file names.
        let facts = collected(&[
            missing("/proc/sys/kernel/ostype"),
            missing("/proc/sys/kernel/osrelease"),
            printed(&["uname", "-s", "-r", "-m"], "FreeBSD 13.2-RELEASE amd64\n"),
        ]);
        assert_eq!(
            facts.kernel.known().map(String::as_str),
            Some("13.2-RELEASE")
        );
        assert_eq!(
            facts.architecture.known().map(String::as_str),
            Some("amd64")
        );
        let os = facts.os.known().expect("FreeBSD from uname -s");
        assert_eq!(os.id, "freebsd");
    }

    #[test]
    fn ufw_conf_enabled_flag() {
        let shipped = "# /etc/ufw/ufw.conf\n#\n\n# Set to yes to start on boot. If setting this remotely, be sure to add a rule\n# to allow your remote connection before starting ufw. Eg: 'ufw allow 22/tcp'\nENABLED=no\n\n# Please use the 'ufw' command to set the loglevel. Eg: 'ufw logging medium'.\n# See 'man ufw' for details.\nLOGLEVEL=low\n";
        assert!(!ufw_enabled(shipped));
        assert!(ufw_enabled(&shipped.replace("ENABLED=no", "ENABLED=yes")));
        assert!(!ufw_enabled("#ENABLED=yes\n"));
    }
}
