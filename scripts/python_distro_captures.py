#!/usr/bin/env python3
"""Copy the release-file captures of the python `distro` project into
tests/data/release/python-distro/ and write the expectation table beside them.

    python3 scripts/python_distro_captures.py GIT_DIR [COMMIT]

GIT_DIR is a clone (bare is fine) of https://github.com/python-distro/distro. Only release
files are copied (os-release, *-release, debian_version, slackware-version, the BSDs'
bin/uname stand-ins), symlinks as symlinks. Expectations come from distro's own
tests/test_distro.py: the distribution's name is distro's `name()`, major and minor are
distro's best version split at the dots (the minor a vendor file or debian_version adds is
the point of reading them). The ImportImage platform is ours (PLATFORMS below, from the
ImportImage `Platform` list). Where we disagree with distro, OVERRIDES says so and why; the
`why` column of expected.tsv carries it into the test's failure messages.
"""

import ast
import os
import re
import subprocess
import sys

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "release", "python-distro")
RESOURCES = "tests/resources"

# Captures not taken: AIX is not a cloud-image candidate and needs `oslevel`; the other
# testdistros are distro's own error-path stubs (lsb_release exit codes, bad uname output).
SKIP = {"aix72", "__shared__"}

# Where a test's distro lives outside tests/resources/distros/<name>.
TESTDISTROS = {
    "debian13noosrelease": "testdistros/lsb/debian13_noosrelease",
}

KEEP = re.compile(
    r"^(etc/[^/]*-release|etc/os-release|usr/lib/os-release|etc/debian_version"
    r"|etc/slackware-version|bin/uname)$"
)

# os-release ID (or the ID we give a release line) -> ImportImage Platform. Everything else
# is the form's default, "Others Linux".
PLATFORMS = {
    "alinux": "Aliyun",
    "aliyun": "Aliyun",
    "anolis": "Anolis",
    "centos": "CentOS",
    "rhel": "RedHat",
    "almalinux": "AlmaLinux",
    "rocky": "Rocky Linux",
    "ubuntu": "Ubuntu",
    "debian": "Debian",
    "sles": "SUSE",
    "opensuse": "OpenSUSE",
    "opensuse-leap": "OpenSUSE",
    "coreos": "CoreOS",
    "fedora": "Fedora",
    "freebsd": "FreeBSD",
    "kylin": "Kylin",
    "uos": "UOS",
    "gentoo": "Gentoo",
}

# capture -> fields that replace distro's expectation, and why.
OVERRIDES = {
    "amazon2014": dict(
        distribution="Amazon Linux AMI", major="2014", minor="03",
        why="distro ignores a lone /etc/system-release (its test expects nothing); the line "
        "'Amazon Linux AMI release 2014.03' names the OS",
    ),
    "armbian": dict(
        major="10", minor="",
        why="distro's best version 23.02.2 is armbian-release's image build; the OS is Debian 10, "
        "and the capture has no debian_version to give a minor",
    ),
    "scientific6": dict(
        platform="Others Linux",
        why="distro's id is rhel (its issue #109); the form's RedHat means Red Hat's own licence, "
        "and Scientific Linux is a rebuild",
    ),
    "scientific7": dict(
        platform="Others Linux",
        why="os-release says ID=rhel, NAME=Scientific Linux: a rebuild, not RedHat (as scientific6)",
    ),
    "centosstream8": dict(
        platform="CentOS Stream",
        why="distro's id is centos; NAME says Stream, which the import form lists apart",
    ),
    "centosstream9": dict(platform="CentOS Stream", why="as centosstream8"),
    "centosstream10": dict(platform="CentOS Stream", why="as centosstream8"),
    "debian13noosrelease": dict(
        distribution="Debian GNU/Linux",
        why="distro's 'Debian' is lsb_release's Distributor ID; we do not run lsb_release and name "
        "a debian_version-only host as Debian's os-release does",
    ),
    "mandriva2011": dict(
        distribution="Mandriva Linux",
        why="distro names it by lsb-release's DISTRIB_ID 'MandrivaLinux'; we take the product of "
        "its release line 'Mandriva Linux release 2011.0 (Official)'",
    ),
}


def git(*args, git_dir):
    return subprocess.run(
        ["git", "--git-dir", git_dir, *args], check=True, capture_output=True
    ).stdout


def outcomes(test_source):
    """(class, method) -> the desired_outcome dict of each test method."""
    found = {}
    for cls in ast.parse(test_source).body:
        if not isinstance(cls, ast.ClassDef):
            continue
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef) or not fn.name.startswith("test_"):
                continue
            for node in ast.walk(fn):
                value = None
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "desired_outcome" for t in node.targets
                ):
                    value = node.value
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "_test_outcome"
                    and node.args
                    and isinstance(node.args[0], ast.Dict)
                ):
                    value = node.args[0]
                if value is not None:
                    try:
                        found[(cls.name, fn.name)] = ast.literal_eval(value)
                    except ValueError:
                        pass
                    break
    return found


def expectation(name, found):
    """distro's outcome for capture `name`: the whole-system view first."""
    for cls in ("TestOverall", "TestOSRelease", "TestLSBRelease"):
        for (c, method), outcome in found.items():
            if c == cls and method.split("_")[1] == name:
                return cls, outcome
    return None, None


def split(version):
    parts = version.split(".")
    if not parts[0][:1].isdigit():
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def main():
    git_dir = sys.argv[1]
    commit = sys.argv[2] if len(sys.argv) > 2 else "HEAD"
    commit = git("rev-parse", commit, git_dir=git_dir).decode().strip()
    found = outcomes(git("show", f"{commit}:tests/test_distro.py", git_dir=git_dir).decode())
    listing = git("ls-tree", "-r", commit, RESOURCES, git_dir=git_dir).decode().splitlines()
    entries = {}
    for line in listing:
        meta, path = line.split("\t", 1)
        mode, _, blob = meta.split()
        entries[path] = (mode, blob)

    dirs = sorted({p.split("/")[3] for p in entries if p.startswith(f"{RESOURCES}/distros/")})
    captures = [(d, f"distros/{d}") for d in dirs if d not in SKIP]
    captures += sorted(TESTDISTROS.items())
    rows = []
    for name, rel in captures:
        cls, outcome = expectation(name, found)
        if outcome is None:
            print(f"no expectation for {name}", file=sys.stderr)
            continue
        prefix = f"{RESOURCES}/{rel}/"
        kept = 0
        for path, (mode, blob) in entries.items():
            if not path.startswith(prefix) or not KEEP.match(path[len(prefix):]):
                continue
            dest = os.path.join(OUT, name, path[len(prefix):])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            data = git("cat-file", "blob", blob, git_dir=git_dir)
            if os.path.lexists(dest):
                os.remove(dest)
            if mode == "120000":
                os.symlink(data.decode(), dest)
            else:
                with open(dest, "wb") as f:
                    f.write(data)
            kept += 1
        if kept == 0:
            print(f"no release files in {name}", file=sys.stderr)
            continue
        best = outcome.get("best_version") or outcome.get("version", "")
        major, minor = split(best)
        row = dict(
            capture=name,
            platform=PLATFORMS.get(outcome.get("id", ""), "Others Linux"),
            distribution=outcome.get("name", ""),
            major=major,
            minor=minor,
            why=f"distro {cls}",
        )
        if name in OVERRIDES:
            override = dict(OVERRIDES[name])
            row["why"] = "decided against distro: " + override.pop("why")
            row.update(override)
        rows.append(row)

    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        f.write(f"# generated by scripts/python_distro_captures.py from python-distro/distro {commit}\n")
        f.write("capture\tplatform\tdistribution\tmajor\tminor\twhy\n")
        for r in rows:
            f.write("\t".join(r[k] for k in ("capture", "platform", "distribution", "major", "minor", "why")) + "\n")
    print(f"{len(rows)} captures", file=sys.stderr)


if __name__ == "__main__":
    main()
