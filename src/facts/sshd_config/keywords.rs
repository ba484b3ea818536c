//! The keywords sshd knows, and which of them a `Match` block may hold.
//!
//! Each keyword of servconf.c's tables with the release that introduced it and the release
//! that first allowed it in a Match block (Subsystem: 9.5, ClientAliveInterval: 7.4, ...),
//! plus the keywords that distribution patches add (Debian's DebianBanner, the GSSAPI key
//! exchange patch of Debian, Ubuntu, Red Hat and SUSE, Red Hat's Kerberos additions, the HPN
//! patch). A keyword the host's sshd does not know is "Bad configuration option", and a
//! keyword outside its Match scope is fatal: sshd refuses to start either way.

/// An OpenSSH release, (major, minor).
type Release = (u32, u32);

/// (lower-case name, the first release that knows it, the first release that allows it
/// inside `Match`), from servconf.c's keyword tables of OpenSSH 5.0 to 10.3 (deprecated and
/// unsupported names included: sshd only logs those). 5.0 stands for "every release we meet".
const KEYWORDS: &[(&str, Release, Option<Release>)] = &[
    ("acceptenv", (5, 0), Some((6, 1))),
    ("addressfamily", (5, 0), None),
    ("afstokenpassing", (5, 0), None),
    ("allowagentforwarding", (5, 1), Some((5, 1))),
    ("allowgroups", (5, 0), Some((6, 1))),
    ("allowstreamlocalforwarding", (6, 7), Some((6, 7))),
    ("allowtcpforwarding", (5, 0), Some((5, 0))),
    ("allowusers", (5, 0), Some((6, 1))),
    ("authenticationmethods", (6, 2), Some((6, 2))),
    ("authorizedkeyscommand", (6, 2), Some((6, 2))),
    ("authorizedkeyscommanduser", (6, 2), Some((6, 2))),
    ("authorizedkeysfile", (5, 0), Some((5, 6))),
    ("authorizedkeysfile2", (5, 0), Some((5, 6))),
    ("authorizedprincipalscommand", (6, 9), Some((6, 9))),
    ("authorizedprincipalscommanduser", (6, 9), Some((6, 9))),
    ("authorizedprincipalsfile", (5, 6), Some((5, 6))),
    ("banner", (5, 0), Some((5, 0))),
    ("casignaturealgorithms", (7, 9), Some((7, 9))),
    ("challengeresponseauthentication", (5, 0), Some((8, 7))),
    ("channeltimeout", (9, 2), Some((9, 2))),
    ("checkmail", (5, 0), None),
    ("chrootdirectory", (5, 0), Some((5, 0))),
    ("ciphers", (5, 0), None),
    ("clientalivecountmax", (5, 0), Some((7, 4))),
    ("clientaliveinterval", (5, 0), Some((7, 4))),
    ("compression", (5, 0), None),
    ("denygroups", (5, 0), Some((6, 1))),
    ("denyusers", (5, 0), Some((6, 1))),
    ("disableforwarding", (7, 4), Some((7, 4))),
    ("dsaauthentication", (5, 0), None),
    ("exposeauthinfo", (7, 6), Some((7, 6))),
    ("fingerprinthash", (6, 8), None),
    ("forcecommand", (5, 0), Some((5, 0))),
    ("gatewayports", (5, 0), Some((5, 0))),
    ("gssapiauthentication", (5, 0), Some((5, 0))),
    ("gssapicleanupcredentials", (5, 0), None),
    ("gssapidelegatecredentials", (10, 3), None),
    ("gssapistrictacceptorcheck", (6, 9), None),
    ("hostbasedacceptedalgorithms", (8, 5), Some((8, 5))),
    ("hostbasedacceptedkeytypes", (6, 8), Some((6, 8))),
    ("hostbasedauthentication", (5, 0), Some((5, 0))),
    ("hostbasedusesnamefrompacketonly", (5, 0), Some((5, 6))),
    ("hostcertificate", (5, 4), None),
    ("hostdsakey", (5, 0), None),
    ("hostkey", (5, 0), None),
    ("hostkeyagent", (6, 3), None),
    ("hostkeyalgorithms", (7, 0), None),
    ("ignorerhosts", (5, 0), Some((8, 3))),
    ("ignoreuserknownhosts", (5, 0), None),
    ("include", (8, 2), Some((8, 2))),
    ("ipqos", (5, 7), Some((5, 7))),
    ("kbdinteractiveauthentication", (5, 0), Some((5, 0))),
    ("keepalive", (5, 0), None),
    ("kerberosauthentication", (5, 0), Some((5, 0))),
    ("kerberosgetafstoken", (5, 0), None),
    ("kerberosorlocalpasswd", (5, 0), None),
    ("kerberostgtpassing", (5, 0), None),
    ("kerberosticketcleanup", (5, 0), None),
    ("kexalgorithms", (5, 7), None),
    ("keyregenerationinterval", (5, 0), None),
    ("listenaddress", (5, 0), None),
    ("logingracetime", (5, 0), None),
    ("loglevel", (5, 0), Some((7, 6))),
    ("logverbose", (8, 5), Some((8, 5))),
    ("macs", (5, 0), None),
    ("match", (5, 0), Some((5, 0))),
    ("maxauthtries", (5, 0), Some((5, 1))),
    ("maxsessions", (5, 1), Some((5, 1))),
    ("maxstartups", (5, 0), None),
    ("modulifile", (8, 6), None),
    ("pamauthenticationviakbdint", (5, 0), None),
    ("pamservicename", (9, 8), Some((9, 8))),
    ("passwordauthentication", (5, 0), Some((5, 0))),
    ("permitemptypasswords", (5, 0), Some((5, 2))),
    ("permitlisten", (7, 8), Some((7, 8))),
    ("permitopen", (5, 0), Some((5, 0))),
    ("permitrootlogin", (5, 0), Some((5, 0))),
    ("permittty", (6, 5), Some((6, 5))),
    ("permittunnel", (5, 0), Some((5, 6))),
    ("permituserenvironment", (5, 0), None),
    ("permituserrc", (6, 7), Some((6, 7))),
    ("persourcemaxstartups", (8, 5), None),
    ("persourcenetblocksize", (8, 5), None),
    ("persourcepenalties", (9, 8), None),
    ("persourcepenaltyexemptlist", (9, 8), None),
    ("pidfile", (5, 0), None),
    ("port", (5, 0), None),
    ("printlastlog", (5, 0), None),
    ("printmotd", (5, 0), None),
    ("protocol", (5, 0), None),
    ("pubkeyacceptedalgorithms", (8, 5), Some((8, 5))),
    ("pubkeyacceptedkeytypes", (6, 8), Some((6, 8))),
    ("pubkeyauthentication", (5, 0), Some((5, 0))),
    ("pubkeyauthoptions", (8, 2), Some((8, 2))),
    ("rdomain", (7, 7), Some((7, 7))),
    ("refuseconnection", (9, 9), Some((9, 9))),
    ("rekeylimit", (6, 3), Some((6, 3))),
    ("requiredrsasize", (9, 1), Some((9, 1))),
    ("reversemappingcheck", (5, 0), None),
    ("revokedkeys", (5, 4), Some((5, 4))),
    ("rhostsauthentication", (5, 0), None),
    ("rhostsrsaauthentication", (5, 0), Some((5, 0))),
    ("rsaauthentication", (5, 0), Some((5, 0))),
    ("securitykeyprovider", (8, 2), None),
    ("serverkeybits", (5, 0), None),
    ("setenv", (7, 8), Some((7, 8))),
    ("skeyauthentication", (5, 0), Some((8, 7))),
    ("sshdauthpath", (10, 0), None),
    ("sshdsessionpath", (9, 8), None),
    ("streamlocalbindmask", (6, 7), Some((6, 7))),
    ("streamlocalbindunlink", (6, 7), Some((6, 7))),
    ("strictmodes", (5, 0), None),
    ("subsystem", (5, 0), Some((9, 5))),
    ("syslogfacility", (5, 0), None),
    ("tcpkeepalive", (5, 0), None),
    ("trustedusercakeys", (5, 4), Some((5, 4))),
    ("unusedconnectiontimeout", (9, 2), Some((9, 2))),
    ("usedns", (5, 0), None),
    ("uselogin", (5, 0), None),
    ("usepam", (5, 0), None),
    ("useprivilegeseparation", (5, 0), None),
    ("verifyreversemapping", (5, 0), None),
    ("versionaddendum", (6, 1), None),
    ("x11displayoffset", (5, 0), Some((5, 0))),
    ("x11forwarding", (5, 0), Some((5, 0))),
    ("x11uselocalhost", (5, 0), Some((5, 0))),
    ("xauthlocation", (5, 0), None),
    ("zeroknowledgepasswordauthentication", (5, 2), Some((5, 2))),
    // Distribution patches: known to the builds that carry them.
    ("debianbanner", (0, 0), None),
    ("gssapikeyexchange", (0, 0), None),
    ("gssapistorecredentialsonrekey", (0, 0), None),
    ("gssapikexalgorithms", (0, 0), None),
    ("gssapienablek5users", (0, 0), Some((0, 0))),
    ("kerberosusekuserok", (0, 0), Some((0, 0))),
    ("hpndisabled", (0, 0), None),
    ("hpnbuffersize", (0, 0), None),
    ("tcprcvbufpoll", (0, 0), None),
    ("noneenabled", (0, 0), None),
];

/// Keywords whose value is yes or no in every release that knows them (servconf.c's
/// multistate_flag); anything else makes sshd refuse the file. Keywords that are
/// "unsupported" in some builds (UsePAM without PAM, the GSSAPI ones) are left out: such a
/// build only logs them.
const YES_NO: &[&str] = &[
    "allowagentforwarding",
    "challengeresponseauthentication",
    "disableforwarding",
    "exposeauthinfo",
    "hostbasedauthentication",
    "hostbasedusesnamefrompacketonly",
    "ignoreuserknownhosts",
    "kbdinteractiveauthentication",
    "passwordauthentication",
    "permitemptypasswords",
    "permittty",
    "permituserrc",
    "printlastlog",
    "printmotd",
    "pubkeyauthentication",
    "streamlocalbindunlink",
    "strictmodes",
    "tcpkeepalive",
    "usedns",
];

/// What the table says of a keyword for the sshd of release `openssh`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    /// Allowed inside a Match block by that release.
    pub in_match: bool,
    /// Some(upstream release that introduced it) when that is newer than `openssh`: sshd
    /// refuses it unless the distribution backported it, as Red Hat did with RequiredRSASize
    /// (9.1) for RHEL 9's 8.7p1, whose crypto policy sets it. The files cannot tell which.
    pub newer_than_host: Option<Release>,
}

/// The keyword (any case) if some release of sshd knows it, None for a bad one. An unknown
/// release is taken as the newest.
pub fn lookup(keyword: &str, openssh: Option<Release>) -> Option<Keyword> {
    let lower = keyword.to_ascii_lowercase();
    let &(_, since, in_match_since) = KEYWORDS.iter().find(|(name, ..)| *name == lower)?;
    let at_least = |release: Release| openssh.is_none_or(|version| version >= release);
    Some(Keyword {
        in_match: in_match_since.is_some_and(at_least),
        newer_than_host: (!at_least(since)).then_some(since),
    })
}

/// Whether `keyword` (lower case) only takes yes or no.
pub fn is_yes_no(lower: &str) -> bool {
    YES_NO.contains(&lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_know_their_match_scope() {
        let in_match = |k: &str| lookup(k, None).map(|k| k.in_match);
        assert_eq!(in_match("PermitRootLogin"), Some(true));
        assert_eq!(in_match("port"), Some(false));
        assert_eq!(
            in_match("UsePrivilegeSeparation"),
            Some(false),
            "deprecated, still known"
        );
        assert_eq!(in_match("X11Forwarding"), Some(true), "keyword with digits");
        assert_eq!(in_match("PermitRootLogon"), None);
        assert!(KEYWORDS.windows(2).all(|w| w[0].0 != w[1].0));
        assert!(YES_NO.iter().all(|k| lookup(k, None).is_some()));
    }

    #[test]
    fn scope_and_age_follow_the_release() {
        let at = |k: &str, release| lookup(k, Some(release)).unwrap();
        // Subsystem inside Match: fatal to sshd 9.2 (Debian 12), allowed since 9.5.
        assert!(!at("Subsystem", (9, 2)).in_match);
        assert!(at("Subsystem", (9, 5)).in_match);
        assert!(at("ClientAliveInterval", (7, 4)).in_match);
        assert!(!at("ClientAliveInterval", (7, 2)).in_match);
        // Include came with 8.2 (CentOS 7's 7.4 refuses it), ChannelTimeout with 9.2,
        // RequiredRSASize with 9.1 (and RHEL 9's 8.7p1 has it from a backport).
        assert_eq!(at("Include", (7, 4)).newer_than_host, Some((8, 2)));
        assert_eq!(at("Include", (8, 2)).newer_than_host, None);
        assert_eq!(at("ChannelTimeout", (9, 1)).newer_than_host, Some((9, 2)));
        assert_eq!(at("RequiredRSASize", (8, 7)).newer_than_host, Some((9, 1)));
        assert_eq!(
            at("DebianBanner", (7, 4)),
            Keyword {
                in_match: false,
                newer_than_host: None
            },
            "a distribution patch"
        );
    }
}
