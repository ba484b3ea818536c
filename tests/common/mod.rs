//! Test support: a fleet of real OpenSSH sshd hosts on loopback (tests/fleet/fleet.sh), stopped
//! when the guard drops, also when the test fails; and a runner for the built binary.

#![allow(dead_code)] // each test binary uses part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Fleet {
    pub dir: PathBuf,
}

fn fleet_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fleet/fleet.sh")
}

impl Fleet {
    /// Starts the hosts of `specs` (`NAME=FIXTURE[@VARIANT]`) on 127.`net`.x.y; `net` must be
    /// unique among fleets that run at the same time.
    pub fn up(run: &str, net: u8, specs: &[&str]) -> Fleet {
        let dir = PathBuf::from(format!(
            "/srv/image-check-fleet/{run}-{}",
            std::process::id()
        ));
        let _ = Command::new(fleet_script()).arg("down").arg(&dir).status();
        let out = Command::new(fleet_script())
            .arg("up")
            .arg(&dir)
            .arg(net.to_string())
            .args(specs)
            .output()
            .expect("run tests/fleet/fleet.sh");
        let fleet = Fleet { dir };
        assert!(
            out.status.success(),
            "the test fleet did not start (needs root, openssh-server and busybox-static): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        fleet
    }

    pub fn inventory(&self) -> PathBuf {
        self.dir.join("inventory.toml")
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// The address fleet.sh gave host `name`.
    pub fn address(&self, name: &str) -> String {
        let hosts = std::fs::read_to_string(self.dir.join("hosts.tsv")).unwrap();
        hosts
            .lines()
            .find_map(|l| {
                let mut fields = l.split('\t');
                (fields.next() == Some(name)).then(|| fields.next().unwrap().to_string())
            })
            .unwrap_or_else(|| panic!("no host {name} in the fleet"))
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = Command::new(fleet_script())
            .arg("down")
            .arg(&self.dir)
            .status();
    }
}

/// The built `image_check` binary, with no terminal, no ssh-agent and no key passphrase.
pub fn image_check_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_image_check"));
    command
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("IMAGE_CHECK_KEY_PASSPHRASE")
        .stdin(std::process::Stdio::null());
    command
}

/// Runs [`image_check_command`] to the end.
pub fn image_check(args: &[&str]) -> Output {
    image_check_command(args).output().expect("run image_check")
}

/// A copy of fixture `base` under /srv (where sshd accepts chroots), changed by `edit`, for
/// hosts that misbehave in one way.
pub fn fault_fixture(name: &str, base: &str, edit: impl FnOnce(&Path)) -> PathBuf {
    let dir = PathBuf::from(format!(
        "/srv/image-check-fleet/fixtures-{}/{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    lay_fixture(base, &dir);
    edit(&dir);
    dir
}

/// Copies the root file system fixture host `host` shows (its base's files and its own,
/// tests/fleet/bases.txt) into `dir`.
pub fn lay_fixture(host: &str, dir: &Path) {
    let fleet_sh = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fleet/fleet.sh");
    tool(
        fleet_sh.to_str().unwrap(),
        &["lay", host, dir.to_str().unwrap()],
        None,
    );
}

/// Writes an executable `#!/bin/sh` stand-in at `path` inside a fixture.
pub fn script(fixture: &Path, path: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let file = fixture.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&file);
    std::fs::write(&file, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Removes what earlier test processes left in `parent` (entries named `<prefix>...-<pid>`
/// whose process is gone): tests cannot clean up after themselves when they fail.
fn remove_leftovers(parent: &Path, prefix: &str) {
    for entry in std::fs::read_dir(parent).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix(prefix)
            .and_then(|rest| rest.rsplit('-').next())
            .and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| {
            pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists()
        }) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A fresh, empty folder for one test's output.
pub fn out_dir(name: &str) -> PathBuf {
    remove_leftovers(&std::env::temp_dir(), "image-check-");
    let dir = std::env::temp_dir().join(format!("image-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// summary.csv rows by host name.
pub fn rows_by_host(
    dir: &Path,
) -> std::collections::HashMap<String, std::collections::HashMap<String, String>> {
    read_summary(dir)
        .into_iter()
        .map(|row| (row["host"].clone(), row))
        .collect()
}

/// summary.csv as records keyed by the header.
pub fn read_summary(dir: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(dir.join("summary.csv")).expect("summary.csv");
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Every file under `dir`, depth first.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// `image_check scan -i <fleet's inventory> -o OUT MORE...`, run to the end.
pub fn scan_fleet(fleet: &Fleet, out: &Path, more: &[&str]) -> Output {
    let inventory = fleet.inventory();
    let mut args = vec![
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    image_check(&args)
}

/// A summary.csv or report verdict as one letter of a verdict matrix: O, W or F.
pub fn letter(verdict: &str) -> char {
    match verdict {
        "OK" => 'O',
        "WARNING" => 'W',
        "FAILED" => 'F',
        other => panic!("not a verdict: {other:?}"),
    }
}

/// Runs a real tool (sfdisk, mke2fs, qemu-img, ...) to build a fixture; panics with its
/// stderr when it fails.
pub fn tool(program: &str, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e} (.ci/run installs it)"));
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A `size`-byte sparse disk at `raw` whose MBR has one Linux partition from 1 MiB holding
/// the file system image `fs` (made by mke2fs or mkfs.xfs on a file of its own).
pub fn disk_with(raw: &Path, size: u64, fs: &Path) {
    partitioned_disk(raw, size, "label: dos\nstart=2048,type=83\n", &[(2048, fs)]);
}

/// A `size`-byte sparse disk at `raw`, partitioned by the sfdisk `script`, with each
/// `(sector, file)` of `parts` copied in at that sector.
pub fn partitioned_disk(raw: &Path, size: u64, script: &str, parts: &[(u64, &Path)]) {
    use std::io::{Seek, SeekFrom};
    let file = std::fs::File::create(raw).unwrap();
    file.set_len(size).unwrap();
    tool("sfdisk", &["-q", raw.to_str().unwrap()], Some(script));
    let mut disk = std::fs::OpenOptions::new().write(true).open(raw).unwrap();
    for (sector, part) in parts {
        disk.seek(SeekFrom::Start(sector * 512)).unwrap();
        std::io::copy(&mut std::fs::File::open(part).unwrap(), &mut disk).unwrap();
    }
}

/// An ext file system made by `mke2fs -q -F OPTIONS -d TREE FILE SIZE` (SIZE as mke2fs reads
/// sizes), FILE made anew.
pub fn ext_fs(tree: &Path, file: &Path, options: &[&str], size: &str) {
    let _ = std::fs::remove_file(file);
    let mut args = vec!["-q", "-F"];
    args.extend_from_slice(options);
    args.extend(["-d", tree.to_str().unwrap(), file.to_str().unwrap(), size]);
    tool("mke2fs", &args, None);
}

/// An [`ext_fs`] in `dir/NAME.ext` put on a `disk_size`-byte MBR disk `dir/NAME.raw` by
/// [`disk_with`]; returns the disk.
pub fn ext_disk(
    tree: &Path,
    dir: &Path,
    name: &str,
    options: &[&str],
    fs_size: &str,
    disk_size: u64,
) -> PathBuf {
    let fs = dir.join(format!("{name}.ext"));
    ext_fs(tree, &fs, options, fs_size);
    let raw = dir.join(format!("{name}.raw"));
    disk_with(&raw, disk_size, &fs);
    raw
}

/// A tiny deterministic generator (a linear congruential one), so that a failing generated
/// case can be made again from its number.
pub struct Lcg(pub u64);

impl Lcg {
    /// The next number below `n`.
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// What real `systemctl --root=ROOT is-enabled UNIT` says of `unit` in the tree at `root`.
pub fn systemctl_is_enabled(root: &Path, unit: &str) -> image_check::facts::services::UnitEnabled {
    let real = Command::new("systemctl")
        .arg("--root")
        .arg(root)
        .args(["is-enabled", unit])
        .output()
        .unwrap();
    image_check::facts::services::parse_is_enabled(
        &String::from_utf8_lossy(&real.stdout),
        &String::from_utf8_lossy(&real.stderr),
        real.status.code().map(|c| c as u32),
    )
}

/// One host's expected verdicts under one profile (tests/data/captures/expected.tsv).
pub struct Expected {
    pub host: String,
    /// The letters of the profile's checks, in their order: O, W or F.
    pub verdicts: String,
    pub status: String,
}

/// The rows of tests/data/captures/expected.tsv for `profile` ("alibaba", "aws", ...), in
/// the file's order.
pub fn expected_verdicts(profile: &str) -> Vec<Expected> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures/expected.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let column = header
        .iter()
        .position(|c| *c == profile)
        .unwrap_or_else(|| panic!("expected.tsv has no {profile} column"));
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), header.len(), "expected.tsv: {line}");
            Expected {
                host: cells[0].to_string(),
                verdicts: cells[column].to_string(),
                status: cells[column + 1].to_string(),
            }
        })
        .collect()
}
