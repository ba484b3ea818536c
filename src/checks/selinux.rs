//! Check 3, selinux ("Check security"): SELinux must be off in the configuration the image
//! boots with. /etc/selinux/config decides; `getenforce` only tells the running state.

use super::{Check, Code, Status, Verdict};
use crate::facts::Facts;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "selinux",
    number: 3,
    title: "Check security",
    reads: "/etc/selinux/config (SELINUX=), getenforce",
    thresholds: &[],
    failed_means: "SELinux is enforcing at boot: the instance may not start or be configured",
    warning_means: "SELinux is permissive, or its configuration could not be read",
    suggestion: "Do not start SELinux: set SELINUX=disabled in /etc/selinux/config and reboot.",
    codes: &[
        Code {
            code: 3001,
            status: Status::Failed,
            meaning: "SELinux enforcing",
        },
        Code {
            code: 3002,
            status: Status::Warning,
            meaning: "SELinux permissive",
        },
        Code {
            code: 3099,
            status: Status::Warning,
            meaning: "SELinux configuration could not be read",
        },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let running = facts.selinux_mode.known().cloned().flatten();
    let now = |mode: &Option<String>| match mode {
        Some(m) => format!(" (running now: {m})"),
        None => String::new(),
    };
    let (mode, source) = match facts.selinux_config.get() {
        Err(reason) => {
            return Verdict::warning(
                3099,
                format!("could not read /etc/selinux/config: {reason}"),
            )
        }
        Ok(Some(mode)) => (
            mode.clone(),
            format!("SELINUX={mode} in /etc/selinux/config{}", now(&running)),
        ),
        // No configuration file: the running mode is all there is to go by.
        Ok(None) => match &running {
            None => return Verdict::ok("SELinux is not installed"),
            Some(mode) => (
                mode.clone(),
                format!("getenforce says {mode} and /etc/selinux/config does not exist"),
            ),
        },
    };
    match mode.as_str() {
        "enforcing" => Verdict::failed(3001, source),
        "permissive" => Verdict::warning(3002, source),
        _ => Verdict::ok(source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::Fact;

    fn with(config: Option<&str>, running: Option<&str>) -> Verdict {
        let mut f = compliant();
        f.selinux_config = Fact::Known(config.map(String::from));
        f.selinux_mode = Fact::Known(running.map(String::from));
        verdict(&CHECK, &f)
    }

    #[test]
    fn enforcing_config_is_failed_3001() {
        let v = with(Some("enforcing"), Some("enforcing"));
        assert_eq!((v.status, v.code), (Status::Failed, 3001));
        assert_eq!(
            v.evidence,
            "SELINUX=enforcing in /etc/selinux/config (running now: enforcing)"
        );
    }

    #[test]
    fn permissive_is_warning_3002() {
        assert_eq!(with(Some("permissive"), Some("permissive")).code, 3002);
    }

    #[test]
    fn disabled_in_config_wins_over_running_state() {
        let v = with(Some("disabled"), Some("enforcing"));
        assert_eq!(v.status, Status::Ok);
        assert!(v.evidence.contains("running now: enforcing"));
    }

    #[test]
    fn no_selinux_at_all_is_ok() {
        assert_eq!(with(None, None).evidence, "SELinux is not installed");
    }

    #[test]
    fn unreadable_config_is_warning_3099() {
        let mut f = compliant();
        f.selinux_config = Fact::unknown("cannot read /etc/selinux/config: permission denied");
        assert_eq!(verdict(&CHECK, &f).code, 3099);
    }
}
