//! `sshd -T`: sshd's own view of its configuration, the authority wherever it can run.
//!
//! The collector runs `sshd -T -C user=root,host=…,addr=…` (through sudo with `become`);
//! this module reads what it printed. sshd parses its configuration before it loads host
//! keys, so even where the keys cannot be read (no root), a configuration sshd refuses is
//! reported as such; only the values need the keys (or a `HostKeyAgent` socket that
//! accepts a connection, which lets sshd take the public halves instead).

use super::{Candidate, DecidedBy, Setting, SshdConfig};

/// The connection `sshd -T -C` is asked about: root, from a documentation address
/// (RFC 5737), so that no `Match Address` for a real network matches it by chance.
pub const TEST_SPEC: &str = "user=root,host=image-check.invalid,addr=192.0.2.1";

/// What one run of `sshd -T` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshdT {
    /// The configuration as sshd resolved it for [`TEST_SPEC`].
    Resolved(Box<SshdConfig>),
    /// sshd refuses the configuration: it would not start. Its message.
    Refused(String),
    /// sshd could not be asked (not installed, no permission, no host keys, …): why.
    Unavailable(String),
    /// The configuration loads, but sshd stopped before printing it for want of host keys
    /// it can read: worth trying again with a `HostKeyAgent`.
    NoHostKeys,
}

/// Reads one run: its exit status (None: killed), stdout and stderr.
pub fn interpret(exit_status: Option<u32>, stdout: &str, stderr: &str) -> SshdT {
    let message = excerpt(stderr);
    match exit_status {
        Some(0) => match parse_output(stdout) {
            Some(config) => SshdT::Resolved(Box::new(config)),
            None => SshdT::Unavailable(format!("sshd -T printed no configuration ({message})")),
        },
        Some(127) => SshdT::Unavailable("sshd is not installed at /usr/sbin/sshd".to_string()),
        // `Match LocalPort`/`LocalAddress`/`RDomain` need the connection's own end, which a
        // test specification made up on the controller cannot know: the files decide then.
        _ if stderr.contains("not in connection test specification") => SshdT::Unavailable(
            format!("sshd -T cannot decide a Match on the local end of a connection: {message}"),
        ),
        _ if stderr.contains("no hostkeys available") => SshdT::NoHostKeys,
        _ if is_environment_failure(stderr) || exit_status.is_none() => {
            SshdT::Unavailable(format!("sshd -T failed: {message}"))
        }
        _ => SshdT::Refused(message),
    }
}

/// Failures of the place sshd -T runs in, not of the configuration: it says nothing then
/// about whether sshd would start.
fn is_environment_failure(stderr: &str) -> bool {
    const MARKS: &[&str] = &[
        "Permission denied",
        "privilege separation",
        "Privilege separation",
        "must be owned by root",
        "sudo:",
        "a password is required",
        "illegal option",
        "unknown option",
        "Could not connect to agent",
        "not found",
    ];
    // A file named in the configuration that cannot be opened is the configuration's fault.
    let config_line = stderr
        .lines()
        .any(|l| l.contains(" line ") || l.contains("terminating"));
    !config_line && MARKS.iter().any(|m| stderr.contains(m))
}

/// The first lines of sshd's message, escaped and cut short.
fn excerpt(stderr: &str) -> String {
    match crate::transport::excerpt(stderr.lines(), 3) {
        empty if empty.is_empty() => "no message".to_string(),
        text => text,
    }
}

/// `keyword value` lines; None when none of them is a keyword sshd always prints.
fn parse_output(stdout: &str) -> Option<SshdConfig> {
    let mut config = SshdConfig {
        decided_by: DecidedBy::SshdT,
        ..SshdConfig::default()
    };
    let setting = |value: &str| Setting {
        value: value.to_ascii_lowercase(),
        file: "sshd -T".to_string(),
        line: 0,
    };
    let mut seen_root = false;
    for line in stdout.lines() {
        let Some((keyword, value)) = line.trim().split_once(' ') else {
            continue;
        };
        let value = value.trim();
        match keyword {
            "permitrootlogin" => {
                seen_root = true;
                config.permit_root_login = Some(setting(value));
            }
            "passwordauthentication" => config.password_authentication = Some(setting(value)),
            "pubkeyauthentication" => config.pubkey_authentication = Some(setting(value)),
            "port" => config.port.push(setting(value)),
            _ => {}
        }
    }
    if !seen_root {
        return None;
    }
    config.root_login = vec![Candidate {
        setting: config.permit_root_login.clone(),
        undecided: None,
    }];
    Some(config)
}

/// sshd's answer, with what the files add: the Match blocks whose criteria `-T` decided
/// for a made-up console address, which the facts cannot decide (`parsed`'s undecided
/// candidates come first, as sshd would try them), and the report's notes.
pub fn combine(resolved: SshdConfig, parsed: Option<&SshdConfig>) -> SshdConfig {
    let mut config = resolved;
    if let Some(parsed) = parsed {
        let mut root_login: Vec<Candidate> = parsed
            .root_login
            .iter()
            .filter(|c| c.undecided.is_some())
            .cloned()
            .collect();
        root_login.extend(config.root_login);
        config.root_login = root_login;
        config.match_overrides = parsed.match_overrides.clone();
        config.warnings = parsed.warnings.clone();
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sshd -T -C user=root,host=image-check.invalid,addr=192.0.2.1` of Debian 12's
    /// openssh-server 1:9.2p1-2+deb12u10 with its shipped sshd_config, captured on this
    /// project's machine (tests/data/sshd_config/debian12-sshd-T.txt).
    const DEBIAN12_T: &str = include_str!("../../../tests/data/sshd_config/debian12-sshd-T.txt");

    #[test]
    fn debian12_shipped_config_gives_prohibit_password_for_root() {
        let SshdT::Resolved(config) = interpret(Some(0), DEBIAN12_T, "") else {
            panic!("not resolved");
        };
        assert_eq!(config.decided_by, DecidedBy::SshdT);
        let root = config.permit_root_login.as_ref().unwrap();
        assert_eq!(
            root.value, "without-password",
            "sshd -T prints the first name of the state"
        );
        assert_eq!(root.origin(), "sshd -T");
        assert_eq!(
            config.password_authentication.as_ref().unwrap().value,
            "yes"
        );
        assert_eq!(
            config
                .port
                .iter()
                .map(|p| p.value.as_str())
                .collect::<Vec<_>>(),
            ["22"]
        );
        assert_eq!(config.root_login.len(), 1);
    }

    #[test]
    fn refusals_and_environment_failures_are_told_apart() {
        // Real messages of sshd 9.2 (captured here, see tests/sshd_differential.rs).
        assert_eq!(
            interpret(
                Some(255),
                "",
                "/etc/ssh/sshd_config line 3: unsupported option \"maybe\".\n"
            ),
            SshdT::Refused("/etc/ssh/sshd_config line 3: unsupported option \\\"maybe\\\".".into())
        );
        assert!(matches!(
            interpret(Some(255), "", "/etc/ssh/sshd_config: line 2: Bad configuration option: PermitRootLogon\n/etc/ssh/sshd_config: terminating, 1 bad configuration options\n"),
            SshdT::Refused(_)
        ));
        assert!(matches!(
            interpret(
                Some(1),
                "",
                "/etc/ssh/sshd_config.d/x.conf: No such file or directory\n"
            ),
            SshdT::Refused(_)
        ));
        assert_eq!(
            interpret(Some(1), "", "sshd: no hostkeys available -- exiting.\n"),
            SshdT::NoHostKeys
        );
        // A Match on the local end cannot be decided by a made-up connection: not a refusal.
        assert!(matches!(
            interpret(
                Some(255),
                "",
                "'Match LocalPort' in configuration but 'lport' not in connection test specification.\n"
            ),
            SshdT::Unavailable(_)
        ));
        assert!(matches!(
            interpret(Some(1), "", "/etc/ssh/sshd_config: Permission denied\n"),
            SshdT::Unavailable(_)
        ));
        assert!(matches!(
            interpret(
                Some(255),
                "",
                "Missing privilege separation directory: /run/sshd\n"
            ),
            SshdT::Unavailable(_)
        ));
        assert!(matches!(
            interpret(Some(1), "", "sudo: a password is required\n"),
            SshdT::Unavailable(_)
        ));
        assert!(matches!(
            interpret(
                Some(127),
                "",
                "bash: /usr/sbin/sshd: No such file or directory"
            ),
            SshdT::Unavailable(_)
        ));
    }

    #[test]
    fn long_messages_are_cut_and_escaped() {
        let flood = format!("line 1: \u{1b}[31m{}\n", "x".repeat(5000));
        let SshdT::Refused(message) = interpret(Some(255), "", &flood) else {
            panic!()
        };
        assert!(message.len() <= crate::transport::EXCERPT_BYTES + '…'.len_utf8());
        assert!(!message.contains('\u{1b}'));
    }
}
