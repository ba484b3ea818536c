//! The LVM2 physical volume reader: the input is the PV. Its label, metadata area and text
//! metadata give logical volumes that open inside the PV, or one-line errors.
#![no_main]

use std::sync::Arc;

use image_check::image::{lvm, VirtualDisk};
use image_check_fuzz::{assert_error_line, read_through, MemoryDisk};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pv: Arc<dyn VirtualDisk> = Arc::new(MemoryDisk(data.to_vec()));
    match lvm::logical_volumes(pv.as_ref()) {
        Ok(found) => {
            for lv in found {
                match lv.open(Arc::clone(&pv)) {
                    Ok(linear) => read_through(&linear, 1 << 20),
                    Err(err) => assert_error_line("LogicalVolume::open", &err),
                }
            }
        }
        Err(err) => assert_error_line("lvm::logical_volumes", &err),
    }
});
