//! The checks' thresholds, each declared once by its line in `thresholds!`: its name (the
//! field of [`Thresholds`] and the hosts.toml key; `image_check_NAME` in Ansible; `--NAME` with
//! dashes on the command line), its unit and so its range, its default and what it means.
//! hosts.toml, the Ansible reader, the command line, `image_check checks` and the checks'
//! documentation all read [`THRESHOLDS`], so a new threshold is one line here, one field of
//! [`Thresholds`], and the check that reads it.

use serde::Serialize;

/// Per-host limits of the checks, settable at every inventory level and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub disk_usage_warn: u8,
    pub inode_usage_warn: u8,
    pub disk_size_min_gb: u64,
    pub disk_size_max_gb: u64,
}

/// What a threshold counts, which decides the values it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A percentage from 1 to 100.
    Percent,
    /// A whole number of GiB.
    Gigabytes,
}

/// One threshold and its documentation.
#[derive(Debug, Serialize)]
pub struct Threshold {
    /// The hosts.toml key, e.g. `disk_usage_warn`; its field of [`Thresholds`] too.
    pub name: &'static str,
    /// The Ansible variable: `image_check_` and the name.
    pub variable: &'static str,
    pub unit: Unit,
    pub default: u64,
    /// What it means, for `--help` and `image_check checks`.
    pub meaning: &'static str,
    #[serde(skip)]
    get: fn(&Thresholds) -> u64,
    #[serde(skip)]
    set: fn(&mut Thresholds, u64),
}

/// Declares each threshold `$constant`, kept in the field `$field` of [`Thresholds`] (its names
/// follow from the field's), and from the same lines [`THRESHOLDS`] and the defaults: a field
/// without a line, or a line without a field, does not compile.
macro_rules! thresholds {
    ($($constant:ident: $field:ident, $unit:ident, $default:literal, $meaning:literal;)*) => {
        $(
            pub const $constant: Threshold = Threshold {
                name: stringify!($field),
                variable: concat!("image_check_", stringify!($field)),
                unit: Unit::$unit,
                default: $default,
                meaning: $meaning,
                get: |t| u64::from(t.$field),
                // Only values `check` let through reach here, so they fit the field.
                set: |t, value| t.$field = value.try_into().unwrap_or(t.$field),
            };
        )*

        /// Every threshold, in the order `--help` and error messages list them.
        pub const THRESHOLDS: &[&Threshold] = &[$(&$constant),*];

        impl Default for Thresholds {
            fn default() -> Self {
                Thresholds { $($field: $default),* }
            }
        }
    };
}

thresholds! {
    DISK_USAGE_WARN: disk_usage_warn, Percent, 85, "Use% of / at or above which disk_usage is WARNING";
    INODE_USAGE_WARN: inode_usage_warn, Percent, 85, "IUse% of / at or above which inode_usage is WARNING";
    DISK_SIZE_MIN_GB: disk_size_min_gb, Gigabytes, 40, "Smallest system disk, in GiB, that disk_size accepts";
    DISK_SIZE_MAX_GB: disk_size_max_gb, Gigabytes, 500, "Largest system disk, in GiB, that disk_size accepts";
}

impl Threshold {
    /// The command-line flag: `--` and the name with dashes.
    pub fn flag(&self) -> String {
        format!("--{}", self.name.replace('_', "-"))
    }

    /// The threshold a hosts.toml key names.
    pub fn named(name: &str) -> Option<&'static Threshold> {
        THRESHOLDS.iter().copied().find(|t| t.name == name)
    }

    /// `value` if this threshold takes it, else why not; `key` is how the user spelled the
    /// threshold (`disk_usage_warn`, `image_check_disk_usage_warn`).
    pub fn check(&self, key: &str, value: Option<u64>) -> Result<u64, String> {
        match (self.unit, value) {
            (Unit::Percent, Some(percent @ 1..=100)) => Ok(percent),
            (Unit::Percent, _) => Err(format!("{key} must be a percentage from 1 to 100")),
            (Unit::Gigabytes, Some(gigabytes)) => Ok(gigabytes),
            (Unit::Gigabytes, None) => Err(format!("{key} must be a whole number of GB")),
        }
    }

    /// Its value in `thresholds`.
    pub fn get(&self, thresholds: &Thresholds) -> u64 {
        (self.get)(thresholds)
    }

    /// Sets it in `thresholds` to a value [`Threshold::check`] let through.
    pub fn set(&self, thresholds: &mut Thresholds, value: u64) {
        (self.set)(thresholds, value)
    }
}

/// A threshold is its name: the table holds no two rows of one name.
impl PartialEq for Threshold {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Threshold {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_threshold_is_set_and_read_through_its_own_field() {
        let mut seen = Thresholds::default();
        for (i, threshold) in THRESHOLDS.iter().enumerate() {
            assert_eq!(
                threshold.get(&seen),
                threshold.default,
                "{}",
                threshold.name
            );
            // A value of its own (2, 3, ...) shows that no two rows share a field.
            let value = 2 + u64::try_from(i).unwrap();
            threshold.set(&mut seen, value);
            assert_eq!(threshold.get(&seen), value, "{}", threshold.name);
        }
        for (i, threshold) in THRESHOLDS.iter().enumerate() {
            assert_eq!(
                threshold.get(&seen),
                2 + u64::try_from(i).unwrap(),
                "{}",
                threshold.name
            );
        }
        assert_eq!(
            Thresholds::default(),
            Thresholds {
                disk_usage_warn: 85,
                inode_usage_warn: 85,
                disk_size_min_gb: 40,
                disk_size_max_gb: 500
            }
        );
    }

    #[test]
    fn names_variables_and_flags_are_one_name_spelled_three_ways() {
        assert_eq!(DISK_USAGE_WARN.name, "disk_usage_warn");
        assert_eq!(DISK_USAGE_WARN.variable, "image_check_disk_usage_warn");
        assert_eq!(DISK_USAGE_WARN.flag(), "--disk-usage-warn");
        for threshold in THRESHOLDS {
            assert_eq!(Threshold::named(threshold.name), Some(*threshold));
        }
        let mut names: Vec<&str> = THRESHOLDS.iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), THRESHOLDS.len(), "two rows of one name");
        assert!(Threshold::named("disk_usage").is_none());
    }

    #[test]
    fn values_are_checked_by_unit() {
        assert_eq!(DISK_USAGE_WARN.check("k", Some(100)), Ok(100));
        for wrong in [Some(0), Some(101), None] {
            assert_eq!(
                DISK_USAGE_WARN.check("k", wrong),
                Err("k must be a percentage from 1 to 100".to_string())
            );
        }
        assert_eq!(DISK_SIZE_MAX_GB.check("k", Some(0)), Ok(0));
        assert_eq!(
            DISK_SIZE_MAX_GB.check("k", None),
            Err("k must be a whole number of GB".to_string())
        );
    }
}
