#!/usr/bin/env python3
"""For each `fixes` row of a set, find the posting of the commit its Fixes: tag names.

A Fixes: tag is `Fixes: <sha> ("<subject>")`; the introducing patch is looked up by
subject (ignoring [PATCH vN m/n] and case) among the patch mails of every indexed list,
newest posting first.  Output: one line per match, for a human to read the introducing
diff and decide whether it adds the chain (then it becomes an `introduces` row).
"""
import csv, json, os, re, sys
sys.path.insert(0, os.path.dirname(__file__))
from mirrors import LISTS, DEVSETS
from candidates import norm_subject, eligible

FIXES = re.compile(r'^Fixes:\s*[0-9a-f]{7,40}\s*\(\s*"(.+?)"\s*\)', re.M | re.I)


def main(tsv):
    by_subject = {}
    for name in LISTS:
        for l in open(os.path.join(DEVSETS, '_index', name + '.jsonl')):
            r = json.loads(l)
            if eligible(r):
                k = norm_subject(r['subject'])
                if k not in by_subject or r['date'] > by_subject[k]['date']:
                    by_subject[k] = r
    idx = {}
    for row in csv.DictReader(open(tsv), delimiter='\t'):
        if row['role'] != 'fixes' or row['source'] not in LISTS:
            continue
        if row['source'] not in idx:
            idx[row['source']] = {json.loads(l)['message_id']: json.loads(l) for l in open(os.path.join(DEVSETS, '_index', row['source'] + '.jsonl'))}
        r = idx[row['source']][row['message_id']]
        for subj in FIXES.findall(r['log']):
            hit = by_subject.get(norm_subject(subj))
            print('\t'.join([row['case_id'], subj, (hit['list'] + ' ' + hit['message_id'] + ' ' + hit['date'][:10]) if hit else '-']))


if __name__ == '__main__':
    main(sys.argv[1])
