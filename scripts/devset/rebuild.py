#!/usr/bin/env python3
"""Rebuild everything under /work/devsets/ from the committed TSVs (idempotent).

Needs the fetched mirrors (mirrors.LISTS and mirrors.REPOS, via the fetch tool) and the
Debian trees.  Indexes the lists (skipped when an index is current), then writes each set's
case mails and pre-image trees; the TSVs' `tree` column is checked, not rewritten: a
difference means a mirror or a tree changed, and is reported.

Usage: rebuild.py [devsets/<set>.tsv ...]   (default: every devsets/*.tsv that is a set)
"""
import csv, glob, os, sys
here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(here))
sys.path.insert(0, here)
from index_lists import index_one
from mirrors import LISTS
import build


def main(tsvs):
    for name in LISTS:
        index_one(name)
    status = 0
    for tsv in tsvs:
        before = {r['case_id']: r['tree'] for r in csv.DictReader(open(tsv), delimiter='\t')}
        tmp = tsv + '.rebuild'
        with open(tsv) as src, open(tmp, 'w') as dst:
            dst.write(src.read())
        build.build(tmp, True, set(), os.path.splitext(os.path.basename(tsv))[0])
        after = {r['case_id']: r['tree'] for r in csv.DictReader(open(tmp), delimiter='\t')}
        os.remove(tmp)
        for cid, t in before.items():
            if after.get(cid) != t:
                print(f'{tsv}: {cid}: tree was {t!r}, now {after.get(cid)!r}', file=sys.stderr); status = 1
    return status


if __name__ == '__main__':
    sets = sys.argv[1:] or [p for p in sorted(glob.glob(os.path.join(repo, 'devsets', '*.tsv'))) if not p.endswith('-clean-rejects.tsv')]
    sys.exit(main(sets))
