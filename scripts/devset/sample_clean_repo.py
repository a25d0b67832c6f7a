#!/usr/bin/env python3
"""Draw the clean cases of an out-of-tree repository set by a fixed rule (see sample_clean.py).

Rule: non-merge commits of the fetched repository that touch a .c file outside the
directories excluded below, whose diff adds or removes a lock, drain or del_gendisk call,
whose message names no deadlock and is no drain fix (candidates.DEADLOCK / DRAIN), at most
100 kB of diff, not "Merged revisions" imports, not a row of the set; ordered by
sha1("<source> <commit>"), the first QUOTA that a reader did not reject
(devsets/<set>-clean-rejects.tsv, column `commit`).

SCST's qla2x00t* trees are copies of the upstream qla2xxx driver, whose patches go to
linux-scsi (a held-out list): they are excluded from both positives and clean cases.

Usage: sample_clean_repo.py devsets/<source>.tsv QUOTA [--list-only]
"""
import csv, hashlib, os, subprocess, sys
sys.path.insert(0, os.path.dirname(__file__))
from mirrors import git_dir
from candidates import DEADLOCK, DRAIN
from index_lists import diff_features
from sample_clean import append_rows

EXCLUDED_DIRS = ('qla2x00t', 'qla2x00t-32gbit', 'qla_isp')
TOUCHES = ('plus_lock', 'minus_lock', 'plus_drain', 'minus_drain', 'plus_del_gendisk', 'minus_del_gendisk')
MAX_BYTES = 100_000


def main(tsv, quota, list_only):
    source = os.path.splitext(os.path.basename(tsv))[0]
    gd = git_dir(source)
    rej_path = os.path.join(os.path.dirname(tsv), source + '-clean-rejects.tsv')
    rejects = {r['commit'] for r in csv.DictReader(open(rej_path), delimiter='\t')} if os.path.exists(rej_path) else set()
    rows = list(csv.DictReader(open(tsv), delimiter='\t'))
    fields = list(rows[0].keys())
    in_set = {r['commit'] for r in rows}
    have = sum(1 for r in rows if r['role'] == 'clean')
    out = subprocess.run(['git', '--git-dir', gd, 'log', '--no-merges', '--format=%H', 'HEAD'], capture_output=True, check=True).stdout.decode().split()
    ranked = sorted(out, key=lambda c: hashlib.sha1(f'{source} {c}'.encode()).hexdigest())
    added = []
    for c in ranked:
        if have >= quota:
            break
        if c in in_set or c in rejects:
            continue
        files = subprocess.run(['git', '--git-dir', gd, 'diff-tree', '--no-commit-id', '--name-only', '-r', c],
                               capture_output=True).stdout.decode().split()
        cfiles = [f for f in files if f.endswith('.c') and not f.startswith(EXCLUDED_DIRS)]
        if not cfiles or any(f.startswith(EXCLUDED_DIRS) for f in files):
            continue
        msg = subprocess.run(['git', '--git-dir', gd, 'log', '-1', '--format=%B', c], capture_output=True).stdout.decode('utf-8', 'replace')
        if msg.startswith('Merged revisions') or DEADLOCK.search(msg):
            continue
        diff = subprocess.run(['git', '--git-dir', gd, 'show', '--format=', c, '--'] + cfiles, capture_output=True).stdout.decode('utf-8', 'replace')
        if len(diff) > MAX_BYTES:
            continue
        f = diff_features(diff)
        if not any(f.get(t) for t in TOUCHES) or (f.get('plus_drain') and DRAIN.search(msg)):
            continue
        date, subj = subprocess.run(['git', '--git-dir', gd, 'log', '-1', '--format=%aI%x09%s', c], capture_output=True).stdout.decode().strip().split('\t', 1)
        h = hashlib.sha1(f'{source} {c}'.encode()).hexdigest()
        have += 1
        if list_only:
            print(c[:12], subj[:100]); continue
        added.append({'case_id': f'clean-{source}-{h[:8]}', 'label': 'clean', 'role': 'clean', 'expected_file': cfiles[0],
                      'date': date[:10], 'source': source, 'commit': c, 'subject': subj.replace('\t', ' ')[:200],
                      'chain': '-', 'evidence': f'sample rule (docs/devset.md), rank {h[:8]}', 'tree': ''})
    append_rows(tsv, fields, added)


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), '--list-only' in sys.argv)
