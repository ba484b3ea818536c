//! Ansible inventories, INI and YAML, read into the same [`Target`]s as hosts.toml; and
//! [`detect_format`], which tells the three formats apart by their content, never by the file
//! name. Follows Ansible's "How to build your inventory" and its `ini` and `yaml` inventory
//! plugins. A static file is read as it is: no inventory plugins, scripts, `group_vars/` or
//! `host_vars/`. For those, read the JSON of `ansible-inventory --list` (also `--export`),
//! where Ansible has resolved them: its groups give the hosts and the tree, and each host's
//! `_meta.hostvars` its variables, already merged, checked as below. `--list` sorts groups by
//! name, so its targets come in the order of a walk of the tree from `all`, each group's
//! hosts before its children's, which is the file's order for all but a host that `--list`
//! moved from `all` into a group.
//!
//! # Groups
//!
//! Every host is in `all`, and a host in no other group is in `ungrouped`. A host in a child
//! group is in every ancestor group; groups that contain themselves through `children` are an
//! error. A host listed several times (in several groups, or twice) is one [`Target`]; its
//! `groups` are all its groups and their ancestors except `all`, sorted by name like Ansible's
//! `group_names`. Targets come in the order their hosts first appear in the file.
//!
//! # Precedence
//!
//! As Ansible merges variables: group variables by depth (`all`, then top-level groups, then
//! their children, ...), groups of the same depth by `ansible_group_priority` (default 1) and
//! then by name, each later group overriding the earlier; host variables override every group.
//! Where one host or group sets a variable twice, the later line wins.
//!
//! # Variables
//!
//! | Inventory variable (older spellings Ansible also reads) | [`Target`] field |
//! |---|---|
//! | `ansible_host` (`ansible_ssh_host`) | `address`; default: the inventory name |
//! | `ansible_port` (`ansible_ssh_port`), `name:port` | `port`; default 22 |
//! | `ansible_user` (`ansible_ssh_user`) | `user`; default `root`, as in hosts.toml |
//! | `ansible_ssh_private_key_file` (`ansible_private_key_file`) | `identity_files`: that one file, `~` expanded, relative to the inventory's folder; default: the user's default keys |
//! | `ansible_become` | `become_root`: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`, `t`/`f`, `y`/`n`, any case |
//! | `ansible_become_password` (`ansible_become_pass`, `ansible_sudo_pass`) | `become_password_env`, only from `"{{ lookup('env', 'VAR') }}"`: a literal password is refused |
//! | `ansible_password` (`ansible_ssh_pass`, `ansible_ssh_password`) | `password_env`, the same way |
//! | `ansible_ssh_common_args`, then `ansible_ssh_extra_args` | `jump`, from `-J X`, `-o ProxyJump=X`, `-o 'ProxyJump X'` or `-o ProxyJump X`; the first one wins, as in `ssh`; `ProxyCommand` is refused |
//! | `image_check_known_hosts` | `known_hosts` (paths as for keys) |
//! | `image_check_host_key_check` | `host_key_check`: `strict`, `accept-new` or `off` |
//! | `image_check_legacy_algorithms` | `legacy_algorithms` (booleans as above) |
//! | `image_check_connect_timeout` | `connect_timeout`, whole seconds, at least 1 |
//! | `image_check_` and a threshold's name (`image_check_disk_usage_warn`, see [`THRESHOLDS`]) | `thresholds`: a percentage from 1 to 100, or whole GB |
//! | `ansible_group_priority` (group variable) | the order of groups of the same depth |
//!
//! Other variables, `ansible_*` included, are ignored; an unknown `image_check_*` is an error.
//! A null value (YAML `~`, INI `None`) unsets a variable. The variables above are checked where
//! they are written, whether or not a host uses them, and are not templates: `{{ }}` in them is
//! an error, except the `lookup('env', ...)` form of the passwords.
//!
//! # Where this differs from Ansible
//!
//! - `[parent:children]` may name a group defined nowhere else: it is an empty group, as a bare
//!   `name:` is in YAML (the docs' own `[usa:children]` example does this; Ansible refuses it).
//! - In `[group:vars]`, ` #` starts a comment after any value; Ansible keeps it in values that
//!   are not Python literals.
//! - YAML duplicate keys, keys other than `hosts`/`children`/`vars` in a group, and a group that
//!   is not a mapping are errors, not warnings; so is a host name with characters no host name
//!   has.
//! - A relative key file is relative to the inventory's folder, not to the current folder, so
//!   an inventory works from anywhere (as in hosts.toml).
//! - The user defaults to `root`, not to the local user; `ansible_connection` is ignored, so a
//!   `local` or `winrm` host is reached over SSH like any other.
//! - When a documented name and an older spelling (`ansible_host`, `ansible_ssh_host`) are both
//!   set, the documented one wins wherever each is set.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::{
    parse_hosts_toml, range, Destination, Explicit, HostKeyCheck, InventoryError, Target,
    Threshold, Thresholds, Unit, UserPaths, THRESHOLDS,
};

/// 1-based line and column.
type Pos = (usize, usize);

/// The inventory formats [`parse_inventory`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    HostsToml,
    AnsibleIni,
    AnsibleYaml,
}

/// Tells the format of an inventory from its text, or `None` when it is none of the three.
///
/// In order: a `[[hosts]]` table, or valid TOML whose only tables are `defaults`, `groups` and
/// `hosts`, is hosts.toml. Otherwise the first line that is not blank or a comment decides: a
/// YAML document start, `{`, or `name:` is Ansible YAML (INI host names cannot end in `:`); a
/// `[section]` or a host line (a host name, then only `key=value` words) is Ansible INI.
pub fn detect_format(text: &str) -> Option<Format> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let hosts_table = |line: &str| {
        line.trim()
            .strip_prefix("[[")
            .and_then(|l| l.trim_start().strip_prefix("hosts"))
            .is_some_and(|l| l.trim_start().starts_with("]]"))
    };
    if text.lines().any(hosts_table) {
        return Some(Format::HostsToml);
    }
    if let Ok(table) = toml::from_str::<toml::Table>(text) {
        if !table.is_empty()
            && table
                .keys()
                .all(|k| matches!(k.as_str(), "defaults" | "groups" | "hosts"))
        {
            return Some(Format::HostsToml);
        }
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with(['#', ';']))?;
    if looks_like_yaml(first) {
        Some(Format::AnsibleYaml)
    } else if looks_like_ini(first) {
        Some(Format::AnsibleIni)
    } else {
        None
    }
}

/// Parses an inventory in any of the three formats (see [`detect_format`]); `file` names it in
/// errors, and relative paths in it are relative to its folder.
pub fn parse_inventory(
    text: &str,
    file: &Path,
    paths: &UserPaths,
) -> Result<Vec<Target>, InventoryError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match detect_format(text) {
        Some(Format::HostsToml) => parse_hosts_toml(text, file, paths),
        Some(Format::AnsibleIni) => parse_ansible_ini(text, file, paths),
        Some(Format::AnsibleYaml) => parse_ansible_yaml(text, file, paths),
        None => Err(unrecognised(file, text)),
    }
}

fn unrecognised(file: &Path, text: &str) -> InventoryError {
    let what = if text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with(['#', ';'])
    }) {
        "the inventory is empty"
    } else {
        "not an inventory image_check can read"
    };
    InventoryError {
        file: file.to_path_buf(),
        position: None,
        message: format!(
            "{what}: write hosts.toml ([[hosts]] tables), an Ansible INI inventory ([group] \
             sections and host lines) or an Ansible YAML inventory (groups with hosts:, \
             children: and vars:)"
        ),
    }
}

fn looks_like_yaml(first: &str) -> bool {
    if first.starts_with("---")
        || first.starts_with("%YAML")
        || first.starts_with('{')
        || first == "-"
        || first.starts_with("- ")
    {
        return true;
    }
    let line = strip_comment(first);
    let Some(colon) = line.find(':') else {
        return false;
    };
    let (key, after) = (line[..colon].trim(), &line[colon + 1..]);
    let quoted = key.len() >= 2
        && ((key.starts_with('"') && key.ends_with('"'))
            || (key.starts_with('\'') && key.ends_with('\'')));
    (after.is_empty() || after.starts_with([' ', '\t']))
        && !key.is_empty()
        && (quoted || !key.contains(char::is_whitespace))
        && !key.contains('=')
}

fn looks_like_ini(first: &str) -> bool {
    if let Some(inside) = first.strip_prefix('[') {
        // A header, or a near miss such as `[web servers]` that the INI parser explains; but
        // not JSON like `["a", 1]`.
        return section_header(first).is_some()
            || (first.ends_with(']') && !inside.contains(['[', ',', '"', '\'', '{', '}']));
    }
    let Ok(words) = split_words(first) else {
        return false;
    };
    let Some((host, vars)) = words.split_first() else {
        return false;
    };
    check_host_pattern(&host.text).is_ok()
        && vars
            .iter()
            .all(|w| w.text.split_once('=').is_some_and(|(k, _)| !k.is_empty()))
}

// ---------------------------------------------------------------------------------------------
// Variables

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A host or user name: one word.
    Name,
    Port,
    Path,
    Flag,
    /// Only `{{ lookup('env', 'VAR') }}`.
    Password,
    SshArgs,
    HostKeyCheck,
    Seconds,
    /// One of the [`THRESHOLDS`], as `image_check_NAME`.
    Threshold(&'static Threshold),
    Priority,
}

/// The variables image_check reads besides the [`THRESHOLDS`]; everything else in an inventory
/// is ignored.
const VARIABLES: &[(&str, Kind)] = &[
    ("ansible_host", Kind::Name),
    ("ansible_ssh_host", Kind::Name),
    ("ansible_port", Kind::Port),
    ("ansible_ssh_port", Kind::Port),
    ("ansible_user", Kind::Name),
    ("ansible_ssh_user", Kind::Name),
    ("ansible_ssh_private_key_file", Kind::Path),
    ("ansible_private_key_file", Kind::Path),
    ("ansible_become", Kind::Flag),
    ("ansible_password", Kind::Password),
    ("ansible_ssh_pass", Kind::Password),
    ("ansible_ssh_password", Kind::Password),
    ("ansible_become_password", Kind::Password),
    ("ansible_become_pass", Kind::Password),
    ("ansible_sudo_pass", Kind::Password),
    ("ansible_ssh_common_args", Kind::SshArgs),
    ("ansible_ssh_extra_args", Kind::SshArgs),
    ("ansible_group_priority", Kind::Priority),
    ("image_check_known_hosts", Kind::Path),
    ("image_check_host_key_check", Kind::HostKeyCheck),
    ("image_check_legacy_algorithms", Kind::Flag),
    ("image_check_connect_timeout", Kind::Seconds),
];

/// The variable `name` and its kind, if image_check reads it.
fn known_variable(name: &str) -> Option<(&'static str, Kind)> {
    VARIABLES
        .iter()
        .copied()
        .find(|(known, _)| *known == name)
        .or_else(|| {
            let threshold = THRESHOLDS.iter().find(|t| t.variable == name)?;
            Some((threshold.variable, Kind::Threshold(threshold)))
        })
}

// Where Ansible reads a setting from several variables, the documented name comes first.
const ADDRESS: &[&str] = &["ansible_host", "ansible_ssh_host"];
const PORT: &[&str] = &["ansible_port", "ansible_ssh_port"];
const USER: &[&str] = &["ansible_user", "ansible_ssh_user"];
const KEY_FILE: &[&str] = &["ansible_ssh_private_key_file", "ansible_private_key_file"];
const PASSWORD: &[&str] = &[
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_ssh_password",
];
const BECOME_PASSWORD: &[&str] = &[
    "ansible_become_password",
    "ansible_become_pass",
    "ansible_sudo_pass",
];
const SSH_ARGS: &[&str] = &["ansible_ssh_common_args", "ansible_ssh_extra_args"];

const LOOKUP_FORM: &str = "\"{{ lookup('env', 'VAR') }}\"";

/// A variable's value as written, before it is checked.
#[derive(Debug, Clone)]
enum Raw {
    Null,
    Text(String),
    /// An Ansible Vault secret.
    Vault,
    /// A YAML list or mapping.
    Complex,
}

/// A checked value of one of the [`VARIABLES`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// Null: the variable is unset at this level, so the built-in default applies.
    Unset,
    Word(String),
    Port(u16),
    Flag(bool),
    Path(PathBuf),
    Env(String),
    /// SSH arguments naming a jump host (`None` for `ProxyJump none`).
    Jump(Option<String>),
    /// SSH arguments without ProxyJump.
    NoJump,
    HostKeyCheck(HostKeyCheck),
    Number(u64),
    Priority(i64),
}

type Vars = HashMap<&'static str, Value>;

/// Ansible's boolean spellings (`ansible.module_utils.parsing.convert_bool`).
fn ansible_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "y" | "yes" | "on" | "1" | "true" | "t" | "1.0" => Some(true),
        "n" | "no" | "off" | "0" | "false" | "f" | "0.0" => Some(false),
        _ => None,
    }
}

/// `VAR` from `{{ lookup('env', 'VAR') }}` (either quotes, `env` or `ansible.builtin.env`).
fn env_lookup(text: &str) -> Option<String> {
    let unquote = |s: &str| {
        let s = s.trim();
        let quote = s.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        let inner = s.strip_prefix(quote)?.strip_suffix(quote)?;
        (!inner.contains(['\'', '"'])).then(|| inner.to_string())
    };
    let call = text
        .trim()
        .strip_prefix("{{")?
        .strip_suffix("}}")?
        .trim()
        .strip_prefix("lookup")?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let (plugin, var) = call.split_once(',')?;
    let plugin = unquote(plugin)?;
    let var = unquote(var)?;
    let mut chars = var.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    (matches!(plugin.as_str(), "env" | "ansible.builtin.env") && valid).then_some(var)
}

/// The jump host that SSH arguments name: `Ok(None)` when they name none.
fn ssh_args_jump(args: &str) -> Result<Option<Option<String>>, String> {
    let words = shlex::split(args).ok_or("its quotes are not balanced")?;
    let mut words = words.into_iter();
    let mut jump = None;
    while let Some(word) = words.next() {
        let setting = if word == "-o" || word == "-J" {
            let Some(value) = words.next() else {
                return Err(format!("{word} at the end has no value"));
            };
            if word == "-J" {
                format!("ProxyJump={value}")
            } else {
                value
            }
        } else if let Some(option) = word.strip_prefix("-o") {
            option.to_string()
        } else if let Some(host) = word.strip_prefix("-J") {
            format!("ProxyJump={host}")
        } else {
            continue;
        };
        let setting = setting.trim();
        let end = setting
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(setting.len());
        let name = setting[..end].to_ascii_lowercase();
        let after = setting[end..].trim_start();
        let mut value = after.strip_prefix('=').unwrap_or(after).trim().to_string();
        if value.is_empty() && (name == "proxyjump" || name == "proxycommand") {
            // `-o ProxyJump host` or `-o ProxyJump = host`: the value is in the next words.
            value = words.next().unwrap_or_default();
            if value == "=" {
                value = words.next().unwrap_or_default();
            } else if let Some(rest) = value.strip_prefix('=') {
                value = rest.to_string();
            }
        }
        match name.as_str() {
            "proxycommand" if !value.eq_ignore_ascii_case("none") => {
                return Err(
                    "ProxyCommand is not supported, use ProxyJump (-J host or -o ProxyJump=host)"
                        .into(),
                )
            }
            "proxyjump" if jump.is_none() => {
                if value.is_empty() || value.contains(|c: char| c.is_whitespace() || c.is_control())
                {
                    return Err(format!(
                        "ProxyJump {value:?} must be one [user@]host[:port], or several joined by commas"
                    ));
                }
                if !value.eq_ignore_ascii_case("none") {
                    Destination::parse_list(&value)?;
                }
                jump = Some((!value.eq_ignore_ascii_case("none")).then_some(value));
            }
            _ => {}
        }
    }
    Ok(jump)
}

// ---------------------------------------------------------------------------------------------
// The inventory being built, common to INI and YAML

const ALL: usize = 0;
const UNGROUPED: usize = 1;

struct Host {
    name: String,
    /// Groups the host is listed in directly.
    groups: Vec<usize>,
    vars: Vars,
    /// Why its entry is wrong in itself: a row of status `invalid`, never contacted.
    invalid: Option<String>,
}

struct Group {
    name: String,
    /// Each child with where it was made one.
    children: Vec<(usize, Pos)>,
    parents: Vec<usize>,
    vars: Vars,
    priority: i64,
}

struct Builder<'a> {
    file: &'a Path,
    base: PathBuf,
    paths: &'a UserPaths,
    hosts: Vec<Host>,
    host_index: HashMap<String, usize>,
    groups: Vec<Group>,
    group_index: HashMap<String, usize>,
}

impl<'a> Builder<'a> {
    fn new(file: &'a Path, paths: &'a UserPaths) -> Self {
        let mut builder = Builder {
            file,
            base: file.parent().unwrap_or(Path::new(".")).to_path_buf(),
            paths,
            hosts: Vec::new(),
            host_index: HashMap::new(),
            groups: Vec::new(),
            group_index: HashMap::new(),
        };
        builder.group("all");
        builder.group("ungrouped");
        builder
    }

    fn err(&self, position: Option<Pos>, message: impl Into<String>) -> InventoryError {
        InventoryError {
            file: self.file.to_path_buf(),
            position,
            message: message.into(),
        }
    }

    fn group(&mut self, name: &str) -> usize {
        if let Some(&index) = self.group_index.get(name) {
            return index;
        }
        self.groups.push(Group {
            name: name.to_string(),
            children: Vec::new(),
            parents: Vec::new(),
            vars: Vars::new(),
            priority: 1,
        });
        self.group_index
            .insert(name.to_string(), self.groups.len() - 1);
        self.groups.len() - 1
    }

    fn add_child(&mut self, parent: usize, child: usize, pos: Pos) -> Result<(), InventoryError> {
        let parent_name = &self.groups[parent].name;
        if child == ALL {
            return Err(self.err(
                Some(pos),
                format!(
                    "`all` cannot be a child of `{parent_name}`: every group is already in `all`"
                ),
            ));
        }
        if parent == child {
            return Err(self.err(
                Some(pos),
                format!("groups form a cycle ({parent_name} -> {parent_name}): a group cannot contain itself"),
            ));
        }
        if !self.groups[parent]
            .children
            .iter()
            .any(|(c, _)| *c == child)
        {
            self.groups[parent].children.push((child, pos));
            self.groups[child].parents.push(parent);
        }
        Ok(())
    }

    /// Adds `vars` to every host that `pattern` names, and puts them in `group`.
    fn add_hosts(
        &mut self,
        pattern: &str,
        pos: Pos,
        group: usize,
        vars: Vec<(&'static str, Value)>,
    ) -> Result<(), InventoryError> {
        let (names, port) = host_pattern(pattern).map_err(|e| self.err(Some(pos), e))?;
        for name in names {
            let index = match self.host_index.get(&name) {
                Some(&index) => index,
                None => {
                    self.hosts.push(Host {
                        name: name.clone(),
                        groups: Vec::new(),
                        vars: Vars::new(),
                        invalid: None,
                    });
                    self.host_index.insert(name, self.hosts.len() - 1);
                    self.hosts.len() - 1
                }
            };
            let host = &mut self.hosts[index];
            if !host.groups.contains(&group) {
                host.groups.push(group);
            }
            // As Ansible: the port after the name first, so an explicit ansible_port beats it.
            if let Some(port) = port {
                host.vars.insert("ansible_port", Value::Port(port));
            }
            for (key, value) in &vars {
                host.vars.insert(*key, value.clone());
            }
        }
        Ok(())
    }

    /// Adds the hosts of one entry (its `pattern` and `vars`), or, when the entry is wrong in
    /// itself, one host of status `invalid` named by the pattern as written (control
    /// characters escaped): the other hosts are scanned.
    fn add_entry(
        &mut self,
        pattern: &str,
        pos: Pos,
        group: usize,
        vars: Result<Vec<(&'static str, Value)>, InventoryError>,
    ) {
        let added = vars.and_then(|vars| self.add_hosts(pattern, pos, group, vars));
        if let Err(e) = added {
            let name = pattern.trim().escape_debug().to_string();
            match self.host_index.get(&name) {
                // Listed before without a fault: this entry's fault still makes it invalid.
                Some(&index) => {
                    let host = &mut self.hosts[index];
                    host.invalid.get_or_insert_with(|| e.to_string());
                }
                None => {
                    self.host_index.insert(name.clone(), self.hosts.len());
                    self.hosts.push(Host {
                        name,
                        groups: vec![group],
                        vars: Vars::new(),
                        invalid: Some(e.to_string()),
                    });
                }
            }
        }
    }

    fn set_group_var(&mut self, group: usize, key: &'static str, value: Value) {
        let group = &mut self.groups[group];
        if key == "ansible_group_priority" {
            group.priority = match value {
                Value::Priority(p) => p,
                _ => 1,
            };
        }
        group.vars.insert(key, value);
    }

    /// Checks one variable where it is written. `None`: not a variable image_check reads.
    fn variable(
        &self,
        name: &str,
        raw: Raw,
        pos: Pos,
    ) -> Result<Option<(&'static str, Value)>, InventoryError> {
        let Some((key, kind)) = known_variable(name) else {
            if name.starts_with("image_check_") {
                let known: Vec<&str> = VARIABLES
                    .iter()
                    .map(|(n, _)| *n)
                    .filter(|n| n.starts_with("image_check_"))
                    .chain(THRESHOLDS.iter().map(|t| t.variable))
                    .collect();
                return Err(self.err(
                    Some(pos),
                    format!(
                        "unknown variable `{name}`: image_check's are {}",
                        known.join(", ")
                    ),
                ));
            }
            return Ok(None);
        };
        let fail = |message: String| Err(self.err(Some(pos), message));
        let text = match raw {
            Raw::Null => return Ok(Some((key, Value::Unset))),
            Raw::Vault if kind == Kind::Password => {
                return fail(format!(
                    "{key} is encrypted with Ansible Vault, which image_check cannot open: put the password in an environment variable and write {key}: {LOOKUP_FORM}"
                ))
            }
            Raw::Vault => {
                return fail(format!(
                    "{key} is encrypted with Ansible Vault, which image_check cannot open: write the value itself"
                ))
            }
            Raw::Complex => return fail(format!("{key} must be one value, not a list or a mapping")),
            Raw::Text(text) => text,
        };
        let text = text.trim();
        let number = |what: &str| {
            text.parse::<u64>()
                .map_err(|_| self.err(Some(pos), format!("{key} {text:?} is not {what}")))
        };
        let value = match kind {
            // Never echo a password's value: it may be the password itself.
            Kind::Password if text.is_empty() => Value::Unset,
            Kind::Password => match env_lookup(text) {
                Some(var) => Value::Env(var),
                None if text.contains("{{") => {
                    return fail(format!(
                        "{key} must be exactly {LOOKUP_FORM}: image_check evaluates no other template"
                    ))
                }
                None => {
                    return fail(format!(
                        "{key} holds a literal password, which image_check refuses to read from an inventory: put it in an environment variable and write {key}={LOOKUP_FORM}"
                    ))
                }
            },
            _ if text.contains("{{") || text.contains("{%") => {
                return fail(format!(
                    "{key} is a template, which image_check does not evaluate: write the value itself"
                ))
            }
            Kind::Name => {
                if text.is_empty() || text.contains(|c: char| c.is_whitespace() || c.is_control()) {
                    return fail(format!("{key} {text:?} must be one word"));
                }
                Value::Word(text.to_string())
            }
            Kind::Port => {
                let port = number("a port number")?;
                match u16::try_from(port) {
                    Ok(port) if port != 0 => Value::Port(port),
                    _ => return fail(format!("{key} {port} is not between 1 and 65535")),
                }
            }
            Kind::Path => {
                if text.is_empty() {
                    return fail(format!("{key} is empty: give a file, or leave the variable out"));
                }
                Value::Path(self.paths.expand(text, &self.base))
            }
            Kind::Flag => match ansible_bool(text) {
                Some(flag) => Value::Flag(flag),
                None => {
                    return fail(format!(
                        "{key} {text:?} is not a boolean: write true or false (yes/no, on/off, 1/0)"
                    ))
                }
            },
            Kind::SshArgs => match ssh_args_jump(text) {
                Ok(Some(jump)) => Value::Jump(jump),
                Ok(None) => Value::NoJump,
                Err(e) => return fail(format!("{key}: {e}")),
            },
            Kind::HostKeyCheck => match text {
                "strict" => Value::HostKeyCheck(HostKeyCheck::Strict),
                "accept-new" => Value::HostKeyCheck(HostKeyCheck::AcceptNew),
                "off" => Value::HostKeyCheck(HostKeyCheck::Off),
                _ => return fail(format!("{key} {text:?} must be strict, accept-new or off")),
            },
            Kind::Seconds => match number("a number of seconds")? {
                0 => return fail(format!("{key} must be at least 1 second")),
                seconds => Value::Number(seconds),
            },
            Kind::Threshold(threshold) => {
                let value = number(match threshold.unit {
                    Unit::Percent => "a percentage",
                    Unit::Gigabytes => "a whole number of GB",
                })?;
                match threshold.check(key, Some(value)) {
                    Ok(value) => Value::Number(value),
                    Err(e) => return fail(e),
                }
            }
            Kind::Priority => match text.parse::<i64>() {
                Ok(priority) => Value::Priority(priority),
                Err(_) => return fail(format!("{key} {text:?} is not a whole number")),
            },
        };
        Ok(Some((key, value)))
    }

    /// Resolves every host: memberships, variable precedence, then the [`Target`].
    fn finish(self) -> Result<Vec<Target>, InventoryError> {
        if self.hosts.is_empty() {
            return Err(self.err(None, "no hosts: the inventory lists no host in any group"));
        }
        let depth = self.depths()?;
        let mut targets = Vec::with_capacity(self.hosts.len());
        for host in &self.hosts {
            let mut member = self.with_ancestors(host.groups.iter().copied());
            member.insert(ALL);
            if member.iter().any(|&g| g != ALL && g != UNGROUPED) {
                member.remove(&UNGROUPED);
            } else {
                member.extend(self.with_ancestors([UNGROUPED]));
            }
            let mut order: Vec<usize> = member.into_iter().collect();
            order.sort_by(|&a, &b| {
                let key = |g: usize| (depth[g], self.groups[g].priority, &self.groups[g].name);
                key(a).cmp(&key(b))
            });
            let mut vars: HashMap<&'static str, &Value> = HashMap::new();
            for &group in &order {
                vars.extend(self.groups[group].vars.iter().map(|(k, v)| (*k, v)));
            }
            vars.extend(host.vars.iter().map(|(k, v)| (*k, v)));
            let mut groups: Vec<String> = order
                .iter()
                .filter(|&&g| g != ALL)
                .map(|&g| self.groups[g].name.clone())
                .collect();
            groups.sort();
            targets.push(match &host.invalid {
                Some(reason) => Target::invalid(&host.name, reason.clone()),
                None => self.target(&host.name, &vars, groups),
            });
        }
        Ok(targets)
    }

    /// Each group's depth below `all` (the longest path); an error names a cycle.
    fn depths(&self) -> Result<Vec<usize>, InventoryError> {
        let count = self.groups.len();
        let mut waiting: Vec<usize> = self.groups.iter().map(|g| g.parents.len()).collect();
        let mut queue: VecDeque<usize> = (0..count).filter(|&g| waiting[g] == 0).collect();
        // A group with no parent is a child of `all`.
        let mut depth: Vec<usize> = (0..count).map(|g| usize::from(g != ALL)).collect();
        let mut done = vec![false; count];
        while let Some(group) = queue.pop_front() {
            done[group] = true;
            for &(child, _) in &self.groups[group].children {
                depth[child] = depth[child].max(depth[group] + 1);
                waiting[child] -= 1;
                if waiting[child] == 0 {
                    queue.push_back(child);
                }
            }
        }
        let Some(start) = (0..count).find(|&g| !done[g]) else {
            return Ok(depth);
        };
        // Every group left over has a parent left over: walk up until a group repeats.
        let mut path = vec![start];
        let mut seen: HashMap<usize, usize> = HashMap::from([(start, 0)]);
        let cycle = loop {
            let current = path[path.len() - 1];
            let Some(&parent) = self.groups[current].parents.iter().find(|&&p| !done[p]) else {
                return Err(self.err(None, "groups form a cycle: a group cannot contain itself"));
            };
            if let Some(&at) = seen.get(&parent) {
                break path[at..].to_vec();
            }
            seen.insert(parent, path.len());
            path.push(parent);
        };
        // `cycle` runs child to parent; say it parent to child, and point at the edge written
        // last, the one that closed it.
        let mut order: Vec<usize> = cycle.iter().rev().copied().collect();
        let edge = |order: &[usize], i: usize| {
            let (parent, child) = (order[i], order[(i + 1) % order.len()]);
            let edges = &self.groups[parent].children;
            edges.iter().find(|(c, _)| *c == child).map(|(_, pos)| *pos)
        };
        let closing = (0..order.len())
            .max_by_key(|&i| edge(&order, i))
            .unwrap_or(0);
        let position = edge(&order, closing);
        // Start after the closing edge, so the cycle reads in the order it was written.
        let start = (closing + 1) % order.len();
        order.rotate_left(start);
        let mut names: Vec<&str> = order
            .iter()
            .map(|&g| self.groups[g].name.as_str())
            .collect();
        names.push(names[0]);
        Err(self.err(
            position,
            format!(
                "groups form a cycle ({}): a group cannot contain itself",
                names.join(" -> ")
            ),
        ))
    }

    fn with_ancestors(&self, groups: impl IntoIterator<Item = usize>) -> HashSet<usize> {
        let mut found = HashSet::new();
        let mut stack: Vec<usize> = groups.into_iter().collect();
        while let Some(group) = stack.pop() {
            if found.insert(group) {
                stack.extend(self.groups[group].parents.iter().copied());
            }
        }
        found
    }

    fn target(
        &self,
        name: &str,
        vars: &HashMap<&'static str, &Value>,
        groups: Vec<String>,
    ) -> Target {
        let get = |key: &str| vars.get(key).copied().filter(|v| **v != Value::Unset);
        let first = |keys: &[&str]| keys.iter().find_map(|k| get(k));
        let word = |keys: &[&str]| match first(keys) {
            Some(Value::Word(w)) => Some(w.clone()),
            _ => None,
        };
        let env = |keys: &[&str]| match first(keys) {
            Some(Value::Env(var)) => Some(var.clone()),
            _ => None,
        };
        let path = |keys: &[&str]| match first(keys) {
            Some(Value::Path(p)) => Some(p.clone()),
            _ => None,
        };
        let flag = |key: &str| matches!(get(key), Some(Value::Flag(true)));
        let number = |key: &str, default: u64| match get(key) {
            Some(Value::Number(n)) => *n,
            _ => default,
        };
        let mut thresholds = Thresholds::default();
        for threshold in THRESHOLDS {
            if let Some(Value::Number(value)) = get(threshold.variable) {
                threshold.set(&mut thresholds, *value);
            }
        }
        let jump = SSH_ARGS.iter().find_map(|k| match get(k) {
            Some(Value::Jump(jump)) => Some(jump.clone()),
            _ => None,
        });
        let explicit = Explicit {
            address: word(ADDRESS).is_some(),
            port: matches!(first(PORT), Some(Value::Port(_))),
            user: word(USER).is_some(),
            identity_files: path(KEY_FILE).is_some(),
            known_hosts: path(&["image_check_known_hosts"]).is_some(),
            host_key_check: matches!(
                get("image_check_host_key_check"),
                Some(Value::HostKeyCheck(_))
            ),
            jump: jump.is_some(),
        };
        Target {
            name: name.to_string(),
            address: word(ADDRESS).unwrap_or_else(|| name.to_string()),
            port: match first(PORT) {
                Some(Value::Port(port)) => *port,
                _ => 22,
            },
            user: word(USER).unwrap_or_else(|| "root".to_string()),
            identity_files: match path(KEY_FILE) {
                Some(file) => vec![file],
                None => self.paths.default_identities.clone(),
            },
            known_hosts: path(&["image_check_known_hosts"])
                .unwrap_or_else(|| self.paths.expand("~/.ssh/known_hosts", &self.base)),
            host_key_check: match get("image_check_host_key_check") {
                Some(Value::HostKeyCheck(check)) => *check,
                _ => HostKeyCheck::Strict,
            },
            become_root: flag("ansible_become"),
            connect_timeout: Duration::from_secs(number("image_check_connect_timeout", 10)),
            legacy_algorithms: flag("image_check_legacy_algorithms"),
            jump: jump.flatten(),
            password_env: env(PASSWORD),
            become_password_env: env(BECOME_PASSWORD),
            groups,
            thresholds,
            explicit,
            ssh_config: true,
            invalid: None,
        }
    }
}

/// Expands a host pattern into host names and the port they share.
fn host_pattern(pattern: &str) -> Result<(Vec<String>, Option<u16>), String> {
    let (host, port) = check_host_pattern(pattern)?;
    Ok((range::expand(host)?, port))
}

/// Checks a host pattern, `name`, `name:port` or `[ipv6]:port`, ranges not yet expanded, and
/// splits off the port.
fn check_host_pattern(pattern: &str) -> Result<(&str, Option<u16>), String> {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Err("a host needs a name".into());
    }
    if pattern == "---" {
        return Err(
            "\"---\" is not a host name but the start of a YAML document, in a file read as an INI inventory"
                .into(),
        );
    }
    if pattern.ends_with(':') {
        return Err(format!(
            "host name {pattern:?} ends with ':': write a port after it (name:2222) or remove it"
        ));
    }
    let (host, port) = split_port(pattern);
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '[' | ']' | '%')))
    {
        return Err(format!(
            "host name {pattern:?} has the character {bad:?}, which no host name or address has"
        ));
    }
    let port = match port {
        None => None,
        Some(digits) => match digits
            .parse::<u32>()
            .ok()
            .and_then(|p| u16::try_from(p).ok())
        {
            Some(port) if port != 0 => Some(port),
            _ => {
                return Err(format!(
                    "port {digits} of {pattern:?} is not between 1 and 65535"
                ))
            }
        },
    };
    Ok((host, port))
}

/// Splits `host:port` and `[host]:port` as Ansible does: a bare IPv6 address keeps its colons.
fn split_port(pattern: &str) -> (&str, Option<&str>) {
    let is_port = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(inner) = pattern.strip_prefix('[') {
        if let Some(close) = inner.rfind("]:") {
            if is_port(&inner[close + 2..]) {
                return (&inner[..close], Some(&inner[close + 2..]));
            }
        }
    }
    if let Some(colon) = pattern.rfind(':') {
        let (host, port) = (&pattern[..colon], &pattern[colon + 1..]);
        let mut depth = 0i32;
        let bare_colon = host.chars().any(|c| {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
            c == ':' && depth == 0
        });
        if is_port(port) && !host.is_empty() && !bare_colon {
            return (host, Some(port));
        }
    }
    (pattern, None)
}

// ---------------------------------------------------------------------------------------------
// INI

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Hosts,
    Vars,
    Children,
}

/// Parses an Ansible INI inventory; `file` names it in errors, and relative paths in it are
/// relative to its folder.
pub fn parse_ansible_ini(
    text: &str,
    file: &Path,
    paths: &UserPaths,
) -> Result<Vec<Target>, InventoryError> {
    let mut b = Builder::new(file, paths);
    // Groups made by a [g] or [g:children] section or a children line; `[g:vars]` alone is a
    // typo as far as Ansible is concerned.
    let mut declared: HashSet<usize> = HashSet::from([ALL, UNGROUPED]);
    let mut vars_sections: Vec<(usize, Pos)> = Vec::new();
    let (mut group, mut section) = (UNGROUPED, Section::Hosts);
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let pos = (
            index + 1,
            line.chars().take_while(|c| c.is_whitespace()).count() + 1,
        );
        if trimmed.starts_with('[') {
            if let Some((name, kind)) = section_header(trimmed) {
                section = match kind {
                    None => Section::Hosts,
                    Some("vars") => Section::Vars,
                    Some("children") => Section::Children,
                    Some(other) => {
                        return Err(b.err(
                            Some(pos),
                            format!("unknown section type `:{other}` in {trimmed}: a section is [{name}], [{name}:vars] or [{name}:children]"),
                        ))
                    }
                };
                group = b.group(name);
                if section == Section::Vars {
                    vars_sections.push((group, pos));
                } else {
                    declared.insert(group);
                }
                continue;
            }
            if trimmed.ends_with(']') {
                return Err(b.err(
                    Some(pos),
                    format!("{trimmed} is not a section header: write [group], [group:vars] or [group:children], with no spaces in the name"),
                ));
            }
        }
        match section {
            Section::Hosts => ini_host_line(&mut b, group, line, index + 1)?,
            Section::Vars => {
                let Some((key, value)) = trimmed.split_once('=') else {
                    return Err(b.err(
                        Some(pos),
                        format!(
                            "expected key=value in [{}:vars]: a vars section has one variable per line",
                            b.groups[group].name
                        ),
                    ));
                };
                let key = key.trim();
                if key.is_empty() {
                    return Err(b.err(Some(pos), "a variable needs a name before the `=`"));
                }
                if let Some((key, value)) =
                    b.variable(key, python_value(strip_comment(value)), pos)?
                {
                    b.set_group_var(group, key, value);
                }
            }
            Section::Children => {
                let name = strip_comment(trimmed);
                if name.is_empty()
                    || name.contains(|c: char| c.is_whitespace() || c == ':' || c == ']')
                {
                    return Err(b.err(
                        Some(pos),
                        format!("{trimmed:?} is not a group name: [{}:children] lists one group per line", b.groups[group].name),
                    ));
                }
                let child = b.group(name);
                declared.insert(child);
                b.add_child(group, child, pos)?;
            }
        }
    }
    if let Some(&(group, pos)) = vars_sections.iter().find(|(g, _)| !declared.contains(g)) {
        let name = &b.groups[group].name;
        return Err(b.err(
            Some(pos),
            format!("[{name}:vars] sets variables of group `{name}`, which is not defined: add a [{name}] section, or list {name} under a [parent:children]"),
        ));
    }
    b.finish()
}

/// `[name]` or `[name:kind]`, then nothing or a comment.
fn section_header(line: &str) -> Option<(&str, Option<&str>)> {
    let close = line.find(']')?;
    let inner = line.strip_prefix('[')?.get(..close - 1)?;
    let rest = line[close + 1..].trim_start();
    if !(rest.is_empty() || rest.starts_with(['#', ';'])) {
        return None;
    }
    let (name, kind) = match inner.split_once(':') {
        Some((name, kind)) => (name, Some(kind)),
        None => (inner, None),
    };
    let name_ok = !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == '[');
    let kind_ok =
        kind.is_none_or(|k| !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_'));
    (name_ok && kind_ok).then_some((name, kind))
}

fn ini_host_line(
    b: &mut Builder,
    group: usize,
    line: &str,
    number: usize,
) -> Result<(), InventoryError> {
    let words = split_words(line).map_err(|(col, e)| b.err(Some((number, col)), e))?;
    let Some((host, rest)) = words.split_first() else {
        return Ok(());
    };
    let vars = rest
        .iter()
        .map(|word| {
            let pos = (number, word.col);
            let Some((key, value)) = word.text.split_once('=') else {
                return Err(b.err(
                    Some(pos),
                    format!("{:?} after the host name is not key=value: host variables are key=value words, and a value with spaces is quoted", word.text),
                ));
            };
            if key.is_empty() {
                return Err(b.err(Some(pos), "a variable needs a name before the `=`"));
            }
            b.variable(key, python_value(value), pos)
        })
        .filter_map(Result::transpose)
        .collect();
    b.add_entry(&host.text, (number, host.col), group, vars);
    Ok(())
}

/// A word of a host line and the column where it starts.
struct Word {
    text: String,
    col: usize,
}

/// Splits a host line as Ansible does (Python's `shlex.split(line, comments=True)`): quotes
/// group, a backslash escapes, `#` outside quotes ends the line.
fn split_words(line: &str) -> Result<Vec<Word>, (usize, String)> {
    let mut words = Vec::new();
    let mut current: Option<Word> = None;
    let mut chars = line.chars().enumerate().peekable();
    while let Some((index, c)) = chars.next() {
        let col = index + 1;
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            words.extend(current.take());
            continue;
        }
        if c == '#' {
            break;
        }
        let word = current.get_or_insert_with(|| Word {
            text: String::new(),
            col,
        });
        match c {
            '\'' => loop {
                match chars.next() {
                    Some((_, '\'')) => break,
                    Some((_, ch)) => word.text.push(ch),
                    None => return Err((col, "this ' quote is not closed".into())),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match chars.peek() {
                        Some(&(_, next @ ('"' | '\\'))) => {
                            word.text.push(next);
                            chars.next();
                        }
                        _ => word.text.push('\\'),
                    },
                    Some((_, ch)) => word.text.push(ch),
                    None => return Err((col, "this \" quote is not closed".into())),
                }
            },
            '\\' => match chars.next() {
                Some((_, ch)) => word.text.push(ch),
                None => return Err((col, "the line ends with a \\ that escapes nothing".into())),
            },
            _ => word.text.push(c),
        }
    }
    words.extend(current);
    Ok(words)
}

/// Cuts a `#` comment that follows whitespace outside quotes.
fn strip_comment(text: &str) -> &str {
    let text = text.trim();
    let (mut quote, mut escaped, mut after_space) = (None, false, false);
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '#' && after_space => return text[..i].trim_end(),
            None if c == '\'' || c == '"' => quote = Some(c),
            None => {}
        }
        after_space = c.is_whitespace();
    }
    text
}

/// An INI value as Ansible reads it with Python's `ast.literal_eval`, as far as it matters
/// here: a quoted string is its content, `None` is null, anything else is the text itself.
fn python_value(text: &str) -> Raw {
    let text = text.trim();
    if text == "None" {
        return Raw::Null;
    }
    Raw::Text(python_string(text).unwrap_or_else(|| text.to_string()))
}

fn python_string(text: &str) -> Option<String> {
    let mut chars = text.chars();
    let quote = chars.next().filter(|c| *c == '\'' || *c == '"')?;
    let mut out = String::new();
    loop {
        match chars.next()? {
            c if c == quote => break,
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                c @ ('\\' | '\'' | '"') => out.push(c),
                c => {
                    out.push('\\');
                    out.push(c);
                }
            },
            c => out.push(c),
        }
    }
    chars.as_str().trim().is_empty().then_some(out)
}

// ---------------------------------------------------------------------------------------------
// YAML

/// Parses an Ansible YAML (or JSON) inventory; `file` names it in errors, and relative paths
/// in it are relative to its folder.
pub fn parse_ansible_yaml(
    text: &str,
    file: &Path,
    paths: &UserPaths,
) -> Result<Vec<Target>, InventoryError> {
    let mut b = Builder::new(file, paths);
    let root = match load_yaml(text) {
        Err((pos, message)) => return Err(b.err(Some(pos), message)),
        Ok(Some(root)) if !root.is_null() => root,
        Ok(_) => return Err(unrecognised(file, "")),
    };
    let NodeKind::Map(entries) = &root.kind else {
        return Err(b.err(
            Some(root.pos),
            "an Ansible YAML inventory is a mapping of groups (all:, webservers:, ...), not a list or a single value",
        ));
    };
    if let Some((key, value)) = entries.iter().find(|(k, _)| k.key_text() == Some("plugin")) {
        return Err(b.err(
            Some(key.pos),
            format!(
                "this configures the inventory plugin {:?} rather than listing hosts: write the hosts out with `ansible-inventory -i {} --list --yaml > inventory.yml` and scan that",
                value.key_text().unwrap_or_default(),
                file.display()
            ),
        ));
    }
    if entries.iter().any(|(k, _)| k.key_text() == Some("_meta")) {
        return parse_inventory_list(b, entries);
    }
    let is_group = |node: &Node| match &node.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .any(|(k, _)| matches!(k.key_text(), Some("hosts" | "children" | "vars"))),
        _ => false,
    };
    if !entries.iter().any(|(_, value)| is_group(value)) {
        return Err(unrecognised(file, text));
    }
    for (key, value) in entries {
        let group = yaml_group_name(&mut b, key)?;
        yaml_group(&mut b, group, value)?;
    }
    b.finish()
}

fn yaml_group_name(b: &mut Builder, key: &Node) -> Result<usize, InventoryError> {
    match key.key_text() {
        Some(name) if !name.trim().is_empty() => Ok(b.group(name)),
        _ => Err(b.err(Some(key.pos), "a group needs a name")),
    }
}

/// A group's entries (none for a bare `name:`), or why it is not a mapping.
fn group_entries<'n>(
    b: &Builder,
    group: usize,
    node: &'n Node,
) -> Result<&'n [(Node, Node)], InventoryError> {
    match &node.kind {
        _ if node.is_null() => Ok(&[]),
        NodeKind::Map(entries) => Ok(entries),
        _ => Err(b.err(
            Some(node.pos),
            format!(
                "group `{}` must be a mapping with hosts:, children: or vars:",
                b.groups[group].name
            ),
        )),
    }
}

fn yaml_group(b: &mut Builder, group: usize, node: &Node) -> Result<(), InventoryError> {
    for (key, value) in group_entries(b, group, node)? {
        match key.key_text() {
            Some("hosts") => yaml_hosts(b, group, value)?,
            Some("children") => yaml_children(b, group, value)?,
            Some("vars") => yaml_vars(b, group, value)?,
            other => {
                return Err(b.err(
                    Some(key.pos),
                    format!(
                        "{:?} in group `{}` is none of hosts:, children: or vars: hosts go under hosts:, variables under vars:, groups under children:",
                        other.unwrap_or_default(),
                        b.groups[group].name
                    ),
                ))
            }
        }
    }
    Ok(())
}

fn yaml_hosts(b: &mut Builder, group: usize, node: &Node) -> Result<(), InventoryError> {
    if node.is_null() {
        return Ok(());
    }
    let entries = match &node.kind {
        // `hosts: name`, which Ansible reads as one host.
        NodeKind::Scalar { text, .. } => return b.add_hosts(text, node.pos, group, Vec::new()),
        NodeKind::Seq(_) => {
            return Err(b.err(
                Some(node.pos),
                format!(
                    "hosts of group `{}` must be a mapping, one `name:` per host, not a list",
                    b.groups[group].name
                ),
            ))
        }
        NodeKind::Map(entries) => entries,
    };
    for (key, value) in entries {
        let Some(pattern) = key.key_text() else {
            return Err(b.err(Some(key.pos), "a host needs a name"));
        };
        let vars = host_vars(b, pattern, value);
        b.add_entry(pattern, key.pos, group, vars);
    }
    Ok(())
}

/// The variables image_check reads among a host's (`name: {vars}` in YAML, the host's entry
/// of `--list`'s hostvars), each checked.
fn host_vars(
    b: &Builder,
    host: &str,
    vars: &Node,
) -> Result<Vec<(&'static str, Value)>, InventoryError> {
    match &vars.kind {
        _ if vars.is_null() => Ok(Vec::new()),
        NodeKind::Map(values) => values
            .iter()
            .map(|(name, raw)| {
                let Some(text) = name.key_text() else {
                    return Err(b.err(Some(name.pos), "a variable needs a name"));
                };
                b.variable(text, raw_value(raw), value_pos(name, raw))
            })
            .filter_map(Result::transpose)
            .collect(),
        _ => Err(b.err(
            Some(vars.pos),
            format!("host {host:?} must be followed by its variables (a mapping) or nothing"),
        )),
    }
}

fn yaml_children(b: &mut Builder, group: usize, node: &Node) -> Result<(), InventoryError> {
    if node.is_null() {
        return Ok(());
    }
    match &node.kind {
        NodeKind::Scalar { .. } => {
            let child = yaml_group_name(b, node)?;
            b.add_child(group, child, node.pos)
        }
        NodeKind::Seq(_) => Err(b.err(
            Some(node.pos),
            format!(
                "children of group `{}` must be a mapping, one `group:` per line, not a list",
                b.groups[group].name
            ),
        )),
        NodeKind::Map(entries) => {
            for (key, value) in entries {
                let child = yaml_group_name(b, key)?;
                b.add_child(group, child, key.pos)?;
                yaml_group(b, child, value)?;
            }
            Ok(())
        }
    }
}

fn yaml_vars(b: &mut Builder, group: usize, node: &Node) -> Result<(), InventoryError> {
    if node.is_null() {
        return Ok(());
    }
    let NodeKind::Map(entries) = &node.kind else {
        return Err(b.err(
            Some(node.pos),
            format!(
                "vars of group `{}` must be a mapping of names to values",
                b.groups[group].name
            ),
        ));
    };
    for (name, raw) in entries {
        let pos = value_pos(name, raw);
        let Some(name) = name.key_text() else {
            return Err(b.err(Some(name.pos), "a variable needs a name"));
        };
        if let Some((key, value)) = b.variable(name, raw_value(raw), pos)? {
            b.set_group_var(group, key, value);
        }
    }
    Ok(())
}

/// Where to point at a variable: its value when that is on the key's line, else the key (a
/// block scalar such as `!vault |` starts on the next line).
fn value_pos(key: &Node, value: &Node) -> Pos {
    if value.pos.0 == key.pos.0 {
        value.pos
    } else {
        key.pos
    }
}

fn raw_value(node: &Node) -> Raw {
    match &node.kind {
        _ if node.is_null() => Raw::Null,
        NodeKind::Scalar { vault: true, .. } => Raw::Vault,
        NodeKind::Scalar { text, .. } => Raw::Text(text.clone()),
        // How `ansible-inventory --list` writes a `!vault` value.
        NodeKind::Map(entries)
            if entries.len() == 1 && entries[0].0.key_text() == Some("__ansible_vault") =>
        {
            Raw::Vault
        }
        NodeKind::Seq(_) | NodeKind::Map(_) => Raw::Complex,
    }
}

// ---------------------------------------------------------------------------------------------
// `ansible-inventory --list`

/// Reads what `ansible-inventory --list` (or `--list --export`) prints: each group with its
/// `hosts` and `children` as lists of names (and, with `--export`, its `vars`), and in
/// `_meta.hostvars` each host's variables as Ansible resolved them, group_vars/, host_vars/,
/// vaults and plugins included. Hosts come from the groups' lists, since `hostvars` leaves out
/// a host without variables; a variable that is wrong makes its host an `invalid` row.
fn parse_inventory_list(
    mut b: Builder,
    entries: &[(Node, Node)],
) -> Result<Vec<Target>, InventoryError> {
    let mut hostvars = None;
    let mut by_name: HashMap<&str, (&Node, &Node)> = HashMap::new();
    for (key, value) in entries {
        match key.key_text() {
            Some("_meta") => hostvars = list_hostvars(&b, value)?,
            Some(name) => {
                by_name.entry(name).or_insert((key, value));
            }
            None => return Err(b.err(Some(key.pos), "a group needs a name")),
        }
    }
    // `--list` sorts the groups by name, and so loses the file's order of hosts: walk the
    // tree from `all` instead, each group's hosts before its children, which meets the hosts
    // of a static inventory in its order. Groups the walk does not reach follow as written.
    let mut done = HashSet::new();
    let starts = std::iter::once("all").chain(entries.iter().filter_map(|(k, _)| k.key_text()));
    for start in starts {
        let mut stack = vec![start.to_string()];
        while let Some(name) = stack.pop() {
            let Some(&(key, value)) = by_name.get(name.as_str()) else {
                continue;
            };
            if !done.insert(name) {
                continue;
            }
            let group = yaml_group_name(&mut b, key)?;
            list_group(&mut b, group, value)?;
            let children = b.groups[group].children.iter().rev();
            stack.extend(children.map(|&(child, _)| b.groups[child].name.clone()));
        }
    }
    for (host, vars) in hostvars.into_iter().flatten() {
        let Some(name) = host.key_text() else {
            return Err(b.err(Some(host.pos), "a host needs a name"));
        };
        let vars = host_vars(&b, name, vars);
        b.add_entry(name, host.pos, ALL, vars);
    }
    b.finish()
}

/// The entries of `_meta.hostvars`, if it has any.
fn list_hostvars<'n>(
    b: &Builder,
    meta: &'n Node,
) -> Result<Option<&'n [(Node, Node)]>, InventoryError> {
    let NodeKind::Map(entries) = &meta.kind else {
        return Err(b.err(Some(meta.pos), "_meta must be a mapping with hostvars:"));
    };
    match entries
        .iter()
        .find(|(k, _)| k.key_text() == Some("hostvars"))
    {
        None => Ok(None),
        Some((_, hostvars)) if hostvars.is_null() => Ok(None),
        Some((_, hostvars)) => match &hostvars.kind {
            NodeKind::Map(hosts) => Ok(Some(hosts)),
            _ => Err(b.err(
                Some(hostvars.pos),
                "_meta.hostvars must be a mapping of host names to their variables",
            )),
        },
    }
}

/// One group of `--list`: `hosts` and `children` are lists of names.
fn list_group(b: &mut Builder, group: usize, node: &Node) -> Result<(), InventoryError> {
    for (key, value) in group_entries(b, group, node)? {
        match key.key_text() {
            Some("vars") => yaml_vars(b, group, value)?,
            Some(list @ ("hosts" | "children")) => {
                for (name, pos) in list_names(b, group, list, value)? {
                    if list == "hosts" {
                        b.add_entry(name, pos, group, Ok(Vec::new()));
                    } else {
                        let child = b.group(name);
                        b.add_child(group, child, pos)?;
                    }
                }
            }
            other => {
                return Err(b.err(
                    Some(key.pos),
                    format!(
                        "{:?} in group `{}` is none of hosts:, children: or vars:, which is all `ansible-inventory --list` writes",
                        other.unwrap_or_default(),
                        b.groups[group].name
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// The names in a group's `hosts` or `children` list, with where each is written.
fn list_names<'n>(
    b: &Builder,
    group: usize,
    list: &str,
    node: &'n Node,
) -> Result<Vec<(&'n str, Pos)>, InventoryError> {
    let wrong = |pos| {
        b.err(
            Some(pos),
            format!(
                "{list} of group `{}` must be a list of names, as `ansible-inventory --list` writes it",
                b.groups[group].name
            ),
        )
    };
    match &node.kind {
        _ if node.is_null() => Ok(Vec::new()),
        NodeKind::Seq(names) => names
            .iter()
            .map(|n| match n.key_text() {
                Some(name) if !name.trim().is_empty() => Ok((name, n.pos)),
                _ => Err(wrong(n.pos)),
            })
            .collect(),
        _ => Err(wrong(node.pos)),
    }
}

/// A YAML node with where it starts; yaml-rust2's own tree has no positions.
#[derive(Debug, Clone)]
struct Node {
    pos: Pos,
    kind: NodeKind,
}

#[derive(Debug, Clone)]
enum NodeKind {
    Scalar {
        text: String,
        plain: bool,
        vault: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { text, plain: true, .. }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The text of a scalar used as a name.
    fn key_text(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    fn is_merge_key(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { text, plain: true, .. } if text == "<<")
    }

    /// Levels of nesting, 1 for a scalar.
    fn height(&self) -> usize {
        1 + match &self.kind {
            NodeKind::Scalar { .. } => 0,
            NodeKind::Seq(items) => items.iter().map(Node::height).max().unwrap_or(0),
            NodeKind::Map(entries) => entries
                .iter()
                .map(|(k, v)| k.height().max(v.height()))
                .max()
                .unwrap_or(0),
        }
    }

    fn size(&self) -> usize {
        match &self.kind {
            NodeKind::Scalar { .. } => 1,
            NodeKind::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            NodeKind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}

/// Deeper than any inventory nests; keeps the recursive walks over the tree shallow.
const MAX_DEPTH: usize = 200;
/// How many nodes aliases may copy in all: stops "billion laughs" documents.
const MAX_ALIASED_NODES: usize = 100_000;

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        lines: HashMap<String, usize>,
    },
}

#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    documents: Vec<Node>,
    aliased: usize,
}

impl TreeBuilder {
    fn event(&mut self, event: Event, mark: Marker) -> Result<(), (Pos, String)> {
        let pos = (mark.line(), mark.col() + 1);
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_DEPTH => {
                Err((pos, format!("nested more than {MAX_DEPTH} levels deep")))
            }
            Event::SequenceStart(anchor, _) => {
                self.stack.push(Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    lines: HashMap::new(),
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { pos, anchor, items }) => (
                        Node {
                            pos,
                            kind: NodeKind::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        pos,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            // yaml-rust2 marks a block mapping one column after its first
                            // key; the key's own mark is right.
                            pos: entries.first().map_or(pos, |(key, _)| key.pos),
                            kind: NodeKind::Map(merge_keys(entries)?),
                        },
                        anchor,
                    ),
                    None => return Err((pos, "unbalanced YAML collections".into())),
                };
                self.insert(node, anchor)
            }
            Event::Scalar(text, style, anchor, tag) => {
                let vault = tag.is_some_and(|t| t.handle == "!" && t.suffix == "vault")
                    || text.starts_with("$ANSIBLE_VAULT;");
                let node = Node {
                    pos,
                    kind: NodeKind::Scalar {
                        text,
                        plain: style == TScalarStyle::Plain,
                        vault,
                    },
                };
                self.insert(node, anchor)
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| (pos, "alias to an unknown anchor".to_string()))?;
                // The copy must respect the depth limit where it lands, like any other node.
                if self.stack.len() + node.height() > MAX_DEPTH {
                    return Err((pos, format!("nested more than {MAX_DEPTH} levels deep")));
                }
                self.aliased = self.aliased.saturating_add(node.size());
                if self.aliased > MAX_ALIASED_NODES {
                    return Err((
                        pos,
                        format!("aliases copy more than {MAX_ALIASED_NODES} YAML nodes"),
                    ));
                }
                self.insert(node, 0)
            }
            _ => Ok(()),
        }
    }

    fn insert(&mut self, node: Node, anchor: usize) -> Result<(), (Pos, String)> {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                lines,
                ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if let Some(text) = k.key_text().filter(|_| !k.is_merge_key()) {
                        if let Some(first) = lines.get(text) {
                            return Err((
                                k.pos,
                                format!("duplicate key {text:?} (first on line {first}): each key once per mapping"),
                            ));
                        }
                        lines.insert(text.to_string(), k.pos.0);
                    }
                    entries.push((k, node));
                }
            },
        }
        Ok(())
    }
}

/// Applies YAML merge keys (`<<: *defaults`) as PyYAML does: merged entries first, the
/// mapping's own entries override them, and of several merged mappings the first wins.
fn merge_keys(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, (Pos, String)> {
    if !entries.iter().any(|(k, _)| k.is_merge_key()) {
        return Ok(entries);
    }
    fn upsert(list: &mut Vec<(Node, Node)>, key: Node, value: Node) {
        let same = list
            .iter_mut()
            .find(|(k, _)| k.key_text().is_some() && k.key_text() == key.key_text());
        match same {
            Some(slot) => slot.1 = value,
            None => list.push((key, value)),
        }
    }
    let mut merged = Vec::new();
    let mut own = Vec::new();
    for (key, value) in entries {
        if !key.is_merge_key() {
            own.push((key, value));
            continue;
        }
        let maps = match value.kind {
            NodeKind::Seq(items) => items,
            _ => vec![value],
        };
        for map in maps.into_iter().rev() {
            let NodeKind::Map(map_entries) = map.kind else {
                return Err((map.pos, "<< merges only mappings".into()));
            };
            for (k, v) in map_entries {
                upsert(&mut merged, k, v);
            }
        }
    }
    for (key, value) in own {
        upsert(&mut merged, key, value);
    }
    Ok(merged)
}

/// The one document of a YAML text, `None` when there is none.
fn load_yaml(text: &str) -> Result<Option<Node>, (Pos, String)> {
    let mut tree = TreeBuilder::default();
    let mut parser = Parser::new_from_str(text);
    // Event by event rather than `Parser::load`, which recurses once per level of nesting and
    // so would overflow the stack on a deeply indented file before the limit here applies.
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let mark = e.marker();
            (
                (mark.line(), mark.col() + 1),
                format!("YAML syntax: {}", e.info()),
            )
        })?;
        if event == Event::StreamEnd {
            break;
        }
        tree.event(event, mark)?;
    }
    let mut documents = tree.documents.into_iter();
    let first = documents.next();
    if let Some(second) = documents.next() {
        return Err((
            second.pos,
            "a second YAML document: an inventory is one document".into(),
        ));
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> UserPaths {
        UserPaths {
            home: PathBuf::from("/home/ops"),
            default_identities: vec![PathBuf::from("/home/ops/.ssh/id_ed25519")],
        }
    }

    fn ini(text: &str) -> Vec<Target> {
        parse_ansible_ini(text, Path::new("inv/hosts"), &paths()).unwrap()
    }

    fn yaml(text: &str) -> Vec<Target> {
        parse_ansible_yaml(text, Path::new("inv/hosts.yml"), &paths()).unwrap()
    }

    /// The message of a file that cannot be used, or of its one invalid entry.
    fn problem(parsed: Result<Vec<Target>, InventoryError>) -> String {
        match parsed {
            Err(e) => e.to_string(),
            Ok(targets) => targets
                .iter()
                .find_map(|t| t.invalid.clone())
                .unwrap_or_else(|| panic!("no error in {targets:?}")),
        }
    }

    fn ini_error(text: &str) -> String {
        problem(parse_ansible_ini(text, Path::new("inv/hosts"), &paths()))
    }

    fn yaml_error(text: &str) -> String {
        problem(parse_ansible_yaml(
            text,
            Path::new("inv/hosts.yml"),
            &paths(),
        ))
    }

    #[test]
    fn an_entry_wrong_in_itself_is_an_invalid_row_and_the_others_stay() {
        let targets = ini("[web]\ngood\nbad ansible_port=0\nalso ansible_become=maybe\nfine\n");
        let rows: Vec<(&str, bool)> = targets
            .iter()
            .map(|t| (t.name.as_str(), t.invalid.is_some()))
            .collect();
        assert_eq!(
            rows,
            [
                ("good", false),
                ("bad", true),
                ("also", true),
                ("fine", false)
            ]
        );
        assert_eq!(
            targets[1].invalid.as_deref(),
            Some("inv/hosts:3:5: ansible_port 0 is not between 1 and 65535")
        );
        // Listed fine once, wrongly again: the wrong entry is not dropped.
        let twice = ini("[web]\nh1\n[db]\nh1 ansible_port=0\n");
        assert_eq!(
            twice[0].invalid.as_deref(),
            Some("inv/hosts:4:4: ansible_port 0 is not between 1 and 65535")
        );
        let yaml = yaml("all:\n  hosts:\n    ok1:\n    \"bad\\u0007\":\n");
        assert_eq!(yaml[1].name, "bad\\u{7}");
        assert!(yaml[1]
            .invalid
            .as_deref()
            .unwrap()
            .contains("which no host name or address has"));
    }

    /// A fixture under tests/data/ansible, parsed by content as `load` does.
    fn fixture(name: &str) -> Vec<Target> {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/ansible")
            .join(name);
        let text = std::fs::read_to_string(&file).unwrap();
        parse_inventory(&text, &file, &paths()).unwrap()
    }

    fn names(targets: &[Target]) -> Vec<&str> {
        targets.iter().map(|t| t.name.as_str()).collect()
    }

    /// Each host with its groups: what two spellings of one inventory must agree on.
    fn membership(targets: &[Target]) -> Vec<(String, Vec<String>)> {
        targets
            .iter()
            .map(|t| (t.name.clone(), t.groups.clone()))
            .collect()
    }

    fn host<'t>(targets: &'t [Target], name: &str) -> &'t Target {
        targets.iter().find(|t| t.name == name).unwrap()
    }

    fn owned(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    // --- Ansible's documentation examples --------------------------------------------------

    #[test]
    fn doc_basic_inventory_is_the_same_in_ini_yaml_and_hosts_toml() {
        let from_ini = fixture("doc_basic.ini");
        let from_yaml = fixture("doc_basic.yml");
        let from_toml = fixture("doc_basic.toml");
        assert_eq!(
            names(&from_ini),
            [
                "mail.example.com",
                "foo.example.com",
                "bar.example.com",
                "one.example.com",
                "two.example.com",
                "three.example.com"
            ]
        );
        assert_eq!(host(&from_ini, "mail.example.com").groups, ["ungrouped"]);
        assert_eq!(host(&from_ini, "two.example.com").groups, ["dbservers"]);
        assert_eq!(from_ini, from_yaml);
        assert_eq!(from_ini, from_toml);
    }

    #[test]
    fn doc_parent_groups_give_the_same_hosts_as_listing_them() {
        let listed = fixture("doc_multiple_groups.yml");
        let nested = fixture("doc_parent_groups.yml");
        assert_eq!(listed, nested);
        assert_eq!(
            host(&nested, "one.example.com").groups,
            ["dbservers", "east", "prod"]
        );
        assert_eq!(
            host(&nested, "bar.example.com").groups,
            ["test", "webservers", "west"]
        );
        assert_eq!(host(&nested, "mail.example.com").groups, ["ungrouped"]);
    }

    #[test]
    fn doc_groups_of_groups_nest_the_same_in_ini_yaml_and_hosts_toml() {
        let from_ini = fixture("doc_groups_of_groups.ini");
        let from_yaml = fixture("doc_groups_of_groups.yml");
        assert_eq!(names(&from_ini), ["host1", "host2", "host3"]);
        assert_eq!(
            host(&from_ini, "host2").groups,
            ["atlanta", "raleigh", "southeast", "usa"]
        );
        assert_eq!(
            host(&from_ini, "host3").groups,
            ["raleigh", "southeast", "usa"]
        );
        assert_eq!(from_ini, from_yaml);
        assert_eq!(from_ini, fixture("doc_groups_of_groups.toml"));
    }

    #[test]
    fn doc_ranges_expand_with_padding_stride_and_letters() {
        let range = fixture("doc_range.ini");
        assert_eq!(range.len(), 50);
        assert_eq!(range[0].name, "www01.example.com");
        assert_eq!(range[49].name, "www50.example.com");
        assert_eq!(range, fixture("doc_range.yml"));

        let stride = fixture("doc_stride.ini");
        assert_eq!(stride.len(), 25);
        assert_eq!(
            names(&stride[..3]),
            [
                "www01.example.com",
                "www03.example.com",
                "www05.example.com"
            ]
        );
        assert_eq!(stride[24].name, "www49.example.com");
        assert_eq!(stride, fixture("doc_stride.yml"));

        assert_eq!(
            names(&fixture("doc_letters.ini")),
            [
                "db-a.example.com",
                "db-b.example.com",
                "db-c.example.com",
                "db-d.example.com",
                "db-e.example.com",
                "db-f.example.com"
            ]
        );
    }

    #[test]
    fn doc_variable_examples_parse_and_user_variables_are_ignored() {
        let host_vars = fixture("doc_host_vars.ini");
        assert_eq!(names(&host_vars), ["host1", "host2"]);
        assert_eq!(host_vars[1].groups, ["atlanta"]);
        assert_eq!(host_vars, fixture("doc_host_vars.yml"));
        let group_vars = fixture("doc_group_vars.ini");
        assert_eq!(group_vars, host_vars);
        assert_eq!(group_vars, fixture("doc_group_vars.yml"));
        assert_eq!(host_vars[0].port, 22);
        assert_eq!(host_vars[0].user, "root");
    }

    #[test]
    fn doc_connection_examples_map_port_address_user_and_key() {
        let badwolf = &fixture("doc_port_suffix.ini")[0];
        assert_eq!(
            (
                badwolf.name.as_str(),
                badwolf.address.as_str(),
                badwolf.port
            ),
            ("badwolf.example.com", "badwolf.example.com", 5309)
        );
        let jumper = &fixture("doc_alias.ini")[0];
        assert_eq!(
            (jumper.name.as_str(), jumper.address.as_str(), jumper.port),
            ("jumper", "192.0.2.50", 5555)
        );
        let targets = fixture("doc_connection_vars.ini");
        assert_eq!(
            names(&targets),
            ["localhost", "other1.example.com", "other2.example.com"]
        );
        assert_eq!(targets[1].user, "myuser");
        assert_eq!(targets[2].user, "myotheruser");
        assert_eq!(targets[2].groups, ["targets"]);

        let behavioral = fixture("doc_behavioral.ini");
        let some_host = host(&behavioral, "some_host");
        assert_eq!((some_host.port, some_host.user.as_str()), (2222, "manager"));
        assert_eq!(
            host(&behavioral, "aws_host").identity_files,
            [PathBuf::from("/home/example/.ssh/aws.pem")]
        );
        assert_eq!(host(&behavioral, "freebsd_host").port, 22);
    }

    #[test]
    fn ini_plugin_examples_parse_with_comments_quotes_and_children() {
        let one = fixture("ini_plugin_example1.ini");
        assert_eq!(
            names(&one),
            ["host1", "host2", "tomcat1", "tomcat2", "tomcat3", "jenkins1"]
        );
        assert_eq!(host(&one, "host2").port, 222);
        assert_eq!(host(&one, "tomcat1").groups, ["apache", "web"]);
        assert_eq!(host(&one, "jenkins1").groups, ["nginx", "web"]);

        let two = fixture("ini_plugin_example2.ini");
        assert_eq!(names(&two), ["host1", "host2", "host3", "host4"]);
        assert_eq!(two[0].groups, ["ungrouped"]);
        assert_eq!(
            (two[1].address.as_str(), two[1].port, two[2].port),
            ("127.0.0.1", 44, 45)
        );
        assert_eq!(two[3].groups, ["g1", "g2"]);
    }

    // --- `ansible-inventory --list` -------------------------------------------------------

    /// Each capture in tests/data/ansible/list, made by scripts/ansible-list-captures.sh, with
    /// the static inventory it was made from, read as if it lay beside that inventory (so
    /// relative key files resolve alike).
    fn list_captures() -> Vec<(String, Vec<Target>)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ansible");
        let mut captures: Vec<(String, Vec<Target>)> = std::fs::read_dir(dir.join("list"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".json"))
            .map(|name| {
                let text = std::fs::read_to_string(dir.join("list").join(&name)).unwrap();
                let targets = parse_inventory(&text, &dir.join(&name), &paths())
                    .unwrap_or_else(|e| panic!("list/{name}: {e}"));
                (name, targets)
            })
            .collect();
        captures.sort_by(|a, b| a.0.cmp(&b.0));
        captures
    }

    fn by_name(mut targets: Vec<Target>) -> Vec<Target> {
        targets.sort_by(|a, b| a.name.cmp(&b.name));
        targets
    }

    #[test]
    fn list_json_resolves_to_the_same_targets_as_the_static_inventory_it_came_from() {
        let (mut compared, mut reordered) = (Vec::new(), Vec::new());
        for (name, from_list) in list_captures() {
            let Some(stem) = name.strip_suffix(".json") else {
                continue;
            };
            let source = match stem.rsplit_once('_') {
                Some((base, "ini")) => format!("{base}.ini"),
                Some((base, "yml")) => format!("{base}.yml"),
                _ => continue,
            };
            let from_static = fixture(&source);
            if names(&from_list) != names(&from_static) {
                reordered.push(source.clone());
            }
            assert_eq!(
                by_name(from_list),
                by_name(from_static),
                "list/{name} against {source}"
            );
            compared.push(source);
        }
        assert_eq!(compared.len(), 23, "{compared:?}");
        // The walk from `all` meets the hosts in the file's order, except where `--list` has
        // moved a host listed in `all` and in a group (test1) into the group only.
        assert_eq!(reordered, ["yaml_plugin_example.yml"]);
    }

    #[test]
    fn list_json_carries_group_vars_and_host_vars_dirs_that_no_static_file_holds() {
        let file =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ansible/list/vars_dirs.json");
        let targets =
            parse_inventory(&std::fs::read_to_string(&file).unwrap(), &file, &paths()).unwrap();
        // In the order of a walk of the tree from `all`: prod, then web before db.
        assert_eq!(names(&targets), ["web01", "web02", "db01"]);
        let db = host(&targets, "db01");
        assert_eq!(
            (
                db.address.as_str(),
                db.user.as_str(),
                db.become_root,
                db.groups.clone()
            ),
            ("10.0.0.21", "ops", false, owned(&["db", "prod"]))
        );
        assert_eq!(
            db.identity_files,
            [file.parent().unwrap().join("keys/db_ed25519")]
        );
        assert_eq!(db.connect_timeout, Duration::from_secs(15));
        assert_eq!(db.thresholds.disk_size_max_gb, 2000);
        assert_eq!(
            db.thresholds.disk_usage_warn,
            Thresholds::default().disk_usage_warn
        );
        let web02 = host(&targets, "web02");
        assert_eq!(
            (
                web02.port,
                web02.user.as_str(),
                web02.become_root,
                web02.groups.clone()
            ),
            (2201, "deploy", true, owned(&["prod", "web"]))
        );
        assert_eq!(web02.thresholds.disk_usage_warn, 90);
        assert_eq!(host(&targets, "web01").port, 22);
    }

    fn list_json(text: &str) -> Vec<Target> {
        parse_ansible_yaml(text, Path::new("inv/inventory.json"), &paths()).unwrap()
    }

    fn list_json_error(text: &str) -> String {
        problem(parse_ansible_yaml(
            text,
            Path::new("inv/inventory.json"),
            &paths(),
        ))
    }

    #[test]
    fn list_json_host_with_a_wrong_or_vaulted_variable_is_an_invalid_row_at_its_line() {
        let targets = list_json(
            "{\n\"_meta\": {\"hostvars\": {\n  \"a\": {\"ansible_port\": 0},\n  \"b\": {\"ansible_become_password\": {\"__ansible_vault\": \"$ANSIBLE_VAULT;1.1;AES256\\n3338\"}},\n  \"c\": {\"ansible_user\": \"ops\", \"app\": [1, 2]}\n}},\n\"web\": {\"hosts\": [\"a\", \"b\", \"c\", \"d\"]}\n}\n",
        );
        let rows: Vec<(&str, Option<&str>)> = targets
            .iter()
            .map(|t| (t.name.as_str(), t.invalid.as_deref()))
            .collect();
        assert_eq!(
            rows[0],
            (
                "a",
                Some("inv/inventory.json:3:25: ansible_port 0 is not between 1 and 65535")
            )
        );
        assert_eq!(rows[1].0, "b");
        assert!(
            rows[1].1.unwrap().starts_with(
                "inv/inventory.json:4:37: ansible_become_password is encrypted with Ansible Vault"
            ),
            "{rows:?}"
        );
        assert!(!rows[1].1.unwrap().contains("3338"), "{rows:?}");
        assert_eq!(rows[2..], [("c", None), ("d", None)]);
        assert_eq!(targets[2].user, "ops");
        assert_eq!(targets[3].user, "root");
    }

    #[test]
    fn list_json_export_form_keeps_group_vars_and_precedence() {
        // `ansible-inventory --list --export` leaves group variables in their groups.
        let targets = list_json(
            r#"{"_meta": {"hostvars": {"h2": {"ansible_user": "own"}}},
                "all": {"children": ["ungrouped", "web"], "vars": {"ansible_user": "everyone"}},
                "web": {"hosts": ["h1", "h2"], "vars": {"ansible_port": "2222"}},
                "ungrouped": {"hosts": ["h3"]}}"#,
        );
        let rows: Vec<(&str, &str, u16, Vec<String>)> = targets
            .iter()
            .map(|t| (t.name.as_str(), t.user.as_str(), t.port, t.groups.clone()))
            .collect();
        assert_eq!(
            rows,
            [
                ("h3", "everyone", 22, owned(&["ungrouped"])),
                ("h1", "everyone", 2222, owned(&["web"])),
                ("h2", "own", 2222, owned(&["web"])),
            ]
        );
    }

    #[test]
    fn list_json_that_is_not_what_ansible_inventory_writes_is_explained_at_its_line() {
        assert_eq!(
            list_json_error("{\"_meta\": {\"hostvars\": {}},\n \"web\": {\"hosts\": {\"h1\": {}}}}"),
            "inv/inventory.json:2:20: hosts of group `web` must be a list of names, as `ansible-inventory --list` writes it"
        );
        assert_eq!(
            list_json_error("{\"_meta\": {\"hostvars\": {}},\n \"web\": {\"children\": [\"a\", [\"b\"]]}}"),
            "inv/inventory.json:2:28: children of group `web` must be a list of names, as `ansible-inventory --list` writes it"
        );
        assert_eq!(
            list_json_error("{\"_meta\": {\"hostvars\": {}},\n \"web\": {\"host\": [\"h1\"]}}"),
            "inv/inventory.json:2:10: \"host\" in group `web` is none of hosts:, children: or vars:, which is all `ansible-inventory --list` writes"
        );
        assert_eq!(
            list_json_error("{\"_meta\": [],\n \"web\": {\"hosts\": [\"h1\"]}}"),
            "inv/inventory.json:1:11: _meta must be a mapping with hostvars:"
        );
        assert_eq!(
            list_json_error(
                "{\"_meta\": {\"hostvars\": {}}, \"all\": {\"children\": [\"ungrouped\"]}}"
            ),
            "inv/inventory.json: no hosts: the inventory lists no host in any group"
        );
        assert_eq!(
            list_json_error("{\"_meta\": {\"hostvars\": {}}, \"web\": {\"children\": [\"all\"], \"hosts\": [\"h\"]}}"),
            "inv/inventory.json:1:50: `all` cannot be a child of `web`: every group is already in `all`"
        );
    }

    #[test]
    fn yaml_plugin_example_parses_string_hosts_and_nested_children() {
        let targets = fixture("yaml_plugin_example.yml");
        assert_eq!(
            names(&targets),
            ["test1", "test2", "test5", "test6", "test4"]
        );
        assert_eq!(
            membership(&targets),
            [
                ("test1".into(), owned(&["last_group"])),
                ("test2".into(), owned(&["ungrouped"])),
                ("test5".into(), owned(&["group_x", "other_group"])),
                ("test6".into(), owned(&["group_y", "other_group"])),
                ("test4".into(), owned(&["other_group"])),
            ]
        );
        assert_eq!(host(&targets, "test4").address, "127.0.0.1");
    }

    #[test]
    fn fleet_in_ini_yaml_and_hosts_toml_resolves_to_the_same_targets() {
        let from_ini = fixture("fleet.ini");
        assert_eq!(from_ini, fixture("fleet.yml"));
        assert_eq!(from_ini, fixture("fleet.toml"));
        assert_eq!(
            names(&from_ini),
            [
                "bastion.example.com",
                "web-01.example.com",
                "web-02.example.com",
                "web-03.example.com",
                "web-legacy",
                "db-a.example.com",
                "db-b.example.com"
            ]
        );
        let bastion = host(&from_ini, "bastion.example.com");
        assert_eq!(bastion.user, "ops");
        assert_eq!(
            bastion.identity_files,
            [PathBuf::from("/home/ops/.ssh/fleet_ed25519")]
        );
        assert_eq!(bastion.connect_timeout, Duration::from_secs(20));
        assert_eq!(bastion.host_key_check, HostKeyCheck::Strict);
        let web = host(&from_ini, "web-02.example.com");
        assert_eq!(
            (web.user.as_str(), web.become_root, web.host_key_check),
            ("deploy", true, HostKeyCheck::AcceptNew),
            "child group web beats parent prod"
        );
        assert_eq!(web.thresholds.disk_usage_warn, 90);
        assert_eq!(web.groups, ["prod", "web"]);
        let legacy = host(&from_ini, "web-legacy");
        assert_eq!(
            (
                legacy.address.as_str(),
                legacy.port,
                legacy.legacy_algorithms
            ),
            ("10.0.0.9", 2222, true)
        );
        let db = host(&from_ini, "db-b.example.com");
        assert_eq!((db.user.as_str(), db.port), ("admin", 2200));
        assert_eq!(
            db.identity_files,
            [Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ansible/keys/db_ed25519")]
        );
        assert_eq!(db.thresholds.disk_size_max_gb, 2000);
    }

    // --- Detection -------------------------------------------------------------------------

    #[test]
    fn format_is_detected_from_content_not_file_name() {
        assert_eq!(
            detect_format("[[hosts]]\nname = \"a\"\n"),
            Some(Format::HostsToml)
        );
        assert_eq!(
            detect_format("[defaults]\nuser = \"x\"\n[groups.web]\nport = 22\n"),
            Some(Format::HostsToml)
        );
        assert_eq!(
            detect_format("all:\n  hosts:\n    a:\n"),
            Some(Format::AnsibleYaml)
        );
        assert_eq!(
            detect_format("---\nweb:\n  hosts: a\n"),
            Some(Format::AnsibleYaml)
        );
        assert_eq!(
            detect_format("# c\n{\"all\": {\"hosts\": {\"a\": null}}}"),
            Some(Format::AnsibleYaml)
        );
        assert_eq!(detect_format("[web]\na\n"), Some(Format::AnsibleIni));
        assert_eq!(
            detect_format("; c\nweb1 ansible_port=22\n"),
            Some(Format::AnsibleIni)
        );
        assert_eq!(detect_format("badwolf:5309\n"), Some(Format::AnsibleIni));
        assert_eq!(detect_format("fd00::5\n"), Some(Format::AnsibleIni));
        // An INI group named like a hosts.toml table is still INI when it is not TOML.
        assert_eq!(
            detect_format("[defaults]\nhost1\n"),
            Some(Format::AnsibleIni)
        );
        assert_eq!(
            detect_format("\u{feff}[web]\na\n"),
            Some(Format::AnsibleIni)
        );

        // The same INI text under a .yml name still parses as INI.
        let text = "[web]\nw1 ansible_port=2200\n";
        let t = parse_inventory(text, Path::new("inventory.yml"), &paths()).unwrap();
        assert_eq!((t[0].name.as_str(), t[0].port), ("w1", 2200));
    }

    #[test]
    fn unrecognised_or_empty_file_names_the_file_and_the_three_formats() {
        for text in [
            "Hello, world.\nThis is a README.\n",
            "[1, 2, 3]\n",
            "\u{0}\u{1}binary\u{2}",
            "services:\n  web:\n    image: nginx\n",
        ] {
            let e = parse_inventory(text, Path::new("inv.txt"), &paths())
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("inv.txt: not an inventory image_check can read: write hosts.toml"),
                "{e}"
            );
            assert!(
                e.contains("Ansible INI") && e.contains("Ansible YAML"),
                "{e}"
            );
        }
        let e = parse_inventory("\n# nothing\n", Path::new("inv"), &paths())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("inv: the inventory is empty: write hosts.toml"),
            "{e}"
        );
    }

    // --- Variable mapping ------------------------------------------------------------------

    #[test]
    fn defaults_match_hosts_toml() {
        let t = &ini("h\n")[0];
        assert_eq!(
            (t.address.as_str(), t.port, t.user.as_str()),
            ("h", 22, "root")
        );
        assert_eq!(
            t.identity_files,
            [PathBuf::from("/home/ops/.ssh/id_ed25519")]
        );
        assert_eq!(t.known_hosts, PathBuf::from("/home/ops/.ssh/known_hosts"));
        assert_eq!(t.host_key_check, HostKeyCheck::Strict);
        assert_eq!(t.connect_timeout, Duration::from_secs(10));
        assert!(!t.become_root && !t.legacy_algorithms);
        assert_eq!((t.jump.as_ref(), t.password_env.as_ref()), (None, None));
        assert_eq!(t.become_password_env, None);
        assert_eq!(t.thresholds, Thresholds::default());
    }

    #[test]
    fn connection_variables_and_their_older_spellings_map_to_fields() {
        let t = ini(
            "a ansible_host=10.0.0.5 ansible_port=2222 ansible_user=admin\n\
                     b ansible_ssh_host=10.0.0.6 ansible_ssh_port=2200 ansible_ssh_user=ops\n\
                     c ansible_host=new ansible_ssh_host=old\n",
        );
        assert_eq!(
            (t[0].address.as_str(), t[0].port, t[0].user.as_str()),
            ("10.0.0.5", 2222, "admin")
        );
        assert_eq!(
            (t[1].address.as_str(), t[1].port, t[1].user.as_str()),
            ("10.0.0.6", 2200, "ops")
        );
        assert_eq!(t[2].address, "new", "the documented name wins");
    }

    #[test]
    fn key_file_is_relative_to_the_inventory_folder_and_expands_tilde() {
        let t = ini("a ansible_ssh_private_key_file=keys/a\n\
                     b ansible_ssh_private_key_file=~/.ssh/b\n\
                     c ansible_private_key_file=/etc/keys/c\n\
                     d image_check_known_hosts=known\n");
        assert_eq!(t[0].identity_files, [PathBuf::from("inv/keys/a")]);
        assert_eq!(t[1].identity_files, [PathBuf::from("/home/ops/.ssh/b")]);
        assert_eq!(t[2].identity_files, [PathBuf::from("/etc/keys/c")]);
        assert_eq!(t[3].known_hosts, PathBuf::from("inv/known"));
    }

    #[test]
    fn become_takes_ansible_boolean_spellings() {
        for yes in ["true", "True", "yes", "YES", "on", "1", "t", "y"] {
            assert!(
                ini(&format!("h ansible_become={yes}\n"))[0].become_root,
                "{yes}"
            );
        }
        for no in ["false", "False", "no", "off", "0", "f", "n"] {
            assert!(
                !ini(&format!("h ansible_become={no}\n"))[0].become_root,
                "{no}"
            );
        }
        assert!(yaml("all:\n  hosts:\n    h:\n      ansible_become: yes\n")[0].become_root);
        assert_eq!(
            ini_error("h ansible_become=maybe\n"),
            "inv/hosts:1:3: ansible_become \"maybe\" is not a boolean: write true or false (yes/no, on/off, 1/0)"
        );
    }

    #[test]
    fn passwords_come_only_from_an_env_lookup() {
        let t = ini("a ansible_become_password=\"{{ lookup('env', 'SUDO_PASS') }}\"\n\
                     b ansible_password='{{ lookup(\"env\", \"SSH_PASS\") }}'\n\
                     c ansible_become_pass=\"{{lookup('ansible.builtin.env','X_1')}}\"\n\
                     d ansible_ssh_pass=\"{{ lookup('env', 'P') }}\" ansible_sudo_pass=\"{{ lookup('env', 'S') }}\"\n\
                     e ansible_become_password=\n");
        assert_eq!(t[0].become_password_env.as_deref(), Some("SUDO_PASS"));
        assert_eq!(t[1].password_env.as_deref(), Some("SSH_PASS"));
        assert_eq!(t[2].become_password_env.as_deref(), Some("X_1"));
        assert_eq!(
            (
                t[3].password_env.as_deref(),
                t[3].become_password_env.as_deref()
            ),
            (Some("P"), Some("S"))
        );
        assert_eq!(t[4].become_password_env, None, "empty is no password");

        let t = yaml("all:\n  vars:\n    ansible_become_password: \"{{ lookup('env', 'SUDO') }}\"\n  hosts:\n    h:\n");
        assert_eq!(t[0].become_password_env.as_deref(), Some("SUDO"));
        let t = ini("[g]\nh\n[g:vars]\nansible_password=\"{{ lookup('env', 'PW') }}\"\n");
        assert_eq!(t[0].password_env.as_deref(), Some("PW"));
    }

    #[test]
    fn literal_password_is_refused_at_its_line_without_echoing_it() {
        let e = ini_error("[web]\nw1 ansible_become_password=hunter2\n");
        assert_eq!(
            e,
            "inv/hosts:2:4: ansible_become_password holds a literal password, which image_check refuses to read from an inventory: put it in an environment variable and write ansible_become_password=\"{{ lookup('env', 'VAR') }}\""
        );
        assert!(!e.contains("hunter2"));
        let e = ini_error("[web]\nw1\n[web:vars]\nansible_ssh_pass=hunter2\n");
        assert!(
            e.starts_with("inv/hosts:4:1: ansible_ssh_pass holds a literal password"),
            "{e}"
        );
        assert!(!e.contains("hunter2"));
        let e = yaml_error("all:\n  hosts:\n    h:\n      ansible_password: hunter2\n");
        assert!(
            e.starts_with("inv/hosts.yml:4:25: ansible_password holds a literal password"),
            "{e}"
        );
        // A literal in a group without hosts is refused too: it is still in the file.
        let e = ini_error("h\n[empty]\n[empty:vars]\nansible_become_pass=x\n");
        assert!(
            e.starts_with("inv/hosts:4:1: ansible_become_pass holds a literal"),
            "{e}"
        );
        let e = ini_error("h ansible_password=\"{{ vault_pw }}\"\n");
        assert!(
            e.contains("must be exactly \"{{ lookup('env', 'VAR') }}\""),
            "{e}"
        );
        let e = yaml_error(
            "all:\n  hosts:\n    h:\n      ansible_become_password: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n        6162\n",
        );
        assert!(
            e.starts_with(
                "inv/hosts.yml:4:7: ansible_become_password is encrypted with Ansible Vault"
            ),
            "{e}"
        );
    }

    #[test]
    fn proxy_jump_comes_from_ssh_args_in_every_spelling() {
        let t = ini("a ansible_ssh_common_args='-o ProxyJump=bastion'\n\
                     b ansible_ssh_common_args='-o \"ProxyJump ops@bastion:2222\"'\n\
                     c ansible_ssh_common_args='-o ProxyJump j1,j2'\n\
                     d ansible_ssh_extra_args='-J jump'\n\
                     e ansible_ssh_extra_args=-Jjump2\n\
                     f ansible_ssh_common_args='-oProxyJump=x -o StrictHostKeyChecking=no'\n\
                     g ansible_ssh_common_args='-o ProxyJump=first' ansible_ssh_extra_args='-J second'\n\
                     h ansible_ssh_common_args='-o ServerAliveInterval=5' ansible_ssh_extra_args='-J second'\n\
                     i ansible_ssh_common_args='-o proxyjump = lower'\n\
                     j ansible_ssh_common_args='-o ProxyJump=none'\n\
                     k ansible_ssh_common_args='-o ServerAliveInterval=5'\n");
        let jumps: Vec<Option<&str>> = t.iter().map(|t| t.jump.as_deref()).collect();
        assert_eq!(
            jumps,
            [
                Some("bastion"),
                Some("ops@bastion:2222"),
                Some("j1,j2"),
                Some("jump"),
                Some("jump2"),
                Some("x"),
                Some("first"),
                Some("second"),
                Some("lower"),
                None,
                None
            ]
        );
        let t = yaml("all:\n  vars:\n    ansible_ssh_common_args: -o ProxyJump=bastion.example.com\n  hosts:\n    h:\n");
        assert_eq!(t[0].jump.as_deref(), Some("bastion.example.com"));
    }

    #[test]
    fn proxy_command_is_refused_with_its_line() {
        let e = ini_error("[g]\nh\n[g:vars]\nansible_ssh_common_args='-o ProxyCommand=\"ssh -W %h:%p -q bastion\"'\n");
        assert_eq!(
            e,
            "inv/hosts:4:1: ansible_ssh_common_args: ProxyCommand is not supported, use ProxyJump (-J host or -o ProxyJump=host)"
        );
        let e = yaml_error("all:\n  hosts:\n    h:\n      ansible_ssh_extra_args: '-o \"ProxyCommand nc %h %p\"'\n");
        assert!(e.starts_with("inv/hosts.yml:4:31: ansible_ssh_extra_args: ProxyCommand is not supported, use ProxyJump"), "{e}");
        assert!(
            ini_error("h ansible_ssh_common_args='-J'\n").contains("-J at the end has no value")
        );
        assert!(ini_error("h ansible_ssh_common_args='-o \"ProxyJump'\n")
            .contains("quotes are not balanced"));
    }

    #[test]
    fn image_check_variables_set_scan_settings() {
        let t = &yaml(
            "all:\n  vars:\n    image_check_known_hosts: ~/kh\n    image_check_host_key_check: off\n    \
             image_check_legacy_algorithms: true\n    image_check_connect_timeout: 30\n    \
             image_check_disk_usage_warn: 70\n    image_check_inode_usage_warn: 75\n    \
             image_check_disk_size_min_gb: 20\n    image_check_disk_size_max_gb: 4000\n  hosts:\n    h:\n",
        )[0];
        assert_eq!(t.known_hosts, PathBuf::from("/home/ops/kh"));
        assert_eq!(t.host_key_check, HostKeyCheck::Off);
        assert!(t.legacy_algorithms);
        assert_eq!(t.connect_timeout, Duration::from_secs(30));
        assert_eq!(
            t.thresholds,
            Thresholds {
                disk_usage_warn: 70,
                inode_usage_warn: 75,
                disk_size_min_gb: 20,
                disk_size_max_gb: 4000
            }
        );
        assert_eq!(
            ini_error("h image_check_disk_usage_warn=101\n"),
            "inv/hosts:1:3: image_check_disk_usage_warn must be a percentage from 1 to 100"
        );
        assert_eq!(
            ini_error("h image_check_connect_timeout=0\n"),
            "inv/hosts:1:3: image_check_connect_timeout must be at least 1 second"
        );
        assert_eq!(
            ini_error("h image_check_host_key_check=loose\n"),
            "inv/hosts:1:3: image_check_host_key_check \"loose\" must be strict, accept-new or off"
        );
        let e = ini_error("h image_check_disk_warn=90\n");
        assert!(e.starts_with("inv/hosts:1:3: unknown variable `image_check_disk_warn`: image_check's are image_check_known_hosts,"), "{e}");
    }

    #[test]
    fn other_ansible_and_user_variables_are_ignored() {
        let t = &ini(
            "h ansible_connection=ssh ansible_python_interpreter=/usr/bin/python3 \
                      ansible_become_method=sudo http_port=80 ANSIBLE_HOST=x motd='a b'\n",
        )[0];
        assert_eq!(t, &ini("h\n")[0]);
        let t = yaml("all:\n  vars:\n    ntp: [a, b]\n    nested: {x: 1}\n  hosts:\n    h:\n      tags: [web]\n");
        assert_eq!(t[0].name, "h");
    }

    #[test]
    fn templates_and_lists_in_read_variables_are_errors() {
        assert_eq!(
            ini_error("h ansible_host=\"{{ inventory_hostname }}.lan\"\n"),
            "inv/hosts:1:3: ansible_host is a template, which image_check does not evaluate: write the value itself"
        );
        let e = yaml_error("all:\n  hosts:\n    h:\n      ansible_user: [a, b]\n");
        assert_eq!(
            e,
            "inv/hosts.yml:4:21: ansible_user must be one value, not a list or a mapping"
        );
    }

    #[test]
    fn null_unsets_a_variable_set_by_a_group() {
        let t = yaml("all:\n  vars:\n    ansible_port: 2222\n  hosts:\n    a:\n      ansible_port: ~\n    b:\n");
        assert_eq!((t[0].port, t[1].port), (22, 2222));
        let t = ini("[g]\na ansible_user=None\nb\n[g:vars]\nansible_user=deploy\n");
        assert_eq!((t[0].user.as_str(), t[1].user.as_str()), ("root", "deploy"));
    }

    #[test]
    fn ini_values_follow_ansible_quoting_and_comments() {
        let t = ini("[g]\n\
                     a ansible_user=\"deploy\" ansible_port=\"2200\" # comment\n\
                     b ansible_user='o\"k' ansible_host=h#ost-after-hash-is-a-comment\n\
                     c ansible_host=x\\y\n\
                     [g:vars]\n\
                     ansible_become = True # a comment after the value\n\
                     image_check_disk_usage_warn='88'\n");
        assert_eq!((t[0].user.as_str(), t[0].port), ("deploy", 2200));
        assert_eq!((t[1].user.as_str(), t[1].address.as_str()), ("o\"k", "h"));
        assert_eq!(t[2].address, "xy");
        assert!(t.iter().all(|t| t.become_root));
        assert_eq!(t[0].thresholds.disk_usage_warn, 88);
        assert_eq!(
            ini_error("h ansible_user=\"two words\"\n"),
            "inv/hosts:1:3: ansible_user \"two words\" must be one word"
        );
    }

    // --- Precedence ------------------------------------------------------------------------

    #[test]
    fn precedence_is_all_then_parent_then_child_then_host() {
        let text = "[child]\nh1\nh2 ansible_user=host\nh3\n[parent:children]\nchild\n\
                    [parent:vars]\nansible_user=parent\nansible_port=2000\n\
                    [child:vars]\nansible_user=child\n\
                    [all:vars]\nansible_user=all\nansible_port=1000\nimage_check_connect_timeout=5\n\
                    [other]\nh3\n";
        let t = ini(text);
        assert_eq!((t[0].user.as_str(), t[0].port), ("child", 2000));
        assert_eq!(t[1].user, "host");
        assert_eq!(t[0].connect_timeout, Duration::from_secs(5));
        let y = yaml("all:\n  vars: {ansible_user: all, ansible_port: 1000}\n  children:\n    parent:\n      \
                      vars: {ansible_user: parent}\n      children:\n        child:\n          \
                      vars: {ansible_user: child}\n          hosts:\n            h1:\n            \
                      h2: {ansible_user: host}\n");
        assert_eq!((y[0].user.as_str(), y[0].port), ("child", 1000));
        assert_eq!(y[1].user, "host");
    }

    #[test]
    fn among_sibling_groups_the_later_name_wins_whatever_the_file_order() {
        let t = ini("[b_group]\nh\n[a_group]\nh\n[a_group:vars]\nansible_user=a\n[b_group:vars]\nansible_user=b\n");
        assert_eq!(t[0].user, "b");
        let t = ini("[a_group]\nh\n[b_group]\nh\n[b_group:vars]\nansible_user=b\n[a_group:vars]\nansible_user=a\n");
        assert_eq!(t[0].user, "b");
    }

    #[test]
    fn group_priority_reorders_siblings_as_the_docs_example() {
        let t = yaml("a_group:\n  vars:\n    ansible_user: a\n    ansible_group_priority: 10\n  hosts:\n    h:\n\
                      b_group:\n  vars:\n    ansible_user: b\n  hosts:\n    h:\n");
        assert_eq!(t[0].user, "a");
        let e = ini_error("[g]\nh\n[g:vars]\nansible_group_priority=high\n");
        assert_eq!(
            e,
            "inv/hosts:4:1: ansible_group_priority \"high\" is not a whole number"
        );
    }

    #[test]
    fn a_deeper_group_beats_a_shallower_one_with_a_later_name() {
        // alpha is a child of top (depth 2); zeta is top-level (depth 1).
        let t = ini("[alpha]\nh\n[zeta]\nh\n[top:children]\nalpha\n\
                     [alpha:vars]\nansible_user=alpha\n[zeta:vars]\nansible_user=zeta\n");
        assert_eq!(t[0].user, "alpha");
        assert_eq!(t[0].groups, ["alpha", "top", "zeta"]);
    }

    #[test]
    fn later_line_wins_for_one_host_and_one_group() {
        let t = ini("[a]\nh ansible_port=1\n[b]\nh ansible_port=2\n[a:vars]\nansible_user=x\n[a:vars]\nansible_user=y\n");
        assert_eq!((t[0].port, t[0].user.as_str()), (2, "y"));
        let t = ini("h:2201\n[g]\nh:2202\n");
        assert_eq!(t[0].port, 2202);
        let t = ini("h:2201 ansible_port=2203\n");
        assert_eq!(t[0].port, 2203, "ansible_port beats :port on the same line");
    }

    // --- Groups, children and hosts ----------------------------------------------------------

    #[test]
    fn a_host_in_several_groups_is_one_target_in_first_seen_order() {
        let t = ini("z\n[web]\nb\na\nz\n[db]\na\nc\n");
        assert_eq!(names(&t), ["z", "b", "a", "c"]);
        assert_eq!(t[0].groups, ["web"], "z leaves ungrouped once it is in web");
        assert_eq!(t[2].groups, ["db", "web"]);
    }

    #[test]
    fn all_and_ungrouped_are_implicit() {
        let t = ini("[all]\na\n[ungrouped]\nb\n[all:vars]\nansible_user=everyone\n");
        assert_eq!(
            membership(&t),
            [
                ("a".into(), owned(&["ungrouped"])),
                ("b".into(), owned(&["ungrouped"]))
            ]
        );
        assert!(t.iter().all(|t| t.user == "everyone"));
        let t = yaml("all:\n  hosts:\n    a:\n  children:\n    web:\n      hosts:\n        b:\n");
        assert_eq!(
            membership(&t),
            [
                ("a".into(), owned(&["ungrouped"])),
                ("b".into(), owned(&["web"]))
            ]
        );
    }

    #[test]
    fn limit_by_parent_group_selects_hosts_of_child_groups() {
        let t = fixture("doc_groups_of_groups.ini");
        let picked = crate::inventory::select(t, Some("southeast")).unwrap();
        assert_eq!(names(&picked), ["host1", "host2", "host3"]);
    }

    #[test]
    fn children_may_be_declared_before_or_after_and_undefined_children_are_empty() {
        let t = ini("[parent:children]\nchild\nghost\n[child]\nh\n");
        assert_eq!(t[0].groups, ["child", "parent"]);
        let t = yaml("parent:\n  children:\n    child:\nchild:\n  hosts:\n    h:\n");
        assert_eq!(t[0].groups, ["child", "parent"]);
    }

    #[test]
    fn group_cycles_are_errors_at_the_line_that_closes_them() {
        assert_eq!(
            ini_error("[a]\nh\n[a:children]\nb\n[b:children]\nc\n[c:children]\na\n"),
            "inv/hosts:8:1: groups form a cycle (a -> b -> c -> a): a group cannot contain itself"
        );
        assert_eq!(
            ini_error("[a]\nh\n[a:children]\na\n"),
            "inv/hosts:4:1: groups form a cycle (a -> a): a group cannot contain itself"
        );
        let e = yaml_error("a:\n  hosts:\n    h:\n  children:\n    b:\nb:\n  children:\n    a:\n");
        assert_eq!(
            e,
            "inv/hosts.yml:8:5: groups form a cycle (a -> b -> a): a group cannot contain itself"
        );
        assert_eq!(
            ini_error("h\n[g:children]\nall\n"),
            "inv/hosts:3:1: `all` cannot be a child of `g`: every group is already in `all`"
        );
    }

    #[test]
    fn ranges_and_ports_in_yaml_host_names() {
        let t = yaml("web:\n  hosts:\n    web[1:3]:2222:\n    \"[fd00::5]:2200\":\n    fd00::6:\n");
        assert_eq!(names(&t), ["web1", "web2", "web3", "fd00::5", "fd00::6"]);
        assert_eq!((t[0].port, t[3].port, t[4].port), (2222, 2200, 22));
        assert_eq!(t[3].address, "fd00::5");
    }

    // --- Errors, each with its line ------------------------------------------------------------

    #[test]
    fn bad_range_is_an_error_at_the_host() {
        assert_eq!(
            ini_error("[web]\nweb-[09:01]\n"),
            "inv/hosts:2:1: range [09:01] in \"web-[09:01]\": start 9 is after end 1"
        );
        assert!(yaml_error("web:\n  hosts:\n    w[1:2:0]:\n")
            .starts_with("inv/hosts.yml:3:5: range [1:2:0]"));
        assert!(ini_error("  w[a:5]\n").starts_with("inv/hosts:1:3: range [a:5]"));
    }

    #[test]
    fn bad_ports_are_errors_at_their_line() {
        assert_eq!(
            ini_error("[g]\nh ansible_port=70000\n"),
            "inv/hosts:2:3: ansible_port 70000 is not between 1 and 65535"
        );
        assert_eq!(
            ini_error("h ansible_port=ssh\n"),
            "inv/hosts:1:3: ansible_port \"ssh\" is not a port number"
        );
        assert_eq!(
            ini_error("h:0\n"),
            "inv/hosts:1:1: port 0 of \"h:0\" is not between 1 and 65535"
        );
        assert_eq!(
            yaml_error("all:\n  vars:\n    ansible_port: 0\n  hosts:\n    h:\n"),
            "inv/hosts.yml:3:19: ansible_port 0 is not between 1 and 65535"
        );
    }

    #[test]
    fn a_jump_host_with_an_empty_user_is_an_error_at_its_line() {
        assert_eq!(
            ini_error("[g]\nh ansible_ssh_common_args='-J @bastion'\n"),
            "inv/hosts:2:3: ansible_ssh_common_args: \"@bastion\": empty user before '@'"
        );
    }

    #[test]
    fn ini_syntax_errors_name_the_line() {
        assert_eq!(
            ini_error("[g:things]\nh\n"),
            "inv/hosts:1:1: unknown section type `:things` in [g:things]: a section is [g], [g:vars] or [g:children]"
        );
        assert_eq!(
            ini_error("h\n\n[web servers]\n"),
            "inv/hosts:3:1: [web servers] is not a section header: write [group], [group:vars] or [group:children], with no spaces in the name"
        );
        assert_eq!(
            ini_error("[g]\nh ansible_port=22 become\n"),
            "inv/hosts:2:19: \"become\" after the host name is not key=value: host variables are key=value words, and a value with spaces is quoted"
        );
        assert_eq!(
            ini_error("[g]\nh =x\n"),
            "inv/hosts:2:3: a variable needs a name before the `=`"
        );
        assert_eq!(
            ini_error("h ansible_user='deploy\n"),
            "inv/hosts:1:16: this ' quote is not closed"
        );
        assert_eq!(
            ini_error("[g]\nh\n[g:vars]\nansible_user\n"),
            "inv/hosts:4:1: expected key=value in [g:vars]: a vars section has one variable per line"
        );
        assert_eq!(
            ini_error("[p:children]\nweb db\n"),
            "inv/hosts:2:1: \"web db\" is not a group name: [p:children] lists one group per line"
        );
        assert_eq!(
            ini_error("h\n[typo:vars]\nansible_user=x\n"),
            "inv/hosts:2:1: [typo:vars] sets variables of group `typo`, which is not defined: add a [typo] section, or list typo under a [parent:children]"
        );
        assert_eq!(
            ini_error("h\nhost{1}\n"),
            "inv/hosts:2:1: host name \"host{1}\" has the character '{', which no host name or address has"
        );
        assert_eq!(
            ini_error("h\nweb:\n"),
            "inv/hosts:2:1: host name \"web:\" ends with ':': write a port after it (name:2222) or remove it"
        );
    }

    #[test]
    fn yaml_structure_errors_name_the_line() {
        assert_eq!(
            yaml_error("web:\n  hosts:\n    - w1\n    - w2\n"),
            "inv/hosts.yml:3:5: hosts of group `web` must be a mapping, one `name:` per host, not a list"
        );
        assert_eq!(
            yaml_error("web:\n  hosts:\n    w1:\n  host:\n    w2:\n"),
            "inv/hosts.yml:4:3: \"host\" in group `web` is none of hosts:, children: or vars: hosts go under hosts:, variables under vars:, groups under children:"
        );
        assert_eq!(
            yaml_error("web:\n  hosts:\n    w1:\n    w1:\n"),
            "inv/hosts.yml:4:5: duplicate key \"w1\" (first on line 3): each key once per mapping"
        );
        assert_eq!(
            yaml_error("web:\n  hosts:\n    w1: 22\n"),
            "inv/hosts.yml:3:9: host \"w1\" must be followed by its variables (a mapping) or nothing"
        );
        assert_eq!(
            yaml_error("web:\n  hosts:\n    w1:\n  vars: [a]\n"),
            "inv/hosts.yml:4:9: vars of group `web` must be a mapping of names to values"
        );
        assert_eq!(
            yaml_error("web:\n  hosts:\n    w1:\ndb: 3\n"),
            "inv/hosts.yml:4:5: group `db` must be a mapping with hosts:, children: or vars:"
        );
        assert_eq!(
            yaml_error("web:\n  children: [a]\n"),
            "inv/hosts.yml:2:13: children of group `web` must be a mapping, one `group:` per line, not a list"
        );
        let e = yaml_error("all:\n  hosts:\n    a:\n   b:\n");
        assert!(e.starts_with("inv/hosts.yml:4:"), "{e}");
        assert!(e.contains("YAML syntax"), "{e}");
        assert_eq!(
            yaml_error("all:\n  hosts:\n    a:\n---\nb:\n  hosts:\n"),
            "inv/hosts.yml:5:1: a second YAML document: an inventory is one document"
        );
        assert!(yaml_error("- a\n- b\n")
            .starts_with("inv/hosts.yml:1:1: an Ansible YAML inventory is a mapping of groups"));
    }

    #[test]
    fn dynamic_inventory_files_are_explained() {
        let e = yaml_error("plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n");
        assert!(
            e.starts_with(
                "inv/hosts.yml:1:1: this configures the inventory plugin \"amazon.aws.aws_ec2\""
            ),
            "{e}"
        );
        assert!(
            e.contains("ansible-inventory -i inv/hosts.yml --list --yaml"),
            "{e}"
        );
    }

    #[test]
    fn no_hosts_is_an_error() {
        assert_eq!(
            ini_error("[web]\n[web:vars]\nansible_user=x\n"),
            "inv/hosts: no hosts: the inventory lists no host in any group"
        );
        assert_eq!(
            yaml_error("all:\n  vars:\n    ansible_user: x\n"),
            "inv/hosts.yml: no hosts: the inventory lists no host in any group"
        );
    }

    #[test]
    fn yaml_anchors_and_merge_keys_work_and_cannot_explode() {
        let t = yaml("web:\n  vars:\n    connection: &defaults\n      ansible_user: deploy\n      ansible_port: 2200\n  \
                      hosts:\n    w1:\n      <<: *defaults\n      ansible_port: 2201\n    w2: *defaults\n");
        assert_eq!((t[0].user.as_str(), t[0].port), ("deploy", 2201));
        assert_eq!((t[1].user.as_str(), t[1].port), ("deploy", 2200));
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (name, prev) in [
            ("b", "a"),
            ("c", "b"),
            ("d", "c"),
            ("e", "d"),
            ("f", "e"),
            ("g", "f"),
        ] {
            bomb.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{prev}"); 10].join(", ")
            ));
        }
        bomb.push_str("web:\n  hosts:\n    h:\n");
        assert!(yaml_error(&bomb).contains("aliases copy more than 100000 YAML nodes"));
        let deep = format!(
            "web:\n  vars:\n    x: {}{}\n",
            "[".repeat(250),
            "]".repeat(250)
        );
        assert!(yaml_error(&deep).starts_with("inv/hosts.yml:3:"));
        // Aliases nested in aliases cannot build a tree deeper than the limit either.
        let mut chain = format!("a0: &a0 {}x{}\n", "[".repeat(150), "]".repeat(150));
        for i in 1..5 {
            let (open, close) = ("[".repeat(150), "]".repeat(150));
            chain.push_str(&format!("a{i}: &a{i} {open}*a{}{close}\n", i - 1));
        }
        assert!(yaml_error(&chain).contains("nested more than 200 levels deep"));
    }

    #[test]
    fn deeply_nested_garbage_is_an_error_in_every_parser() {
        for text in [
            "[".repeat(100_000),
            "{".repeat(100_000),
            format!("a = {}", "[".repeat(100_000)),
            format!("a: {}", "[".repeat(100_000)),
            (0..5_000)
                .map(|i| format!("{}a{i}:\n", " ".repeat(i)))
                .collect(),
            format!("h x={}", "\"".repeat(100_001)),
        ] {
            // Refused as a file, or its one entry an invalid row: never a panic or a host.
            let refused = |parsed: Result<Vec<Target>, InventoryError>| match parsed {
                Err(_) => true,
                Ok(targets) => targets.iter().all(|t| t.invalid.is_some()),
            };
            assert!(refused(parse_inventory(&text, Path::new("deep"), &paths())));
            assert!(refused(parse_ansible_ini(
                &text,
                Path::new("deep"),
                &paths()
            )));
            assert!(refused(parse_ansible_yaml(
                &text,
                Path::new("deep"),
                &paths()
            )));
        }
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        let alphabet: Vec<char> =
            "[]:=#;'\"\\ \n\t-{}ab01.,!&*|>%@~?<>()$\u{e9}\u{0}all:hosts:vars:children:\u{feff}"
                .chars()
                .collect();
        let fixtures = [
            include_str!("../../tests/data/ansible/fleet.ini"),
            include_str!("../../tests/data/ansible/fleet.yml"),
            include_str!("../../tests/data/ansible/fleet.toml"),
            include_str!("../../tests/data/ansible/yaml_plugin_example.yml"),
            include_str!("../../tests/data/ansible/ini_plugin_example1.ini"),
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        for round in 0..3000 {
            let text: String = if round % 2 == 0 {
                (0..next(200))
                    .map(|_| alphabet[next(alphabet.len())])
                    .collect()
            } else {
                // A real inventory, cut and with a few characters changed.
                let mut chars: Vec<char> = fixtures[next(fixtures.len())].chars().collect();
                chars.truncate(next(chars.len() + 1));
                for _ in 0..next(4) {
                    if !chars.is_empty() {
                        let at = next(chars.len());
                        chars[at] = alphabet[next(alphabet.len())];
                    }
                }
                chars.into_iter().collect()
            };
            let file = Path::new("garbage");
            let _ = parse_inventory(&text, file, &paths());
            let _ = parse_ansible_ini(&text, file, &paths());
            let _ = parse_ansible_yaml(&text, file, &paths());
        }
    }

    #[test]
    fn the_repository_hosts_toml_files_are_still_read_as_hosts_toml() {
        for name in ["example.toml", "compose.toml"] {
            let file = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("inventories")
                .join(name);
            let text = std::fs::read_to_string(&file).unwrap();
            assert_eq!(detect_format(&text), Some(Format::HostsToml), "{name}");
            assert_eq!(
                parse_inventory(&text, &file, &paths()),
                parse_hosts_toml(&text, &file, &paths()),
                "{name}"
            );
        }
    }

    #[test]
    fn ipv6_hosts_keep_their_colons_and_take_ports_in_brackets() {
        let t = ini("fd00::5 ansible_user=ops\n[fd00::6]:2222\n[v6]\n::1\n");
        assert_eq!(names(&t), ["fd00::5", "fd00::6", "::1"]);
        assert_eq!(
            (t[0].port, t[1].port, t[1].address.as_str()),
            (22, 2222, "fd00::6")
        );
        assert_eq!(t[2].groups, ["v6"]);
    }

    #[test]
    fn json_inventory_reads_as_yaml() {
        let text = r#"{"all": {"hosts": {"a": {"ansible_port": 2222}}, "children": {"web": {"hosts": {"b": null}}}}}"#;
        let t = parse_inventory(text, Path::new("inventory.json"), &paths()).unwrap();
        assert_eq!(
            membership(&t),
            [
                ("a".into(), owned(&["ungrouped"])),
                ("b".into(), owned(&["web"]))
            ]
        );
        assert_eq!(t[0].port, 2222);
    }

    #[test]
    fn yaml_document_marker_inside_an_ini_inventory_is_an_error() {
        assert_eq!(
            ini_error("h\n---\n"),
            "inv/hosts:2:1: \"---\" is not a host name but the start of a YAML document, in a file read as an INI inventory"
        );
    }
}
