//! OpenBSD glob(3) matching, as sshd's `Include` uses it: which existing paths a pattern names.
//!
//! Pure: the collector lists directories and asks [`component_matches`] which names a pattern
//! component takes; the resolver asks [`glob_matches`] which of the collected paths an
//! `Include` pattern names. Nothing here touches a file system.

/// Whether `pattern` has a glob wildcard in any component (an unescaped `*`, `?` or a `[`
/// set); a pattern without one names at most one path.
pub fn has_wildcard(pattern: &str) -> bool {
    pattern
        .split('/')
        .any(|component| compile(component.as_bytes()).1)
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

/// Whether one path component `pattern` takes the directory entry `name` (see
/// [`glob_matches`] for the rules).
pub fn component_matches(pattern: &[u8], name: &[u8]) -> bool {
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
