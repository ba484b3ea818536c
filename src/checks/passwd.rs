//! Check 11, passwd ("Check password"): the cloud sets passwords with the `passwd` program.

use super::{Check, Code, Status, Verdict};
use crate::facts::Facts;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "passwd",
    number: 11,
    title: "Check password",
    reads: "stat /usr/bin/passwd, /bin/passwd",
    thresholds: &[],
    failed_means: "never FAILED",
    warning_means: "no executable passwd program, or it could not be looked for",
    suggestion:
        "Retain or reinstall the passwd command (yum install passwd, apt-get install passwd).",
    codes: &[
        Code {
            code: 11001,
            status: Status::Warning,
            meaning: "no passwd program",
        },
        Code {
            code: 11099,
            status: Status::Warning,
            meaning: "could not look for the passwd program",
        },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    match facts.passwd_program.get() {
        Ok(Some(path)) => Verdict::ok(format!("{path} exists")),
        Ok(None) => Verdict::warning(
            11001,
            "neither /usr/bin/passwd nor /bin/passwd is an executable file",
        ),
        Err(reason) => Verdict::warning(11099, format!("could not look for passwd: {reason}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::Fact;

    #[test]
    fn present_is_ok_and_absent_is_11001() {
        assert_eq!(
            verdict(&CHECK, &compliant()).evidence,
            "/usr/bin/passwd exists"
        );
        let mut f = compliant();
        f.passwd_program = Fact::Known(None);
        assert_eq!(verdict(&CHECK, &f).code, 11001);
        f.passwd_program = Fact::unknown("permission denied");
        assert_eq!(verdict(&CHECK, &f).code, 11099);
    }
}
