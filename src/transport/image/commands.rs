//! The collector's commands, answered from a disk image's structures and printed as the
//! real tool prints them on the system in the image, so that the same parsers read them:
//! `uname` (the kernel of the default boot entry, the machine of `/bin/sh`'s ELF header),
//! `lsblk` and `blkid` (the partition table, LVM metadata and superblocks), `df` (the root
//! superblock's counters, as statfs computes them), `tune2fs -l`, `lsattr` (XFS inode
//! flags), `head -c N /dev/DISK`, `systemctl is-enabled` and `chkconfig --list` (the unit
//! files and links), `ssh -V` (the version string inside the ssh binary) and the
//! initramfs listing.
//!
//! A program the image does not have exits 127, as it would there. What only a running
//! system knows (loaded modules, active units, the SELinux mode, sshd's resolved
//! configuration) is an error that says it is not knowable from a disk image.

use super::system::{Fs, Place, System};
use super::{boot_entry, units};
use crate::image::volumes::Content;
use crate::image::xfs;
use crate::transport::{CommandOutput, FileKind, OUTPUT_CAP};

/// The most `head -c` gives: the partition table reader asks for 24 KiB.
const HEAD_MAX: u64 = 1 << 20;

/// The answer to `argv`, or why it cannot be given from an image.
pub fn answer(system: &System, argv: &[String]) -> Result<CommandOutput, String> {
    let args: Vec<&str> = argv.iter().map(String::as_str).collect();
    let program = match args.as_slice() {
        ["env", setting, program, ..] if setting.contains('=') => program,
        [program, ..] => program,
        [] => return Err("an empty command".to_string()),
    };
    // Answered below from the image's files, but only where the program is there to ask;
    // any other program is looked for by the last arm.
    let needs_program = ["systemctl", "chkconfig", "ssh", "lsinitrd", "lsinitramfs"];
    if needs_program.contains(program) && installed(system, program).is_none() {
        return Ok(not_installed(program));
    }
    match args.as_slice() {
        ["uname", options @ ..] => uname(system, options).map(printed),
        ["lsblk", "-b", "-P", "-o", "NAME,TYPE,SIZE,MOUNTPOINT"] => Ok(printed(lsblk(system))),
        ["blkid"] => Ok(printed(blkid(system))),
        ["df", "-P", "-k", "/"] => df(system, false).map(printed),
        ["df", "-P", "-i", "/"] => df(system, true).map(printed),
        ["tune2fs", "-l", device] => Ok(tune2fs(system, device)),
        ["lsattr", path] => lsattr(system, path).map(printed),
        ["head", "-c", count, device] => head(system, count, device),
        ["systemctl", "is-enabled", names @ ..] => Ok(units::is_enabled(system, names)),
        ["env", "LC_ALL=C", "chkconfig", "--list"] => Ok(printed(units::chkconfig_list(system))),
        ["ssh", "-V"] => ssh_version(system),
        ["lsinitrd"] => {
            let kernel = boot_entry::default_entry(system)?.kernel;
            initramfs_listing(system, &format!("/boot/initramfs-{kernel}.img"))
        }
        ["lsinitramfs", image] => initramfs_listing(system, image),
        _ if installed(system, program).is_none() => Ok(not_installed(program)),
        _ => Err("not knowable from a disk image (nothing runs in it)".to_string()),
    }
}

/// What a command that ran would give back: its exit status, stdout and stderr.
pub(super) fn output(
    status: u32,
    stdout: impl Into<Vec<u8>>,
    stderr: impl Into<Vec<u8>>,
) -> CommandOutput {
    CommandOutput {
        exit_status: Some(status),
        stdout: stdout.into(),
        stderr: stderr.into(),
        cut: None,
    }
}

fn printed(stdout: impl Into<String>) -> CommandOutput {
    output(0, stdout.into(), "")
}

fn failed(status: u32, stderr: String) -> CommandOutput {
    output(status, "", stderr)
}

fn not_installed(program: &str) -> CommandOutput {
    failed(127, format!("sh: {program}: command not found\n"))
}

/// Where `program` is on the image's PATH, as an executable file.
fn installed(system: &System, program: &str) -> Option<String> {
    crate::facts::PROGRAM_PATH
        .iter()
        .map(|dir| format!("{dir}/{program}"))
        .find(|path| {
            system
                .stat(path)
                .is_ok_and(|s| s.kind == FileKind::File && s.mode & 0o111 != 0)
        })
}

/// `uname` with any of `-s`, `-r`, `-m`, printed in uname's order whatever the order given.
fn uname(system: &System, options: &[&str]) -> Result<String, String> {
    let mut words = Vec::new();
    for option in ["-s", "-r", "-m"] {
        if !options.contains(&option) {
            continue;
        }
        words.push(match option {
            "-s" => "Linux".to_string(),
            "-r" => boot_entry::default_entry(system)?.kernel,
            _ => machine(system)?.trim_end().to_string(),
        });
    }
    if words.is_empty() || words.len() != options.len() {
        return Err(format!(
            "uname {} is not answered from an image",
            options.join(" ")
        ));
    }
    Ok(words.join(" ") + "\n")
}

/// Programs whose ELF header tells the architecture the image's userland was built for.
const ELF_PROGRAMS: [&str; 5] = [
    "/bin/sh",
    "/sbin/init",
    "/usr/lib/systemd/systemd",
    "/bin/bash",
    "/usr/bin/env",
];

/// `uname -m`: the machine of the first ELF program found, else the default kernel's
/// build configuration, else its release's suffix (`.x86_64`, `-amd64`, `.aarch64`).
fn machine(system: &System) -> Result<String, String> {
    let from_elf = ELF_PROGRAMS.iter().find_map(|path| {
        let header = system.read(path, 64).ok()?.bytes;
        elf_machine(&header)
    });
    let from_kernel = || {
        let kernel = boot_entry::default_entry(system).ok()?.kernel;
        let config = crate::facts::kernel_config_paths(&kernel)
            .iter()
            .find_map(|path| system.read(path, OUTPUT_CAP).ok())
            .map(|c| String::from_utf8_lossy(&c.bytes).into_owned())
            .unwrap_or_default();
        let symbols = crate::facts::kernel_modules::parse_kernel_config(&config);
        let by_config = crate::facts::kernel_modules::machine_from_config(&symbols)
            .or_else(|| (symbols.get("CONFIG_X86_32") == Some(&'y')).then_some("i686"));
        let by_release = [
            (".x86_64", "x86_64"),
            ("-amd64", "x86_64"),
            (".aarch64", "aarch64"),
            ("-arm64", "aarch64"),
        ]
        .iter()
        .find(|(suffix, _)| kernel.ends_with(suffix))
        .map(|(_, name)| *name);
        by_config.or(by_release)
    };
    from_elf
        .or_else(from_kernel)
        .map(|name| format!("{name}\n"))
        .ok_or_else(|| {
            "no ELF program (/bin/sh, /sbin/init, ...) and no kernel \
             configuration or release suffix in the image tells the architecture"
                .to_string()
        })
}

/// `uname -m`'s name for the machine of an ELF header.
fn elf_machine(header: &[u8]) -> Option<&'static str> {
    if header.len() < 20 || &header[..4] != b"\x7fELF" {
        return None;
    }
    let (wide, little) = (header[4] == 2, header[5] == 1);
    let machine = if little {
        u16::from_le_bytes([header[18], header[19]])
    } else {
        u16::from_be_bytes([header[18], header[19]])
    };
    Some(match (machine, wide, little) {
        (0x3E, _, _) => "x86_64",
        (0x03, _, _) => "i686",
        (0xB7, _, _) => "aarch64",
        (0x28, _, _) => "armv7l",
        (0xF3, true, _) => "riscv64",
        (0x15, true, true) => "ppc64le",
        (0x15, true, false) => "ppc64",
        (0x16, _, _) => "s390x",
        (0x102, _, _) => "loongarch64",
        _ => return None,
    })
}

/// `lsblk -b -P -o NAME,TYPE,SIZE,MOUNTPOINT`: the disk, then each partition with the
/// logical volumes on it, as lsblk walks the tree.
fn lsblk(system: &System) -> String {
    let line = |name: &str, kind: &str, size: u64, at: Option<usize>| {
        let mountpoint = at.and_then(|i| system.mountpoint_of(i)).unwrap_or("");
        format!("NAME=\"{name}\" TYPE=\"{kind}\" SIZE=\"{size}\" MOUNTPOINT=\"{mountpoint}\"\n")
    };
    let whole = system
        .volumes
        .iter()
        .position(|v| v.found.place == Place::WholeDisk);
    let mut text = line(&system.disk_name, "disk", system.disk.size(), whole);
    for (index, volume) in system.volumes.iter().enumerate() {
        match volume.found.place {
            Place::Partition(_) => text.push_str(&line(
                &volume.name,
                "part",
                volume.found.disk.size(),
                Some(index),
            )),
            Place::WholeDisk => {}
            Place::Lv { .. } => continue,
        }
        for (lv_index, lv) in system.volumes.iter().enumerate() {
            if matches!(&lv.found.place, Place::Lv { on, .. } if *on == index) {
                text.push_str(&line(&lv.name, "lvm", lv.found.disk.size(), Some(lv_index)));
            }
        }
    }
    text
}

/// `blkid`: each volume with a known content, `DEVICE: UUID="..." TYPE="..."`.
fn blkid(system: &System) -> String {
    system
        .volumes
        .iter()
        .filter(|v| !v.tags.fstype.is_empty())
        .map(|v| {
            let mut line = format!("{}:", v.device);
            if !v.tags.label.is_empty() {
                line.push_str(&format!(" LABEL=\"{}\"", v.tags.label.replace('"', "\\\"")));
            }
            if !v.tags.uuid.is_empty() {
                line.push_str(&format!(" UUID=\"{}\"", v.tags.uuid));
            }
            line.push_str(&format!(" TYPE=\"{}\"\n", v.tags.fstype));
            line
        })
        .collect()
}

/// `df -P -k /` or `df -P -i /` of the root file system, from its superblock as the
/// kernel's statfs computes the figures (ext4: total less the metadata overhead, available
/// less the root reserve; XFS: total less an internal log, inodes as many as the free space
/// could still hold).
fn df(system: &System, inodes: bool) -> Result<String, String> {
    let root = system.root();
    let (total, free, available) = match (&root.found.content, &root.fs) {
        (Content::Ext(sb), _) if inodes => {
            let (total, free) = (u64::from(sb.inodes), u64::from(sb.free_inodes));
            (total, free, free)
        }
        (Content::Ext(sb), _) => {
            let kib = sb.block_size / 1024;
            let total = sb.blocks.saturating_sub(sb.overhead());
            let available = sb.free_blocks.saturating_sub(sb.reserved_blocks);
            (total * kib, sb.free_blocks * kib, available * kib)
        }
        (_, Some(Fs::Xfs(fs))) => {
            let s = fs.summary();
            if inodes {
                xfs_inodes(s)
            } else {
                let kib = s.block_size / 1024;
                let total = s.blocks.saturating_sub(s.log_blocks);
                (total * kib, s.free_blocks * kib, s.free_blocks * kib)
            }
        }
        _ => return Err(format!("{} is not ext2/3/4 or XFS", root.device)),
    };
    let used = total.saturating_sub(free);
    // df rounds the percentage up.
    let percent = match used + available {
        0 => "-".to_string(),
        all => format!("{}%", (used * 100).div_ceil(all)),
    };
    let header = if inodes {
        "Filesystem            Inodes    IUsed    IFree IUse% Mounted on"
    } else {
        "Filesystem         1024-blocks      Used Available Capacity Mounted on"
    };
    Ok(format!(
        "{header}\n{:<18} {total:>11} {used:>9} {available:>9} {percent:>8} /\n",
        root.device
    ))
}

/// (total, free, free) inodes of an XFS as xfs_fs_statfs computes them.
fn xfs_inodes(s: &xfs::Summary) -> (u64, u64, u64) {
    let could_add = s.free_blocks << s.inodes_per_block_log;
    let mut total = s.inodes_allocated.saturating_add(could_add);
    if s.inode_max_percent > 0 {
        let max = (s.blocks * u64::from(s.inode_max_percent) / 100) << s.inodes_per_block_log;
        total = total.min(max);
    }
    let total = total.max(s.inodes_allocated);
    let used = s.inodes_allocated.saturating_sub(s.inodes_free);
    let free = total.saturating_sub(used);
    (total, free, free)
}

/// `tune2fs -l DEVICE`: the superblock fields, as e2fsprogs' list_super2 prints them; the
/// error tune2fs gives for a device that holds no ext file system.
fn tune2fs(system: &System, device: &str) -> CommandOutput {
    let Some(volume) = system.volume(device) else {
        return failed(
            1,
            format!("tune2fs: No such file or directory while trying to open {device}\n"),
        );
    };
    let Content::Ext(sb) = &volume.found.content else {
        return failed(
            1,
            format!(
                "tune2fs: Bad magic number in super-block while trying to open {device}\n{device} \
                 contains a {} file system\n",
                volume.tags.fstype
            ),
        );
    };
    let features = sb.feature_names();
    let field =
        |name: &str, value: &dyn std::fmt::Display| format!("{:<26}{value}\n", format!("{name}:"));
    let mut text = String::new();
    let label = if sb.label.is_empty() {
        "<none>"
    } else {
        &sb.label
    };
    text.push_str(&field("Filesystem volume name", &label));
    text.push_str(&field("Filesystem UUID", &sb.uuid));
    text.push_str(&field("Filesystem magic number", &"0xEF53"));
    text.push_str(&field(
        "Filesystem features",
        &if features.is_empty() {
            "(none)".to_string()
        } else {
            features.join(" ")
        },
    ));
    text.push_str(&field("Inode count", &sb.inodes));
    text.push_str(&field("Block count", &sb.blocks));
    text.push_str(&field("Reserved block count", &sb.reserved_blocks));
    text.push_str(&field("Free blocks", &sb.free_blocks));
    text.push_str(&field("Free inodes", &sb.free_inodes));
    text.push_str(&field("First block", &sb.first_data_block));
    text.push_str(&field("Block size", &sb.block_size));
    text.push_str(&field("Blocks per group", &sb.blocks_per_group));
    text.push_str(&field("Inodes per group", &sb.inodes_per_group));
    text.push_str(&format!("Inode size:\t          {}\n", sb.inode_size));
    printed(text)
}

/// `lsattr PATH` on XFS, from the inode's flags, in e2fsprogs 1.45's column order. The ext
/// reader does not give inode flags, so there it is not knowable.
fn lsattr(system: &System, path: &str) -> Result<String, String> {
    let (fs, inner) = system.fs_for(path).map_err(|e| e.to_string())?;
    let Fs::Xfs(fs) = fs else {
        return Err(
            "the inode flags of an ext file system are not read from images: not knowable \
             from a disk image"
                .to_string(),
        );
    };
    let stat = fs
        .stat(&inner)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("lsattr: No such file or directory while trying to stat {path}"))?;
    let letters = "suSDiadAcEjItTeCFNPV";
    let flags: String = letters
        .chars()
        .map(|letter| match letter {
            'i' if stat.flags & xfs::FLAG_IMMUTABLE != 0 => 'i',
            'a' if stat.flags & xfs::FLAG_APPEND != 0 => 'a',
            _ => '-',
        })
        .collect();
    Ok(format!("{flags} {path}\n"))
}

/// `head -c COUNT DEVICE` of the disk or one of its volumes.
fn head(system: &System, count: &str, device: &str) -> Result<CommandOutput, String> {
    let count: u64 = count
        .parse()
        .map_err(|_| format!("head: invalid number of bytes: {count:?}"))?;
    let disk = if device == format!("/dev/{}", system.disk_name) {
        &system.disk
    } else {
        match system.volume(device) {
            Some(volume) => &volume.found.disk,
            None => {
                return Ok(failed(
                    1,
                    format!(
                        "head: cannot open '{device}' for reading: No such file or directory\n"
                    ),
                ))
            }
        }
    };
    let len = count.min(HEAD_MAX).min(disk.size());
    let mut bytes = vec![0u8; len as usize];
    disk.read_at(0, &mut bytes).map_err(|e| e.to_string())?;
    Ok(output(0, bytes, ""))
}

/// `ssh -V`: the version string compiled into the image's ssh, printed on stderr as ssh
/// does. Patterns of its compatibility table (`OpenSSH_7.0*`, `OpenSSH_6.6.1*`) are not
/// versions; of the rest, the highest is taken.
fn ssh_version(system: &System) -> Result<CommandOutput, String> {
    let path = installed(system, "ssh").ok_or("ssh is not installed")?;
    let bytes = system
        .read(&path, OUTPUT_CAP)
        .map_err(|e| e.to_string())?
        .bytes;
    let version = openssh_version_in(&bytes)
        .ok_or_else(|| format!("no OpenSSH version string in the image's {path}"))?;
    // ssh prints its version on stderr.
    Ok(output(0, "", format!("{version}\n")))
}

/// The highest `OpenSSH_N.N[pN]` in a program's bytes that is not followed by `*` or `.`.
fn openssh_version_in(bytes: &[u8]) -> Option<String> {
    let marker = b"OpenSSH_";
    let mut best: Option<((u32, u32, u32), String)> = None;
    let mut at = 0;
    while let Some(found) = bytes[at..].windows(marker.len()).position(|w| w == marker) {
        let start = at + found;
        let rest = &bytes[start + marker.len()..];
        let len = rest
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b'.' || *b == b'p'))
            .unwrap_or(rest.len());
        at = start + marker.len();
        let token = std::str::from_utf8(&rest[..len]).ok()?;
        if matches!(rest.get(len), Some(b'*')) || token.ends_with('.') {
            continue;
        }
        let mut numbers = token.split(['.', 'p']).map(|n| n.parse::<u32>().ok());
        let (Some(Some(major)), Some(Some(minor))) = (numbers.next(), numbers.next()) else {
            continue;
        };
        let patch = numbers.next().flatten().unwrap_or(0);
        let key = (major, minor, patch);
        if best.as_ref().is_none_or(|(b, _)| key > *b) {
            best = Some((key, format!("OpenSSH_{token}")));
        }
    }
    best.map(|(_, version)| version)
}

/// The paths inside the initramfs at `path`, one per line, as lsinitrd lists them.
fn initramfs_listing(system: &System, path: &str) -> Result<CommandOutput, String> {
    let (fs, inner) = system.fs_for(path).map_err(|e| e.to_string())?;
    let reader = fs.open_file(&inner).map_err(|e| e.to_string())?;
    let paths = crate::image::initramfs::paths(reader).map_err(|e| format!("{path}: {e}"))?;
    let mut text = String::new();
    for line in paths {
        text.push_str(&line);
        text.push('\n');
    }
    Ok(printed(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssh_version_is_the_programs_own_not_a_compatibility_pattern() {
        let binary = b"\0OpenSSH_2.*,OpenSSH_3.0*\0OpenSSH_6.6.1*\0OpenSSH_7.0*,OpenSSH_7.1*\0\
                       OpenSSH_8.7p1\0SSH-2.0-%.100s\0OpenSSH*\0";
        assert_eq!(openssh_version_in(binary).as_deref(), Some("OpenSSH_8.7p1"));
        let script = b"echo 'OpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017' >&2";
        assert_eq!(openssh_version_in(script).as_deref(), Some("OpenSSH_7.4p1"));
        assert_eq!(openssh_version_in(b"OpenSSH_7.0*,OpenSSH_6.6.1*"), None);
    }

    #[test]
    fn xfs_inode_figures_follow_the_kernels_statfs() {
        let summary = xfs::Summary {
            uuid: String::new(),
            label: String::new(),
            block_size: 4096,
            blocks: 1_000_000,
            log_blocks: 2560,
            free_blocks: 900_000,
            inodes_allocated: 64_000,
            inodes_free: 1_000,
            inode_max_percent: 25,
            inodes_per_block_log: 3,
        };
        // 64,000 + 900,000 × 8 would exceed 25 % of the blocks × 8 inodes each.
        assert_eq!(xfs_inodes(&summary), (2_000_000, 1_937_000, 1_937_000));
    }
}
