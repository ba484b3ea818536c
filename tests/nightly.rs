//! The nightly run: run folders from a date template, --keep, the lock, what changed since a
//! baseline (--baseline, diff), --fail-on exit codes, and report.html read by a real browser.

mod common;

use std::path::{Path, PathBuf};

use common::{fault_fixture, image_check, out_dir, scan_fleet, script, Fleet};

/// The chroot fleet.sh built from an absolute fixture path, to flip a host between runs.
fn live_root(fleet: &Fleet, fixture: &Path) -> PathBuf {
    fleet
        .dir
        .join("roots")
        .join(fixture.display().to_string().replace('/', "_"))
}

fn runs_in(dir: &Path) -> Vec<PathBuf> {
    let mut runs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("run.json").exists())
        .collect();
    runs.sort();
    runs
}

fn changes(dir: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(dir.join("changes.csv")).unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn two_nights_produce_exactly_the_changes_that_happened() {
    // "flips" has a clean /etc/shadow the first night and an immutable one the second;
    // "healed" runs SELinux enforcing the first night and disabled the second.
    let flips = fault_fixture("flips", "debian12-ok", |root| {
        script(root, "usr/bin/lsattr", "if [ -e /etc/locked ]; then echo '----i---------e------- /etc/shadow'; else echo '--------------e------- /etc/shadow'; fi");
    });
    let healed = fault_fixture("healed", "centos7-ok", |root| {
        std::fs::write(
            root.join("etc/selinux/config"),
            "SELINUX=enforcing\nSELINUXTYPE=targeted\n",
        )
        .unwrap();
    });
    let specs = [
        format!("flips={}", flips.display()),
        format!("healed={}", healed.display()),
        "steady=rocky9-ok".into(),
        "leaving=ubuntu2204-ok".into(),
        "down=none@refused".into(),
    ];
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("nightly", 61, &specs);
    let base = out_dir("nightly");
    let template = base.join("runs/%Y-%m-%d_%H%M%S_%f");
    let inventory = fleet.inventory();
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "-i",
            inventory.to_str().unwrap(),
            "-o",
            template.to_str().unwrap(),
            "-q",
        ];
        args.extend_from_slice(extra);
        image_check(&args)
    };

    let first = scan(&[]);
    assert_eq!(
        first.status.code(),
        Some(1),
        "FAILED checks and an unreachable host: any-failed"
    );
    let night1 = runs_in(&base.join("runs"))
        .pop()
        .expect("a run folder from the template");
    for file in ["summary.csv", "summary.md", "report.html", "run.json"] {
        assert!(night1.join(file).exists(), "{file}");
    }
    assert!(
        !night1.join("changes.csv").exists(),
        "no baseline, no changes"
    );
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(night1.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["hosts"], 5);
    assert_eq!(record["unreachable"], 1);
    assert_eq!(record["inventory_digest"].as_str().unwrap().len(), 40);

    // The day between: one host gets worse, one gets better, one leaves the scan.
    std::fs::write(live_root(&fleet, &flips).join("etc/locked"), "").unwrap();
    std::fs::write(
        live_root(&fleet, &healed).join("etc/selinux/config"),
        "SELINUX=disabled\n",
    )
    .unwrap();

    let second = scan(&[
        "--limit",
        "flips,healed,steady,down",
        "--baseline",
        night1.to_str().unwrap(),
        "--fail-on",
        "new-failed",
    ]);
    assert_eq!(second.status.code(), Some(1), "a check newly FAILED");
    let night2 = runs_in(&base.join("runs")).pop().unwrap();
    assert_ne!(night1, night2);
    assert_eq!(
        changes(&night2),
        [
            "flips shadow new_failed OK FAILED",
            "healed selinux fixed FAILED OK",
            "down  still_unreachable unreachable unreachable",
            "leaving  host_removed ok ",
        ],
        "exactly what changed"
    );
    let md = std::fs::read_to_string(night2.join("summary.md")).unwrap();
    assert!(md.contains("flips") && md.contains("shadow"), "{md}");

    // The same comparison offline, and the exit codes of --fail-on.
    let diff_out = out_dir("nightly-diff");
    let diff = image_check(&[
        "diff",
        night1.to_str().unwrap(),
        night2.join("summary.csv").to_str().unwrap(),
        "-o",
        diff_out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(diff.status.code(), Some(1));
    assert_eq!(changes(&diff_out), changes(&night2));
    let third = scan(&[
        "--limit",
        "flips,healed,steady,down",
        "--baseline",
        night2.to_str().unwrap(),
        "--fail-on",
        "new-failed",
    ]);
    assert_eq!(
        third.status.code(),
        Some(0),
        "nothing new: quiet for cron even though FAILED checks remain"
    );
    let night3 = runs_in(&base.join("runs")).pop().unwrap();
    let fourth = scan(&[
        "--limit",
        "flips,healed,steady,down",
        "--baseline",
        night3.to_str().unwrap(),
        "--fail-on",
        "any-failed",
    ]);
    assert_eq!(fourth.status.code(), Some(1));
    assert!(
        fourth.stdout.is_empty() && third.stdout.is_empty(),
        "--quiet prints nothing"
    );

    // --keep 2 leaves the two newest runs.
    scan(&["--keep", "2"]);
    assert_eq!(runs_in(&base.join("runs")).len(), 2);
}

#[test]
fn a_locked_folder_is_refused() {
    let fleet = Fleet::up("lock", 62, &["h=debian12-ok"]);
    let out = out_dir("lock");
    std::fs::write(
        out.join(".image_check.lock"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
    let run = scan_fleet(&fleet, &out, &[]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!(
            "another image_check run (pid {}) is writing",
            std::process::id()
        )),
        "{stderr}"
    );
    assert!(!out.join("summary.csv").exists());
}

/// Pixels of `png` close to the colour `rgb`.
fn pixels_like(image: &[u8], channels: usize, rgb: [u8; 3]) -> usize {
    image
        .chunks(channels)
        .filter(|p| p[..3].iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 6))
        .count()
}

#[test]
fn report_html_shows_the_coloured_matrix_in_a_real_browser() {
    let fleet = Fleet::up(
        "html",
        63,
        &[
            "good=centos7-ok",
            "bad=centos7-bad",
            "meh=sles15-ok",
            "gone=none@refused",
        ],
    );
    let out = out_dir("html");
    scan_fleet(&fleet, &out, &["-q"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("centos7") || html.contains("good"));
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).exists()).expect(
        "Debian's chromium renders report.html in this test (.ci/run installs it: apt-get install chromium)",
    );
    let profile = out.join("chromium-profile");
    let shot = out.join("report.png");
    let status = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1400,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", out.join("report.html").display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut image = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut image).unwrap();
    let channels = info.color_type.samples();
    let image = &image[..info.buffer_size()];
    // The matrix cells: OK green, WARNING amber, FAILED red, unreachable grey (report.html's CSS).
    let ok = pixels_like(image, channels, [0xcf, 0xe9, 0xd4]);
    let warning = pixels_like(image, channels, [0xff, 0xe1, 0xa0]);
    let failed = pixels_like(image, channels, [0xf5, 0xb5, 0xae]);
    let unreachable = pixels_like(image, channels, [0xdc, 0xdc, 0xdc]);
    assert!(
        ok > 2000 && warning > 300 && failed > 300 && unreachable > 300,
        "ok {ok}, warning {warning}, failed {failed}, unreachable {unreachable}"
    );
}
