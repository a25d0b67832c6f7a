// Every rule, by id. The file name of each rule is its id.
import type { Rule } from "../src/review/rule.js";
import callerLockDropped from "./caller-lock-dropped.js";
import lockAcrossDelGendisk from "./lock-across-del-gendisk.js";
import wqFlushUnderOpenMutex from "./wq-flush-under-open-mutex.js";
import wqNotDrainedOnExit from "./wq-not-drained-on-exit.js";

export const RULES: readonly Rule[] = [lockAcrossDelGendisk, wqFlushUnderOpenMutex, callerLockDropped, wqNotDrainedOnExit];

export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.meta.id, r]));
