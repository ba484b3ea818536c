//! Checks: is this host fit to become a cloud image? Each check is a pure function of the
//! [`Facts`](crate::facts::Facts) and the host's thresholds: no I/O, no clock.

use serde::{Deserialize, Serialize};

use crate::facts::Facts;
use crate::inventory::Thresholds;

/// Alibaba's three verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Warning,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Failed => "FAILED",
        }
    }
}

/// The verdict of one check on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// JSON name, e.g. "driver".
    pub name: String,
    /// Console label, e.g. "Check driver".
    pub title: String,
    pub status: Status,
    /// "0" for OK, otherwise a documented code per check and cause.
    pub error_code: String,
    /// What was found, with the evidence.
    pub description: String,
    /// The suggestion.
    pub comment: String,
}

/// Runs every check, in Alibaba's console order.
pub fn evaluate(_facts: &Facts, _thresholds: &Thresholds) -> Vec<CheckResult> {
    Vec::new()
}

/// The JSON names of every check, in console order: the check columns of summary.csv.
pub const NAMES: &[&str] = &[];
