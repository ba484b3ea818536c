//! The command line without a fleet: bad inventories, `inventory`, `local`, and the Docker demo
//! files agreeing with their inventory.

mod common;

use std::path::Path;

use common::{image_check, out_dir};

#[test]
fn bad_inventory_exits_2_with_file_line_and_column() {
    let dir = out_dir("bad-inventory");
    let file = dir.join("hosts.toml");
    std::fs::write(
        &file,
        "[defaults]\nuser = \"root\"\nprot = 22\n\n[[hosts]]\nname = \"a\"\n",
    )
    .unwrap();
    let run = image_check(&[
        "scan",
        "-i",
        file.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: {}:3:1: unknown field `prot`",
            file.display()
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(!dir.join("summary.csv").exists());

    let missing = image_check(&["inventory", "-i", "/nonexistent/hosts.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr)
        .contains("/nonexistent/hosts.toml: cannot read the inventory"));
}

#[test]
fn inventory_lists_resolved_hosts_without_connecting() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("inventories/example.toml");
    let run = image_check(&[
        "inventory",
        "-i",
        example.to_str().unwrap(),
        "--limit",
        "db*",
    ]);
    assert_eq!(run.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&run.stdout);
    let lines: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["name", "address", "port", "user", "groups"]);
    assert_eq!(
        lines[1],
        ["db-a", "db-a.internal", "22", "root", "db,centos6"]
    );
    assert_eq!(lines[4], ["db-v6", "fd00::5", "2222", "root"]);
    assert_eq!(lines.len(), 5);
}

#[test]
fn ansible_inventory_list_json_lists_the_hosts_its_static_inventory_does() {
    let ansible = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ansible");
    let list = |inventory: &Path| {
        let run = image_check(&[
            "inventory",
            "-i",
            inventory.to_str().unwrap(),
            "--limit",
            "prod:!db",
        ]);
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        String::from_utf8_lossy(&run.stdout).into_owned()
    };
    let from_json = list(&ansible.join("list/fleet_ini.json"));
    assert_eq!(from_json, list(&ansible.join("fleet.ini")));
    let rows: Vec<Vec<&str>> = from_json
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 5, "{from_json}");
    assert_eq!(
        rows[4],
        ["web-legacy", "10.0.0.9", "2222", "deploy", "prod,web"]
    );
}

#[test]
fn fail_on_without_a_baseline_counts_every_problem_as_new() {
    let captures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captures");
    let exit = |capture: &str, fail_on: &str| {
        let out = out_dir(&format!("fail-on-{capture}-{fail_on}"));
        let capture = captures.join(format!("{capture}.json.gz"));
        let args = [
            "evaluate",
            capture.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-q",
        ];
        image_check(&[&args[..], &["--fail-on", fail_on]].concat())
            .status
            .code()
    };
    // centos7-bad has FAILED checks; debian12-vmware only WARNINGs.
    let modes = ["any-failed", "new-failed", "new-any", "never"];
    assert_eq!(
        modes.map(|m| exit("centos7-bad", m)),
        [Some(1), Some(1), Some(1), Some(0)]
    );
    assert_eq!(
        modes.map(|m| exit("debian12-vmware", m)),
        [Some(0), Some(0), Some(1), Some(0)]
    );
}

#[test]
fn local_checks_this_machine_and_writes_both_reports() {
    let dir = out_dir("local");
    let run = image_check(&["local", "-p", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.starts_with("Begin check your system......\nThe report is generating.\n"),
        "{stdout}"
    );
    assert!(stdout.contains("Please read the report to check the details."));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("image_check_report.json")).unwrap(),
    )
    .unwrap();
    let uname = std::process::Command::new("uname")
        .arg("-m")
        .output()
        .unwrap();
    assert_eq!(
        json["architecture"],
        String::from_utf8_lossy(&uname.stdout).trim()
    );
    let txt = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("image_check_report_")
        })
        .expect("the TXT report");
    assert!(stdout.contains(&format!(
        "The report is generated: {}",
        txt.path().display()
    )));
}

#[test]
fn docker_compose_demo_and_its_inventory_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let compose = std::fs::read_to_string(root.join("docker-compose.yml")).unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&compose).unwrap();
    let services = docs[0]["services"].as_hash().expect("services");
    let mut from_compose: Vec<(String, u16)> = services
        .iter()
        .map(|(name, service)| {
            let port = service["ports"][0].as_str().expect("a port mapping");
            let host_port = port.rsplit(':').nth(1).unwrap().parse().unwrap();
            let dockerfile = service["build"]["dockerfile"].as_str().unwrap();
            assert!(root.join(dockerfile).exists(), "{dockerfile}");
            (name.as_str().unwrap().to_string(), host_port)
        })
        .collect();
    from_compose.sort();

    let inventory = root.join("inventories/compose.toml");
    let paths = image_check::inventory::UserPaths {
        home: "/root".into(),
        default_identities: vec![],
    };
    let targets = image_check::inventory::parse_hosts_toml(
        &std::fs::read_to_string(&inventory).unwrap(),
        &inventory,
        &paths,
    )
    .unwrap();
    let mut from_inventory: Vec<(String, u16)> =
        targets.iter().map(|t| (t.name.clone(), t.port)).collect();
    from_inventory.sort();
    assert_eq!(from_compose, from_inventory);
    assert!(from_compose.len() >= 3);
    for target in &targets {
        assert_eq!(target.address, "127.0.0.1");
        assert_eq!(
            target.identity_files,
            [root.join("inventories/../examples/demo_key")]
        );
    }
}
