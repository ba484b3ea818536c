//! The scan pipeline end to end, against real OpenSSH sshd hosts on loopback: reports and
//! summary.csv for every distribution, unreachable hosts with their reasons, host-key policies,
//! legacy servers, exit codes.

mod common;

use common::{image_check, out_dir, read_summary, rows_by_host, Fleet};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn scan_reports_header_facts_of_every_distribution() {
    let fleet = Fleet::up(
        "pipeline",
        31,
        &[
            "centos6=centos6-ok@legacy",
            "centos7=centos7-ok",
            "rocky9=rocky9-ok",
            "ubuntu1804=ubuntu1804-ok",
            "ubuntu2204=ubuntu2204-ok",
            "ubuntu2204-arm=ubuntu2204-arm",
            "debian12=debian12-ok",
            "sles15=sles15-ok",
            "leap15=opensuse-leap15-ok",
            "amzn2=amzn2-ok",
            "alinux3=alinux3-ok",
            "flatcar=flatcar-ok",
            "down=none@refused",
            "stranger=centos7-ok@unknown-key",
        ],
    );
    let out = out_dir("pipeline");
    let run = image_check(&[
        "scan",
        "-i",
        fleet.inventory().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--save-facts",
        "-c",
        "8",
    ]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "unreachable hosts make exit code 1: {}",
        stderr(&run)
    );

    let rows = rows_by_host(&out);
    assert_eq!(rows.len(), 14);
    // host → platform, os_version, architecture, system_disk_size_gb, boot_mode (JSON)
    let expected = [
        ("centos6", "CentOS", "6.10", "x86_64", "40", "BIOS"),
        ("centos7", "CentOS", "7.9", "x86_64", "40", "BIOS"),
        ("rocky9", "Rocky Linux", "9.3", "x86_64", "100", "BIOS"),
        ("ubuntu1804", "Ubuntu", "18.04", "x86_64", "40", "BIOS"),
        ("ubuntu2204", "Ubuntu", "22.04", "x86_64", "50", "BIOS"),
        ("ubuntu2204-arm", "Ubuntu", "22.04", "aarch64", "20", "UEFI"),
        ("debian12", "Debian", "12.4", "x86_64", "40", "BIOS"),
        ("sles15", "SUSE", "15.5", "x86_64", "60", "BIOS"),
        ("leap15", "OpenSUSE", "15.5", "x86_64", "40", "BIOS"),
        ("amzn2", "Others Linux", "2", "x86_64", "40", "BIOS"),
        (
            "alinux3",
            "Aliyun",
            "3.2104",
            "x86_64",
            "40",
            "UEFI-Preferred",
        ),
        (
            "flatcar",
            "Others Linux",
            "3815.2",
            "x86_64",
            "40",
            "UEFI-Preferred",
        ),
    ];
    for (host, platform, version, arch, disk, boot_mode) in expected {
        let row = &rows[host];
        let got = (
            row["platform"].as_str(),
            row["os_version"].as_str(),
            row["architecture"].as_str(),
        );
        assert_eq!(got, (platform, version, arch), "{host}: {row:?}");
        assert_eq!(row["system_disk_size_gb"], disk, "{host}");
        assert_ne!(row["status"], "unreachable", "{host}: {}", row["reason"]);
        assert_eq!(row["address"], fleet.address(host));
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(host).join("image_check_report.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(json["boot_mode"], boot_mode, "{host}");
    }
    // The UEFI host: its firmware, its ESP and the loaders found on it decided.
    let arm: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("ubuntu2204-arm/image_check_report.json")).unwrap(),
    )
    .unwrap();
    let partition_table = arm["check_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["name"] == "partition_table")
        .unwrap();
    assert_eq!(partition_table["error_code"], "12003");
    assert_eq!(
        partition_table["description"],
        "Warning: GPT partition table (the first 24576 bytes of /dev/vda) on a disk that boots \
         by UEFI (started by UEFI firmware: /sys/firmware/efi present; EFI System Partition \
         /dev/vda15 in the GPT; EFI boot loader /boot/efi/EFI/BOOT/BOOTAA64.EFI (and 2 more)): \
         import with BootMode=UEFI"
    );
    assert_eq!(rows["down"]["status"], "unreachable");
    assert_eq!(rows["down"]["reason"], "connection refused");
    assert_eq!(rows["stranger"]["status"], "unreachable");
    assert!(
        rows["stranger"]["reason"].starts_with("host key unknown: ssh-ed25519 SHA256:"),
        "{}",
        rows["stranger"]["reason"]
    );
    assert!(rows["stranger"]["reason"].contains("--host-key-check accept-new"));

    // Rows come in inventory order, so a nightly CSV is stable.
    let order: Vec<String> = read_summary(&out)
        .into_iter()
        .map(|r| r["host"].clone())
        .collect();
    assert_eq!(order[..3], ["centos6", "centos7", "rocky9"]);
    assert_eq!(order[12..], ["down", "stranger"]);

    // Per-host files: Alibaba's JSON, the timestamped TXT, and the capture.
    let host_dir = out.join("centos7");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(host_dir.join("image_check_report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["platform"], "CentOS");
    assert_eq!(json["distribution"], "CentOS Linux");
    assert_eq!(json["os_big_version"], "7");
    assert_eq!(json["os_small_version"], "9");
    assert_eq!(json["architecture"], "x86_64");
    assert_eq!(json["system_disk_size"], "40");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    let time = json["time"].as_str().unwrap();
    assert_eq!(time.len(), "2019-05-10_13-28-21".len());
    let txt =
        std::fs::read_to_string(host_dir.join(format!("image_check_report_{time}.txt"))).unwrap();
    assert!(
        txt.contains(
            "  Current system is: CentOS\n  Distribution: CentOS Linux 7.9\n  Architecture: x86_64\n  System disk size: 40 GB\n  Boot mode: BIOS\n"
        ),
        "{txt}"
    );
    let capture = image_check::capture::Capture::load(&host_dir.join("capture.json.gz")).unwrap();
    assert_eq!(capture.header.host, "centos7");
    let release = capture.answers.iter().find_map(|a| match a {
        image_check::capture::Answer::Read {
            path,
            result: Ok(contents),
            ..
        } if path == "/proc/sys/kernel/osrelease" => {
            Some(String::from_utf8_lossy(&contents.bytes).into_owned())
        }
        _ => None,
    });
    assert_eq!(release.as_deref(), Some("3.10.0-1160.el7.x86_64\n"));
    assert!(
        !out.join("down").exists(),
        "an unreachable host has a CSV row, not a report"
    );
}

#[test]
fn accept_new_learns_unknown_keys_and_still_refuses_changed_ones() {
    let fleet = Fleet::up(
        "hostkeys",
        32,
        &[
            "new=debian12-ok@unknown-key",
            "moved=ubuntu2204-ok@changed-key",
        ],
    );
    let inventory = fleet.inventory();
    let out = out_dir("hostkeys");
    let scan = |policy: &str| {
        image_check(&[
            "scan",
            "-i",
            inventory.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--host-key-check",
            policy,
        ])
    };

    let strict = scan("strict");
    assert_eq!(strict.status.code(), Some(1));
    let rows = rows_by_host(&out);
    assert!(
        rows["new"]["reason"].starts_with("host key unknown"),
        "{:?}",
        rows["new"]
    );
    let moved = &rows["moved"]["reason"];
    assert!(
        moved.starts_with("HOST KEY CHANGED: the ssh-ed25519 key (SHA256:"),
        "{moved}"
    );
    assert!(
        moved.contains(&format!("{}:1", fleet.known_hosts().display())),
        "names the known_hosts line: {moved}"
    );

    let accept_new = scan("accept-new");
    assert_eq!(
        accept_new.status.code(),
        Some(1),
        "the changed key is still refused"
    );
    let rows = rows_by_host(&out);
    assert_ne!(rows["new"]["status"], "unreachable", "{:?}", rows["new"]);
    assert_eq!(rows["new"]["platform"], "Debian");
    assert!(rows["moved"]["reason"].starts_with("HOST KEY CHANGED"));
    let known = std::fs::read_to_string(fleet.known_hosts()).unwrap();
    assert!(
        known.contains(&format!("[{}]:2222 ssh-ed25519 ", fleet.address("new"))),
        "{known}"
    );

    // Once learnt, strict accepts it.
    scan("strict");
    assert_ne!(rows_by_host(&out)["new"]["status"], "unreachable");

    // off: no check at all, with one warning.
    let off = scan("off");
    assert!(
        rows_by_host(&out)
            .values()
            .all(|r| r["status"] != "unreachable"),
        "{}",
        stderr(&off)
    );
    assert_eq!(stderr(&off).matches("host key checking is off").count(), 1);
}

#[test]
fn legacy_server_is_reached_only_with_legacy_algorithms() {
    let fleet = Fleet::up("legacy", 33, &["old=centos6-ok@legacy"]);
    let out = out_dir("legacy");
    let with = image_check(&[
        "scan",
        "-i",
        fleet.inventory().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(with.status.code(), Some(0), "{}", stderr(&with));
    assert_eq!(rows_by_host(&out)["old"]["os_version"], "6.10");

    let text = std::fs::read_to_string(fleet.inventory())
        .unwrap()
        .replace("legacy_algorithms = true\n", "");
    let modern_only = fleet.dir.join("modern.toml");
    std::fs::write(&modern_only, text).unwrap();
    let without = image_check(&[
        "scan",
        "-i",
        modern_only.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(without.status.code(), Some(1));
    let reason = &rows_by_host(&out)["old"]["reason"];
    assert!(reason.starts_with("no common"), "{reason}");
    assert!(reason.contains("legacy_algorithms = true"), "{reason}");
}

#[test]
fn all_hosts_fine_exits_0_and_limit_selects_by_glob() {
    let fleet = Fleet::up(
        "limit",
        34,
        &["web-1=debian12-ok", "web-2=ubuntu2204-ok", "db-1=rocky9-ok"],
    );
    let out = out_dir("limit");
    let inventory = fleet.inventory();
    let run = image_check(&[
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--limit",
        "web-*",
        "-q",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(run.stdout.is_empty(), "--quiet prints nothing on success");
    let hosts: Vec<String> = read_summary(&out)
        .into_iter()
        .map(|r| r["host"].clone())
        .collect();
    assert_eq!(hosts, ["web-1", "web-2"]);

    let none = image_check(&[
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "--limit",
        "nothing-*",
    ]);
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("matches no host"));
}

#[test]
fn wrong_client_key_is_an_authentication_failure() {
    let fleet = Fleet::up("auth", 35, &["h=debian12-ok"]);
    let other_key = fleet.dir.join("stranger_key");
    let status = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-f",
            other_key.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(fleet.inventory()).unwrap().replace(
        &fleet.dir.join("id_ed25519").display().to_string(),
        &other_key.display().to_string(),
    );
    let inventory = fleet.dir.join("wrong-key.toml");
    std::fs::write(&inventory, text).unwrap();
    let out = out_dir("auth");
    let run = image_check(&[
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    let reason = &rows_by_host(&out)["h"]["reason"];
    assert_eq!(
        reason,
        &format!(
            "authentication failed for user root (tried key {})",
            other_key.display()
        )
    );
}

#[test]
fn ad_hoc_hosts_with_ssh_config_and_json_lines() {
    let fleet = Fleet::up("adhoc", 36, &["a=debian12-ok", "b=centos7-ok"]);
    // The key and known_hosts come from an ssh_config, as they would from ~/.ssh/config.
    let config = fleet.dir.join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host *\n  Port 2222\n  IdentityFile {}\n  UserKnownHostsFile {}\n",
            fleet.dir.join("id_ed25519").display(),
            fleet.known_hosts().display()
        ),
    )
    .unwrap();
    let out = out_dir("adhoc");
    let a = format!("root@{}", fleet.address("a"));
    let b = format!("root@{}:2222", fleet.address("b"));
    let run = image_check(&[
        "scan",
        &a,
        &b,
        "--ssh-config",
        config.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    let stdout = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let mut platforms: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["host"].as_str().unwrap().to_string(),
                l["report"]["platform"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    platforms.sort();
    assert_eq!(
        platforms,
        [
            (a.clone(), "Debian".to_string()),
            (b.clone(), "CentOS".to_string())
        ]
    );
    assert_eq!(
        lines[0]["report"]["check_items"].as_array().unwrap().len(),
        16
    );
    assert_eq!(read_summary(&out).len(), 2, "the files are written too");

    let both = image_check(&["scan", "-i", fleet.inventory().to_str().unwrap(), &a]);
    assert_eq!(
        both.status.code(),
        Some(2),
        "an inventory or hosts, not both"
    );
}

#[test]
fn completions_and_man_page() {
    let bash = String::from_utf8(image_check(&["completions", "bash"]).stdout).unwrap();
    assert!(bash.contains("_image_check()") && bash.contains("--baseline"));
    let man = String::from_utf8(image_check(&["man"]).stdout).unwrap();
    assert!(man.starts_with(".ie") && man.contains(".TH image_check 1"));
}

/// Where the login may read the root device (root), its superblock and the disk's header are
/// read as bytes over SFTP: no tune2fs and no head run, and the verdict is the real file
/// system's. Each host's /dev/vda1 is an ext4 made by mke2fs, and it has no tune2fs at all.
#[test]
fn the_root_superblock_and_the_disk_header_are_read_as_bytes_where_the_device_is_readable() {
    use common::{ext_fs, fault_fixture, tool};
    let variants = [("wide", "64bit"), ("narrow", "^64bit")];
    let specs: Vec<String> = variants
        .iter()
        .map(|(name, feature)| {
            let host = fault_fixture(&format!("superblock-{name}"), "debian12-ok", |root| {
                for tune2fs in ["usr/sbin/tune2fs", "sbin/tune2fs"] {
                    let _ = std::fs::remove_file(root.join(tune2fs));
                }
                let empty = root.join("tmp/empty");
                std::fs::create_dir_all(&empty).unwrap();
                ext_fs(
                    &empty,
                    &root.join("dev/vda1"),
                    &["-t", "ext4", "-O", feature],
                    "16M",
                );
            });
            format!("{name}={}", host.display())
        })
        .collect();
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("superblock", 98, &specs);
    let out = out_dir("superblock");
    common::scan_fleet(&fleet, &out, &["-q", "--save-facts"]);
    let rows = rows_by_host(&out);
    assert_eq!(rows["wide"]["filesystem"], "WARNING", "{:?}", rows["wide"]);
    assert_eq!(rows["narrow"]["filesystem"], "OK", "{:?}", rows["narrow"]);
    for (name, _) in variants {
        let capture =
            image_check::capture::Capture::load(&out.join(name).join("capture.json.gz")).unwrap();
        let programs: Vec<&str> = capture
            .answers
            .iter()
            .filter_map(|a| match a {
                image_check::capture::Answer::Exec { command, .. } => {
                    Some(command.argv[0].as_str())
                }
                _ => None,
            })
            .collect();
        assert!(
            !programs.contains(&"tune2fs") && !programs.contains(&"head"),
            "{name}: {programs:?}"
        );
        let real = tool(
            "tune2fs",
            &[
                "-l",
                &format!(
                    "/srv/image-check-fleet/fixtures-{}/superblock-{name}/dev/vda1",
                    std::process::id()
                ),
            ],
            None,
        );
        let real =
            image_check::facts::tune2fs::parse_tune2fs(&String::from_utf8_lossy(&real.stdout))
                .unwrap();
        let facts = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(image_check::facts::collect(
                &image_check::capture::Replay::new(&capture.answers),
            ));
        assert_eq!(facts.root_ext.known(), Some(&Some(real)), "{name}");
    }
}
