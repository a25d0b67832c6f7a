"""Where the fetched list mirrors and driver repositories live, and how to read one mail.

The fetch tool puts a snapshot of github:<owner>/<name> at
/work/.mirror/<owner>+<name>/repo (a bare git dir).  The list mirrors keep one
mail per commit, in the file `m`.  Every devset script takes its sources from
here, so a rebuild on another machine only needs the same fetches.
"""
import os, subprocess

MIRROR_ROOT = os.environ.get('LOCKREVIEW_MIRRORS', '/work/.mirror')
DEVSETS = os.environ.get('LOCKREVIEW_DEVSETS', '/work/devsets')

# source name (the TSV's `source` column) -> GitHub repository the fetch tool brings
LISTS = {
    'linux-raid': 'linux-mailinglist-archives/linux-raid.vger.kernel.org.0',
    'linux-nvme': 'linux-mailinglist-archives/linux-nvme.lists.infradead.org.0',
    'linux-mtd': 'linux-mailinglist-archives/linux-mtd.lists.infradead.org.0',
    'linux-ide': 'linux-mailinglist-archives/linux-ide.vger.kernel.org.0',
    'linux-usb': 'linux-mailinglist-archives/linux-usb.vger.kernel.org.0',
    'linux-s390': 'linux-mailinglist-archives/linux-s390.vger.kernel.org.0',
    'nvdimm': 'linux-mailinglist-archives/nvdimm.lists.linux.dev.0',
    'linux-bcache': 'linux-mailinglist-archives/linux-bcache.vger.kernel.org.0',
    'linux-um': 'linux-mailinglist-archives/linux-um.lists.infradead.org.0',
    'ceph-devel': 'linux-mailinglist-archives/ceph-devel.vger.kernel.org.0',
    'virtualization': 'linux-mailinglist-archives/virtualization.lists.linux-foundation.org.0',
}
REPOS = {
    'scst': 'SCST-project/scst',
    'kvdo': 'dm-vdo/kvdo',
    'blksnap': 'veeam/blksnap',
    'veeamsnap': 'veeam/veeamsnap',
    'rapiddisk': 'pkoutoupis/rapiddisk',
    'iomemory-vsl': 'RemixVSL/iomemory-vsl',
}

# Tree mode for a repository case gets the whole driver source at the commit's parent, not only
# the touched directories: the top-level component of every touched file (SCST: iscsi-scst/,
# srpt/, ...) plus the directories every component builds against (SCST's core, scst/, holds
# scst_register_session, scst_mutex and the sysfs work thread the other halves of its chains live in).
REPO_CONTEXT = {
    'scst': ['scst'],
}
# directories a repository case never copies (SCST's qla2x00t* are copies of upstream qla2xxx)
REPO_EXCLUDED = {
    'scst': ('qla2x00t', 'qla2x00t-32gbit', 'qla_isp'),
}

# Debian kernel trees (read only) and their release dates (for score.py --skew-trees)
TREES = [
    ('5.10', '2020-12-13', '/work/trees/linux-source-5.10'),
    ('6.1', '2022-12-11', '/work/trees/linux-source-6.1'),
    ('6.12', '2024-11-17', '/work/trees/linux-source-6.12'),
]


def git_dir(source):
    repo = LISTS.get(source) or REPOS.get(source)
    if not repo:
        raise SystemExit(f'unknown source {source!r}: expected one of {sorted(LISTS) + sorted(REPOS)}')
    d = os.path.join(MIRROR_ROOT, repo.replace('/', '+'), 'repo')
    if not os.path.isdir(d):
        raise SystemExit(f'{source}: no mirror at {d}; fetch github:{repo} first')
    return d


def git(gd, *args, input=None):
    return subprocess.run(['git', '--git-dir', gd] + list(args), input=input,
                          capture_output=True, check=True).stdout


class BlobReader:
    """One `git cat-file --batch` per mirror: reading 100k mails one process each is too slow."""

    def __init__(self, gd):
        self.p = subprocess.Popen(['git', '--git-dir', gd, 'cat-file', '--batch'],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, spec):
        self.p.stdin.write(spec.encode() + b'\n'); self.p.stdin.flush()
        header = self.p.stdout.readline().split()
        if len(header) < 3 or header[1] == b'missing':
            return None
        size = int(header[2])
        data = self.p.stdout.read(size); self.p.stdout.read(1)
        return data

    def close(self):
        self.p.stdin.close(); self.p.wait()


def mboxrd(raw):
    """One mail as an mboxrd entry, the form lore serves (From_ postmark, >From quoting)."""
    import re
    body = raw.replace(b'\r\n', b'\n')
    body = re.sub(rb'(?m)^(>*From )', rb'>\1', body)
    if not body.endswith(b'\n'):
        body += b'\n'
    return b'From mboxrd@z Thu Jan  1 00:00:00 1970\n' + body + b'\n'
