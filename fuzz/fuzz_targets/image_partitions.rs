//! The MBR and GPT reader, and the volume probe on top: the input is the disk. Every
//! partition found lies inside the disk and opens as a slice of it.
#![no_main]

use std::sync::Arc;

use image_check::image::{partitions, volumes, VirtualDisk};
use image_check_fuzz::{assert_error_line, MemoryDisk};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let disk: Arc<dyn VirtualDisk> = Arc::new(MemoryDisk(data.to_vec()));
    match partitions::read(disk.as_ref()) {
        Ok((_, found)) => {
            for partition in found {
                let end = partition.start.checked_add(partition.len);
                assert!(end.is_some_and(|end| end <= disk.size()), "{partition:?}");
                partition.open(Arc::clone(&disk)).expect("a partition inside the disk");
            }
        }
        Err(err) => assert_error_line("partitions::read", &err),
    }
    if let Err(err) = volumes::read(&disk) {
        assert_error_line("volumes::read", &err);
    }
});
