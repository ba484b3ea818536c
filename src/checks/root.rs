//! Check 10, root: the cloud sets the password of `root` and logs in as it.

use super::{Check, Code, Status, Verdict};
use crate::facts::Facts;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "root",
    number: 10,
    title: "Check root account",
    reads: "/etc/passwd",
    thresholds: &[],
    failed_means: "never FAILED",
    warning_means:
        "no root account with uid 0, root's shell refuses logins, or /etc/passwd could not be read",
    suggestion: "Reserve the root account (uid 0, a login shell such as /bin/bash).",
    codes: &[
        Code {
            code: 10001,
            status: Status::Warning,
            meaning: "no root account with uid 0",
        },
        Code {
            code: 10002,
            status: Status::Warning,
            meaning: "root's shell refuses logins",
        },
        Code {
            code: 10099,
            status: Status::Warning,
            meaning: "/etc/passwd could not be read",
        },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let entries = match facts.passwd.get() {
        Ok(entries) => entries,
        Err(reason) => {
            return Verdict::warning(10099, format!("could not read /etc/passwd: {reason}"))
        }
    };
    let Some(root) = entries.iter().find(|e| e.name == "root") else {
        return Verdict::warning(10001, "/etc/passwd has no root account");
    };
    if root.uid != 0 {
        return Verdict::warning(
            10001,
            format!("root has uid {} (/etc/passwd:{})", root.uid, root.line),
        );
    }
    let shell = root.shell.rsplit('/').next().unwrap_or("");
    if matches!(shell, "nologin" | "false") {
        return Verdict::warning(
            10002,
            format!("root's shell is {} (/etc/passwd:{})", root.shell, root.line),
        );
    }
    Verdict::ok(format!(
        "root exists with uid 0 and shell {}",
        if root.shell.is_empty() {
            "/bin/sh"
        } else {
            &root.shell
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::{passwd, Fact};

    fn with(text: &str) -> Verdict {
        let mut f = compliant();
        f.passwd = Fact::Known(passwd::parse_passwd(text));
        verdict(&CHECK, &f)
    }

    #[test]
    fn root_with_bash_is_ok() {
        assert_eq!(
            with("root:x:0:0:root:/root:/bin/bash\n").evidence,
            "root exists with uid 0 and shell /bin/bash"
        );
    }

    #[test]
    fn missing_root_is_warning_10001() {
        let v = with("bin:x:1:1:bin:/bin:/sbin/nologin\n");
        assert_eq!((v.status, v.code), (Status::Warning, 10001));
    }

    #[test]
    fn nologin_shell_is_warning_10002() {
        let v = with("root:x:0:0:root:/root:/sbin/nologin\n");
        assert_eq!(
            (v.code, v.evidence.as_str()),
            (10002, "root's shell is /sbin/nologin (/etc/passwd:1)")
        );
    }
}
