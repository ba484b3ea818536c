//! The local transport: this machine, no SSH. Used by `image_check local`, Alibaba's own mode.

use std::process::Stdio;

use super::{
    not_regular, read_capped, Command, CommandOutput, Cut, FileContents, FileKind, FileStat,
    HostLimits, ReadError, Transport, TransportError, OUTPUT_CAP, STDERR_CAP,
};

/// Runs commands directly (argv, no shell) and reads files from this machine's file system.
/// `become` does not apply: `local` runs with the privileges it was started with. The same
/// limits as a remote host: a FIFO or a hung command costs one fact, not the run.
#[derive(Debug, Default)]
pub struct LocalTransport {
    limits: HostLimits,
}

impl LocalTransport {
    pub fn new(limits: HostLimits) -> Self {
        LocalTransport { limits }
    }

    async fn run(&self, cmd: &Command) -> Result<CommandOutput, TransportError> {
        let Some((program, args)) = cmd.argv.split_first() else {
            return Err(TransportError::Other("empty command".into()));
        };
        let spawned = tokio::process::Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(CommandOutput {
                    exit_status: Some(127),
                    stderr: format!("{program}: command not found").into_bytes(),
                    ..CommandOutput::default()
                })
            }
            Err(e) => return Err(TransportError::Other(format!("cannot run {program}: {e}"))),
        };
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(TransportError::Other(format!("{program}: no output pipes")));
        };
        let io = |e: std::io::Error| TransportError::Other(format!("{program}: {e}"));
        let (out, err) = tokio::try_join!(
            read_capped(stdout, OUTPUT_CAP, &self.limits),
            read_capped(stderr, STDERR_CAP, &self.limits)
        )
        .map_err(io)?;
        let cut = out.1.or(err.1.map(Cut::on_stderr));
        // A cut child may still be writing: stop it rather than wait on a full pipe.
        if cut.is_some() {
            let _ = child.start_kill();
        }
        let status = child.wait().await.map_err(io)?;
        Ok(CommandOutput {
            exit_status: status.code().map(|c| c as u32),
            stdout: out.0,
            stderr: err.0,
            cut,
        })
    }

    async fn read(&self, path: &str) -> Result<FileContents, ReadError> {
        // Opening a FIFO blocks until someone writes to it; a device may never end.
        let kind = self.stat(path).await?.kind;
        if kind != FileKind::File {
            return Err(not_regular(path));
        }
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| read_error(path, e))?;
        let (bytes, cut) = read_capped(file, OUTPUT_CAP, &self.limits)
            .await
            .map_err(|e| read_error(path, e))?;
        Ok(FileContents { bytes, cut })
    }
}

impl Transport for LocalTransport {
    async fn exec(&self, cmd: &Command) -> Result<CommandOutput, TransportError> {
        self.limits.admit().map_err(TransportError::Other)?;
        tokio::time::timeout_at(self.limits.operation_deadline(), self.run(cmd))
            .await
            .unwrap_or_else(|_| Err(TransportError::Other(self.limits.timeout_reason())))
    }

    async fn read_file(&self, path: &str) -> Result<FileContents, ReadError> {
        let other = |reason| ReadError::Other {
            path: path.to_string(),
            reason,
        };
        self.limits.admit().map_err(other)?;
        tokio::time::timeout_at(self.limits.operation_deadline(), self.read(path))
            .await
            .unwrap_or_else(|_| Err(other(self.limits.timeout_reason())))
    }

    async fn stat(&self, path: &str) -> Result<FileStat, ReadError> {
        use std::os::unix::fs::MetadataExt;
        let meta = tokio::fs::metadata(path)
            .await
            .map_err(|e| read_error(path, e))?;
        Ok(FileStat {
            kind: FileKind::from_mode(meta.mode()),
            mode: meta.mode() & 0o7777,
            size: meta.len(),
        })
    }

    async fn read_link(&self, path: &str) -> Result<Option<String>, ReadError> {
        let meta = tokio::fs::symlink_metadata(path)
            .await
            .map_err(|e| read_error(path, e))?;
        if !meta.file_type().is_symlink() {
            return Ok(None);
        }
        let target = tokio::fs::read_link(path)
            .await
            .map_err(|e| read_error(path, e))?;
        Ok(Some(target.to_string_lossy().into_owned()))
    }

    async fn read_head(&self, path: &str, len: usize) -> Result<FileContents, ReadError> {
        use std::os::unix::fs::MetadataExt;
        use tokio::io::AsyncReadExt;
        let meta = tokio::fs::metadata(path)
            .await
            .map_err(|e| read_error(path, e))?;
        if !super::is_file_or_block_device(meta.mode()) {
            return Err(super::not_regular(path));
        }
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| read_error(path, e))?;
        let (bytes, cut) = read_capped(file.take(len as u64), len, &self.limits)
            .await
            .map_err(|e| read_error(path, e))?;
        Ok(FileContents { bytes, cut })
    }

    async fn list_dir(&self, path: &str) -> Result<Vec<String>, ReadError> {
        let mut entries = tokio::fs::read_dir(path)
            .await
            .map_err(|e| read_error(path, e))?;
        let mut names = Vec::new();
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| read_error(path, e))?
        {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }
}

fn read_error(path: &str, e: std::io::Error) -> ReadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound(path.to_string()),
        std::io::ErrorKind::PermissionDenied => ReadError::PermissionDenied(path.to_string()),
        _ => ReadError::Other {
            path: path.to_string(),
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn exec_keeps_stdout_stderr_and_status_apart() {
        let out = LocalTransport::default()
            .exec(&Command::new(&[
                "sh",
                "-c",
                "echo out; echo err >&2; exit 3",
            ]))
            .await
            .unwrap();
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.exit_status, Some(3));
        assert_eq!(out.cut, None);
    }

    #[tokio::test]
    async fn a_fifo_is_not_read_and_a_flood_is_cut() {
        let dir = std::env::temp_dir().join(format!("ic-local-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fstab");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let local = LocalTransport::default();
        let err = local.read_file(&fifo.to_string_lossy()).await.unwrap_err();
        assert!(
            err.to_string()
                .ends_with("not a regular file (a FIFO, socket or device): not read"),
            "{err}"
        );
        let flood = Command::new(&["sh", "-c", "while :; do printf xxxxxxxxxxxxxxxx >&2; done"]);
        let out = local.exec(&flood).await.unwrap();
        assert_eq!(out.cut, Some(Cut::Stderr(STDERR_CAP)));
        assert_eq!(out.stderr.len(), STDERR_CAP);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_hung_command_costs_its_own_time_only() {
        let local = LocalTransport::new(HostLimits::new(
            std::time::Duration::from_secs(1),
            None,
            1 << 20,
        ));
        let err = local
            .exec(&Command::new(&["sleep", "30"]))
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "no answer within 1 s");
        assert!(local
            .exec(&Command::new(&["true"]))
            .await
            .unwrap()
            .success());
    }

    #[tokio::test]
    async fn missing_program_is_status_127() {
        let cmd = Command::new(&["/nonexistent/image-check-test"]);
        let out = LocalTransport::default().exec(&cmd).await.unwrap();
        assert_eq!(out.exit_status, Some(127));
        assert_eq!(
            out.failure_reason(&cmd),
            "`/nonexistent/image-check-test`: command not found"
        );
    }

    #[tokio::test]
    async fn stat_link_and_listing() {
        let dir = std::env::temp_dir().join(format!("ic-local-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("usr/lib")).unwrap();
        std::os::unix::fs::symlink("usr/lib", dir.join("lib")).unwrap();
        let path = |p: &str| dir.join(p).to_string_lossy().into_owned();
        let local = LocalTransport::default();
        assert_eq!(
            local.read_link(&path("lib")).await.unwrap().as_deref(),
            Some("usr/lib")
        );
        assert_eq!(local.read_link(&path("usr")).await.unwrap(), None);
        assert_eq!(
            local.stat(&path("lib")).await.unwrap().kind,
            FileKind::Directory
        );
        assert_eq!(local.list_dir(&path("")).await.unwrap(), ["lib", "usr"]);
        assert!(matches!(
            local.stat(&path("nope")).await,
            Err(ReadError::NotFound(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn missing_file_is_not_found() {
        let err = LocalTransport::default()
            .read_file("/nonexistent/os-release")
            .await
            .unwrap_err();
        assert_eq!(err, ReadError::NotFound("/nonexistent/os-release".into()));
    }
}
