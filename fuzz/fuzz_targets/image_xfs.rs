//! Our XFS v4/v5 reader: the input is the file system. Opening it and walking the tree a
//! few levels deep (list, stat, readlink, read) gives one-line errors, never a panic, a hang
//! or an allocation an inode's size asks for.
#![no_main]

use std::path::Path;

use image_check::image::xfs::{Kind, Xfs};
use image_check_fuzz::{assert_error_line, MemoryDisk};
use libfuzzer_sys::fuzz_target;

fn walk(fs: &Xfs<'_>, at: &str, depth: usize) {
    match fs.list_dir(at) {
        Ok(Some(names)) => {
            if depth >= 3 {
                return;
            }
            for name in names.into_iter().take(20) {
                let child = format!("{}/{name}", at.trim_end_matches('/'));
                match fs.stat(&child) {
                    Ok(Some(stat)) if stat.kind == Kind::Directory => walk(fs, &child, depth + 1),
                    Ok(_) => {}
                    Err(err) => assert_error_line("stat", &err),
                }
                if let Err(err) = fs.read_link(&child) {
                    assert_error_line("read_link", &err);
                }
                match fs.read_file(&child, 1 << 16) {
                    Ok(Some((bytes, _))) => assert!(bytes.len() <= 1 << 16),
                    Ok(None) => {}
                    Err(err) => assert_error_line("read_file", &err),
                }
            }
        }
        Ok(None) => {}
        Err(err) => assert_error_line("list_dir", &err),
    }
}

fuzz_target!(|data: &[u8]| {
    let disk = MemoryDisk(data.to_vec());
    match Xfs::open(&disk, 0, Path::new("fuzz input")) {
        Ok(Some(fs)) => {
            walk(&fs, "/", 0);
            for path in ["/etc/os-release", "/etc/fstab"] {
                let _ = fs.read_file(path, 1 << 16);
            }
        }
        Ok(None) => {}
        Err(err) => assert_error_line("Xfs::open", &err),
    }
});
