//! The 16 checks on every fixture host of the test fleet, over real SSH: the whole verdict
//! matrix (host × check) is pinned, and every check is FAILED or WARNING on some host.

mod common;

use common::{image_check, out_dir, read_summary, Fleet};

const CHECKS: [&str; 16] = [
    "driver",
    "shadow",
    "selinux",
    "qemu_ga",
    "network",
    "ssh",
    "firewall",
    "filesystem",
    "device_id",
    "root",
    "passwd",
    "partition_table",
    "lib",
    "disk_size",
    "disk_usage",
    "inode_usage",
];

/// host → the 16 verdicts in CHECKS order (O = OK, W = WARNING, F = FAILED), and the status.
/// Reasons for every cell: tests/fleet/hosts/README.md.
const MATRIX: &[(&str, &str, &str)] = &[
    ("centos6-ok", "OOOOOOOOOOOOOOOO", "ok"),
    ("centos6-physical", "FOOOOOOOWOOOOOOO", "failed"),
    ("centos7-ok", "OOOOOOOOOOOOOOOO", "ok"),
    ("centos7-bad", "OFFWWOWOFOOFOOWW", "failed"),
    ("centos7-vmware", "WOOOOOOOOOOOOWOO", "warning"),
    ("rocky9-ok", "OOOOOOOOOOOOOOOO", "ok"),
    ("rocky9-bad", "OWWOOWOOOWWOWWOO", "warning"),
    // Amazon Linux 2 and Alibaba Cloud Linux 3 ship GPT cloud images: Amazon's boots by
    // BIOS only (a BIOS boot partition), Alibaba's by UEFI too (an ESP beside it).
    ("amzn2-ok", "OOOOOOOOOOOFOOOO", "failed"),
    ("alinux3-ok", "OOOOOOOOOOOWOOOO", "warning"),
    ("ubuntu1804-ok", "OOOOOOOOOOOOOOOO", "ok"),
    ("ubuntu2204-ok", "OOOOOOOOOOOOOOOO", "ok"),
    // arm64 boots by UEFI: GPT is a warning to import with BootMode=UEFI.
    ("ubuntu2204-arm", "OOOOOOOOOOOWOWOO", "warning"),
    ("debian12-ok", "OOOOOOOOOOOOOOOO", "ok"),
    ("debian12-bad", "OOOOOWWWFWWOOWOW", "failed"),
    ("debian12-vmware", "WOOOOOOOOOOOOWOO", "warning"),
    // SUSE's default btrfs root cannot be grown by the cloud.
    ("sles15-ok", "OOOOOOOWOOOOOOOO", "warning"),
    ("opensuse-leap15-ok", "OOOOOOOWOOOOOOOO", "warning"),
    ("sles15-bad", "OOOWOWWWOOOOOOWO", "warning"),
    // Flatcar: no initramfs listing tool, SELinux permissive by default, always GPT (with an
    // ESP and a BIOS boot partition: UEFI-Preferred).
    ("flatcar-ok", "WOWOOOOOOOOWOOOO", "warning"),
];

fn letter(verdict: &str) -> char {
    match verdict {
        "OK" => 'O',
        "WARNING" => 'W',
        "FAILED" => 'F',
        other => panic!("not a verdict: {other:?}"),
    }
}

#[test]
fn every_fixture_host_gets_its_expected_verdict_for_every_check() {
    let specs: Vec<String> = MATRIX
        .iter()
        .map(|(host, _, _)| format!("{host}={host}"))
        .collect();
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("matrix", 51, &specs);
    let out = out_dir("matrix");
    let run = image_check(&[
        "scan",
        "-i",
        fleet.inventory().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(run.status.code(), Some(1), "FAILED checks make exit code 1");

    let rows = read_summary(&out);
    assert_eq!(rows.len(), MATRIX.len());
    let mut mismatches = Vec::new();
    for (row, (host, expected, status)) in rows.iter().zip(MATRIX) {
        assert_eq!(&row["host"], host, "rows in inventory order");
        let got: String = CHECKS.iter().map(|c| letter(&row[*c])).collect();
        if got != *expected || row["status"] != *status {
            mismatches.push(format!(
                "{host}: expected {expected} {status}, got {got} {} ({})",
                row["status"], row["reason"]
            ));
        }
        let count = |c: char| got.chars().filter(|v| *v == c).count().to_string();
        assert_eq!(
            (
                row["ok"].clone(),
                row["warning"].clone(),
                row["failed"].clone()
            ),
            (count('O'), count('W'), count('F'))
        );
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));

    for (index, check) in CHECKS.iter().enumerate() {
        assert!(
            MATRIX
                .iter()
                .any(|(_, verdicts, _)| verdicts.as_bytes()[index] != b'O'),
            "{check} is never FAILED or WARNING in the fleet"
        );
    }

    // Every item of a report carries a documented code: "0" exactly when OK.
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("centos7-bad/image_check_report.json")).unwrap(),
    )
    .unwrap();
    let items = json["check_items"].as_array().unwrap();
    assert_eq!(items.len(), 16);
    let codes: Vec<(&str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap(),
                i["error_code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("driver", "0"),
            ("shadow", "2001"),
            ("selinux", "3001"),
            ("qemu_ga", "4001"),
            ("network", "5001"),
            ("ssh", "0"),
            ("firewall", "7001"),
            ("filesystem", "0"),
            ("device_id", "9001"),
            ("root", "0"),
            ("passwd", "0"),
            ("partition_table", "12001"),
            ("lib", "0"),
            ("disk_size", "0"),
            ("disk_usage", "15001"),
            ("inode_usage", "16001"),
        ]
    );
}

#[test]
fn saved_facts_evaluate_again_with_new_thresholds_and_no_network() {
    let fleet = Fleet::up("evaluate", 52, &["full=centos7-bad", "fine=debian12-ok"]);
    let out = out_dir("evaluate-scan");
    image_check(&[
        "scan",
        "-i",
        fleet.inventory().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--save-facts",
        "-q",
    ]);
    drop(fleet); // no hosts any more: evaluate must not need them

    let again = out_dir("evaluate-again");
    let run = image_check(&[
        "evaluate",
        out.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
        "--disk-usage-warn",
        "98",
        "--inode-usage-warn",
        "95",
        "-q",
    ]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let before: Vec<_> = read_summary(&out);
    let after: Vec<_> = read_summary(&again);
    assert_eq!(before.len(), 2);
    assert_eq!(after.len(), 2);
    let full_before = before.iter().find(|r| r["host"] == "full").unwrap();
    let full_after = after.iter().find(|r| r["host"] == "full").unwrap();
    assert_eq!(
        (
            full_before["disk_usage"].as_str(),
            full_before["inode_usage"].as_str()
        ),
        ("WARNING", "WARNING")
    );
    assert_eq!(
        (
            full_after["disk_usage"].as_str(),
            full_after["inode_usage"].as_str()
        ),
        ("OK", "OK")
    );
    assert_eq!(full_after["shadow"], "FAILED", "other verdicts stay");
    assert!(again.join("fine/image_check_report.json").exists());

    let broken = out_dir("evaluate-broken");
    std::fs::write(broken.join("facts.json"), "{\"host\": 1}").unwrap();
    let bad = image_check(&[
        "evaluate",
        broken.join("facts.json").to_str().unwrap(),
        "-o",
        broken.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("not a facts.json written by scan --save-facts"));
}

#[test]
fn checks_command_documents_every_check_and_code() {
    let text = String::from_utf8(image_check(&["checks"]).stdout).unwrap();
    for check in CHECKS {
        assert!(text.contains(&format!(". {check} (Check ")), "{check}");
    }
    assert!(text.contains("3001 FAILED SELinux enforcing"));
    let json: serde_json::Value =
        serde_json::from_slice(&image_check(&["checks", "--json"]).stdout).unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 16);
    assert_eq!(list[2]["title"], "Check security");
    assert!(list
        .iter()
        .all(|c| !c["codes"].as_array().unwrap().is_empty()
            && c["reads"].as_str().unwrap().len() > 5));
}
