// Real incidents the rules cite, from ../shared/KNOWN-INCIDENTS.md. Commit
// ids are given only where mainline-confirmed; otherwise the lore thread.
import type { Reference } from "../model/review.js";

const lore = (id: string) => `https://lore.kernel.org/r/${id}`;
const syzbot = (extid: string) => `https://syzkaller.appspot.com/bug?extid=${extid}`;

export const INCIDENTS = {
  nbd2021: {
    title: 'nbd 2021: nbd_put() held nbd_index_mutex across del_gendisk(); fixed by 68c9417b193d "nbd: do del_gendisk() asynchronously for NBD_DESTROY_ON_DISCONNECT" (regression from c76f48eb5c08)',
    url: lore("20210811124428.2368491-2-hch@lst.de"),
  },
  nbd2021Syzbot: { title: 'nbd: syzbot 0fe7752e52337864d29b "INFO: task hung in del_gendisk"', url: syzbot("0fe7752e52337864d29b") },
  loop2021Remove: {
    title: 'loop 2021: LOOP_CTL_REMOVE held loop_ctl_mutex across del_gendisk(); fixed by 990e78116d38 "block: loop: fix deadlock between open and remove"',
    url: lore("20210605140950.5800-1-hch@lst.de"),
  },
  xenBlkfront: { title: "xen-blkfront 2021: blkfront_closing() took open_mutex, then del_gendisk() took it again (AA)", url: lore("87pmvk0wep.fsf@vitty.brq.redhat.com") },
  loopDestroyWq: {
    title: 'loop 2021-22: lo_release() → __loop_clr_fd() → destroy_workqueue() under disk->open_mutex (from 87579e9b7d8d); final fix "loop: don\'t destroy lo->workqueue in __loop_clr_fd"',
    url: lore("20220330052917.2566582-16-hch@lst.de"),
  },
  loopDestroyWqSyzbot: { title: 'loop: syzbot 643e4ce4b6ad1347d372 "possible deadlock in blkdev_put (2)"', url: syzbot("643e4ce4b6ad1347d372") },
  loopLoMutexWq: { title: 'loop 2021: lo_mutex held across destroy_workqueue(); fixed by dfb2cc3b7f7e "loop: don\'t hold lo_mutex during __loop_clr_fd()"', url: lore("8ebe3b2e-8975-7f26-0620-7144a3b8b8cd@i-love.sakura.ne.jp") },
  loopLoMutexWqSyzbot: { title: 'loop: syzbot 63614029dfb79abd4383 "possible deadlock in __loop_clr_fd (3)" (lo_mutex --> (wq_completion)loopN)', url: syzbot("63614029dfb79abd4383") },
  hchDropLock: {
    title: 'Christoph Hellwig on dropping open_mutex in ->release: "Dropping the lock is a complete no go a it doesn\'t allow proper reasoning about the locking scheme in the block layer."',
    url: lore("Yam+TsPF1jaKM+Am@infradead.org"),
  },
  janKaraDropLock: {
    title: 'Jan Kara: "Generally it is a bad practice to drop locks (even temporarily) upper layers have acquired."',
    url: lore("20211202180500.GA30284@quack2.suse.cz"),
  },
  nbdDelWq: {
    title: "nbd 2021: 68c9417b193d added nbd_del_wq and destroys it in nbd_cleanup() and on the init error path, so module exit waits for pending removals",
    url: lore("20210811124428.2368491-2-hch@lst.de"),
  },
  drbdSubmitWq: {
    title: 'drbd 2022: per-device submit workqueue never destroyed; "drbd: destroy workqueue when drbd device was freed"',
    url: lore("20221121111138.3665586-1-bobo.shaobowang@huawei.com"),
  },
  nbdSelfFlush: {
    title: "nbd 2019: destroy_workqueue(recv_workq) from recv_work itself: possible recursive locking on (wq_completion)knbd0-recv",
    url: lore("20191208225150.5944-1-mchristi@redhat.com"),
  },
  zramSysfs: { title: "zram 2021: sysfs store vs del_gendisk() under a driver lock (kernfs active reference)", url: lore("20210423011108.11988-4-mcgrof@kernel.org") },
  rnbdSysfs: { title: "rnbd-srv 2021: kernfs removal under srv_sess->lock against a store that takes it", url: lore("20210325152911.1213627-15-gi-oh.kim@ionos.com") },
  blkIaRange: { title: 'block 2022: "block: Fix potential deadlock in blk_ia_range_sysfs_show()" (q->sysfs_lock vs kn->active)', url: lore("20220603021905.1441419-1-damien.lemoal@opensource.wdc.com") },
  vfioNotifier: {
    title: "vfio/GVT: notifier callbacks run with the chain rwsem held for read and unregistering needs it for write; kvmgt defers the release to a work item (62d02fd1f807 \"drm/i915/gvt: Fix possible recursive locking issue\"; the group notifier was later removed)",
    url: lore("20220519183311.582380-2-mjrosato@linux.ibm.com"),
  },
  ublkAbba: { title: 'ublk 2023: ac5902f84bb5 "ublk: fix AB-BA lockdep warning" (uring_lock vs ub->mutex)', url: lore("20230517133408.210944-1-ming.lei@redhat.com") },
  vfioKvm: { title: 'vfio/KVM 2023: 51cdc8bc120e "kvm/vfio: Fix potential deadlock on vfio group_lock"', url: "https://git.kernel.org/linus/51cdc8bc120e" },
} satisfies Record<string, Reference>;

/** Commits known to have introduced a family of incidents (for bisection results). */
export const KNOWN_REGRESSIONS: Record<string, { title: string; rule: string; why: string }> = {
  c76f48eb5c08: {
    title: "block: take bd_mutex around delete_partitions in del_gendisk",
    rule: "lock-across-del-gendisk",
    why: "since this commit del_gendisk() takes the disk's bd_mutex/open_mutex, so any driver lock held across del_gendisk() and taken in ->open inverts with it (nbd 2021, loop 2021)",
  },
  "87579e9b7d8d": {
    title: "loop: use worker per cgroup instead of kworker",
    rule: "wq-flush-under-open-mutex",
    why: "it made __loop_clr_fd() destroy the loop workqueue, reached from lo_release() under open_mutex",
  },
  e9e006f5fcf2: {
    title: "nbd: fix max number of supported devs",
    rule: "wq-self-flush",
    why: "it let recv_work's final put destroy recv_workq from inside recv_workq",
  },
};
