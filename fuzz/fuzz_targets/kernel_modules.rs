//! The driver sources: the kernel config, modules.builtin, modules.dep, /proc/modules and an
//! initramfs listing (lsinitrd / lsinitramfs), combined by `availability` as the driver
//! check does. Input: the five texts in that order, separated by NUL bytes.
#![no_main]

use image_check::facts::kernel_modules::{
    availability, module_names_from_paths, modules_in_initramfs, parse_kernel_config,
    parse_proc_modules,
};
use image_check_fuzz::{lines, parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let texts = parts(data, 5);
    let config = parse_kernel_config(&texts[0]);
    assert!(config.len() <= lines(&texts[0]));
    for (symbol, state) in &config {
        assert!(symbol.starts_with("CONFIG_") && matches!(state, 'y' | 'm'));
    }
    let builtin = module_names_from_paths(&texts[1]);
    let modules = module_names_from_paths(&texts[2]);
    let loaded = parse_proc_modules(&texts[3]);
    let initramfs = modules_in_initramfs(&texts[4]);
    assert!(builtin.len() <= lines(&texts[1]) && modules.len() <= lines(&texts[2]));
    assert!(loaded.len() <= lines(&texts[3]) && initramfs.len() <= lines(&texts[4]));
    for names in [
        &["virtio_blk", "virtio-scsi"][..],
        &["virtio_net"],
        &["virtio_pci"],
    ] {
        let _ = availability(names, &config, &builtin, &modules, Some(&initramfs));
        let _ = availability(names, &config, &builtin, &modules, None);
    }
});
