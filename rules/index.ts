// Every rule, by id. The file name of each rule is its id.
import type { Rule } from "../src/review/rule.js";
import callerLockDropped from "./caller-lock-dropped.js";
import lockAcrossDelGendisk from "./lock-across-del-gendisk.js";
import lockOrderInversion from "./lock-order-inversion.js";
import notifierUnregisterInCallback from "./notifier-unregister-in-callback.js";
import sysfsRemoveUnderLock from "./sysfs-remove-under-lock.js";
import wqFlushUnderLock from "./wq-flush-under-lock.js";
import wqFlushUnderOpenMutex from "./wq-flush-under-open-mutex.js";
import wqNotDrainedOnExit from "./wq-not-drained-on-exit.js";
import wqSelfFlush from "./wq-self-flush.js";

// The four rules of DESIGN.md first, then the general ones.
export const RULES: readonly Rule[] = [
  lockAcrossDelGendisk,
  wqFlushUnderOpenMutex,
  callerLockDropped,
  wqNotDrainedOnExit,
  lockOrderInversion,
  wqSelfFlush,
  notifierUnregisterInCallback,
  sysfsRemoveUnderLock,
  wqFlushUnderLock,
];

export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.meta.id, r]));
