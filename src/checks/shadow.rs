//! Check 2, shadow: /etc/shadow must not be immutable or append-only, or the cloud cannot
//! set the root password.

use super::{Check, Code, Status, Verdict};
use crate::facts::Facts;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "shadow",
    number: 2,
    title: "Check shadow file authority",
    reads: "lsattr /etc/shadow (privileged)",
    thresholds: &[],
    failed_means:
        "/etc/shadow has the immutable (i) or append-only (a) attribute: passwords cannot be set",
    warning_means:
        "the attributes could not be read (lsattr missing, no permission, unsupported file system)",
    suggestion:
        "Do not use the chattr command to lock the /etc/shadow file: chattr -i -a /etc/shadow",
    codes: &[
        Code {
            code: 2001,
            status: Status::Failed,
            meaning: "/etc/shadow is immutable",
        },
        Code {
            code: 2002,
            status: Status::Failed,
            meaning: "/etc/shadow is append-only",
        },
        Code {
            code: 2099,
            status: Status::Warning,
            meaning: "lsattr /etc/shadow could not be run or read",
        },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    match facts.shadow_attributes.get() {
        Err(reason) => Verdict::warning(
            2099,
            format!("could not read the attributes of /etc/shadow: {reason}"),
        ),
        Ok(a) if a.immutable => Verdict::failed(
            2001,
            format!("/etc/shadow is immutable (lsattr: {})", a.flags),
        ),
        Ok(a) if a.append_only => Verdict::failed(
            2002,
            format!("/etc/shadow is append-only (lsattr: {})", a.flags),
        ),
        Ok(a) => Verdict::ok(format!(
            "/etc/shadow is neither immutable nor append-only (lsattr: {})",
            a.flags
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::{lsattr, Fact};

    #[test]
    fn immutable_shadow_is_failed() {
        let mut f = compliant();
        f.shadow_attributes =
            Fact::Known(lsattr::parse_lsattr("----i----------- /etc/shadow\n").unwrap());
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Failed, 2001));
        assert_eq!(
            v.evidence,
            "/etc/shadow is immutable (lsattr: ----i-----------)"
        );
    }

    #[test]
    fn append_only_shadow_is_failed() {
        let mut f = compliant();
        f.shadow_attributes =
            Fact::Known(lsattr::parse_lsattr("-----a---------- /etc/shadow\n").unwrap());
        assert_eq!(verdict(&CHECK, &f).code, 2002);
    }

    #[test]
    fn missing_lsattr_is_a_warning() {
        let mut f = compliant();
        f.shadow_attributes = Fact::unknown("`lsattr /etc/shadow`: command not found");
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 2099));
        assert!(v.evidence.ends_with("command not found"));
    }

    #[test]
    fn plain_shadow_is_ok() {
        assert_eq!(verdict(&CHECK, &compliant()).status, Status::Ok);
    }
}
