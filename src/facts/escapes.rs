//! Escapes that Linux tools put in device names and mount points: `\ooo` octal (the kernel,
//! libmount) and `\xHH` hex (lsblk, udev). Shared by the parsers that meet them.

/// Decodes `\ooo` octal escapes (the kernel's /proc/mounts, libmount's fstab); a backslash not followed by three octal digits
/// stays as is.
pub fn unescape_octal(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if let Some(byte) = bytes.get(i + 1..i + 4).and_then(octal_byte) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Three octal digits as one byte; None if they are not octal digits or exceed 0o377.
fn octal_byte(digits: &[u8]) -> Option<u8> {
    let mut value: u16 = 0;
    for &digit in digits {
        if !(b'0'..=b'7').contains(&digit) {
            return None;
        }
        value = value * 8 + u16::from(digit - b'0');
    }
    u8::try_from(value).ok()
}

/// Decodes `\xHH` escapes (lsblk, udev's /dev/disk/by-* names); anything else, a lone backslash included, stays as is.
/// Escaped bytes may be pieces of UTF-8 (lsblk escapes bytes, not characters).
pub fn unescape_hex(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') {
            let high = bytes.get(i + 2).and_then(|&b| hex_digit(b));
            let low = bytes.get(i + 3).and_then(|&b| hex_digit(b));
            if let (Some(high), Some(low)) = (high, low) {
                out.push((high << 4) | low);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_digit(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}
