//! SELinux mode: the one configured for the next boot (/etc/selinux/config) and the one in
//! force now (`getenforce`).
//!
//! Feeds the "selinux" check. Pure: the caller reads the file and runs the command. A host
//! without SELinux (Debian, Ubuntu, SUSE) has neither; the caller records that as a
//! missing file and a failed command, which is not an error of this module.

/// The mode /etc/selinux/config sets for the next boot, lower-cased: "enforcing",
/// "permissive" or "disabled". None when no line sets one that libselinux recognises.
///
/// Read the way libselinux's selinux_getenforcemode() reads it, since that is what
/// decides at boot:
///
/// * only lines that start with exactly `SELINUX=` count: no leading blanks, upper-case
///   key (`SELINUXTYPE=` is a different key);
/// * blanks after `=` are skipped (libselinux 3.4 and later; older ones, such as CentOS
///   7's 2.5, do not skip them and ignore `SELINUX= disabled`);
/// * the value is compared case-insensitively by prefix, so a trailing `\r`, blank or
///   `# comment` is harmless, and even `SELINUX=disabledx` reads as disabled;
/// * the first such line wins; a line with an unrecognised value is skipped, not fatal.
///
/// Quotes are not stripped: libselinux does not understand `SELINUX="disabled"` and
/// moves on, so neither does this function.
///
/// On RHEL 9 and later, "disabled" no longer switches SELinux off in the kernel (that
/// takes `selinux=0` on the kernel command line); it boots with no policy loaded, which
/// `getenforce` reports as "Disabled" as well.
pub fn parse_selinux_config(text: &str) -> Option<String> {
    const TAG: &str = "SELINUX=";
    const MODES: [&str; 3] = ["enforcing", "permissive", "disabled"];
    text.split('\n').find_map(|line| {
        let value = line.strip_prefix(TAG)?.trim_start_matches(is_c_space);
        MODES
            .iter()
            .find(|mode| {
                value
                    .get(..mode.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(mode))
            })
            .map(|mode| mode.to_string())
    })
}

/// isspace() in the C locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// `getenforce` output ("Enforcing", "Permissive" or "Disabled") lower-cased; None for
/// anything else, such as nothing at all when the command is missing.
pub fn parse_getenforce(text: &str) -> Option<String> {
    let word = text.trim();
    ["enforcing", "permissive", "disabled"]
        .iter()
        .find(|mode| word.eq_ignore_ascii_case(mode))
        .map(|mode| mode.to_string())
}

#[cfg(test)]
mod tests {
    //! Fixtures under tests/data/selinux.
    //!
    //! Verbatim: debian12-getenforce.* (`bash -c getenforce` on a Debian 12 host without
    //! SELinux: exit status 127; /etc/selinux/config does not exist there).
    //!
    //! Reconstructed: centos7-config (selinux-policy 3.13.1 of CentOS 7, with its trailing
    //! blanks and blank lines), rocky9-config (selinux-policy 38.1 of RHEL 9, as published
    //! in several copies of stock installs) and the CentOS 7 `getenforce` outputs.

    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../tests/data/selinux/", $name))
        };
    }

    const CENTOS7: &str = fixture!("centos7-config");
    const ROCKY9: &str = fixture!("rocky9-config");

    fn mode(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn centos7_default_config_is_enforcing() {
        assert_eq!(parse_selinux_config(CENTOS7), mode("enforcing"));
    }

    #[test]
    fn rocky9_comment_mentioning_selinux_disabled_is_not_a_setting() {
        // "# NOTE: In earlier Fedora kernel builds, SELINUX=disabled would also" comes
        // first and must not count.
        assert_eq!(parse_selinux_config(ROCKY9), mode("enforcing"));
    }

    #[test]
    fn alibaba_image_sed_to_disabled_is_read() {
        let disabled = CENTOS7.replace("SELINUX=enforcing", "SELINUX=disabled");
        assert_eq!(parse_selinux_config(&disabled), mode("disabled"));
    }

    #[test]
    fn first_recognised_line_wins_and_bad_values_are_skipped() {
        let text = "SELINUX=maybe\nSELINUX=permissive\nSELINUX=enforcing\n";
        assert_eq!(parse_selinux_config(text), mode("permissive"));
    }

    #[test]
    fn value_is_a_case_insensitive_prefix_after_blanks() {
        assert_eq!(
            parse_selinux_config("SELINUX=Disabled\r\n"),
            mode("disabled")
        );
        assert_eq!(
            parse_selinux_config("SELINUX= \tpermissive\n"),
            mode("permissive")
        );
        assert_eq!(
            parse_selinux_config("SELINUX=enforcing # set by ops\n"),
            mode("enforcing")
        );
        assert_eq!(
            parse_selinux_config("SELINUX=PERMISSIVEly"),
            mode("permissive")
        );
    }

    #[test]
    fn lines_libselinux_ignores_are_ignored() {
        assert_eq!(parse_selinux_config("  SELINUX=disabled\n"), None);
        assert_eq!(parse_selinux_config("#SELINUX=disabled\n"), None);
        assert_eq!(parse_selinux_config("selinux=disabled\n"), None);
        assert_eq!(parse_selinux_config("SELINUX = disabled\n"), None);
        assert_eq!(parse_selinux_config("SELINUXTYPE=targeted\n"), None);
        assert_eq!(parse_selinux_config("SELINUX=\"disabled\"\n"), None);
        assert_eq!(
            parse_selinux_config("SELINUX=\"disabled\"\nSELINUX=permissive\n"),
            mode("permissive")
        );
    }

    #[test]
    fn absent_or_garbage_config_is_none() {
        assert_eq!(parse_selinux_config(""), None);
        assert_eq!(parse_selinux_config("SELINUX="), None);
        assert_eq!(parse_selinux_config("SELINUX=é\u{0}\u{ff}"), None);
        assert_eq!(parse_selinux_config("SELINUX=enforcin"), None);
        assert_eq!(parse_selinux_config("SELINUX=ÄÖÜenforcing"), None);
    }

    #[test]
    fn getenforce_words_are_lower_cased() {
        assert_eq!(
            parse_getenforce(fixture!("centos7-getenforce-enforcing.stdout")),
            mode("enforcing")
        );
        assert_eq!(
            parse_getenforce(fixture!("centos7-getenforce-disabled.stdout")),
            mode("disabled")
        );
        assert_eq!(parse_getenforce("Permissive\r\n"), mode("permissive"));
    }

    #[test]
    fn getenforce_missing_or_garbage_is_none() {
        assert_eq!(
            parse_getenforce(fixture!("debian12-getenforce.stdout")),
            None
        );
        assert_eq!(
            parse_getenforce(fixture!("debian12-getenforce.stderr")),
            None
        );
        assert_eq!(parse_getenforce("Enforcing\nEnforcing\n"), None);
        assert_eq!(parse_getenforce("Enforcingx"), None);
        assert_eq!(parse_getenforce("\u{0}"), None);
    }
}
