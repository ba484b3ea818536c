//! Check 17, cloud_init: the provisioning agent that gives a new instance its user, key and
//! host name. AWS expects cloud-init (with its Ec2 datasource); Azure expects cloud-init (with
//! its Azure datasource) or the Azure Linux Agent (waagent).

use super::profiles::ProfileCheck;
use super::{Check, Code, Source, Status, Verdict};
use crate::facts::cloud::datasource_list;
use crate::facts::Facts;

/// One cloud's expectation.
struct Agent {
    /// cloud-init's name of the cloud's datasource.
    datasource: &'static str,
    /// Whether the Azure Linux Agent may stand in for cloud-init.
    waagent: bool,
    /// The verdict when there is no agent at all.
    missing: Status,
}

const READS: &str = "stat /usr/bin/cloud-init, /usr/local/bin/cloud-init; /etc/cloud/cloud.cfg and /etc/cloud/cloud.cfg.d/*.cfg (datasource_list)";

pub const AWS: ProfileCheck = ProfileCheck {
    check: Check {
        name: "cloud_init",
        number: 17,
        title: "Check cloud-init",
        reads: READS,
        thresholds: &[],
        failed_means: "never FAILED: VM Import/Export boots the instance without cloud-init, but it gets no key or user data",
        warning_means: "cloud-init is not installed, or its datasource_list leaves out Ec2, or a source could not be read",
        suggestion: "Install cloud-init (yum install cloud-init, apt-get install cloud-init) and keep Ec2 in datasource_list, so the instance gets its SSH key and user data.",
        codes: &[
            Code { code: 17001, status: Status::Warning, meaning: "cloud-init is not installed" },
            Code { code: 17002, status: Status::Warning, meaning: "cloud-init's datasource_list leaves out the cloud's datasource" },
            Code { code: 17099, status: Status::Warning, meaning: "cloud-init's files could not be read" },
        ],
        evaluate: |facts, _| evaluate(facts, &AWS_AGENT),
    },
    sources: &[
        Source { title: "Amazon EC2 User Guide: Run commands when you launch an EC2 instance with user data input (cloud-init)", url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html" },
        Source { title: "cloud-init documentation: Amazon EC2 datasource", url: "https://cloudinit.readthedocs.io/en/latest/reference/datasources/ec2.html" },
    ],
};

pub const AZURE: ProfileCheck = ProfileCheck {
    check: Check {
        name: "cloud_init",
        number: 17,
        title: "Check provisioning agent",
        reads: "stat /usr/bin/cloud-init, /usr/local/bin/cloud-init, /usr/sbin/waagent, /usr/bin/waagent; /etc/cloud/cloud.cfg and /etc/cloud/cloud.cfg.d/*.cfg (datasource_list)",
        thresholds: &[],
        failed_means: "neither cloud-init nor the Azure Linux Agent is installed: a VM made from the generalized image is never provisioned",
        warning_means: "cloud-init's datasource_list leaves out Azure (and waagent is not installed), or a source could not be read",
        suggestion: "Install cloud-init with the Azure datasource (the recommended provisioning agent) and the Azure Linux Agent (WALinuxAgent) for extensions.",
        codes: &[
            Code { code: 17001, status: Status::Failed, meaning: "neither cloud-init nor the Azure Linux Agent is installed" },
            Code { code: 17002, status: Status::Warning, meaning: "cloud-init's datasource_list leaves out Azure" },
            Code { code: 17099, status: Status::Warning, meaning: "the agents' files could not be read" },
        ],
        evaluate: |facts, _| evaluate(facts, &AZURE_AGENT),
    },
    sources: &[
        Source { title: "Microsoft Learn: Azure Linux VM provisioning (the Azure Linux Agent or cloud-init are prerequisites of generalized images)", url: "https://learn.microsoft.com/en-us/azure/virtual-machines/linux/provisioning" },
        Source { title: "Microsoft Learn: Prepare Linux for imaging in Azure (install the Azure Linux Agent and cloud-init)", url: "https://learn.microsoft.com/en-us/azure/virtual-machines/linux/create-upload-generic" },
    ],
};

const AWS_AGENT: Agent = Agent {
    datasource: "Ec2",
    waagent: false,
    missing: Status::Warning,
};

const AZURE_AGENT: Agent = Agent {
    datasource: "Azure",
    waagent: true,
    missing: Status::Failed,
};

fn evaluate(facts: &Facts, agent: &Agent) -> Verdict {
    let cloud = &facts.cloud;
    let cloud_init = match cloud.cloud_init_files.get() {
        Ok(files) => files,
        Err(reason) => {
            return Verdict::warning(17099, format!("could not look for cloud-init: {reason}"))
        }
    };
    let waagent = if agent.waagent {
        match cloud.waagent_files.get() {
            Ok(files) => files.first(),
            Err(reason) => {
                return Verdict::warning(
                    17099,
                    format!("could not look for the Azure Linux Agent: {reason}"),
                )
            }
        }
    } else {
        None
    };
    let Some(program) = cloud_init.first() else {
        return match (waagent, agent.missing) {
            (Some(waagent), _) => Verdict::ok(format!(
                "the Azure Linux Agent is installed ({waagent}); cloud-init is not"
            )),
            (None, Status::Failed) => Verdict::failed(
                17001,
                "neither cloud-init nor the Azure Linux Agent (waagent) is installed",
            ),
            (None, _) => Verdict::warning(17001, "cloud-init is not installed"),
        };
    };
    let files = match cloud.cloud_cfg.get() {
        Ok(files) => files,
        Err(reason) => {
            return Verdict::warning(
                17099,
                format!("cloud-init is installed ({program}), but its configuration could not be read: {reason}"),
            )
        }
    };
    match datasource_list(files) {
        Some((names, path)) if !names.iter().any(|n| n == agent.datasource) => {
            let also = waagent.map_or(String::new(), |w| {
                format!("; the Azure Linux Agent is installed ({w})")
            });
            let evidence = format!(
                "cloud-init is installed ({program}), but datasource_list in {path} is [{}], without {}{also}",
                names.join(", "),
                agent.datasource
            );
            if waagent.is_some() {
                Verdict::ok(evidence)
            } else {
                Verdict::warning(17002, evidence)
            }
        }
        Some((_, path)) => Verdict::ok(format!(
            "cloud-init is installed ({program}) with {} in datasource_list ({path})",
            agent.datasource
        )),
        None => Verdict::ok(format!(
            "cloud-init is installed ({program}); no datasource_list, so it detects the cloud"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::cloud::ConfigFile;
    use crate::facts::Fact;

    #[test]
    fn no_agent_is_a_warning_on_aws_and_failed_on_azure_unless_waagent() {
        let mut f = compliant();
        f.cloud.cloud_init_files = Fact::Known(vec![]);
        assert_eq!(verdict(&AWS.check, &f).code, 17001);
        assert_eq!(verdict(&AWS.check, &f).status, Status::Warning);
        assert_eq!(verdict(&AZURE.check, &f).status, Status::Failed);
        f.cloud.waagent_files = Fact::Known(vec!["/usr/sbin/waagent".into()]);
        assert_eq!(verdict(&AZURE.check, &f).status, Status::Ok);
    }

    #[test]
    fn a_datasource_list_without_the_cloud_is_17002() {
        let mut f = compliant();
        f.cloud.cloud_init_files = Fact::Known(vec!["/usr/bin/cloud-init".into()]);
        f.cloud.cloud_cfg = Fact::Known(vec![ConfigFile {
            path: "/etc/cloud/cloud.cfg.d/90_dpkg.cfg".into(),
            text: "datasource_list: [ NoCloud, None ]\n".into(),
        }]);
        let v = verdict(&AWS.check, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 17002));
        assert!(
            v.evidence.contains("[NoCloud, None], without Ec2"),
            "{}",
            v.evidence
        );
        assert_eq!(verdict(&AZURE.check, &f).code, 17002);
    }
}
