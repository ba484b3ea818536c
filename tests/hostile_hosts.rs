//! Hosts built to exhaust the controller, on real sshd hosts: endless stderr without newlines
//! (and of NUL bytes), an /etc/fstab that is a FIFO, an sshd Include glob matching 120 links
//! to a 15.9 MiB file, an fstab of 1.1 million lines (8 hosts each of the last two, 24 of the
//! first two). Each host still gets its report, every report stays under 1 MiB, and a scan
//! of the 64 stays under 512 MB of memory.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Instant;

use common::{fault_fixture, out_dir, rows_by_host, script, walk, Fleet};

/// A command that writes to stderr forever, in long lines without a newline.
const STDERR_FLOOD: &str = "s=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; s=$s$s$s$s$s$s$s$s; s=$s$s$s$s$s$s$s$s\nwhile :; do printf %s \"$s\" >&2; done";

fn stderr_flood(root: &Path) {
    for command in [
        "usr/bin/df",
        "usr/bin/lsblk",
        "usr/sbin/blkid",
        "usr/bin/lsinitrd",
    ] {
        script(root, command, STDERR_FLOOD);
    }
    // NUL bytes, which JSON writes six bytes each.
    script(root, "usr/bin/systemctl", "cat /dev/zero >&2");
}

fn fifo_fstab(root: &Path) {
    let fstab = root.join("etc/fstab");
    let _ = std::fs::remove_file(&fstab);
    let made = std::process::Command::new("mkfifo")
        .arg(&fstab)
        .status()
        .unwrap();
    assert!(made.success());
}

fn big_include(root: &Path) {
    let ssh = root.join("etc/ssh");
    let main = std::fs::read_to_string(ssh.join("sshd_config")).unwrap();
    std::fs::write(
        ssh.join("sshd_config"),
        format!("Include /etc/ssh/big.d/*.conf\n{main}"),
    )
    .unwrap();
    let line = "# a comment line that sshd skips, written again and again\n";
    let big = line.repeat((15_900 << 10) / line.len());
    std::fs::write(ssh.join("big.txt"), big).unwrap();
    std::fs::create_dir_all(ssh.join("big.d")).unwrap();
    for n in 0..120 {
        symlink("/etc/ssh/big.txt", ssh.join(format!("big.d/{n:03}.conf"))).unwrap();
    }
}

fn big_fstab(root: &Path) {
    let mut text = std::fs::read_to_string(root.join("etc/fstab")).unwrap();
    while text.len() < 16_000_000 {
        text.push_str("none /x tmpfs 0 0\n");
    }
    std::fs::write(root.join("etc/fstab"), text).unwrap();
}

/// Turns a copy of a fixture into a hostile host.
type Edit = fn(&Path);

/// Peak RSS in KiB of `image_check ARGS`, measured by a parent that waits for it.
fn peak_rss_kib(args: &[&str]) -> u64 {
    let measured = std::process::Command::new("python3")
        .args([
            "-c",
            "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
            env!("CARGO_BIN_EXE_image_check"),
        ])
        .args(args)
        .output()
        .expect("python3");
    String::from_utf8_lossy(&measured.stdout)
        .trim()
        .parse()
        .expect("peak RSS")
}

fn reports_of(out: &Path, host: &str) -> (String, String) {
    let txt = std::fs::read_dir(out.join(host))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".txt"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .unwrap_or_else(|| panic!("no TXT report for {host}"));
    let json = std::fs::read_to_string(out.join(host).join("image_check_report.json")).unwrap();
    (txt, json)
}

#[test]
fn sixty_four_hostile_hosts_get_small_reports_in_bounded_memory() {
    let kinds: [(&str, Edit); 4] = [
        ("stderr-flood", stderr_flood),
        ("fifo-fstab", fifo_fstab),
        ("big-include", big_include),
        ("big-fstab", big_fstab),
    ];
    let fixtures: Vec<(String, std::path::PathBuf)> = kinds
        .iter()
        .map(|(name, edit)| (name.to_string(), fault_fixture(name, "centos7-ok", edit)))
        .collect();
    // 8 hosts each send ~16 MB to one source (the most one source keeps), 8 more read
    // 15.9 MiB through an Include glob, 48 flood stderr or block on a FIFO.
    let kind_of = |n: usize| match n % 8 {
        0 => 2,
        1 => 3,
        2..=4 => 0,
        _ => 1,
    };
    let specs: Vec<String> = (0..64)
        .map(|n| {
            let (name, dir) = &fixtures[kind_of(n)];
            format!("{name}-{n:02}={}", dir.display())
        })
        .collect();
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("hostile", 91, &specs);
    let out = out_dir("hostile");
    let started = Instant::now();
    let peak_kib = peak_rss_kib(&[
        "scan",
        "-q",
        "-i",
        fleet.inventory().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--timeout",
        "60",
        "--save-facts",
    ]);
    let elapsed = started.elapsed();

    let rows = rows_by_host(&out);
    let mut largest = (0u64, String::new());
    for entry in walk(&out) {
        let size = std::fs::metadata(&entry).unwrap().len();
        if size > largest.0 {
            largest = (size, entry.display().to_string());
        }
    }
    println!(
        "hostile hosts: 64 scanned in {:.1} s, peak RSS {} MiB, largest file {} KiB ({})",
        elapsed.as_secs_f64(),
        peak_kib >> 10,
        largest.0 >> 10,
        largest.1
    );
    assert_eq!(rows.len(), 64);
    for (host, row) in &rows {
        assert_ne!(row["status"], "unreachable", "{host}: {}", row["reason"]);
    }
    assert!(largest.0 <= 1 << 20, "{} is {} bytes", largest.1, largest.0);
    assert!(peak_kib <= 512 << 10, "peak RSS {peak_kib} KiB");

    let (txt, json) = reports_of(&out, "stderr-flood-02");
    assert_eq!(rows["stderr-flood-02"]["disk_usage"], "WARNING");
    assert!(
        txt.contains("`df -P -k /` printed more than 64 KiB on stderr: output cut, not parsed"),
        "{txt}"
    );
    assert!(!json.contains("\\u0000"), "no NUL bytes kept");

    let (txt, _) = reports_of(&out, "fifo-fstab-05");
    assert_eq!(rows["fifo-fstab-05"]["device_id"], "WARNING");
    assert!(
        txt.contains("/etc/fstab: not a regular file (a FIFO, socket or device): not read"),
        "{txt}"
    );
    assert_eq!(
        rows["fifo-fstab-05"]["ssh"], "OK",
        "the other facts are read"
    );

    let (txt, _) = reports_of(&out, "big-include-00");
    assert_eq!(rows["big-include-00"]["ssh"], "WARNING");
    assert!(
        txt.contains("sshd's configuration with its Include files is larger than 16 MiB"),
        "{txt}"
    );

    let (txt, _) = reports_of(&out, "big-fstab-01");
    assert_eq!(rows["big-fstab-01"]["device_id"], "OK", "{txt}");
    assert!(
        txt.contains("more lines of /etc/fstab not checked: the file is too long"),
        "{txt}"
    );
}
