//! Helpers shared by the fuzz targets: how a fuzz input becomes the text of one or more
//! remote sources, and the properties every parser must keep.
//!
//! Remote output reaches the parsers through `String::from_utf8_lossy` (see
//! `image_check::facts`), so the targets decode their input the same way. A target that needs
//! several sources (release files, lsblk + /proc files, stdout + stderr) splits its input at
//! NUL bytes, which no text source the collector reads carries; a seed is the sources joined
//! with `\0`, so real captures make readable seeds.

/// The whole input as text, decoded as the collector decodes remote output.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The input split at NUL bytes into exactly `n` texts: missing ones are empty, and the last
/// one keeps any further NULs.
pub fn parts(data: &[u8], n: usize) -> Vec<String> {
    let mut texts: Vec<String> = data.splitn(n, |&b| b == 0).map(text).collect();
    texts.resize(n, String::new());
    texts
}

/// How many lines `str::lines` sees: no line-based parser may return more rows than this.
pub fn lines(text: &str) -> usize {
    text.lines().count()
}

/// A reason or message that ends up in one report cell or one `Unknown { reason }`: it must
/// not break the report's layout with a line break.
pub fn assert_one_line(what: &str, message: &str) {
    assert!(
        !message.contains('\n'),
        "{what} spans several lines: {message:?}"
    );
}
