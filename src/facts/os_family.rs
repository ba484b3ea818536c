//! What a distribution is built from, the one place the checks ask it: its family (Red Hat,
//! Debian, SUSE), decided by its os-release ID where that is a distribution this tool knows
//! and by ID_LIKE otherwise, and the RHEL release its userland follows (CentOS 7 and
//! Alibaba Cloud Linux 2 follow RHEL 7, Amazon Linux 2023 follows none: it is built from
//! Fedora). Vuls keeps one base per family the same way; Ansible's `ansible_os_family` is
//! the family half.

use serde::Serialize;

use super::os_release::OsInfo;

/// A distribution family: whose packaging, service names and vendor defaults it follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OsFamily {
    /// RHEL, its rebuilds, Fedora, Amazon Linux, Alibaba Cloud Linux, openEuler, ...
    RedHat,
    /// Debian, Ubuntu, Raspbian, Linux Mint, Kali, ...
    Debian,
    /// SLES, SLED, openSUSE.
    Suse,
    /// Everything else: Alpine, Arch, Gentoo, the BSDs, ...
    Other,
}

/// Rebuilds of RHEL whose major version is RHEL's own (Rocky 9 is RHEL 9). A distribution
/// not listed counts as one when its ID_LIKE names rhel or centos.
const RHEL_REBUILDS: &[&str] = &[
    "rhel",
    "centos",
    "rocky",
    "almalinux",
    "ol",
    "anolis",
    "scientific",
    "cloudlinux",
    "eurolinux",
    "navy",
    "miraclelinux",
    "circle",
];

/// The family of os-release IDs this tool knows, before ID_LIKE is asked.
fn family_of_id(id: &str) -> Option<OsFamily> {
    match id {
        _ if RHEL_REBUILDS.contains(&id) => Some(OsFamily::RedHat),
        "fedora" | "amzn" | "alinux" | "aliyun" | "openeuler" | "kylin" => Some(OsFamily::RedHat),
        "debian" | "ubuntu" | "raspbian" | "linuxmint" | "kali" | "uos" => Some(OsFamily::Debian),
        "sles" | "sles_sap" | "sled" => Some(OsFamily::Suse),
        _ if id.starts_with("opensuse") => Some(OsFamily::Suse),
        _ => None,
    }
}

/// The family an ID_LIKE word names ("rhel", "fedora", "ubuntu", "suse", ...).
fn family_of_like(like: &str) -> Option<OsFamily> {
    match like {
        "rhel" | "centos" | "fedora" => Some(OsFamily::RedHat),
        "debian" | "ubuntu" => Some(OsFamily::Debian),
        "suse" | "sles" => Some(OsFamily::Suse),
        _ if like.starts_with("opensuse") => Some(OsFamily::Suse),
        _ => None,
    }
}

impl OsInfo {
    /// The family: by ID where the ID is known, else by the first ID_LIKE word that names one.
    pub fn family(&self) -> OsFamily {
        family_of_id(&self.id)
            .or_else(|| self.id_like.split_whitespace().find_map(family_of_like))
            .unwrap_or(OsFamily::Other)
    }

    /// The major RHEL release this distribution's userland follows, None where it follows
    /// none (Fedora, Amazon Linux 2023, Debian, ...). Rebuilds share RHEL's numbers; Amazon
    /// Linux AMI (2011.09 to 2018.03) is RHEL 6, Amazon Linux 2 RHEL 7; Alibaba Cloud
    /// Linux 2 is RHEL 7, 3 is RHEL 8, Aliyun Linux 17.01 RHEL 7.
    pub fn rhel_release(&self) -> Option<u32> {
        let major: u32 = self.big.parse().ok()?;
        let rebuild = RHEL_REBUILDS.contains(&self.id.as_str())
            || (family_of_id(&self.id).is_none()
                && self
                    .id_like
                    .split_whitespace()
                    .any(|like| like == "rhel" || like == "centos"));
        match self.id.as_str() {
            _ if rebuild => Some(major),
            "amzn" if (2011..=2018).contains(&major) => Some(6),
            "amzn" if major == 2 => Some(7),
            "alinux" | "aliyun" if major == 2 || major == 17 => Some(7),
            "alinux" if major == 3 => Some(8),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::os_release::{detect, Kernel};

    /// The OS detected from the files of a capture under tests/data/release.
    fn detected(capture: &str) -> OsInfo {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/release")
            .join(capture);
        let read = |path: &str| std::fs::read_to_string(root.join(&path[1..])).ok();
        let kernel = Kernel {
            name: "Linux",
            release: "5.10.0",
        };
        detect(&read, Some(kernel)).unwrap_or_else(|e| panic!("{capture}: {e}"))
    }

    #[test]
    fn families_and_rhel_releases_of_real_release_files() {
        let expected: &[(&str, OsFamily, Option<u32>)] = &[
            ("centos-6.10", OsFamily::RedHat, Some(6)),
            ("centos-7.9", OsFamily::RedHat, Some(7)),
            ("centos-8.5", OsFamily::RedHat, Some(8)),
            ("centos-stream-9", OsFamily::RedHat, Some(9)),
            ("rhel-6.10", OsFamily::RedHat, Some(6)),
            ("rhel-9.3", OsFamily::RedHat, Some(9)),
            ("oracle-7.9", OsFamily::RedHat, Some(7)),
            ("rocky-9.3", OsFamily::RedHat, Some(9)),
            ("almalinux-8.9", OsFamily::RedHat, Some(8)),
            ("anolis-8.8", OsFamily::RedHat, Some(8)),
            ("amazon-linux-2018.03", OsFamily::RedHat, Some(6)),
            ("amazon-linux-2", OsFamily::RedHat, Some(7)),
            ("amazon-linux-2023", OsFamily::RedHat, None),
            ("alinux-2.1903", OsFamily::RedHat, Some(7)),
            ("alinux-3.2104-u13", OsFamily::RedHat, Some(8)),
            ("fedora-39", OsFamily::RedHat, None),
            ("openeuler-24.03", OsFamily::RedHat, None),
            ("debian-6.0", OsFamily::Debian, None),
            ("debian-12", OsFamily::Debian, None),
            ("ubuntu-10.04", OsFamily::Debian, None),
            ("ubuntu-22.04", OsFamily::Debian, None),
            ("uos-20", OsFamily::Debian, None),
            ("sles-11-sp3", OsFamily::Suse, None),
            ("sles-15-sp5", OsFamily::Suse, None),
            ("opensuse-13.2", OsFamily::Suse, None),
            ("opensuse-leap-15.5", OsFamily::Suse, None),
            ("flatcar-3227.2.4", OsFamily::Other, None),
            ("python-distro/scientific6", OsFamily::RedHat, Some(6)),
            ("python-distro/cloudlinux7", OsFamily::RedHat, Some(7)),
            ("python-distro/linuxmint17", OsFamily::Debian, None),
            ("python-distro/kali", OsFamily::Debian, None),
            ("python-distro/raspbian8", OsFamily::Debian, None),
            ("python-distro/opensuse42", OsFamily::Suse, None),
            ("python-distro/arch", OsFamily::Other, None),
            ("python-distro/alpine", OsFamily::Other, None),
        ];
        for (capture, family, rhel) in expected {
            let os = detected(capture);
            assert_eq!(
                (os.family(), os.rhel_release()),
                (*family, *rhel),
                "{capture}: {os:?}"
            );
        }
    }

    #[test]
    fn an_unknown_rebuild_is_told_by_its_id_like() {
        let os = |id: &str, like: &str, big: &str| OsInfo {
            id: id.into(),
            id_like: like.into(),
            big: big.into(),
            ..detected("centos-7.9")
        };
        // Rebuilds this tool has never heard of.
        assert_eq!(os("vzlinux", "rhel fedora", "8").rhel_release(), Some(8));
        assert_eq!(os("vzlinux", "rhel fedora", "8").family(), OsFamily::RedHat);
        // Fedora-based, Debian- and SUSE-based ones follow no RHEL release.
        assert_eq!(os("nobara", "fedora", "39").rhel_release(), None);
        assert_eq!(os("pop", "ubuntu debian", "22").family(), OsFamily::Debian);
        assert_eq!(os("sle-micro", "suse", "5").family(), OsFamily::Suse);
        // A known ID decides before ID_LIKE: Amazon Linux 2023 follows no RHEL, whatever it names.
        assert_eq!(
            os("amzn", "centos rhel fedora", "2023").rhel_release(),
            None
        );
        assert_eq!(os("gentoo", "", "2").family(), OsFamily::Other);
    }
}
