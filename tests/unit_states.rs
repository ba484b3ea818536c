//! The collector asks `systemctl is-enabled` for several units at once, and not at all for a
//! unit no folder of systemd's search path holds. The real systemctl is the oracle: on
//! generated unit trees, `facts::collect` over a transport whose systemctl is
//! `systemctl --root=TREE` must give, for every unit, what one `systemctl --root=TREE
//! is-enabled UNIT` per unit gives, in fewer calls.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use image_check::facts::{self, ENABLED_UNITS};
use image_check::transport::{
    Command, CommandOutput, FileContents, FileKind, FileStat, ReadError, Transport, TransportError,
};

mod common;
use common::{out_dir, systemctl_is_enabled, Lcg};

/// A host whose files are TREE and whose systemctl is `systemctl --root=TREE`; every other
/// program is not installed.
struct Tree {
    root: PathBuf,
    is_enabled_calls: AtomicUsize,
}

impl Tree {
    fn path(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }
}

fn read_error(path: &str, e: std::io::Error) -> ReadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound(path.to_string()),
        _ => ReadError::Other {
            path: path.to_string(),
            reason: e.to_string(),
        },
    }
}

impl Transport for Tree {
    async fn exec(&self, cmd: &Command) -> Result<CommandOutput, TransportError> {
        let Some(("systemctl", args)) = cmd.argv.split_first().map(|(p, a)| (p.as_str(), a)) else {
            return Ok(CommandOutput {
                exit_status: Some(127),
                stdout: Vec::new(),
                stderr: format!("sh: {}: command not found\n", cmd.argv[0]).into_bytes(),
                cut: None,
            });
        };
        if args.first().map(String::as_str) == Some("is-enabled") {
            self.is_enabled_calls.fetch_add(1, Ordering::Relaxed);
        }
        let out = std::process::Command::new("systemctl")
            .arg("--root")
            .arg(&self.root)
            .args(args)
            .output()
            .map_err(|e| TransportError::Other(e.to_string()))?;
        Ok(CommandOutput {
            exit_status: out.status.code().map(|c| c as u32),
            stdout: out.stdout,
            stderr: out.stderr,
            cut: None,
        })
    }

    async fn read_file(&self, path: &str) -> Result<FileContents, ReadError> {
        match std::fs::metadata(self.path(path)) {
            Ok(meta) if !meta.is_file() => Err(ReadError::Other {
                path: path.to_string(),
                reason: "not a regular file".to_string(),
            }),
            _ => std::fs::read(self.path(path))
                .map(|bytes| FileContents { bytes, cut: None })
                .map_err(|e| read_error(path, e)),
        }
    }

    async fn stat(&self, path: &str) -> Result<FileStat, ReadError> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(self.path(path)).map_err(|e| read_error(path, e))?;
        Ok(FileStat {
            kind: FileKind::from_mode(meta.mode()),
            mode: meta.mode() & 0o7777,
            size: meta.len(),
        })
    }

    async fn read_link(&self, path: &str) -> Result<Option<String>, ReadError> {
        let meta = std::fs::symlink_metadata(self.path(path)).map_err(|e| read_error(path, e))?;
        if !meta.file_type().is_symlink() {
            return Ok(None);
        }
        let target = std::fs::read_link(self.path(path)).map_err(|e| read_error(path, e))?;
        Ok(Some(target.to_string_lossy().into_owned()))
    }

    async fn read_head(&self, path: &str, len: usize) -> Result<FileContents, ReadError> {
        let mut contents = self.read_file(path).await?;
        contents.bytes.truncate(len);
        Ok(contents)
    }

    async fn list_dir(&self, path: &str) -> Result<Vec<String>, ReadError> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(path))
            .map_err(|e| read_error(path, e))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn link(target: &str, path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, path).unwrap();
}

/// One generated host: each unit of [`ENABLED_UNITS`] absent, masked, a vendor unit file
/// (enabled through a .wants link or not, with or without [Install]), an alias of another,
/// or a dangling link; sometimes a SysV script of the same name.
fn generate(root: &Path, rng: &mut Lcg) {
    let installs = [
        "[Install]\nWantedBy=multi-user.target\n",
        "[Install]\nAlso=sshd.socket\n",
        "",
        "[Install]\nRequiredBy=network.target\n",
    ];
    let vendor_dirs = ["usr/lib/systemd/system", "lib/systemd/system"];
    let etc = root.join("etc/systemd/system");
    std::fs::create_dir_all(&etc).unwrap();
    for unit in ENABLED_UNITS {
        let vendor = vendor_dirs[rng.next(2) as usize];
        match rng.next(7) {
            0 => {}
            1 => link("/dev/null", &etc.join(unit)),
            2 => link(&format!("/{vendor}/gone-{unit}"), &etc.join(unit)),
            3 if *unit != "ssh.service" => {
                write(
                    &root.join(vendor).join("ssh.service"),
                    "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
                );
                link(&format!("/{vendor}/ssh.service"), &etc.join(unit));
            }
            _ => {
                let install = installs[rng.next(installs.len() as u64) as usize];
                write(
                    &root.join(vendor).join(unit),
                    &format!(
                        "[Unit]\nDescription={unit}\n[Service]\nExecStart=/bin/true\n{install}"
                    ),
                );
                if install.contains("WantedBy") && rng.next(2) == 0 {
                    link(
                        &format!("/{vendor}/{unit}"),
                        &etc.join("multi-user.target.wants").join(unit),
                    );
                }
            }
        }
        if rng.next(5) == 0 {
            let stem = unit.rsplit_once('.').unwrap().0;
            write(&root.join("etc/init.d").join(stem), "#!/bin/sh\n");
        }
    }
}

#[test]
fn batched_is_enabled_equals_one_call_per_unit_on_generated_trees() {
    let dir = out_dir("unit-states");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (mut ours_calls, mut per_unit_calls) = (0, 0);
    for case in 0..40u64 {
        let root = dir.join(format!("tree{case}"));
        let _ = std::fs::remove_dir_all(&root);
        generate(&root, &mut Lcg(case + 7));
        let tree = Tree {
            root: root.clone(),
            is_enabled_calls: AtomicUsize::new(0),
        };
        let found = runtime.block_on(facts::collect_with(&tree, false));
        for unit in ENABLED_UNITS {
            let expected = systemctl_is_enabled(&root, unit);
            assert_eq!(
                found.units_enabled[*unit].known(),
                Some(&expected),
                "case {case}, {unit}: tree {}",
                root.display()
            );
            per_unit_calls += 1;
        }
        ours_calls += tree.is_enabled_calls.load(Ordering::Relaxed);
    }
    assert!(
        ours_calls * 2 < per_unit_calls,
        "{ours_calls} calls of systemctl is-enabled for {per_unit_calls} unit answers"
    );
    println!("{ours_calls} calls of systemctl is-enabled for {per_unit_calls} unit answers");
}
