//! A server whose Banner is larger than SSH packets may be (sshd cannot send it and closes the
//! connection during authentication): the host is unreachable with that reason, not
//! "authentication failed", which would send the operator after the keys.

mod common;

use std::path::Path;
use std::process::Command;

use common::{image_check, out_dir, rows_by_host};

/// An sshd of its own on 127.0.0.1:`port` with `banner` as its Banner, root logging in with
/// the key `dir/client`; stopped when dropped.
struct BannerServer {
    pid_file: std::path::PathBuf,
}

impl BannerServer {
    fn start(dir: &Path, port: u16, banner: &[u8]) -> BannerServer {
        let keygen = |name: &str| {
            let status = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(dir.join(name))
                .status()
                .unwrap();
            assert!(status.success());
        };
        keygen("hostkey");
        keygen("client");
        std::fs::copy(dir.join("client.pub"), dir.join("authorized_keys")).unwrap();
        std::fs::write(dir.join("banner"), banner).unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/hostkey\nPidFile {d}/sshd.pid\n\
                 AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nPermitRootLogin yes\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
                 Banner {d}/banner\n"
            ),
        )
        .unwrap();
        // sshd refuses to start without its privilege separation folder, which only a booted
        // system's service manager makes.
        let _ = std::fs::create_dir_all("/run/sshd");
        let status = Command::new("/usr/sbin/sshd")
            .arg("-f")
            .arg(dir.join("sshd_config"))
            .arg("-E")
            .arg(dir.join("sshd.log"))
            .status()
            .expect("run /usr/sbin/sshd (openssh-server)");
        assert!(status.success());
        let server = BannerServer {
            pid_file: dir.join("sshd.pid"),
        };
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("sshd did not listen on port {port}");
    }
}

impl Drop for BannerServer {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.pid_file) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

#[test]
fn a_banner_too_large_to_send_is_not_an_authentication_failure() {
    let dir = out_dir("banner");
    let port = 22990;
    // 300 KB of text: more than the 256 KiB an SSH packet may carry.
    let banner: Vec<u8> = (0..300_000u32)
        .map(|i| {
            if i % 77 == 76 {
                b'\n'
            } else {
                b'a' + (i % 26) as u8
            }
        })
        .collect();
    let _server = BannerServer::start(&dir, port, &banner);
    let inventory = dir.join("hosts.toml");
    std::fs::write(
        &inventory,
        format!(
            "[[hosts]]\nname = \"big-banner\"\naddress = \"127.0.0.1\"\nport = {port}\n\
             identity_file = \"{}/client\"\nhost_key_check = \"off\"\n",
            dir.display()
        ),
    )
    .unwrap();
    let out = dir.join("run");
    let run = image_check(&[
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
        "--no-ssh-config",
    ]);
    assert_eq!(run.status.code(), Some(1));
    let rows = rows_by_host(&out);
    let row = &rows["big-banner"];
    assert_eq!(row["status"], "unreachable");
    assert!(
        row["reason"].starts_with(
            "the server closed the connection during authentication of user root, before answering"
        ) && row["reason"].contains("a Banner file over 256 KiB is one cause"),
        "{}",
        row["reason"]
    );
}
