//! Hosts the controller cannot route to, reached through a bastion: two network namespaces
//! joined by veth pairs (controller ↔ bastion ↔ inner hosts), real sshd in each.

mod common;

use std::process::Command;

use common::{image_check, out_dir, rows_by_host, Fleet};

/// Two namespaces and their links, deleted (with their veth pairs) on drop.
struct Network {
    bastion: String,
    inner: String,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("ip (iproute2)");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Network {
    /// controller 169.254.77.1/30 — 169.254.77.2 bastion 169.254.78.1/29 — inner .2 and .3
    fn up() -> Network {
        let id = std::process::id() % 10000;
        let network = Network {
            bastion: format!("icb{id}"),
            inner: format!("ici{id}"),
        };
        let (b, i) = (network.bastion.as_str(), network.inner.as_str());
        let (outer0, outer1, inner0, inner1) = (
            format!("{b}o0"),
            format!("{b}o1"),
            format!("{i}i0"),
            format!("{i}i1"),
        );
        ip(&["netns", "add", b]);
        ip(&["netns", "add", i]);
        ip(&[
            "link", "add", &outer0, "type", "veth", "peer", "name", &outer1,
        ]);
        ip(&["link", "set", &outer1, "netns", b]);
        ip(&["addr", "add", "169.254.77.1/30", "dev", &outer0]);
        ip(&["link", "set", &outer0, "up"]);
        ip(&["-n", b, "addr", "add", "169.254.77.2/30", "dev", &outer1]);
        ip(&["-n", b, "link", "set", &outer1, "up"]);
        ip(&["-n", b, "link", "set", "lo", "up"]);
        ip(&[
            "-n", b, "link", "add", &inner0, "type", "veth", "peer", "name", &inner1,
        ]);
        ip(&["-n", b, "link", "set", &inner1, "netns", i]);
        ip(&["-n", b, "addr", "add", "169.254.78.1/29", "dev", &inner0]);
        ip(&["-n", b, "link", "set", &inner0, "up"]);
        ip(&["-n", i, "addr", "add", "169.254.78.2/29", "dev", &inner1]);
        ip(&["-n", i, "addr", "add", "169.254.78.3/29", "dev", &inner1]);
        ip(&["-n", i, "link", "set", &inner1, "up"]);
        ip(&["-n", i, "link", "set", "lo", "up"]);
        network
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.bastion])
            .status();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.inner])
            .status();
    }
}

#[test]
fn hosts_behind_a_bastion_are_scanned_through_it_and_only_through_it() {
    let network = Network::up();
    let specs = [
        format!("bastion=debian12-ok@netns:{}:169.254.77.2", network.bastion),
        format!("inner-a=centos7-ok@netns:{}:169.254.78.2", network.inner),
        format!("inner-b=ubuntu2204-ok@netns:{}:169.254.78.3", network.inner),
    ];
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let fleet = Fleet::up("bastion", 81, &specs);
    let direct = std::fs::read_to_string(fleet.inventory()).unwrap();
    let through = direct
        .replace(
            "name = \"inner-a\"",
            "name = \"inner-a\"\njump = \"bastion\"",
        )
        .replace(
            "name = \"inner-b\"",
            "name = \"inner-b\"\njump = \"bastion\"",
        );
    let inventory = fleet.dir.join("through-bastion.toml");
    std::fs::write(&inventory, &through).unwrap();

    let out = out_dir("bastion");
    let run = image_check(&[
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--connect-timeout",
        "5",
        "-q",
    ]);
    let rows = rows_by_host(&out);
    for (host, platform) in [
        ("bastion", "Debian"),
        ("inner-a", "CentOS"),
        ("inner-b", "Ubuntu"),
    ] {
        assert_eq!(
            rows[host]["platform"],
            platform,
            "{host}: {:?} {}",
            rows[host],
            String::from_utf8_lossy(&run.stderr)
        );
    }

    // Without the jump the inner hosts cannot be reached at all.
    let out_direct = out_dir("bastion-direct");
    image_check(&[
        "scan",
        "-i",
        fleet.inventory().to_str().unwrap(),
        "-o",
        out_direct.to_str().unwrap(),
        "--connect-timeout",
        "3",
        "-q",
    ]);
    let rows = rows_by_host(&out_direct);
    assert_eq!(rows["bastion"]["platform"], "Debian");
    for host in ["inner-a", "inner-b"] {
        assert_eq!(rows[host]["status"], "unreachable", "{host}");
    }

    // A bastion that is down makes every host behind it unreachable, saying why.
    let pid = std::fs::read_to_string(fleet.dir.join("sshd-bastion.conf.pid")).unwrap();
    Command::new("kill").arg(pid.trim()).status().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let out_down = out_dir("bastion-down");
    image_check(&[
        "scan",
        "-i",
        inventory.to_str().unwrap(),
        "-o",
        out_down.to_str().unwrap(),
        "--connect-timeout",
        "3",
        "-q",
    ]);
    let rows = rows_by_host(&out_down);
    for host in ["inner-a", "inner-b"] {
        assert_eq!(
            rows[host]["reason"], "jump host bastion: connection refused",
            "{host}"
        );
    }
}
