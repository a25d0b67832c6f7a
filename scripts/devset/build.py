#!/usr/bin/env python3
"""Rebuild /work/devsets/<set>/ from a set TSV: the case mails and the tree-mode pre-images.

For each row of devsets/<set>.tsv:
  cases/<case_id>.mbox   the patch mail as mboxrd (list cases: that one mail from the
                         list mirror, found by Message-ID; repo cases: `git format-patch`
                         of the commit, its parent's tree being the pre-image)
  trees/<case_id>/pre/   the pre-image for tree mode:
      repo case: the driver source at the commit's parent: the top-level directory of every
      touched file plus the repository's shared directories (mirrors.REPO_CONTEXT), C files,
      headers and Kbuild files only;
      list case: the directories of the touched files copied from the first Debian tree
      the patch applies to exactly (`git apply --check`), or, when it is already merged,
      from the first tree it reverse-applies to exactly, reverse-applied in the copy.
      No tree applies exactly -> no pre/ (score.py skips the case in tree mode).
The `tree` column of the TSV records what was found ("6.1", "5.10 reversed", "parent",
"none: ..."); --update-tsv rewrites that column (the result is the same on every run).

Usage: build.py devsets/<set>.tsv [--update-tsv] [--only CASE_ID ...]
"""
import argparse, csv, email, email.policy, os, re, shutil, subprocess, sys
sys.path.insert(0, os.path.dirname(__file__))
from mirrors import DEVSETS, TREES, REPOS, REPO_CONTEXT, REPO_EXCLUDED, git_dir, git, mboxrd
from show import raw_mail
from index_lists import body_text

DIFF_FILE = re.compile(r'^diff --git a/(\S+) b/(\S+)', re.M)


def patch_text(raw):
    return body_text(email.message_from_bytes(raw, policy=email.policy.default))


def only_diff(text):
    """The diff part of a patch mail, without the mail's signature (`-- ` line) after it."""
    i = text.find('\ndiff --git ')
    d = text[i + 1:] if i >= 0 else text
    sig = re.search(r'^-- ?\n', d, re.M)
    return d[:sig.start()] if sig else d


def git_apply_check(tree, diff, reverse=False):
    args = ['git', 'apply', '--check', '-p1'] + (['-R'] if reverse else [])
    p = subprocess.run(args, cwd=tree, input=diff.encode(), capture_output=True,
                       env=dict(os.environ, GIT_DIR='/nonexistent'))
    return p.returncode == 0


def dirs_to_copy(files):
    """A touched C file brings its whole directory (the driver's other files are context);
    a header outside drivers/ only itself (include/linux/ is too big to copy per case)."""
    out = set()
    for f in files:
        d = os.path.dirname(f)
        if f.startswith(('drivers/', 'block/', 'fs/')) or f.endswith('.c'):
            out.add(d + '/')
        else:
            out.add(f)
    return sorted(out)


def copy_pre(tree, files, dest):
    for item in dirs_to_copy(files):
        src = os.path.join(tree, item)
        dst = os.path.join(dest, item)
        if item.endswith('/'):
            if os.path.isdir(src):
                os.makedirs(os.path.dirname(dst.rstrip('/')), exist_ok=True)
                shutil.copytree(src, dst, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns('*.o', '*.ko'))
            else:
                os.makedirs(dst, exist_ok=True)   # a new directory the patch creates
        elif os.path.exists(src):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)


def find_tree(source, message_id, date=''):
    """The Debian tree a list patch applies to exactly: (version, dir, reversed) or None, with the diff's files."""
    r, raw = raw_mail(source, message_id)
    diff = only_diff(patch_text(raw))
    files = sorted({b for _, b in DIFF_FILE.findall(diff)})
    date = (date or r['date'])[:10]
    # forward first, on the trees nearest the posting date; then reverse, oldest first
    fwd = sorted(TREES, key=lambda t: abs((int(t[1][:4]) * 12 + int(t[1][5:7])) - (int(date[:4]) * 12 + int(date[5:7]))))
    for ver, _, tree in fwd:
        if git_apply_check(tree, diff):
            return files, (ver, tree, False), raw
    for ver, _, tree in TREES:
        if git_apply_check(tree, diff, reverse=True):
            return files, (ver, tree, True), raw
    return files, None, raw


def list_case(row, out):
    files, found, raw = find_tree(row['source'], row['message_id'], row.get('date', ''))
    mbox = os.path.join(out, 'cases', row['case_id'] + '.mbox')
    open(mbox, 'wb').write(mboxrd(raw))
    return mbox, files, found


def repo_case(row, out):
    gd = git_dir(row['source']); c = row['commit']
    mbox = os.path.join(out, 'cases', row['case_id'] + '.mbox')
    open(mbox, 'wb').write(git(gd, 'format-patch', '-1', '--stdout', '--pretty=mboxrd', '--no-signature', c))
    files = git(gd, 'diff-tree', '--no-commit-id', '--name-only', '-r', c + '^', c).decode().split()
    return mbox, files, gd


def repo_source_dirs(source, files):
    """The driver source a repository case's tree holds: each touched file's top-level directory
    and the repository's shared context directories (mirrors.REPO_CONTEXT), never an excluded one."""
    tops = {f.split('/', 1)[0] for f in files if '/' in f} | set(REPO_CONTEXT.get(source, []))
    return sorted(d for d in tops if d not in REPO_EXCLUDED.get(source, ()))


def export_repo_sources(gd, rev, dirs, dest):
    """The C sources and headers (and Kbuild files) under dirs at rev, extracted into dest."""
    present = [d for d in dirs if git(gd, 'ls-tree', '--name-only', rev, '--', d).strip()]
    if not present:
        return
    listed = [f for f in git(gd, 'ls-tree', '-r', '--name-only', rev, '--', *present).decode().split('\n')
              if f.endswith(('.c', '.h')) or os.path.basename(f) in ('Makefile', 'Kbuild')]
    if not listed:
        return
    tar = subprocess.run(['git', '--git-dir', gd, 'archive', rev, '--'] + listed, capture_output=True, check=True).stdout
    subprocess.run(['tar', 'x', '-C', dest], input=tar, check=True)


def build(tsv, update, only, set_name=None):
    set_name = set_name or os.path.splitext(os.path.basename(tsv))[0]
    out = os.path.join(DEVSETS, set_name)
    os.makedirs(os.path.join(out, 'cases'), exist_ok=True)
    rows = list(csv.DictReader(open(tsv), delimiter='\t'))
    fields = list(rows[0].keys()) if rows else []
    if 'tree' not in fields:
        fields.append('tree')
    for row in rows:
        cid = row['case_id']
        if only and cid not in only:
            continue
        pre = os.path.join(out, 'trees', cid, 'pre')
        shutil.rmtree(os.path.dirname(pre), ignore_errors=True)
        if row['source'] in REPOS:
            mbox, files, gd = repo_case(row, out)
            os.makedirs(pre)
            export_repo_sources(gd, row['commit'] + '^', repo_source_dirs(row['source'], files), pre)
            row['tree'] = 'parent'
        else:
            mbox, files, found = list_case(row, out)
            if found is None:
                row['tree'] = 'none: applies to no Debian tree exactly, forward or reversed'
            else:
                ver, tree, rev = found
                copy_pre(tree, files, pre)
                if rev:
                    diff = only_diff(patch_text(raw_mail(row['source'], row['message_id'])[1]))
                    p = subprocess.run(['git', 'apply', '-R', '-p1'], cwd=pre, input=diff.encode(), capture_output=True,
                                       env=dict(os.environ, GIT_DIR='/nonexistent'))
                    if p.returncode != 0:
                        shutil.rmtree(os.path.dirname(pre), ignore_errors=True)
                        row['tree'] = 'none: reverse apply failed in the copy: ' + p.stderr.decode()[:80].replace('\t', ' ').replace('\n', ' ')
                        continue
                row['tree'] = ver + (' reversed' if rev else '')
        print(f"{cid}: {row['tree']}")
    if update:
        with open(tsv, 'w', newline='') as f:
            w = csv.DictWriter(f, fieldnames=fields, delimiter='\t', lineterminator='\n')
            w.writeheader(); w.writerows(rows)


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('tsv'); ap.add_argument('--update-tsv', action='store_true'); ap.add_argument('--only', nargs='*')
    a = ap.parse_args()
    build(a.tsv, a.update_tsv, set(a.only or []))
