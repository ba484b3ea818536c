//! `become` with Debian's real sudo and real sudoers rules: a user with NOPASSWD, a user whose
//! sudo wants a password (given through become_password_env, or wrong), over real sshd hosts
//! that serve this machine's own root (sudo cannot run inside the busybox chroots).

mod common;

use std::process::Command;

use common::{image_check_command, out_dir, rows_by_host, Fleet};

const SUDOERS: &str = "/etc/sudoers.d/image-check-test";

/// Two login users and their sudoers rules, removed on drop.
struct SudoUsers {
    names: [String; 2],
}

impl SudoUsers {
    fn create() -> SudoUsers {
        assert!(
            std::path::Path::new("/usr/bin/sudo").exists(),
            "Debian's sudo (.ci/run installs it: apt-get install sudo)"
        );
        let id = std::process::id() % 100_000;
        let names = [format!("icnp{id}"), format!("icpw{id}")];
        for name in &names {
            let _ = Command::new("userdel").arg(name).status();
            let status = Command::new("useradd")
                .args(["-M", "-s", "/bin/bash", name])
                .status()
                .unwrap();
            assert!(status.success(), "useradd {name}");
        }
        // Both get a password: sshd (without PAM) refuses accounts whose password is locked.
        let mut chpasswd = Command::new("chpasswd")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let lines = format!(
            "{}:unused but set\n{}:right horse battery\n",
            names[0], names[1]
        );
        std::io::Write::write_all(chpasswd.stdin.as_mut().unwrap(), lines.as_bytes()).unwrap();
        assert!(chpasswd.wait().unwrap().success());
        std::fs::write(
            SUDOERS,
            format!(
                "{} ALL=(ALL) NOPASSWD: ALL\n{} ALL=(ALL) ALL\n",
                names[0], names[1]
            ),
        )
        .unwrap();
        Command::new("chmod")
            .args(["0440", SUDOERS])
            .status()
            .unwrap();
        SudoUsers { names }
    }
}

impl Drop for SudoUsers {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(SUDOERS);
        for name in &self.names {
            let _ = Command::new("userdel").arg(name).status();
        }
    }
}

#[test]
fn become_uses_real_sudo_with_and_without_a_password() {
    let users = SudoUsers::create();
    let fleet = Fleet::up(
        "sudo-real",
        91,
        &[
            "nopass=x@host-root",
            "plain=x@host-root",
            "withpw=x@host-root",
            "wrongpw=x@host-root",
        ],
    );
    let (nopass, withpw) = (&users.names[0], &users.names[1]);
    let inventory = std::fs::read_to_string(fleet.inventory())
        .unwrap()
        .replace("name = \"nopass\"", &format!("name = \"nopass\"\nuser = \"{nopass}\"\nbecome = true"))
        .replace("name = \"plain\"", &format!("name = \"plain\"\nuser = \"{nopass}\""))
        .replace("name = \"withpw\"", &format!("name = \"withpw\"\nuser = \"{withpw}\"\nbecome = true\nbecome_password_env = \"IC_TEST_SUDO\""))
        .replace("name = \"wrongpw\"", &format!("name = \"wrongpw\"\nuser = \"{withpw}\"\nbecome = true\nbecome_password_env = \"IC_TEST_SUDO_WRONG\""));
    let inventory_path = fleet.dir.join("sudo.toml");
    std::fs::write(&inventory_path, inventory).unwrap();
    let out = out_dir("sudo-real");
    let started = std::time::Instant::now();
    let run = image_check_command(&[
        "scan",
        "-i",
        inventory_path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-ssh-config",
        "-q",
    ])
    .env("IC_TEST_SUDO", "right horse battery")
    .env("IC_TEST_SUDO_WRONG", "wrong")
    .output()
    .unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "a wrong password must not hang"
    );
    let rows = rows_by_host(&out);
    let json = |host: &str| {
        std::fs::read_to_string(out.join(host).join("image_check_report.json")).unwrap()
    };
    // lsattr /etc/shadow needs root: it works through sudo, and fails without it.
    assert_eq!(
        rows["nopass"]["shadow"],
        "OK",
        "{:?} {}",
        rows["nopass"],
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(rows["withpw"]["shadow"], "OK", "{}", json("withpw"));
    assert_eq!(rows["plain"]["shadow"], "WARNING");
    assert!(
        json("plain").contains("Permission denied"),
        "{}",
        json("plain")
    );
    assert_eq!(rows["wrongpw"]["shadow"], "WARNING");
    assert!(
        json("wrongpw").contains("Sorry, try again"),
        "{}",
        json("wrongpw")
    );
    for host in ["nopass", "plain", "withpw", "wrongpw"] {
        let report = json(host);
        assert!(
            !report.contains("right horse battery") && !report.contains("\"wrong\""),
            "no password in {host}'s report"
        );
    }
}
