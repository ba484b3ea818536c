//! Check 14, disk_size: the system disk should be between the thresholds (40-500 GiB by
//! default): the image's virtual size decides the cloud disk it needs.

use super::{Check, Code, Status, Verdict};
use crate::facts::{disks, Facts};
use crate::inventory::thresholds::{DISK_SIZE_MAX_GB, DISK_SIZE_MIN_GB};
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "disk_size",
    number: 14,
    title: "Check disk size",
    reads: "lsblk -b -P (size of the disk holding /), or /proc/partitions",
    thresholds: &[&DISK_SIZE_MIN_GB, &DISK_SIZE_MAX_GB],
    failed_means: "never FAILED",
    warning_means: "the system disk is smaller than disk_size_min_gb or larger than disk_size_max_gb, or its size could not be read",
    suggestion: "Increase the system disk capacity. The optimal system disk capacity is 40 GiB to 500 GiB. When you import images, configure the system disk capacity based on the virtual file size of images, instead of the usage capacity of images.",
    codes: &[
        Code { code: 14001, status: Status::Warning, meaning: "system disk smaller than disk_size_min_gb" },
        Code { code: 14002, status: Status::Warning, meaning: "system disk larger than disk_size_max_gb" },
        Code { code: 14099, status: Status::Warning, meaning: "the system disk's size could not be read" },
    ],
    evaluate,
};

const GIB: u64 = 1 << 30;

fn evaluate(facts: &Facts, limits: &Thresholds) -> Verdict {
    let disk = match facts.system_disk.get() {
        Ok(disk) => disk,
        Err(reason) => {
            return Verdict::warning(14099, format!("could not find the system disk: {reason}"))
        }
    };
    let size = format!(
        "/dev/{} is {} GiB",
        disk.name,
        disks::size_gib(disk.size_bytes)
    );
    let (min, max) = (limits.disk_size_min_gb, limits.disk_size_max_gb);
    // Compare bytes, not the rounded GiB shown, so 39.9 GiB is below 40.
    if disk.size_bytes < min.saturating_mul(GIB) {
        Verdict::warning(14001, format!("{size}, less than {min} GiB"))
    } else if disk.size_bytes > max.saturating_mul(GIB) {
        Verdict::warning(14002, format!("{size}, more than {max} GiB"))
    } else {
        Verdict::ok(format!("{size}, within {min}-{max} GiB"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::Fact;

    fn sized(bytes: u64, limits: Thresholds) -> Verdict {
        let mut f = compliant();
        if let Fact::Known(d) = &mut f.system_disk {
            d.size_bytes = bytes;
        }
        (CHECK.evaluate)(&f, &limits)
    }

    #[test]
    fn limits_are_inclusive_and_configurable() {
        let t = Thresholds::default();
        assert_eq!(sized(40 * GIB, t).status, Status::Ok);
        assert_eq!(sized(40 * GIB - 512, t).code, 14001);
        assert_eq!(sized(500 * GIB, t).status, Status::Ok);
        let v = sized(2048 * GIB, t);
        assert_eq!(
            (v.code, v.evidence.as_str()),
            (14002, "/dev/vda is 2048 GiB, more than 500 GiB")
        );
        assert_eq!(
            sized(
                20 * GIB,
                Thresholds {
                    disk_size_min_gb: 20,
                    ..t
                }
            )
            .status,
            Status::Ok
        );
        assert_eq!(
            verdict(&CHECK, &compliant()).evidence,
            "/dev/vda is 40 GiB, within 40-500 GiB"
        );
    }
}
