//! OpenSSH's client configuration (`~/.ssh/config`, or a file named with `--ssh-config`) for
//! every target: what `ssh NAME` would take from it, applied only to the connection settings the
//! inventory left unset ([`Target::explicit`]). The caller applies the command line afterwards,
//! so the order is command line > inventory host > group > defaults > ssh_config > built-in
//! defaults. Not the system-wide /etc/ssh/ssh_config.
//!
//! # Read as OpenSSH reads it
//!
//! - `Host` patterns (`*`, `?`, `!negation`) are matched, case-sensitively, against the inventory
//!   name, as `ssh NAME` matches them; lines before the first `Host` apply to every host.
//! - For each keyword the first value obtained wins, across blocks and inside one block;
//!   `IdentityFile` lines add up, in order, a repeated file once.
//! - `Include` takes several arguments and globs, relative to ~/.ssh; an included file counts only
//!   where the `Host` around the `Include` matches; at most 16 levels deep.
//! - `Match` is not supported: its block (up to the next `Host` or `Match`) is skipped, with a
//!   warning naming file:line, and applies to no host.
//!
//! # Honoured
//!
//! `HostName` (`%h`, `%%`; lowercased like ssh's) → `address`; `User`; `Port`; `IdentityFile` →
//! `identity_files`; `ProxyJump` → `jump`, each hop itself looked up (HostName, User, Port, the
//! first hop's own ProxyJump), as `ssh -J` does; `UserKnownHostsFile` → `known_hosts` (the first
//! file; `none` is /dev/null); `StrictHostKeyChecking` → `host_key_check` (`yes` and `ask` strict,
//! since nothing ever prompts; `accept-new`; `no` and `off` off). Paths take `~`, `${VAR}` and the
//! tokens `%%` `%d` `%h` `%i` `%L` `%l` `%n` `%p` `%r` `%u`.
//!
//! ProxyCommand, HostKeyAlias, CanonicalizeHostname, KnownHostsCommand and CertificateFile are not
//! followed: a warning names each one that applies to a host. Every other keyword is checked
//! where ssh2-config knows it and otherwise ignored.
//!
//! ssh2-config parses each directive's value. The structure around the values is this module's,
//! because the crate reads a `Match` block's lines into the block above it, keeps the last value
//! of a keyword inside one block, gives no line numbers and expands no tokens.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ssh2_config::{DefaultAlgorithms, Host, HostClause, HostParams, ParseRule, SshConfig};

use super::{Destination, HostKeyCheck, InventoryError, Target, UserPaths};

/// Where ssh_config comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshConfigSource {
    /// `~/.ssh/config`, when it exists, for the hosts whose inventory does not say
    /// `ssh_config = false`.
    User,
    /// A file named on the command line (`--ssh-config FILE`): it must exist, and it applies to
    /// every host, since the command line beats the inventory.
    File(PathBuf),
    /// No ssh_config (`--no-ssh-config`).
    Disabled,
}

/// OpenSSH's limit on nested `Include`s (READCONF_MAX_DEPTH).
const MAX_INCLUDE_DEPTH: usize = 16;
/// Jump hosts reached through jump hosts of their own, before it must be a loop.
const MAX_JUMP_DEPTH: usize = 8;

/// Applies ssh_config to every target that takes it (see [`SshConfigSource`]) and returns the
/// warnings to show, one line each: skipped `Match` blocks and settings that apply to some hosts
/// but are not followed. A missing ~/.ssh/config is no error; a broken one is, naming file:line.
pub fn apply(
    targets: &mut [Target],
    source: &SshConfigSource,
    paths: &UserPaths,
) -> Result<Vec<String>, InventoryError> {
    apply_with(targets, source, &Local::from_env(&paths.home))
}

fn apply_with(
    targets: &mut [Target],
    source: &SshConfigSource,
    local: &Local,
) -> Result<Vec<String>, InventoryError> {
    let (file, every_target) = match source {
        SshConfigSource::Disabled => return Ok(Vec::new()),
        SshConfigSource::User => {
            let file = local.home.join(".ssh").join("config");
            if !file.exists() {
                return Ok(Vec::new());
            }
            (file, false)
        }
        SshConfigSource::File(file) => (file.clone(), true),
    };
    let takes = |t: &Target| every_target || t.ssh_config;
    if !targets.iter().any(takes) {
        return Ok(Vec::new());
    }
    let (config, mut warnings) = Config::load(&file, &local.home)?;
    let inventory: HashSet<String> = targets.iter().map(|t| t.name.clone()).collect();
    let mut not_followed = NotFollowed::default();
    for target in targets.iter_mut().filter(|t| takes(t)) {
        let values = config.query(&target.name);
        resolve(target, &values, &config, local, &inventory)?;
        for (keyword, in_effect, at) in &values.unsupported {
            let overridden = *keyword == "proxycommand" && target.explicit.jump;
            if *in_effect && !overridden {
                not_followed.note(keyword, at, &target.name);
            }
        }
    }
    warnings.extend(not_followed.warnings());
    Ok(warnings)
}

/// Sets the fields of `target` that its inventory left unset from `values`, and looks up its
/// jump hosts that are not `inventory` hosts.
fn resolve(
    target: &mut Target,
    values: &Values,
    config: &Config,
    local: &Local,
    inventory: &HashSet<String>,
) -> Result<(), InventoryError> {
    let explicit = target.explicit;
    if !explicit.address {
        if let Some(host_name) = &values.host_name {
            target.address = expand_host_name(host_name, &target.name)?;
        }
    }
    if !explicit.user {
        if let Some(user) = &values.user {
            target.user = user.clone();
        }
    }
    if !explicit.port {
        if let Some(port) = values.port {
            target.port = port;
        }
    }
    if !explicit.host_key_check {
        if let Some(check) = values.host_key_check {
            target.host_key_check = check;
        }
    }
    if !explicit.jump {
        if let Some(jump) = &values.proxy_jump {
            target.jump = jump.value.clone();
        }
    }
    // Tokens stand for the final values, as ssh expands them after reading its configuration.
    let tokens = Tokens {
        local,
        name: &target.name,
        host: target.address.to_ascii_lowercase(),
        user: &target.user,
        port: target.port,
    };
    if !explicit.identity_files && !values.identity_files.is_empty() {
        let mut files: Vec<PathBuf> = Vec::new();
        for file in &values.identity_files {
            let file = tokens.path(file, "IdentityFile")?;
            if !files.contains(&file) {
                files.push(file);
            }
        }
        target.identity_files = files;
    }
    if !explicit.known_hosts {
        if let Some(file) = &values.known_hosts {
            target.known_hosts = if file.value.eq_ignore_ascii_case("none") {
                PathBuf::from("/dev/null")
            } else {
                tokens.path(file, "UserKnownHostsFile")?
            };
        }
    }
    if let Some(jump) = &target.jump {
        target.jump = Some(config.resolve_jump(jump, inventory, 0)?);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Values

/// Where a line is: file, line and column, 1-based.
#[derive(Debug, Clone)]
struct Origin {
    file: Arc<Path>,
    line: usize,
    column: usize,
}

impl Origin {
    fn error(&self, message: impl Into<String>) -> InventoryError {
        InventoryError {
            file: self.file.to_path_buf(),
            position: Some((self.line, self.column)),
            message: message.into(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A value as written, with the line it came from (for errors found when it is expanded).
#[derive(Debug, Clone)]
struct At<T> {
    value: T,
    at: Origin,
}

/// The settings of one block, or of every block that applies to a name.
#[derive(Debug, Clone, Default)]
struct Values {
    host_name: Option<At<String>>,
    user: Option<String>,
    port: Option<u16>,
    identity_files: Vec<At<String>>,
    /// `Some(None)` is `ProxyJump none`, which also keeps later ProxyJump lines out.
    proxy_jump: Option<At<Option<String>>>,
    known_hosts: Option<At<String>>,
    host_key_check: Option<HostKeyCheck>,
    /// Keywords that change how a host is reached and that are not followed, the first of each:
    /// whether it is in effect (`ProxyCommand none` is not), and where.
    unsupported: Vec<(&'static str, bool, Origin)>,
}

impl Values {
    /// Takes what `later` sets and `self` does not: the first value obtained wins, as in
    /// OpenSSH, except IdentityFile, whose lines add up.
    fn fill_from(&mut self, later: &Values) {
        fn first<T: Clone>(slot: &mut Option<T>, later: &Option<T>) {
            if slot.is_none() {
                slot.clone_from(later);
            }
        }
        first(&mut self.host_name, &later.host_name);
        first(&mut self.user, &later.user);
        first(&mut self.port, &later.port);
        first(&mut self.proxy_jump, &later.proxy_jump);
        first(&mut self.known_hosts, &later.known_hosts);
        first(&mut self.host_key_check, &later.host_key_check);
        self.identity_files
            .extend(later.identity_files.iter().cloned());
        for entry in &later.unsupported {
            if !self.unsupported.iter().any(|(k, ..)| *k == entry.0) {
                self.unsupported.push(entry.clone());
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.host_name.is_none()
            && self.user.is_none()
            && self.port.is_none()
            && self.identity_files.is_empty()
            && self.proxy_jump.is_none()
            && self.known_hosts.is_none()
            && self.host_key_check.is_none()
            && self.unsupported.is_empty()
    }
}

/// The keywords that are warned about, as OpenSSH spells them, with what happens instead.
const UNSUPPORTED: &[(&str, &str, &str)] = &[
    (
        "proxycommand",
        "ProxyCommand",
        "they are connected to directly (ProxyJump is followed)",
    ),
    (
        "hostkeyalias",
        "HostKeyAlias",
        "their host keys are looked up under their address",
    ),
    (
        "canonicalizehostname",
        "CanonicalizeHostname",
        "their names are not canonicalized",
    ),
    (
        "knownhostscommand",
        "KnownHostsCommand",
        "only the known_hosts file is consulted",
    ),
    (
        "certificatefile",
        "CertificateFile",
        "no certificate is offered, only keys",
    ),
];

/// Parses one directive line (not Host, Match or Include) with ssh2-config.
fn parse_directive(
    line: &str,
    keyword: &str,
    at: &Origin,
    home: &Path,
) -> Result<Values, InventoryError> {
    let params = parse_with_crate(line, at, home)?
        .get_hosts()
        .first()
        .map(|host| host.params.clone())
        .unwrap_or_else(|| HostParams::new(&DefaultAlgorithms::empty()));
    // ssh2-config keeps the quotes of an argument when there are several.
    let first_arg = || arguments_of(line, at).map(|args| args[0].clone());
    let mut values = Values::default();
    match keyword {
        "hostname" => {
            values.host_name = params.host_name.map(|value| At {
                value,
                at: at.clone(),
            })
        }
        "user" => values.user = params.user,
        "port" => {
            // ssh2-config takes 0; OpenSSH refuses it.
            if params.port == Some(0) {
                return Err(at.error("Port: 0 is not a port: give 1 to 65535"));
            }
            values.port = params.port;
        }
        "identityfile" => {
            values.identity_files = params
                .identity_file
                .unwrap_or_default()
                .into_iter()
                .map(|path| At {
                    value: path.to_string_lossy().into_owned(),
                    at: at.clone(),
                })
                .collect()
        }
        "proxyjump" => {
            let hops = params.proxy_jump.unwrap_or_default();
            let value = match hops.as_slice() {
                [none] if none.eq_ignore_ascii_case("none") => None,
                _ => Some(hops.join(",")),
            };
            values.proxy_jump = Some(At {
                value,
                at: at.clone(),
            });
        }
        "userknownhostsfile" => {
            values.known_hosts = Some(At {
                value: first_arg()?,
                at: at.clone(),
            })
        }
        "stricthostkeychecking" => {
            let value = first_arg()?;
            values.host_key_check = Some(match value.to_ascii_lowercase().as_str() {
                "yes" | "true" | "ask" => HostKeyCheck::Strict,
                "accept-new" => HostKeyCheck::AcceptNew,
                "no" | "false" | "off" => HostKeyCheck::Off,
                _ => {
                    return Err(at.error(format!(
                    "StrictHostKeyChecking: {value:?} is none of yes, accept-new, no, off or ask"
                )))
                }
            });
        }
        _ => {
            if let Some((key, ..)) = UNSUPPORTED.iter().find(|(k, ..)| *k == keyword) {
                let value = first_arg()?;
                let in_effect =
                    !matches!(value.to_ascii_lowercase().as_str(), "none" | "no" | "false");
                values.unsupported.push((key, in_effect, at.clone()));
            }
        }
    }
    Ok(values)
}

/// Parses `line` alone with ssh2-config: its first host holds a directive's value, its second
/// the patterns of a Host line.
fn parse_with_crate(line: &str, at: &Origin, home: &Path) -> Result<SshConfig, InventoryError> {
    SshConfig::default()
        .default_algorithms(DefaultAlgorithms::empty())
        .home_dir(home)
        .parse(
            &mut line.as_bytes(),
            ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS,
        )
        .map_err(|e| at.error(format!("{}: {e}", written_keyword(line))))
}

/// The keyword of a line: up to the first blank or `=`.
fn written_keyword(line: &str) -> &str {
    let line = line.trim_start();
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    &line[..end]
}

/// The arguments of a line, at least one.
fn arguments_of(line: &str, at: &Origin) -> Result<Vec<String>, InventoryError> {
    let keyword = written_keyword(line);
    let args = split_arguments(arguments(line))
        .ok_or_else(|| at.error(format!("{keyword}: a quote is not closed")))?;
    if args.is_empty() {
        return Err(at.error(format!("{keyword}: missing argument")));
    }
    Ok(args)
}

/// What follows the keyword (and its `=`, if any).
fn arguments(line: &str) -> &str {
    let line = line.trim_start();
    let rest = line[written_keyword(line).len()..].trim_start();
    rest.strip_prefix('=').unwrap_or(rest).trim()
}

/// Splits arguments at blanks, as OpenSSH's argv_split: double or single quotes keep blanks in
/// one argument, and a word that starts with `#` begins a comment. `None` when a quote is not
/// closed.
fn split_arguments(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None if c == '#' && !in_word => break,
            None => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

// ---------------------------------------------------------------------------------------------
// Files

/// A whole configuration, Includes resolved: blocks in file order, each with the Host patterns
/// that must all match for it to apply.
struct Config {
    /// The patterns of every Host line; blocks refer to them by index.
    patterns: Vec<Host>,
    blocks: Vec<Block>,
}

struct Block {
    scope: Vec<usize>,
    values: Values,
}

impl Config {
    fn load(file: &Path, home: &Path) -> Result<(Config, Vec<String>), InventoryError> {
        let mut loader = Loader {
            home,
            config: Config {
                patterns: Vec::new(),
                blocks: Vec::new(),
            },
            warnings: Vec::new(),
        };
        loader.read(file, &[], true, 0, None)?;
        Ok((loader.config, loader.warnings))
    }

    /// What ssh_config sets for `ssh NAME`.
    fn query(&self, name: &str) -> Values {
        let mut matched: Vec<Option<bool>> = vec![None; self.patterns.len()];
        let mut values = Values::default();
        for block in &self.blocks {
            let applies = block.scope.iter().all(|&pattern| {
                *matched[pattern].get_or_insert_with(|| self.patterns[pattern].intersects(name))
            });
            if applies {
                values.fill_from(&block.values);
            }
        }
        values
    }

    /// Looks up each hop of a ProxyJump chain as `ssh -J` does: its HostName, its User and Port
    /// where the hop does not give them, and the first hop's own ProxyJump before it. A hop named
    /// like an `inventory` host stays as written: the transport reaches it with that host's
    /// settings, ssh_config already applied to them.
    fn resolve_jump(
        &self,
        chain: &str,
        inventory: &HashSet<String>,
        depth: usize,
    ) -> Result<String, InventoryError> {
        let mut hops = Vec::new();
        for (index, text) in chain.split(',').enumerate() {
            let hop = match Destination::parse(text).ok() {
                Some(hop) if !inventory.contains(&hop.host) => hop,
                _ => {
                    hops.push(text.trim().to_string());
                    continue;
                }
            };
            let values = self.query(&hop.host);
            if index == 0 {
                if let Some(At {
                    value: Some(before),
                    at,
                }) = &values.proxy_jump
                {
                    if depth >= MAX_JUMP_DEPTH {
                        return Err(at.error(format!(
                            "ProxyJump: jump hosts through jump hosts more than {MAX_JUMP_DEPTH} deep, from {:?}: do hosts jump through each other?",
                            hop.host
                        )));
                    }
                    hops.push(self.resolve_jump(before, inventory, depth + 1)?);
                }
            }
            let host = match &values.host_name {
                Some(host_name) => expand_host_name(host_name, &hop.host)?,
                None => hop.host,
            };
            hops.push(
                Destination {
                    user: hop.user.or(values.user),
                    host,
                    port: hop.port.or(values.port),
                }
                .to_string(),
            );
        }
        Ok(hops.join(","))
    }
}

struct Loader<'a> {
    home: &'a Path,
    config: Config,
    warnings: Vec<String>,
}

impl Loader<'_> {
    /// Reads one file into blocks. `scope` is the patterns of the Host lines around the
    /// `Include` that names it; `active` is false inside a skipped Match block, where lines are
    /// still checked but apply to no host.
    fn read(
        &mut self,
        file: &Path,
        scope: &[usize],
        active: bool,
        depth: usize,
        included_at: Option<&Origin>,
    ) -> Result<(), InventoryError> {
        let text = read_text(file, included_at)?;
        let file: Arc<Path> = Arc::from(file);
        let mut block = Block {
            scope: scope.to_vec(),
            values: Values::default(),
        };
        let mut block_active = active;
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = Origin {
                file: file.clone(),
                line: index + 1,
                column: raw.chars().take_while(|c| c.is_whitespace()).count() + 1,
            };
            let keyword = written_keyword(line).to_ascii_lowercase();
            match keyword.as_str() {
                "host" => {
                    // Split here, not by ssh2-config, which keeps the quotes of `"name"` when a
                    // Host line has several patterns.
                    let clauses: Vec<HostClause> = arguments_of(line, &at)?
                        .into_iter()
                        .map(|p| match p.strip_prefix('!') {
                            Some(negated) => HostClause::new(negated.to_string(), true),
                            None => HostClause::new(p, false),
                        })
                        .collect();
                    let patterns = Host::new(clauses, HostParams::new(&DefaultAlgorithms::empty()));
                    self.close(block, block_active);
                    self.config.patterns.push(patterns);
                    let mut host_scope = scope.to_vec();
                    host_scope.push(self.config.patterns.len() - 1);
                    block = Block {
                        scope: host_scope,
                        values: Values::default(),
                    };
                    block_active = active;
                }
                "match" => {
                    self.close(block, block_active);
                    self.warnings.push(format!(
                        "{at}: Match is not supported: the lines after it, up to the next Host or Match, apply to no host"
                    ));
                    block = Block {
                        scope: scope.to_vec(),
                        values: Values::default(),
                    };
                    block_active = false;
                }
                "include" => {
                    let around = block.scope.clone();
                    self.close(block, block_active);
                    for path in include_paths(line, &at, self.home)? {
                        if depth >= MAX_INCLUDE_DEPTH {
                            return Err(at.error(format!(
                                "Include: more than {MAX_INCLUDE_DEPTH} files deep (does a file include itself?)"
                            )));
                        }
                        self.read(&path, &around, block_active, depth + 1, Some(&at))?;
                    }
                    // After an Include, the lines go on in the same block, as in OpenSSH.
                    block = Block {
                        scope: around,
                        values: Values::default(),
                    };
                }
                _ => {
                    let values = parse_directive(line, &keyword, &at, self.home)?;
                    block.values.fill_from(&values);
                }
            }
        }
        self.close(block, block_active);
        Ok(())
    }

    fn close(&mut self, block: Block, active: bool) {
        if active && !block.values.is_empty() {
            self.config.blocks.push(block);
        }
    }
}

fn read_text(file: &Path, included_at: Option<&Origin>) -> Result<String, InventoryError> {
    let error = |message: String| InventoryError {
        file: file.to_path_buf(),
        position: None,
        message: match included_at {
            Some(at) => format!("{message} (included from {at})"),
            None => message,
        },
    };
    let bytes = crate::local_file::read(file)
        .map_err(|e| error(format!("cannot read the ssh_config file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        error(format!(
            "ssh_config is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The files an `Include` line names, in order: each argument a glob, `~` the home folder, a
/// relative path relative to ~/.ssh (as for a user's configuration). An argument that matches
/// nothing is skipped, as OpenSSH does.
fn include_paths(line: &str, at: &Origin, home: &Path) -> Result<Vec<PathBuf>, InventoryError> {
    let args = arguments_of(line, at)?;
    let home_pattern = glob::Pattern::escape(&home.to_string_lossy());
    let mut files = Vec::new();
    for arg in args {
        let pattern = if arg == "~" || arg.starts_with("~/") {
            format!("{home_pattern}{}", &arg[1..])
        } else if arg.starts_with('~') {
            return Err(at.error(format!(
                "Include {arg}: ~user paths are not supported: write the full path"
            )));
        } else if Path::new(&arg).is_absolute() {
            arg.clone()
        } else {
            format!("{home_pattern}/.ssh/{arg}")
        };
        // As glob(3): `*` does not match a leading dot.
        let options = glob::MatchOptions {
            require_literal_leading_dot: true,
            ..glob::MatchOptions::new()
        };
        let entries = glob::glob_with(&pattern, options)
            .map_err(|e| at.error(format!("Include {arg}: {e}")))?;
        for entry in entries {
            files.push(entry.map_err(|e| at.error(format!("Include {arg}: {e}")))?);
        }
    }
    Ok(files)
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// This machine and user, for `~` and the tokens of paths.
struct Local {
    home: PathBuf,
    user: Option<String>,
    host_name: Option<String>,
    uid: Option<u32>,
}

impl Local {
    fn from_env(home: &Path) -> Local {
        use std::os::unix::fs::MetadataExt;
        // /proc/self belongs to this process's user: its uid without unsafe code.
        let uid = std::fs::metadata("/proc/self").ok().map(|m| m.uid());
        // OpenSSH takes the name from the password database; the environment is the fallback.
        let user = uid
            .and_then(passwd_name)
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .filter(|u| !u.is_empty());
        let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty());
        Local {
            home: home.to_path_buf(),
            user,
            host_name,
            uid,
        }
    }
}

fn passwd_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid.to_string()).then(|| name.to_string())
    })
}

/// The values of a target's path tokens.
struct Tokens<'a> {
    local: &'a Local,
    /// `%n`: the name as given, the inventory name.
    name: &'a str,
    /// `%h`: the host name after HostName, lowercased as ssh does.
    host: String,
    user: &'a str,
    port: u16,
}

impl Tokens<'_> {
    /// Expands `~`, then `${VAR}` and `%x` tokens, as OpenSSH does for IdentityFile and
    /// UserKnownHostsFile.
    fn path(&self, raw: &At<String>, keyword: &str) -> Result<PathBuf, InventoryError> {
        let value = &raw.value;
        let value = if value == "~" || value.starts_with("~/") {
            format!("{}{}", self.local.home.display(), &value[1..])
        } else if value.starts_with('~') {
            return Err(raw.at.error(format!(
                "{keyword} {value}: ~user paths are not supported: write the full path"
            )));
        } else {
            value.clone()
        };
        let local = |what: &Option<String>, token: char, meaning: &str| {
            what.clone().ok_or_else(|| {
                format!("%{token} stands for the local {meaning}, which cannot be found")
            })
        };
        let expanded =
            expand(&value, true, |token| match token {
                'd' => Some(Ok(self.local.home.display().to_string())),
                'u' => Some(local(&self.local.user, 'u', "user name")),
                'h' => Some(Ok(self.host.clone())),
                'r' => Some(Ok(self.user.to_string())),
                'p' => Some(Ok(self.port.to_string())),
                'n' => Some(Ok(self.name.to_string())),
                'l' => Some(local(&self.local.host_name, 'l', "host name")),
                'L' => Some(
                    local(&self.local.host_name, 'L', "host name")
                        .map(|h| h.split('.').next().unwrap_or_default().to_string()),
                ),
                'i' => Some(self.local.uid.map(|uid| uid.to_string()).ok_or_else(|| {
                    "%i stands for the local user id, which cannot be found".into()
                })),
                _ => None,
            })
            .map_err(|e| raw.at.error(format!("{keyword}: {e}")))?;
        Ok(PathBuf::from(expanded))
    }
}

/// HostName with `%h` (the name as given) and `%%`, lowercased as ssh does.
fn expand_host_name(raw: &At<String>, name: &str) -> Result<String, InventoryError> {
    expand(&raw.value, false, |token| {
        (token == 'h').then(|| Ok(name.to_string()))
    })
    .map(|host| host.to_ascii_lowercase())
    .map_err(|e| raw.at.error(format!("HostName: {e}")))
}

/// Replaces `%%` and the `%x` tokens that `token` knows, and with `environment` also `${VAR}`.
fn expand(
    text: &str,
    environment: bool,
    token: impl Fn(char) -> Option<Result<String, String>>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '%' => match chars.next() {
                Some('%') => out.push('%'),
                Some(t) => match token(t) {
                    Some(value) => out.push_str(&value?),
                    None => {
                        return Err(format!(
                            "%{t} is not a token image_check knows here (it knows %% %d %h %i %L %l %n %p %r %u in paths, %h and %% in HostName)"
                        ))
                    }
                },
                None => return Err("a % at the end: write %% for a percent sign".into()),
            },
            '$' if environment && chars.peek() == Some(&'{') => {
                chars.next();
                let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let value = std::env::var(&name)
                    .map_err(|_| format!("${{{name}}}: the environment variable is not set"))?;
                out.push_str(&value);
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Jump hosts and warnings

/// Unsupported settings that apply to some hosts, one warning per line of ssh_config.
#[derive(Default)]
struct NotFollowed {
    order: Vec<(String, &'static str, String, usize)>,
    index: HashMap<String, usize>,
}

impl NotFollowed {
    fn note(&mut self, keyword: &'static str, at: &Origin, host: &str) {
        let key = format!("{at}\0{keyword}");
        match self.index.get(&key) {
            Some(&i) => self.order[i].3 += 1,
            None => {
                self.index.insert(key, self.order.len());
                self.order
                    .push((at.to_string(), keyword, host.to_string(), 1));
            }
        }
    }

    fn warnings(self) -> impl Iterator<Item = String> {
        self.order.into_iter().map(|(at, keyword, first, count)| {
            let (_, name, instead) = UNSUPPORTED
                .iter()
                .find(|(k, ..)| *k == keyword)
                .copied()
                .unwrap_or((keyword, keyword, "it is ignored"));
            let hosts = match count {
                1 => format!("host {first}"),
                n => format!("{n} hosts ({first}, ...)"),
            };
            format!("{at}: {name} is not supported and applies to {hosts}: {instead}")
        })
    }
}

#[cfg(test)]
mod tests {

    use super::super::{parse_ansible_ini, parse_hosts_toml};
    use super::*;

    fn data() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ssh_config")
    }

    /// A home folder whose ~/.ssh/config is the fixture fleet config.
    fn home() -> PathBuf {
        data().join("home")
    }

    fn local() -> Local {
        Local {
            home: home(),
            user: Some("ops".into()),
            host_name: Some("ctl.example.com".into()),
            uid: Some(1000),
        }
    }

    /// A target as the inventory parsers leave it when the inventory sets nothing.
    fn target(name: &str) -> Target {
        Target {
            user: "root".into(),
            identity_files: vec![PathBuf::from("/inv/id_default")],
            known_hosts: PathBuf::from("/inv/known_hosts"),
            ..Target::new(name, name)
        }
    }

    fn fleet(names: &[&str]) -> (Vec<Target>, Vec<String>) {
        let mut targets: Vec<Target> = names.iter().map(|n| target(n)).collect();
        let warnings = apply_with(&mut targets, &SshConfigSource::User, &local()).unwrap();
        (targets, warnings)
    }

    fn one(name: &str) -> Target {
        fleet(&[name]).0.remove(0)
    }

    fn key(name: &str) -> PathBuf {
        home().join(".ssh").join(name)
    }

    fn error(file: &str, name: &str) -> String {
        let mut targets = vec![target(name)];
        let source = SshConfigSource::File(home().join(".ssh/errors").join(file));
        apply_with(&mut targets, &source, &local())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn directive_before_the_first_host_applies_to_every_host_first() {
        let t = one("other");
        assert_eq!(t.identity_files, [key("id_fleet"), key("fallback_other")]);
        assert_eq!(
            (t.address.as_str(), t.port, t.user.as_str()),
            ("other", 2300, "root")
        );
        assert_eq!(t.known_hosts, PathBuf::from("/inv/known_hosts"));
        assert_eq!(t.jump, None);
    }

    #[test]
    fn host_patterns_with_negation_and_host_name_with_h() {
        let t = one("web-01");
        assert_eq!(
            (t.address.as_str(), t.user.as_str(), t.port),
            ("web-01.prod.example.com", "deploy", 2201)
        );
        assert_eq!(
            t.identity_files,
            [
                key("id_fleet"),
                key("keys/deploy@web-01.prod.example.com"),
                key("fallback_web-01")
            ],
            "several IdentityFile add up in order, %r and %h are the final user and host, the repeated id_fleet comes once"
        );
        let legacy = one("web-legacy");
        assert_eq!(
            (legacy.address.as_str(), legacy.port),
            ("10.0.0.99", 2222),
            "`!web-legacy` keeps web-legacy out of `Host web-*`"
        );
        assert_eq!(
            legacy.user, "deploy",
            "the first User inside one block wins"
        );
        let upper = one("WEB-01");
        assert_eq!(
            (upper.address.as_str(), upper.port),
            ("WEB-01", 2300),
            "patterns match case-sensitively, as ssh's"
        );
    }

    #[test]
    fn include_with_a_glob_reads_the_matching_files_in_order() {
        let db = one("db-01");
        assert_eq!(
            db.user, "dba",
            "conf.d/10-db.conf comes before the Host blocks after the Include"
        );
        let env_home = PathBuf::from(std::env::var("HOME").unwrap());
        assert_eq!(
            db.identity_files,
            [
                key("id_fleet"),
                env_home.join(".ssh/db_rsa"),
                key("fallback_db-01")
            ]
        );
        let cache = one("cache-01");
        assert_eq!(
            (
                cache.address.as_str(),
                cache.user.as_str(),
                cache.host_key_check
            ),
            ("192.0.2.10", "redis", HostKeyCheck::Off)
        );
        // conf.d/notes.txt has `Port not-a-port`: reading it would be an error.
    }

    #[test]
    fn proxy_jump_hops_are_looked_up_as_ssh_j_does() {
        let db = one("db-01");
        assert_eq!(
            db.jump.as_deref(),
            Some("jump@bastion.example.com:2200,ops@jump2.example.com:2022"),
            "the alias `bastion` takes its HostName, User and Port; the hop's own user and port win"
        );
        assert_eq!(
            db.known_hosts,
            key("known_hosts.d/db-01"),
            "the first UserKnownHostsFile"
        );
        assert_eq!(db.host_key_check, HostKeyCheck::AcceptNew);
        assert_eq!(db.port, 2300);
    }

    #[test]
    fn a_hop_named_like_an_inventory_host_is_left_to_that_host() {
        let (targets, _) = fleet(&["db-01", "bastion"]);
        assert_eq!(
            targets[0].jump.as_deref(),
            Some("bastion,ops@jump2.example.com:2022"),
            "the transport reaches `bastion` with the inventory host's settings"
        );
        assert_eq!(
            (
                targets[1].address.as_str(),
                targets[1].user.as_str(),
                targets[1].port
            ),
            ("bastion.example.com", "jump", 2200)
        );
    }

    #[test]
    fn match_block_is_skipped_with_a_warning_naming_file_and_line() {
        let (targets, warnings) = fleet(&["never-1", "web-01"]);
        assert_eq!(
            (targets[0].user.as_str(), targets[0].port),
            ("root", 2300),
            "User and Port of the Match block apply to no host"
        );
        let config = home().join(".ssh/config");
        assert_eq!(
            warnings,
            [format!(
                "{}:34: Match is not supported: the lines after it, up to the next Host or Match, apply to no host",
                config.display()
            )]
        );
    }

    #[test]
    fn any_case_equals_signs_quotes_and_none_values() {
        let names = ["edge-eq", "edge-two", "edge-none"];
        let mut targets: Vec<Target> = names.iter().map(|n| target(n)).collect();
        let source = SshConfigSource::File(data().join("edge.conf"));
        apply_with(&mut targets, &source, &local()).unwrap();
        let [eq, two, none] = &targets[..] else {
            panic!("{targets:?}")
        };
        assert_eq!(
            (eq.address.as_str(), eq.user.as_str(), eq.port),
            ("edge-eq.eq.example.com", "eq user", 2022)
        );
        assert_eq!(
            two.identity_files,
            [
                key("key with space"),
                key("edge_ops_ctl.example.com_ctl_1000")
            ]
        );
        assert_eq!(two.known_hosts, PathBuf::from("/dev/null"));
        assert_eq!(
            two.jump.as_deref(),
            Some("ops@gw.example.com:2022"),
            "an ssh:// hop is written as user@host:port"
        );
        assert_eq!(
            none.jump, None,
            "`ProxyJump none` first keeps the later one out"
        );
    }

    #[test]
    fn strict_host_key_checking_maps_to_host_key_check() {
        let names = [
            "yes-host", "ask-host", "no-host", "off-host", "new-host", "other",
        ];
        let mut targets: Vec<Target> = names.iter().map(|n| target(n)).collect();
        for t in &mut targets {
            t.host_key_check = HostKeyCheck::AcceptNew;
        }
        let source = SshConfigSource::File(data().join("strict.conf"));
        apply_with(&mut targets, &source, &local()).unwrap();
        let checks: Vec<HostKeyCheck> = targets.iter().map(|t| t.host_key_check).collect();
        use HostKeyCheck::*;
        assert_eq!(checks, [Strict, Strict, Off, Off, AcceptNew, Off]);
    }

    #[test]
    fn inventory_values_win_and_ssh_config_fills_the_rest() {
        let inventory = r#"
[defaults]
user = "admin"
[groups.web]
port = 2022
[[hosts]]
name = "web-01"
address = "10.1.1.1"
groups = ["web"]
[[hosts]]
name = "web-02"
identity_file = "/keys/web"
host_key_check = "off"
[[hosts]]
name = "db-01"
known_hosts = "/kh/db"
"#;
        let paths = UserPaths {
            home: home(),
            default_identities: vec![PathBuf::from("/inv/id_default")],
        };
        let mut targets = parse_hosts_toml(inventory, Path::new("hosts.toml"), &paths).unwrap();
        apply_with(&mut targets, &SshConfigSource::User, &local()).unwrap();
        let [web1, web2, db] = &targets[..] else {
            panic!("{targets:?}")
        };
        assert_eq!(
            (web1.address.as_str(), web1.user.as_str(), web1.port),
            ("10.1.1.1", "admin", 2022),
            "host address, defaults user and group port beat HostName, User and Port"
        );
        assert_eq!(
            web1.identity_files,
            [key("id_fleet"), key("keys/admin@10.1.1.1"), key("fallback_web-01")],
            "ssh_config's IdentityFile fills an unset identity_file, with the final user and address"
        );
        assert_eq!(
            (web2.address.as_str(), web2.port, web2.host_key_check),
            ("web-02.prod.example.com", 2201, HostKeyCheck::Off)
        );
        assert_eq!(web2.identity_files, [PathBuf::from("/keys/web")]);
        assert_eq!(db.known_hosts, PathBuf::from("/kh/db"));
        assert_eq!(db.host_key_check, HostKeyCheck::AcceptNew);
        assert_eq!(db.user, "admin");
    }

    #[test]
    fn ansible_variables_win_over_ssh_config() {
        let paths = UserPaths {
            home: home(),
            default_identities: vec![],
        };
        let mut targets = parse_ansible_ini(
            "web-01 ansible_user=ansible\ndb-01 ansible_ssh_common_args='-J gw'\n",
            Path::new("inv/hosts"),
            &paths,
        )
        .unwrap();
        apply_with(&mut targets, &SshConfigSource::User, &local()).unwrap();
        assert_eq!(
            (targets[0].user.as_str(), targets[0].port),
            ("ansible", 2201)
        );
        assert_eq!(
            targets[1].jump.as_deref(),
            Some("gw:2300"),
            "-J beats ProxyJump; the hop still takes its Port from ssh_config"
        );
    }

    #[test]
    fn ssh_config_false_opts_out_unless_a_file_is_named() {
        let inventory = "[defaults]\nssh_config = false\n[[hosts]]\nname = \"web-01\"\n[[hosts]]\nname = \"web-02\"\nssh_config = true\n";
        let paths = UserPaths {
            home: home(),
            default_identities: vec![],
        };
        let parse = || parse_hosts_toml(inventory, Path::new("hosts.toml"), &paths).unwrap();
        let mut targets = parse();
        apply_with(&mut targets, &SshConfigSource::User, &local()).unwrap();
        assert_eq!(
            (targets[0].address.as_str(), targets[1].address.as_str()),
            ("web-01", "web-02.prod.example.com")
        );
        let mut targets = parse();
        let file = SshConfigSource::File(home().join(".ssh/config"));
        apply_with(&mut targets, &file, &local()).unwrap();
        assert_eq!(targets[0].address, "web-01.prod.example.com");
        let mut targets = parse();
        apply_with(&mut targets, &SshConfigSource::Disabled, &local()).unwrap();
        assert_eq!(targets[1].address, "web-02");
    }

    #[test]
    fn missing_user_config_is_no_error_but_a_missing_named_file_is() {
        let mut targets = vec![target("web-01")];
        let nowhere = Local {
            home: data().join("no-such-home"),
            ..local()
        };
        assert_eq!(
            apply_with(&mut targets, &SshConfigSource::User, &nowhere).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(targets[0], target("web-01"));
        let e = error("no-such.conf", "a");
        assert!(
            e.contains("no-such.conf: cannot read the ssh_config file"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let errors = home().join(".ssh/errors");
        assert_eq!(
            error("bad_port.conf", "a"),
            format!(
                "{}:3:5: Port: 0 is not a port: give 1 to 65535",
                errors.join("bad_port.conf").display()
            )
        );
        assert_eq!(
            error("includes_bad_port.conf", "a"),
            format!(
                "{}:3:5: Port: 0 is not a port: give 1 to 65535",
                errors.join("bad_port.conf").display()
            ),
            "an error in an included file names that file, even for hosts it does not match"
        );
        let e = error("include_loop.conf", "a");
        assert!(
            e.starts_with(&format!(
                "{}:1:1: Include: more than 16",
                errors.join("include_loop.conf").display()
            )),
            "{e}"
        );
        let e = error("unknown_token.conf", "a");
        assert!(
            e.starts_with(&format!(
                "{}:2:5: IdentityFile: %z is not a token",
                errors.join("unknown_token.conf").display()
            )),
            "{e}"
        );
        let e = error("jump_loop.conf", "a");
        assert!(
            e.contains("jump_loop.conf:4:5: ProxyJump: jump hosts through jump hosts"),
            "{e}"
        );
    }

    #[test]
    fn unsupported_keywords_are_warned_about_once_per_line() {
        let names = ["legacy-1", "legacy-2", "direct-1", "other"];
        let mut targets: Vec<Target> = names.iter().map(|n| target(n)).collect();
        let file = data().join("unsupported.conf");
        let warnings =
            apply_with(&mut targets, &SshConfigSource::File(file.clone()), &local()).unwrap();
        let f = file.display();
        assert_eq!(
            warnings,
            [
                format!("{f}:3: ProxyCommand is not supported and applies to 2 hosts (legacy-1, ...): they are connected to directly (ProxyJump is followed)"),
                format!("{f}:4: HostKeyAlias is not supported and applies to 2 hosts (legacy-1, ...): their host keys are looked up under their address"),
                format!("{f}:9: ProxyCommand is not supported and applies to host other: they are connected to directly (ProxyJump is followed)"),
            ]
        );
    }

    #[test]
    fn hops_are_read_in_every_proxy_jump_form() {
        let hop = |text: &str| {
            Destination::parse(text)
                .ok()
                .map(|h| (h.user, h.host, h.port))
        };
        assert_eq!(hop("gw"), Some((None, "gw".into(), None)));
        assert_eq!(
            hop("u@gw:2200"),
            Some((Some("u".into()), "gw".into(), Some(2200)))
        );
        assert_eq!(
            hop("ssh://u@gw:2200/"),
            Some((Some("u".into()), "gw".into(), Some(2200)))
        );
        assert_eq!(
            hop("[fd00::1]:2200"),
            Some((None, "fd00::1".into(), Some(2200)))
        );
        assert_eq!(hop("fd00::1"), Some((None, "fd00::1".into(), None)));
        assert_eq!(hop("gw:port"), None);
        let v6 = Destination {
            user: None,
            host: "fd00::1".into(),
            port: Some(22),
        };
        assert_eq!(v6.to_string(), "[fd00::1]:22");
    }

    #[test]
    fn tokens_expand_like_openssh() {
        let l = local();
        let tokens = Tokens {
            local: &l,
            name: "Web",
            host: "web.example.com".into(),
            user: "deploy",
            port: 2200,
        };
        let raw = |value: &str| At {
            value: value.to_string(),
            at: Origin {
                file: Arc::from(Path::new("cfg")),
                line: 1,
                column: 1,
            },
        };
        assert_eq!(
            tokens
                .path(&raw("%d/%u/%h/%r/%p/%n/%l/%L/%i/%%"), "IdentityFile")
                .unwrap(),
            PathBuf::from(format!(
                "{}/ops/web.example.com/deploy/2200/Web/ctl.example.com/ctl/1000/%",
                home().display()
            ))
        );
        assert_eq!(
            expand_host_name(&raw("%h.Example.COM"), "Web").unwrap(),
            "web.example.com"
        );
        assert!(expand_host_name(&raw("%p.x"), "w")
            .unwrap_err()
            .to_string()
            .contains("%p is not a token"));
    }

    // --- Against OpenSSH itself ----------------------------------------------------------------

    /// `ssh -G -F config name`: each key's values (a line with several files gives several).
    fn ssh_g(config: &Path, name: &str) -> HashMap<String, Vec<String>> {
        let output = std::process::Command::new("ssh")
            .arg("-G")
            .arg("-F")
            .arg(config)
            .arg(name)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the OpenSSH client `ssh` runs");
        assert!(
            output.status.success(),
            "ssh -G -F {} {name}: {}",
            config.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let mut keys: HashMap<String, Vec<String>> = HashMap::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            if let Some((key, value)) = line.split_once(' ') {
                let entry = keys.entry(key.to_string()).or_default();
                if key == "userknownhostsfile" {
                    entry.extend(value.split_whitespace().map(String::from));
                } else {
                    entry.push(value.to_string());
                }
            }
        }
        keys
    }

    /// The identity files ssh would offer, tokens expanded, from `ssh -v` with a proxy command
    /// that ends the connection at once (no network).
    fn ssh_identities(config: &Path, name: &str) -> Vec<PathBuf> {
        let output = std::process::Command::new("ssh")
            .args(["-v", "-o", "ProxyCommand=true", "-o", "BatchMode=yes", "-F"])
            .arg(config)
            .arg(name)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the OpenSSH client `ssh` runs");
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter_map(|l| l.strip_prefix("debug1: identity file "))
            .filter_map(|l| l.rsplit_once(" type ").map(|(path, _)| path))
            .filter(|path| !path.ends_with("-cert"))
            .map(PathBuf::from)
            .collect()
    }

    /// Where each hop of a chain leads, as (user, host, port), ssh's defaults filled in.
    type Resolved = (String, String, u16);

    fn ours(jump: &str, local_user: &str) -> Vec<Resolved> {
        jump.split(',')
            .map(|text| {
                let hop = Destination::parse(text).ok().unwrap();
                (
                    hop.user.unwrap_or_else(|| local_user.to_string()),
                    hop.host,
                    hop.port.unwrap_or(22),
                )
            })
            .collect()
    }

    /// ssh's view of a chain: each hop as `ssh -G` resolves its name; the first hop's own jump.
    fn openssh_hops(config: &Path, chain: &str) -> Vec<Resolved> {
        let mut hops = Vec::new();
        for (index, text) in chain.split(',').enumerate() {
            let hop = Destination::parse(text).ok().unwrap();
            let g = ssh_g(config, &hop.host);
            if index == 0 {
                if let Some(before) = g.get("proxyjump") {
                    hops.extend(openssh_hops(config, &before[0]));
                }
            }
            hops.push((
                hop.user.unwrap_or_else(|| g["user"][0].clone()),
                g["hostname"][0].clone(),
                hop.port.unwrap_or_else(|| g["port"][0].parse().unwrap()),
            ));
        }
        hops
    }

    /// A copy of the fixtures where Include names absolute paths (ssh takes ~ from the password
    /// database, not from a test) and every file is 0644 (ssh refuses writable included files).
    fn fixtures_for_ssh() -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("ic-ssh-config-{}", std::process::id()));
        let conf_d = dir.join("conf.d");
        std::fs::create_dir_all(&conf_d).unwrap();
        let config = std::fs::read_to_string(home().join(".ssh/config"))
            .unwrap()
            .replace(
                "Include conf.d/*.conf",
                &format!("Include {}/*.conf", conf_d.display()),
            );
        let mut files = vec![(dir.join("config"), config)];
        for name in ["10-db.conf", "20-cache.conf", "notes.txt"] {
            let text = std::fs::read_to_string(home().join(".ssh/conf.d").join(name)).unwrap();
            files.push((conf_d.join(name), text));
        }
        for name in ["strict.conf", "edge.conf"] {
            let text = std::fs::read_to_string(data().join(name)).unwrap();
            files.push((dir.join(name), text));
        }
        for (path, text) in files {
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        dir
    }

    #[test]
    fn resolves_what_openssh_resolves() {
        let dir = fixtures_for_ssh();
        let none = Path::new("/dev/null");
        let baseline = ssh_g(none, "baseline");
        // ssh's home and user (from the password database) for ~, %d and %u.
        let ssh_home = Path::new(&baseline["userknownhostsfile"][0])
            .parent()
            .and_then(Path::parent)
            .unwrap()
            .to_path_buf();
        let local = Local::from_env(&ssh_home);
        let local_user = baseline["user"][0].clone();
        assert_eq!(local.user.as_deref(), Some(local_user.as_str()));
        let cases: [(&str, &[&str]); 3] = [
            (
                "config",
                &[
                    "web-01",
                    "web-legacy",
                    "WEB-01",
                    "db-01",
                    "db-99",
                    "cache-01",
                    "bastion",
                    "other",
                ],
            ),
            (
                "strict.conf",
                &[
                    "yes-host", "ask-host", "no-host", "off-host", "new-host", "other",
                ],
            ),
            (
                "edge.conf",
                &[
                    "edge-eq",
                    "edge-quoted",
                    "edge-two",
                    "edge-none",
                    "edge-v6",
                    "edge-other",
                ],
            ),
        ];
        let mut compared = 0;
        for (file, names) in cases {
            let config = dir.join(file);
            for name in names {
                let before = target(name);
                let mut targets = vec![before.clone()];
                apply_with(&mut targets, &SshConfigSource::File(config.clone()), &local).unwrap();
                let t = &targets[0];
                let ssh = ssh_g(&config, name);
                let default = ssh_g(none, name);
                let set = |key: &str| ssh.get(key) != default.get(key);
                let what = format!("{file} {name}");
                let mut checked = Vec::new();
                if set("hostname") {
                    assert_eq!(t.address, ssh["hostname"][0], "{what}: hostname");
                    checked.push("hostname");
                } else {
                    assert_eq!(t.address, before.address, "{what}: hostname unset");
                }
                if set("user") {
                    assert_eq!(t.user, ssh["user"][0], "{what}: user");
                    checked.push("user");
                } else {
                    assert_eq!(t.user, before.user, "{what}: user unset");
                }
                if set("port") {
                    assert_eq!(t.port.to_string(), ssh["port"][0], "{what}: port");
                    checked.push("port");
                } else {
                    assert_eq!(t.port, before.port, "{what}: port unset");
                }
                if set("identityfile") {
                    assert_eq!(
                        t.identity_files,
                        ssh_identities(&config, name),
                        "{what}: identityfile"
                    );
                    checked.push("identityfile");
                } else {
                    assert_eq!(
                        t.identity_files, before.identity_files,
                        "{what}: identityfile unset"
                    );
                }
                if set("userknownhostsfile") {
                    let first = match ssh["userknownhostsfile"][0].as_str() {
                        "none" => PathBuf::from("/dev/null"),
                        file => PathBuf::from(file),
                    };
                    assert_eq!(t.known_hosts, first, "{what}: userknownhostsfile");
                    checked.push("userknownhostsfile");
                } else {
                    assert_eq!(
                        t.known_hosts, before.known_hosts,
                        "{what}: userknownhostsfile unset"
                    );
                }
                if set("stricthostkeychecking") {
                    let expected = match ssh["stricthostkeychecking"][0].as_str() {
                        "true" | "ask" => HostKeyCheck::Strict,
                        "accept-new" => HostKeyCheck::AcceptNew,
                        "false" => HostKeyCheck::Off,
                        other => panic!("{what}: stricthostkeychecking {other}"),
                    };
                    assert_eq!(t.host_key_check, expected, "{what}: stricthostkeychecking");
                    checked.push("stricthostkeychecking");
                } else {
                    assert_eq!(
                        t.host_key_check, before.host_key_check,
                        "{what}: stricthostkeychecking unset"
                    );
                }
                match ssh.get("proxyjump") {
                    Some(chain) => {
                        let jump = t.jump.as_deref().unwrap_or_default();
                        assert_eq!(
                            ours(jump, &local_user),
                            openssh_hops(&config, &chain[0]),
                            "{what}: proxyjump {jump}"
                        );
                        checked.push("proxyjump");
                    }
                    None => assert_eq!(t.jump, None, "{what}: proxyjump unset"),
                }
                compared += checked.len();
                eprintln!("{what}: same as ssh -G for {}", checked.join(", "));
            }
        }
        assert!(compared >= 30, "only {compared} values compared");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
