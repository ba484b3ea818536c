//! The whole path of `image_check image FILE`: the input is the image file (any container,
//! partition table, LVM and file system). Opening it and asking what the collector asks
//! gives one-line errors, never a panic or a hang.
#![no_main]

use image_check::transport::image::ImageTransport;
use image_check::transport::Transport;
use image_check_fuzz::{assert_one_line, image_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = image_file(data);
    let transport = match ImageTransport::open(&path, None) {
        Ok(transport) => transport,
        Err(reason) => return assert_one_line("ImageTransport::open", &reason),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        for file in ["/etc/os-release", "/etc/fstab", "/etc/ssh/sshd_config"] {
            if let Err(err) = transport.read_file(file).await {
                assert_one_line("read_file", &err.to_string());
            }
            if let Err(err) = transport.stat(file).await {
                assert_one_line("stat", &err.to_string());
            }
            if let Err(err) = transport.read_link(file).await {
                assert_one_line("read_link", &err.to_string());
            }
        }
        for dir in ["/", "/etc", "/lib/modules"] {
            if let Err(err) = transport.list_dir(dir).await {
                assert_one_line("list_dir", &err.to_string());
            }
        }
    });
});
