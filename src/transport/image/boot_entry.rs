//! The kernel an image boots by default, and its command line: what `uname -r` and
//! /proc/cmdline would say once the image runs.
//!
//! Read as the boot loader decides, in order:
//! 1. Boot Loader Specification entries (`/boot/loader/entries/*.conf`, RHEL/CentOS 8+,
//!    Fedora, Alibaba Cloud Linux 3): the entry grubenv's `saved_entry` names, else the
//!    highest version, as GRUB's blscfg sorts them.
//! 2. GRUB 2's `grub.cfg` (`/boot/grub2`, `/boot/grub`): `set default=` (an index such as
//!    `0` or `1>2`, a title, an id, or `${saved_entry}` from grubenv), else the first entry.
//! 3. GRUB legacy's `grub.conf` / `menu.lst` (CentOS 6, SLES 11): `default=N`.
//! 4. Else the one kernel in `/lib/modules`, or the highest version there.

use super::system::System;
use crate::transport::{FileContents, ReadError};

/// A boot entry: the kernel release and the arguments it is started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootEntry {
    pub kernel: String,
    /// The kernel's command line without BOOT_IMAGE; None when the source does not give one.
    pub options: Option<String>,
}

const GRUBENV: [&str; 2] = ["/boot/grub2/grubenv", "/boot/grub/grubenv"];
const GRUB_CFG: [&str; 2] = ["/boot/grub2/grub.cfg", "/boot/grub/grub.cfg"];
const GRUB_LEGACY: [&str; 3] = [
    "/boot/grub/grub.conf",
    "/boot/grub/menu.lst",
    "/etc/grub.conf",
];
const BLS_DIR: &str = "/boot/loader/entries";
/// BLS entries read: a real /boot holds a handful.
const BLS_MAX: usize = 64;

fn text(system: &System, path: &str) -> Option<String> {
    let contents = system.read(path, crate::transport::OUTPUT_CAP).ok()?;
    Some(String::from_utf8_lossy(&contents.bytes).into_owned())
}

/// The default boot entry, or why none can be told; looked for once per image.
pub fn default_entry(system: &System) -> Result<BootEntry, String> {
    system
        .default_boot
        .get_or_init(|| find_default_entry(system))
        .clone()
}

fn find_default_entry(system: &System) -> Result<BootEntry, String> {
    let grubenv = GRUBENV
        .iter()
        .find_map(|p| text(system, p))
        .map(|t| parse_grubenv(&t))
        .unwrap_or_default();
    let saved = grubenv
        .iter()
        .find(|(k, _)| k == "saved_entry")
        .map(|(_, v)| v.as_str());
    let kernelopts = grubenv
        .iter()
        .find(|(k, _)| k == "kernelopts")
        .map(|(_, v)| v.as_str());
    if let Some(entry) = bls_default(system, saved, kernelopts) {
        return Ok(entry);
    }
    if let Some(entry) = GRUB_CFG
        .iter()
        .find_map(|p| text(system, p))
        .and_then(|cfg| grub_cfg_default(&cfg, saved))
        .and_then(|entry| resolve_kernel(system, entry))
    {
        return Ok(entry);
    }
    if let Some(entry) = GRUB_LEGACY
        .iter()
        .find_map(|p| text(system, p))
        .and_then(|conf| grub_legacy_default(&conf))
        .and_then(|entry| resolve_kernel(system, entry))
    {
        return Ok(entry);
    }
    let mut kernels = ["/lib/modules", "/usr/lib/modules"]
        .iter()
        .find_map(|dir| system.list_dir(dir).ok().filter(|k| !k.is_empty()))
        .ok_or("the image has no boot entry and no kernel in /lib/modules")?;
    kernels.sort_by(|a, b| version_order(a, b));
    Ok(BootEntry {
        kernel: kernels.pop().unwrap_or_default(),
        options: None,
    })
}

/// /proc/cmdline as the default entry would start the kernel; not knowable when the boot
/// loader's configuration does not give the arguments.
pub fn proc_cmdline(system: &System) -> Result<FileContents, ReadError> {
    let entry = default_entry(system).ok();
    match entry {
        Some(BootEntry {
            kernel,
            options: Some(options),
        }) => Ok(FileContents {
            bytes: format!("BOOT_IMAGE=/vmlinuz-{kernel} {options}\n").into_bytes(),
            cut: None,
        }),
        _ => Err(super::system::not_knowable("/proc/cmdline")),
    }
}

/// A `vmlinuz` path named through a symlink (Debian's `/vmlinuz`) is followed.
fn resolve_kernel(system: &System, entry: (String, Option<String>)) -> Option<BootEntry> {
    let (image, options) = entry;
    let kernel = match release_of(&image) {
        Some(kernel) => kernel,
        None => {
            let target = ["", "/boot"]
                .iter()
                .find_map(|prefix| system.read_link(&format!("{prefix}{image}")).ok().flatten())?;
            release_of(&target)?
        }
    };
    Some(BootEntry { kernel, options })
}

/// `K` of a kernel image path `/vmlinuz-K`, `/boot/vmlinux-K`, `(hd0,0)/Image-K`.
fn release_of(image: &str) -> Option<String> {
    let name = image.rsplit('/').next()?;
    ["vmlinuz-", "vmlinux-", "Image-", "kernel-", "bzImage-"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
        .filter(|k| !k.is_empty())
        .map(str::to_string)
}

/// `key=value` lines of a GRUB environment block (`#` padding ignored).
fn parse_grubenv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn bls_default(
    system: &System,
    saved: Option<&str>,
    kernelopts: Option<&str>,
) -> Option<BootEntry> {
    let names = system.list_dir(BLS_DIR).ok()?;
    let mut entries: Vec<(String, BootEntry)> = Vec::new();
    for name in names.iter().filter(|n| n.ends_with(".conf")).take(BLS_MAX) {
        let Some(body) = text(system, &format!("{BLS_DIR}/{name}")) else {
            continue;
        };
        let field = |key: &str| {
            body.lines()
                .filter_map(|l| l.trim().split_once(char::is_whitespace))
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.trim().to_string())
        };
        let kernel = field("version").or_else(|| field("linux").and_then(|l| release_of(&l)));
        let Some(kernel) = kernel else { continue };
        let options = field("options").map(|o| match kernelopts {
            Some(opts) => o.replace("$kernelopts", opts),
            None => o,
        });
        let id = name.trim_end_matches(".conf").to_string();
        entries.push((id, BootEntry { kernel, options }));
    }
    if let Some(found) = saved.and_then(|s| entries.iter().find(|(id, _)| id == s)) {
        return Some(found.1.clone());
    }
    entries.sort_by(|a, b| version_order(&a.1.kernel, &b.1.kernel));
    entries.pop().map(|(_, entry)| entry)
}

/// One `menuentry` of grub.cfg: its index path (`1>2`), title path, id, and the kernel
/// image and arguments of its `linux` line.
#[derive(Debug)]
struct MenuEntry {
    index: String,
    title: String,
    id: Option<String>,
    linux: Option<(String, Option<String>)>,
}

/// The words of a grub.cfg line, quotes removed (enough for menuentry and linux lines).
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            (_, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

fn grub_cfg_entries(cfg: &str) -> (Option<String>, Vec<MenuEntry>) {
    let mut default = None;
    let mut entries = Vec::new();
    // (index, title) of each open submenu, and the count of entries at each level.
    let mut submenus: Vec<(usize, String)> = Vec::new();
    let mut counts: Vec<usize> = vec![0];
    let mut in_entry: Option<MenuEntry> = None;
    let mut depth = 0usize;
    for line in cfg.lines().map(str::trim) {
        let w = words(line);
        match w.first().map(String::as_str) {
            Some("set") if depth == 0 => {
                if let Some(value) = w.get(1).and_then(|a| a.strip_prefix("default=")) {
                    default = Some(value.to_string());
                }
            }
            Some("submenu") => {
                let title = w.get(1).cloned().unwrap_or_default();
                let index = *counts.last().unwrap_or(&0);
                if let Some(count) = counts.last_mut() {
                    *count += 1;
                }
                submenus.push((index, title));
                counts.push(0);
                depth += 1;
            }
            Some("menuentry") => {
                let title = w.get(1).cloned().unwrap_or_default();
                let index = *counts.last().unwrap_or(&0);
                if let Some(count) = counts.last_mut() {
                    *count += 1;
                }
                let path = |own: String, parts: Vec<String>| {
                    let mut all = parts;
                    all.push(own);
                    all.join(">")
                };
                let id = w
                    .iter()
                    .position(|x| x == "$menuentry_id_option" || x == "--id")
                    .and_then(|at| w.get(at + 1))
                    .cloned();
                in_entry = Some(MenuEntry {
                    index: path(
                        index.to_string(),
                        submenus.iter().map(|(i, _)| i.to_string()).collect(),
                    ),
                    title: path(title, submenus.iter().map(|(_, t)| t.clone()).collect()),
                    id,
                    linux: None,
                });
                depth += 1;
            }
            Some("linux" | "linux16" | "linuxefi" | "kernel") if in_entry.is_some() => {
                if let (Some(entry), Some(image)) = (in_entry.as_mut(), w.get(1)) {
                    let options = w.get(2..).map(|rest| rest.join(" "));
                    entry.linux = Some((image.clone(), options));
                }
            }
            Some("}") if depth > 0 => {
                depth -= 1;
                if let Some(entry) = in_entry.take() {
                    entries.push(entry);
                } else if submenus.pop().is_some() {
                    counts.pop();
                }
            }
            _ => {}
        }
    }
    (default, entries)
}

fn grub_cfg_default(cfg: &str, saved: Option<&str>) -> Option<(String, Option<String>)> {
    let (default, entries) = grub_cfg_entries(cfg);
    let wanted = match default.as_deref() {
        Some("${saved_entry}" | "$saved_entry" | "saved") => saved.map(str::to_string),
        Some(value) => Some(value.to_string()),
        None => None,
    };
    let last_part = |path: &str| path.rsplit('>').next().unwrap_or(path).to_string();
    let chosen = wanted
        .and_then(|w| {
            entries.iter().find(|e| {
                e.index == w
                    || e.title == w
                    || last_part(&e.title) == w
                    || e.id.as_deref() == Some(w.as_str())
                    || e.id.as_deref() == Some(last_part(&w).as_str())
            })
        })
        .or_else(|| entries.first())?;
    chosen.linux.clone()
}

fn grub_legacy_default(conf: &str) -> Option<(String, Option<String>)> {
    let mut default = 0usize;
    let mut kernels: Vec<(String, Option<String>)> = Vec::new();
    let mut in_title = false;
    for line in conf.lines().map(str::trim) {
        let (key, value) = line
            .split_once(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or((line, ""));
        match key {
            "default" if !in_title => default = value.trim().parse().unwrap_or(0),
            "title" => in_title = true,
            "kernel" if in_title => {
                let w = words(value);
                if let Some(image) = w.first() {
                    kernels.push((image.clone(), w.get(1..).map(|r| r.join(" "))));
                }
                in_title = false;
            }
            _ => {}
        }
    }
    kernels.get(default).or_else(|| kernels.first()).cloned()
}

/// Orders kernel releases as `sort -V` does: runs of digits by value, the rest as text.
fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let order = match (x, y) {
            ((true, x), (true, y)) => x
                .trim_start_matches('0')
                .len()
                .cmp(&y.trim_start_matches('0').len())
                .then_with(|| x.trim_start_matches('0').cmp(y.trim_start_matches('0'))),
            ((_, x), (_, y)) => x.cmp(y),
        };
        if order.is_ne() {
            return order;
        }
    }
    pa.len().cmp(&pb.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape grub2-mkconfig writes on CentOS 7 (10_linux), two kernels and a rescue
    /// entry, default from grubenv's saved_entry.
    const CENTOS7_GRUB_CFG: &str = r#"
set pager=1
if [ -s $prefix/grubenv ]; then
  load_env
fi
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="${saved_entry}"
fi
### BEGIN /etc/grub.d/10_linux ###
menuentry 'CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)' --class centos --class gnu-linux --class gnu --class os --unrestricted $menuentry_id_option 'gnulinux-3.10.0-1160.el7.x86_64-advanced-0d2c8e8c' {
	load_video
	set gfxpayload=keep
	insmod gzio
	linux16 /vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rd.lvm.lv=centos/root rhgb quiet LANG=en_US.UTF-8
	initrd16 /initramfs-3.10.0-1160.el7.x86_64.img
}
menuentry 'CentOS Linux (3.10.0-1062.el7.x86_64) 7 (Core)' --class centos $menuentry_id_option 'gnulinux-3.10.0-1062.el7.x86_64-advanced-0d2c8e8c' {
	linux16 /vmlinuz-3.10.0-1062.el7.x86_64 root=/dev/mapper/centos-root ro console=ttyS0
	initrd16 /initramfs-3.10.0-1062.el7.x86_64.img
}
menuentry 'CentOS Linux (0-rescue-6a1f) 7 (Core)' --class centos $menuentry_id_option 'gnulinux-0-rescue-6a1f-advanced-0d2c8e8c' {
	linux16 /vmlinuz-0-rescue-6a1f root=/dev/mapper/centos-root ro
}
"#;

    /// Debian 12's update-grub: a top entry, then the same kernels in a submenu.
    const DEBIAN_GRUB_CFG: &str = r#"
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
else
   set default="0"
fi
menuentry 'Debian GNU/Linux' --class debian --class gnu-linux $menuentry_id_option 'gnulinux-simple-5a2b' {
	linux	/boot/vmlinuz-6.1.0-17-amd64 root=UUID=5a2b ro  quiet
	initrd	/boot/initrd.img-6.1.0-17-amd64
}
submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-5a2b' {
	menuentry 'Debian GNU/Linux, with Linux 6.1.0-17-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-17-amd64-advanced-5a2b' {
		linux	/boot/vmlinuz-6.1.0-17-amd64 root=UUID=5a2b ro  quiet
	}
	menuentry 'Debian GNU/Linux, with Linux 6.1.0-13-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-13-amd64-advanced-5a2b' {
		linux	/boot/vmlinuz-6.1.0-13-amd64 root=UUID=5a2b ro  quiet
	}
}
"#;

    #[test]
    fn grub2_default_follows_saved_entry_by_title_or_id_else_the_first_entry() {
        let by_title = grub_cfg_default(
            CENTOS7_GRUB_CFG,
            Some("CentOS Linux (3.10.0-1062.el7.x86_64) 7 (Core)"),
        );
        assert_eq!(
            by_title
                .and_then(|(image, _)| release_of(&image))
                .as_deref(),
            Some("3.10.0-1062.el7.x86_64")
        );
        let (image, options) = grub_cfg_default(CENTOS7_GRUB_CFG, None).unwrap();
        assert_eq!(
            release_of(&image).as_deref(),
            Some("3.10.0-1160.el7.x86_64")
        );
        assert!(options.unwrap().contains("rd.lvm.lv=centos/root"));
        let by_id = grub_cfg_default(
            DEBIAN_GRUB_CFG
                .replace(
                    "set default=\"0\"",
                    "set default=\"gnulinux-advanced-5a2b>gnulinux-6.1.0-13-amd64-advanced-5a2b\"",
                )
                .as_str(),
            None,
        );
        assert_eq!(
            by_id.and_then(|(image, _)| release_of(&image)).as_deref(),
            Some("6.1.0-13-amd64")
        );
    }

    #[test]
    fn grub2_index_paths_count_entries_and_submenus_alike() {
        let (_, entries) = grub_cfg_entries(DEBIAN_GRUB_CFG);
        let indices: Vec<&str> = entries.iter().map(|e| e.index.as_str()).collect();
        assert_eq!(indices, ["0", "1>0", "1>1"]);
        let second = DEBIAN_GRUB_CFG.replace("set default=\"0\"", "set default=\"1>1\"");
        assert_eq!(
            grub_cfg_default(&second, None)
                .and_then(|(i, _)| release_of(&i))
                .as_deref(),
            Some("6.1.0-13-amd64")
        );
    }

    #[test]
    fn grub_legacy_default_is_an_index_of_title_sections() {
        let conf = "default=1\ntimeout=5\ntitle CentOS 6 (2.6.32-754.35.1.el6.x86_64)\n\troot (hd0,0)\n\tkernel /vmlinuz-2.6.32-754.35.1.el6.x86_64 ro root=UUID=2d1a console=ttyS0\n\tinitrd /initramfs-2.6.32-754.35.1.el6.x86_64.img\ntitle CentOS 6 (2.6.32-754.el6.x86_64)\n\troot (hd0,0)\n\tkernel /vmlinuz-2.6.32-754.el6.x86_64 ro root=UUID=2d1a\n";
        let (image, options) = grub_legacy_default(conf).unwrap();
        assert_eq!(release_of(&image).as_deref(), Some("2.6.32-754.el6.x86_64"));
        assert_eq!(options.as_deref(), Some("ro root=UUID=2d1a"));
    }

    #[test]
    fn versions_sort_by_number_not_by_text() {
        let mut kernels = [
            "5.14.0-70.el9.x86_64",
            "5.14.0-362.8.1.el9_3.x86_64",
            "5.14.0-284.el9.x86_64",
        ];
        kernels.sort_by(|a, b| version_order(a, b));
        assert_eq!(kernels.last(), Some(&"5.14.0-362.8.1.el9_3.x86_64"));
    }
}
