#!/usr/bin/env python3
"""Draw the clean cases of a set by a fixed rule (reproducible; never by what lockreview says).

Rule, per list:
  1. eligible patch mails (candidates.eligible: an original [PATCH] posting with a diff that
     touches a .c file, not a stable backport, not also sent to a held-out list), newest
     posting of each subject, at most 100 kB;
  2. touching driver C code (a .c file under drivers/) and locking or teardown: the diff adds
     or removes a lock call, a workqueue/timer drain call or del_gendisk (index_lists.diff_features);
  3. not a candidate positive: the commit message names no deadlock and the diff is not a
     drain fix (candidates.py), the mail is not a row of the set already, and no indexed mail
     has a Fixes: tag naming its subject (nothing later says it introduced a bug);
  4. an exact pre-image exists: the patch applies to a Debian tree, forward or reversed
     (build.find_tree), so that the case counts in tree mode too;
  5. ordered by sha1("<list> <Message-ID>"), the first QUOTA[list] that a reader did not
     reject; rejections (a patch that on reading does fix or introduce a deadlock or a
     missing drain) are kept with their reason in devsets/<set>-clean-rejects.tsv.
Appends the drawn rows (label clean, role clean) to the set TSV; rows already present stay.

Usage: sample_clean.py devsets/<set>.tsv [--list-only]
"""
import csv, hashlib, json, os, sys
sys.path.insert(0, os.path.dirname(__file__))
from mirrors import LISTS, DEVSETS
from candidates import eligible, norm_subject, DEADLOCK, DRAIN
from introducers import FIXES
from build import find_tree

# first set: usb 30, raid 12, nvme 8, mtd 8, ide 7 (nvme, mtd, ide ran out at 6);
# extension (issue-devset2): usb 52 and the lists added then
QUOTA = {'linux-usb': 52, 'linux-raid': 12, 'linux-nvme': 8, 'linux-mtd': 8, 'linux-ide': 7,
         'linux-s390': 20, 'nvdimm': 10, 'linux-bcache': 8, 'ceph-devel': 8, 'virtualization': 10,
         'linux-um': 4}
TOUCHES = ('plus_lock', 'minus_lock', 'plus_drain', 'minus_drain', 'plus_del_gendisk', 'minus_del_gendisk')
MAX_BYTES = 100_000


def short_name(name):
    """The list's name in clean case ids: 'linux-usb' -> 'usb', 'nvdimm' -> 'nvdimm'."""
    return name[len('linux-'):] if name.startswith('linux-') else name


def load(name):
    return [json.loads(l) for l in open(os.path.join(DEVSETS, '_index', name + '.jsonl'))]


def main(tsv, list_only):
    set_name = os.path.splitext(os.path.basename(tsv))[0]
    rej_path = os.path.join(os.path.dirname(tsv), set_name + '-clean-rejects.tsv')
    rejects = {r['message_id']: r['reason'] for r in csv.DictReader(open(rej_path), delimiter='\t')} if os.path.exists(rej_path) else {}
    rows = list(csv.DictReader(open(tsv), delimiter='\t'))
    fields = list(rows[0].keys())
    in_set = {r['message_id'] for r in rows}
    indexes = {name: load(name) for name in LISTS}
    fixed_subjects = {norm_subject(s) for rs in indexes.values() for r in rs if r['patch'] for s in FIXES.findall(r['log'])}
    added = []
    for name, quota in QUOTA.items():
        have = sum(1 for r in rows if r['role'] == 'clean' and r['source'] == name)
        newest = {}
        for r in indexes[name]:
            if eligible(r):
                k = norm_subject(r['subject'])
                if k not in newest or r['date'] > newest[k]['date']:
                    newest[k] = r
        pool = []
        for k, r in newest.items():
            f = r.get('feat', {})
            drivers_c = [x for x in r['files'] if x.startswith('drivers/') and x.endswith('.c')]
            if not drivers_c or not any(f.get(t) for t in TOUCHES):
                continue
            if DEADLOCK.search(r['log']) or (f.get('plus_drain') and DRAIN.search(r['log'])):
                continue
            if k in fixed_subjects or r['message_id'] in in_set:
                continue
            pool.append((hashlib.sha1(f"{name} {r['message_id']}".encode()).hexdigest(), r, drivers_c))
        pool.sort(key=lambda x: x[0])
        for h, r, drivers_c in pool:
            if have >= quota:
                break
            if r['message_id'] in rejects:
                continue
            _, tree, raw = find_tree(name, r['message_id'])
            if tree is None or len(raw) > MAX_BYTES:
                continue
            if list_only:
                print(name, r['message_id'], r['subject'][:100]); have += 1; continue
            added.append({'case_id': f"clean-{short_name(name)}-{h[:8]}", 'label': 'clean', 'role': 'clean',
                          'expected_file': drivers_c[0], 'date': r['date'][:10], 'source': name,
                          'message_id': r['message_id'], 'subject': r['subject'].replace('\t', ' '),
                          'chain': '-', 'evidence': f'sample rule (docs/devset.md), rank {h[:8]}', 'tree': ''})
            have += 1
    if not list_only:
        append_rows(tsv, fields, added)


def append_rows(tsv, fields, added):
    """Append drawn clean rows to the set TSV in its own column order."""
    if not added:
        return
    with open(tsv, 'a', newline='') as f:
        w = csv.DictWriter(f, fieldnames=fields, delimiter='\t', lineterminator='\n')
        for a in added:
            w.writerow({k: a.get(k, '') for k in fields})
    print(f'{len(added)} clean rows appended to {tsv}')


if __name__ == '__main__':
    main(sys.argv[1], '--list-only' in sys.argv)
