//! Differential test of the sshd_config resolver against the real OpenSSH sshd: hundreds of
//! generated configurations (Match blocks, Include globs, directories and dangling links,
//! case, quoting, `=`, CRLF, comments, invalid values and keywords) are given to
//! `/usr/sbin/sshd -T -f FILE -C user=root,host=…,addr=…`, and the resolver must agree with
//! it on whether sshd starts and on PermitRootLogin, PasswordAuthentication and
//! PubkeyAuthentication for that connection. Needs openssh-server (`.ci/run` installs it).

use image_check::facts::passwd::groups_of;
use image_check::facts::sshd_config::sshd_t::{interpret, SshdT};
use image_check::facts::sshd_config::{self, Connection, IncludedFile, Known, SshdConfig};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const SSHD: &str = "/usr/sbin/sshd";
const USER_HOST_ADDR: (&str, &str) = ("image-check.invalid", "192.0.2.1");
/// The local end, for configurations with `Match LocalPort`/`LocalAddress`/`RDomain`,
/// which `sshd -T` refuses to decide without it (the product then falls back to the files).
const LOCAL_END: (&str, u16, &str) = ("127.0.0.1", 22, "x");

/// xorshift64*: the cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const ROOT_VALUES: &[&str] = &[
    "yes",
    "no",
    "prohibit-password",
    "without-password",
    "forced-commands-only",
    "YES",
    "No",
    "\"no\"",
    "yes # comment",
];
const YES_NO_VALUES: &[&str] = &["yes", "no", "Yes", "NO", "\"yes\"", "no # c"];
/// Values sshd refuses; one line in [`INVALID_PERCENT`] takes one.
const INVALID_VALUES: &[&str] = &["maybe", "no#x", "nope", "", "yes no", "\"yes"];
const INVALID_PERCENT: usize = 2;
const MATCHES: &[&str] = &[
    "Match User root",
    "Match User nobody",
    "Match User r*",
    "Match User !root,*",
    "Match User nobody,root",
    "Match Group root",
    "Match Group wheel,nogroup",
    "Match Group !root",
    "Match Address 192.0.2.0/24",
    "Match Address 10.0.0.0/8",
    "Match Address 192.0.2.1",
    "Match Host image-check.invalid",
    "Match Host *.example",
    "Match Host *.invalid",
    "Match all",
    "Match User root Address 10.0.0.0/8",
    "Match User root Host *.invalid",
    "Match LocalPort 22",
    "Match LocalAddress 127.0.0.1",
    "Match RDomain x",
    "match user ROOT",
    "Match User=root",
];
/// Match lines sshd refuses.
const INVALID_MATCHES: &[&str] = &[
    "Match",
    "Match all User root",
    "Match Address 300.1.1.1/8",
    "Match Colour blue",
];
/// Keywords sshd allows anywhere, and comments.
const OTHERS: &[&str] = &[
    "X11Forwarding no",
    "AcceptEnv LANG LC_*",
    "ClientAliveInterval 120",
    "AllowTcpForwarding no",
    "Banner none",
    "FrobnicateKeys yes",
    "# PermitRootLogin yes",
    "",
    "   ",
    "\t# comment",
];
/// Keywords of the start-up pass only: fatal inside a Match block.
const GLOBAL_ONLY: &[&str] = &[
    "UsePAM yes",
    "Port 2222",
    "Subsystem sftp /usr/lib/openssh/sftp-server",
    "PrintMotd no",
    "UseDNS no",
];

/// One generated case: file name (relative to the case folder) → text; the first is the
/// main file. Directories and dangling links are planted by name.
struct Case {
    files: Vec<(String, String)>,
    directories: Vec<String>,
    dangling: Vec<String>,
}

fn keyword_line(rng: &mut Rng, keyword: &str) -> String {
    let spelled = match rng.below(5) {
        0 => keyword.to_ascii_lowercase(),
        1 => keyword.to_ascii_uppercase(),
        2 if rng.chance(50) => format!("\"{keyword}\""),
        _ => keyword.to_string(),
    };
    let separator = rng.pick(&[" ", "\t", "=", " = ", "  "]);
    let value = if rng.chance(INVALID_PERCENT) {
        rng.pick(INVALID_VALUES)
    } else if keyword == "PermitRootLogin" {
        rng.pick(ROOT_VALUES)
    } else {
        rng.pick(YES_NO_VALUES)
    };
    let indent = if rng.chance(20) { "\t" } else { "" };
    format!("{indent}{spelled}{separator}{value}")
}

fn body(rng: &mut Rng, dir: &str, lines: usize, include_allowed: bool) -> String {
    let mut out = Vec::new();
    for _ in 0..lines {
        let line = match rng.below(20) {
            0..=5 => keyword_line(rng, "PermitRootLogin"),
            6 | 7 => keyword_line(rng, "PasswordAuthentication"),
            8 => keyword_line(rng, "PubkeyAuthentication"),
            9..=11 if rng.chance(INVALID_PERCENT) => rng.pick(INVALID_MATCHES).to_string(),
            9..=11 => rng.pick(MATCHES).to_string(),
            12..=14 if include_allowed => {
                let target = rng.pick(&[
                    "inc/a.conf",
                    "inc/b.conf",
                    "inc.d/*.conf",
                    "*.d/*.conf",
                    "inc.d",
                    "missing/*.conf",
                    "inc/[ab].conf",
                    "inc/?.conf",
                ]);
                if rng.chance(INVALID_PERCENT) {
                    "Include".to_string()
                } else {
                    format!("Include {dir}/{target}")
                }
            }
            15 => rng.pick(GLOBAL_ONLY).to_string(),
            _ => {
                let mut line = rng.pick(OTHERS).to_string();
                // A rare unknown keyword keeps most cases startable.
                if line.starts_with("Frobnicate") && !rng.chance(INVALID_PERCENT * 5) {
                    line = "UseDNS no".to_string();
                }
                line
            }
        };
        out.push(line);
    }
    let eol = if rng.chance(5) { "\r\n" } else { "\n" };
    let mut text = out.join(eol);
    if rng.chance(90) {
        text.push_str(eol);
    }
    text
}

fn generate(rng: &mut Rng, dir: &str) -> Case {
    let lines = 3 + rng.below(8);
    let mut files = vec![("sshd_config".to_string(), body(rng, dir, lines, true))];
    for name in [
        "inc/a.conf",
        "inc/b.conf",
        "inc.d/10-x.conf",
        "inc.d/50-y.conf",
        "other.d/1.conf",
    ] {
        if rng.chance(60) {
            let lines = 1 + rng.below(4);
            files.push((name.to_string(), body(rng, dir, lines, false)));
        }
    }
    let mut directories = Vec::new();
    if rng.chance(15) {
        directories.push("inc.d/sub.conf".to_string());
    }
    let mut dangling = Vec::new();
    if rng.chance(8) {
        dangling.push("inc.d/zz.conf".to_string());
    }
    Case {
        files,
        directories,
        dangling,
    }
}

/// Hand-written cases of the families the issue names.
fn written(dir: &str) -> Vec<Case> {
    let one = |main: String, more: &[(&str, &str)]| Case {
        files: std::iter::once(("sshd_config".to_string(), main))
            .chain(more.iter().map(|(n, t)| (n.to_string(), t.to_string())))
            .collect(),
        directories: Vec::new(),
        dangling: Vec::new(),
    };
    let mut cases = vec![
        one(
            "PermitRootLogin yes\nMatch User root\nPermitRootLogin no\n".into(),
            &[],
        ),
        one(
            "PermitRootLogin no\nMatch User root\nPermitRootLogin yes\n".into(),
            &[],
        ),
        one("PermitRootLogin maybe\nPermitRootLogin yes\n".into(), &[]),
        one("PermitRootLogin no#x\nPermitRootLogin yes\n".into(), &[]),
        one("Include\nPermitRootLogin yes\n".into(), &[]),
        one("\"PermitRootLogin\" no\n".into(), &[]),
        one(
            format!("Include {dir}/*.d/*.conf\nPermitRootLogin yes\n"),
            &[("inc.d/1.conf", "PermitRootLogin no\n")],
        ),
        one(
            format!("Include {dir}/inc.d\nPermitRootLogin yes\n"),
            &[("inc.d/1.conf", "PermitRootLogin no\n")],
        ),
        one(
            format!("Include {dir}/inc.d/*\nPermitRootLogin no\n"),
            &[("inc.d/1.conf", "PermitRootLogin yes\n")],
        ),
        one(
            format!("Match User root\nInclude {dir}/inc/a.conf\nMatch all\nPermitRootLogin no\n"),
            &[("inc/a.conf", "PermitRootLogin yes\n")],
        ),
        one(
            format!("Include {dir}/inc/a.conf\nPermitRootLogin no\n"),
            &[("inc/a.conf", "Match User root\nPermitRootLogin yes\n")],
        ),
    ];
    let mut with_directory = one(
        format!("Include {dir}/inc.d/*.conf\nPermitRootLogin no\n"),
        &[("inc.d/1.conf", "PasswordAuthentication no\n")],
    );
    with_directory.directories.push("inc.d/sub.conf".into());
    cases.push(with_directory);
    let mut with_dangling = one(
        format!("Include {dir}/inc.d/*.conf\nPermitRootLogin yes\n"),
        &[],
    );
    with_dangling.dangling.push("inc.d/zz.conf".into());
    cases.push(with_dangling);
    cases
}

/// Writes the case under `dir` and reads it back as the collector would give it.
fn plant(case: &Case, dir: &Path) -> (String, String, BTreeMap<String, IncludedFile>) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
    let mut map = BTreeMap::new();
    for (name, text) in &case.files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        map.insert(path.display().to_string(), IncludedFile::Text(text.clone()));
    }
    for name in &case.directories {
        let path = dir.join(name);
        fs::create_dir_all(&path).unwrap();
        map.insert(path.display().to_string(), IncludedFile::Directory);
    }
    for name in &case.dangling {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(dir.join("nowhere"), &path).unwrap();
        map.insert(
            path.display().to_string(),
            IncludedFile::Unreadable("a symbolic link to a file that does not exist".into()),
        );
    }
    let main_path = dir.join("sshd_config").display().to_string();
    let main = map.remove(&main_path).map(|f| match f {
        IncludedFile::Text(t) => t,
        _ => unreachable!(),
    });
    (main_path, main.unwrap(), map)
}

/// A refusal message without its file, line and value, to count refusals by kind.
fn reason_shape(message: &str) -> String {
    let after_line = message.split_once(": ").map_or(message, |(_, rest)| rest);
    after_line
        .split(['"', '\\'])
        .next()
        .unwrap_or(after_line)
        .trim()
        .to_string()
}

fn normalize(value: &str) -> String {
    match value.to_ascii_lowercase().as_str() {
        "without-password" => "prohibit-password".to_string(),
        other => other.to_string(),
    }
}

/// sshd's answer: the three values, or its message if it refuses to start.
fn ask_sshd(
    main_path: &str,
    host_key: &Path,
    local_end: bool,
) -> Result<Result<[String; 3], String>, Unasked> {
    let mut spec = format!(
        "user=root,host={},addr={}",
        USER_HOST_ADDR.0, USER_HOST_ADDR.1
    );
    if local_end {
        let (laddr, lport, rdomain) = LOCAL_END;
        spec.push_str(&format!(",laddr={laddr},lport={lport},rdomain={rdomain}"));
    }
    let out = Command::new(SSHD)
        .args(["-T", "-f", main_path, "-o"])
        .arg(format!("HostKey={}", host_key.display()))
        .args(["-C", &spec])
        .output()
        .map_err(|e| Unasked::Broken(format!("{SSHD}: {e} (install openssh-server)")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match interpret(out.status.code().map(|c| c as u32), &stdout, &stderr) {
        SshdT::Resolved(config) => Ok(Ok(values_of(&config))),
        SshdT::Refused(message) => Ok(Err(message)),
        SshdT::Unavailable(message) if message.contains("local end") => Err(Unasked::LocalEnd),
        other => Err(Unasked::Broken(format!(
            "sshd -T could not run here: {other:?}"
        ))),
    }
}

/// Why sshd gave no verdict.
enum Unasked {
    /// A Match on the local end, which the test specification must then give.
    LocalEnd,
    Broken(String),
}

fn values_of(config: &SshdConfig) -> [String; 3] {
    let get = |s: &Option<sshd_config::Setting>, default: &str| {
        normalize(s.as_ref().map_or(default, |s| s.value.as_str()))
    };
    [
        get(&config.permit_root_login, "prohibit-password"),
        get(&config.password_authentication, "yes"),
        get(&config.pubkey_authentication, "yes"),
    ]
}

/// Our answer for the same connection; Err if the resolver left a value undecided.
fn ask_resolver(
    main_path: &str,
    main: &str,
    files: &BTreeMap<String, IncludedFile>,
    connection: &Connection,
    openssh: (u32, u32),
) -> Result<Option<[String; 3]>, String> {
    let whole = sshd_config::resolve(main_path, main, files, connection, Some(openssh));
    if !whole.errors.is_empty() {
        return Ok(None);
    }
    let effective = sshd_config::effective_for(main_path, main, files, connection, Some(openssh));
    let defaults = ["prohibit-password", "yes", "yes"];
    let mut values: [String; 3] = Default::default();
    for (i, candidates) in effective.iter().enumerate() {
        match candidates.as_slice() {
            [only] if only.undecided.is_none() => {
                values[i] = normalize(
                    only.setting
                        .as_ref()
                        .map_or(defaults[i], |s| s.value.as_str()),
                );
            }
            other => return Err(format!("undecided: {other:?}")),
        }
    }
    Ok(Some(values))
}

#[test]
fn resolver_agrees_with_real_sshd() {
    assert!(
        Path::new(SSHD).exists(),
        "{SSHD} is missing: apt-get install -y openssh-server"
    );
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sshd-differential");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).unwrap();
    let _ = fs::create_dir_all("/run/sshd");
    let host_key = work.join("host_key");
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&host_key)
        .status()
        .expect("ssh-keygen");
    assert!(keygen.success());
    let version = Command::new("ssh").arg("-V").output().expect("ssh -V");
    let openssh = sshd_config::openssh_version(&String::from_utf8_lossy(&version.stderr))
        .expect("ssh -V names an OpenSSH version");
    let group_text = fs::read_to_string("/etc/group").unwrap_or_default();
    let connection = Connection {
        user: "root".into(),
        groups: Known::Is(groups_of("root", 0, &group_text)),
        host: Known::Is(USER_HOST_ADDR.0.into()),
        address: Known::Is(USER_HOST_ADDR.1.parse().unwrap()),
        local_address: Known::NotGiven,
        local_port: Known::NotGiven,
        rdomain: Known::NotGiven,
    };

    let case_dir = work.join("case");
    let dir = case_dir.display().to_string();
    let mut rng = Rng(0x1ce_c4ec_5eed);
    let mut cases = written(&dir);
    cases.extend((0..800).map(|_| generate(&mut rng, &dir)));

    let with_local_end = Connection {
        local_address: Known::Is(LOCAL_END.0.parse().unwrap()),
        local_port: Known::Is(LOCAL_END.1),
        rdomain: Known::Is(LOCAL_END.2.into()),
        ..connection.clone()
    };

    let (mut refused, mut started, mut local_end, mut disagreements) = (0, 0, 0, Vec::new());
    let mut reasons = BTreeMap::new();
    for (n, case) in cases.iter().enumerate() {
        let (main_path, main, files) = plant(case, &case_dir);
        let (theirs, asked) = match ask_sshd(&main_path, &host_key, false) {
            Err(Unasked::LocalEnd) => {
                local_end += 1;
                (ask_sshd(&main_path, &host_key, true), &with_local_end)
            }
            theirs => (theirs, &connection),
        };
        let theirs = theirs.unwrap_or_else(|e| match e {
            Unasked::Broken(message) => panic!("{message}"),
            Unasked::LocalEnd => panic!("sshd -T wants the local end though it was given"),
        });
        let ours = ask_resolver(&main_path, &main, &files, asked, openssh);
        let (theirs, message) = match theirs {
            Err(message) => {
                refused += 1;
                reasons
                    .entry(reason_shape(&message))
                    .or_insert((0usize, message.clone()))
                    .0 += 1;
                (None, message)
            }
            Ok(values) => {
                started += 1;
                (Some(values), String::new())
            }
        };
        if ours.as_ref() != Ok(&theirs) {
            let texts: Vec<String> = case
                .files
                .iter()
                .map(|(name, text)| format!("--- {name}\n{text}"))
                .collect();
            disagreements.push(format!(
                "case {n}: sshd {theirs:?} {message}, ours {ours:?}\n{}dirs {:?} dangling {:?}",
                texts.join(""),
                case.directories,
                case.dangling
            ));
        }
    }
    println!(
        "sshd differential (OpenSSH {}.{}): {} configurations, sshd refused {refused}, \
         started {started} ({local_end} asked again with the local end); {} disagreements",
        openssh.0,
        openssh.1,
        cases.len(),
        disagreements.len()
    );
    let mut by_count: Vec<_> = reasons.into_iter().collect();
    by_count.sort_by_key(|(_, (count, _))| std::cmp::Reverse(*count));
    for (_, (count, example)) in by_count.iter().take(8) {
        println!("  refused {count:>4}, e.g. {example}");
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} disagree; first ones:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
