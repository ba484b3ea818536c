//! The VMDK container reader: the input is the image file. Opening it and reading every
//! byte of the virtual disk (its first 64 MiB) gives errors of one line, never a panic, a
//! hang or an allocation the file's header asks for.
#![no_main]

use image_check::image::Format;
use image_check_fuzz::container;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| container(data, Format::Vmdk));
