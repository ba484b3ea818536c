//! Hosts that misbehave, on real sockets: every fault ends as a row of summary.csv with a
//! reason (unreachable, or a WARNING), never a panic, a hang past the deadline or a lost row.
//! Also what the controller must never do: write outside its folder, pass terminal escapes or
//! spreadsheet formulas through, or leave half-written files when interrupted.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{
    fault_fixture, image_check, image_check_command, out_dir, rows_by_host, scan_fleet, script,
    walk, Fleet,
};

/// A listener on `address` that accepts connections and then, after sending `greeting`, never
/// says anything again; it lives as long as the test process.
fn silent_server(address: &str, greeting: &'static [u8]) {
    let listener = TcpListener::bind(address).expect("bind a loopback address");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(greeting);
            held.push(stream);
        }
    });
}

fn add_host(inventory: &Path, name: &str, address: &str) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(inventory)
        .unwrap();
    writeln!(
        file,
        "\n[[hosts]]\nname = \"{name}\"\naddress = \"{address}\""
    )
    .unwrap();
}

#[test]
fn network_faults_end_as_unreachable_rows_within_the_deadline() {
    let fleet = Fleet::up(
        "netfaults",
        41,
        &["refused=none@refused", "dropper=centos7-ok@drop-after-auth"],
    );
    silent_server("127.41.9.1:2222", b"");
    silent_server(
        "127.41.9.2:2222",
        b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
    );
    add_host(&fleet.inventory(), "tarpit", "127.41.9.1");
    add_host(&fleet.inventory(), "stall-in-kex", "127.41.9.2");
    let out = out_dir("netfaults");
    let started = Instant::now();
    let run = scan_fleet(&fleet, &out, &["--connect-timeout", "2", "--timeout", "8"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(run.status.code(), Some(1));
    let rows = rows_by_host(&out);
    let reason = |host: &str| {
        assert_eq!(
            rows[host]["status"], "unreachable",
            "{host}: {:?}",
            rows[host]
        );
        rows[host]["reason"].clone()
    };
    assert_eq!(reason("refused"), "connection refused");
    assert_eq!(
        reason("tarpit"),
        "connect timeout: no SSH session within 2 s"
    );
    assert_eq!(
        reason("stall-in-kex"),
        "connect timeout: no SSH session within 2 s"
    );
    assert_eq!(
        reason("dropper"),
        "the server closed the connection after authentication, before the facts were read"
    );
}

#[test]
fn encrypted_key_needs_its_passphrase_from_the_environment() {
    let fleet = Fleet::up("passphrase", 42, &["h=debian12-ok"]);
    let key = fleet.dir.join("encrypted_key");
    let made = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "open sesame",
            "-f",
            key.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(made.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(fleet.dir.join("authorized_keys"))
        .unwrap()
        .write_all(public.as_bytes())
        .unwrap();
    let text = std::fs::read_to_string(fleet.inventory()).unwrap().replace(
        &fleet.dir.join("id_ed25519").display().to_string(),
        &key.display().to_string(),
    );
    let inventory = fleet.dir.join("encrypted.toml");
    std::fs::write(&inventory, text).unwrap();
    let out = out_dir("passphrase");
    let args = [
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];

    let without = image_check(&args);
    assert_eq!(without.status.code(), Some(1));
    assert_eq!(
        rows_by_host(&out)["h"]["reason"],
        format!(
            "authentication failed for user root: no key to offer (set identity_file, or start ssh-agent); key {} is encrypted: set IMAGE_CHECK_KEY_PASSPHRASE or add it to ssh-agent",
            key.display()
        )
    );
    let with = image_check_command(&args)
        .env("IMAGE_CHECK_KEY_PASSPHRASE", "open sesame")
        .output()
        .unwrap();
    assert_ne!(
        rows_by_host(&out)["h"]["status"],
        "unreachable",
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let report = std::fs::read_to_string(out.join("h/image_check_report.json")).unwrap();
    assert!(!report.contains("open sesame"), "no secret in reports");
}

#[test]
fn hung_commands_cost_a_fact_and_the_deadline_bounds_the_host() {
    let one_hangs = fault_fixture("df-hangs", "centos7-ok", |root| {
        script(root, "usr/bin/df", "sleep 1000")
    });
    let all_hang = fault_fixture("all-hang", "centos7-ok", |root| {
        script(root, "usr/bin/df", "sleep 1000");
        script(root, "usr/bin/tune2fs", "sleep 1000");
        script(root, "usr/bin/lsinitrd", "sleep 1000");
    });
    let specs = [
        format!("slow={}", one_hangs.display()),
        format!("stuck={}", all_hang.display()),
        "fine=debian12-ok".to_string(),
    ];
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("hangs", 43, &specs);
    let out = out_dir("hangs");
    let started = Instant::now();
    scan_fleet(&fleet, &out, &["--timeout", "6"]);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    let rows = rows_by_host(&out);
    assert_eq!(rows["slow"]["disk_usage"], "WARNING");
    assert_eq!(rows["slow"]["inode_usage"], "WARNING");
    let txt = std::fs::read_dir(out.join("slow"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".txt"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .unwrap();
    assert!(
        txt.contains("could not read df -P -k /: `df -P -k /`: no answer within 3 s"),
        "{txt}"
    );
    // Logged in, so reported: the facts read before the deadline decide, the rest are x099.
    assert_ne!(
        rows["stuck"]["status"], "unreachable",
        "{:?}",
        rows["stuck"]
    );
    assert_eq!(rows["stuck"]["disk_usage"], "WARNING");
    assert_eq!(rows["stuck"]["ssh"], "OK");
    assert_ne!(
        rows["fine"]["status"], "unreachable",
        "the scan goes on past broken hosts"
    );
}

#[test]
fn a_flood_of_output_is_cut_and_memory_stays_bounded() {
    let flood = fault_fixture("flood", "centos7-ok", |root| {
        script(root, "usr/bin/df", "yes 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | head -c 104857600")
    });
    let spec = format!("flood={}", flood.display());
    let fleet = Fleet::up("flood", 44, &[&spec]);
    let out = out_dir("flood");
    // Peak RSS of the scan, measured by a parent that waits for it.
    let measured = std::process::Command::new("python3")
        .args([
            "-c",
            "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
            env!("CARGO_BIN_EXE_image_check"),
            "scan", "-i", fleet.inventory().to_str().unwrap(), "-o", out.to_str().unwrap(),
        ])
        .output()
        .expect("python3");
    let peak_kb: u64 = String::from_utf8_lossy(&measured.stdout)
        .trim()
        .parse()
        .expect("peak RSS");
    assert!(
        peak_kb < 120 * 1024,
        "peak RSS {peak_kb} KiB for 2 x 100 MB of output"
    );
    let rows = rows_by_host(&out);
    assert_eq!(rows["flood"]["disk_usage"], "WARNING");
    let json = std::fs::read_to_string(out.join("flood/image_check_report.json")).unwrap();
    assert!(
        json.contains("printed more than 16 MiB, the cap of one source: output cut, not parsed"),
        "{json}"
    );
}

#[test]
fn garbage_empty_and_missing_files_become_reasons() {
    let garbage = fault_fixture("garbage", "centos7-ok", |root| {
        let bytes: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let _ = std::fs::remove_file(root.join("etc/os-release"));
        std::fs::write(root.join("etc/os-release"), bytes).unwrap();
        let passwd = std::fs::read(root.join("etc/passwd")).unwrap();
        let mut latin1 = b"root:x:0:0:r\xe9seau root:/root:/bin/bash\n".to_vec();
        latin1.extend(
            passwd
                .split(|b| *b == b'\n')
                .skip(1)
                .flat_map(|l| l.iter().copied().chain([b'\n'])),
        );
        std::fs::write(root.join("etc/passwd"), latin1).unwrap();
    });
    let empty = fault_fixture("empty", "centos7-ok", |root| {
        let _ = std::fs::remove_file(root.join("etc/os-release"));
        std::fs::write(root.join("etc/os-release"), "").unwrap();
        let _ = std::fs::remove_dir_all(root.join("etc/ssh"));
    });
    let specs = [
        format!("garbage={}", garbage.display()),
        format!("empty={}", empty.display()),
    ];
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("garbage", 45, &specs);
    let out = out_dir("garbage");
    scan_fleet(&fleet, &out, &[]);
    let rows = rows_by_host(&out);
    // The vendor file still names the system when os-release is garbage or empty.
    assert_eq!(
        (
            rows["garbage"]["platform"].as_str(),
            rows["garbage"]["os_version"].as_str()
        ),
        ("CentOS", "7.9")
    );
    assert_eq!(
        (
            rows["empty"]["platform"].as_str(),
            rows["empty"]["os_version"].as_str()
        ),
        ("CentOS", "7.9")
    );
    assert_eq!(
        rows["garbage"]["root"], "OK",
        "a non-UTF-8 byte does not hide root"
    );
    assert_eq!(rows["empty"]["ssh"], "WARNING");
    let json = std::fs::read_to_string(out.join("empty/image_check_report.json")).unwrap();
    assert!(json.contains("\"error_code\": \"6003\""), "{json}");
}

#[test]
fn sudo_that_wants_a_password_is_a_reason_not_a_hang() {
    let sudo = fault_fixture("sudo-password", "centos7-ok", |root| {
        script(
            root,
            "usr/bin/sudo",
            "echo 'sudo: a password is required' >&2\nexit 1",
        );
    });
    let spec = format!("h={}@become", sudo.display());
    let fleet = Fleet::up("sudo", 46, &[&spec]);
    let out = out_dir("sudo");
    let started = Instant::now();
    scan_fleet(&fleet, &out, &[]);
    assert!(started.elapsed() < Duration::from_secs(10));
    let rows = rows_by_host(&out);
    assert_eq!(rows["h"]["shadow"], "WARNING");
    // The login here is root: the disk header is read over SFTP, sudo is not needed for it.
    assert_eq!(rows["h"]["partition_table"], "OK");
    let json = std::fs::read_to_string(out.join("h/image_check_report.json")).unwrap();
    assert!(
        json.contains(
            "`sudo -n -- lsattr /etc/shadow` failed: exit status 1: sudo: a password is required"
        ) || json
            .contains("`lsattr /etc/shadow` failed: exit status 1: sudo: a password is required"),
        "{json}"
    );
}

#[test]
fn hostile_names_stay_inside_the_output_folder_and_csv_cells_are_defused() {
    let fleet = Fleet::up("hostile", 47, &["good=debian12-ok"]);
    let address = fleet.address("good");
    for name in [
        "../../etc/x",
        "a/b",
        "a_b",
        "CON",
        "=cmd|' /C calc'!A0",
        "+1+1",
        "@SUM(A1)",
        &"h".repeat(300),
    ] {
        add_host(
            &fleet.inventory(),
            &name.replace('\\', "\\\\").replace('"', "\\\""),
            &address,
        );
    }
    let parent = out_dir("hostile");
    let out = parent.join("reports");
    scan_fleet(&fleet, &out, &["-q"]);
    // Nothing but the reports folder appeared next to it, and one folder per host inside.
    let beside: Vec<_> = std::fs::read_dir(&parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(beside, ["reports"]);
    let folders = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .count();
    assert_eq!(folders, 9);
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(
        csv.contains("\"'=cmd|' /C calc'!A0\"") || csv.contains("'=cmd|' /C calc'!A0"),
        "{csv}"
    );
    assert!(
        csv.contains("'+1+1,") && csv.contains("'@SUM(A1),"),
        "{csv}"
    );
    // Python's csv module reads the same rows.
    let python = std::process::Command::new("python3")
        .args(["-c", "import csv,sys; rows=list(csv.DictReader(open(sys.argv[1], newline=''))); print(len(rows), sorted(r['host'] for r in rows)[0])", out.join("summary.csv").to_str().unwrap()])
        .output()
        .expect("python3");
    assert_eq!(String::from_utf8_lossy(&python.stdout).trim(), "9 '+1+1");
}

#[test]
fn terminal_escapes_from_a_host_never_reach_the_console_or_reports() {
    let evil = fault_fixture("escapes", "centos7-ok", |root| {
        // Without the kernel's configuration, the machine is asked of `uname -m`.
        std::fs::remove_file(root.join("boot/config-3.10.0-1160.el7.x86_64")).unwrap();
        script(
            root,
            "usr/bin/uname",
            "printf 'x86_64\\033]0;pwned\\007\\033[2J\\n'",
        );
        script(
            root,
            "usr/bin/lsattr",
            "printf '\\033[31mlsattr: boom\\033[0m\\n' >&2; exit 1",
        );
    });
    let spec = format!("evil={}", evil.display());
    let fleet = Fleet::up("escapes", 48, &[&spec]);
    let out = out_dir("escapes");
    let run = scan_fleet(&fleet, &out, &[]);
    assert!(
        !run.stdout.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    for entry in std::fs::read_dir(out.join("evil")).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        if !entry.file_name().to_string_lossy().starts_with("facts") {
            assert!(!bytes.contains(&0x1b), "{}", entry.path().display());
        }
    }
    assert!(!std::fs::read(out.join("summary.csv"))
        .unwrap()
        .contains(&0x1b));
    assert_eq!(rows_by_host(&out)["evil"]["architecture"], "x86_64");
}

fn wait_for(path: &Path, limit: Duration) {
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < limit,
            "{} did not appear",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &std::process::Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args(["-s", name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn interrupt_finishes_in_flight_hosts_marks_the_rest_and_exits_130_or_143() {
    let slow = fault_fixture("slow", "centos7-ok", |root| {
        script(root, "usr/bin/df", "sleep 30")
    });
    let slow_spec = |name: &str| format!("{name}={}", slow.display());
    let specs = [
        "fast=debian12-ok".to_string(),
        slow_spec("slow-1"),
        slow_spec("slow-2"),
    ];
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("signals", 49, &specs);
    for (signal_name, code) in [("INT", 130), ("TERM", 143)] {
        let out = out_dir(&format!("signals-{signal_name}"));
        let mut child = image_check_command(&[
            "scan",
            "-i",
            fleet.inventory().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-c",
            "2",
            "--timeout",
            "100",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
        wait_for(
            &out.join("fast/image_check_report.json"),
            Duration::from_secs(15),
        );
        std::thread::sleep(Duration::from_millis(300));
        let asked = Instant::now();
        signal(&child, signal_name);
        let status = child.wait().unwrap();
        assert!(
            asked.elapsed() < Duration::from_secs(9),
            "grace is 5 s, took {:?}",
            asked.elapsed()
        );
        assert_eq!(status.code(), Some(code));
        let rows = rows_by_host(&out);
        assert_ne!(rows["fast"]["status"], "interrupted");
        assert_eq!(rows["slow-1"]["status"], "interrupted");
        assert_eq!(rows["slow-2"]["status"], "interrupted");
        assert_eq!(
            rows["slow-2"]["reason"],
            "the scan was interrupted before this host finished"
        );
    }

    // A second signal exits at once and leaves no temporary file.
    let out = out_dir("signals-twice");
    let mut child = image_check_command(&[
        "scan",
        "-i",
        fleet.inventory().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--timeout",
        "100",
    ])
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    wait_for(
        &out.join("fast/image_check_report.json"),
        Duration::from_secs(15),
    );
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(200));
    let asked = Instant::now();
    signal(&child, "INT");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert!(asked.elapsed() < Duration::from_secs(2));
    let leftovers: Vec<_> = walk(&out)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn ssh_agent_key_logs_in_without_any_key_file() {
    let fleet = Fleet::up("agent", 50, &["h=debian12-ok"]);
    // No identity_file and a home without ~/.ssh: the agent is the only way in.
    let text = std::fs::read_to_string(fleet.inventory()).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("identity_file"))
        .map(|l| format!("{l}\n"))
        .collect();
    let inventory = fleet.dir.join("agent.toml");
    std::fs::write(&inventory, text).unwrap();
    let home = out_dir("agent-home");
    let socket = home.join("agent.sock");
    let agent = std::process::Command::new("ssh-agent")
        .arg("-a")
        .arg(&socket)
        .output()
        .expect("ssh-agent");
    assert!(agent.status.success());
    let pid: String = String::from_utf8_lossy(&agent.stdout)
        .split("SSH_AGENT_PID=")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_default()
        .to_string();
    struct Agent(String);
    impl Drop for Agent {
        fn drop(&mut self) {
            let _ = std::process::Command::new("kill").arg(&self.0).status();
        }
    }
    let _agent = Agent(pid);
    let added = std::process::Command::new("ssh-add")
        .arg(fleet.dir.join("id_ed25519"))
        .env("SSH_AUTH_SOCK", &socket)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let out = out_dir("agent");
    let args = [
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-ssh-config",
        "-q",
    ];
    image_check_command(&args)
        .env("SSH_AUTH_SOCK", &socket)
        .env("HOME", &home)
        .output()
        .unwrap();
    assert_eq!(rows_by_host(&out)["h"]["platform"], "Debian");
    image_check_command(&args)
        .env("HOME", &home)
        .output()
        .unwrap();
    assert_eq!(
        rows_by_host(&out)["h"]["reason"],
        "authentication failed for user root: no key to offer (set identity_file, or start ssh-agent)"
    );
}

#[test]
fn a_stuck_sftp_session_costs_time_not_facts() {
    let fleet = Fleet::up(
        "sftp-hangs",
        97,
        &["stuck=debian12-ok@sftp-hangs", "fine=debian12-ok"],
    );
    let out = out_dir("sftp-hangs");
    let started = Instant::now();
    scan_fleet(&fleet, &out, &["-q", "--timeout", "16"]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(22), "took {took:?}");
    let rows = rows_by_host(&out);
    let verdicts = |host: &str| {
        let row = &rows[host];
        let mut cells: Vec<(String, String)> = row
            .iter()
            .filter(|(k, _)| !["host", "address", "reason"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        cells.sort();
        cells
    };
    assert_eq!(
        verdicts("stuck"),
        verdicts("fine"),
        "every file read again over exec: {:?}",
        rows["stuck"]
    );
}
