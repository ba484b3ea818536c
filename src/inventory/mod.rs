//! Inventory: who to scan. Parses inventory files into plain [`Target`] values and selects
//! them with `--limit`. Knows nothing about SSH sessions.

mod ansible;
mod hosts_toml;
mod range;
mod ssh_config;
pub mod thresholds;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use ansible::{detect_format, parse_ansible_ini, parse_ansible_yaml, parse_inventory, Format};
pub use hosts_toml::parse_hosts_toml;
pub use ssh_config::{apply as apply_ssh_config, SshConfigSource};
pub use thresholds::{Threshold, Thresholds, Unit, THRESHOLDS};

/// What to do with a server key that known_hosts does not vouch for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum HostKeyCheck {
    /// Unknown or changed keys are refused.
    Strict,
    /// Unknown keys are added to known_hosts; changed keys are refused.
    AcceptNew,
    /// No check (the host's identity is not verified).
    Off,
}

/// One host to scan, every setting resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub address: String,
    pub port: u16,
    pub user: String,
    pub identity_files: Vec<PathBuf>,
    pub known_hosts: PathBuf,
    pub host_key_check: HostKeyCheck,
    /// Run privileged commands through `sudo -n`.
    pub become_root: bool,
    pub connect_timeout: Duration,
    pub legacy_algorithms: bool,
    /// Jump hosts to go through, as OpenSSH's ProxyJump writes them: `[user@]host[:port]`,
    /// comma-separated for a chain, first hop first.
    pub jump: Option<String>,
    /// Environment variable holding the login password (password / keyboard-interactive).
    pub password_env: Option<String>,
    /// Environment variable holding the sudo password for `become`.
    pub become_password_env: Option<String>,
    pub groups: Vec<String>,
    pub thresholds: Thresholds,
    /// Which connection settings the inventory itself gave; ssh_config fills only the others.
    pub explicit: Explicit,
    /// Whether ssh_config applies to this host (`ssh_config = false` in hosts.toml turns it off).
    pub ssh_config: bool,
    /// Why the inventory entry is wrong in itself (with its file and line): the host is a
    /// row of status `invalid`, never contacted.
    pub invalid: Option<String>,
}

impl Target {
    /// A target with the built-in defaults (port 22, strict host keys, a 10 s connect
    /// timeout) and nothing else: the inventory parsers fill in the rest.
    pub fn new(name: &str, address: &str) -> Target {
        Target {
            name: name.to_string(),
            address: address.to_string(),
            port: 22,
            user: String::new(),
            identity_files: Vec::new(),
            known_hosts: PathBuf::new(),
            host_key_check: HostKeyCheck::Strict,
            become_root: false,
            connect_timeout: Duration::from_secs(10),
            legacy_algorithms: false,
            jump: None,
            password_env: None,
            become_password_env: None,
            groups: Vec::new(),
            thresholds: Thresholds::default(),
            explicit: Explicit::default(),
            ssh_config: true,
            invalid: None,
        }
    }

    /// The row of an inventory entry that is wrong in itself; `name` as it may be shown
    /// (control characters escaped).
    pub fn invalid(name: &str, reason: String) -> Target {
        Target {
            ssh_config: false,
            invalid: Some(reason),
            ..Target::new(name, "")
        }
    }
}

/// The connection settings of a [`Target`] that its inventory set, as opposed to built-in
/// defaults: `true` means ssh_config must not change that field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Explicit {
    pub address: bool,
    pub port: bool,
    pub user: bool,
    pub identity_files: bool,
    pub known_hosts: bool,
    pub host_key_check: bool,
    pub jump: bool,
}

/// An inventory that cannot be used: always names the file, and the line and column when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", file.display(), position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct InventoryError {
    pub file: PathBuf,
    pub position: Option<(usize, usize)>,
    pub message: String,
}

/// Reads and resolves an inventory file: hosts.toml, Ansible INI or Ansible YAML, told apart by
/// content (see [`detect_format`]).
pub fn load(path: &Path) -> Result<Vec<Target>, InventoryError> {
    let bytes = crate::local_file::read(path).map_err(|e| InventoryError {
        file: path.to_path_buf(),
        position: None,
        message: format!("cannot read the inventory: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| InventoryError {
        file: path.to_path_buf(),
        position: None,
        message: format!(
            "not UTF-8 text (byte {}): save it as UTF-8",
            e.utf8_error().valid_up_to()
        ),
    })?;
    parse_inventory(&text, path, &UserPaths::from_env())
}

/// Hosts named on the command line (`host1 root@host2:2222 root@[fd00::5]:22`), with every
/// other setting at its default: an inventory written for the user, resolved like any other.
pub fn ad_hoc(destinations: &[String], paths: &UserPaths) -> Result<Vec<Target>, InventoryError> {
    let error = |message: String| InventoryError {
        file: PathBuf::from("(command line)"),
        position: None,
        message,
    };
    let mut hosts = Vec::new();
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (index, text) in destinations.iter().enumerate() {
        if let Some(first) = seen.insert(text.as_str(), index + 1) {
            return Err(error(format!(
                "host {text:?} is given twice (arguments {first} and {})",
                index + 1
            )));
        }
        let destination = Destination::parse(text).map_err(|message| {
            error(format!(
                "{message}: write [user@]host[:port], IPv6 as [addr]:port"
            ))
        })?;
        if let Some((address, port)) = port_after_ipv6(text, &destination) {
            let user = destination
                .user
                .as_ref()
                .map(|u| format!("{u}@"))
                .unwrap_or_default();
            return Err(error(format!(
                "{text:?}: is :{port} a port? write {user}[{address}]:{port} for port {port} of {address}, or {user}[{}] for the address {}",
                destination.host, destination.host
            )));
        }
        let mut host = toml::Table::new();
        // Brackets would read as a host range; the name is only a label.
        host.insert("name".into(), text.replace(['[', ']'], "").into());
        host.insert("address".into(), destination.host.into());
        if let Some(user) = destination.user {
            host.insert("user".into(), user.into());
        }
        if let Some(port) = destination.port {
            host.insert("port".into(), i64::from(port).into());
        }
        hosts.push(toml::Value::Table(host));
    }
    let mut document = toml::Table::new();
    document.insert("hosts".into(), toml::Value::Array(hosts));
    parse_hosts_toml(&document.to_string(), Path::new("(command line)"), paths)
}

/// `::1:22` without brackets: an IPv6 address whose last group could as well be a port (the
/// rest, `::1`, is an address too). `fd00::5` is not: `fd00:` is no address.
fn port_after_ipv6<'a>(text: &str, destination: &'a Destination) -> Option<(&'a str, &'a str)> {
    let host_part = text.rsplit_once('@').map_or(text, |(_, host)| host);
    if destination.port.is_some() || host_part.trim_start().starts_with('[') {
        return None;
    }
    let (address, port) = destination.host.rsplit_once(':')?;
    let is_port = port.parse::<u16>().is_ok_and(|p| p != 0) && !port.starts_with('0');
    (is_port
        && destination.host.parse::<std::net::Ipv6Addr>().is_ok()
        && address.parse::<std::net::Ipv6Addr>().is_ok())
    .then_some((address, port))
}

/// Where `~` and the OpenSSH default files are, so parsing stays a pure function of its inputs.
#[derive(Debug, Clone)]
pub struct UserPaths {
    pub home: PathBuf,
    /// Default identity files that exist (`~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`).
    pub default_identities: Vec<PathBuf>,
}

impl UserPaths {
    pub fn from_env() -> Self {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/root"));
        let default_identities = ["id_ed25519", "id_ecdsa", "id_rsa"]
            .iter()
            .map(|name| home.join(".ssh").join(name))
            .filter(|p| p.exists())
            .collect();
        UserPaths {
            home,
            default_identities,
        }
    }

    /// `~` is the home folder; a relative path is relative to `base`, the inventory's folder,
    /// so an inventory works from any current folder.
    pub fn expand(&self, path: &str, base: &Path) -> PathBuf {
        match path.strip_prefix("~/") {
            Some(rest) => self.home.join(rest),
            None if path == "~" => self.home.clone(),
            None => base.join(path),
        }
    }
}

/// `[user@]host[:port]` as OpenSSH writes a destination (IPv6 in brackets: `[fd00::5]:22`):
/// a ProxyJump hop, or a host named on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Destination {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl Destination {
    pub fn parse(text: &str) -> Result<Destination, String> {
        let text = text.trim();
        // ProxyJump also takes ssh:// URIs.
        let text = match text.strip_prefix("ssh://") {
            Some(uri) => uri.strip_suffix('/').unwrap_or(uri),
            None => text,
        };
        let (user, rest) = match text.rsplit_once('@') {
            Some(("", _)) => return Err(format!("{text:?}: empty user before '@'")),
            Some((user, rest)) => (Some(user.to_string()), rest),
            None => (None, text),
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (host, after) = inner
                .split_once(']')
                .ok_or_else(|| format!("{text:?}: no closing ]"))?;
            match after {
                "" => (host, None),
                _ => (
                    host,
                    Some(
                        after
                            .strip_prefix(':')
                            .ok_or_else(|| format!("{text:?}: expected :PORT after ]"))?,
                    ),
                ),
            }
        } else {
            match rest.rsplit_once(':') {
                // A bare IPv6 address has several colons and no port.
                Some((host, port)) if !host.contains(':') => (host, Some(port)),
                _ => (rest, None),
            }
        };
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| format!("{text:?}: bad port {p:?}"))
            })
            .transpose()?;
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("{text:?}: not a host"));
        }
        Ok(Destination {
            user,
            host: host.to_string(),
            port,
        })
    }

    /// A ProxyJump chain, `a,user@b:2222`, first hop first.
    pub fn parse_list(text: &str) -> Result<Vec<Destination>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .map(Destination::parse)
            .collect()
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        match self.port {
            Some(port) if self.host.contains(':') => write!(f, "[{}]:{port}", self.host),
            Some(port) => write!(f, "{}:{port}", self.host),
            None => write!(f, "{}", self.host),
        }
    }
}

/// Keeps the targets that `--limit` names, in Ansible's pattern language: terms separated by
/// `,` or `:` (`web:db`), `&term` keeps only hosts also matched by it (`web:&prod`), `!term`
/// drops hosts matched by it (`all:!db`). A term is `all`, or a glob matched against the host
/// name and each of its groups (`web-*`). No limit keeps everything.
pub fn select(targets: Vec<Target>, limit: Option<&str>) -> Result<Vec<Target>, String> {
    let Some(limit) = limit else {
        return Ok(targets);
    };
    let mut include = Vec::new();
    let mut require = Vec::new();
    let mut exclude = Vec::new();
    for piece in limit.split(',') {
        // IPv6 addresses (`fd00::5`) keep their colons.
        let terms: Vec<&str> = if piece.contains("::") {
            vec![piece]
        } else {
            piece.split(':').collect()
        };
        for term in terms.into_iter().map(str::trim).filter(|t| !t.is_empty()) {
            let (list, glob) = match (term.strip_prefix('&'), term.strip_prefix('!')) {
                (Some(rest), _) => (&mut require, rest),
                (_, Some(rest)) => (&mut exclude, rest),
                _ => (&mut include, term),
            };
            let glob = if glob == "all" { "*" } else { glob };
            list.push(glob::Pattern::new(glob).map_err(|e| format!("--limit {term:?}: {e}"))?);
        }
    }
    let hits = |patterns: &[glob::Pattern], t: &Target| {
        patterns
            .iter()
            .any(|p| p.matches(&t.name) || t.groups.iter().any(|g| p.matches(g)))
    };
    Ok(targets
        .into_iter()
        .filter(|t| {
            (include.is_empty() || hits(&include, t))
                && require.iter().all(|p| hits(std::slice::from_ref(p), t))
                && !hits(&exclude, t)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, groups: &[&str]) -> Target {
        Target {
            user: "root".into(),
            known_hosts: PathBuf::from("/k"),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..Target::new(name, name)
        }
    }

    fn names(targets: &[Target]) -> Vec<&str> {
        targets.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn limit_matches_names_and_groups_by_glob() {
        let all = vec![
            target("web-01", &["web"]),
            target("web-02", &["web"]),
            target("db-01", &["db"]),
        ];
        assert_eq!(
            names(&select(all.clone(), Some("web-*")).unwrap()),
            ["web-01", "web-02"]
        );
        assert_eq!(names(&select(all.clone(), Some("db")).unwrap()), ["db-01"]);
        assert_eq!(
            names(&select(all.clone(), Some("db,web-02")).unwrap()),
            ["web-02", "db-01"]
        );
        assert_eq!(select(all.clone(), None).unwrap().len(), 3);
        assert!(select(all, Some("nothing")).unwrap().is_empty());
    }

    #[test]
    fn limit_takes_ansible_patterns() {
        let all = vec![
            target("web-01", &["web", "prod"]),
            target("web-02", &["web", "staging"]),
            target("db-01", &["db", "prod"]),
        ];
        let pick = |limit: &str| names(&select(all.clone(), Some(limit)).unwrap()).join(" ");
        assert_eq!(pick("web:&prod"), "web-01");
        assert_eq!(pick("all:!db"), "web-01 web-02");
        assert_eq!(pick("prod:!web*"), "db-01");
        assert_eq!(pick("web,db"), "web-01 web-02 db-01");
        assert_eq!(pick("&prod"), "web-01 db-01");
        assert_eq!(pick("!web"), "db-01");
    }

    #[test]
    fn bad_limit_pattern_is_an_error() {
        assert!(select(vec![], Some("web-[")).unwrap_err().contains("web-["));
    }

    #[test]
    fn destinations_as_openssh_writes_them() {
        let d = |t: &str| Destination::parse(t).unwrap();
        assert_eq!(
            d("host1"),
            Destination {
                user: None,
                host: "host1".into(),
                port: None
            }
        );
        assert_eq!(
            d("root@host2:2222"),
            Destination {
                user: Some("root".into()),
                host: "host2".into(),
                port: Some(2222)
            }
        );
        assert_eq!(
            d("root@[fd00::5]:22"),
            Destination {
                user: Some("root".into()),
                host: "fd00::5".into(),
                port: Some(22)
            }
        );
        assert_eq!(d("fd00::5").host, "fd00::5");
        assert_eq!(Destination::parse_list("a, ops@b:2200").unwrap().len(), 2);
        assert!(
            Destination::parse("h:0").is_err()
                && Destination::parse("h:x").is_err()
                && Destination::parse("[::1").is_err()
        );
        assert!(Destination::parse("").is_err());
    }

    #[test]
    fn ad_hoc_hosts_get_the_defaults() {
        let paths = UserPaths {
            home: PathBuf::from("/home/ops"),
            default_identities: vec![],
        };
        let args = [
            "web1".to_string(),
            "admin@db:2222".into(),
            "root@[fd00::5]:22".into(),
        ];
        let targets = ad_hoc(&args, &paths).unwrap();
        let view: Vec<(&str, &str, u16, &str)> = targets
            .iter()
            .map(|t| (t.name.as_str(), t.address.as_str(), t.port, t.user.as_str()))
            .collect();
        assert_eq!(
            view,
            [
                ("web1", "web1", 22, "root"),
                ("admin@db:2222", "db", 2222, "admin"),
                ("root@fd00::5:22", "fd00::5", 22, "root")
            ]
        );
        assert!(ad_hoc(&["a b".into()], &paths)
            .unwrap_err()
            .to_string()
            .contains("not a host"));
    }

    #[test]
    fn ad_hoc_mistakes_name_the_argument() {
        let paths = UserPaths {
            home: PathBuf::from("/home/ops"),
            default_identities: vec![],
        };
        let error = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            ad_hoc(&args, &paths).unwrap_err().to_string()
        };
        assert_eq!(
            error(&["web1", "db", "web1"]),
            "(command line): host \"web1\" is given twice (arguments 1 and 3)"
        );
        assert_eq!(
            error(&["@db"]),
            "(command line): \"@db\": empty user before '@': write [user@]host[:port], IPv6 as [addr]:port"
        );
        assert_eq!(
            error(&["root@::1:22"]),
            "(command line): \"root@::1:22\": is :22 a port? write root@[::1]:22 for port 22 of ::1, or root@[::1:22] for the address ::1:22"
        );
        // Not ambiguous: `fd00:` is no address, and a bracketed address says what it is.
        for fine in ["fd00::5", "root@[::1:22]", "[::1]:22", "::1"] {
            assert!(ad_hoc(&[fine.to_string()], &paths).is_ok(), "{fine}");
        }
    }

    #[test]
    fn tilde_expands_to_home() {
        let paths = UserPaths {
            home: PathBuf::from("/home/ops"),
            default_identities: vec![],
        };
        let base = Path::new("/srv/inv");
        assert_eq!(
            paths.expand("~/.ssh/id_rsa", base),
            PathBuf::from("/home/ops/.ssh/id_rsa")
        );
        assert_eq!(paths.expand("/etc/key", base), PathBuf::from("/etc/key"));
        assert_eq!(
            paths.expand("../keys/a", base),
            PathBuf::from("/srv/inv/../keys/a")
        );
    }
}
