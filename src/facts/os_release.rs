//! Which Linux distribution a host runs, read from the text of its release files.
//!
//! Feeds the header of the image_check report (`platform`, `os_big_version`,
//! `os_small_version`). Pure: the caller reads the files (locally or over SSH) and hands
//! their contents in, so every rule here is testable against captured files.
//!
//! Order of trust: os-release first, since it is the one machine-readable format; the
//! vendor files (`/etc/centos-release`, ...) only fill in a minor version os-release
//! leaves out, or stand in on hosts too old to have os-release at all.

use serde::{Deserialize, Serialize};

const ETC_OS_RELEASE: &str = "/etc/os-release";
const USR_OS_RELEASE: &str = "/usr/lib/os-release";
const ORACLE_RELEASE: &str = "/etc/oracle-release";
const CENTOS_RELEASE: &str = "/etc/centos-release";
const REDHAT_RELEASE: &str = "/etc/redhat-release";
const SYSTEM_RELEASE: &str = "/etc/system-release";
const SUSE_RELEASE: &str = "/etc/SuSE-release";
const LSB_RELEASE: &str = "/etc/lsb-release";
const DEBIAN_VERSION: &str = "/etc/debian_version";

/// Release files to read, in the order they are consulted.
pub const RELEASE_FILES: &[&str] = &[
    ETC_OS_RELEASE,
    USR_OS_RELEASE,
    ORACLE_RELEASE,
    CENTOS_RELEASE,
    REDHAT_RELEASE,
    SYSTEM_RELEASE,
    SUSE_RELEASE,
    LSB_RELEASE,
    DEBIAN_VERSION,
];

/// "<product> release <version> (<codename>)" files. Oracle Linux ships an
/// /etc/redhat-release that says "Red Hat Enterprise Linux", so the vendor's own file
/// has to be asked before the generic ones.
const VENDOR_RELEASES: [&str; 4] = [
    ORACLE_RELEASE,
    CENTOS_RELEASE,
    REDHAT_RELEASE,
    SYSTEM_RELEASE,
];

/// Product names as they open a vendor release line, with the platform and os-release ID
/// they stand for. "CentOS Stream" must precede "CentOS": first prefix match wins.
const VENDOR_PRODUCTS: [(&str, &str, &str); 12] = [
    ("CentOS Stream", "CentOSStream", "centos"),
    ("CentOS", "CentOS", "centos"),
    ("Red Hat Enterprise Linux", "RedHat", "rhel"),
    ("Oracle Linux", "OracleLinux", "ol"),
    ("Rocky Linux", "Rocky", "rocky"),
    ("AlmaLinux", "AlmaLinux", "almalinux"),
    ("Alibaba Cloud Linux", "AlibabaCloudLinux", "alinux"),
    ("Aliyun Linux", "AliyunLinux", "aliyun"),
    ("Amazon Linux", "AmazonLinux", "amzn"),
    ("Anolis OS", "Anolis", "anolis"),
    ("Fedora", "Fedora", "fedora"),
    ("Kylin", "Kylin", "kylin"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsInfo {
    /// Alibaba-style platform name, CamelCase without spaces: "CentOS", "CentOSStream",
    /// "RedHat", "Rocky", "AlmaLinux", "OracleLinux", "Ubuntu", "Debian", "SUSE" (SLES),
    /// "OpenSUSE", "AlibabaCloudLinux", "AliyunLinux", "AmazonLinux", "Anolis", "CoreOS",
    /// "Flatcar", "Fedora", "FedoraCoreOS", "openEuler", "Kylin", "UOS". Other
    /// distributions get their os-release NAME with everything but letters and digits
    /// dropped ("Arch Linux" -> "ArchLinux").
    pub platform: String,
    /// os-release ID (lower case), or a synthesized one ("centos") for legacy files.
    pub id: String,
    /// Full version as found ("7.9.2009", "22.04", "15.5"); a codename such as
    /// "bookworm/sid" when the host only has one.
    pub version: String,
    /// Major version: "7", "22", "15", "2" (Amazon Linux 2), "3" (Alinux 3), "3815".
    pub big: String,
    /// Minor version as printed ("9", "04", "5"), "" when there is none.
    pub small: String,
    pub pretty_name: String,
    /// Which file identified the OS, e.g. "/etc/os-release" or "/etc/redhat-release".
    /// The minor version may still come from a vendor file (see the module docs).
    pub source: String,
}

/// Parse os-release text (freedesktop format: KEY=value, values optionally in "double" or
/// 'single' quotes, backslash escapes inside double quotes, comments, blank lines, stray
/// whitespace, CRLF). Returns keys in order; later duplicates win on lookup.
pub fn parse_os_release(text: &str) -> Vec<(String, String)> {
    text.lines().filter_map(parse_assignment).collect()
}

/// Decide from the release files present on a host. `read` returns Some(contents) for a
/// path from RELEASE_FILES that exists (non-empty after trim), None otherwise.
/// Err(reason) when nothing identifies the OS (reason names the files tried), never panics.
pub fn detect(read: &dyn Fn(&str) -> Option<String>) -> Result<OsInfo, String> {
    let files = Files::read(read);
    from_os_release(&files)
        .or_else(|| from_vendor_release(&files))
        .or_else(|| from_suse_release(&files))
        .or_else(|| from_lsb_release(&files))
        .or_else(|| from_debian_version(&files))
        .map(|info| fill_minor(info, &files))
        .ok_or_else(|| files.nothing_identifies())
}

/// The release files a host has, read once.
struct Files(Vec<(&'static str, String)>);

impl Files {
    fn read(read: &dyn Fn(&str) -> Option<String>) -> Self {
        let present = RELEASE_FILES
            .iter()
            .filter_map(|&path| {
                let text = read(path).filter(|t| !t.trim().is_empty())?;
                Some((path, text))
            })
            .collect();
        Files(present)
    }

    fn get(&self, path: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, text)| text.as_str())
    }

    fn nothing_identifies(&self) -> String {
        let present: Vec<&str> = self.0.iter().map(|(p, _)| *p).collect();
        let present = if present.is_empty() {
            "none of them exists".to_string()
        } else {
            format!("present but unrecognised: {}", present.join(", "))
        };
        format!(
            "no release file identifies the OS (tried {}; {present})",
            RELEASE_FILES.join(", ")
        )
    }
}

fn from_os_release(files: &Files) -> Option<OsInfo> {
    // /usr/lib/os-release is the fallback when /etc/os-release is missing, and also when it
    // is there but says nothing usable (a damaged or hand-edited file).
    [ETC_OS_RELEASE, USR_OS_RELEASE]
        .into_iter()
        .find_map(|path| {
            let pairs = parse_os_release(files.get(path)?);
            let id = lookup(&pairs, "ID").to_ascii_lowercase();
            let name = lookup(&pairs, "NAME");
            if id.is_empty() && name.is_empty() {
                return None;
            }
            // The spec's default when ID is missing.
            let id = if id.is_empty() {
                "linux".to_string()
            } else {
                id
            };
            let platform = os_release_platform(&id, name, lookup(&pairs, "VARIANT_ID"));
            let pretty_name = match (lookup(&pairs, "PRETTY_NAME"), lookup(&pairs, "VERSION")) {
                ("", "") if name.is_empty() => id.clone(),
                ("", "") => name.to_string(),
                ("", version) => format!("{name} {version}"),
                (pretty, _) => pretty.to_string(),
            };
            let mut info = os_info(
                &platform,
                &id,
                lookup(&pairs, "VERSION_ID"),
                &pretty_name,
                path,
            );
            // Alinux 3 keeps VERSION_ID="3" and puts the "2104" of "3.2104" in its own key;
            // /etc/alinux-release does not carry it at all.
            let alinux_minor = lookup(&pairs, "ALINUX_MINOR_ID");
            if matches!(id.as_str(), "alinux" | "aliyun")
                && info.small.is_empty()
                && !info.big.is_empty()
                && !alinux_minor.is_empty()
            {
                info.version = format!("{}.{alinux_minor}", info.big);
                info.small = alinux_minor.to_string();
            }
            Some(info)
        })
}

fn os_release_platform(id: &str, name: &str, variant_id: &str) -> String {
    let platform = match id {
        "centos" if name.contains("Stream") => "CentOSStream",
        "centos" => "CentOS",
        "rhel" => "RedHat",
        "rocky" => "Rocky",
        "almalinux" => "AlmaLinux",
        "ol" => "OracleLinux",
        "ubuntu" => "Ubuntu",
        "debian" => "Debian",
        "sles" | "sles_sap" | "sled" => "SUSE",
        _ if id.starts_with("opensuse") => "OpenSUSE",
        "alinux" | "aliyun" if name.starts_with("Aliyun Linux") => "AliyunLinux",
        "alinux" | "aliyun" => "AlibabaCloudLinux",
        "amzn" => "AmazonLinux",
        "anolis" => "Anolis",
        "coreos" => "CoreOS",
        "flatcar" => "Flatcar",
        "fedora" if variant_id == "coreos" => "FedoraCoreOS",
        "fedora" => "Fedora",
        "openeuler" => "openEuler",
        "kylin" => "Kylin",
        "uos" => "UOS",
        _ => return camel_name(name, id),
    };
    platform.to_string()
}

/// A stable platform for distributions without an entry above: NAME minus spaces and
/// punctuation, or the ID when there is no NAME.
fn camel_name(name: &str, id: &str) -> String {
    let camel: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    if camel.is_empty() {
        id.to_string()
    } else {
        camel
    }
}

fn from_vendor_release(files: &Files) -> Option<OsInfo> {
    VENDOR_RELEASES.into_iter().find_map(|path| {
        let line = ReleaseLine::parse(files.get(path)?)?;
        let (platform, id) = line.vendor()?;
        Some(os_info(platform, id, line.version, line.text, path))
    })
}

/// SLES 11 SP3 and older, openSUSE 13 and older:
/// "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 3".
fn from_suse_release(files: &Files) -> Option<OsInfo> {
    let text = files.get(SUSE_RELEASE)?;
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let product = lines.next()?;
    let (platform, id) = if product.starts_with("openSUSE") {
        ("OpenSUSE", "opensuse")
    } else if product.contains("SUSE Linux Enterprise Desktop") {
        ("SUSE", "sled")
    } else if product.contains("SUSE Linux Enterprise") {
        ("SUSE", "sles")
    } else {
        return None;
    };
    let (mut version, mut patchlevel) = ("", "");
    for (key, value) in lines.filter_map(|l| l.split_once('=')) {
        match key.trim() {
            "VERSION" => version = value.trim(),
            "PATCHLEVEL" => patchlevel = value.trim(),
            _ => {}
        }
    }
    let version = if patchlevel.is_empty() || version.contains('.') {
        version.to_string()
    } else {
        format!("{version}.{patchlevel}")
    };
    Some(os_info(platform, id, &version, product, SUSE_RELEASE))
}

/// Ubuntu 10.04 and other hosts from before os-release. RHEL's lsb-release carries only
/// LSB_VERSION, which says nothing about the distribution, so DISTRIB_ID is required.
fn from_lsb_release(files: &Files) -> Option<OsInfo> {
    let pairs = parse_os_release(files.get(LSB_RELEASE)?);
    let distrib_id = lookup(&pairs, "DISTRIB_ID");
    if distrib_id.is_empty() {
        return None;
    }
    let id = distrib_id.to_ascii_lowercase();
    let version = lookup(&pairs, "DISTRIB_RELEASE");
    let pretty_name = match lookup(&pairs, "DISTRIB_DESCRIPTION") {
        "" => format!("{distrib_id} {version}").trim_end().to_string(),
        description => description.to_string(),
    };
    let platform = os_release_platform(&id, distrib_id, "");
    Some(os_info(&platform, &id, version, &pretty_name, LSB_RELEASE))
}

/// Last resort, because Ubuntu has a /etc/debian_version too: Debian 6 and older.
fn from_debian_version(files: &Files) -> Option<OsInfo> {
    let version = debian_version(files)?;
    let pretty_name = format!("Debian GNU/Linux {version}");
    Some(os_info(
        "Debian",
        "debian",
        version,
        &pretty_name,
        DEBIAN_VERSION,
    ))
}

/// "12.5", or "bookworm/sid" between releases. Anything else is not a debian_version and
/// must not turn an unknown host into Debian.
fn debian_version(files: &Files) -> Option<&str> {
    first_line(files.get(DEBIAN_VERSION)?).filter(|line| {
        line.len() <= 64
            && line.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '+' | '~' | '_')
            })
    })
}

/// Fill in a minor version that os-release leaves out: CentOS 7/8 (VERSION_ID="7"),
/// Amazon Linux 2023 (VERSION_ID="2023"), Debian (VERSION_ID="12"). Only a vendor line
/// for the same platform and major version is trusted.
fn fill_minor(mut info: OsInfo, files: &Files) -> OsInfo {
    if !info.small.is_empty() {
        return info;
    }
    if info.id == "debian" {
        if let Some(debian_version) = debian_version(files) {
            let (big, small) = split_version(debian_version);
            if info.version.is_empty() {
                // Testing/unstable has no VERSION_ID; "bookworm/sid" is all there is.
                info.version = debian_version.to_string();
                info.big = big;
                info.small = small;
            } else if big == info.big && !small.is_empty() {
                info.version = debian_version.to_string();
                info.small = small;
            }
        }
        return info;
    }
    let vendor_lines = VENDOR_RELEASES
        .into_iter()
        .filter_map(|path| ReleaseLine::parse(files.get(path)?));
    for line in vendor_lines {
        let (big, small) = split_version(line.version);
        let same_platform = line.vendor().map(|(platform, _)| platform) == Some(&*info.platform);
        if same_platform && big == info.big && !small.is_empty() {
            info.version = line.version.to_string();
            info.small = small;
            break;
        }
    }
    info
}

/// "CentOS Linux release 7.9.2009 (Core)", "Amazon Linux AMI release 2018.03".
struct ReleaseLine<'a> {
    /// The whole line, for pretty_name.
    text: &'a str,
    /// What precedes " release ": "CentOS Linux".
    product: &'a str,
    /// The word after it: "7.9.2009", "V10", "2".
    version: &'a str,
}

impl<'a> ReleaseLine<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let text = first_line(text)?;
        let (product, rest) = text.split_once(" release ")?;
        let version = rest.split_whitespace().next()?;
        Some(ReleaseLine {
            text,
            product: product.trim(),
            version,
        })
    }

    /// (platform, id) of the product, None for products we do not know.
    fn vendor(&self) -> Option<(&'static str, &'static str)> {
        VENDOR_PRODUCTS
            .iter()
            .find(|(prefix, _, _)| self.product.starts_with(prefix))
            .map(|&(_, platform, id)| (platform, id))
    }
}

fn os_info(platform: &str, id: &str, version: &str, pretty_name: &str, source: &str) -> OsInfo {
    let (big, small) = split_version(version);
    OsInfo {
        platform: platform.to_string(),
        id: id.to_string(),
        version: version.to_string(),
        big,
        small,
        pretty_name: pretty_name.to_string(),
        source: source.to_string(),
    }
}

/// "7.9.2009" -> ("7", "9"); "22.04" -> ("22", "04"); "V10" (Kylin) -> ("10", "");
/// a codename ("bookworm/sid") -> ("", "").
fn split_version(version: &str) -> (String, String) {
    let version = version.trim();
    let version = version
        .strip_prefix(['V', 'v'])
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(version);
    let mut parts = version.split('.');
    let big = leading_digits(parts.next().unwrap_or_default());
    if big.is_empty() {
        return (String::new(), String::new());
    }
    let small = parts.next().map(leading_digits).unwrap_or_default();
    (big, small)
}

fn leading_digits(s: &str) -> String {
    s.chars().take_while(char::is_ascii_digit).collect()
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.trim())
}

fn parse_assignment(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.starts_with('#') {
        return None;
    }
    let (key, raw) = line.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some((key.to_string(), unquote(raw.trim_start())))
}

/// Shell-style value: "double" (backslash escapes \" \\ \$ \`), 'single' (literal), or a
/// bare word ending at whitespace, which drops a trailing "# comment". An unterminated
/// quote runs to the end of the line rather than losing the value.
fn unquote(raw: &str) -> String {
    let mut out = String::new();
    if let Some(body) = raw.strip_prefix('"') {
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some(escaped @ ('"' | '\\' | '$' | '`')) => out.push(escaped),
                    // The shell keeps the backslash before any other character.
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                },
                _ => out.push(c),
            }
        }
    } else if let Some(body) = raw.strip_prefix('\'') {
        out.extend(body.chars().take_while(|&c| c != '\''));
    } else {
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                c if c.is_whitespace() => break,
                _ => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files of one captured host under tests/data/release/<dir>, keyed by absolute path.
    macro_rules! host {
        ($dir:literal: $($path:literal),+ $(,)?) => {
            vec![$(
                ($path, include_str!(concat!("../../tests/data/release/", $dir, $path))),
            )+]
        };
    }

    type Host = Vec<(&'static str, &'static str)>;

    fn run(host: &[(&str, &str)]) -> Result<OsInfo, String> {
        detect(&|path| {
            host.iter()
                .find(|(p, _)| *p == path)
                .map(|(_, text)| text.to_string())
        })
    }

    fn detect_ok(host: &Host) -> OsInfo {
        match run(host) {
            Ok(info) => info,
            Err(e) => panic!("detect failed: {e}"),
        }
    }

    /// (platform, big, small, source) — what the report header shows, plus provenance.
    fn summary(info: &OsInfo) -> (&str, &str, &str, &str) {
        (&info.platform, &info.big, &info.small, &info.source)
    }

    fn without(mut host: Host, path: &str) -> Host {
        host.retain(|(p, _)| *p != path);
        host
    }

    // ----- RHEL family -----

    #[test]
    fn centos6_without_os_release_is_read_from_centos_release() {
        let info = detect_ok(&host!("centos-6.10":
            "/etc/redhat-release",
            "/etc/centos-release",
            "/etc/system-release",
        ));
        assert_eq!(summary(&info), ("CentOS", "6", "10", "/etc/centos-release"));
        assert_eq!(info.id, "centos");
        assert_eq!(info.version, "6.10");
        assert_eq!(info.pretty_name, "CentOS release 6.10 (Final)");
    }

    #[test]
    fn centos7_minor_comes_from_centos_release() {
        let host = host!("centos-7.9":
            "/etc/os-release",
            "/etc/centos-release",
            "/etc/redhat-release",
            "/etc/system-release",
        );
        let info = detect_ok(&host);
        assert_eq!(summary(&info), ("CentOS", "7", "9", "/etc/os-release"));
        assert_eq!(info.version, "7.9.2009");
        assert_eq!(info.pretty_name, "CentOS Linux 7 (Core)");
    }

    #[test]
    fn centos7_minor_falls_back_to_redhat_release() {
        let host = without(
            host!("centos-7.9": "/etc/os-release", "/etc/centos-release", "/etc/redhat-release"),
            "/etc/centos-release",
        );
        assert_eq!(detect_ok(&host).small, "9");
    }

    #[test]
    fn centos7_without_vendor_files_has_no_minor() {
        let info = detect_ok(&host!("centos-7.9": "/etc/os-release"));
        assert_eq!(summary(&info), ("CentOS", "7", "", "/etc/os-release"));
        assert_eq!(info.version, "7");
    }

    #[test]
    fn centos8_minor_comes_from_centos_release_without_codename() {
        let info = detect_ok(&host!("centos-8.5":
            "/etc/os-release",
            "/etc/centos-release",
            "/etc/redhat-release",
            "/etc/system-release",
        ));
        assert_eq!(summary(&info), ("CentOS", "8", "5", "/etc/os-release"));
        assert_eq!(info.version, "8.5.2111");
    }

    #[test]
    fn centos_stream9_is_its_own_platform_with_no_minor() {
        let info = detect_ok(&host!("centos-stream-9":
            "/etc/os-release",
            "/etc/centos-release",
            "/etc/redhat-release",
            "/etc/system-release",
        ));
        assert_eq!(summary(&info), ("CentOSStream", "9", "", "/etc/os-release"));
        assert_eq!(info.id, "centos");
        assert_eq!(info.version, "9");
    }

    #[test]
    fn centos_stream9_legacy_line_keeps_its_platform() {
        let info = detect_ok(&host!("centos-stream-9": "/etc/centos-release"));
        assert_eq!(
            summary(&info),
            ("CentOSStream", "9", "", "/etc/centos-release")
        );
    }

    #[test]
    fn rhel6_without_os_release_ignores_lsb_version_only_lsb_release() {
        let info = detect_ok(
            &host!("rhel-6.10": "/etc/redhat-release", "/etc/system-release", "/etc/lsb-release"),
        );
        assert_eq!(summary(&info), ("RedHat", "6", "10", "/etc/redhat-release"));
        assert_eq!(info.id, "rhel");
        assert_eq!(
            info.pretty_name,
            "Red Hat Enterprise Linux Server release 6.10 (Santiago)"
        );
    }

    #[test]
    fn rhel7_version_id_already_carries_the_minor() {
        let info = detect_ok(
            &host!("rhel-7.9": "/etc/os-release", "/etc/redhat-release", "/etc/system-release"),
        );
        assert_eq!(summary(&info), ("RedHat", "7", "9", "/etc/os-release"));
        assert_eq!(info.version, "7.9");
        assert_eq!(
            info.pretty_name,
            "Red Hat Enterprise Linux Server 7.9 (Maipo)"
        );
    }

    #[test]
    fn rhel8_and_rhel9_come_from_os_release() {
        let rhel8 = detect_ok(&host!("rhel-8.8": "/etc/os-release", "/etc/redhat-release"));
        assert_eq!(summary(&rhel8), ("RedHat", "8", "8", "/etc/os-release"));
        let rhel9 = detect_ok(&host!("rhel-9.3": "/etc/os-release", "/etc/redhat-release"));
        assert_eq!(summary(&rhel9), ("RedHat", "9", "3", "/etc/os-release"));
        assert_eq!(rhel9.pretty_name, "Red Hat Enterprise Linux 9.3 (Plow)");
    }

    #[test]
    fn rocky_and_alma_carry_the_minor_in_version_id() {
        let rocky = detect_ok(&host!("rocky-9.3": "/etc/os-release", "/etc/redhat-release"));
        assert_eq!(summary(&rocky), ("Rocky", "9", "3", "/etc/os-release"));
        assert_eq!(rocky.id, "rocky");
        let alma = detect_ok(&host!("almalinux-8.9": "/etc/os-release", "/etc/redhat-release"));
        assert_eq!(summary(&alma), ("AlmaLinux", "8", "9", "/etc/os-release"));
        assert_eq!(alma.pretty_name, "AlmaLinux 8.9 (Midnight Oncilla)");
    }

    #[test]
    fn oracle_linux_is_not_taken_for_rhel_by_its_redhat_release() {
        let host = host!("oracle-7.9":
            "/etc/os-release",
            "/etc/oracle-release",
            "/etc/redhat-release",
            "/etc/system-release",
        );
        let info = detect_ok(&host);
        assert_eq!(summary(&info), ("OracleLinux", "7", "9", "/etc/os-release"));
        assert_eq!(info.id, "ol");
        let legacy = detect_ok(&without(host, "/etc/os-release"));
        assert_eq!(
            summary(&legacy),
            ("OracleLinux", "7", "9", "/etc/oracle-release")
        );
    }

    // ----- Debian family -----

    #[test]
    fn ubuntu_minor_keeps_its_leading_zero() {
        let cases = [
            (
                host!("ubuntu-14.04": "/etc/os-release", "/etc/lsb-release", "/etc/debian_version"),
                "14",
                "Ubuntu 14.04.4 LTS",
            ),
            (
                host!("ubuntu-18.04": "/etc/os-release", "/etc/lsb-release", "/etc/debian_version"),
                "18",
                "Ubuntu 18.04.3 LTS",
            ),
            (
                host!("ubuntu-22.04": "/etc/os-release", "/etc/lsb-release", "/etc/debian_version"),
                "22",
                "Ubuntu 22.04.4 LTS",
            ),
            (
                host!("ubuntu-24.04": "/etc/os-release", "/etc/lsb-release", "/etc/debian_version"),
                "24",
                "Ubuntu 24.04.3 LTS",
            ),
        ];
        for (host, big, pretty) in cases {
            let info = detect_ok(&host);
            assert_eq!(
                summary(&info),
                ("Ubuntu", big, "04", "/etc/os-release"),
                "{pretty}"
            );
            assert_eq!(info.id, "ubuntu");
            assert_eq!(info.version, format!("{big}.04"));
            assert_eq!(info.pretty_name, pretty);
        }
    }

    #[test]
    fn ubuntu1004_without_os_release_is_read_from_lsb_release() {
        let info = detect_ok(&host!("ubuntu-10.04": "/etc/lsb-release", "/etc/debian_version"));
        assert_eq!(summary(&info), ("Ubuntu", "10", "04", "/etc/lsb-release"));
        assert_eq!(info.id, "ubuntu");
        assert_eq!(info.pretty_name, "Ubuntu 10.04.4 LTS");
    }

    #[test]
    fn debian_minor_comes_from_debian_version() {
        let cases = [
            (
                host!("debian-9": "/etc/os-release", "/etc/debian_version"),
                "9",
                "13",
            ),
            (
                host!("debian-10": "/etc/os-release", "/etc/debian_version"),
                "10",
                "13",
            ),
            (
                host!("debian-12": "/etc/os-release", "/etc/debian_version"),
                "12",
                "5",
            ),
        ];
        for (host, big, small) in cases {
            let info = detect_ok(&host);
            assert_eq!(summary(&info), ("Debian", big, small, "/etc/os-release"));
            assert_eq!(info.version, format!("{big}.{small}"));
        }
    }

    #[test]
    fn debian_testing_without_version_id_reports_the_codename() {
        let info =
            detect_ok(&host!("debian-stretch-sid": "/etc/os-release", "/etc/debian_version"));
        assert_eq!(summary(&info), ("Debian", "", "", "/etc/os-release"));
        assert_eq!(info.version, "stretch/sid");
        assert_eq!(info.pretty_name, "Debian GNU/Linux stretch/sid");
    }

    #[test]
    fn debian6_without_os_release_is_read_from_debian_version() {
        let info = detect_ok(&host!("debian-6.0": "/etc/debian_version"));
        assert_eq!(summary(&info), ("Debian", "6", "0", "/etc/debian_version"));
        assert_eq!(info.version, "6.0.10");
    }

    // ----- SUSE -----

    #[test]
    fn sles11sp3_without_os_release_is_read_from_suse_release() {
        let info = detect_ok(&host!("sles-11-sp3": "/etc/SuSE-release"));
        assert_eq!(summary(&info), ("SUSE", "11", "3", "/etc/SuSE-release"));
        assert_eq!(info.id, "sles");
        assert_eq!(info.version, "11.3");
        assert_eq!(info.pretty_name, "SUSE Linux Enterprise Server 11 (x86_64)");
    }

    #[test]
    fn sles11sp4_comes_from_os_release() {
        let host = host!("sles-11-sp4": "/etc/os-release", "/etc/SuSE-release");
        assert_eq!(
            summary(&detect_ok(&host)),
            ("SUSE", "11", "4", "/etc/os-release")
        );
        let legacy = detect_ok(&without(host, "/etc/os-release"));
        assert_eq!(summary(&legacy), ("SUSE", "11", "4", "/etc/SuSE-release"));
    }

    #[test]
    fn sles12sp1_os_release_wins_over_stale_suse_release_patchlevel() {
        // The shipped SuSE-release still says PATCHLEVEL = 0 on SP1.
        let info = detect_ok(&host!("sles-12-sp1": "/etc/os-release", "/etc/SuSE-release"));
        assert_eq!(summary(&info), ("SUSE", "12", "1", "/etc/os-release"));
    }

    #[test]
    fn sles12sp5_and_sles15sp5_use_version_id_not_version() {
        let sles12 = detect_ok(&host!("sles-12-sp5": "/etc/os-release"));
        assert_eq!(summary(&sles12), ("SUSE", "12", "5", "/etc/os-release"));
        let sles15 = detect_ok(&host!("sles-15-sp5": "/etc/os-release"));
        assert_eq!(summary(&sles15), ("SUSE", "15", "5", "/etc/os-release"));
        assert_eq!(sles15.version, "15.5");
        assert_eq!(sles15.id, "sles");
        assert_eq!(sles15.pretty_name, "SUSE Linux Enterprise Server 15 SP5");
    }

    #[test]
    fn opensuse_leap_and_old_opensuse_are_opensuse() {
        let leap = detect_ok(&host!("opensuse-leap-15.5": "/etc/os-release"));
        assert_eq!(summary(&leap), ("OpenSUSE", "15", "5", "/etc/os-release"));
        assert_eq!(leap.id, "opensuse-leap");
        let old = host!("opensuse-13.2": "/etc/os-release", "/etc/SuSE-release");
        assert_eq!(
            summary(&detect_ok(&old)),
            ("OpenSUSE", "13", "2", "/etc/os-release")
        );
        let legacy = detect_ok(&without(old, "/etc/os-release"));
        assert_eq!(
            summary(&legacy),
            ("OpenSUSE", "13", "2", "/etc/SuSE-release")
        );
        assert_eq!(legacy.version, "13.2");
    }

    #[test]
    fn tumbleweed_snapshot_date_is_the_big_version() {
        let info = detect_ok(&host!("opensuse-tumbleweed-20240823": "/etc/os-release"));
        assert_eq!(
            summary(&info),
            ("OpenSUSE", "20240823", "", "/etc/os-release")
        );
        assert_eq!(info.id, "opensuse-tumbleweed");
        assert_eq!(info.pretty_name, "openSUSE Tumbleweed");
    }

    // ----- Amazon -----

    #[test]
    fn amazon_linux_1_date_version_splits_at_the_dot() {
        let info =
            detect_ok(&host!("amazon-linux-2018.03": "/etc/os-release", "/etc/system-release"));
        assert_eq!(
            summary(&info),
            ("AmazonLinux", "2018", "03", "/etc/os-release")
        );
        assert_eq!(info.id, "amzn");
        let legacy = detect_ok(&host!("amazon-linux-2018.03": "/etc/system-release"));
        assert_eq!(
            summary(&legacy),
            ("AmazonLinux", "2018", "03", "/etc/system-release")
        );
    }

    #[test]
    fn amazon_linux_2_has_no_minor() {
        let info = detect_ok(&host!("amazon-linux-2": "/etc/os-release", "/etc/system-release"));
        assert_eq!(summary(&info), ("AmazonLinux", "2", "", "/etc/os-release"));
        assert_eq!(info.version, "2");
    }

    #[test]
    fn amazon_linux_2023_minor_comes_from_system_release() {
        let info = detect_ok(&host!("amazon-linux-2023": "/etc/os-release", "/etc/system-release"));
        assert_eq!(
            summary(&info),
            ("AmazonLinux", "2023", "3", "/etc/os-release")
        );
        assert_eq!(info.version, "2023.3.20240312");
    }

    // ----- Alibaba -----

    #[test]
    fn alinux2_splits_its_1903_minor() {
        let host = host!("alinux-2.1903": "/etc/os-release", "/etc/redhat-release");
        let info = detect_ok(&host);
        assert_eq!(
            summary(&info),
            ("AlibabaCloudLinux", "2", "1903", "/etc/os-release")
        );
        assert_eq!(info.id, "alinux");
        let legacy = detect_ok(&without(host, "/etc/os-release"));
        assert_eq!(
            summary(&legacy),
            ("AlibabaCloudLinux", "2", "1903", "/etc/redhat-release")
        );
    }

    #[test]
    fn alinux3_minor_comes_from_alinux_minor_id() {
        let info = detect_ok(&host!("alinux-3.2104-u13": "/etc/os-release", "/etc/redhat-release"));
        assert_eq!(
            summary(&info),
            ("AlibabaCloudLinux", "3", "2104", "/etc/os-release")
        );
        assert_eq!(info.version, "3.2104");
        assert_eq!(
            info.pretty_name,
            "Alibaba Cloud Linux 3.2104 U13 (OpenAnolis Edition)"
        );
    }

    #[test]
    fn early_alinux3_has_no_minor_anywhere() {
        let info =
            detect_ok(&host!("alinux-3-soaring-falcon": "/etc/os-release", "/etc/redhat-release"));
        assert_eq!(
            summary(&info),
            ("AlibabaCloudLinux", "3", "", "/etc/os-release")
        );
        assert_eq!(info.version, "3");
    }

    #[test]
    fn aliyun_linux_branding_is_kept_apart() {
        // Not a captured file: the pre-rebrand name, to pin the spelling.
        let host: Host = vec![(
            "/etc/os-release",
            "NAME=\"Aliyun Linux\"\nID=\"aliyun\"\nVERSION_ID=\"2.1903\"\n",
        )];
        assert_eq!(
            summary(&detect_ok(&host)),
            ("AliyunLinux", "2", "1903", "/etc/os-release")
        );
        let legacy: Host = vec![(
            "/etc/redhat-release",
            "Aliyun Linux release 2.1903 LTS (Hunting Beagle)\n",
        )];
        assert_eq!(detect_ok(&legacy).platform, "AliyunLinux");
    }

    #[test]
    fn anolis_comes_from_os_release() {
        let info = detect_ok(&host!("anolis-8.8": "/etc/os-release"));
        assert_eq!(summary(&info), ("Anolis", "8", "8", "/etc/os-release"));
        assert_eq!(info.id, "anolis");
    }

    // ----- Container Linux, Fedora -----

    #[test]
    fn flatcar_build_number_is_the_big_version() {
        let info = detect_ok(&host!("flatcar-3227.2.4": "/etc/os-release"));
        assert_eq!(summary(&info), ("Flatcar", "3227", "2", "/etc/os-release"));
        assert_eq!(info.version, "3227.2.4");
    }

    #[test]
    fn coreos_with_only_usr_lib_os_release() {
        let info = detect_ok(&host!("coreos-1911.5.0": "/usr/lib/os-release", "/etc/lsb-release"));
        assert_eq!(
            summary(&info),
            ("CoreOS", "1911", "5", "/usr/lib/os-release")
        );
        assert_eq!(
            info.pretty_name,
            "Container Linux by CoreOS 1911.5.0 (Rhyolite)"
        );
    }

    #[test]
    fn old_coreos_with_an_empty_build_id() {
        let info = detect_ok(&host!("coreos-766.3.0": "/etc/os-release"));
        assert_eq!(summary(&info), ("CoreOS", "766", "3", "/etc/os-release"));
        assert_eq!(info.pretty_name, "CoreOS 766.3.0");
    }

    #[test]
    fn fedora_and_fedora_coreos_are_told_apart_by_variant_id() {
        let fedora = detect_ok(&host!("fedora-39": "/etc/os-release"));
        assert_eq!(summary(&fedora), ("Fedora", "39", "", "/etc/os-release"));
        let fcos = detect_ok(&host!("fedora-coreos-39": "/etc/os-release"));
        assert_eq!(
            summary(&fcos),
            ("FedoraCoreOS", "39", "", "/etc/os-release")
        );
        assert_eq!(fcos.id, "fedora");
    }

    // ----- Chinese vendors -----

    #[test]
    fn kylin_v10_drops_the_v() {
        let host = host!("kylin-v10": "/etc/os-release", "/etc/system-release");
        let info = detect_ok(&host);
        assert_eq!(summary(&info), ("Kylin", "10", "", "/etc/os-release"));
        assert_eq!(info.version, "V10");
        let legacy = detect_ok(&without(host, "/etc/os-release"));
        assert_eq!(summary(&legacy), ("Kylin", "10", "", "/etc/system-release"));
    }

    #[test]
    fn upper_case_ids_are_lowered() {
        let uos = detect_ok(&host!("uos-20": "/etc/os-release"));
        assert_eq!(summary(&uos), ("UOS", "20", "", "/etc/os-release"));
        assert_eq!(uos.id, "uos");
        let euler = detect_ok(&host!("openeuler-24.03": "/etc/os-release"));
        assert_eq!(
            summary(&euler),
            ("openEuler", "24", "03", "/etc/os-release")
        );
        assert_eq!(euler.id, "openeuler");
    }

    // ----- Unknown and broken hosts -----

    #[test]
    fn unknown_distribution_gets_its_name_as_platform() {
        let host: Host = vec![(
            "/etc/os-release",
            "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling\n",
        )];
        let info = detect_ok(&host);
        assert_eq!(summary(&info), ("ArchLinux", "", "", "/etc/os-release"));
        assert_eq!(info.id, "arch");
    }

    #[test]
    fn no_release_files_is_an_error_naming_the_files_tried() {
        let err = run(&[]).err().unwrap_or_default();
        for path in RELEASE_FILES {
            assert!(err.contains(path), "{err}");
        }
        assert!(err.contains("none of them exists"), "{err}");
    }

    #[test]
    fn empty_and_blank_files_count_as_absent() {
        let host: Host = vec![("/etc/os-release", ""), ("/etc/redhat-release", " \n\t\n")];
        let err = run(&host).err().unwrap_or_default();
        assert!(err.contains("none of them exists"), "{err}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        let garbage = String::from_utf8_lossy(&bytes);
        let host: Vec<(&str, &str)> = RELEASE_FILES.iter().map(|&p| (p, &*garbage)).collect();
        let err = run(&host).err().unwrap_or_default();
        assert!(
            err.contains("present but unrecognised: /etc/os-release"),
            "{err}"
        );
    }

    #[test]
    fn damaged_etc_os_release_falls_back_to_usr_lib() {
        let host: Host = vec![
            ("/etc/os-release", "\u{fffd}\u{fffd}\0\0 not a release file"),
            ("/usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
        ];
        let info = detect_ok(&host);
        assert_eq!(summary(&info), ("Debian", "12", "", "/usr/lib/os-release"));
    }

    #[test]
    fn crlf_release_files_parse_like_lf_ones() {
        let centos = host!("centos-7.9": "/etc/os-release", "/etc/centos-release");
        let crlf: Vec<(&'static str, String)> = centos
            .iter()
            .map(|(p, text)| (*p, text.replace('\n', "\r\n")))
            .collect();
        let info = detect(&|path| {
            crlf.iter()
                .find(|(p, _)| *p == path)
                .map(|(_, t)| t.clone())
        });
        assert_eq!(info, Ok(detect_ok(&centos)));
    }

    // ----- parse_os_release -----

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_quoting_styles() {
        let text = "A=plain\nB=\"double quoted\"\nC='single quoted'\nD=\"\"\nE=\n";
        assert_eq!(
            parse_os_release(text),
            pairs(&[
                ("A", "plain"),
                ("B", "double quoted"),
                ("C", "single quoted"),
                ("D", ""),
                ("E", "")
            ])
        );
    }

    #[test]
    fn double_quotes_take_shell_escapes_single_quotes_do_not() {
        let text = r#"A="say \"hi\" \$HOME \`x\` back\\slash \n"
B='no \"escape\" here'
C=bare\ word"#;
        assert_eq!(
            parse_os_release(text),
            pairs(&[
                ("A", r#"say "hi" $HOME `x` back\slash \n"#),
                ("B", r#"no \"escape\" here"#),
                ("C", "bare word"),
            ])
        );
    }

    #[test]
    fn skips_comments_blank_lines_and_lines_without_equals() {
        let text =
            "# comment\n\n   # indented comment\nnot an assignment\n=no key\nBAD KEY=x\nID=ok\n";
        assert_eq!(parse_os_release(text), pairs(&[("ID", "ok")]));
    }

    #[test]
    fn tolerates_stray_whitespace_and_trailing_comments() {
        let text =
            "  NAME = \"SLES\"  \nVERSION_ID=7   # seven\nX=\"quoted\"      \n\tY\t=\t'tab'\n";
        assert_eq!(
            parse_os_release(text),
            pairs(&[
                ("NAME", "SLES"),
                ("VERSION_ID", "7"),
                ("X", "quoted"),
                ("Y", "tab")
            ])
        );
    }

    #[test]
    fn strips_crlf() {
        assert_eq!(
            parse_os_release("ID=\"centos\"\r\nVERSION_ID=7\r\nEMPTY=\r\n"),
            pairs(&[("ID", "centos"), ("VERSION_ID", "7"), ("EMPTY", "")])
        );
    }

    #[test]
    fn unterminated_quote_keeps_the_rest_of_the_line() {
        assert_eq!(
            parse_os_release("DISTRIB_DESCRIPTION=\"Ubuntu 10.04.4 LTS\nNEXT=1"),
            pairs(&[("DISTRIB_DESCRIPTION", "Ubuntu 10.04.4 LTS"), ("NEXT", "1")])
        );
    }

    #[test]
    fn keeps_order_and_later_duplicates_win_on_lookup() {
        let pairs = parse_os_release("ID=first\nNAME=n\nID=second\n");
        assert_eq!(pairs.len(), 3);
        assert_eq!(lookup(&pairs, "ID"), "second");
        assert_eq!(lookup(&pairs, "MISSING"), "");
    }

    #[test]
    fn empty_and_garbage_input_parse_to_nothing() {
        assert!(parse_os_release("").is_empty());
        let bytes: Vec<u8> = (0..=255u8).rev().cycle().take(2048).collect();
        let garbage = String::from_utf8_lossy(&bytes);
        for (key, _) in parse_os_release(&garbage) {
            assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        }
    }

    #[test]
    fn real_file_keeps_every_key_in_order() {
        let pairs = parse_os_release(include_str!(
            "../../tests/data/release/rhel-7.9/etc/os-release"
        ));
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys.first(), Some(&"NAME"));
        assert_eq!(keys.last(), Some(&"REDHAT_SUPPORT_PRODUCT_VERSION"));
        assert_eq!(keys.len(), 16);
        assert_eq!(lookup(&pairs, "REDHAT_BUGZILLA_PRODUCT_VERSION"), "7.9");
    }

    // ----- split_version -----

    #[test]
    fn splits_versions_as_the_report_prints_them() {
        let cases = [
            ("7.9.2009", "7", "9"),
            ("22.04", "22", "04"),
            ("2018.03", "2018", "03"),
            ("2", "2", ""),
            ("V10", "10", ""),
            ("20240823", "20240823", ""),
            ("bookworm/sid", "", ""),
            ("", "", ""),
            (" 15.5 ", "15", "5"),
        ];
        for (version, big, small) in cases {
            assert_eq!(
                split_version(version),
                (big.to_string(), small.to_string()),
                "{version}"
            );
        }
    }
}
