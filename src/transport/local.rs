//! The local transport: this machine, no SSH. Used by `image_check local`, Alibaba's own mode.

use std::process::Stdio;

use super::{
    append_capped, read_capped, Command, CommandOutput, FileContents, FileKind, FileStat,
    ReadError, Transport, TransportError,
};

/// Runs commands directly (argv, no shell) and reads files from this machine's file system.
/// `become` does not apply: `local` runs with the privileges it was started with.
#[derive(Debug, Default)]
pub struct LocalTransport;

impl Transport for LocalTransport {
    async fn exec(&self, cmd: &Command) -> Result<CommandOutput, TransportError> {
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
        let (out, err) = tokio::try_join!(read_capped(stdout), read_capped(stderr)).map_err(io)?;
        // A truncated child may still be writing: stop it rather than wait on a full pipe.
        if out.1 || err.1 {
            let _ = child.start_kill();
        }
        let status = child.wait().await.map_err(io)?;
        let mut output = CommandOutput {
            exit_status: status.code().map(|c| c as u32),
            stdout: Vec::new(),
            stderr: Vec::new(),
            truncated: out.1 || err.1,
        };
        append_capped(&mut output.stdout, &out.0);
        append_capped(&mut output.stderr, &err.0);
        Ok(output)
    }

    async fn read_file(&self, path: &str) -> Result<FileContents, ReadError> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => ReadError::NotFound(path.to_string()),
                std::io::ErrorKind::PermissionDenied => {
                    ReadError::PermissionDenied(path.to_string())
                }
                _ => ReadError::Other {
                    path: path.to_string(),
                    reason: e.to_string(),
                },
            })?;
        let (bytes, truncated) = read_capped(file).await.map_err(|e| ReadError::Other {
            path: path.to_string(),
            reason: e.to_string(),
        })?;
        Ok(FileContents { bytes, truncated })
    }

    async fn stat(&self, path: &str) -> Result<FileStat, ReadError> {
        use std::os::unix::fs::MetadataExt;
        let meta = tokio::fs::metadata(path)
            .await
            .map_err(|e| read_error(path, e))?;
        Ok(FileStat {
            kind: FileKind::from_mode(meta.mode()),
            mode: meta.mode() & 0o7777,
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
        let out = LocalTransport
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
        assert!(!out.truncated);
    }

    #[tokio::test]
    async fn missing_program_is_status_127() {
        let cmd = Command::new(&["/nonexistent/image-check-test"]);
        let out = LocalTransport.exec(&cmd).await.unwrap();
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
        assert_eq!(
            LocalTransport
                .read_link(&path("lib"))
                .await
                .unwrap()
                .as_deref(),
            Some("usr/lib")
        );
        assert_eq!(LocalTransport.read_link(&path("usr")).await.unwrap(), None);
        assert_eq!(
            LocalTransport.stat(&path("lib")).await.unwrap().kind,
            FileKind::Directory
        );
        assert_eq!(
            LocalTransport.list_dir(&path("")).await.unwrap(),
            ["lib", "usr"]
        );
        assert!(matches!(
            LocalTransport.stat(&path("nope")).await,
            Err(ReadError::NotFound(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn missing_file_is_not_found() {
        let err = LocalTransport
            .read_file("/nonexistent/os-release")
            .await
            .unwrap_err();
        assert_eq!(err, ReadError::NotFound("/nonexistent/os-release".into()));
    }
}
