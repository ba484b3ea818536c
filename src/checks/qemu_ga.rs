//! Check 4, qemu_ga: the QEMU guest agent clashes with the cloud's own agent.

use super::{Check, Code, Status, Verdict};
use crate::facts::services::UnitEnabled;
use crate::facts::{Fact, Facts};
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "qemu_ga",
    number: 4,
    title: "Check qemu-ga",
    reads: "stat /usr/bin/qemu-ga, /usr/sbin/qemu-ga, /usr/local/bin/qemu-ga and the qemu-guest-agent unit files; systemctl is-enabled qemu-guest-agent",
    thresholds: &[],
    failed_means: "never FAILED",
    warning_means: "qemu-ga is installed, or it could not be told whether it is",
    suggestion: "Uninstall qemu-ga (yum remove qemu-guest-agent, apt-get purge qemu-guest-agent, zypper remove qemu-guest-agent).",
    codes: &[
        Code { code: 4001, status: Status::Warning, meaning: "qemu-ga is installed" },
        Code { code: 4099, status: Status::Warning, meaning: "could not tell whether qemu-ga is installed" },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let files = match facts.qemu_ga_files.get() {
        Ok(files) => files,
        Err(reason) => {
            return Verdict::warning(4099, format!("could not look for qemu-ga: {reason}"))
        }
    };
    let enabled = matches!(
        facts.units_enabled.get("qemu-guest-agent.service"),
        Some(Fact::Known(UnitEnabled::Enabled))
    );
    match (files.is_empty(), enabled) {
        (true, false) => Verdict::ok("qemu-ga is not installed"),
        (true, true) => Verdict::warning(4001, "qemu-guest-agent.service is enabled"),
        (false, _) => {
            let state = if enabled {
                ", and qemu-guest-agent.service is enabled"
            } else {
                ""
            };
            Verdict::warning(
                4001,
                format!("qemu-ga is installed: {}{state}", files.join(", ")),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};

    #[test]
    fn installed_agent_is_warning_4001_naming_the_files() {
        let mut f = compliant();
        f.qemu_ga_files = Fact::Known(vec!["/usr/bin/qemu-ga".into()]);
        f.units_enabled.insert(
            "qemu-guest-agent.service".into(),
            Fact::Known(UnitEnabled::Enabled),
        );
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 4001));
        assert_eq!(
            v.evidence,
            "qemu-ga is installed: /usr/bin/qemu-ga, and qemu-guest-agent.service is enabled"
        );
    }

    #[test]
    fn absent_agent_is_ok_and_unknown_is_4099() {
        assert_eq!(verdict(&CHECK, &compliant()).status, Status::Ok);
        let mut f = compliant();
        f.qemu_ga_files = Fact::unknown("permission denied");
        assert_eq!(verdict(&CHECK, &f).code, 4099);
    }
}
