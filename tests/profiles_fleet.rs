//! The cloud profiles (aws, azure, gcp) on every fixture host: each profile's verdict matrix
//! (host × check) is pinned like Alibaba's in checks_fleet.rs, every rule of every profile is
//! OK on some host and not OK on another, Alibaba's reports stay byte for byte what they are
//! without profiles, and `scan --profile all` gives the host × cloud matrix in summary.csv and
//! report.html. Reasons for the cells: tests/fleet/hosts/README.md ("Cloud profiles").

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{expected_verdicts, image_check, letter, out_dir, read_summary, Expected, Fleet};

/// aws: the checks of `checks --profile aws`, in order.
const AWS_CHECKS: &[&str] = &[
    "driver",
    "ssh",
    "device_id",
    "partition_table",
    "cloud_init",
    "boot_loader",
    "os_supported",
    "dhcp",
    "root_filesystem",
    "virtual_machine",
    "encryption",
];

/// azure: the checks of `checks --profile azure`, in order.
const AZURE_CHECKS: &[&str] = &[
    "driver",
    "ssh",
    "device_id",
    "partition_table",
    "cloud_init",
    "serial_console",
    "swap",
    "mac_binding",
];

/// gcp: the checks of `checks --profile gcp`, in order.
const GCP_CHECKS: &[&str] = &[
    "driver",
    "ssh",
    "partition_table",
    "serial_console",
    "mac_binding",
    "boot_loader",
    "os_supported",
    "dhcp",
    "encryption",
];

/// profile, cloud, checks, and each host's verdicts (tests/data/captures/expected.tsv).
fn profiles() -> [(
    &'static str,
    &'static str,
    &'static [&'static str],
    Vec<Expected>,
); 3] {
    [
        ("aws", "AWS", AWS_CHECKS, expected_verdicts("aws")),
        (
            "azure",
            "Microsoft Azure",
            AZURE_CHECKS,
            expected_verdicts("azure"),
        ),
        ("gcp", "Google Cloud", GCP_CHECKS, expected_verdicts("gcp")),
    ]
}

/// Every fixture host with a kept capture.
fn hosts() -> Vec<String> {
    expected_verdicts("aws")
        .into_iter()
        .map(|e| e.host)
        .collect()
}

fn captures() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures");
    hosts()
        .iter()
        .map(|host| dir.join(format!("{host}.json.gz")).display().to_string())
        .collect()
}

fn evaluate(name: &str, extra: &[&str]) -> PathBuf {
    let out = out_dir(name);
    let files = captures();
    let mut args = vec!["evaluate", "-o", out.to_str().unwrap(), "-q"];
    args.extend(extra);
    args.extend(files.iter().map(String::as_str));
    let run = image_check(&args);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A host folder's report files by name, the time taken out of the TXT names and headers.
fn reports_without_time(dir: &Path) -> HashMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("image_check_report"))
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(&name)).unwrap();
            let text: String = text
                .lines()
                .filter(|l| !l.contains("\"time\""))
                .collect::<Vec<_>>()
                .join("\n");
            let name = match name.strip_suffix(".txt") {
                Some(stem) => format!(
                    "{}.txt",
                    stem.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '_')
                ),
                None => name,
            };
            (name, text)
        })
        .collect()
}

/// The verdict letters of one profile's JSON report, in its check order, with the names.
fn verdicts(dir: &Path, profile: &str) -> (Vec<String>, String) {
    let report = json(&dir.join(format!("image_check_report_{profile}.json")));
    assert_eq!(report["profile"], profile);
    let items = report["check_items"].as_array().unwrap();
    let names = items
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    let letters = items
        .iter()
        .map(|i| letter(i["result"].as_str().unwrap()))
        .collect();
    (names, letters)
}

#[test]
fn every_profile_gets_its_expected_verdict_for_every_check_from_the_kept_captures() {
    let out = evaluate("profiles", &["--profile", "all"]);
    let rows = read_summary(&out);
    assert_eq!(rows.len(), hosts().len());
    let mut mismatches = Vec::new();
    for (profile, cloud, checks, matrix) in profiles() {
        for Expected {
            host,
            verdicts: expected,
            status,
        } in &matrix
        {
            let row = rows.iter().find(|r| r["host"] == *host).unwrap();
            let dir = out.join(host);
            let (names, got) = verdicts(&dir, profile);
            assert_eq!(names, checks, "{profile}");
            let column = &row[&format!("{profile}_status")];
            if got != *expected || column != status {
                mismatches.push(format!(
                    "{profile} {host}: expected {expected} {status}, got {got} {column}"
                ));
            }
            let txt = std::fs::read_dir(&dir)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .find(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    name.starts_with(&format!("image_check_report_{profile}_"))
                        && name.ends_with(".txt")
                })
                .unwrap();
            let txt = std::fs::read_to_string(txt).unwrap();
            assert!(
                txt.starts_with(&format!("The information you need to input when you import your image to {cloud} Website:\n")),
                "{txt}"
            );
        }
        for (index, check) in checks.iter().enumerate() {
            let column: Vec<u8> = matrix
                .iter()
                .map(|e| e.verdicts.as_bytes()[index])
                .collect();
            assert!(
                column.contains(&b'O'),
                "{profile}/{check} is OK on no fixture host"
            );
            assert!(
                column.iter().any(|v| *v != b'O'),
                "{profile}/{check} is never FAILED or WARNING"
            );
        }
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
    for row in &rows {
        assert_eq!(
            row["alibaba_status"], row["status"],
            "the first profile makes the row"
        );
    }
}

#[test]
fn alibaba_reports_and_summary_are_the_same_with_every_profile_beside_them() {
    let alone = evaluate("profiles-alibaba", &[]);
    let all = evaluate("profiles-all", &["--profile", "all"]);
    for host in &hosts() {
        let alone = reports_without_time(&alone.join(host));
        let all = reports_without_time(&all.join(host));
        assert_eq!(alone.len(), 2, "{host}: {:?}", alone.keys());
        assert_eq!(all.len(), 8, "{host}: {:?}", all.keys());
        for (name, text) in &alone {
            assert_eq!(Some(text), all.get(name), "{host}/{name}");
        }
    }
    let strip = |dir: &Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("summary.csv"))
            .unwrap()
            .lines()
            .map(|l| l.split(',').take(27).collect::<Vec<_>>().join(","))
            .collect()
    };
    let alone_csv = std::fs::read_to_string(alone.join("summary.csv")).unwrap();
    assert!(
        !alone_csv.contains("_status"),
        "one profile: no status columns"
    );
    assert_eq!(strip(&alone), strip(&all));
    let header = std::fs::read_to_string(all.join("summary.csv")).unwrap();
    assert!(header
        .lines()
        .next()
        .unwrap()
        .ends_with(",inode_usage,alibaba_status,aws_status,azure_status,gcp_status"));
}

#[test]
fn one_cloud_profile_alone_fills_the_summary_with_its_own_checks() {
    let out = evaluate("profiles-azure", &["--profile", "azure"]);
    let rows = read_summary(&out);
    for Expected {
        host,
        verdicts,
        status,
    } in expected_verdicts("azure")
    {
        let row = rows.iter().find(|r| r["host"] == host).unwrap();
        let got: String = AZURE_CHECKS.iter().map(|c| letter(&row[*c])).collect();
        assert_eq!(
            (got.as_str(), row["status"].as_str()),
            (verdicts.as_str(), status.as_str()),
            "{host}"
        );
        assert!(!row.contains_key("azure_status"));
        assert!(
            !out.join(host).join("image_check_report.json").exists(),
            "no Alibaba report"
        );
    }
}

#[test]
fn every_rule_of_every_profile_names_its_source_document() {
    let listed: serde_json::Value =
        serde_json::from_slice(&image_check(&["checks", "--profile", "all", "--json"]).stdout)
            .unwrap();
    let profiles = listed.as_array().unwrap();
    let names: Vec<&str> = profiles
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alibaba", "aws", "azure", "gcp"]);
    for profile in profiles {
        let checks = profile["checks"].as_array().unwrap();
        for check in checks {
            let sources = check["sources"].as_array().unwrap();
            assert!(!sources.is_empty(), "{profile} {check}");
            for source in sources {
                assert!(source["title"].as_str().unwrap().len() > 10, "{source}");
                assert!(
                    source["url"].as_str().unwrap().starts_with("https://"),
                    "{source}"
                );
            }
            assert!(!check["codes"].as_array().unwrap().is_empty());
        }
    }
    let names = |p: &serde_json::Value| -> Vec<String> {
        p["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&profiles[1]), AWS_CHECKS);
    assert_eq!(names(&profiles[2]), AZURE_CHECKS);
    assert_eq!(names(&profiles[3]), GCP_CHECKS);
    let text = String::from_utf8(image_check(&["checks", "--profile", "azure"]).stdout).unwrap();
    assert!(
        text.starts_with("Profile azure (Microsoft Azure)\n"),
        "{text}"
    );
    assert!(text.contains("19. swap (Check swap)"), "{text}");
    assert!(
        text.contains("    sources:    Microsoft Learn: Prepare Linux for imaging in Azure"),
        "{text}"
    );
    let bad = image_check(&["checks", "--profile", "oracle"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown profile `oracle`"));
}

/// The "done when": `scan --profile all` on the fixture fleet, over SSH, gives the
/// host × cloud matrix in summary.csv and report.html.
#[test]
fn scan_profile_all_gives_the_host_by_cloud_matrix_in_csv_and_html() {
    let hosts = [
        "centos7-ok",
        "debian12-ok",
        "ubuntu2204-ok",
        "ubuntu2204-zfs",
    ];
    let specs: Vec<String> = hosts.iter().map(|h| format!("{h}={h}")).collect();
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("profiles", 53, &specs);
    let out = out_dir("profiles-scan");
    let run = image_check(&[
        "scan",
        "-i",
        fleet.inventory().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
        "--profile",
        "all",
    ]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    drop(fleet);
    let rows = read_summary(&out);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let clouds = html
        .find("<h2 id=\"clouds\">Where can each host go?</h2>")
        .expect("the cloud matrix");
    assert!(
        clouds < html.find("<h2 id=\"matrix\">").unwrap(),
        "above the check matrix"
    );
    assert!(html.contains("<th>host</th><th>Alibaba Cloud</th><th>AWS</th><th>Microsoft Azure</th><th>Google Cloud</th>"));
    for host in hosts {
        let row = rows.iter().find(|r| r["host"] == host).unwrap();
        for (profile, _, _, matrix) in profiles() {
            let expected = matrix.iter().find(|e| e.host == host).unwrap();
            assert_eq!(
                row[&format!("{profile}_status")],
                expected.status,
                "{host} {profile}"
            );
            let (_, letters) = verdicts(&out.join(host), profile);
            assert_eq!(
                letters, expected.verdicts,
                "{host} {profile}: the live scan gives the captures' verdicts"
            );
            let link = format!("<a href=\"{host}/image_check_report_{profile}.json\">");
            assert!(html.contains(&link), "{link}");
        }
    }
}
