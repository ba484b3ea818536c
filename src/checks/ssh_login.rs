//! The clouds' ssh check: Alibaba's ssh check (check 6) without its root-login rule. AWS,
//! Azure and Google Cloud log in with a key of a user they create, so only "sshd starts at
//! boot and accepts its configuration" counts; PermitRootLogin is no concern of theirs.

use super::profiles::ProfileCheck;
use super::{ssh, Check, Code, Source, Status, Verdict};
use crate::facts::Facts;
use crate::inventory::Thresholds;

/// Alibaba's code for "PermitRootLogin does not allow root to log in".
const ROOT_LOGIN: u32 = 6002;

pub const CLOUD_SSH: ProfileCheck = ProfileCheck {
    check: Check {
        warning_means: "sshd is not enabled at boot, no sshd_config, or a source could not be read",
        suggestion: "Install the OpenSSH server and enable it at boot (systemctl enable sshd, or ssh on Debian/Ubuntu); the cloud logs in with the key of a user it creates, so PermitRootLogin may stay as it is.",
        codes: &[
            Code { code: 6001, status: Status::Warning, meaning: "sshd is not enabled at boot" },
            Code { code: 6003, status: Status::Warning, meaning: "no sshd_config: the OpenSSH server is not installed" },
            Code { code: 6004, status: Status::Failed, meaning: "sshd refuses its configuration: it would not start" },
            Code { code: 6099, status: Status::Warning, meaning: "the service state or sshd's configuration could not be read" },
        ],
        evaluate,
        ..ssh::CHECK
    },
    sources: &[
        Source { title: "AWS VM Import/Export User Guide: Limitations (Linux: Secure Shell (SSH) must be enabled for remote access)", url: "https://docs.aws.amazon.com/vm-import/latest/userguide/limitations-image-importing.html" },
        Source { title: "Microsoft Learn: Prepare Linux for imaging in Azure (the SSH server is installed and configured to start at boot)", url: "https://learn.microsoft.com/en-us/azure/virtual-machines/linux/create-upload-generic" },
        Source { title: "Google Cloud compute-image-tools: Image Import Precheck Tool (SSH check)", url: "https://github.com/GoogleCloudPlatform/compute-image-tools/tree/master/cli_tools/import_precheck" },
    ],
};

fn evaluate(facts: &Facts, thresholds: &Thresholds) -> Verdict {
    let verdict = (ssh::CHECK.evaluate)(facts, thresholds);
    if verdict.code == ROOT_LOGIN {
        Verdict::ok(format!("sshd is enabled ({})", verdict.evidence))
    } else {
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::{sshd_config, Fact};
    use std::collections::BTreeMap;

    #[test]
    fn root_login_refused_is_ok_for_the_clouds_but_not_for_alibaba() {
        let mut f = compliant();
        f.sshd_config = Fact::Known(Some(sshd_config::resolve(
            "/etc/ssh/sshd_config",
            "PermitRootLogin no\n",
            &BTreeMap::new(),
            &sshd_config::console(),
            None,
        )));
        assert_eq!(verdict(&ssh::CHECK, &f).code, ROOT_LOGIN);
        let v = verdict(&CLOUD_SSH.check, &f);
        assert_eq!(v.status, Status::Ok, "{v:?}");
    }
}
