//! Test support: a fleet of real OpenSSH sshd hosts on loopback (tests/fleet/fleet.sh), stopped
//! when the guard drops, also when the test fails; and a runner for the built binary.

#![allow(dead_code)] // each test binary uses part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Fleet {
    pub dir: PathBuf,
}

fn fleet_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fleet/fleet.sh")
}

impl Fleet {
    /// Starts the hosts of `specs` (`NAME=FIXTURE[@VARIANT]`) on 127.`net`.x.y; `net` must be
    /// unique among fleets that run at the same time.
    pub fn up(run: &str, net: u8, specs: &[&str]) -> Fleet {
        let dir = PathBuf::from(format!(
            "/srv/image-check-fleet/{run}-{}",
            std::process::id()
        ));
        let _ = Command::new(fleet_script()).arg("down").arg(&dir).status();
        let out = Command::new(fleet_script())
            .arg("up")
            .arg(&dir)
            .arg(net.to_string())
            .args(specs)
            .output()
            .expect("run tests/fleet/fleet.sh");
        let fleet = Fleet { dir };
        assert!(
            out.status.success(),
            "the test fleet did not start (needs root, openssh-server and busybox-static): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        fleet
    }

    pub fn inventory(&self) -> PathBuf {
        self.dir.join("inventory.toml")
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// The address fleet.sh gave host `name`.
    pub fn address(&self, name: &str) -> String {
        let hosts = std::fs::read_to_string(self.dir.join("hosts.tsv")).unwrap();
        hosts
            .lines()
            .find_map(|l| {
                let mut fields = l.split('\t');
                (fields.next() == Some(name)).then(|| fields.next().unwrap().to_string())
            })
            .unwrap_or_else(|| panic!("no host {name} in the fleet"))
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = Command::new(fleet_script())
            .arg("down")
            .arg(&self.dir)
            .status();
    }
}

/// Runs the built `image_check` binary with no terminal and no ssh-agent.
pub fn image_check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_image_check"))
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run image_check")
}

/// A fresh, empty folder for one test's output.
pub fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("image-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// summary.csv as records keyed by the header.
pub fn read_summary(dir: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(dir.join("summary.csv")).expect("summary.csv");
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}
