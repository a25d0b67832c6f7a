#!/usr/bin/env python3
"""List candidate positives from the list indexes, for a human to read and label.

A candidate is a patch mail that touches a C file and whose commit message
names a deadlock (deadlock, lockdep, circular locking, hung task, recursive
locking, inconsistent lock state, AB-BA) or whose subject/message is about
draining work on teardown (destroy_workqueue, cancel_*work_sync, flush_work*).
Only the newest posting of each subject (ignoring [PATCH vN m/n]) is kept,
because that is the version that was merged and that the Debian trees carry.

Output: /work/devsets/_candidates/<list>.tsv (outside the repo; never labels).
"""
import json, os, re, sys
sys.path.insert(0, os.path.dirname(__file__))
from mirrors import LISTS, DEVSETS

DEADLOCK = re.compile(r'dead-?lock|lockdep|circular locking|hung task|blocked for more than|recursive locking|'
                      r'inconsistent lock state|AB-?BA|lock inversion|lock order|irq-safe|irq-unsafe|softirq-safe', re.I)
DRAIN = re.compile(r'destroy_workqueue|cancel_(delayed_)?work(_sync)?|flush_(delayed_)?work|flush_workqueue|drain_workqueue', re.I)


# Lists kept for independent measurement: a mail also sent to one of them may sit in a held-out set.
FORBIDDEN_RCPT = ('linux-block@', 'linux-scsi@', 'linux-mmc@', 'dm-devel@')
# Stable-tree backports (AUTOSEL, "[PATCH 5.10 12/34]", "[4.19.y PATCH]") repeat a patch posted before;
# they apply to old stable trees, not to the posting's own base.
BACKPORT = re.compile(r'\[[^\]]*(AUTOSEL|\b\d\.\d+(\.y|\.\d+)?\b)[^\]]*\]', re.I)


def eligible(r):
    """A patch mail this set may use: an original posting that touches C code, not sent to a held-out list."""
    return (r['patch'] and any(f.endswith('.c') for f in r['files']) and not BACKPORT.search(r['subject'])
            and not any(x in r.get('rcpt', '') for x in FORBIDDEN_RCPT))


def norm_subject(s):
    s = re.sub(r'^\s*\[[^\]]*\]\s*', '', s)
    return re.sub(r'\s+', ' ', s).strip().lower()


def main(names):
    out_dir = os.path.join(DEVSETS, '_candidates'); os.makedirs(out_dir, exist_ok=True)
    for name in names:
        rows = [json.loads(l) for l in open(os.path.join(DEVSETS, '_index', name + '.jsonl'))]
        newest = {}
        for r in rows:
            if not eligible(r):
                continue
            k = norm_subject(r['subject'])
            if k not in newest or r['date'] > newest[k]['date']:
                newest[k] = r
        n = 0
        with open(os.path.join(out_dir, name + '.tsv'), 'w') as f:
            f.write('date\tmessage_id\tsubject\tfiles\tkind\tfixes\tfeat\n')
            for r in sorted(newest.values(), key=lambda r: r['date']):
                log = r['log']
                kinds = []
                if DEADLOCK.search(log): kinds.append('deadlock')
                if r.get('feat', {}).get('plus_drain') and re.search(
                        r'\b(leak|missing|forget|forgot|remove|removal|exit|error path|unload|unbind|teardown|'
                        r'clean ?up|use-after-free|UAF|destroy|cancel|flush|disconnect|detach|release)', log, re.I):
                    kinds.append('drain')
                if r.get('feat', {}).get('plus_del_gendisk') or r.get('feat', {}).get('minus_del_gendisk'):
                    kinds.append('gendisk')
                if not kinds:
                    continue
                fixes = ';'.join(re.findall(r'^Fixes:\s*(.+)$', log, re.M))
                f.write('\t'.join([r['date'], r['message_id'], r['subject'].replace('\t', ' '),
                                   ','.join(r['files']), '+'.join(kinds), fixes.replace('\t', ' '),
                                   json.dumps(r.get('feat', {}), sort_keys=True)]) + '\n'); n += 1
        print(f'{name}: {n} candidates')


if __name__ == '__main__':
    main(sys.argv[1:] or list(LISTS))
