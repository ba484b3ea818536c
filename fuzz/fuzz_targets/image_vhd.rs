//! The VHD container reader: the input is the image file. Opening it and reading every
//! byte of the virtual disk (its first 64 MiB) gives errors of one line, never a panic, a
//! hang or an allocation the file's header asks for.
#![no_main]

use image_check::image::vhd::Vhd;
use image_check_fuzz::{assert_error_line, image_file, read_through};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = image_file(data);
    let file = std::fs::File::open(&path).expect("the scratch file");
    match Vhd::new(file, &path) {
        Ok(disk) => read_through(&disk, 64 << 20),
        Err(err) => assert_error_line("Vhd::new", &err),
    }
});
