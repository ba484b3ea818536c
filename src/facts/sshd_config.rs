//! The OpenSSH server configuration (`sshd_config`), resolved the way sshd itself resolves it.
//!
//! Feeds the "ssh" check: can root log in (PermitRootLogin), with what (password or
//! public key), and on which ports. Pure: the collector reads the main file, asks
//! [`include_patterns`] which further files it names, selects them from directory listings
//! with [`glob_matches`], reads them, and hands every text to [`resolve`]. This module
//! never touches a file system, and it does not decide whether a host passes.
//!
//! What it is not: it does not know every sshd keyword. It follows the four keywords the
//! checks need, plus `Include` and `Match`, which decide *which* lines count. When the real
//! `sshd -T` can be run on the host, its output is the authority; this resolver is for the
//! hosts where it cannot (no root, sshd not installed, or a saved configuration).
//!
//! The rules below are those of OpenSSH's `servconf.c` (8.2 to 9.x), confirmed against
//! `sshd -T` 9.2p1:
//!
//! * Keywords are case-insensitive. A line is `Keyword value`, `Keyword=value` or
//!   `Keyword = value`; values may be quoted with `"` or `'`; `#` starts a comment at the
//!   start of a line or at the start of a value token (`PrintLastLog no # by PAM` is fine,
//!   `PermitRootLogin no#x` is the bad value `no#x`).
//! * For the keywords tracked here the first value wins, so a drop-in included at the top
//!   of the main file beats anything the main file sets further down. `Port` accumulates.
//! * `Include` is expanded in place, each glob's matches in byte order (sshd uses OpenBSD's
//!   glob(3), which sorts with strcmp). A relative pattern is relative to /etc/ssh. A
//!   pattern that matches nothing is skipped silently. Nesting deeper than 16 files is
//!   fatal ("Too many recursive configuration includes"), which is what an include loop
//!   ends in.
//! * A `Match` block lasts until the next `Match` or the end of the file it is in: sshd
//!   saves the includer's match state before an `Include` and restores it after ("Don't let
//!   included files clobber the containing file's Match state"). So a `Match` at the end of
//!   a drop-in never swallows the rest of the main file.
//! * An `Include` inside a `Match` block makes the whole included file conditional on that
//!   block; a `Match` inside such a file applies only when both match, and its `Match all`
//!   returns to the includer's condition, not to the global context.
//! * At start-up sshd evaluates no `Match` criteria (there is no connection yet), so the
//!   global settings are those outside every `Match` block, plus those after `Match all`.
//!   A `Match` block's settings override the global ones for the connections it matches;
//!   they are listed in [`SshdConfig::match_overrides`] for the report.
//!
//! Older releases differ in ways that only matter for odd files: OpenSSH before 8.2 knows
//! no `Include` at all and refuses a file that has one (CentOS/RHEL 7 and 8, Ubuntu 18.04
//! ship no `Include`); releases before the argv_split() rework (about 8.7) cut every line
//! at its first `#` and know only double quotes, so `PermitRootLogin no#x` was "no" there.
//!
//! Which file is the main one: see [`CONFIG_PATHS`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where sshd looks for its main configuration file, in order; it reads the first that
/// exists. Upstream only knows /etc/ssh/sshd_config. SUSE patches sshd to fall back to the
/// vendor copy in /usr/etc/ssh when /etc/ssh/sshd_config is absent: openSUSE Tumbleweed
/// (openssh 8.4p1 and later) and SLE 16 ship only /usr/etc/ssh/sshd_config and expect
/// changes in /etc/ssh/sshd_config.d. SLES 15 (up to SP7) still installs
/// /etc/ssh/sshd_config, with `Include`s of both drop-in directories. A host where an admin
/// created /etc/ssh/sshd_config therefore ignores the vendor file entirely.
pub const CONFIG_PATHS: &[&str] = &["/etc/ssh/sshd_config", "/usr/etc/ssh/sshd_config"];

/// SSHDIR of every Linux build: the base of relative `Include` patterns.
const SSHDIR: &str = "/etc/ssh";

/// SERVCONF_MAX_DEPTH: the main file is depth 0, a file it includes depth 1, ...
const MAX_INCLUDE_DEPTH: usize = 16;

/// Lines processed before giving up. Includes within the depth limit can still multiply
/// (every file of a directory including the whole directory again); real configurations
/// are a few hundred lines, so this only stops garbage from hanging the scan.
const MAX_LINES: usize = 200_000;

/// One effective value and where it was set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// As written, lower-cased for the yes/no-like keywords (sshd compares those
    /// case-insensitively). `without-password` is kept as written: it is the older
    /// spelling of `prohibit-password` and means the same.
    pub value: String,
    /// Path of the file that set it, as the caller named it.
    pub file: String,
    /// 1-based line number in that file.
    pub line: usize,
}

/// The global settings sshd starts with, and what may change them per connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshdConfig {
    /// None: not set, so the compiled-in default applies
    /// (see [`upstream_default_permit_root_login`]).
    pub permit_root_login: Option<Setting>,
    /// None: not set; the default is yes in every OpenSSH release.
    pub password_authentication: Option<Setting>,
    /// None: not set; the default is yes in every OpenSSH release.
    pub pubkey_authentication: Option<Setting>,
    /// Every `Port` line, in order. Empty: port 22.
    pub port: Vec<Setting>,
    /// `Match` blocks that set a tracked keyword, for the report, e.g.
    /// "Match User root Address 10.0.0.0/8 (/etc/ssh/sshd_config:120): PermitRootLogin no at /etc/ssh/sshd_config:121".
    /// Nested conditions (an `Include` inside a `Match`) are joined with " and ".
    pub match_overrides: Vec<String>,
    /// Things worth telling that sshd accepts: a named include file that does not exist,
    /// a later value sshd ignores because an earlier one won.
    pub warnings: Vec<String>,
    /// Things for which `sshd -t` rejects the whole configuration, so sshd would not start
    /// (or restart) with it: missing or invalid values of the tracked keywords, a line
    /// without a value, unbalanced quotes, `Port` inside `Match`, includes nested too deep.
    /// Keywords this module does not track are not checked.
    pub errors: Vec<String>,
}

/// The keywords this module follows, besides `Include`, `Match` and `Port`.
#[derive(Debug, Clone, Copy)]
enum Tracked {
    PermitRootLogin,
    PasswordAuthentication,
    PubkeyAuthentication,
}

impl Tracked {
    fn from_keyword(lower: &str) -> Option<Tracked> {
        match lower {
            "permitrootlogin" => Some(Tracked::PermitRootLogin),
            "passwordauthentication" => Some(Tracked::PasswordAuthentication),
            "pubkeyauthentication" => Some(Tracked::PubkeyAuthentication),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Tracked::PermitRootLogin => "PermitRootLogin",
            Tracked::PasswordAuthentication => "PasswordAuthentication",
            Tracked::PubkeyAuthentication => "PubkeyAuthentication",
        }
    }

    /// servconf.c's multistate tables; anything else makes sshd refuse the file.
    fn accepted(self) -> &'static [&'static str] {
        match self {
            Tracked::PermitRootLogin => &[
                "without-password",
                "prohibit-password",
                "forced-commands-only",
                "yes",
                "no",
            ],
            Tracked::PasswordAuthentication | Tracked::PubkeyAuthentication => &["yes", "no"],
        }
    }
}

/// The compiled-in PermitRootLogin of upstream OpenSSH (major, minor): "yes" before 7.0,
/// "prohibit-password" from 7.0 on.
///
/// Distributions patch this default, so do not apply it alone: Red Hat's 7.4p1 of RHEL /
/// CentOS 7 (and Amazon Linux 2, Alibaba Cloud Linux 2 built from it) keeps "yes", as its
/// sshd_config(5) says; RHEL 8's package sets `PermitRootLogin yes` in the file instead;
/// SUSE long carried a patch keeping "yes" as well. `sshd -T` reports the real default.
pub fn upstream_default_permit_root_login(version: (u32, u32)) -> &'static str {
    if version < (7, 0) {
        "yes"
    } else {
        "prohibit-password"
    }
}

/// `Include` patterns of one file, in order, made absolute the way sshd does (relative to
/// /etc/ssh). Includes inside `Match` blocks are listed too: their files decide what
/// applies to the connections the block matches. The collector lists the directories,
/// keeps the entries [`glob_matches`] accepts, reads them and asks again for their
/// patterns.
pub fn include_patterns(text: &str) -> Vec<String> {
    let mut patterns = Vec::new();
    for raw in text.split('\n') {
        if let Ok(Some((keyword, args))) = split_line(raw) {
            if keyword.eq_ignore_ascii_case("include") {
                patterns.extend(
                    args.iter()
                        .filter(|a| !a.is_empty())
                        .map(|a| absolute_pattern(a)),
                );
            }
        }
    }
    patterns
}

/// sshd prefixes SSHDIR to a pattern that starts with neither `/` nor `~`. It does not
/// expand `~` (glob is called without GLOB_TILDE), so such a pattern names a path relative
/// to sshd's working directory and in practice matches nothing.
fn absolute_pattern(arg: &str) -> String {
    if arg.starts_with('/') || arg.starts_with('~') {
        arg.to_string()
    } else {
        format!("{SSHDIR}/{arg}")
    }
}

/// Whether `path` is one of the paths sshd's glob(3) returns for `pattern`, given that
/// `path` exists.
///
/// OpenBSD glob semantics, per `/`-separated component: `*` any run of bytes, `?` one byte,
/// `[abc]`, `[a-z]`, `[!a-z]` one byte of (or not of) the set, `\x` the byte x itself; a
/// `[` with no closing `]` is a plain `[`. A name starting with `.` is only matched by a
/// component that starts with a literal `.`, so `*.conf` skips `.hidden.conf`. A component
/// without wildcards must match exactly, dot or not. Not supported: `[:alpha:]` classes
/// (no distribution drop-in pattern uses them) and a bracket set spanning a `/`.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let pattern_parts: Vec<&str> = pattern.split('/').collect();
    let path_parts: Vec<&str> = path.split('/').collect();
    pattern_parts.len() == path_parts.len()
        && pattern_parts
            .iter()
            .zip(&path_parts)
            .all(|(p, name)| component_matches(p.as_bytes(), name.as_bytes()))
}

/// One compiled pattern element.
#[derive(Debug, PartialEq)]
enum Token {
    Byte(u8),
    AnyByte,
    AnyRun,
    Set { negate: bool, ranges: Vec<(u8, u8)> },
}

impl Token {
    fn matches(&self, b: u8) -> bool {
        match self {
            Token::Byte(c) => *c == b,
            Token::AnyByte => true,
            Token::AnyRun => false,
            Token::Set { negate, ranges } => {
                ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&b)) != *negate
            }
        }
    }
}

/// A pattern component compiled like glob0(): tokens, whether any is a wildcard, and
/// whether it starts with an unescaped dot (the only thing that matches a hidden name).
fn compile(component: &[u8]) -> (Vec<Token>, bool, bool) {
    // (byte, escaped): an escaped byte is never special, as with glob's M_PROTECT.
    let mut chars: Vec<(u8, bool)> = Vec::with_capacity(component.len());
    let mut i = 0;
    while i < component.len() {
        if component[i] == b'\\' {
            match component.get(i + 1) {
                Some(&next) => {
                    chars.push((next, true));
                    i += 2;
                }
                None => {
                    chars.push((b'\\', true));
                    i += 1;
                }
            }
        } else {
            chars.push((component[i], false));
            i += 1;
        }
    }
    let leading_dot = chars.first() == Some(&(b'.', false));

    let mut tokens = Vec::new();
    let mut wild = false;
    let mut j = 0;
    while j < chars.len() {
        let (c, escaped) = chars[j];
        if escaped {
            tokens.push(Token::Byte(c));
            j += 1;
            continue;
        }
        match c {
            b'*' => {
                wild = true;
                // Adjacent stars collapse, as in glob0, so matching stays linear.
                if tokens.last() != Some(&Token::AnyRun) {
                    tokens.push(Token::AnyRun);
                }
                j += 1;
            }
            b'?' => {
                wild = true;
                tokens.push(Token::AnyByte);
                j += 1;
            }
            b'[' => match compile_set(&chars, j + 1) {
                Some((set, next)) => {
                    wild = true;
                    tokens.push(set);
                    j = next;
                }
                None => {
                    tokens.push(Token::Byte(b'['));
                    j += 1;
                }
            },
            _ => {
                tokens.push(Token::Byte(c));
                j += 1;
            }
        }
    }
    (tokens, wild, leading_dot)
}

/// The set starting after a `[` at `start`, and the index after its `]`; None when glob0
/// would take the `[` literally (nothing after it, or no unescaped `]` after the first
/// member, which may itself be a `]`).
fn compile_set(chars: &[(u8, bool)], start: usize) -> Option<(Token, usize)> {
    let closing = (b']', false);
    let mut k = start;
    let negate = chars.get(k) == Some(&(b'!', false));
    if negate {
        k += 1;
    }
    if chars.len() <= k || !chars[k + 1..].contains(&closing) {
        return None;
    }

    let mut ranges = Vec::new();
    loop {
        let (lo, _) = *chars.get(k)?;
        k += 1;
        let is_range =
            chars.get(k) == Some(&(b'-', false)) && chars.get(k + 1).is_some_and(|&c| c != closing);
        if is_range {
            let (hi, _) = *chars.get(k + 1)?;
            ranges.push((lo, hi));
            k += 2;
        } else {
            ranges.push((lo, lo));
        }
        if chars.get(k) == Some(&closing) {
            return Some((Token::Set { negate, ranges }, k + 1));
        }
    }
}

fn component_matches(pattern: &[u8], name: &[u8]) -> bool {
    let (tokens, wild, leading_dot) = compile(pattern);
    if !wild {
        // glob2 copies such a component and only checks that the path exists.
        return tokens.len() == name.len() && tokens.iter().zip(name).all(|(t, &b)| t.matches(b));
    }
    // readdir never returns an empty name; hidden names need a literal leading dot.
    if name.is_empty() || (name[0] == b'.' && !leading_dot) {
        return false;
    }
    wildcard_match(&tokens, name)
}

/// Matching with one backtrack point per `*`: every other token consumes exactly one byte,
/// so retrying from the last star is complete and linear-ish.
fn wildcard_match(tokens: &[Token], name: &[u8]) -> bool {
    let (mut t, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match tokens.get(t) {
            Some(Token::AnyRun) => {
                star = Some((t, n));
                t += 1;
                continue;
            }
            Some(token) if token.matches(name[n]) => {
                t += 1;
                n += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((star_t, star_n)) => {
                t = star_t + 1;
                n = star_n + 1;
                star = Some((star_t, star_n + 1));
            }
            None => return false,
        }
    }
    tokens[t.min(tokens.len())..]
        .iter()
        .all(|token| *token == Token::AnyRun)
}

/// Whitespace as servconf.c's WHITESPACE.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// A keyword and its arguments.
type Directive = (String, Vec<String>);

/// A line split as sshd splits it: None for blank and comment lines, else the keyword and
/// its arguments (quotes removed). Err for lines sshd rejects whatever the keyword.
fn split_line(raw: &str) -> Result<Option<Directive>, String> {
    // sshd strips trailing whitespace and form feeds first, so CRLF files work.
    let line = raw.trim_end_matches(|c| is_space(c) || c == '\x0c');
    let mut rest = line.trim_start_matches(is_space);
    // strdelim() treats one '=' like whitespace, even before the keyword.
    if let Some(after) = rest.strip_prefix('=') {
        rest = after.trim_start_matches(is_space);
    }
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(None);
    }
    let end = rest
        .find(|c| is_space(c) || c == '=' || c == '"')
        .unwrap_or(rest.len());
    let keyword = &rest[..end];
    if keyword.is_empty() {
        return Err("a quote where a keyword belongs".to_string());
    }
    let mut value = &rest[end..];
    if value.starts_with('"') {
        // strdelim() would glue the quoted text onto the keyword: no real keyword.
        return Err(format!("bad keyword \"{}\"", line.trim()));
    }
    // Keyword value | Keyword=value | Keyword = value: at most one '='.
    value = value.trim_start_matches(is_space);
    if let Some(after) = value.strip_prefix('=') {
        value = after.trim_start_matches(is_space);
    }
    if value.is_empty() {
        return Err(format!("no argument after keyword \"{keyword}\""));
    }
    let args = argv_split(value)?;
    Ok(Some((keyword.to_string(), args)))
}

/// OpenSSH's argv_split(..., terminate_on_comment=1): tokens separated by spaces or tabs,
/// `"` and `'` quotes, backslash escaping a quote, a backslash or (unquoted) a space, and
/// `#` at the start of a token ending the line.
fn argv_split(s: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' || chars[i] == '\t' {
            i += 1;
            continue;
        }
        if chars[i] == '#' {
            break;
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' {
                match chars.get(i + 1) {
                    Some(&next)
                        if next == '\''
                            || next == '"'
                            || next == '\\'
                            || (quote.is_none() && next == ' ') =>
                    {
                        arg.push(next);
                        i += 2;
                    }
                    // An unknown escape keeps its backslash.
                    _ => {
                        arg.push(c);
                        i += 1;
                    }
                }
                continue;
            }
            if quote.is_none() && (c == ' ' || c == '\t') {
                break;
            }
            if quote.is_none() && (c == '"' || c == '\'') {
                quote = Some(c);
            } else if quote == Some(c) {
                quote = None;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        if quote.is_some() {
            return Err("invalid quotes".to_string());
        }
        args.push(arg);
    }
    Ok(args)
}

/// The effective global configuration. `main_path` and `main` are the main file (see
/// [`CONFIG_PATHS`]); `files` maps every path the collector found for the include patterns
/// (absolute, as it resolved them) to its text. Which of them an `Include` takes is decided
/// here with [`glob_matches`], in the map's (byte) order, which is glob(3)'s order.
pub fn resolve(main_path: &str, main: &str, files: &BTreeMap<String, String>) -> SshdConfig {
    let mut resolver = Resolver {
        files,
        config: SshdConfig::default(),
        lines: 0,
        aborted: false,
    };
    resolver.parse(main_path, main, 0, None);
    resolver.config
}

struct Resolver<'a> {
    files: &'a BTreeMap<String, String>,
    config: SshdConfig,
    lines: usize,
    /// Set on the failures sshd dies of at once; nothing after them is read.
    aborted: bool,
}

impl Resolver<'_> {
    /// Parses one file. `inherited` is the condition in force where it was included: None
    /// for the global context, else the `Match` blocks it sits in.
    fn parse(&mut self, path: &str, text: &str, depth: usize, inherited: Option<String>) {
        if depth > MAX_INCLUDE_DEPTH {
            self.config.errors.push(format!(
                "{path}: too many recursive configuration includes (sshd allows \
                 {MAX_INCLUDE_DEPTH} levels; is there an include loop?)"
            ));
            self.aborted = true;
            return;
        }
        let mut condition = inherited.clone();
        for (index, raw) in text.split('\n').enumerate() {
            if self.aborted {
                return;
            }
            self.lines += 1;
            if self.lines > MAX_LINES {
                self.config.errors.push(format!(
                    "{path}: more than {MAX_LINES} lines after expanding includes; \
                     stopped reading"
                ));
                self.aborted = true;
                return;
            }
            let line = index + 1;
            let (keyword, args) = match split_line(raw) {
                Ok(Some(directive)) => directive,
                Ok(None) => continue,
                Err(reason) => {
                    self.config.errors.push(format!("{path}:{line}: {reason}"));
                    continue;
                }
            };
            let lower = keyword.to_ascii_lowercase();
            match lower.as_str() {
                "include" => self.include(path, line, &args, depth, &condition),
                "match" => condition = self.match_block(path, line, &args, &inherited),
                "port" => self.port(path, line, &args, &condition),
                _ => {
                    if let Some(tracked) = Tracked::from_keyword(&lower) {
                        self.tracked(tracked, path, line, &args, &condition);
                    }
                }
            }
        }
    }

    fn include(
        &mut self,
        path: &str,
        line: usize,
        args: &[String],
        depth: usize,
        condition: &Option<String>,
    ) {
        if args.is_empty() {
            self.config
                .errors
                .push(format!("{path}:{line}: Include missing filename argument"));
            return;
        }
        let files = self.files;
        for arg in args {
            if arg.is_empty() {
                self.config
                    .errors
                    .push(format!("{path}:{line}: Include has an empty argument"));
                return;
            }
            let pattern = absolute_pattern(arg);
            let mut matched = false;
            for (included, text) in files.iter().filter(|(p, _)| glob_matches(&pattern, p)) {
                matched = true;
                self.parse(included, text, depth + 1, condition.clone());
                if self.aborted {
                    return;
                }
            }
            // An empty drop-in directory is normal; a named file that is missing is not.
            let names_one_file = !pattern.contains(['*', '?', '[']);
            if !matched && names_one_file {
                self.config.warnings.push(format!(
                    "{path}:{line}: Include {pattern}: no such file (sshd skips it)"
                ));
            }
        }
    }

    /// The condition after a `Match` line: its criteria, under those of the includer.
    fn match_block(
        &mut self,
        path: &str,
        line: usize,
        args: &[String],
        inherited: &Option<String>,
    ) -> Option<String> {
        let criteria = args.join(" ");
        match args.first() {
            None => {
                self.config
                    .errors
                    .push(format!("{path}:{line}: Match needs one or more criteria"));
            }
            Some(first) if first.eq_ignore_ascii_case("all") => {
                if args.len() > 1 {
                    self.config.errors.push(format!(
                        "{path}:{line}: Match {criteria}: 'all' cannot be combined with \
                         other Match attributes"
                    ));
                } else {
                    return inherited.clone();
                }
            }
            Some(_) => {}
        }
        let here = format!("Match {criteria} ({path}:{line})");
        Some(match inherited {
            None => here,
            Some(outer) => format!("{outer} and {here}"),
        })
    }

    fn port(&mut self, path: &str, line: usize, args: &[String], condition: &Option<String>) {
        if condition.is_some() {
            self.config.errors.push(format!(
                "{path}:{line}: Directive 'Port' is not allowed within a Match block"
            ));
            return;
        }
        let value = match args {
            [value] => value,
            [] => {
                self.config
                    .errors
                    .push(format!("{path}:{line}: missing port number"));
                return;
            }
            _ => {
                self.config.errors.push(format!(
                    "{path}:{line}: keyword Port extra arguments at end of line"
                ));
                return;
            }
        };
        // A non-number is a service name sshd looks up in /etc/services ("ssh" is 22).
        let numeric_but_bad = !value.is_empty()
            && value.bytes().all(|b| b.is_ascii_digit())
            && !matches!(value.parse::<u32>(), Ok(1..=65535));
        if value.is_empty() || numeric_but_bad {
            self.config.errors.push(format!(
                "{path}:{line}: badly formatted port number {value:?}"
            ));
            return;
        }
        self.config.port.push(Setting {
            value: value.clone(),
            file: path.to_string(),
            line,
        });
    }

    fn tracked(
        &mut self,
        keyword: Tracked,
        path: &str,
        line: usize,
        args: &[String],
        condition: &Option<String>,
    ) {
        let name = keyword.name();
        // sshd checks the value even inside a Match block it is not applying.
        let value = match args {
            [value] => value.to_ascii_lowercase(),
            [] => {
                self.config
                    .errors
                    .push(format!("{path}:{line}: {name} missing argument"));
                return;
            }
            _ => {
                self.config.errors.push(format!(
                    "{path}:{line}: keyword {name} extra arguments at end of line"
                ));
                return;
            }
        };
        if !keyword.accepted().contains(&value.as_str()) {
            self.config.errors.push(format!(
                "{path}:{line}: unsupported option \"{}\" for {name}",
                args.join(" ")
            ));
            return;
        }
        let setting = Setting {
            value,
            file: path.to_string(),
            line,
        };
        if let Some(condition) = condition {
            self.config.match_overrides.push(format!(
                "{condition}: {name} {} at {path}:{line}",
                setting.value
            ));
            return;
        }
        let slot = match keyword {
            Tracked::PermitRootLogin => &mut self.config.permit_root_login,
            Tracked::PasswordAuthentication => &mut self.config.password_authentication,
            Tracked::PubkeyAuthentication => &mut self.config.pubkey_authentication,
        };
        match slot {
            None => *slot = Some(setting),
            Some(first) => self.config.warnings.push(format!(
                "{path}:{line}: {name} {} is ignored: sshd keeps the first value, {} from {}:{}",
                setting.value, first.value, first.file, first.line
            )),
        }
    }
}

/// (major, minor) from the banner `ssh -V` or `sshd -V` prints on stderr, e.g.
/// "OpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017" gives (7, 4). Old sshd without -V
/// prints "sshd: illegal option -- V" and the banner after it; that works too.
pub fn openssh_version(text: &str) -> Option<(u32, u32)> {
    text.match_indices("OpenSSH_").find_map(|(at, marker)| {
        let token = text[at + marker.len()..]
            .split(|c: char| c.is_whitespace() || c == ',')
            .next()?;
        // "OpenSSH_for_Windows_9.5p1": the number follows the first digit.
        let number = &token[token.find(|c: char| c.is_ascii_digit())?..];
        let (major, rest) = number.split_once('.')?;
        let minor_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        Some((major.parse().ok()?, rest[..minor_end].parse().ok()?))
    })
}

#[cfg(test)]
mod tests {
    //! Fixtures under tests/data/sshd_config.
    //!
    //! Verbatim: `debian12-sshd_config` (openssh-server 1:9.2p1-2+deb12u10; identical to
    //! the package's /usr/share/openssh/sshd_config).
    //!
    //! Reconstructed, not captured on those hosts: every other file. CentOS 6 and 7 and
    //! Rocky 9 from published `cat /etc/ssh/sshd_config` of stock installs, with the tabs
    //! the forum copies lost put back; RHEL 9's 50-redhat.conf and crypto-policy back-end
    //! likewise. Amazon Linux 2 is the RHEL 7 file with cloud-init's
    //! `PasswordAuthentication no` and EC2 Instance Connect's two lines. Alibaba Cloud
    //! Linux 3 is RHEL 8's file (which sets `PermitRootLogin yes`) with the image's
    //! `UseDNS no`. Ubuntu 18.04 and 22.04 are the Debian file with Ubuntu's header and the
    //! wording of their OpenSSH versions. SLES 15 SP6 / Tumbleweed follow the head of a
    //! published SLES 15 file and SUSE's `Include` of both drop-in directories. Flatcar is
    //! its /usr/share/ssh/sshd_config as published in CoreOS cloud-configs. Replace them
    //! with captures when hosts are at hand.
    //!
    //! The semantics asserted below (first value wins, Match scope ends with the file,
    //! Include inside Match, recursion limit, quoting) were checked against `sshd -T`
    //! of OpenSSH 9.2p1 on the same inputs.

    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../tests/data/sshd_config/", $name))
        };
    }

    const CENTOS6: &str = fixture!("centos6-sshd_config");
    const CENTOS7: &str = fixture!("centos7-sshd_config");
    const AMZN2: &str = fixture!("amzn2-sshd_config");
    const ALINUX3: &str = fixture!("alinux3-sshd_config");
    const ROCKY9: &str = fixture!("rocky9-sshd_config");
    const ROCKY9_REDHAT: &str = fixture!("rocky9-sshd_config.d-50-redhat.conf");
    const ROCKY9_CRYPTO: &str = fixture!("rocky9-crypto-policies-opensshserver.config");
    const UBUNTU1804: &str = fixture!("ubuntu1804-sshd_config");
    const UBUNTU2204: &str = fixture!("ubuntu2204-sshd_config");
    const UBUNTU2204_CLOUD_INIT: &str = fixture!("ubuntu2204-sshd_config.d-50-cloud-init.conf");
    const UBUNTU2204_CLOUDIMG: &str =
        fixture!("ubuntu2204-sshd_config.d-60-cloudimg-settings.conf");
    const DEBIAN12: &str = fixture!("debian12-sshd_config");
    const SLES15: &str = fixture!("sles15sp6-etc-ssh-sshd_config");
    const TUMBLEWEED: &str = fixture!("tumbleweed-usr-etc-ssh-sshd_config");
    const FLATCAR: &str = fixture!("flatcar-usr-share-ssh-sshd_config");

    const MAIN: &str = "/etc/ssh/sshd_config";

    fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    fn resolve_alone(text: &str) -> SshdConfig {
        resolve(MAIN, text, &BTreeMap::new())
    }

    fn setting(value: &str, file: &str, line: usize) -> Option<Setting> {
        Some(Setting {
            value: value.to_string(),
            file: file.to_string(),
            line,
        })
    }

    fn value(s: &Option<Setting>) -> Option<&str> {
        s.as_ref().map(|s| s.value.as_str())
    }

    #[test]
    fn centos6_leaves_permit_root_login_to_the_default() {
        let c = resolve_alone(CENTOS6);
        assert_eq!(c.permit_root_login, None);
        assert_eq!(
            c.password_authentication,
            setting("yes", MAIN, 66),
            "the uncommented line after the commented default"
        );
        assert_eq!(c.pubkey_authentication, None);
        assert!(c.port.is_empty());
        assert!(c.errors.is_empty() && c.warnings.is_empty() && c.match_overrides.is_empty());
        assert_eq!(upstream_default_permit_root_login((5, 3)), "yes");
    }

    #[test]
    fn centos7_sets_password_authentication_and_nothing_for_root() {
        let c = resolve_alone(CENTOS7);
        assert_eq!(c.permit_root_login, None);
        assert_eq!(c.password_authentication, setting("yes", MAIN, 65));
        assert!(c.errors.is_empty() && c.warnings.is_empty());
    }

    #[test]
    fn amazon_linux2_disables_passwords_and_leaves_root_to_the_default() {
        let c = resolve_alone(AMZN2);
        assert_eq!(c.permit_root_login, None);
        assert_eq!(c.password_authentication, setting("no", MAIN, 65));
        assert!(c.errors.is_empty());
    }

    #[test]
    fn alinux3_permits_root_login_in_the_main_file() {
        let c = resolve_alone(ALINUX3);
        assert_eq!(c.permit_root_login, setting("yes", MAIN, 43));
        assert_eq!(value(&c.password_authentication), Some("yes"));
        assert!(c.errors.is_empty() && c.warnings.is_empty());
    }

    #[test]
    fn rocky9_reads_50_redhat_and_its_crypto_policy_include() {
        let drop_in = "/etc/ssh/sshd_config.d/50-redhat.conf";
        let crypto = "/etc/crypto-policies/back-ends/opensshserver.config";
        assert_eq!(include_patterns(ROCKY9), ["/etc/ssh/sshd_config.d/*.conf"]);
        assert_eq!(include_patterns(ROCKY9_REDHAT), [crypto]);
        let c = resolve(
            MAIN,
            ROCKY9,
            &files(&[(drop_in, ROCKY9_REDHAT), (crypto, ROCKY9_CRYPTO)]),
        );
        assert_eq!(c.permit_root_login, None);
        assert_eq!(c.password_authentication, None);
        assert_eq!(c.pubkey_authentication, None);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(
            upstream_default_permit_root_login((8, 7)),
            "prohibit-password"
        );
    }

    #[test]
    fn rocky9_installer_drop_in_permits_root_before_the_main_file() {
        // Anaconda's "Allow root SSH login with password" writes this file.
        let c = resolve(
            MAIN,
            &format!("{ROCKY9}PermitRootLogin no\n"),
            &files(&[
                (
                    "/etc/ssh/sshd_config.d/01-permitrootlogin.conf",
                    "PermitRootLogin yes\n",
                ),
                ("/etc/ssh/sshd_config.d/50-redhat.conf", ROCKY9_REDHAT),
                (
                    "/etc/crypto-policies/back-ends/opensshserver.config",
                    ROCKY9_CRYPTO,
                ),
            ]),
        );
        assert_eq!(
            c.permit_root_login,
            setting("yes", "/etc/ssh/sshd_config.d/01-permitrootlogin.conf", 1)
        );
        assert_eq!(c.warnings.len(), 1);
        assert!(
            c.warnings[0].starts_with("/etc/ssh/sshd_config:131: PermitRootLogin no is ignored")
        );
    }

    #[test]
    fn ubuntu1804_has_no_include_and_no_root_setting() {
        let c = resolve_alone(UBUNTU1804);
        assert!(include_patterns(UBUNTU1804).is_empty());
        assert_eq!(c.permit_root_login, None);
        assert_eq!(c.password_authentication, None);
        assert!(c.errors.is_empty());
    }

    #[test]
    fn ubuntu2204_cloud_init_drop_in_beats_the_main_file() {
        // The admin's edit at the end of the main file loses to the drop-in included on
        // line 13: the first value wins.
        let edited = format!("{UBUNTU2204}PermitRootLogin yes\nPasswordAuthentication yes\n");
        let c = resolve(
            MAIN,
            &edited,
            &files(&[
                (
                    "/etc/ssh/sshd_config.d/50-cloud-init.conf",
                    UBUNTU2204_CLOUD_INIT,
                ),
                (
                    "/etc/ssh/sshd_config.d/60-cloudimg-settings.conf",
                    UBUNTU2204_CLOUDIMG,
                ),
            ]),
        );
        assert_eq!(c.permit_root_login, setting("yes", MAIN, 124));
        assert_eq!(
            c.password_authentication,
            setting("no", "/etc/ssh/sshd_config.d/50-cloud-init.conf", 1)
        );
        assert_eq!(
            c.warnings,
            [
                "/etc/ssh/sshd_config.d/60-cloudimg-settings.conf:1: PasswordAuthentication no \
                 is ignored: sshd keeps the first value, no from \
                 /etc/ssh/sshd_config.d/50-cloud-init.conf:1",
                "/etc/ssh/sshd_config:125: PasswordAuthentication yes is ignored: sshd keeps \
                 the first value, no from /etc/ssh/sshd_config.d/50-cloud-init.conf:1",
            ]
        );
    }

    #[test]
    fn debian12_default_sets_none_of_the_tracked_keywords() {
        let c = resolve_alone(DEBIAN12);
        assert_eq!(
            include_patterns(DEBIAN12),
            ["/etc/ssh/sshd_config.d/*.conf"]
        );
        assert_eq!(c, SshdConfig::default());
    }

    #[test]
    fn sles15_reads_both_drop_in_directories_etc_first() {
        assert_eq!(
            include_patterns(SLES15),
            [
                "/etc/ssh/sshd_config.d/*.conf",
                "/usr/etc/ssh/sshd_config.d/*.conf"
            ]
        );
        let c = resolve(
            MAIN,
            SLES15,
            &files(&[
                (
                    "/usr/etc/ssh/sshd_config.d/50-permit-root-login.conf",
                    "PermitRootLogin yes\n",
                ),
                (
                    "/etc/ssh/sshd_config.d/90-local.conf",
                    "PermitRootLogin no\n",
                ),
            ]),
        );
        assert_eq!(
            c.permit_root_login,
            setting("no", "/etc/ssh/sshd_config.d/90-local.conf", 1)
        );
        assert_eq!(c.warnings.len(), 1);
    }

    #[test]
    fn tumbleweed_vendor_file_is_resolved_as_the_main_file() {
        assert_eq!(CONFIG_PATHS[1], "/usr/etc/ssh/sshd_config");
        let c = resolve(CONFIG_PATHS[1], TUMBLEWEED, &BTreeMap::new());
        assert_eq!(c.permit_root_login, None);
        assert!(c.errors.is_empty() && c.warnings.is_empty());
        let c = resolve(
            CONFIG_PATHS[1],
            TUMBLEWEED,
            &files(&[("/etc/ssh/sshd_config.d/root.conf", "permitrootlogin YES\n")]),
        );
        assert_eq!(
            c.permit_root_login,
            setting("yes", "/etc/ssh/sshd_config.d/root.conf", 1)
        );
    }

    #[test]
    fn flatcar_trailing_comments_are_not_values() {
        let c = resolve_alone(FLATCAR);
        assert_eq!(c, SshdConfig::default());
    }

    #[test]
    fn permit_root_login_no_inside_include_wins() {
        let c = resolve(
            MAIN,
            "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n",
            &files(&[(
                "/etc/ssh/sshd_config.d/10-hardening.conf",
                "PermitRootLogin no\n",
            )]),
        );
        assert_eq!(
            c.permit_root_login,
            setting("no", "/etc/ssh/sshd_config.d/10-hardening.conf", 1)
        );
    }

    #[test]
    fn keyword_case_equals_sign_and_value_case_are_ignored() {
        let c = resolve_alone(
            "permitrootlogin=YES\nPasswordAuthentication = No\n  PUBKEYAUTHENTICATION= yes\r\n",
        );
        assert_eq!(c.permit_root_login, setting("yes", MAIN, 1));
        assert_eq!(c.password_authentication, setting("no", MAIN, 2));
        assert_eq!(c.pubkey_authentication, setting("yes", MAIN, 3));
        assert!(c.errors.is_empty());
    }

    #[test]
    fn quoted_values_lose_their_quotes() {
        let c = resolve_alone("PermitRootLogin \"yes\"\nPasswordAuthentication 'no'\n");
        assert_eq!(value(&c.permit_root_login), Some("yes"));
        assert_eq!(value(&c.password_authentication), Some("no"));
    }

    #[test]
    fn duplicate_permit_root_login_first_wins() {
        let c = resolve_alone("PermitRootLogin no\n# later\nPermitRootLogin yes\n");
        assert_eq!(c.permit_root_login, setting("no", MAIN, 1));
        assert_eq!(
            c.warnings,
            [
                "/etc/ssh/sshd_config:3: PermitRootLogin yes is ignored: sshd keeps the first \
              value, no from /etc/ssh/sshd_config:1"
            ]
        );
    }

    #[test]
    fn match_user_root_yes_after_global_no_is_an_override() {
        let c = resolve_alone(
            "PermitRootLogin no\nMatch User root Address 10.0.0.0/8\n\tPermitRootLogin yes\n",
        );
        assert_eq!(c.permit_root_login, setting("no", MAIN, 1));
        assert_eq!(
            c.match_overrides,
            [
                "Match User root Address 10.0.0.0/8 (/etc/ssh/sshd_config:2): PermitRootLogin \
              yes at /etc/ssh/sshd_config:3"
            ]
        );
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn settings_after_match_all_are_global_again() {
        let c =
            resolve_alone("Match User admin\nPermitRootLogin no\nMatch all\nPermitRootLogin yes\n");
        assert_eq!(c.permit_root_login, setting("yes", MAIN, 4));
        assert_eq!(c.match_overrides.len(), 1);
    }

    #[test]
    fn match_in_an_included_file_ends_with_that_file() {
        let c = resolve(
            MAIN,
            "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nPort 2222\n",
            &files(&[(
                "/etc/ssh/sshd_config.d/50-sftp.conf",
                "Match Group sftponly\n  PasswordAuthentication no\n",
            )]),
        );
        assert_eq!(c.permit_root_login, setting("yes", MAIN, 2));
        assert_eq!(
            c.port,
            vec![Setting {
                value: "2222".into(),
                file: MAIN.into(),
                line: 3
            }]
        );
        assert_eq!(c.password_authentication, None);
        assert_eq!(
            c.match_overrides,
            [
                "Match Group sftponly (/etc/ssh/sshd_config.d/50-sftp.conf:1): \
              PasswordAuthentication no at /etc/ssh/sshd_config.d/50-sftp.conf:2"
            ]
        );
        assert!(c.errors.is_empty());
    }

    #[test]
    fn include_inside_match_is_conditional() {
        let c = resolve(
            MAIN,
            "PermitRootLogin yes\nMatch User bob\n  Include /etc/ssh/bob.conf\n",
            &files(&[("/etc/ssh/bob.conf", "PermitRootLogin no\nMatch Address 10.0.0.0/8\nPubkeyAuthentication no\nMatch all\nPasswordAuthentication no\n")]),
        );
        assert_eq!(c.permit_root_login, setting("yes", MAIN, 1));
        assert_eq!(
            c.password_authentication, None,
            "Match all returns to bob's block"
        );
        assert_eq!(
            c.match_overrides,
            [
                "Match User bob (/etc/ssh/sshd_config:2): PermitRootLogin no at /etc/ssh/bob.conf:1",
                "Match User bob (/etc/ssh/sshd_config:2) and Match Address 10.0.0.0/8 \
                 (/etc/ssh/bob.conf:2): PubkeyAuthentication no at /etc/ssh/bob.conf:3",
                "Match User bob (/etc/ssh/sshd_config:2): PasswordAuthentication no at /etc/ssh/bob.conf:5",
            ]
        );
    }

    #[test]
    fn match_all_in_a_top_level_include_is_global() {
        let c = resolve(
            MAIN,
            "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n",
            &files(&[(
                "/etc/ssh/sshd_config.d/50.conf",
                "Match User x\nPasswordAuthentication no\nMatch all\nPermitRootLogin no\n",
            )]),
        );
        assert_eq!(
            c.permit_root_login,
            setting("no", "/etc/ssh/sshd_config.d/50.conf", 4)
        );
    }

    #[test]
    fn missing_named_include_is_a_warning_and_empty_glob_is_silent() {
        let c = resolve_alone(
            "Include /etc/ssh/local.conf\nInclude sshd_config.d/*.conf\nPermitRootLogin yes\n",
        );
        assert_eq!(c.permit_root_login, setting("yes", MAIN, 3));
        assert_eq!(
            c.warnings,
            ["/etc/ssh/sshd_config:1: Include /etc/ssh/local.conf: no such file (sshd skips it)"]
        );
        assert!(c.errors.is_empty());
    }

    #[test]
    fn include_loop_stops_at_depth_16_as_an_error() {
        let c = resolve(
            MAIN,
            "Include /etc/ssh/loop.conf\nPermitRootLogin yes\n",
            &files(&[("/etc/ssh/loop.conf", "Include loop.conf\n")]),
        );
        assert_eq!(c.errors.len(), 1);
        assert!(c.errors[0]
            .starts_with("/etc/ssh/loop.conf: too many recursive configuration includes"));
        assert_eq!(
            c.permit_root_login, None,
            "sshd dies before reading further"
        );
    }

    #[test]
    fn sixteen_nested_includes_are_allowed() {
        // main (depth 0) -> c1 ... c16 (depth 16) is what sshd 9.2 accepts; c17 is fatal.
        let chain = |last: usize| {
            let mut map = BTreeMap::new();
            for i in 1..last {
                map.insert(
                    format!("/etc/ssh/c{i}"),
                    format!("Include /etc/ssh/c{}\n", i + 1),
                );
            }
            map.insert(
                format!("/etc/ssh/c{last}"),
                "PermitRootLogin no\n".to_string(),
            );
            resolve(MAIN, "Include /etc/ssh/c1\n", &map)
        };
        let ok = chain(16);
        assert_eq!(value(&ok.permit_root_login), Some("no"));
        assert!(ok.errors.is_empty());
        let too_deep = chain(17);
        assert_eq!(too_deep.permit_root_login, None);
        assert_eq!(too_deep.errors.len(), 1);
    }

    #[test]
    fn a_directory_including_itself_does_not_hang() {
        let mut map = BTreeMap::new();
        for i in 0..8 {
            map.insert(
                format!("/etc/ssh/d/{i}.conf"),
                "Include /etc/ssh/d/*.conf\n".to_string(),
            );
        }
        let c = resolve(MAIN, "Include /etc/ssh/d/*.conf\n", &map);
        assert_eq!(c.errors.len(), 1);
    }

    #[test]
    fn include_glob_order_is_byte_order_and_skips_hidden_files() {
        let c = resolve(
            MAIN,
            "Include /etc/ssh/sshd_config.d/*.conf\n",
            &files(&[
                ("/etc/ssh/sshd_config.d/a.conf", "PermitRootLogin yes\n"),
                ("/etc/ssh/sshd_config.d/Z.conf", "PermitRootLogin no\n"),
                (
                    "/etc/ssh/sshd_config.d/.h.conf",
                    "PermitRootLogin forced-commands-only\n",
                ),
                (
                    "/etc/ssh/sshd_config.d/b.conf.rpmsave",
                    "PasswordAuthentication no\n",
                ),
            ]),
        );
        assert_eq!(
            c.permit_root_login,
            setting("no", "/etc/ssh/sshd_config.d/Z.conf", 1)
        );
        assert_eq!(c.password_authentication, None);
    }

    #[test]
    fn invalid_values_are_errors_and_set_nothing() {
        let c = resolve_alone(
            "PermitRootLogin maybe\nPasswordAuthentication\nPubkeyAuthentication yes no\n\
             PermitRootLogin no#x\nPermitRootLogin \"no\nPermitRootLogin # nothing\n",
        );
        assert_eq!(c.permit_root_login, None);
        assert_eq!(c.password_authentication, None);
        assert_eq!(c.pubkey_authentication, None);
        assert_eq!(
            c.errors,
            [
                "/etc/ssh/sshd_config:1: unsupported option \"maybe\" for PermitRootLogin",
                "/etc/ssh/sshd_config:2: no argument after keyword \"PasswordAuthentication\"",
                "/etc/ssh/sshd_config:3: keyword PubkeyAuthentication extra arguments at end of line",
                "/etc/ssh/sshd_config:4: unsupported option \"no#x\" for PermitRootLogin",
                "/etc/ssh/sshd_config:5: invalid quotes",
                "/etc/ssh/sshd_config:6: PermitRootLogin missing argument",
            ]
        );
    }

    #[test]
    fn port_accumulates_and_is_refused_inside_match() {
        let c = resolve_alone("Port 22\nPort 2222\nPort 0\nMatch User x\nPort 23\n");
        let ports: Vec<&str> = c.port.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(ports, ["22", "2222"]);
        assert_eq!(
            c.errors,
            [
                "/etc/ssh/sshd_config:3: badly formatted port number \"0\"",
                "/etc/ssh/sshd_config:5: Directive 'Port' is not allowed within a Match block",
            ]
        );
    }

    #[test]
    fn match_all_combined_or_empty_is_an_error() {
        let c = resolve_alone("Match all User root\nPermitRootLogin no\nMatch # none\n");
        assert_eq!(c.errors.len(), 2);
        assert_eq!(c.permit_root_login, None);
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            "",
            "\n\n",
            "=",
            "\"",
            "'",
            "\\",
            "Include",
            "Include \"\"",
            "Match",
            "[",
            "Port",
            "PermitRootLogin \\",
            "\u{0}\u{1}\u{ff}",
            "PermitRootLogin \"yes",
            "Include [[[*",
            "Include /etc/ssh/[!",
            "Include \\",
            "ÄÖÜ=ß",
            "Match all all",
            "Port 99999999999999999999",
            "PermitRootLogin\x0c",
            "  = = =",
            "Include ~/x",
        ];
        let map = files(&[("/etc/ssh/[", "PermitRootLogin yes\n")]);
        for input in inputs {
            let _ = resolve(MAIN, input, &map);
            let _ = include_patterns(input);
            let _ = openssh_version(input);
            let _ = glob_matches(input, input);
            let _ = glob_matches(input, "/etc/ssh/a");
        }
    }

    #[test]
    fn include_patterns_are_absolute_and_in_order() {
        let text = "Include a.conf \"/etc/ssh/my dir/*.conf\"\nMatch User x\n include /opt/x.conf\n#Include /no\n";
        assert_eq!(
            include_patterns(text),
            ["/etc/ssh/a.conf", "/etc/ssh/my dir/*.conf", "/opt/x.conf"]
        );
    }

    #[test]
    fn glob_matches_like_openbsd_glob() {
        let d = "/etc/ssh/sshd_config.d";
        assert!(glob_matches(
            "/etc/ssh/sshd_config.d/*.conf",
            &format!("{d}/50-redhat.conf")
        ));
        assert!(!glob_matches(
            "/etc/ssh/sshd_config.d/*.conf",
            &format!("{d}/.50.conf")
        ));
        assert!(glob_matches(
            "/etc/ssh/sshd_config.d/.*.conf",
            &format!("{d}/.50.conf")
        ));
        assert!(!glob_matches(
            "/etc/ssh/sshd_config.d/*.conf",
            &format!("{d}/x.conf.bak")
        ));
        assert!(!glob_matches(
            "/etc/ssh/sshd_config.d/*.conf",
            &format!("{d}/sub/x.conf")
        ));
        assert!(glob_matches("/etc/ssh/*/*.conf", &format!("{d}/x.conf")));
        assert!(glob_matches("/etc/ssh/d/?0-*.conf", "/etc/ssh/d/50-a.conf"));
        assert!(glob_matches("/etc/ssh/d/[0-4]*", "/etc/ssh/d/40-x"));
        assert!(!glob_matches("/etc/ssh/d/[0-4]*", "/etc/ssh/d/50-x"));
        assert!(glob_matches("/etc/ssh/d/[!0-4]*", "/etc/ssh/d/50-x"));
        assert!(glob_matches("/etc/ssh/d/[]a]", "/etc/ssh/d/]"));
        assert!(glob_matches("/etc/ssh/d/[a-]", "/etc/ssh/d/-"));
        assert!(
            glob_matches("/etc/ssh/d/[ab", "/etc/ssh/d/[ab"),
            "unclosed [ is literal"
        );
        assert!(glob_matches("/etc/ssh/d/\\*", "/etc/ssh/d/*"));
        assert!(!glob_matches("/etc/ssh/d/\\*", "/etc/ssh/d/x"));
        assert!(
            glob_matches("/etc/ssh/d/.hidden", "/etc/ssh/d/.hidden"),
            "no wildcard, no dot rule"
        );
        assert!(glob_matches(
            "/etc/ssh/d/*a*a*a*b",
            "/etc/ssh/d/aaaaaaaaaaaaaaaaaaaaaaab"
        ));
        assert!(!glob_matches(
            "/etc/ssh/d/*a*a*a*b",
            "/etc/ssh/d/aaaaaaaaaaaaaaaaaaaaaaaa"
        ));
        assert!(!glob_matches("/etc/ssh//x", "/etc/ssh/x"));
        assert!(glob_matches("/etc/ssh/d/**", "/etc/ssh/d/x"));
    }

    #[test]
    fn openssh_version_from_banners() {
        assert_eq!(
            openssh_version("OpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017\n"),
            Some((7, 4))
        );
        assert_eq!(
            openssh_version("OpenSSH_9.6p1 Ubuntu-3ubuntu13, OpenSSL 3.0.13 30 Jan 2024\n"),
            Some((9, 6))
        );
        assert_eq!(
            openssh_version("OpenSSH_5.3p1, OpenSSL 1.0.1e-fips 11 Feb 2013\n"),
            Some((5, 3))
        );
        assert_eq!(
            openssh_version("OpenSSH_8.0p1, OpenSSL 1.1.1k  FIPS 25 Mar 2021\n"),
            Some((8, 0))
        );
        assert_eq!(
            openssh_version("sshd: illegal option -- V\nOpenSSH_6.6.1p1, OpenSSL 1.0.1e-fips 11 Feb 2013\nusage: sshd [-46DdeiqTt]\n"),
            Some((6, 6))
        );
        assert_eq!(
            openssh_version("OpenSSH_10.0p2 Debian-5, OpenSSL 3.5.1 1 Jul 2025"),
            Some((10, 0))
        );
        assert_eq!(
            openssh_version("OpenSSH_for_Windows_9.5p1, LibreSSL 3.8.2"),
            Some((9, 5))
        );
        assert_eq!(openssh_version("dropbear v2022.83"), None);
        assert_eq!(openssh_version("OpenSSH_, OpenSSH_x.y"), None);
        assert_eq!(openssh_version(""), None);
    }
}
