//! The 16 checks on every fixture host of the test fleet, over real SSH: the whole verdict
//! matrix (host × check) is pinned, and every check is FAILED or WARNING on some host.

mod common;

use common::{
    expected_verdicts, image_check, letter, out_dir, read_summary, scan_fleet, Expected, Fleet,
};

/// Alibaba's checks in console order: the check columns of summary.csv.
fn checks() -> Vec<&'static str> {
    image_check::checks::names()
}

/// host → the 16 verdicts in [`checks`] order, and the status: tests/data/captures/expected.tsv.
fn matrix() -> Vec<Expected> {
    expected_verdicts("alibaba")
}

#[test]
fn every_fixture_host_gets_its_expected_verdict_for_every_check() {
    let matrix = matrix();
    let specs: Vec<String> = matrix
        .iter()
        .map(|e| format!("{}={}", e.host, e.host))
        .collect();
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("matrix", 51, &specs);
    let out = out_dir("matrix");
    let run = scan_fleet(&fleet, &out, &["-q", "--save-facts"]);
    assert_eq!(run.status.code(), Some(1), "FAILED checks make exit code 1");
    drop(fleet); // evaluate needs no host

    let rows = read_summary(&out);
    assert_eq!(rows.len(), matrix.len());
    let checks = checks();
    let mut mismatches = Vec::new();
    for (row, expected) in rows.iter().zip(&matrix) {
        let (host, status) = (&expected.host, &expected.status);
        let expected = &expected.verdicts;
        assert_eq!(&row["host"], host, "rows in inventory order");
        let got: String = checks.iter().map(|c| letter(&row[*c])).collect();
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
    evaluating_the_captures_gives_the_same_reports(&out);
    the_kept_captures_are_what_the_hosts_answer(&out);

    for (index, check) in checks.iter().enumerate() {
        assert!(
            matrix.iter().any(|e| e.verdicts.as_bytes()[index] != b'O'),
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

/// A host folder's TXT and JSON with the time taken out.
fn reports_without_time(dir: &std::path::Path) -> (String, String) {
    let json = std::fs::read_to_string(dir.join("image_check_report.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let time = value["time"].as_str().unwrap().to_string();
    let txt = std::fs::read_to_string(dir.join(format!("image_check_report_{time}.txt"))).unwrap();
    (txt.replace(&time, "TIME"), json.replace(&time, "TIME"))
}

/// `evaluate` of a live scan's captures writes, byte for byte, the same reports and rows.
fn evaluating_the_captures_gives_the_same_reports(scan: &std::path::Path) {
    let again = out_dir("matrix-evaluated");
    let run = image_check(&[
        "evaluate",
        scan.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // evaluate lists hosts by folder name, scan in inventory order: the same rows.
    let rows = |dir: &std::path::Path| {
        let text = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    assert_eq!(rows(&again), rows(scan), "summary.csv rows");
    for host in matrix().iter().map(|e| &e.host) {
        assert!(
            scan.join(host).join("capture.json.gz").is_file(),
            "{host}: capture"
        );
        let (live_txt, live_json) = reports_without_time(&scan.join(host));
        let (txt, json) = reports_without_time(&again.join(host));
        assert_eq!(txt, live_txt, "{host}: TXT");
        assert_eq!(json, live_json, "{host}: JSON");
    }
}

#[test]
fn saved_facts_evaluate_again_with_new_thresholds_and_no_network() {
    let fleet = Fleet::up("evaluate", 52, &["full=centos7-bad", "fine=debian12-ok"]);
    let out = out_dir("evaluate-scan");
    scan_fleet(&fleet, &out, &["--save-facts", "-q"]);
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
    for check in checks() {
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

/// Every answer of the live scan is the kept capture's answer to that question (the kept ones
/// were recorded with `--profile all`, so they answer more): the unit tests and the replays
/// that read tests/data/captures read what the fleet's hosts say today.
fn the_kept_captures_are_what_the_hosts_answer(scan: &std::path::Path) {
    use image_check::capture::{Answer, Capture};
    /// An answer as (question, answer) JSON, without how long it took.
    fn split(answer: &Answer) -> (String, serde_json::Value) {
        let mut value = serde_json::to_value(answer).unwrap();
        let object = value.as_object_mut().unwrap();
        object.remove("millis");
        let result = object.remove("result").unwrap();
        (value.to_string(), result)
    }
    let mut stale = Vec::new();
    for host in matrix().iter().map(|e| &e.host) {
        let live = Capture::load(&scan.join(host).join("capture.json.gz")).unwrap();
        let kept = Capture::load(&captures_dir().join(format!("{host}.json.gz"))).unwrap();
        let kept: std::collections::HashMap<String, serde_json::Value> =
            kept.answers.iter().map(split).collect();
        for (question, answer) in live.answers.iter().map(split) {
            match kept.get(&question) {
                Some(kept) if *kept == answer => {}
                Some(_) => stale.push(format!("{host}: {question}: answered otherwise now")),
                None => stale.push(format!("{host}: {question}: not in the kept capture")),
            }
        }
    }
    assert!(
        stale.is_empty(),
        "run scripts/capture-fixtures.sh:\n{}",
        stale.join("\n")
    );
}

fn captures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures")
}

/// The fixture hosts' captures kept in the repo (scripts/capture-fixtures.sh records them)
/// give the whole matrix with no host and no network.
#[test]
fn kept_captures_replay_the_matrix_without_a_network() {
    let out = out_dir("replay");
    let matrix = matrix();
    let files: Vec<String> = matrix
        .iter()
        .map(|Expected { host, .. }| {
            captures_dir()
                .join(format!("{host}.json.gz"))
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["evaluate", "-o", out.to_str().unwrap(), "-q"];
    args.extend(files.iter().map(String::as_str));
    let run = image_check(&args);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rows = read_summary(&out);
    for Expected {
        host,
        verdicts,
        status,
    } in &matrix
    {
        let row = rows.iter().find(|r| r["host"] == *host).unwrap();
        let got: String = checks().iter().map(|c| letter(&row[*c])).collect();
        assert_eq!(
            (got.as_str(), row["status"].as_str()),
            (verdicts.as_str(), status.as_str()),
            "{host}"
        );
    }
}

/// evaluate parses the raw answers again: what a host said, read by today's parsers, decides.
/// Here the answer changes (SELinux enforcing in /etc/selinux/config); a fixed parser changes
/// the verdict the same way.
#[test]
fn the_verdict_of_a_saved_capture_follows_its_parsing_now() {
    use image_check::capture::{Answer, Capture};
    let mut capture = Capture::load(&captures_dir().join("centos7-ok.json.gz")).unwrap();
    let mut edited = 0;
    for answer in &mut capture.answers {
        if let Answer::Read {
            path,
            result: Ok(contents),
            ..
        } = answer
        {
            if path == "/etc/selinux/config" {
                let text = String::from_utf8_lossy(&contents.bytes)
                    .replace("SELINUX=disabled", "SELINUX=enforcing");
                contents.bytes = text.into_bytes();
                edited += 1;
            }
        }
    }
    assert_eq!(edited, 1, "the capture holds /etc/selinux/config");
    let out = out_dir("replay-edited");
    let file = out.join("centos7-ok.json.gz");
    std::fs::write(&file, capture.to_gzip().unwrap()).unwrap();
    let again = out.join("evaluated");
    image_check(&[
        "evaluate",
        file.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
        "-q",
    ]);
    let rows = read_summary(&again);
    assert_eq!(rows[0]["selinux"], "FAILED");
    assert_eq!(rows[0]["ssh"], "OK");
}

/// facts.json of versions before captures is evaluated as it was parsed then.
#[tokio::test]
async fn old_facts_json_is_still_evaluated() {
    use image_check::capture::{Capture, Replay};
    let capture = Capture::load(&captures_dir().join("centos7-bad.json.gz")).unwrap();
    let facts = image_check::facts::collect(&Replay::new(&capture.answers)).await;
    let saved = image_check::scan::SavedFacts {
        host: capture.header.host.clone(),
        address: capture.header.address.clone(),
        time: capture.header.time.clone(),
        facts,
    };
    let out = out_dir("old-facts");
    std::fs::create_dir_all(out.join("centos7-bad")).unwrap();
    let file = out.join("centos7-bad/facts.json");
    std::fs::write(&file, serde_json::to_string(&saved).unwrap()).unwrap();
    let again = out.join("evaluated");
    image_check(&[
        "evaluate",
        out.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
        "-q",
    ]);
    let row = &read_summary(&again)[0];
    let got: String = checks().iter().map(|c| letter(&row[*c])).collect();
    let expected = matrix()
        .into_iter()
        .find(|e| e.host == "centos7-bad")
        .unwrap()
        .verdicts;
    assert_eq!(got, expected);
    assert!(
        again.join("centos7-bad/facts.json").is_file(),
        "kept as it came"
    );
}
