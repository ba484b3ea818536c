//! Reports: per-host TXT and JSON in the formats of Alibaba's image_check, the aggregate CSV and
//! the console output. Formats only: every verdict was decided before it gets here.

pub mod console;
pub mod diff;
pub mod files;
pub mod fleet_view;
pub mod html;
pub mod markdown;
pub mod summary;

use serde::Serialize;

use crate::checks::{CheckResult, Status};
use crate::facts::{boot, disks, Facts};

/// The tool version written into every report.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a header field says when the fact could not be read.
pub const UNKNOWN: &str = "unknown";

/// One host's report, field for field the JSON of Alibaba's tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostReport {
    pub platform: String,
    pub os_big_version: String,
    pub os_small_version: String,
    pub architecture: String,
    pub system_disk_size: String,
    pub version: String,
    pub time: String,
    pub check_items: Vec<CheckItem>,
    /// The distribution's own name ("CloudLinux", "Amazon Linux") beside `platform`, the
    /// import form's name for it ("Others Linux"). Not in the seed's JSON: after its fields.
    pub distribution: String,
    /// The ImportImage BootMode the system disk needs: "BIOS", "UEFI", "UEFI-Preferred" or
    /// "unknown" (see [`boot::of`]). Not in the seed's JSON either.
    pub boot_mode: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckItem {
    /// The console label ("Check security"); not part of the JSON.
    #[serde(skip)]
    pub title: String,
    pub name: String,
    pub result: String,
    pub error_code: String,
    pub description: String,
    pub comment: String,
}

impl HostReport {
    /// `time` is the moment of the check, as `YYYY-MM-DD_HH-MM-SS`.
    pub fn new(facts: &Facts, checks: &[CheckResult], time: &str) -> Self {
        let os = facts.os.known();
        let field = |value: Option<&str>| clean(value.unwrap_or(UNKNOWN));
        HostReport {
            platform: field(os.map(|o| o.platform.as_str())),
            os_big_version: field(os.map(|o| o.big.as_str())),
            os_small_version: clean(os.map_or(UNKNOWN, |o| o.small.as_str())),
            architecture: field(facts.architecture.known().map(String::as_str)),
            system_disk_size: facts.system_disk.known().map_or_else(
                || UNKNOWN.to_string(),
                |d| disks::size_gib(d.size_bytes).to_string(),
            ),
            version: TOOL_VERSION.to_string(),
            time: time.to_string(),
            check_items: checks
                .iter()
                .map(|c| CheckItem {
                    title: c.title.clone(),
                    name: c.name.clone(),
                    result: c.status.as_str().to_string(),
                    error_code: c.error_code.clone(),
                    description: clean(&c.description),
                    comment: clean(&c.comment),
                })
                .collect(),
            // Facts saved before the field existed have none.
            distribution: field(
                os.map(|o| o.distribution.as_str())
                    .filter(|name| !name.is_empty()),
            ),
            boot_mode: boot::of(facts).mode.as_str().to_string(),
        }
    }

    /// "CloudLinux 7.3", "Debian GNU/Linux" (testing has no number), "unknown".
    pub fn distribution_and_version(&self) -> String {
        let version = match (self.os_big_version.as_str(), self.os_small_version.as_str()) {
            (UNKNOWN | "", _) => String::new(),
            (big, "") => format!(" {big}"),
            (big, small) => format!(" {big}.{small}"),
        };
        format!("{}{version}", self.distribution)
    }

    pub fn count(&self, status: Status) -> usize {
        self.check_items
            .iter()
            .filter(|c| c.result == status.as_str())
            .count()
    }

    pub fn to_json(&self) -> String {
        // Serialising plain strings cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn to_txt(&self) -> String {
        let mut out = String::new();
        out.push_str("The information you need to input when you import your image to Alibaba Cloud Website:\n");
        out.push_str(&format!("  Current system is: {}\n", self.platform));
        out.push_str(&format!(
            "  Distribution: {}\n",
            self.distribution_and_version()
        ));
        out.push_str(&format!("  Architecture: {}\n", self.architecture));
        out.push_str(&format!(
            "  System disk size: {} GB\n",
            self.system_disk_size
        ));
        out.push_str(&format!("  Boot mode: {}\n", self.boot_mode));
        out.push_str("  -----------------------------------------\n");
        for item in &self.check_items {
            out.push_str(&format!("   {}\n", item.title));
            for line in item.description.lines().chain(item.comment.lines()) {
                out.push_str(&format!("   {line}\n"));
            }
            out.push_str("  -----------------------------------------\n");
        }
        out
    }
}

/// Removes terminal control sequences and control characters (but newline and tab) from text
/// that came from a host, so a hostile host cannot drive the terminal of whoever reads it.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI (ESC [ ... final byte @-~) and OSC (ESC ] ... BEL or ESC \) sequences.
                match chars.peek() {
                    Some('[') => {
                        chars.next();
                        for c in chars.by_ref() {
                            if ('@'..='~').contains(&c) {
                                break;
                            }
                        }
                    }
                    Some(']') => {
                        chars.next();
                        while let Some(c) = chars.next() {
                            if c == '\u{7}' || (c == '\u{1b}' && chars.peek() == Some(&'\\')) {
                                break;
                            }
                        }
                    }
                    _ => {
                        chars.next();
                    }
                }
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;

    fn facts() -> Facts {
        crate::checks::tests::compliant()
    }

    fn check() -> CheckResult {
        CheckResult {
            name: "driver".into(),
            title: "Check driver".into(),
            status: Status::Ok,
            error_code: "0".into(),
            description: "Pass: kvm driver exists.".into(),
            comment: "Alibaba Cloud supports kvm virtualization technology.".into(),
        }
    }

    #[test]
    fn json_has_the_seed_fields_in_order() {
        let json = HostReport::new(&facts(), &[check()], "2018-05-14_19-18-10").to_json();
        let keys: Vec<&str> = json
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
            .collect();
        assert_eq!(
            &keys[..9],
            [
                "platform",
                "os_big_version",
                "os_small_version",
                "architecture",
                "system_disk_size",
                "version",
                "time",
                "check_items",
                "name"
            ]
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["system_disk_size"], "40");
        assert_eq!(value["boot_mode"], "BIOS");
        assert_eq!(value["os_small_version"], "9");
        assert_eq!(value["check_items"][0]["result"], "OK");
        assert_eq!(value["check_items"][0]["error_code"], "0");
        assert_eq!(value["distribution"], "CentOS Linux");
        assert_eq!(keys[keys.len() - 2..], ["distribution", "boot_mode"]);
    }

    #[test]
    fn txt_header_and_check_block() {
        let txt = HostReport::new(&facts(), &[check()], "t").to_txt();
        assert!(txt.starts_with(
            "The information you need to input when you import your image to Alibaba Cloud Website:\n  Current system is: CentOS\n  Distribution: CentOS Linux 7.9\n  Architecture: x86_64\n  System disk size: 40 GB\n  Boot mode: BIOS\n"
        ));
        assert!(
            txt.contains("   Check driver\n   Pass: kvm driver exists.\n   Alibaba Cloud supports")
        );
    }

    #[test]
    fn unknown_facts_say_unknown() {
        let mut f = facts();
        f.os = Fact::unknown("no release file");
        f.system_disk = Fact::unknown("lsblk missing");
        let r = HostReport::new(&f, &[], "t");
        assert_eq!(
            (
                r.platform.as_str(),
                r.os_big_version.as_str(),
                r.system_disk_size.as_str()
            ),
            ("unknown", "unknown", "unknown")
        );
        assert_eq!(r.distribution, "unknown");
        assert_eq!(r.distribution_and_version(), "unknown");
    }

    #[test]
    fn facts_saved_without_a_distribution_say_unknown() {
        let mut f = facts();
        if let Fact::Known(os) = &mut f.os {
            os.distribution.clear();
        }
        let r = HostReport::new(&f, &[], "t");
        assert_eq!(
            (r.platform.as_str(), r.distribution_and_version().as_str()),
            ("CentOS", "unknown 7.9")
        );
    }

    #[test]
    fn boot_mode_in_header_and_json_follows_the_disk() {
        use crate::facts::partition_table::{PartitionEntry, PartitionType};
        let mut f = facts();
        f.boot.sys_firmware_efi = Fact::Known(true);
        f.boot.partitions = Fact::Known(vec![PartitionEntry {
            number: 1,
            kind: PartitionType::Gpt(boot::ESP_GUID.into()),
        }]);
        let r = HostReport::new(&f, &[], "t");
        assert_eq!(r.boot_mode, "UEFI");
        assert!(r
            .to_txt()
            .contains("  System disk size: 40 GB\n  Boot mode: UEFI\n"));
        f.boot.partitions = Fact::Known(vec![
            PartitionEntry {
                number: 1,
                kind: PartitionType::Gpt(boot::BIOS_BOOT_GUID.into()),
            },
            PartitionEntry {
                number: 2,
                kind: PartitionType::Gpt(boot::ESP_GUID.into()),
            },
        ]);
        let json: serde_json::Value =
            serde_json::from_str(&HostReport::new(&f, &[], "t").to_json()).unwrap();
        assert_eq!(json["boot_mode"], "UEFI-Preferred");
        f.boot = Default::default();
        f.mounts = Fact::unknown("no /proc/mounts");
        assert_eq!(HostReport::new(&f, &[], "t").boot_mode, "unknown");
    }

    #[test]
    fn clean_strips_escape_sequences_and_controls() {
        assert_eq!(
            clean("a\u{1b}[31mred\u{1b}[0m b\u{1b}]0;title\u{7}c\rd\u{0}e\tf\ng"),
            "ared bcde\tf\ng"
        );
        assert_eq!(clean("Ünïcode ok"), "Ünïcode ok");
    }
}
