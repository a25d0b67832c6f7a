#!/usr/bin/env python3
"""Index every mail of the fetched list mirrors into /work/devsets/_index/<list>.jsonl.

One row per mail: mirror commit, Message-ID, Date (UTC ISO), Subject, whether it
is a patch mail (a [PATCH] subject that is not a reply, with a diff), the files
its diff touches, and the commit message (text before the first diff) for
searching.  Idempotent: an index newer than the mirror's HEAD is kept.

Usage: index_lists.py [LIST ...]   (default: every list in mirrors.LISTS)
"""
import email, email.policy, email.utils, json, os, re, sys
from datetime import timezone
sys.path.insert(0, os.path.dirname(__file__))
from mirrors import LISTS, DEVSETS, git_dir, git, BlobReader

DIFF_FILE = re.compile(r'^diff --git a/(\S+) b/(\S+)', re.M)
PLUS_FILE = re.compile(r'^\+\+\+ b/(\S+)', re.M)


DRAIN_CALL = re.compile(r'\b(destroy_workqueue|(cancel|flush)_(delayed_)?work(_sync)?|flush_workqueue|drain_workqueue|'
                        r'(timer_)?(del|shutdown)_timer_sync|tasklet_kill|kthread_stop)\s*\(')
LOCK_CALL = re.compile(r'\b(mutex_(lock|unlock|trylock)\w*|spin_(lock|unlock)\w*|(down|up)_(read|write)\w*|down|up|'
                       r'read_(un)?lock\w*|write_(un)?lock\w*|raw_spin_(un)?lock\w*|guard|scoped_guard)\s*\(')


def diff_features(diff):
    """Counts over the diff's added (+) and removed (-) lines: what a patch does to teardown and locking."""
    f = {}
    for line in diff.split('\n'):
        if not line or line[0] not in '+-' or line.startswith(('+++', '---')):
            continue
        side = 'plus' if line[0] == '+' else 'minus'
        for name, rx in (('drain', DRAIN_CALL), ('lock', LOCK_CALL), ('del_gendisk', re.compile(r'\bdel_gendisk\s*\('))):
            n = len(rx.findall(line))
            if n:
                f[side + '_' + name] = f.get(side + '_' + name, 0) + n
    return f


def body_text(msg):
    parts = []
    for part in (msg.walk() if msg.is_multipart() else [msg]):
        if part.get_content_maintype() != 'text' or part.get_content_subtype() not in ('plain', 'x-patch', 'x-diff'):
            continue
        try:
            parts.append(part.get_content())
        except Exception:
            payload = part.get_payload(decode=True) or b''
            parts.append(payload.decode('utf-8', 'replace'))
    return '\n'.join(parts)


def header(msg, name):
    try:
        v = msg.get(name)
        return ' '.join(str(v).split()) if v is not None else ''
    except Exception:
        return ''


def iso_date(v):
    try:
        d = email.utils.parsedate_to_datetime(v)
        if d.tzinfo is None:
            d = d.replace(tzinfo=timezone.utc)
        return d.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    except Exception:
        return ''


def index_one(name):
    gd = git_dir(name)
    out_dir = os.path.join(DEVSETS, '_index'); os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, name + '.jsonl')
    head = git(gd, 'rev-parse', 'HEAD').decode().strip()
    stamp = out + '.head'
    if os.path.exists(out) and os.path.exists(stamp) and open(stamp).read().strip() == head:
        print(f'{name}: index up to date ({out})'); return
    commits = git(gd, 'rev-list', '--reverse', 'HEAD').decode().split()
    rd = BlobReader(gd); n = patches = 0
    with open(out + '.tmp', 'w') as f:
        for c in commits:
            raw = rd.read(c + ':m')
            if raw is None:
                continue
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            subj = header(msg, 'Subject'); text = body_text(msg)
            files = DIFF_FILE.findall(text)
            touched = sorted({b for _, b in files} or set(PLUS_FILE.findall(text)))
            is_patch = bool(re.search(r'\[[^\]]*PATCH', subj, re.I)) and not re.match(r'\s*(re|aw|fwd?)\s*:', subj, re.I) and bool(touched)
            cut = text.find('\ndiff --git ')
            diff = text[cut:] if cut >= 0 else ''
            row = {'list': name, 'commit': c, 'message_id': header(msg, 'Message-ID').strip('<> '),
                   'date': iso_date(header(msg, 'Date')), 'from': header(msg, 'From'), 'subject': subj,
                   'in_reply_to': header(msg, 'In-Reply-To').strip('<> '), 'patch': is_patch, 'files': touched,
                   'rcpt': ' '.join(a for _, a in email.utils.getaddresses([header(msg, 'To'), header(msg, 'Cc')])).lower(),
                   'feat': diff_features(diff) if is_patch else {},
                   'log': (text[:cut] if cut >= 0 else text)[:6000] if is_patch else ''}
            f.write(json.dumps(row) + '\n'); n += 1; patches += is_patch
    rd.close(); os.replace(out + '.tmp', out); open(stamp, 'w').write(head + '\n')
    print(f'{name}: {n} mails, {patches} patch mails -> {out}')


if __name__ == '__main__':
    for name in (sys.argv[1:] or list(LISTS)):
        index_one(name)
