//! The SSH transport (russh): one connection per host, one exec channel per command, one SFTP
//! session for all file reads (`cat -- PATH` where the server has no SFTP).
//!
//! Every network step has a deadline: russh itself has none, and a tarpit would hang forever.
//! Keys and known_hosts files are loaded once per run, in [`SshContext`], and shared by hosts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::agent::client::AgentClient;
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, Preferred};
use tokio::sync::{OnceCell, Semaphore};

use super::known_hosts::{KnownHosts, Verdict};
use super::{
    append_capped, append_stderr, excerpt, not_regular, Command, CommandOutput, FileContents,
    FileKind, FileStat, HostLimits, ReadError, Sudo, Transport, TransportError, OUTPUT_CAP,
};
use crate::inventory::{Destination, HostKeyCheck, Target};

/// Environment variable holding the passphrase of encrypted key files.
pub const PASSPHRASE_ENV: &str = "IMAGE_CHECK_KEY_PASSPHRASE";

/// OpenSSH's MaxSessions defaults to 10 channels per connection; stay under it.
const CHANNELS_PER_HOST: usize = 8;

/// Run-wide SSH state: parsed known_hosts files and loaded keys, shared by every host.
#[derive(Default)]
pub struct SshContext {
    known_hosts: Mutex<HashMap<PathBuf, Arc<KnownHosts>>>,
    keys: Mutex<HashMap<PathBuf, Result<Arc<PrivateKey>, String>>>,
    /// Jump hosts by chain (`a` and `a,b` are two entries): one authenticated connection
    /// each, shared by every host behind it.
    jumps: Mutex<HashMap<String, Arc<BastionCell>>>,
    /// Inventory hosts by name: a jump host named like one is reached with its settings.
    inventory: HashMap<String, Target>,
    warned_off: std::sync::atomic::AtomicBool,
}

/// A jump host's connection, made by the first host that needs it; its error otherwise.
type BastionCell = OnceCell<Result<Arc<Bastion>, String>>;

/// A connected jump host and the limit on handshakes going through it at once.
struct Bastion {
    handle: Handle<ServerKeyCheck>,
    handshakes: Semaphore,
}

/// Handshakes through one bastion at once: stays under OpenSSH's MaxStartups (10) of the
/// hosts behind it when they are one machine's containers, and spares the bastion.
const HANDSHAKES_PER_BASTION: usize = 10;
/// Bytes read from a host's socket at once: several of the small packets a scan receives.
const READ_BUFFER: usize = 8 * 1024;
/// Tries of a handshake that the server dropped before it finished (MaxStartups).
const HANDSHAKE_TRIES: u32 = 3;

impl SshContext {
    /// A context that reaches jump hosts named like inventory hosts with their settings.
    pub fn with_inventory(targets: &[Target]) -> Self {
        // Only a fleet with jump hosts needs to look hosts up by name.
        if targets.iter().all(|t| t.jump.is_none()) {
            return SshContext::default();
        }
        SshContext {
            inventory: targets
                .iter()
                .map(|t| (t.name.clone(), t.clone()))
                .collect(),
            ..Default::default()
        }
    }

    /// The settings to reach `hop` with: an inventory host of that name, or the target's
    /// user, keys and known_hosts at the hop's address.
    fn hop_target(&self, hop: &Destination, behind: &Target) -> Target {
        let mut target = self
            .inventory
            .get(&hop.host)
            .cloned()
            .unwrap_or_else(|| Target {
                name: hop.host.clone(),
                address: hop.host.clone(),
                port: 22,
                ..behind.clone()
            });
        if let Some(user) = &hop.user {
            target.user = user.clone();
        }
        if let Some(port) = hop.port {
            target.port = port;
        }
        target.jump = None;
        target
    }

    /// The connection to the last hop of `chain`, made once (through the hops before it) and
    /// shared.
    async fn bastion(
        &self,
        chain: &[Destination],
        behind: &Target,
    ) -> Result<Arc<Bastion>, String> {
        let key = chain
            .iter()
            .map(|h| format!("{:?}", h))
            .collect::<Vec<_>>()
            .join(",");
        let cell = {
            let mut jumps = self.jumps.lock().unwrap_or_else(|e| e.into_inner());
            jumps.entry(key).or_default().clone()
        };
        cell.get_or_init(|| async {
            let Some((last, before)) = chain.split_last() else {
                return Err("empty jump chain".to_string());
            };
            let hop_target = self.hop_target(last, behind);
            let handle = Box::pin(connect_inner(self, &hop_target, before)).await?;
            Ok(Arc::new(Bastion {
                handle,
                handshakes: Semaphore::new(HANDSHAKES_PER_BASTION),
            }))
        })
        .await
        .clone()
    }

    fn known_hosts(&self, path: &Path) -> Result<Arc<KnownHosts>, String> {
        let mut cache = self.known_hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(kh) = cache.get(path) {
            return Ok(kh.clone());
        }
        let kh = Arc::new(KnownHosts::load(path)?);
        cache.insert(path.to_path_buf(), kh.clone());
        Ok(kh)
    }

    fn key(&self, path: &Path) -> Result<Arc<PrivateKey>, String> {
        let mut cache = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(path.to_path_buf())
            .or_insert_with(|| load_key(path))
            .clone()
    }
}

fn load_key(path: &Path) -> Result<Arc<PrivateKey>, String> {
    let passphrase = std::env::var(PASSPHRASE_ENV).ok();
    match russh::keys::load_secret_key(path, passphrase.as_deref()) {
        Ok(key) => Ok(Arc::new(key)),
        Err(russh::keys::Error::KeyIsEncrypted) => Err(format!(
            "key {} is encrypted: set {PASSPHRASE_ENV} or add it to ssh-agent",
            path.display()
        )),
        Err(e) => Err(format!("cannot load key {}: {e}", path.display())),
    }
}

/// What the handler learnt about the server's key, kept so a refusal can say why.
struct ServerKeyCheck {
    host: String,
    port: u16,
    policy: HostKeyCheck,
    known_hosts: Arc<KnownHosts>,
    refusal: Arc<Mutex<Option<String>>>,
}

impl client::Handler for ServerKeyCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let from_certificate;
        let key = match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key,
            PublicKeyOrCertificate::Certificate(cert) => {
                from_certificate = russh::keys::PublicKey::from(cert.public_key().clone());
                &from_certificate
            }
        };
        if self.policy == HostKeyCheck::Off {
            return Ok(true);
        }
        let kh = &self.known_hosts;
        let file = kh.path().display();
        let fingerprint = key.fingerprint(HashAlg::Sha256);
        let refusal = match kh.verdict(&self.host, self.port, key) {
            Verdict::Known => return Ok(true),
            Verdict::Unknown if self.policy == HostKeyCheck::AcceptNew => match kh.learn(&self.host, self.port, key) {
                Ok(()) => return Ok(true),
                Err(e) => e,
            },
            Verdict::Changed { line } => format!(
                "HOST KEY CHANGED: the {} key ({fingerprint}) differs from {file}:{line}; if the host was \
                 really reinstalled, remove that line (ssh-keygen -R), otherwise suspect an attack",
                key.algorithm()
            ),
            Verdict::Revoked { line } => format!("host key {fingerprint} is marked @revoked in {file}:{line}"),
            Verdict::OtherTypesOnly { types } => format!(
                "host key unknown: {file} has only {} keys for this host and the server offered {} {fingerprint}; \
                 add it with ssh-keyscan -t {}",
                types.join(", "),
                key.algorithm(),
                key.algorithm()
            ),
            Verdict::Unknown => format!(
                "host key unknown: {} {fingerprint} is not in {file}; add it with `ssh-keyscan -p {} {} >> {file}` \
                 or scan with --host-key-check accept-new",
                key.algorithm(),
                self.port,
                self.host
            ),
        };
        *self.refusal.lock().unwrap_or_else(|e| e.into_inner()) = Some(refusal);
        Ok(false)
    }
}

/// A connected, authenticated host.
pub struct SshTransport {
    handle: Handle<ServerKeyCheck>,
    sudo: Sudo,
    /// For `sudo -S`; never logged or reported.
    sudo_password: String,
    channels: Semaphore,
    sftp: OnceCell<Option<super::sftp::Session>>,
    /// Set when an SFTP request timed out: the session may be blocked behind a hung path
    /// (a stale NFS mount), so the remaining files are read with `cat` and `stat` instead.
    sftp_stuck: AtomicBool,
    limits: HostLimits,
    successes: AtomicUsize,
}

/// AES-GCM first where this CPU has AES instructions (cheaper per packet than
/// chacha20-poly1305, which russh asks for first), then russh's own order.
fn cipher_order() -> Vec<russh::cipher::Name> {
    #[cfg(target_arch = "x86_64")]
    let hardware_aes = std::arch::is_x86_feature_detected!("aes")
        && std::arch::is_x86_feature_detected!("pclmulqdq");
    #[cfg(target_arch = "aarch64")]
    let hardware_aes = std::arch::is_aarch64_feature_detected!("aes")
        && std::arch::is_aarch64_feature_detected!("pmull");
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let hardware_aes = false;
    let defaults = Preferred::default().cipher;
    let first: &[russh::cipher::Name] = if hardware_aes {
        &[russh::cipher::AES_256_GCM]
    } else {
        &[]
    };
    let mut order = first.to_vec();
    order.extend(defaults.iter().filter(|c| !first.contains(c)).cloned());
    order
}

fn client_config(kh: &KnownHosts, target: &Target) -> Arc<client::Config> {
    let mut preferred = Preferred {
        cipher: cipher_order().into(),
        ..Preferred::default()
    };
    // Ask first for the key types known_hosts holds, as OpenSSH does, so a host recorded with
    // only its ECDSA key is not refused for offering Ed25519.
    let known = kh.algorithms_for(&target.address, target.port);
    if !known.is_empty() {
        let mut keys = known.clone();
        keys.extend(preferred.key.iter().filter(|a| !known.contains(a)).cloned());
        preferred.key = keys.into();
    }
    if target.legacy_algorithms {
        // CentOS 6 era servers: appended last so modern servers never negotiate them.
        let mut kex = preferred.kex.to_vec();
        kex.extend([
            russh::kex::DH_G14_SHA1,
            russh::kex::DH_GEX_SHA1,
            russh::kex::DH_G1_SHA1,
        ]);
        preferred.kex = kex.into();
        let mut mac = preferred.mac.to_vec();
        mac.extend([russh::mac::HMAC_SHA1, russh::mac::HMAC_SHA1_ETM]);
        preferred.mac = mac.into();
    }
    Arc::new(client::Config {
        preferred,
        nodelay: true,
        keepalive_interval: Some(Duration::from_secs(15)),
        keepalive_max: 3,
        ..Default::default()
    })
}

fn describe_connect_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        std::io::ErrorKind::TimedOut => "connection timed out".to_string(),
        _ => e.to_string(),
    }
}

fn describe_ssh_error(e: &russh::Error) -> String {
    match e {
        russh::Error::Disconnect | russh::Error::HUP => "the server closed the connection during the SSH handshake".into(),
        russh::Error::NoCommonAlgo { kind, ours, theirs } => format!(
            "no common {kind:?} algorithm (server offers {theirs:?}); for old servers set legacy_algorithms = true \
             (we offered {ours:?})"
        ),
        other => format!("SSH handshake failed: {other}"),
    }
}

/// Connects, verifies the host key and authenticates, all within `target.connect_timeout`.
/// The error is the host's one-line "unreachable" reason.
pub async fn connect(
    ctx: &SshContext,
    target: &Target,
    limits: HostLimits,
) -> Result<SshTransport, String> {
    let deadline = target.connect_timeout;
    let chain = match &target.jump {
        Some(spec) => Destination::parse_list(spec).map_err(|e| format!("jump host: {e}"))?,
        None => Vec::new(),
    };
    let (sudo, sudo_password) = match (&target.become_root, &target.become_password_env) {
        (false, _) => (Sudo::No, String::new()),
        (true, None) => (Sudo::NonInteractive, String::new()),
        (true, Some(variable)) => match std::env::var(variable) {
            Ok(password) => (Sudo::WithPassword, password),
            Err(_) => {
                return Err(format!(
                    "become_password_env {variable} is not set in the environment"
                ))
            }
        },
    };
    match tokio::time::timeout(deadline, connect_inner(ctx, target, &chain)).await {
        Ok(result) => result.map(|handle| SshTransport {
            handle,
            sudo,
            sudo_password,
            channels: Semaphore::new(CHANNELS_PER_HOST),
            sftp: OnceCell::new(),
            sftp_stuck: AtomicBool::new(false),
            limits,
            successes: AtomicUsize::new(0),
        }),
        Err(_) => Err(format!(
            "connect timeout: no SSH session within {} s",
            deadline.as_secs()
        )),
    }
}

/// Connects to `target`, through the jump hosts of `chain` when there are any, and
/// authenticates. Handshakes the server drops (MaxStartups) are tried again with backoff.
async fn connect_inner(
    ctx: &SshContext,
    target: &Target,
    chain: &[Destination],
) -> Result<Handle<ServerKeyCheck>, String> {
    let kh = ctx.known_hosts(&target.known_hosts)?;
    if target.host_key_check == HostKeyCheck::Off && !ctx.warned_off.swap(true, Ordering::Relaxed) {
        eprintln!(
            "warning: host key checking is off for some hosts: their identity is not verified"
        );
    }
    let config = client_config(&kh, target);
    let bastion = match chain.last() {
        Some(hop) => Some(
            ctx.bastion(chain, target)
                .await
                .map_err(|e| format!("jump host {}: {e}", hop.host))?,
        ),
        None => None,
    };
    let _slot = match &bastion {
        Some(b) => Some(b.handshakes.acquire().await.map_err(|e| e.to_string())?),
        None => None,
    };
    let mut attempt = 0;
    let mut handle = loop {
        attempt += 1;
        let refusal = Arc::new(Mutex::new(None));
        let handler = ServerKeyCheck {
            host: target.address.clone(),
            port: target.port,
            policy: target.host_key_check,
            known_hosts: kh.clone(),
            refusal: refusal.clone(),
        };
        let connected = match &bastion {
            None => {
                let socket = tokio::net::TcpStream::connect((target.address.as_str(), target.port))
                    .await
                    .map_err(|e| describe_connect_error(&e))?;
                let _ = socket.set_nodelay(true);
                // russh reads each packet with two exact reads (its length, then the rest):
                // unbuffered, that is two recvfrom calls per packet.
                let socket = tokio::io::BufReader::with_capacity(READ_BUFFER, socket);
                client::connect_stream(config.clone(), socket, handler).await
            }
            Some(b) => {
                let channel = b
                    .handle
                    .channel_open_direct_tcpip(
                        target.address.as_str(),
                        u32::from(target.port),
                        "127.0.0.1",
                        0,
                    )
                    .await
                    .map_err(|e| {
                        format!(
                            "the jump host could not open a connection to {}:{}: {e}",
                            target.address, target.port
                        )
                    })?;
                client::connect_stream(config.clone(), channel.into_stream(), handler).await
            }
        };
        match connected {
            Ok(handle) => break handle,
            Err(e) => {
                if let Some(reason) = refusal.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    return Err(reason);
                }
                let dropped = matches!(e, russh::Error::Disconnect | russh::Error::HUP);
                if !dropped || attempt >= HANDSHAKE_TRIES {
                    return Err(describe_ssh_error(&e));
                }
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
        }
    };
    authenticate(ctx, target, &mut handle).await?;
    Ok(handle)
}

async fn authenticate(
    ctx: &SshContext,
    target: &Target,
    handle: &mut Handle<ServerKeyCheck>,
) -> Result<(), String> {
    let user = target.user.as_str();
    let mut tried: Vec<String> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let auth_err = |e: russh::Error| format!("authentication aborted: {}", describe_ssh_error(&e));

    for path in &target.identity_files {
        let key = match ctx.key(path) {
            Ok(key) => key,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        tried.push(format!("key {}", path.display()));
        let mut hashes = vec![None];
        if key.algorithm().is_rsa() {
            // Some servers advertise rsa-sha2-512 then reject it: fall back to SHA-1 once.
            let best = handle
                .best_supported_rsa_hash()
                .await
                .map_err(auth_err)?
                .flatten();
            if best.is_some() {
                hashes.insert(0, best);
            }
        }
        for hash in hashes {
            let attempt = PrivateKeyWithHashAlg::new(key.clone(), hash);
            if handle
                .authenticate_publickey(user, attempt)
                .await
                .map_err(auth_err)?
                .success()
            {
                return Ok(());
            }
        }
    }

    if std::env::var_os("SSH_AUTH_SOCK").is_some() {
        match AgentClient::connect_env().await {
            Ok(mut agent) => match agent.request_identities().await {
                Ok(identities) => {
                    tried.push(format!("ssh-agent ({} keys)", identities.len()));
                    for identity in identities {
                        let public = identity.public_key().into_owned();
                        let hash = if public.algorithm().is_rsa() {
                            handle
                                .best_supported_rsa_hash()
                                .await
                                .map_err(auth_err)?
                                .flatten()
                        } else {
                            None
                        };
                        if let Ok(result) = handle
                            .authenticate_publickey_with(user, public, hash, &mut agent)
                            .await
                        {
                            if result.success() {
                                return Ok(());
                            }
                        }
                    }
                }
                Err(e) => problems.push(format!("ssh-agent: {e}")),
            },
            Err(e) => problems.push(format!("ssh-agent: {e}")),
        }
    }

    if let Some(variable) = &target.password_env {
        match std::env::var(variable) {
            Ok(password) => {
                tried.push(format!("password from ${variable}"));
                if password_login(handle, user, &password)
                    .await
                    .map_err(auth_err)?
                {
                    return Ok(());
                }
            }
            Err(_) => problems.push(format!("password_env {variable} is not set")),
        }
    }

    // russh answers a failed attempt on a dead connection with an empty Failure: sshd closed it
    // (it cannot send a Banner over its 256 KiB packet limit, MaxAuthTries, a crash), which is
    // not a refusal of the keys.
    if handle.is_closed() {
        return Err(format!(
            "the server closed the connection during authentication of user {user}, before \
             answering (tried {}): see the server's log; a Banner file over 256 KiB is one cause",
            tried.join(", ")
        ));
    }
    let mut reason = format!("authentication failed for user {user}");
    if tried.is_empty() {
        reason.push_str(": no key to offer (set identity_file, or start ssh-agent)");
    } else {
        reason.push_str(&format!(" (tried {})", tried.join(", ")));
    }
    if !problems.is_empty() {
        reason.push_str(&format!("; {}", problems.join("; ")));
    }
    Err(reason)
}

/// Password, then keyboard-interactive answering every hidden prompt with the password (the
/// form PAM-backed servers ask it in).
async fn password_login(
    handle: &mut Handle<ServerKeyCheck>,
    user: &str,
    password: &str,
) -> Result<bool, russh::Error> {
    if handle
        .authenticate_password(user, password)
        .await?
        .success()
    {
        return Ok(true);
    }
    let mut reply = handle
        .authenticate_keyboard_interactive_start(user, None)
        .await?;
    for _ in 0..5 {
        match reply {
            KeyboardInteractiveAuthResponse::Success => return Ok(true),
            KeyboardInteractiveAuthResponse::Failure { .. } => return Ok(false),
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                let answers = prompts
                    .iter()
                    .map(|p| {
                        if p.echo {
                            String::new()
                        } else {
                            password.to_string()
                        }
                    })
                    .collect();
                reply = handle
                    .authenticate_keyboard_interactive_respond(answers)
                    .await?;
            }
        }
    }
    Ok(false)
}

fn classify_read_failure(path: &str, output: &CommandOutput) -> ReadError {
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No such file") {
        ReadError::NotFound(path.to_string())
    } else if stderr.contains("Permission denied") {
        ReadError::PermissionDenied(path.to_string())
    } else {
        let reason = match excerpt(stderr.lines(), 1) {
            first if first.is_empty() => "cat failed".to_string(),
            first => first,
        };
        ReadError::Other {
            path: path.to_string(),
            reason,
        }
    }
}

fn sftp_error(path: &str, e: russh_sftp::client::error::Error) -> ReadError {
    use russh_sftp::client::error::Error;
    use russh_sftp::protocol::StatusCode;
    match e {
        Error::Status(status) if status.status_code == StatusCode::NoSuchFile => {
            ReadError::NotFound(path.to_string())
        }
        Error::Status(status) if status.status_code == StatusCode::PermissionDenied => {
            ReadError::PermissionDenied(path.to_string())
        }
        other => ReadError::Other {
            path: path.to_string(),
            reason: other.to_string(),
        },
    }
}

impl SshTransport {
    /// The host's SFTP session, opened on first use; None where the server has none or it
    /// got stuck.
    async fn sftp(&self) -> Option<&super::sftp::Session> {
        if self.sftp_stuck.load(Ordering::Relaxed) {
            return None;
        }
        // Boxed, and made only when the session is not open yet: every read, stat and
        // listing awaits this, and a future holds what it awaits, so the opening (KiBs of
        // russh and SFTP state) would otherwise sit in each of the dozens of requests a host
        // has in flight, though it runs once.
        self.sftp
            .get_or_init(|| {
                Box::pin(async {
                    let open = async {
                        let _slot = self.channels.acquire().await.ok()?;
                        let channel = self.handle.channel_open_session().await.ok()?;
                        channel.request_subsystem(true, "sftp").await.ok()?;
                        let timeout = self.limits.per_operation().as_secs().max(1);
                        super::sftp::Session::start(channel.into_stream(), timeout)
                            .await
                            .ok()
                    };
                    tokio::time::timeout_at(self.limits.operation_deadline(), open)
                        .await
                        .ok()
                        .flatten()
                })
            })
            .await
            .as_ref()
    }

    /// Runs one SFTP request within the operation's deadline; None when it ran out, which
    /// marks the session stuck: the caller asks over exec instead.
    async fn over_sftp<T>(
        &self,
        request: impl std::future::Future<Output = Result<T, ReadError>>,
    ) -> Option<Result<T, ReadError>> {
        match tokio::time::timeout_at(self.limits.operation_deadline(), request).await {
            Ok(Err(ReadError::Other { reason, .. })) if reason.contains("Timeout") => {
                self.sftp_stuck.store(true, Ordering::Relaxed);
                None
            }
            Ok(result) => Some(result),
            Err(_) => {
                self.sftp_stuck.store(true, Ordering::Relaxed);
                None
            }
        }
    }

    async fn run(
        &self,
        command: String,
        stdin: Option<&str>,
    ) -> Result<CommandOutput, TransportError> {
        self.limits.admit().map_err(TransportError::Other)?;
        let _slot = self
            .channels
            .acquire()
            .await
            .map_err(|e| TransportError::Other(e.to_string()))?;
        // A command that hangs (or a server that never opens the channel, never takes our
        // input, never sends exit-status) must not take the whole host down with it.
        let deadline = self.limits.operation_deadline();
        match tokio::time::timeout_at(deadline, self.run_channel(command, stdin)).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::Other(self.limits.timeout_reason())),
        }
    }

    async fn run_channel(
        &self,
        command: String,
        stdin: Option<&str>,
    ) -> Result<CommandOutput, TransportError> {
        let lost = |e: russh::Error| TransportError::Disconnected(e.to_string());
        let mut channel = self.handle.channel_open_session().await.map_err(lost)?;
        channel.exec(true, command).await.map_err(lost)?;
        if let Some(input) = stdin {
            // One line for sudo -S, then EOF: a wrong password fails instead of waiting.
            channel
                .data(format!("{input}\n").as_bytes())
                .await
                .map_err(lost)?;
            channel.eof().await.map_err(lost)?;
        }
        let mut output = CommandOutput::default();
        // Read until the channel is gone, not until EOF: OpenSSH sends exit-status after EOF.
        while let Some(msg) = channel.wait().await {
            let cut = match msg {
                ChannelMsg::Data { data } => {
                    append_capped(&mut output.stdout, &data, OUTPUT_CAP, &self.limits)
                }
                ChannelMsg::ExtendedData { data, ext: 1 } => {
                    append_stderr(&mut output.stderr, &data, &self.limits)
                }
                ChannelMsg::ExitStatus { exit_status } => {
                    output.exit_status = Some(exit_status);
                    None
                }
                _ => None,
            };
            if cut.is_some() {
                // Stop the flood and do not wait for the rest: the server may hold the channel
                // open until the writer ends, which it never does while its pipe is full.
                output.cut = cut;
                let _ = channel.close().await;
                break;
            }
        }
        if output.exit_status == Some(0) {
            self.successes.fetch_add(1, Ordering::Relaxed);
        }
        Ok(output)
    }

    /// How many commands succeeded and files were read so far: zero after collection means the
    /// server let us log in but gave us nothing.
    pub fn successes(&self) -> usize {
        self.successes.load(Ordering::Relaxed)
    }
}

impl SshTransport {
    /// Runs `argv` when the server has no SFTP; a failure becomes the [`ReadError`] it describes.
    async fn fallback(&self, path: &str, argv: &[&str]) -> Result<CommandOutput, ReadError> {
        let command = Command::new(argv);
        // Boxed, so that only a fallback that runs holds a command's state (2 KiB), not every
        // SFTP request in flight.
        let output = Box::pin(self.exec(&command))
            .await
            .map_err(|e| ReadError::Other {
                path: path.to_string(),
                reason: e.to_string(),
            })?;
        if output.success() {
            Ok(output)
        } else {
            Err(classify_read_failure(path, &output))
        }
    }
}

impl Transport for SshTransport {
    async fn exec(&self, cmd: &Command) -> Result<CommandOutput, TransportError> {
        let command = cmd.to_shell_string(self.sudo)?;
        let stdin = (cmd.privileged && self.sudo == Sudo::WithPassword)
            .then_some(self.sudo_password.as_str());
        self.run(command, stdin).await
    }

    async fn read_file(&self, path: &str) -> Result<FileContents, ReadError> {
        // Opening a FIFO blocks (over SFTP, the whole session); a device may never end.
        let stat = self.stat(path).await?;
        if stat.kind != FileKind::File {
            return Err(not_regular(path));
        }
        if let Some(sftp) = self.sftp().await {
            let read = async {
                sftp.read(path, stat.size, OUTPUT_CAP, &self.limits)
                    .await
                    .map_err(|e| sftp_error(path, e))
            };
            if let Some(result) = self.over_sftp(read).await {
                return result.map(|(bytes, cut)| {
                    self.successes.fetch_add(1, Ordering::Relaxed);
                    FileContents { bytes, cut }
                });
            }
        }
        let output = self.fallback(path, &["cat", "--", path]).await?;
        Ok(FileContents {
            bytes: output.stdout,
            cut: output.cut,
        })
    }

    async fn read_head(&self, path: &str, len: usize) -> Result<FileContents, ReadError> {
        if let Some(sftp) = self.sftp().await {
            let read = async {
                let meta = sftp.stat(path).await.map_err(|e| sftp_error(path, e))?;
                if !super::is_file_or_block_device(meta.permissions.unwrap_or(0)) {
                    return Err(not_regular(path));
                }
                let bytes = sftp
                    .read_head(path, len)
                    .await
                    .map_err(|e| sftp_error(path, e))?;
                let mut kept = Vec::new();
                let cut = append_capped(&mut kept, &bytes, len, &self.limits);
                Ok(FileContents { bytes: kept, cut })
            };
            if let Some(result) = self.over_sftp(read).await {
                return result;
            }
        }
        let count = len.to_string();
        let output = self
            .fallback(path, &["head", "-c", &count, "--", path])
            .await?;
        Ok(FileContents {
            bytes: output.stdout,
            cut: output.cut,
        })
    }

    async fn stat(&self, path: &str) -> Result<FileStat, ReadError> {
        if let Some(sftp) = self.sftp().await {
            let request = async { sftp.stat(path).await.map_err(|e| sftp_error(path, e)) };
            if let Some(result) = self.over_sftp(request).await {
                return result.map(|meta| {
                    let mode = meta.permissions.unwrap_or(0);
                    FileStat {
                        kind: FileKind::from_mode(mode),
                        mode: mode & 0o7777,
                        size: meta.size.unwrap_or(0),
                    }
                });
            }
        }
        // `%f` is the raw mode in hex, `%s` the size, in GNU and busybox stat alike.
        let output = self
            .fallback(path, &["stat", "-L", "-c", "%f %s", "--", path])
            .await?;
        let text = output.stdout_text();
        let mut fields = text.split_whitespace();
        let (Some(Ok(mode)), Some(Ok(size))) = (
            fields.next().map(|f| u32::from_str_radix(f, 16)),
            fields.next().map(str::parse::<u64>),
        ) else {
            return Err(ReadError::Other {
                path: path.to_string(),
                reason: "unreadable stat output".into(),
            });
        };
        Ok(FileStat {
            kind: FileKind::from_mode(mode),
            mode: mode & 0o7777,
            size,
        })
    }

    async fn read_link(&self, path: &str) -> Result<Option<String>, ReadError> {
        if let Some(sftp) = self.sftp().await {
            let request = async {
                let meta = sftp.lstat(path).await.map_err(|e| sftp_error(path, e))?;
                if !meta.is_symlink() {
                    return Ok(None);
                }
                sftp.read_link(path)
                    .await
                    .map(Some)
                    .map_err(|e| sftp_error(path, e))
            };
            if let Some(result) = self.over_sftp(request).await {
                return result;
            }
        }
        let listing = self
            .fallback(path, &["ls", "-ld", "--", path])
            .await?
            .stdout_text();
        if !listing.starts_with('l') {
            return Ok(None);
        }
        let target = self.fallback(path, &["readlink", "--", path]).await?;
        Ok(Some(
            target.stdout_text().trim_end_matches('\n').to_string(),
        ))
    }

    async fn list_dir(&self, path: &str) -> Result<Vec<String>, ReadError> {
        if let Some(sftp) = self.sftp().await {
            let request = async { sftp.list_dir(path).await.map_err(|e| sftp_error(path, e)) };
            if let Some(result) = self.over_sftp(request).await {
                return result;
            }
        }
        let listing = self
            .fallback(path, &["ls", "-1A", "--", path])
            .await?
            .stdout_text();
        let mut names: Vec<String> = listing.lines().map(str::to_string).collect();
        names.sort();
        Ok(names)
    }
}

impl SshTransport {
    /// True once the server has dropped the connection.
    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    /// Closes the connection politely; errors do not matter at this point.
    pub async fn close(self) {
        if let Some(Some(sftp)) = self.sftp.get() {
            sftp.close();
        }
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
    }
}
