#!/usr/bin/env python3
"""Rebuild everything under /work/devsets/ from the committed TSVs (idempotent).

Needs the fetched mirrors (mirrors.LISTS and mirrors.REPOS, via the fetch tool) and the
Debian trees.  Indexes the lists (skipped when an index is current), then writes each set's
case mails and pre-image trees; the TSVs' `tree` column is checked, not rewritten: a
difference means a mirror or a tree changed, and is reported.

Usage: rebuild.py [devsets/<set>.tsv ...]   (default: every devsets/*.tsv that is a set)
"""
import csv, glob, os, shutil, sys
here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(here))
sys.path.insert(0, here)
from index_lists import index_one
from mirrors import LISTS, DEVSETS
import build


def prune(set_name, case_ids):
    """Remove case mails and trees of rows no longer in the set (a row dropped from the TSV)."""
    out = os.path.join(DEVSETS, set_name)
    for name in os.listdir(os.path.join(out, 'cases')) if os.path.isdir(os.path.join(out, 'cases')) else []:
        if name.endswith('.mbox') and name[:-5] not in case_ids:
            os.remove(os.path.join(out, 'cases', name))
    for name in os.listdir(os.path.join(out, 'trees')) if os.path.isdir(os.path.join(out, 'trees')) else []:
        if name not in case_ids:
            shutil.rmtree(os.path.join(out, 'trees', name))


def main(tsvs):
    for name in LISTS:
        index_one(name)
    status = 0
    for tsv in tsvs:
        before = {r['case_id']: r['tree'] for r in csv.DictReader(open(tsv), delimiter='\t')}
        tmp = tsv + '.rebuild'
        with open(tsv) as src, open(tmp, 'w') as dst:
            dst.write(src.read())
        set_name = os.path.splitext(os.path.basename(tsv))[0]
        build.build(tmp, True, set(), set_name)
        prune(set_name, set(before))
        after = {r['case_id']: r['tree'] for r in csv.DictReader(open(tmp), delimiter='\t')}
        os.remove(tmp)
        for cid, t in before.items():
            if after.get(cid) != t:
                print(f'{tsv}: {cid}: tree was {t!r}, now {after.get(cid)!r}', file=sys.stderr); status = 1
    return status


if __name__ == '__main__':
    sets = sys.argv[1:] or [p for p in sorted(glob.glob(os.path.join(repo, 'devsets', '*.tsv'))) if not p.endswith('rejects.tsv')]
    sys.exit(main(sets))
