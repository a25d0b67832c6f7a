#!/usr/bin/env python3
"""Print one indexed mail (decoded) by list and Message-ID (or a unique prefix of it), for labelling."""
import email, email.policy, json, os, sys
sys.path.insert(0, os.path.dirname(__file__))
from mirrors import DEVSETS, git_dir, BlobReader
from index_lists import body_text


def find(name, mid):
    for l in open(os.path.join(DEVSETS, '_index', name + '.jsonl')):
        r = json.loads(l)
        if r['message_id'] == mid or (len(mid) > 8 and r['message_id'].startswith(mid)):
            return r
    raise SystemExit(f'{name}: no mail with Message-ID {mid}')


def raw_mail(name, mid):
    r = find(name, mid)
    rd = BlobReader(git_dir(name)); raw = rd.read(r['commit'] + ':m'); rd.close()
    return r, raw


if __name__ == '__main__':
    r, raw = raw_mail(sys.argv[1], sys.argv[2])
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    print('Subject:', r['subject']); print('Date:', r['date']); print('From:', r['from']); print('Message-ID:', r['message_id'])
    print(); print(body_text(msg))
