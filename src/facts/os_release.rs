//! Which operating system a host runs, read from the text of its release files.
//!
//! Feeds the header of the image_check report: `platform`, the value to choose for
//! ImportImage's `Platform` on Alibaba's import form, and beside it the distribution's own
//! name and its version (`os_big_version`, `os_small_version`). Pure: the caller reads the
//! files (locally or over SSH) and hands their contents in, so every rule here is testable
//! against captured files (tests/release_files.rs runs them over the python `distro`
//! project's collection).
//!
//! Order of trust: os-release first, since it is the one machine-readable format; the
//! vendor files (`/etc/centos-release`, `/etc/debian_version`, ...) only fill in a version
//! os-release leaves out, or stand in on hosts too old to have os-release at all; `uname`
//! names the BSDs, which have none of these files before FreeBSD 13.

use serde::{Deserialize, Serialize};

use super::os_family::OsFamily;

const ETC_OS_RELEASE: &str = "/etc/os-release";
const USR_OS_RELEASE: &str = "/usr/lib/os-release";
const ORACLE_RELEASE: &str = "/etc/oracle-release";
const CENTOS_RELEASE: &str = "/etc/centos-release";
const REDHAT_RELEASE: &str = "/etc/redhat-release";
const SYSTEM_RELEASE: &str = "/etc/system-release";
const GENTOO_RELEASE: &str = "/etc/gentoo-release";
const SUSE_RELEASE: &str = "/etc/SuSE-release";
const LSB_RELEASE: &str = "/etc/lsb-release";
const DEBIAN_VERSION: &str = "/etc/debian_version";
const ALPINE_RELEASE: &str = "/etc/alpine-release";

/// Release files to read, in the order they are consulted.
pub const RELEASE_FILES: &[&str] = &[
    ETC_OS_RELEASE,
    USR_OS_RELEASE,
    ORACLE_RELEASE,
    CENTOS_RELEASE,
    REDHAT_RELEASE,
    SYSTEM_RELEASE,
    GENTOO_RELEASE,
    SUSE_RELEASE,
    LSB_RELEASE,
    DEBIAN_VERSION,
    ALPINE_RELEASE,
];

/// "<product> release <version> (<codename>)" files. Oracle Linux ships an
/// /etc/redhat-release that says "Red Hat Enterprise Linux", so the vendor's own file
/// has to be asked before the generic ones.
const VENDOR_RELEASES: [&str; 5] = [
    ORACLE_RELEASE,
    CENTOS_RELEASE,
    REDHAT_RELEASE,
    SYSTEM_RELEASE,
    GENTOO_RELEASE,
];

/// Product names as they open a release line, with the os-release ID they stand for.
/// "CentOS Stream" must precede "CentOS": first prefix match wins. A product not listed
/// gets the first word of its name as ID ("CloudLinux Server" -> "cloudlinux").
const VENDOR_PRODUCTS: [(&str, &str); 13] = [
    ("CentOS Stream", "centos"),
    ("CentOS", "centos"),
    ("Red Hat Enterprise Linux", "rhel"),
    ("Oracle Linux", "ol"),
    ("Rocky Linux", "rocky"),
    ("AlmaLinux", "almalinux"),
    ("Alibaba Cloud Linux", "alinux"),
    ("Aliyun Linux", "aliyun"),
    ("Amazon Linux", "amzn"),
    ("Anolis OS", "anolis"),
    ("Scientific Linux", "scientific"),
    ("Fedora", "fedora"),
    ("Kylin", "kylin"),
];

/// The `Platform` values of Alibaba Cloud's ImportImage API for Linux and FreeBSD, as its
/// API reference lists them. [`OTHERS_LINUX`] is the API's default, for everything else.
pub const IMPORT_PLATFORMS: [&str; 20] = [
    "Aliyun",
    "Anolis",
    "CentOS",
    "Ubuntu",
    "CoreOS",
    "SUSE",
    "Debian",
    "OpenSUSE",
    "FreeBSD",
    "RedHat",
    "Kylin",
    "UOS",
    "Fedora",
    "Fedora CoreOS",
    "CentOS Stream",
    "AlmaLinux",
    "Rocky Linux",
    "Gentoo",
    "Customized Linux",
    OTHERS_LINUX,
];

/// ImportImage's `Platform` for a distribution the form does not list.
pub const OTHERS_LINUX: &str = "Others Linux";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsInfo {
    /// What to choose for `Platform` when importing the image: one of
    /// [`IMPORT_PLATFORMS`] ("CentOS", "Rocky Linux", "Aliyun", "Others Linux", ...).
    pub platform: String,
    /// The distribution's own name: os-release NAME ("CentOS Linux", "Amazon Linux"), the
    /// product of a release line ("CloudLinux Server"), `uname -s` ("FreeBSD").
    #[serde(default)]
    pub distribution: String,
    /// os-release ID (lower case), or a synthesized one ("centos", "cloudlinux") for legacy
    /// files, `uname -s` in lower case for the BSDs. With `id_like`, it decides the
    /// [`OsInfo::family`] the checks ask.
    pub id: String,
    /// os-release ID_LIKE in lower case ("rhel centos fedora"), "" where there is none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id_like: String,
    /// Full version as found ("7.9.2009", "22.04", "15.5", "11.1-RELEASE"); a codename such
    /// as "bookworm/sid" when the host only has one.
    pub version: String,
    /// Major version: "7", "22", "15", "2" (Amazon Linux 2), "3" (Alinux 3), "3815".
    pub big: String,
    /// Minor version as printed ("9", "04", "5"), "" when there is none.
    pub small: String,
    pub pretty_name: String,
    /// Which file identified the OS, e.g. "/etc/os-release" or "/etc/redhat-release", or
    /// "uname". The version may still come from a vendor file (see the module docs).
    pub source: String,
}

/// What `uname -s` and `uname -r` print: "FreeBSD", "11.1-RELEASE-p4".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel<'a> {
    pub name: &'a str,
    pub release: &'a str,
}

/// Parse os-release text (freedesktop format: KEY=value, values optionally in "double" or
/// 'single' quotes, backslash escapes inside double quotes, comments, blank lines, stray
/// whitespace, CRLF). Returns keys in order; later duplicates win on lookup.
pub fn parse_os_release(text: &str) -> Vec<(String, String)> {
    text.lines().filter_map(parse_assignment).collect()
}

/// Decide from the release files present on a host, and from its kernel where no release
/// file says anything. `read` returns Some(contents) for a path from RELEASE_FILES that
/// exists (non-empty after trim), None otherwise. Err(reason) when nothing identifies the
/// OS (reason names the files tried), never panics.
pub fn detect(
    read: &dyn Fn(&str) -> Option<String>,
    kernel: Option<Kernel<'_>>,
) -> Result<OsInfo, String> {
    let files = Files::read(read);
    from_os_release(&files)
        .or_else(|| from_vendor_release(&files))
        .or_else(|| from_suse_release(&files))
        .or_else(|| from_lsb_release(&files))
        .or_else(|| from_debian_version(&files))
        .or_else(|| from_alpine_release(&files))
        .map(|info| fill_version(info, &files))
        .or_else(|| kernel.and_then(from_uname))
        .ok_or_else(|| files.nothing_identifies(kernel))
}

/// The ImportImage platform of an os-release ID and NAME. Rebuilds that call themselves
/// `rhel` (Scientific Linux) are not RedHat: that choice means Red Hat's own licence.
fn import_platform(id: &str, name: &str, variant_id: &str) -> &'static str {
    match id {
        "centos" if name.contains("Stream") => "CentOS Stream",
        "centos" => "CentOS",
        "rhel" if name.is_empty() || name.starts_with("Red Hat") => "RedHat",
        "rocky" => "Rocky Linux",
        "almalinux" => "AlmaLinux",
        "ubuntu" => "Ubuntu",
        "debian" => "Debian",
        "sles" | "sles_sap" | "sled" => "SUSE",
        _ if id.starts_with("opensuse") => "OpenSUSE",
        "alinux" | "aliyun" => "Aliyun",
        "anolis" => "Anolis",
        "coreos" => "CoreOS",
        "fedora" if variant_id == "coreos" => "Fedora CoreOS",
        "fedora" => "Fedora",
        "kylin" => "Kylin",
        "uos" => "UOS",
        "gentoo" => "Gentoo",
        "freebsd" => "FreeBSD",
        _ => OTHERS_LINUX,
    }
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

    fn nothing_identifies(&self, kernel: Option<Kernel<'_>>) -> String {
        let present: Vec<&str> = self.0.iter().map(|(p, _)| *p).collect();
        let present = if present.is_empty() {
            "none of them exists".to_string()
        } else {
            format!("present but unrecognised: {}", present.join(", "))
        };
        let kernel = kernel.map_or(String::new(), |k| format!("; uname -s says {:?}", k.name));
        format!(
            "no release file identifies the OS (tried {}; {present}{kernel})",
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
            let platform = import_platform(&id, name, lookup(&pairs, "VARIANT_ID"));
            let pretty_name = match (lookup(&pairs, "PRETTY_NAME"), lookup(&pairs, "VERSION")) {
                ("", "") if name.is_empty() => id.clone(),
                ("", "") => name.to_string(),
                ("", version) => format!("{name} {version}"),
                (pretty, _) => pretty.to_string(),
            };
            // The spec's default NAME.
            let distribution = if name.is_empty() { "Linux" } else { name };
            let mut info = os_info(
                platform,
                distribution,
                &id,
                lookup(&pairs, "VERSION_ID"),
                &pretty_name,
                path,
            );
            info.id_like = lookup(&pairs, "ID_LIKE").to_ascii_lowercase();
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

fn from_vendor_release(files: &Files) -> Option<OsInfo> {
    VENDOR_RELEASES.into_iter().find_map(|path| {
        let line = ReleaseLine::parse(files.get(path)?)?;
        let id = line.id();
        let platform = import_platform(&id, line.product, "");
        Some(os_info(
            platform,
            line.product,
            &id,
            line.version,
            line.text,
            path,
        ))
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
    let id = if product.starts_with("openSUSE") {
        "opensuse"
    } else if product.contains("SUSE Linux Enterprise Desktop") {
        "sled"
    } else if product.contains("SUSE Linux Enterprise") {
        "sles"
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
    // The product without its "(x86_64)" and version: "SUSE Linux Enterprise Server".
    let name = product.split(" (").next().unwrap_or(product).trim_end();
    let name = match name.rsplit_once(' ') {
        Some((head, last)) if last.starts_with(|c: char| c.is_ascii_digit()) => head,
        _ => name,
    };
    Some(os_info(
        import_platform(id, name, ""),
        name,
        id,
        &version,
        product,
        SUSE_RELEASE,
    ))
}

/// Ubuntu 10.04 and other hosts from before os-release. RHEL's lsb-release carries only
/// LSB_VERSION, which says nothing about the distribution, so DISTRIB_ID is required.
fn from_lsb_release(files: &Files) -> Option<OsInfo> {
    let lsb = LsbRelease::parse(files)?;
    let id = lsb.id.to_ascii_lowercase();
    let pretty_name = match lsb.description.as_str() {
        "" => format!("{} {}", lsb.id, lsb.release).trim_end().to_string(),
        description => description.to_string(),
    };
    Some(os_info(
        import_platform(&id, &lsb.id, ""),
        &lsb.id,
        &id,
        &lsb.release,
        &pretty_name,
        LSB_RELEASE,
    ))
}

/// Last resort, because Ubuntu has a /etc/debian_version too: Debian 6 and older.
fn from_debian_version(files: &Files) -> Option<OsInfo> {
    let version = debian_version(files)?;
    let pretty_name = format!("Debian GNU/Linux {version}");
    Some(os_info(
        "Debian",
        "Debian GNU/Linux",
        "debian",
        version,
        &pretty_name,
        DEBIAN_VERSION,
    ))
}

/// Alpine before 3.7 (no os-release): the file is the version alone, "3.6.2".
fn from_alpine_release(files: &Files) -> Option<OsInfo> {
    let version = first_line(files.get(ALPINE_RELEASE)?)?;
    if split_version(version).0.is_empty() {
        return None;
    }
    let pretty_name = format!("Alpine Linux v{version}");
    Some(os_info(
        OTHERS_LINUX,
        "Alpine Linux",
        "alpine",
        version,
        &pretty_name,
        ALPINE_RELEASE,
    ))
}

/// FreeBSD before 13 and the other BSDs, which keep no release file: "FreeBSD" and
/// "11.1-RELEASE-p4". A Linux kernel says nothing about the distribution.
fn from_uname(kernel: Kernel<'_>) -> Option<OsInfo> {
    let name = kernel.name.trim();
    let release = kernel.release.trim();
    let is_bsd_like = !name.is_empty()
        && name != "Linux"
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && release.starts_with(|c: char| c.is_ascii_digit());
    if !is_bsd_like {
        return None;
    }
    let id = name.to_ascii_lowercase();
    let pretty_name = format!("{name} {release}");
    Some(os_info(
        import_platform(&id, name, ""),
        name,
        &id,
        release,
        &pretty_name,
        "uname",
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

/// Fill in a version that os-release leaves out, from a file of the same distribution:
/// a minor (CentOS 7/8 `VERSION_ID="7"`, Amazon Linux 2023, Debian `VERSION_ID="12"`,
/// Raspbian) where the major agrees, or the whole version where os-release has none
/// (Gentoo's gentoo-release, Manjaro's lsb-release, Debian testing's "bookworm/sid").
fn fill_version(info: OsInfo, files: &Files) -> OsInfo {
    if !info.small.is_empty() {
        return info;
    }
    let from_debian = (info.family() == OsFamily::Debian)
        .then(|| debian_version(files))
        .flatten()
        // Only Debian's own version may stand in for a missing one: an Ubuntu's
        // debian_version is the Debian release it branched from.
        .filter(|_| info.id == "debian" || !info.version.is_empty());
    let from_vendor = VENDOR_RELEASES
        .into_iter()
        .filter_map(|path| ReleaseLine::parse(files.get(path)?))
        .filter(|line| line.id() == info.id)
        .map(|line| line.version);
    let from_lsb = LsbRelease::parse(files)
        .filter(|lsb| same_distribution(&lsb.id, &info.id))
        .map(|lsb| lsb.release);
    let from_lsb = from_lsb.as_deref();
    let candidates = from_debian.into_iter().chain(from_vendor).chain(from_lsb);
    for version in candidates {
        let (big, small) = split_version(version);
        if info.version.is_empty() {
            // No version at all: take what the distribution's other file says, even a
            // codename ("bookworm/sid").
            return OsInfo {
                version: version.to_string(),
                big,
                small,
                ..info
            };
        }
        if big == info.big && !small.is_empty() {
            return OsInfo {
                version: version.to_string(),
                small,
                ..info
            };
        }
    }
    info
}

/// lsb-release's DISTRIB_ID names the same distribution as an os-release ID:
/// "Ubuntu"/"ubuntu", "ManjaroLinux"/"manjaro"; not "LinuxMint"/"ubuntu".
fn same_distribution(distrib_id: &str, id: &str) -> bool {
    let squashed: String = distrib_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    !id.is_empty() && squashed.starts_with(id)
}

/// The distribution keys of /etc/lsb-release; None without DISTRIB_ID.
struct LsbRelease {
    id: String,
    release: String,
    description: String,
}

impl LsbRelease {
    fn parse(files: &Files) -> Option<LsbRelease> {
        let pairs = parse_os_release(files.get(LSB_RELEASE)?);
        let id = lookup(&pairs, "DISTRIB_ID");
        (!id.is_empty()).then(|| LsbRelease {
            id: id.to_string(),
            release: lookup(&pairs, "DISTRIB_RELEASE").to_string(),
            description: lookup(&pairs, "DISTRIB_DESCRIPTION").to_string(),
        })
    }
}

/// "CentOS Linux release 7.9.2009 (Core)", "Amazon Linux AMI release 2018.03",
/// "CloudLinux Server release 5.11 (Vladislav Volkov)".
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
        let product = product.trim();
        // A version is what follows, and a product has a name: no "release notes" prose.
        let numbered = !split_version(version).0.is_empty();
        let named = product.starts_with(|c: char| c.is_alphabetic()) && product.len() <= 64;
        (numbered && named).then_some(ReleaseLine {
            text,
            product,
            version,
        })
    }

    /// The os-release ID of the product: from VENDOR_PRODUCTS, else its first word.
    fn id(&self) -> String {
        VENDOR_PRODUCTS
            .iter()
            .find(|(prefix, _)| self.product.starts_with(prefix))
            .map_or_else(
                || {
                    self.product
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .map(|c| c.to_ascii_lowercase())
                        .collect()
                },
                |(_, id)| id.to_string(),
            )
    }
}

fn os_info(
    platform: &str,
    distribution: &str,
    id: &str,
    version: &str,
    pretty_name: &str,
    source: &str,
) -> OsInfo {
    let (big, small) = split_version(version);
    OsInfo {
        platform: platform.to_string(),
        distribution: distribution.to_string(),
        id: id.to_string(),
        id_like: String::new(),
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
        detect(
            &|path| {
                host.iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, text)| text.to_string())
            },
            None,
        )
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
        assert_eq!(info.distribution, "CentOS");
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
        assert_eq!(
            summary(&info),
            ("CentOS Stream", "9", "", "/etc/os-release")
        );
        assert_eq!(info.id, "centos");
        assert_eq!(info.version, "9");
    }

    #[test]
    fn centos_stream9_legacy_line_keeps_its_platform() {
        let info = detect_ok(&host!("centos-stream-9": "/etc/centos-release"));
        assert_eq!(
            summary(&info),
            ("CentOS Stream", "9", "", "/etc/centos-release")
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
        assert_eq!(
            summary(&rocky),
            ("Rocky Linux", "9", "3", "/etc/os-release")
        );
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
        assert_eq!(
            summary(&info),
            ("Others Linux", "7", "9", "/etc/os-release")
        );
        assert_eq!(info.id, "ol");
        let legacy = detect_ok(&without(host, "/etc/os-release"));
        assert_eq!(
            summary(&legacy),
            ("Others Linux", "7", "9", "/etc/oracle-release")
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
        assert_eq!(info.distribution, "Ubuntu");
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
        assert_eq!(info.distribution, "Debian GNU/Linux");
    }

    // ----- SUSE -----

    #[test]
    fn sles11sp3_without_os_release_is_read_from_suse_release() {
        let info = detect_ok(&host!("sles-11-sp3": "/etc/SuSE-release"));
        assert_eq!(summary(&info), ("SUSE", "11", "3", "/etc/SuSE-release"));
        assert_eq!(info.id, "sles");
        assert_eq!(info.version, "11.3");
        assert_eq!(info.pretty_name, "SUSE Linux Enterprise Server 11 (x86_64)");
        assert_eq!(info.distribution, "SUSE Linux Enterprise Server");
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
        assert_eq!(legacy.distribution, "openSUSE");
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
            ("Others Linux", "2018", "03", "/etc/os-release")
        );
        assert_eq!(info.id, "amzn");
        let legacy = detect_ok(&host!("amazon-linux-2018.03": "/etc/system-release"));
        assert_eq!(
            summary(&legacy),
            ("Others Linux", "2018", "03", "/etc/system-release")
        );
    }

    #[test]
    fn amazon_linux_2_has_no_minor() {
        let info = detect_ok(&host!("amazon-linux-2": "/etc/os-release", "/etc/system-release"));
        assert_eq!(summary(&info), ("Others Linux", "2", "", "/etc/os-release"));
        assert_eq!(info.version, "2");
    }

    #[test]
    fn amazon_linux_2023_minor_comes_from_system_release() {
        let info = detect_ok(&host!("amazon-linux-2023": "/etc/os-release", "/etc/system-release"));
        assert_eq!(
            summary(&info),
            ("Others Linux", "2023", "3", "/etc/os-release")
        );
        assert_eq!(info.version, "2023.3.20240312");
    }

    // ----- Alibaba -----

    #[test]
    fn alinux2_splits_its_1903_minor() {
        let host = host!("alinux-2.1903": "/etc/os-release", "/etc/redhat-release");
        let info = detect_ok(&host);
        assert_eq!(summary(&info), ("Aliyun", "2", "1903", "/etc/os-release"));
        assert_eq!(info.id, "alinux");
        let legacy = detect_ok(&without(host, "/etc/os-release"));
        assert_eq!(
            summary(&legacy),
            ("Aliyun", "2", "1903", "/etc/redhat-release")
        );
    }

    #[test]
    fn alinux3_minor_comes_from_alinux_minor_id() {
        let info = detect_ok(&host!("alinux-3.2104-u13": "/etc/os-release", "/etc/redhat-release"));
        assert_eq!(summary(&info), ("Aliyun", "3", "2104", "/etc/os-release"));
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
        assert_eq!(summary(&info), ("Aliyun", "3", "", "/etc/os-release"));
        assert_eq!(info.version, "3");
    }

    #[test]
    fn aliyun_linux_branding_is_kept_apart() {
        // Not a captured file: the pre-rebrand name, to pin the spelling.
        let host: Host = vec![(
            "/etc/os-release",
            "NAME=\"Aliyun Linux\"\nID=\"aliyun\"\nVERSION_ID=\"2.1903\"\n",
        )];
        let info = detect_ok(&host);
        assert_eq!(summary(&info), ("Aliyun", "2", "1903", "/etc/os-release"));
        assert_eq!(info.distribution, "Aliyun Linux");
        let legacy: Host = vec![(
            "/etc/redhat-release",
            "Aliyun Linux release 2.1903 LTS (Hunting Beagle)\n",
        )];
        let legacy = detect_ok(&legacy);
        assert_eq!(
            (legacy.platform.as_str(), legacy.distribution.as_str()),
            ("Aliyun", "Aliyun Linux")
        );
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
        assert_eq!(
            summary(&info),
            ("Others Linux", "3227", "2", "/etc/os-release")
        );
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
            ("Fedora CoreOS", "39", "", "/etc/os-release")
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
            ("Others Linux", "24", "03", "/etc/os-release")
        );
        assert_eq!(euler.id, "openeuler");
    }

    // ----- Unknown and broken hosts -----

    #[test]
    fn unlisted_distribution_is_others_linux_under_its_own_name() {
        let host: Host = vec![(
            "/etc/os-release",
            "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling\n",
        )];
        let info = detect_ok(&host);
        assert_eq!(summary(&info), ("Others Linux", "", "", "/etc/os-release"));
        assert_eq!(info.id, "arch");
        assert_eq!(info.distribution, "Arch Linux");
    }

    #[test]
    fn rebuilds_are_named_by_their_release_line() {
        let host: Host = vec![("/etc/redhat-release", "EuroLinux release 8.5 (Tirana)\n")];
        let info = detect_ok(&host);
        assert_eq!(
            summary(&info),
            ("Others Linux", "8", "5", "/etc/redhat-release")
        );
        assert_eq!(
            (info.id.as_str(), info.distribution.as_str()),
            ("eurolinux", "EuroLinux")
        );
    }

    #[test]
    fn a_release_line_needs_a_number_after_release() {
        let host: Host = vec![("/etc/system-release", "see the release notes\n")];
        assert!(run(&host).is_err());
    }

    #[test]
    fn os_release_id_rhel_is_redhat_only_when_red_hat_says_so() {
        let scientific: Host = vec![(
            "/etc/os-release",
            "NAME=\"Scientific Linux\"\nID=\"rhel\"\nVERSION_ID=\"7.2\"\n",
        )];
        assert_eq!(detect_ok(&scientific).platform, "Others Linux");
        let rhel: Host = vec![("/etc/os-release", "ID=rhel\nVERSION_ID=7.9\n")];
        assert_eq!(detect_ok(&rhel).platform, "RedHat");
    }

    #[test]
    fn uname_names_the_bsds_but_not_a_linux_distribution() {
        let freebsd = Kernel {
            name: "FreeBSD",
            release: "12.4-RELEASE-p2",
        };
        let info = detect(&|_| None, Some(freebsd)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(summary(&info), ("FreeBSD", "12", "4", "uname"));
        assert_eq!(
            (info.id.as_str(), info.pretty_name.as_str()),
            ("freebsd", "FreeBSD 12.4-RELEASE-p2")
        );
        let linux = Kernel {
            name: "Linux",
            release: "6.1.0-17-amd64",
        };
        let err = detect(&|_| None, Some(linux)).err().unwrap_or_default();
        assert!(err.contains("uname -s says \"Linux\""), "{err}");
    }

    #[test]
    fn release_files_win_over_uname() {
        // FreeBSD 13 and later have an os-release.
        let host = |path: &str| {
            (path == "/etc/os-release")
                .then(|| "NAME=FreeBSD\nVERSION_ID=13.2\nID=freebsd\n".to_string())
        };
        let kernel = Kernel {
            name: "FreeBSD",
            release: "13.2-RELEASE",
        };
        let info = detect(&host, Some(kernel)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(summary(&info), ("FreeBSD", "13", "2", "/etc/os-release"));
    }

    #[test]
    fn a_missing_version_comes_from_the_same_distributions_lsb_release_only() {
        let manjaro: Host = vec![
            ("/etc/os-release", "NAME=\"Manjaro Linux\"\nID=manjaro\n"),
            (
                "/etc/lsb-release",
                "DISTRIB_ID=ManjaroLinux\nDISTRIB_RELEASE=15.12\n",
            ),
        ];
        assert_eq!(
            summary(&detect_ok(&manjaro)),
            ("Others Linux", "15", "12", "/etc/os-release")
        );
        let mint_on_ubuntu: Host = vec![
            (
                "/etc/os-release",
                "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"14\"\n",
            ),
            (
                "/etc/lsb-release",
                "DISTRIB_ID=LinuxMint\nDISTRIB_RELEASE=17.3\n",
            ),
        ];
        assert_eq!(
            summary(&detect_ok(&mint_on_ubuntu)),
            ("Ubuntu", "14", "", "/etc/os-release")
        );
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
        let info = detect(
            &|path| {
                crlf.iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, t)| t.clone())
            },
            None,
        );
        assert_eq!(info, Ok(detect_ok(&centos)));
    }

    #[test]
    fn facts_saved_before_the_distribution_field_still_load() {
        let saved = r#"{"platform":"Rocky","id":"rocky","version":"9.3","big":"9","small":"3",
            "pretty_name":"Rocky Linux 9.3 (Blue Onyx)","source":"/etc/os-release"}"#;
        let info: OsInfo = serde_json::from_str(saved).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (info.id.as_str(), info.distribution.as_str()),
            ("rocky", "")
        );
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
