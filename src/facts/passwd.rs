//! Local accounts from `/etc/passwd`: name, ids, home and login shell.
//!
//! Lines are read the way glibc's `fgetpwent` reads them: seven colon-separated fields
//! (`name:password:uid:gid:gecos:home:shell`), numeric uid and gid. Lines glibc would not
//! return as an account are skipped: blank lines, `#` comments (which glibc treats as
//! malformed anyway), NIS compat entries starting with `+` or `-` (they pull accounts from
//! NIS, they are not local accounts), and lines with another field count or a non-numeric
//! id. Password hashes live in /etc/shadow and are not read here.

use serde::{Deserialize, Serialize};

/// One local account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswdEntry {
    /// 1-based line number in the file, for messages.
    pub line: usize,
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    /// Login shell as written; "" means /bin/sh to login(1) and sshd.
    pub shell: String,
}

/// Parses the text of `/etc/passwd`, skipping the lines glibc would not return.
pub fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .enumerate()
        .filter_map(|(index, raw)| parse_line(index + 1, raw.trim_end_matches('\r')))
        .collect()
}

/// The groups `user` is in by the text of `/etc/group`, as getgrouplist() gives them: the
/// group whose gid is `primary_gid`, then every group that lists `user` as a member.
/// sshd's `Match Group` tests these.
pub fn groups_of(user: &str, primary_gid: u32, group_text: &str) -> Vec<String> {
    let mut groups = Vec::new();
    for raw in group_text.lines() {
        let raw = raw.trim_end_matches('\r');
        if raw.starts_with(['#', '+', '-']) {
            continue;
        }
        let fields: Vec<&str> = raw.split(':').collect();
        let [name, _password, gid, members] = fields.as_slice() else {
            continue;
        };
        let primary = gid.parse::<u32>().is_ok_and(|g| g == primary_gid);
        let member = members.split(',').any(|m| m.trim() == user);
        if !name.is_empty() && (primary || member) && !groups.iter().any(|g| g == name) {
            groups.push(name.to_string());
        }
    }
    groups
}

fn parse_line(line: usize, text: &str) -> Option<PasswdEntry> {
    if text.trim().is_empty() || text.starts_with(['#', '+', '-']) {
        return None;
    }
    let fields: Vec<&str> = text.split(':').collect();
    let [name, _password, uid, gid, _gecos, home, shell] = fields.as_slice() else {
        return None;
    };
    if name.is_empty() {
        return None;
    }
    Some(PasswdEntry {
        line,
        name: name.to_string(),
        uid: uid.parse().ok()?,
        gid: gid.parse().ok()?,
        home: home.to_string(),
        shell: shell.to_string(),
    })
}

#[cfg(test)]
mod tests {

    //! Fixtures under tests/data/passwd. `passwd-debian12.txt` is a real Debian 12 file
    //! (base-passwd's 18 system accounts plus those added by systemd, dbus, polkit and
    //! openssh) with two site-specific accounts removed. `passwd-centos7.txt` is CentOS 7's
    //! file after a minimal install, reconstructed from the setup package and the users
    //! that package scriptlets add. `passwd-root-nologin-nis.txt` is hand-made: root
    //! without a login shell, NIS compat lines, comments, malformed lines and a CRLF line.
    //! `group-debian12.txt` is the /etc/group of this project's Debian 12 build machine.

    use super::*;

    #[test]
    fn groups_of_root_are_its_primary_group_and_memberships() {
        let debian12 = include_str!("../../tests/data/passwd/group-debian12.txt");
        assert_eq!(groups_of("root", 0, debian12), ["root"]);
        let rocky = "root:x:0:\nbin:x:1:root,daemon\nwheel:x:10:admin,root\n";
        assert_eq!(groups_of("root", 0, rocky), ["root", "bin", "wheel"]);
        assert!(groups_of("root", 0, "garbage\n::\n").is_empty());
    }

    const DEBIAN12: &str = include_str!("../../tests/data/passwd/passwd-debian12.txt");
    const CENTOS7: &str = include_str!("../../tests/data/passwd/passwd-centos7.txt");
    const ODD: &str = include_str!("../../tests/data/passwd/passwd-root-nologin-nis.txt");

    fn user<'a>(entries: &'a [PasswdEntry], name: &str) -> &'a PasswdEntry {
        match entries.iter().find(|e| e.name == name) {
            Some(e) => e,
            None => panic!("{name} not in {entries:?}"),
        }
    }

    #[test]
    fn debian12_accounts_and_root_shell() {
        let entries = parse_passwd(DEBIAN12);
        assert_eq!(entries.len(), 23);
        assert_eq!(
            entries[0],
            PasswdEntry {
                line: 1,
                name: "root".into(),
                uid: 0,
                gid: 0,
                home: "/root".into(),
                shell: "/bin/bash".into(),
            }
        );
        let nobody = user(&entries, "nobody");
        assert_eq!((nobody.uid, nobody.gid), (65534, 65534));
        assert_eq!(nobody.shell, "/usr/sbin/nologin");
        assert_eq!(user(&entries, "_apt").home, "/nonexistent");
        assert_eq!(user(&entries, "sync").shell, "/bin/sync");
    }

    #[test]
    fn centos7_system_accounts() {
        let entries = parse_passwd(CENTOS7);
        assert_eq!(entries.len(), 20);
        assert_eq!(user(&entries, "root").shell, "/bin/bash");
        let sshd = user(&entries, "sshd");
        assert_eq!((sshd.uid, sshd.gid), (74, 74));
        assert_eq!(sshd.home, "/var/empty/sshd");
        assert_eq!(user(&entries, "nobody").uid, 99);
        assert_eq!(user(&entries, "polkitd").uid, 999);
        let uid0: Vec<&str> = entries
            .iter()
            .filter(|e| e.uid == 0)
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(uid0, vec!["root"]);
    }

    #[test]
    fn root_with_nologin_shell_is_read_as_written() {
        let entries = parse_passwd(ODD);
        assert_eq!(user(&entries, "root").shell, "/sbin/nologin");
    }

    #[test]
    fn nis_comment_and_malformed_lines_are_skipped() {
        let entries = parse_passwd(ODD);
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["root", "bin", "daemon", "ops", "deploy", "winuser"]
        );
    }

    #[test]
    fn empty_shell_and_line_numbers_are_kept() {
        let entries = parse_passwd(ODD);
        let deploy = user(&entries, "deploy");
        assert_eq!(deploy.shell, "");
        assert_eq!(deploy.line, 7);
        assert_eq!(user(&entries, "ops").home, "/home/ops");
    }

    #[test]
    fn crlf_line_ending_is_not_part_of_the_shell() {
        let entries = parse_passwd(ODD);
        assert_eq!(user(&entries, "winuser").shell, "/bin/bash");
        assert_eq!(user(&entries, "winuser").line, 14);
    }

    #[test]
    fn uid_out_of_range_or_negative_is_malformed() {
        let text = "big:x:4294967296:0::/:/bin/sh\nneg:x:-1:0::/:/bin/sh\nok:x:4294967295:0::/:\n";
        let entries = parse_passwd(text);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].uid, u32::MAX);
    }

    #[test]
    fn garbage_and_truncated_input_never_panic() {
        for fixture in [DEBIAN12, CENTOS7, ODD] {
            for end in 0..=fixture.len() {
                if let Some(prefix) = fixture.get(..end) {
                    let _ = parse_passwd(prefix);
                }
            }
        }
        for garbage in [
            "",
            ":",
            "::::::",
            "::::::\n:::::::",
            "\0:x:0:0::/:",
            "é:x:1:1:é:é:é",
        ] {
            let _ = parse_passwd(garbage);
        }
        assert!(parse_passwd("::::::").is_empty());
    }

    #[test]
    fn truncated_last_line_missing_fields_is_dropped() {
        let cut = &CENTOS7[..CENTOS7.len() - 20];
        let entries = parse_passwd(cut);
        assert_eq!(entries.len(), 19);
        assert!(entries.iter().all(|e| e.name != "tcpdump"));
    }
}
