//! The partition table of the system disk: `from_header` and `partition_types` on the raw
//! bytes of the input (the first bytes of the disk), and `from_fdisk` / `from_lsblk_pttype`
//! on the input as text (fdisk's stdout, then its stderr after a NUL byte).
#![no_main]

use image_check::facts::partition_table::{
    from_fdisk, from_header, from_lsblk_pttype, partition_types,
};
use image_check_fuzz::{assert_one_line, parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match from_header(data) {
        Ok(_) => assert!(data.len() >= 512, "a table read from {} bytes", data.len()),
        Err(reason) => assert_one_line("from_header's error", &reason),
    }
    match partition_types(data) {
        Ok(_) => assert!(from_header(data).is_ok(), "partitions without a table"),
        Err(reason) => assert_one_line("partition_types' error", &reason),
    }
    let texts = parts(data, 2);
    let _ = from_fdisk(&texts[0], &texts[1]);
    let _ = from_lsblk_pttype(&texts[0]);
});
