//! Check 12, partition_table: the system disk must carry an MBR (DOS) partition table.

use super::{Check, Code, Status, Verdict};
use crate::facts::partition_table::PartitionTable;
use crate::facts::Facts;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "partition_table",
    title: "Check partition table",
    reads: "the first 1024 bytes of the system disk (head -c 1024 /dev/DISK, privileged), or fdisk -l /dev/DISK",
    failed_means: "the system disk has a GPT or no partition table: the instance cannot start",
    warning_means: "the partition table could not be determined",
    suggestion: "Use MBR partitioning for the system disk.",
    codes: &[
        Code { code: 12001, status: Status::Failed, meaning: "GPT partition table" },
        Code { code: 12002, status: Status::Failed, meaning: "no partition table on the system disk" },
        Code { code: 12099, status: Status::Warning, meaning: "the partition table could not be read" },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    match facts.partition_table.get() {
        Err(reason) => Verdict::warning(
            12099,
            format!("could not read the partition table: {reason}"),
        ),
        Ok(found) => match found.table {
            PartitionTable::Mbr => Verdict::ok(format!("MBR partition table ({})", found.source)),
            PartitionTable::Gpt => {
                Verdict::failed(12001, format!("GPT partition table ({})", found.source))
            }
            PartitionTable::None => {
                Verdict::failed(12002, format!("no partition table ({})", found.source))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::{Fact, PartitionTableFact};

    #[test]
    fn mbr_ok_gpt_and_none_failed() {
        assert_eq!(
            verdict(&CHECK, &compliant()).evidence,
            "MBR partition table (the first 1024 bytes of /dev/vda)"
        );
        let mut f = compliant();
        f.partition_table = Fact::Known(PartitionTableFact {
            table: PartitionTable::Gpt,
            source: "fdisk -l /dev/vda".into(),
        });
        let v = verdict(&CHECK, &f);
        assert_eq!(
            (v.status, v.code, v.evidence.as_str()),
            (
                Status::Failed,
                12001,
                "GPT partition table (fdisk -l /dev/vda)"
            )
        );
        f.partition_table = Fact::Known(PartitionTableFact {
            table: PartitionTable::None,
            source: "x".into(),
        });
        assert_eq!(verdict(&CHECK, &f).code, 12002);
        f.partition_table = Fact::unknown("sudo: a password is required");
        assert_eq!(verdict(&CHECK, &f).code, 12099);
    }
}
