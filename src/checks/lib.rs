//! Check 13, lib: /lib and /lib64 must be real folders or relative symlinks; an absolute
//! target breaks the cloud's configuration tools when they work on the image's root.

use super::{Check, Code, Status, Verdict};
use crate::facts::Facts;
use crate::inventory::Thresholds;

pub const CHECK: Check = Check {
    name: "lib",
    number: 13,
    title: "Check lib",
    reads: "readlink /lib, /lib64",
    thresholds: &[],
    failed_means: "never FAILED",
    warning_means: "/lib or /lib64 is a symlink with an absolute target, or could not be read",
    suggestion: "The /lib and /lib64 files cannot be stored in absolute paths: make the links relative (ln -sfn usr/lib64 /lib64).",
    codes: &[
        Code { code: 13001, status: Status::Warning, meaning: "/lib or /lib64 is an absolute symlink" },
        Code { code: 13099, status: Status::Warning, meaning: "/lib or /lib64 could not be read" },
    ],
    evaluate,
};

fn evaluate(facts: &Facts, _: &Thresholds) -> Verdict {
    let paths = match facts.lib_paths.get() {
        Ok(paths) => paths,
        Err(reason) => {
            return Verdict::warning(13099, format!("could not read /lib, /lib64: {reason}"))
        }
    };
    let absolute: Vec<String> = paths
        .iter()
        .filter_map(|p| {
            p.target
                .as_ref()
                .filter(|t| t.starts_with('/'))
                .map(|t| format!("{} -> {t}", p.path))
        })
        .collect();
    if !absolute.is_empty() {
        return Verdict::warning(13001, format!("absolute symlink: {}", absolute.join(", ")));
    }
    let described: Vec<String> = paths
        .iter()
        .map(|p| match &p.target {
            Some(target) => format!("{} -> {target}", p.path),
            None => format!("{} is a folder", p.path),
        })
        .collect();
    Verdict::ok(described.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{compliant, verdict};
    use crate::facts::{Fact, LibPath};

    #[test]
    fn relative_links_are_ok_absolute_are_13001() {
        assert_eq!(
            verdict(&CHECK, &compliant()).evidence,
            "/lib -> usr/lib, /lib64 -> usr/lib64"
        );
        let mut f = compliant();
        f.lib_paths = Fact::Known(vec![
            LibPath {
                path: "/lib".into(),
                target: None,
            },
            LibPath {
                path: "/lib64".into(),
                target: Some("/usr/lib64".into()),
            },
        ]);
        let v = verdict(&CHECK, &f);
        assert_eq!(
            (v.status, v.code, v.evidence.as_str()),
            (
                Status::Warning,
                13001,
                "absolute symlink: /lib64 -> /usr/lib64"
            )
        );
    }
}
