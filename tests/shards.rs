//! Sharded scans: three processes, each given its shard the way a Kubernetes Indexed Job gives
//! it (JOB_COMPLETION_INDEX with --shards), merged, equal the scan of one process.

mod common;

use common::{image_check, image_check_command, out_dir, read_summary, Fleet};

#[test]
fn three_shards_merged_equal_one_scan() {
    let hosts = [
        "c6=centos6-ok",
        "c7=centos7-ok",
        "c7b=centos7-bad",
        "r9=rocky9-ok",
        "u18=ubuntu1804-ok",
        "u22=ubuntu2204-ok",
        "d12=debian12-ok",
        "d12b=debian12-bad",
        "s15=sles15-ok",
        "l15=opensuse-leap15-ok",
        "a2=amzn2-ok",
        "al3=alinux3-ok",
        "down=none@refused",
    ];
    let fleet = Fleet::up("shards", 71, &hosts);
    let inventory = fleet.inventory();
    let inventory = inventory.to_str().unwrap();
    let whole = out_dir("shards-whole");
    image_check(&["scan", "-i", inventory, "-o", whole.to_str().unwrap(), "-q"]);

    let base = out_dir("shards");
    let mut shard_dirs = Vec::new();
    let mut sizes = Vec::new();
    for index in 0..3 {
        let dir = base.join(format!("shard-{index}"));
        let run = image_check_command(&[
            "scan",
            "-i",
            inventory,
            "-o",
            dir.to_str().unwrap(),
            "--shards",
            "3",
            "-q",
        ])
        .env("JOB_COMPLETION_INDEX", index.to_string())
        .output()
        .unwrap();
        assert!(
            run.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
        assert_eq!(record["shard"], format!("{index}/3"));
        sizes.push(read_summary(&dir).len());
        shard_dirs.push(dir);
    }
    assert_eq!(
        sizes.iter().sum::<usize>(),
        hosts.len(),
        "each host in exactly one shard: {sizes:?}"
    );

    let merged = base.join("merged");
    let mut args = vec![
        "merge",
        "-o",
        merged.to_str().unwrap(),
        "-i",
        inventory,
        "-q",
    ];
    let dirs: Vec<String> = shard_dirs.iter().map(|d| d.display().to_string()).collect();
    args.extend(dirs.iter().map(String::as_str));
    let run = image_check(&args);
    assert_eq!(
        run.status.code(),
        Some(1),
        "FAILED checks and an unreachable host: {}",
        String::from_utf8_lossy(&run.stderr)
    );

    // Same rows, same order, same verdicts; per-host reports all there.
    let strip =
        |rows: Vec<std::collections::HashMap<String, String>>| -> Vec<Vec<(String, String)>> {
            rows.into_iter()
                .map(|row| {
                    let mut cells: Vec<(String, String)> = row.into_iter().collect();
                    cells.sort();
                    cells
                })
                .collect()
        };
    assert_eq!(strip(read_summary(&merged)), strip(read_summary(&whole)));
    for host in ["c7b", "u22", "al3"] {
        assert!(
            merged.join(host).join("image_check_report.json").exists(),
            "{host}"
        );
    }
    for file in ["summary.md", "report.html", "run.json"] {
        assert!(merged.join(file).exists(), "{file}");
    }

    // Refusals: a shard twice, and shards of another inventory.
    let twice = image_check(&[
        "merge",
        "-o",
        base.join("twice").to_str().unwrap(),
        &dirs[0],
        &dirs[0],
    ]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("are both shard 0/3"));
    let other_inventory = fleet.dir.join("other.toml");
    std::fs::write(
        &other_inventory,
        std::fs::read_to_string(fleet.inventory()).unwrap() + "\n# changed\n",
    )
    .unwrap();
    let foreign = base.join("foreign");
    let run = image_check_command(&[
        "scan",
        "-i",
        other_inventory.to_str().unwrap(),
        "-o",
        foreign.to_str().unwrap(),
        "--shard",
        "1/3",
        "-q",
    ])
    .output()
    .unwrap();
    assert!(run.status.code().is_some_and(|c| c <= 1));
    let mixed = image_check(&[
        "merge",
        "-o",
        base.join("mixed").to_str().unwrap(),
        &dirs[0],
        foreign.to_str().unwrap(),
    ]);
    assert_eq!(mixed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&mixed.stderr).contains("scanned different inventories"));
}
