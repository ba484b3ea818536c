//! The keywords sshd knows, and which of them a `Match` block may hold.
//!
//! The union of servconf.c's keyword tables of OpenSSH 5.3 to 10.3 (deprecated and
//! unsupported names included: sshd only logs those), plus the keywords that distribution
//! patches add (Debian's DebianBanner, the GSSAPI key exchange patch of Debian, Ubuntu, Red
//! Hat and SUSE, Red Hat's Kerberos additions, the HPN patch). A keyword outside this list is
//! "Bad configuration option" to every sshd, which then refuses to start. The Match flag is
//! the newest release's (SSHCFG_MATCH / SSHCFG_ALL).

/// (lower-case name, allowed inside `Match`).
const KEYWORDS: &[(&str, bool)] = &[
    ("acceptenv", true),
    ("addressfamily", false),
    ("afstokenpassing", false),
    ("allowagentforwarding", true),
    ("allowgroups", true),
    ("allowstreamlocalforwarding", true),
    ("allowtcpforwarding", true),
    ("allowusers", true),
    ("authenticationmethods", true),
    ("authorizedkeyscommand", true),
    ("authorizedkeyscommanduser", true),
    ("authorizedkeysfile", true),
    ("authorizedkeysfile2", true),
    ("authorizedprincipalscommand", true),
    ("authorizedprincipalscommanduser", true),
    ("authorizedprincipalsfile", true),
    ("banner", true),
    ("casignaturealgorithms", true),
    ("challengeresponseauthentication", true),
    ("channeltimeout", true),
    ("checkmail", false),
    ("chrootdirectory", true),
    ("ciphers", false),
    ("clientalivecountmax", true),
    ("clientaliveinterval", true),
    ("compression", false),
    ("denygroups", true),
    ("denyusers", true),
    ("disableforwarding", true),
    ("dsaauthentication", false),
    ("exposeauthinfo", true),
    ("fingerprinthash", false),
    ("forcecommand", true),
    ("gatewayports", true),
    ("gssapiauthentication", true),
    ("gssapicleanupcredentials", false),
    ("gssapidelegatecredentials", false),
    ("gssapistrictacceptorcheck", false),
    ("hostbasedacceptedalgorithms", true),
    ("hostbasedacceptedkeytypes", true),
    ("hostbasedauthentication", true),
    ("hostbasedusesnamefrompacketonly", true),
    ("hostcertificate", false),
    ("hostdsakey", false),
    ("hostkey", false),
    ("hostkeyagent", false),
    ("hostkeyalgorithms", false),
    ("ignorerhosts", true),
    ("ignoreuserknownhosts", false),
    ("include", true),
    ("ipqos", true),
    ("kbdinteractiveauthentication", true),
    ("keepalive", false),
    ("kerberosauthentication", true),
    ("kerberosgetafstoken", false),
    ("kerberosorlocalpasswd", false),
    ("kerberostgtpassing", false),
    ("kerberosticketcleanup", false),
    ("kexalgorithms", false),
    ("keyregenerationinterval", false),
    ("listenaddress", false),
    ("logingracetime", false),
    ("loglevel", true),
    ("logverbose", true),
    ("macs", false),
    ("match", true),
    ("maxauthtries", true),
    ("maxsessions", true),
    ("maxstartups", false),
    ("modulifile", false),
    ("pamauthenticationviakbdint", false),
    ("pamservicename", true),
    ("passwordauthentication", true),
    ("permitemptypasswords", true),
    ("permitlisten", true),
    ("permitopen", true),
    ("permitrootlogin", true),
    ("permittty", true),
    ("permittunnel", true),
    ("permituserenvironment", false),
    ("permituserrc", true),
    ("persourcemaxstartups", false),
    ("persourcenetblocksize", false),
    ("persourcepenalties", false),
    ("persourcepenaltyexemptlist", false),
    ("pidfile", false),
    ("port", false),
    ("printlastlog", false),
    ("printmotd", false),
    ("protocol", false),
    ("pubkeyacceptedalgorithms", true),
    ("pubkeyacceptedkeytypes", true),
    ("pubkeyauthentication", true),
    ("pubkeyauthoptions", true),
    ("rdomain", true),
    ("refuseconnection", true),
    ("rekeylimit", true),
    ("requiredrsasize", true),
    ("reversemappingcheck", false),
    ("revokedkeys", true),
    ("rhostsauthentication", false),
    ("rhostsrsaauthentication", true),
    ("rsaauthentication", true),
    ("securitykeyprovider", false),
    ("serverkeybits", false),
    ("setenv", true),
    ("skeyauthentication", true),
    ("sshdauthpath", false),
    ("sshdsessionpath", false),
    ("streamlocalbindmask", true),
    ("streamlocalbindunlink", true),
    ("strictmodes", false),
    ("subsystem", true),
    ("syslogfacility", false),
    ("tcpkeepalive", false),
    ("trustedusercakeys", true),
    ("unusedconnectiontimeout", true),
    ("usedns", false),
    ("uselogin", false),
    ("usepam", false),
    ("useprivilegeseparation", false),
    ("verifyreversemapping", false),
    ("versionaddendum", false),
    ("x11displayoffset", true),
    ("x11forwarding", true),
    ("x11uselocalhost", true),
    ("xauthlocation", false),
    ("zeroknowledgepasswordauthentication", true), // Distribution patches.
    ("debianbanner", false),
    ("gssapikeyexchange", false),
    ("gssapistorecredentialsonrekey", false),
    ("gssapikexalgorithms", false),
    ("gssapienablek5users", true),
    ("kerberosusekuserok", true),
    ("hpndisabled", false),
    ("hpnbuffersize", false),
    ("tcprcvbufpoll", false),
    ("noneenabled", false),
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

/// Some(allowed inside Match) for a keyword sshd knows (any case), None for a bad one.
pub fn lookup(keyword: &str) -> Option<bool> {
    let lower = keyword.to_ascii_lowercase();
    KEYWORDS
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|&(_, in_match)| in_match)
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
        assert_eq!(lookup("PermitRootLogin"), Some(true));
        assert_eq!(lookup("port"), Some(false));
        assert_eq!(
            lookup("UsePrivilegeSeparation"),
            Some(false),
            "deprecated, still known"
        );
        assert_eq!(lookup("X11Forwarding"), Some(true), "keyword with digits");
        assert_eq!(lookup("PermitRootLogon"), None);
        assert!(KEYWORDS.windows(2).all(|w| w[0].0 != w[1].0));
        assert!(YES_NO.iter().all(|k| lookup(k).is_some()));
    }
}
