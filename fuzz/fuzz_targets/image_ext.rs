//! The ext2/3/4 reader (ext4-view behind image::ext): the input is the file system. Opening
//! it and walking the tree a few levels deep (list, stat, lstat, readlink, read) gives
//! one-line errors, never a panic or a hang.
#![no_main]

use std::sync::Arc;

use image_check::image::ext::ExtFs;
use image_check_fuzz::{assert_error_line, MemoryDisk};
use libfuzzer_sys::fuzz_target;

fn walk(fs: &ExtFs, at: &str, depth: usize) {
    match fs.list_dir(at) {
        Ok(entries) => {
            if depth >= 3 {
                return;
            }
            for entry in entries.into_iter().take(20) {
                let name = String::from_utf8_lossy(&entry.name);
                let child = format!("{}/{name}", at.trim_end_matches('/'));
                for result in [fs.stat(&child).err(), fs.lstat(&child).err()] {
                    if let Some(err) = result {
                        assert_error_line("stat", &err);
                    }
                }
                if let Err(err) = fs.readlink(&child) {
                    assert_error_line("readlink", &err);
                }
                walk(fs, &child, depth + 1);
            }
        }
        Err(err) => {
            assert_error_line("list_dir", &err);
            match fs.read_file(at, 1 << 16) {
                Ok(contents) => assert!(contents.bytes.len() <= 1 << 16),
                Err(err) => assert_error_line("read_file", &err),
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match ExtFs::open(Arc::new(MemoryDisk(data.to_vec()))) {
        Ok(fs) => {
            walk(&fs, "/", 0);
            for path in ["/etc/os-release", "/etc/fstab", "/lib/modules"] {
                let _ = fs.read_file(path, 1 << 16);
                let _ = fs.list_dir(path);
            }
        }
        Err(err) => assert_error_line("ExtFs::open", &err),
    }
});
