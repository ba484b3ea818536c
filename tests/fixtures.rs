//! The fixtures themselves: each distribution's output is kept once. A parser test that needs
//! a fixture host's file reads it from tests/fleet/hosts (tests/data names it by a symbolic
//! link), a host that is another host with a few things changed holds only those things
//! (tests/fleet/bases.txt), and the hosts' kept captures are what the hosts answer
//! (tests/checks_fleet.rs). No host is started here.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Files this short ("1\n", "ext4\n") are the same by nature, not copies.
const SHORTEST_COPY: usize = 32;

/// Every regular file under `dir` (symbolic links neither followed nor listed), with its path.
fn regular_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let kind = fs::symlink_metadata(&path).unwrap().file_type();
        if kind.is_dir() {
            regular_files(&path, out);
        } else if kind.is_file() {
            out.push(path);
        }
    }
}

/// `tests/fleet/bases.txt`: derived host → (base host, paths taken out of the base).
fn bases() -> Vec<(String, String)> {
    fs::read_to_string(repo().join("tests/fleet/bases.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let mut words = line.split_whitespace();
            let derived = words.next().unwrap().to_string();
            let base = words.next().unwrap_or_else(|| panic!("{line}: no base"));
            (derived, base.to_string())
        })
        .collect()
}

#[test]
fn no_file_of_tests_data_is_a_copy_of_a_fixture_hosts_file() {
    let hosts = repo().join("tests/fleet/hosts");
    let mut fleet = Vec::new();
    regular_files(&hosts, &mut fleet);
    let by_content: HashMap<Vec<u8>, &PathBuf> = fleet
        .iter()
        .map(|path| (fs::read(path).unwrap(), path))
        .filter(|(bytes, _)| bytes.len() >= SHORTEST_COPY)
        .collect();
    assert!(by_content.len() > 300, "{} host files", by_content.len());
    let mut data = Vec::new();
    regular_files(&repo().join("tests/data"), &mut data);
    // python-distro's captures are that project's corpus as its script copies it (its README):
    // kept whole, so that expected.tsv stays its own.
    let python_distro = repo().join("tests/data/release/python-distro");
    let copies: Vec<String> = data
        .iter()
        .filter(|path| !path.starts_with(&python_distro))
        .filter_map(|path| {
            let host_file = by_content.get(&fs::read(path).unwrap())?;
            Some(format!(
                "{} is a copy of {}: link to it instead",
                path.strip_prefix(repo()).unwrap().display(),
                host_file.strip_prefix(repo()).unwrap().display()
            ))
        })
        .collect();
    assert!(copies.is_empty(), "\n{}", copies.join("\n"));
}

#[test]
fn a_derived_host_holds_only_what_differs_from_its_base() {
    let hosts = repo().join("tests/fleet/hosts");
    let bases = bases();
    assert!(bases.len() >= 10, "{} derived hosts", bases.len());
    let mut copies = Vec::new();
    for (derived, base) in &bases {
        assert!(hosts.join(base).is_dir(), "{derived}: no base host {base}");
        let mut files = Vec::new();
        regular_files(&hosts.join(derived), &mut files);
        assert!(!files.is_empty(), "{derived} holds nothing of its own");
        for file in files {
            let relative = file.strip_prefix(hosts.join(derived)).unwrap();
            let in_base = hosts.join(base).join(relative);
            if fs::read(&in_base).ok() == Some(fs::read(&file).unwrap()) {
                copies.push(format!(
                    "{derived}/{} is {base}'s: delete it",
                    relative.display()
                ));
            }
        }
    }
    assert!(copies.is_empty(), "\n{}", copies.join("\n"));
}

#[test]
fn every_link_in_tests_data_leads_to_a_file() {
    fn links(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let kind = fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_symlink() {
                out.push(path);
            } else if kind.is_dir() {
                links(&path, out);
            }
        }
    }
    let mut found = Vec::new();
    links(&repo().join("tests/data"), &mut found);
    assert!(found.len() >= 19, "{} links", found.len());
    // A link into a derived host must name a file the host holds itself, not its base's.
    let broken: Vec<String> = found
        .iter()
        .filter(|link| fs::metadata(link).is_err())
        .map(|link| format!("{} leads nowhere", link.display()))
        .collect();
    assert!(broken.is_empty(), "\n{}", broken.join("\n"));
}
