//! `image_check image FILE...`: a disk image file checked with no mount, no root and no
//! qemu process. The image is made from a fixture host's tree by the real tools (sfdisk for
//! the table, `mke2fs -d` for the file system, `qemu-img convert` for qcow2); what only a
//! running system can say (commands) is WARNING x099, the rest is read from the disk.

mod common;

use std::path::Path;
use std::process::Command;

use common::{image_check, out_dir, rows_by_host};

fn run(program: &str, args: &[&str], stdin: Option<&str>) {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
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
}

/// A 200 MiB disk: an MBR, partition 1 an ext4 made from the fixture tree of `host`.
fn disk_of(host: &str, dir: &Path) -> std::path::PathBuf {
    let raw = dir.join(format!("{host}.raw"));
    std::fs::File::create(&raw)
        .unwrap()
        .set_len(200 << 20)
        .unwrap();
    let raw_path = raw.to_str().unwrap();
    run(
        "sfdisk",
        &["-q", raw_path],
        Some("label: dos\nstart=2048,size=100000,type=83\n,,83\n"),
    );
    let tree = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fleet/hosts")
        .join(host);
    run(
        "mke2fs",
        &[
            "-q",
            "-t",
            "ext4",
            "-d",
            tree.to_str().unwrap(),
            "-E",
            "offset=1048576",
            raw_path,
            "50000k",
        ],
        None,
    );
    raw
}

#[test]
fn a_qcow2_image_is_checked_from_its_files_and_says_what_it_cannot_know() {
    let out = out_dir("image");
    let raw = disk_of("centos7-ok", &out);
    let qcow2 = out.join("centos7.qcow2");
    run(
        "qemu-img",
        &[
            "convert",
            "-O",
            "qcow2",
            raw.to_str().unwrap(),
            qcow2.to_str().unwrap(),
        ],
        None,
    );
    let garbage = out.join("garbage.img");
    std::fs::write(&garbage, vec![0x5a; 1 << 20]).unwrap();
    let reports = out.join("reports");
    let run = image_check(&[
        "image",
        qcow2.to_str().unwrap(),
        garbage.to_str().unwrap(),
        "-o",
        reports.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rows = rows_by_host(&reports);
    let row = &rows["centos7.qcow2"];
    assert_eq!(
        (row["platform"].as_str(), row["os_version"].as_str()),
        ("CentOS", "7.9")
    );
    assert_eq!(
        row["selinux"], "OK",
        "read from /etc/selinux/config in the image"
    );
    assert_eq!(row["qemu_ga"], "OK");
    assert_eq!(row["driver"], "WARNING", "uname -r cannot run in a file");
    let json =
        std::fs::read_to_string(reports.join("centos7.qcow2/image_check_report.json")).unwrap();
    assert!(
        json.contains("cannot run in a disk image: not knowable offline"),
        "{json}"
    );
    let bad = &rows["garbage.img"];
    assert_eq!(bad["status"], "unreachable");
    assert!(
        bad["reason"].starts_with("cannot read the image: no root file system"),
        "{}",
        bad["reason"]
    );
}
