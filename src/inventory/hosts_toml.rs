//! The hosts.toml inventory: `[defaults]`, `[groups.NAME]` and `[[hosts]]`, each taking the same
//! settings; a host's value wins over its groups' (later groups over earlier), groups' over
//! defaults'. Every error names file:line:col.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use serde::{de, Deserialize};
use toml::Spanned;

use super::{
    range, Destination, Explicit, HostKeyCheck, InventoryError, Target, Threshold, Thresholds,
    UserPaths, THRESHOLDS,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryFile {
    defaults: Option<Level>,
    #[serde(default)]
    groups: BTreeMap<String, Level>,
    #[serde(default)]
    hosts: Vec<Level>,
}

/// A table of [`Settings`] as hosts.toml writes it, thresholds and all.
#[derive(Debug)]
struct Level(Settings);

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// One level of settings. `name`, `address` and `groups` belong to `[[hosts]]` only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// The [`THRESHOLDS`] this level sets, each with where its value is written: taken out by
    /// name before serde reads the rest (see [`Level`]), so that the table declares them.
    #[serde(skip)]
    thresholds: Vec<(&'static Threshold, Spanned<toml::Value>)>,
    name: Option<Spanned<String>>,
    address: Option<Spanned<String>>,
    groups: Option<Spanned<Vec<String>>>,
    user: Option<String>,
    port: Option<Spanned<i64>>,
    identity_file: Option<OneOrMany>,
    known_hosts: Option<String>,
    host_key_check: Option<HostKeyCheck>,
    #[serde(rename = "become")]
    become_root: Option<bool>,
    connect_timeout: Option<Spanned<u64>>,
    legacy_algorithms: Option<bool>,
    ssh_config: Option<bool>,
    /// ProxyJump: `bastion`, `user@bastion:2222`, or a chain `a,b`.
    jump: Option<Spanned<String>>,
    /// Name of the environment variable holding the login password.
    password_env: Option<String>,
    /// Name of the environment variable holding the sudo password for `become`.
    become_password_env: Option<String>,
}

impl Settings {
    /// Fills every field this level leaves unset from `lower` (a group or the defaults).
    fn over(mut self, lower: &Settings) -> Settings {
        macro_rules! inherit {
            ($($field:ident),*) => { $( if self.$field.is_none() { self.$field = lower.$field.clone(); } )* };
        }
        inherit!(
            user,
            port,
            identity_file,
            known_hosts,
            host_key_check,
            become_root,
            connect_timeout,
            legacy_algorithms,
            ssh_config,
            jump,
            password_env,
            become_password_env
        );
        for (threshold, value) in &lower.thresholds {
            if !self.thresholds.iter().any(|(set, _)| set == threshold) {
                self.thresholds.push((threshold, value.clone()));
            }
        }
        self
    }
}

/// Reads one level's table into [`Settings`]: each key that names one of the [`THRESHOLDS`] is
/// kept with its value's position, every other key goes to serde's derived reader of
/// `Settings`, whose `deny_unknown_fields` refuses a key that is neither, at its position.
impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LevelVisitor;
        impl<'de> de::Visitor<'de> for LevelVisitor {
            type Value = Level;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of settings")
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Level, A::Error> {
                let mut apart = ThresholdsApart {
                    map,
                    thresholds: Vec::new(),
                };
                let settings =
                    Settings::deserialize(de::value::MapAccessDeserializer::new(&mut apart))?;
                Ok(Level(Settings {
                    thresholds: apart.thresholds,
                    ..settings
                }))
            }
        }
        deserializer.deserialize_map(LevelVisitor)
    }
}

/// A table's entries with the thresholds taken out as they pass.
struct ThresholdsApart<A> {
    map: A,
    thresholds: Vec<(&'static Threshold, Spanned<toml::Value>)>,
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for ThresholdsApart<A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let mut seed = seed;
        loop {
            match self.map.next_key_seed(KeyOrThreshold(seed))? {
                None => return Ok(None),
                Some(Key::Setting(key)) => return Ok(Some(key)),
                Some(Key::Threshold(threshold, unused)) => {
                    let value = self.map.next_value()?;
                    self.thresholds.push((threshold, value));
                    seed = unused;
                }
            }
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A key read by [`KeyOrThreshold`]: a setting's, as its seed read it, or a threshold, with
/// the seed back for the next key.
enum Key<'de, K: de::DeserializeSeed<'de>> {
    Setting(K::Value),
    Threshold(&'static Threshold, K),
}

/// Reads a key inside toml's own key reader, so that an error about it (an unknown key) gets
/// the key's position.
struct KeyOrThreshold<K>(K);

impl<'de, K: de::DeserializeSeed<'de>> de::DeserializeSeed<'de> for KeyOrThreshold<K> {
    type Value = Key<'de, K>;

    fn deserialize<D: serde::Deserializer<'de>>(self, key: D) -> Result<Self::Value, D::Error> {
        use de::IntoDeserializer;
        let key = String::deserialize(key)?;
        if let Some(threshold) = Threshold::named(&key) {
            return Ok(Key::Threshold(threshold, self.0));
        }
        let setting = self.0.deserialize(key.into_deserializer());
        setting.map(Key::Setting).map_err(|e: D::Error| {
            let message = e.to_string();
            let message = message.trim_end();
            if message.starts_with("unknown field") {
                let names: Vec<String> =
                    THRESHOLDS.iter().map(|t| format!("`{}`", t.name)).collect();
                de::Error::custom(format!("{message}, or a threshold: {}", names.join(", ")))
            } else {
                e
            }
        })
    }
}

struct Errors<'a> {
    file: &'a Path,
    text: &'a str,
    /// Byte offset of the start of each line, so that a position costs a binary search, not a
    /// scan of the text before it (one per host: quadratic in a 50k-host inventory).
    line_starts: Vec<usize>,
}

impl<'a> Errors<'a> {
    fn new(file: &'a Path, text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Errors {
            file,
            text,
            line_starts,
        }
    }

    fn at(&self, span: Option<Range<usize>>, message: impl Into<String>) -> InventoryError {
        InventoryError {
            file: self.file.to_path_buf(),
            position: span.map(|s| self.line_col(s.start)),
            message: message.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |l| l.chars().count())
            + 1;
        (line, col)
    }
}

/// `[fd00::5]` as URLs and OpenSSH write an IPv6 address: the address, not a host range.
fn ipv6_in_brackets(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    inner.parse::<std::net::Ipv6Addr>().is_ok().then_some(inner)
}

/// Parses hosts.toml text; `file` is only used in error messages.
pub fn parse_hosts_toml(
    text: &str,
    file: &Path,
    paths: &UserPaths,
) -> Result<Vec<Target>, InventoryError> {
    let errors = Errors::new(file, text);
    let inventory: InventoryFile = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().replace('\n', " ");
        errors.at(e.span(), message)
    })?;
    let defaults = inventory
        .defaults
        .as_ref()
        .map(|level| level.0.clone())
        .unwrap_or_default();
    for (level, settings) in std::iter::once(("[defaults]".to_string(), &defaults)).chain(
        inventory
            .groups
            .iter()
            .map(|(name, level)| (format!("[groups.{name}]"), &level.0)),
    ) {
        let misplaced = [
            settings.name.as_ref().map(|s| ("name", s.span())),
            settings.address.as_ref().map(|s| ("address", s.span())),
            settings.groups.as_ref().map(|s| ("groups", s.span())),
        ];
        if let Some((key, span)) = misplaced.into_iter().flatten().next() {
            return Err(errors.at(
                Some(span),
                format!("`{key}` belongs in a [[hosts]] entry, not in {level}"),
            ));
        }
    }
    if inventory.hosts.is_empty() {
        return Err(errors.at(None, "no hosts: add a [[hosts]] entry with a name"));
    }

    let mut targets = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, Level(host)) in inventory.hosts.iter().enumerate() {
        let Some(name) = &host.name else {
            return Err(errors.at(None, format!("[[hosts]] entry {} has no `name`", index + 1)));
        };
        // An entry wrong in itself is a row of its own ("invalid", with its reason); the
        // other hosts are scanned.
        let entry = host_entry(host, name, &inventory, &defaults, &errors, paths, file);
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let shown = name.get_ref().escape_debug().to_string();
                vec![Target::invalid(&shown, e.to_string())]
            }
        };
        let entry_line = errors.line_col(name.span().start).0;
        for target in entry {
            if let Some(first_line) = seen.get(&target.name) {
                return Err(errors.at(
                    Some(name.span()),
                    format!(
                        "duplicate host name {:?} (first defined on line {first_line}): names must be unique",
                        target.name
                    ),
                ));
            }
            seen.insert(target.name.clone(), entry_line);
            targets.push(target);
        }
    }
    Ok(targets)
}

/// The targets of one [[hosts]] entry (a range makes several), or why the entry is wrong.
fn host_entry(
    host: &Settings,
    name: &Spanned<String>,
    inventory: &InventoryFile,
    defaults: &Settings,
    errors: &Errors,
    paths: &UserPaths,
    file: &Path,
) -> Result<Vec<Target>, InventoryError> {
    let names = range::expand(name.get_ref()).map_err(|e| errors.at(Some(name.span()), e))?;
    let addresses = match &host.address {
        None => names.clone(),
        Some(address) => {
            let expanded = match ipv6_in_brackets(address.get_ref()) {
                Some(ip) => vec![ip.to_string()],
                None => range::expand(address.get_ref())
                    .map_err(|e| errors.at(Some(address.span()), e))?,
            };
            if expanded.len() != names.len() {
                return Err(errors.at(
                    Some(address.span()),
                    format!(
                        "`address` makes {} addresses for {} host names: give a range of the same length, or one host per entry",
                        expanded.len(),
                        names.len()
                    ),
                ));
            }
            expanded
        }
    };
    let group_names: Vec<String> = host
        .groups
        .as_ref()
        .map(|g| g.get_ref().clone())
        .unwrap_or_default();
    let mut resolved = host.clone();
    for group in group_names.iter().rev() {
        if let Some(Level(settings)) = inventory.groups.get(group) {
            resolved = resolved.over(settings);
        }
    }
    let resolved = resolved.over(defaults);
    let template = resolve(
        &resolved,
        errors,
        paths,
        file.parent().unwrap_or(Path::new(".")),
    )?;
    let mut targets = Vec::new();
    for (name_value, address) in names.into_iter().zip(addresses) {
        if name_value.is_empty() || name_value.chars().any(char::is_control) {
            return Err(errors.at(
                Some(name.span()),
                format!("host name {name_value:?} is empty or has control characters"),
            ));
        }
        targets.push(Target {
            name: name_value,
            address,
            groups: group_names.clone(),
            explicit: Explicit {
                address: host.address.is_some(),
                ..template.explicit
            },
            ..template.clone()
        });
    }
    Ok(targets)
}

/// Applies built-in defaults and validates values; name and address are filled in by the caller.
fn resolve(
    s: &Settings,
    errors: &Errors,
    paths: &UserPaths,
    base: &Path,
) -> Result<Target, InventoryError> {
    let port = match &s.port {
        None => 22,
        Some(p) => u16::try_from(*p.get_ref())
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| {
                errors.at(
                    Some(p.span()),
                    format!("port {} is not between 1 and 65535", p.get_ref()),
                )
            })?,
    };
    let connect_timeout = match &s.connect_timeout {
        None => 10,
        Some(t) if *t.get_ref() == 0 => {
            return Err(errors.at(Some(t.span()), "connect_timeout must be at least 1 second"))
        }
        Some(t) => *t.get_ref(),
    };
    let mut thresholds = Thresholds::default();
    for (threshold, value) in &s.thresholds {
        let number = value
            .get_ref()
            .as_integer()
            .and_then(|n| u64::try_from(n).ok());
        let checked = threshold.check(threshold.name, number);
        threshold.set(
            &mut thresholds,
            checked.map_err(|e| errors.at(Some(value.span()), e))?,
        );
    }
    let identity_files = match &s.identity_file {
        None => paths.default_identities.clone(),
        Some(OneOrMany::One(path)) => vec![paths.expand(path, base)],
        Some(OneOrMany::Many(list)) => list.iter().map(|p| paths.expand(p, base)).collect(),
    };
    Ok(Target {
        name: String::new(),
        address: String::new(),
        port,
        user: s.user.clone().unwrap_or_else(|| "root".to_string()),
        identity_files,
        known_hosts: paths.expand(
            s.known_hosts.as_deref().unwrap_or("~/.ssh/known_hosts"),
            base,
        ),
        host_key_check: s.host_key_check.unwrap_or(HostKeyCheck::Strict),
        become_root: s.become_root.unwrap_or(false),
        connect_timeout: Duration::from_secs(connect_timeout),
        legacy_algorithms: s.legacy_algorithms.unwrap_or(false),
        jump: match &s.jump {
            None => None,
            Some(jump) => {
                Destination::parse_list(jump.get_ref())
                    .map_err(|e| errors.at(Some(jump.span()), format!("jump: {e}")))?;
                Some(jump.get_ref().clone())
            }
        },
        password_env: s.password_env.clone(),
        become_password_env: s.become_password_env.clone(),
        groups: Vec::new(),
        thresholds,
        explicit: Explicit {
            address: false,
            port: s.port.is_some(),
            user: s.user.is_some(),
            identity_files: s.identity_file.is_some(),
            known_hosts: s.known_hosts.is_some(),
            host_key_check: s.host_key_check.is_some(),
            jump: s.jump.is_some(),
        },
        ssh_config: s.ssh_config.unwrap_or(true),
        invalid: None,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn paths() -> UserPaths {
        UserPaths {
            home: PathBuf::from("/home/ops"),
            default_identities: vec![PathBuf::from("/home/ops/.ssh/id_ed25519")],
        }
    }

    fn parse(text: &str) -> Result<Vec<Target>, InventoryError> {
        parse_hosts_toml(text, Path::new("hosts.toml"), &paths())
    }

    /// The message of a file that cannot be used, or of its one invalid entry.
    fn error(text: &str) -> String {
        match parse(text) {
            Err(e) => e.to_string(),
            Ok(targets) => targets
                .iter()
                .find_map(|t| t.invalid.clone())
                .unwrap_or_else(|| panic!("no error in {targets:?}")),
        }
    }

    #[test]
    fn an_entry_wrong_in_itself_is_an_invalid_row_and_the_others_stay() {
        let targets = parse(
            "[[hosts]]\nname = \"good\"\n[[hosts]]\nname = \"bad\\u0007bell\"\n[[hosts]]\nname = \"p\"\nport = 0\n",
        )
        .unwrap();
        let rows: Vec<(&str, Option<&str>)> = targets
            .iter()
            .map(|t| (t.name.as_str(), t.invalid.as_deref()))
            .collect();
        assert_eq!(
            rows,
            [
                ("good", None),
                (
                    "bad\\u{7}bell",
                    Some("hosts.toml:4:8: host name \"bad\\u{7}bell\" is empty or has control characters")
                ),
                ("p", Some("hosts.toml:7:8: port 0 is not between 1 and 65535")),
            ]
        );
    }

    const EXAMPLE: &str = r#"
[defaults]
user = "root"
port = 22
identity_file = "~/.ssh/id_ed25519"
host_key_check = "strict"
connect_timeout = 10

[groups.web]
user = "admin"
become = true
disk_usage_warn = 90

[groups.legacy]
legacy_algorithms = true
port = 2222

[[hosts]]
name = "web-01"
address = "10.0.0.5"
groups = ["web"]

[[hosts]]
name = "web-[02:04]"
groups = ["web", "legacy"]
port = 2200

[[hosts]]
name = "db-v6"
address = "fd00::5"
identity_file = ["~/.ssh/a", "/etc/keys/b"]
"#;

    #[test]
    fn example_resolves_with_overrides_in_order() {
        let targets = parse(EXAMPLE).unwrap();
        let names: Vec<_> = targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["web-01", "web-02", "web-03", "web-04", "db-v6"]);
        let web01 = &targets[0];
        assert_eq!(
            (web01.address.as_str(), web01.port, web01.user.as_str()),
            ("10.0.0.5", 22, "admin")
        );
        assert!(web01.become_root && !web01.legacy_algorithms);
        assert_eq!(web01.thresholds.disk_usage_warn, 90);
        assert_eq!(
            web01.identity_files,
            [PathBuf::from("/home/ops/.ssh/id_ed25519")]
        );
        let web03 = &targets[2];
        assert_eq!(
            (web03.address.as_str(), web03.port),
            ("web-03", 2200),
            "host port beats group port"
        );
        assert!(web03.legacy_algorithms);
        assert_eq!(web03.groups, ["web", "legacy"]);
        let db = &targets[4];
        assert_eq!(
            (db.address.as_str(), db.user.as_str(), db.become_root),
            ("fd00::5", "root", false)
        );
        assert_eq!(
            db.identity_files,
            [
                PathBuf::from("/home/ops/.ssh/a"),
                PathBuf::from("/etc/keys/b")
            ]
        );
        assert_eq!(db.known_hosts, PathBuf::from("/home/ops/.ssh/known_hosts"));
        assert_eq!(db.thresholds, Thresholds::default());
    }

    #[test]
    fn later_group_wins_over_earlier() {
        let text = "[groups.a]\nuser = \"a\"\n[groups.b]\nuser = \"b\"\n[[hosts]]\nname = \"h\"\ngroups = [\"a\", \"b\"]\n";
        assert_eq!(parse(text).unwrap()[0].user, "b");
    }

    #[test]
    fn address_range_pairs_with_name_range() {
        let t = parse("[[hosts]]\nname = \"n[1:2]\"\naddress = \"127.0.0.[11:12]\"\n").unwrap();
        assert_eq!(
            (t[0].address.as_str(), t[1].address.as_str()),
            ("127.0.0.11", "127.0.0.12")
        );
        assert!(
            error("[[hosts]]\nname = \"n[1:3]\"\naddress = \"10.0.0.1\"\n")
                .starts_with("hosts.toml:3:11: `address` makes 1 addresses for 3")
        );
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let e = error("[defaults]\nuser = \"root\"\nusr = \"x\"\n[[hosts]]\nname = \"a\"\n");
        assert!(e.starts_with("hosts.toml:3:1: unknown field `usr`"), "{e}");
        // A misspelt threshold hears of the thresholds too.
        let e = error("[[hosts]]\nname = \"a\"\ndisk_usage_wrn = 90\n");
        assert!(
            e.starts_with(
                "hosts.toml:3:1: unknown field `disk_usage_wrn`, expected one of `name`,"
            ),
            "{e}"
        );
        assert!(
            e.ends_with("`become_password_env`, or a threshold: `disk_usage_warn`, `inode_usage_warn`, `disk_size_min_gb`, `disk_size_max_gb`"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_is_one_line_with_position() {
        let e = error("[[hosts]]\nname = \"a\n");
        assert!(e.starts_with("hosts.toml:2:"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn bad_ports_are_refused() {
        assert_eq!(
            error("[[hosts]]\nname = \"a\"\nport = 0\n"),
            "hosts.toml:3:8: port 0 is not between 1 and 65535"
        );
        assert_eq!(
            error("[[hosts]]\nname = \"a\"\nport = 65536\n"),
            "hosts.toml:3:8: port 65536 is not between 1 and 65535"
        );
        assert!(
            error("[defaults]\nport = \"22\"\n[[hosts]]\nname = \"a\"\n")
                .starts_with("hosts.toml:2:8:")
        );
    }

    #[test]
    fn duplicate_names_are_refused_even_from_ranges() {
        let e = error("[[hosts]]\nname = \"web-[01:03]\"\n[[hosts]]\nname = \"web-02\"\n");
        assert_eq!(e, "hosts.toml:4:8: duplicate host name \"web-02\" (first defined on line 2): names must be unique");
    }

    #[test]
    fn an_ipv6_address_in_brackets_is_an_address_not_a_range() {
        let targets = parse("[[hosts]]\nname = \"v6\"\naddress = \"[::1]\"\n").unwrap();
        assert_eq!(targets[0].address, "::1");
        let targets = parse("[[hosts]]\nname = \"v6\"\naddress = \"[fd00::5]\"\n").unwrap();
        assert_eq!(targets[0].address, "fd00::5");
        // Not an address: still a range.
        let targets = parse("[[hosts]]\nname = \"w-[1:2]\"\naddress = \"10.0.0.[1:2]\"\n").unwrap();
        assert_eq!(targets[1].address, "10.0.0.2");
    }

    #[test]
    fn a_jump_host_with_an_empty_user_is_an_error_at_its_line() {
        assert_eq!(
            error("[[hosts]]\nname = \"a\"\njump = \"@bastion\"\n"),
            "hosts.toml:3:8: jump: \"@bastion\": empty user before '@'"
        );
        assert_eq!(
            error("[defaults]\njump = \"ops@gw, @b2\"\n[[hosts]]\nname = \"a\"\n"),
            "hosts.toml:2:8: jump: \"@b2\": empty user before '@'"
        );
    }

    #[test]
    fn positions_are_lines_and_characters_from_one() {
        let text = "a\n\u{e9}t\u{e9} = 1\n\nlast";
        let errors = Errors::new(Path::new("hosts.toml"), text);
        assert_eq!(errors.line_col(0), (1, 1));
        assert_eq!(
            errors.line_col(1),
            (1, 2),
            "the newline itself is on line 1"
        );
        // After "été" (5 bytes, 3 characters) on line 2.
        assert_eq!(errors.line_col(7), (2, 4));
        assert_eq!(errors.line_col(text.len()), (4, 5));
        assert_eq!(
            errors.line_col(text.len() + 10),
            (4, 5),
            "past the end: the end"
        );
    }

    #[test]
    fn bad_range_points_at_the_name() {
        assert!(error("[[hosts]]\nname = \"web-[09:01]\"\n")
            .starts_with("hosts.toml:2:8: range [09:01]"));
    }

    #[test]
    fn empty_inventory_and_nameless_host_are_errors() {
        assert_eq!(
            error(""),
            "hosts.toml: no hosts: add a [[hosts]] entry with a name"
        );
        assert_eq!(
            error("[[hosts]]\nuser = \"x\"\n"),
            "hosts.toml: [[hosts]] entry 1 has no `name`"
        );
    }

    #[test]
    fn host_only_keys_are_refused_elsewhere() {
        let e = error("[groups.web]\naddress = \"1.2.3.4\"\n[[hosts]]\nname = \"a\"\n");
        assert_eq!(
            e,
            "hosts.toml:2:11: `address` belongs in a [[hosts]] entry, not in [groups.web]"
        );
    }

    #[test]
    fn bad_enum_and_threshold_values() {
        assert!(
            error("[defaults]\nhost_key_check = \"loose\"\n[[hosts]]\nname = \"a\"\n")
                .contains("unknown variant `loose`")
        );
        assert_eq!(
            error("[defaults]\ndisk_usage_warn = 0\n[[hosts]]\nname = \"a\"\n"),
            "hosts.toml:2:19: disk_usage_warn must be a percentage from 1 to 100"
        );
        for wrong in ["300", "\"90\"", "85.5"] {
            assert_eq!(
                error(&format!(
                    "[[hosts]]\nname = \"a\"\ninode_usage_warn = {wrong}\n"
                )),
                "hosts.toml:3:20: inode_usage_warn must be a percentage from 1 to 100",
                "{wrong}"
            );
        }
        assert_eq!(
            error("[groups.web]\ndisk_size_min_gb = -1\n[[hosts]]\nname = \"a\"\ngroups = [\"web\"]\n"),
            "hosts.toml:2:20: disk_size_min_gb must be a whole number of GB"
        );
    }

    #[test]
    fn thresholds_are_inherited_key_by_key() {
        let targets = parse(
            "[defaults]\ndisk_usage_warn = 90\ndisk_size_max_gb = 900\n\
             [groups.web]\ndisk_usage_warn = 70\ninode_usage_warn = 60\n\
             [[hosts]]\nname = \"a\"\ngroups = [\"web\"]\ninode_usage_warn = 50\n\
             [[hosts]]\nname = \"b\"\n",
        )
        .unwrap();
        assert_eq!(
            targets[0].thresholds,
            Thresholds {
                disk_usage_warn: 70,
                inode_usage_warn: 50,
                disk_size_min_gb: 40,
                disk_size_max_gb: 900
            }
        );
        assert_eq!(
            targets[1].thresholds,
            Thresholds {
                disk_usage_warn: 90,
                disk_size_max_gb: 900,
                ..Thresholds::default()
            }
        );
        assert_eq!(
            error(
                "[defaults]\ndisk_usage_warn = 90\ndisk_usage_warn = 80\n[[hosts]]\nname = \"a\"\n"
            ),
            "hosts.toml:3:1: duplicate key"
        );
    }

    #[test]
    fn no_identity_file_uses_the_default_keys() {
        let t = parse("[[hosts]]\nname = \"a\"\n").unwrap();
        assert_eq!(
            t[0].identity_files,
            [PathBuf::from("/home/ops/.ssh/id_ed25519")]
        );
        assert_eq!(
            (t[0].port, t[0].user.as_str(), t[0].host_key_check),
            (22, "root", HostKeyCheck::Strict)
        );
        assert_eq!(t[0].connect_timeout, Duration::from_secs(10));
    }
}
