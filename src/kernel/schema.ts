// Schema of the kernel model: which kernel calls acquire, release or wait on
// what, and which callbacks run in which locking context. The rows live in
// kernel/table.ts and can be extended from `.lockreview.yml` (`kernel:` key)
// with the same shapes; everything is validated here at load time.
import { z } from "zod";

const names = z.array(z.string().min(1)).min(1);
const argIndex = z.number().int().min(0).max(8);

/** How a lock operation changes the held set. */
export const LockOpSchema = z
  .object({
    names,
    /**
     * `leave`: the call takes the caller out of a framework's pseudo-lock
     * whose class starts with `lock` (sysfs_break_active_protection(): the
     * attribute callback no longer holds its kernfs active reference), without
     * being an unlock of anything the caller holds.
     */
    op: z.enum(["acquire", "release", "assert-held", "leave"]),
    /** Index of the lock argument; omit with `lock` for fixed global locks. */
    arg: argIndex.optional(),
    /** A fixed lock class (rtnl_lock → "rtnl_mutex"). */
    lock: z.string().optional(),
    /** Only acquired when the call's value is zero / nonzero (trylock, _interruptible …). */
    when: z.enum(["zero", "nonzero"]).optional(),
    /** Reader side of a rwlock/rwsem (readers do not exclude each other). */
    mode: z.enum(["read", "write"]).optional(),
    /** Never waits (trylock): like lockdep, it adds no lock-order dependency. */
    nonblocking: z.boolean().default(false),
    kind: z.enum(["mutex", "spinlock", "rwsem", "rwlock", "semaphore", "other"]).default("mutex"),
    doc: z.string().optional(),
  })
  .refine((r) => r.arg !== undefined || r.lock !== undefined, { message: "needs `arg` or `lock`" });
export type LockOp = z.infer<typeof LockOpSchema>;

/**
 * A call that runs a callback with a lock held and expects the callback to
 * drop it (`kref_put_mutex(kref, release, lock)`): the callback is analysed
 * as if called with the lock held, and the lock is not held after the call.
 */
export const CallUnderLockSchema = z.object({
  names,
  lockArg: argIndex,
  callbackArg: argIndex,
  doc: z.string().optional(),
});
export type CallUnderLock = z.infer<typeof CallUnderLockSchema>;

/** A call that runs a callback (no lock): `kref_put(kref, release)`. */
export const CallsCallbackSchema = z.object({ names, callbackArg: argIndex, doc: z.string().optional() });
export type CallsCallback = z.infer<typeof CallsCallbackSchema>;

/**
 * What a kernel function does inside, in lockdep's terms: locks it takes
 * (and releases) and what it waits for. Waits become pseudo-locks:
 * `wq:<workqueue>`, `work:<work function>`, `kthread:<fn>`, `kernfs:<object>`.
 */
export const ImplicitSchema = z.object({
  names,
  /** Lock classes taken and released inside (del_gendisk → gendisk.open_mutex). */
  acquires: z.array(z.object({ lock: z.string(), mode: z.enum(["read", "write"]).optional() })).default([]),
  /** Waits for work / threads / sysfs users. */
  waits: z
    .array(
      z.object({
        /** completion: waits for whichever work function signals it (inferred from the driver's code). */
        on: z.enum(["workqueue", "work", "kthread", "timer", "kernfs", "notifier-chain", "completion"]),
        /** Argument naming the workqueue / work item / thread / object / chain. */
        arg: argIndex.optional(),
        /** A fixed target (flush_scheduled_work → the system workqueue). */
        target: z.string().optional(),
        /** For notifier chains: the chain rwsem is taken for write. */
        mode: z.enum(["read", "write"]).optional(),
      }),
    )
    .default([]),
  /** Free-text reason, shown in traces ("del_gendisk() takes disk->open_mutex"). */
  note: z.string().optional(),
  /** True when the wait is a destroy: the object must not be used afterwards. */
  destroys: z.boolean().optional(),
  /** The acquisitions happen only in some cases (add_disk: only when partitions are scanned). */
  conditional: z.boolean().optional(),
  doc: z.string().optional(),
});
export type Implicit = z.infer<typeof ImplicitSchema>;

export const WorkInitSchema = z.object({
  names, workArg: argIndex, fnArg: argIndex, delayed: z.boolean().default(false),
  /** devm_*_autocancel(): the work is cancelled when the device goes away. */
  autoCancel: z.boolean().default(false),
  doc: z.string().optional(),
});
/**
 * Calls that convert a `struct device *` to the object it belongs to, for
 * telling which object a sysfs attribute hangs on: `owner`, or when absent
 * the type of the local that receives the result (dev_get_drvdata()).
 * container_of(dev, struct X, …) is built in.
 */
export const DeviceOwnerSchema = z.object({ names, owner: z.string().optional(), doc: z.string().optional() });
/** Calls that take a reference on the object their argument names (kref_get(&obj->ref)). */
export const RefGetSchema = z.object({ names, arg: argIndex.default(0), doc: z.string().optional() });
/** devm_add_action(dev, fn, data) and friends: `fn` runs when the device is torn down. */
export const TeardownCallbackSchema = z.object({ names, callbackArg: argIndex, doc: z.string().optional() });
export const WorkQueueSchema = z.object({
  names,
  workArg: argIndex,
  wqArg: argIndex.optional(),
  /** Fixed workqueue (schedule_work → system_wq). */
  wq: z.string().optional(),
  doc: z.string().optional(),
});
export const WqAllocSchema = z.object({ names, nameArg: argIndex.optional(), doc: z.string().optional() });
export const KthreadSchema = z.object({ names, fnArg: argIndex, doc: z.string().optional() });
/** timer_setup(&t, fn, flags): the callback a del_timer_sync()/hrtimer_cancel() of `t` waits for. */
export const TimerSetupSchema = z.object({ names, timerArg: argIndex, fnArg: argIndex, doc: z.string().optional() });
export const FreeSchema = z.object({ names, arg: argIndex, doc: z.string().optional() });
/** complete()/complete_all(): who signals a completion (to learn "this function waits for that work"). */
export const CompletionSignalSchema = z.object({ names, arg: argIndex, doc: z.string().optional() });
/** Object allocators: an object freed in the function that allocated it is a construction error path. */
export const ObjectAllocSchema = z.object({ names, doc: z.string().optional() });
export const NotifierRegisterSchema = z.object({
  names,
  op: z.enum(["register", "unregister"]),
  /** Argument naming the chain, or a fixed chain name. */
  chainArg: argIndex.optional(),
  chain: z.string().optional(),
  nbArg: argIndex,
  /** Blocking chains hold an rwsem around callbacks (atomic chains do not sleep). */
  blocking: z.boolean().default(true),
  doc: z.string().optional(),
});

/** Callback context: functions stored in `.field` of `struct type` run like this. */
export const CallbackSchema = z.object({
  structs: names,
  fields: names,
  /** Lock classes held by the caller when the callback runs. */
  holds: z.array(z.object({ lock: z.string(), mode: z.enum(["read", "write"]).optional(), expr: z.string().optional() })).default([]),
  /** Context kind, for rules and messages. */
  context: z.enum(["bdev-open", "bdev-release", "genl", "notifier", "sysfs", "teardown", "probe", "ioctl", "other"]),
  /** A sibling field that, when true on the family/table, removes the held lock (genl `parallel_ops`). */
  unlessFamilyFlag: z.string().optional(),
  /**
   * Hunks mode only: when no ops table is visible, a function whose name and
   * parameter types match one of these is taken to be this callback (with
   * lower confidence). Parameter type names; "*" matches any, a final "..."
   * any number more.
   */
  signatures: z.array(z.object({ name: z.string().optional(), params: z.array(z.string()) })).default([]),
  /** Signatures of last resort (naming conventions): used only when no other row's signature matches. */
  fallback: z.boolean().optional(),
  /** Caller-visible description ("blkdev_put_whole() calls ->release() with disk->open_mutex held"). */
  note: z.string(),
  /** The kernel function that calls the callback, for scenarios ("blkdev_put_whole()"). */
  caller: z.string().optional(),
  doc: z.string().optional(),
});
export type Callback = z.infer<typeof CallbackSchema>;

/** Types of fields of kernel structs (so `bdev->bd_disk->open_mutex` resolves). */
export const StructFieldSchema = z.object({ struct: z.string(), field: z.string(), type: z.string(), pointer: z.number().int().min(0).default(0) });
/** Last-resort type hints by field name when the declaring struct is not visible (`/re/` for a pattern). */
export const FieldHintSchema = z.object({ field: z.string(), type: z.string(), pointer: z.number().int().min(0).default(1), doc: z.string().optional() });

/**
 * Calls whose true result means "the last reference was dropped": what runs
 * on that branch (or in the release callback) runs only on the final put,
 * which findings say.
 */
export const RefDropSchema = z.object({
  names,
  /** Which value means "last reference": nonzero (dec_and_test) or zero (dec_return). */
  last: z.enum(["nonzero", "zero"]).default("nonzero"),
  doc: z.string().optional(),
});

export const KernelModelSchema = z.object({
  refDrop: z.array(RefDropSchema).default([]),
  locks: z.array(LockOpSchema).default([]),
  callUnderLock: z.array(CallUnderLockSchema).default([]),
  callsCallback: z.array(CallsCallbackSchema).default([]),
  implicit: z.array(ImplicitSchema).default([]),
  workInit: z.array(WorkInitSchema).default([]),
  teardownCallback: z.array(TeardownCallbackSchema).default([]),
  deviceOwner: z.array(DeviceOwnerSchema).default([]),
  /** `device_create_file(dev, &dev_attr_x)`: registers an attribute on that object (its show/store hang there). */
  attrCreate: z.array(z.object({ names, objArg: z.number().int().min(0), attrArg: z.number().int().min(0), doc: z.string().optional() })).default([]),
  refGet: z.array(RefGetSchema).default([]),
  workQueue: z.array(WorkQueueSchema).default([]),
  wqAlloc: z.array(WqAllocSchema).default([]),
  kthreadCreate: z.array(KthreadSchema).default([]),
  timerSetup: z.array(TimerSetupSchema).default([]),
  /**
   * Kernel APIs that call a driver's ops slot (`ccwgroup_set_offline()` runs
   * the ccwgroup_driver's `.set_offline`): a call to the API is a call to
   * every function the analysed code stores in that slot.
   */
  callsSlot: z.array(z.object({ names, struct: z.string(), field: z.string(), doc: z.string().optional() })).default([]),
  /** Calls that never return (panic(), BUG()): the path ends there. */
  noReturn: z.array(z.object({ names, doc: z.string().optional() })).default([]),
  free: z.array(FreeSchema).default([]),
  objectAlloc: z.array(ObjectAllocSchema).default([]),
  completionSignal: z.array(CompletionSignalSchema).default([]),
  notifiers: z.array(NotifierRegisterSchema).default([]),
  callbacks: z.array(CallbackSchema).default([]),
  /** Guard types usable in guard()/scoped_guard() and the lock kind they take. */
  guards: z.array(z.object({ type: z.string(), mode: z.enum(["read", "write"]).optional(), kind: z.string().default("mutex") })).default([]),
  /** Macros that register module entry points: module_init(f), module_pci_driver(drv). */
  moduleEntry: z.array(z.object({ names, role: z.enum(["init", "exit", "driver"]), arg: argIndex.default(0) })).default([]),
  structFields: z.array(StructFieldSchema).default([]),
  fieldHints: z.array(FieldHintSchema).default([]),
});
export type KernelModelInput = z.input<typeof KernelModelSchema>;
export type KernelModelData = z.infer<typeof KernelModelSchema>;
