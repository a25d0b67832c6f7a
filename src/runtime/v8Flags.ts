// V8 flags set while running (node:v8 setFlagsFromString), in one place:
// V8 checks a code cache against the flags it was made with, and setting a
// flag back does not undo the flags it implied, so bin/lockreview.js writes
// a code cache only from a run that changed none (v8FlagsChanged).
import { setFlagsFromString } from "node:v8";

let changed = false;

export function setV8Flags(flags: string): void {
  changed = true;
  setFlagsFromString(flags);
}

export function v8FlagsChanged(): boolean {
  return changed;
}
