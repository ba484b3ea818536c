//! The system-disk sources: `lsblk -b -P`, /proc/mounts and /proc/partitions, parsed and
//! combined as the collector does. Input: the three texts separated by NUL bytes.
#![no_main]

use image_check::facts::disks::{
    parse_lsblk_pairs, parse_proc_mounts, parse_proc_partitions, root_mount, size_gib, system_disk,
    system_disk_from_lsblk, system_disk_from_proc,
};
use image_check_fuzz::{assert_one_line, lines, parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let texts = parts(data, 3);
    let (lsblk, mounts, partitions) = (&texts[0], &texts[1], &texts[2]);

    let devices = parse_lsblk_pairs(lsblk);
    match &devices {
        Ok(devices) => {
            assert!(devices.len() <= lines(lsblk));
            for (index, device) in devices.iter().enumerate() {
                assert!(
                    device.depth <= index,
                    "{device:?} is deeper than the lines above it"
                );
                assert_eq!(device.parent.is_some(), device.depth > 0, "{device:?}");
            }
            if let Err(reason) = system_disk_from_lsblk(devices) {
                assert_one_line("system_disk_from_lsblk's error", &reason);
            }
        }
        Err(reason) => assert_one_line("parse_lsblk_pairs' error", reason),
    }

    let mounts = parse_proc_mounts(mounts);
    assert!(mounts.len() <= lines(&texts[1]));
    if let Some(root) = root_mount(&mounts) {
        assert_eq!(root.mountpoint, "/");
    }

    let partitions = match parse_proc_partitions(partitions) {
        Ok(partitions) => {
            assert!(partitions.len() <= lines(&texts[2]));
            partitions
        }
        Err(reason) => {
            assert_one_line("parse_proc_partitions' error", &reason);
            Vec::new()
        }
    };
    if let Err(reason) = system_disk_from_proc(&mounts, &partitions) {
        assert_one_line("system_disk_from_proc's error", &reason);
    }

    match system_disk(devices.as_deref().ok(), &mounts, &partitions) {
        Ok(disk) => {
            let _ = size_gib(disk.size_bytes);
        }
        Err(reason) => assert_one_line("system_disk's error", &reason),
    }
});
