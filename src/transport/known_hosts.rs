//! OpenSSH known_hosts, parsed once per run and consulted for every host.
//!
//! Covers what real files hold: comma-separated host lists, `[host]:port`, hashed entries
//! (`|1|salt|hash`), `*`/`?` wildcards, `!` negation and the `@revoked` marker. `@cert-authority`
//! lines are skipped (host certificates are not trusted by this tool). Not the policy: the SSH
//! transport decides what strict / accept-new / off do with a [`Verdict`].

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use hmac::{KeyInit, Mac};
use russh::keys::{Algorithm, PublicKey};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A line for this host holds exactly this key.
    Known,
    /// A line for this host holds another key of the same type: a possible attack.
    Changed { line: usize },
    /// The key is marked `@revoked`.
    Revoked { line: usize },
    /// Lines exist for this host, but only with keys of other types.
    OtherTypesOnly { types: Vec<String> },
    /// Nothing about this host.
    Unknown,
}

#[derive(Debug)]
struct Entry {
    line: usize,
    revoked: bool,
    patterns: Vec<HostPattern>,
    key: PublicKey,
}

#[derive(Debug)]
enum HostPattern {
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
    Glob { pattern: String, negated: bool },
}

/// A known_hosts file held in memory; `learn` appends to the file and to memory.
#[derive(Debug)]
pub struct KnownHosts {
    path: PathBuf,
    entries: Mutex<Vec<Entry>>,
}

/// The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise, lower case.
pub fn host_port_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

impl KnownHosts {
    /// Reads `path`; a missing file is an empty list (accept-new creates it). Lines that cannot be
    /// parsed are skipped, as OpenSSH skips them.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = match crate::local_file::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read known_hosts {}: {e}", path.display())),
        };
        Ok(KnownHosts {
            path: path.to_path_buf(),
            entries: Mutex::new(parse(&text)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn verdict(&self, host: &str, port: u16, key: &PublicKey) -> Verdict {
        let name = host_port_name(host, port);
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let matching: Vec<&Entry> = entries
            .iter()
            .filter(|e| matches_host(&e.patterns, &name))
            .collect();
        if let Some(e) = matching
            .iter()
            .find(|e| e.revoked && e.key.key_data() == key.key_data())
        {
            return Verdict::Revoked { line: e.line };
        }
        let usable = matching.iter().filter(|e| !e.revoked);
        if usable.clone().any(|e| e.key.key_data() == key.key_data()) {
            return Verdict::Known;
        }
        if let Some(e) = usable
            .clone()
            .find(|e| e.key.algorithm() == key.algorithm())
        {
            return Verdict::Changed { line: e.line };
        }
        let mut types: Vec<String> = usable.map(|e| e.key.algorithm().to_string()).collect();
        types.dedup();
        if types.is_empty() {
            Verdict::Unknown
        } else {
            Verdict::OtherTypesOnly { types }
        }
    }

    /// Key algorithms recorded for this host, so the client can ask the server for one of them
    /// first (as OpenSSH does) instead of failing on a type the file does not hold.
    pub fn algorithms_for(&self, host: &str, port: u16) -> Vec<Algorithm> {
        let name = host_port_name(host, port);
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let mut algorithms: Vec<Algorithm> = Vec::new();
        for e in entries
            .iter()
            .filter(|e| !e.revoked && matches_host(&e.patterns, &name))
        {
            if !algorithms.contains(&e.key.algorithm()) {
                algorithms.push(e.key.algorithm());
            }
        }
        algorithms
    }

    /// Appends `host`'s key (accept-new). Concurrent callers in this process are serialised; the
    /// line is written with one append so other processes never see half a line.
    pub fn learn(&self, host: &str, port: u16, key: &PublicKey) -> Result<(), String> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let name = host_port_name(host, port);
        let encoded = key
            .to_openssh()
            .map_err(|e| format!("cannot encode host key: {e}"))?;
        let fail = |e: std::io::Error| format!("cannot add {name} to {}: {e}", self.path.display());
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(fail)?;
        let needs_newline = crate::local_file::read(&self.path)
            .map(|bytes| bytes.last().is_some_and(|b| *b != b'\n'))
            .unwrap_or(false);
        let line = format!(
            "{}{name} {encoded}\n",
            if needs_newline { "\n" } else { "" }
        );
        file.write_all(line.as_bytes()).map_err(fail)?;
        let line_number = entries.iter().map(|e| e.line).max().unwrap_or(0) + 1;
        entries.push(Entry {
            line: line_number,
            revoked: false,
            patterns: vec![HostPattern::Glob {
                pattern: name,
                negated: false,
            }],
            key: key.clone(),
        });
        Ok(())
    }
}

fn parse(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let mut fields = raw.split_whitespace();
        let Some(mut first) = fields.next() else {
            continue;
        };
        if first.starts_with('#') {
            continue;
        }
        let mut revoked = false;
        if first.starts_with('@') {
            match first {
                "@revoked" => revoked = true,
                _ => continue, // @cert-authority and unknown markers
            }
            let Some(hosts) = fields.next() else { continue };
            first = hosts;
        }
        let (Some(_key_type), Some(blob)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Ok(key) = russh::keys::parse_public_key_base64(blob) else {
            continue;
        };
        let patterns = first.split(',').filter_map(parse_pattern).collect();
        entries.push(Entry {
            line: index + 1,
            revoked,
            patterns,
            key,
        });
    }
    entries
}

fn parse_pattern(pattern: &str) -> Option<HostPattern> {
    if let Some(hashed) = pattern.strip_prefix("|1|") {
        let (salt, hash) = hashed.split_once('|')?;
        let decode = |s: &str| data_encoding::BASE64.decode(s.as_bytes()).ok();
        return Some(HostPattern::Hashed {
            salt: decode(salt)?,
            hash: decode(hash)?,
        });
    }
    let (negated, pattern) = match pattern.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    Some(HostPattern::Glob {
        pattern: pattern.to_ascii_lowercase(),
        negated,
    })
}

/// OpenSSH's rule: a negated match excludes the line even if another pattern matches.
fn matches_host(patterns: &[HostPattern], name: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        match pattern {
            HostPattern::Hashed { salt, hash } => {
                let Ok(mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(salt) else {
                    continue;
                };
                if mac.chain_update(name.as_bytes()).verify_slice(hash).is_ok() {
                    matched = true;
                }
            }
            HostPattern::Glob { pattern, negated } => {
                if wildcard_match(pattern.as_bytes(), name.as_bytes()) {
                    if *negated {
                        return false;
                    }
                    matched = true;
                }
            }
        }
    }
    matched
}

/// `*` and `?` wildcards, as in OpenSSH's match_pattern.
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| wildcard_match(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && wildcard_match(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && wildcard_match(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
    const ED_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIA6rWI3G1sz07DnfFlrouTcysQlj2P+jpNSOEWD9OJ3X";
    const ECDSA: &str = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCtgEWm3pdTmYaHO+HuqW06JARzMATiiWc+YAlm0Cg3zvZDnmoS1SnVnAhMZjOZny8PaL6OoIwVQ2EXd0Qmze+4=";

    fn key(blob: &str) -> PublicKey {
        russh::keys::parse_public_key_base64(blob).unwrap()
    }

    fn known(text: &str) -> KnownHosts {
        KnownHosts {
            path: PathBuf::from("/nonexistent"),
            entries: Mutex::new(parse(text)),
        }
    }

    #[test]
    fn plain_entry_with_port_matches_only_that_port() {
        let kh = known(&format!("[10.0.0.5]:2222 ssh-ed25519 {ED_A}\n"));
        assert_eq!(kh.verdict("10.0.0.5", 2222, &key(ED_A)), Verdict::Known);
        assert_eq!(kh.verdict("10.0.0.5", 22, &key(ED_A)), Verdict::Unknown);
    }

    #[test]
    fn other_key_of_same_type_is_changed_with_line() {
        let kh = known(&format!("# comment\nweb-01,10.0.0.5 ssh-ed25519 {ED_A}\n"));
        assert_eq!(
            kh.verdict("10.0.0.5", 22, &key(ED_B)),
            Verdict::Changed { line: 2 }
        );
        assert_eq!(kh.verdict("WEB-01", 22, &key(ED_A)), Verdict::Known);
    }

    #[test]
    fn hashed_entry_matches() {
        // `ssh-keygen -H` of "localhost" with this salt.
        let kh = known(&format!(
            "|1|TY7mo3X4aw8goDhAhE0E766xdJU=|8vt1CF4A/TRSCnaqBS7R2fLmUqg= ssh-ed25519 {ED_A}\n"
        ));
        assert_eq!(kh.verdict("localhost", 22, &key(ED_A)), Verdict::Known);
        assert_eq!(kh.verdict("otherhost", 22, &key(ED_A)), Verdict::Unknown);
    }

    #[test]
    fn wildcard_and_negation() {
        let kh = known(&format!(
            "*.example.com,!bad.example.com ssh-ed25519 {ED_A}\n"
        ));
        assert_eq!(kh.verdict("a.example.com", 22, &key(ED_A)), Verdict::Known);
        assert_eq!(
            kh.verdict("bad.example.com", 22, &key(ED_A)),
            Verdict::Unknown
        );
        assert_eq!(kh.verdict("10.0.0.?", 22, &key(ED_A)), Verdict::Unknown);
    }

    #[test]
    fn revoked_key_is_refused_even_if_listed() {
        let kh = known(&format!(
            "@revoked * ssh-ed25519 {ED_A}\nhost ssh-ed25519 {ED_A}\n"
        ));
        assert_eq!(
            kh.verdict("host", 22, &key(ED_A)),
            Verdict::Revoked { line: 1 }
        );
    }

    #[test]
    fn other_types_only_names_them_and_orders_algorithms() {
        let kh = known(&format!(
            "host ecdsa-sha2-nistp256 {ECDSA}\n@cert-authority * ssh-ed25519 {ED_B}\n"
        ));
        assert_eq!(
            kh.verdict("host", 22, &key(ED_A)),
            Verdict::OtherTypesOnly {
                types: vec!["ecdsa-sha2-nistp256".into()]
            }
        );
        assert_eq!(kh.algorithms_for("host", 22), vec![key(ECDSA).algorithm()]);
    }

    #[test]
    fn garbage_lines_are_skipped() {
        let kh = known("\u{0}\u{1} nonsense\nhost ssh-ed25519 !!!notbase64\n\n   \n");
        assert_eq!(kh.verdict("host", 22, &key(ED_A)), Verdict::Unknown);
    }

    #[test]
    fn learn_appends_a_line_and_remembers_it() {
        let dir = std::env::temp_dir().join(format!("ic-kh-{}", std::process::id()));
        let path = dir.join("known_hosts");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, format!("other ssh-ed25519 {ED_B}")).unwrap();
        let kh = KnownHosts::load(&path).unwrap();
        kh.learn("127.0.0.9", 2222, &key(ED_A)).unwrap();
        assert_eq!(kh.verdict("127.0.0.9", 2222, &key(ED_A)), Verdict::Known);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.ends_with(&format!("\n[127.0.0.9]:2222 ssh-ed25519 {ED_A}\n")),
            "{text}"
        );
        assert_eq!(
            KnownHosts::load(&path)
                .unwrap()
                .verdict("127.0.0.9", 2222, &key(ED_A)),
            Verdict::Known
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
