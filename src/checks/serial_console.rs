//! Check 18, serial_console: the kernel writes to the first serial port (console=ttyS0),
//! which is all the cloud's serial console and boot diagnostics show. Azure and Google Cloud
//! ask for it; the rule is the same, the suggested settings differ.

use super::profiles::ProfileCheck;
use super::{Check, Code, Source, Status, Verdict};
use crate::facts::cloud::{consoles, grub_cmdline};
use crate::facts::Facts;
use crate::inventory::Thresholds;

const CHECK: Check = Check {
    name: "serial_console",
    number: 18,
    title: "Check serial console",
    reads: "/proc/cmdline (the running kernel's command line); GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT of /etc/default/grub (the next boot's)",
    thresholds: &[],
    failed_means: "never FAILED: the instance boots, but its serial console stays blank",
    warning_means: "no console=ttyS0 on the running kernel's command line nor in /etc/default/grub, or neither could be read",
    suggestion: "",
    codes: &[
        Code { code: 18001, status: Status::Warning, meaning: "no console=ttyS0 on the kernel command line" },
        Code { code: 18099, status: Status::Warning, meaning: "neither /proc/cmdline nor /etc/default/grub could be read" },
    ],
    evaluate,
};

pub const AZURE: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Add console=ttyS0,115200n8 earlyprintk=ttyS0 to GRUB_CMDLINE_LINUX in /etc/default/grub (and remove rhgb quiet), then rebuild grub.cfg (grub2-mkconfig -o /boot/grub2/grub.cfg, or update-grub).",
        ..CHECK
    },
    sources: &[Source { title: "Microsoft Learn: Prepare Linux for imaging in Azure (kernel command line: console=ttyS0, earlyprintk=ttyS0)", url: "https://learn.microsoft.com/en-us/azure/virtual-machines/linux/create-upload-generic" }],
};

pub const GCP: ProfileCheck = ProfileCheck {
    check: Check {
        suggestion: "Add console=ttyS0,38400n8 to GRUB_CMDLINE_LINUX in /etc/default/grub, then rebuild grub.cfg (grub2-mkconfig -o /boot/grub2/grub.cfg, or update-grub).",
        ..CHECK
    },
    sources: &[Source { title: "Google Cloud: Manually import boot disks, operating system requirements (serial console: console=ttyS0,38400n8)", url: "https://cloud.google.com/compute/docs/import/import-existing-image" }],
};

fn serial(cmdline: &str) -> Option<String> {
    consoles(cmdline)
        .into_iter()
        .find(|c| c.starts_with("ttyS0"))
        .map(|c| format!("console={c}"))
}

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let cloud = &facts.cloud;
    if let Some(console) = cloud.cmdline.known().and_then(|c| serial(c)) {
        return Verdict::ok(format!("{console} on the running kernel's command line"));
    }
    let grub = cloud
        .default_grub
        .known()
        .map(|g| g.as_deref().map(grub_cmdline));
    if let Some(console) = grub.as_ref().and_then(|g| g.as_deref()).and_then(serial) {
        return Verdict::ok(format!(
            "{console} in /etc/default/grub (the next boot's command line)"
        ));
    }
    match (cloud.cmdline.get(), &grub) {
        (Err(a), None) => Verdict::warning(
            18099,
            format!(
                "could not read the kernel command line: {a}; nor /etc/default/grub: {}",
                cloud.default_grub.get().err().unwrap_or_default()
            ),
        ),
        (running, _) => {
            let running = running.map_or_else(|e| format!("unknown ({e})"), |c| format!("`{c}`"));
            Verdict::warning(
                18001,
                format!("no console=ttyS0: running kernel {running}; none in /etc/default/grub"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::Fact;

    #[test]
    fn ttys0_on_the_running_or_next_command_line_is_ok() {
        let mut f = compliant();
        f.cloud.cmdline =
            Fact::Known("BOOT_IMAGE=/vmlinuz ro console=tty0 console=ttyS0,115200n8".into());
        assert_eq!(verdict(&CHECK, &f).status, Status::Ok);
        f.cloud.cmdline = Fact::Known("BOOT_IMAGE=/vmlinuz ro quiet".into());
        let v = verdict(&CHECK, &f);
        assert_eq!((v.status, v.code), (Status::Warning, 18001));
        f.cloud.default_grub = Fact::Known(Some(
            "GRUB_CMDLINE_LINUX=\"console=ttyS0,38400n8\"\n".into(),
        ));
        let v = verdict(&CHECK, &f);
        assert_eq!(
            v.evidence,
            "console=ttyS0,38400n8 in /etc/default/grub (the next boot's command line)"
        );
    }

    #[test]
    fn nothing_readable_is_18099() {
        let mut f = compliant();
        f.cloud.cmdline = Fact::unknown("/proc/cmdline does not exist");
        f.cloud.default_grub = Fact::unknown("permission denied");
        assert_eq!(verdict(&CHECK, &f).code, 18099);
    }
}
