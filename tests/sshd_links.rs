//! An sshd_config that is a symlink leading nowhere, on real sshd hosts: the report says which
//! (a loop, ELOOP, with the chain; or a dangling link and its target), never "not installed".

mod common;

use common::{fault_fixture, out_dir, rows_by_host, scan_fleet, Fleet};

#[test]
fn a_looping_or_dangling_sshd_config_is_named_precisely() {
    let linked = |name: &str, links: &'static [(&'static str, &'static str)]| {
        fault_fixture(name, "debian12-ok", move |root| {
            let ssh = root.join("etc/ssh");
            std::fs::remove_file(ssh.join("sshd_config")).unwrap();
            for (link, target) in links {
                std::os::unix::fs::symlink(target, ssh.join(link)).unwrap();
            }
        })
    };
    let hosts = [
        (
            "self",
            linked("self-loop", &[("sshd_config", "sshd_config")]),
        ),
        (
            "pair",
            linked(
                "pair-loop",
                &[("sshd_config", "/etc/ssh/other"), ("other", "sshd_config")],
            ),
        ),
        (
            "dangling",
            linked("dangling", &[("sshd_config", "gone.conf")]),
        ),
    ];
    let specs: Vec<String> = hosts
        .iter()
        .map(|(name, root)| format!("{name}={}", root.display()))
        .collect();
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("sshd-links", 96, &specs);
    let out = out_dir("sshd-links");
    scan_fleet(&fleet, &out, &["-q"]);
    let rows = rows_by_host(&out);
    for (host, line) in [
        (
            "self",
            "/etc/ssh/sshd_config is a symlink loop (ELOOP: /etc/ssh/sshd_config -> /etc/ssh/sshd_config): sshd cannot open it",
        ),
        (
            "pair",
            "/etc/ssh/sshd_config is a symlink loop (ELOOP: /etc/ssh/sshd_config -> /etc/ssh/other -> /etc/ssh/sshd_config): sshd cannot open it",
        ),
        (
            "dangling",
            "/etc/ssh/sshd_config is a dangling symlink (/etc/ssh/sshd_config -> /etc/ssh/gone.conf, which does not exist): sshd cannot open it",
        ),
    ] {
        assert_eq!(rows[host]["ssh"], "FAILED", "{host}: {:?}", rows[host]);
        let report =
            std::fs::read_to_string(out.join(host).join("image_check_report.json")).unwrap();
        assert!(report.contains(line), "{host}: no {line:?} in {report}");
        assert!(
            !report.contains("OpenSSH server is not installed"),
            "{host}: {report}"
        );
    }
}
