// Which other files belong to the driver of a changed file, so callbacks,
// ops tables, struct definitions and helpers defined there are seen:
//   1. the files the kbuild Makefile links into the same module
//      (`drbd-y := drbd_buildtag.o drbd_bitmap.o …`);
//   2. headers it includes with quotes (`#include "loop.h"`);
//   3. without a Makefile (out-of-tree code on GitHub), the C files of the
//      same directory when it is small, else those sharing the file's
//      name prefix (`rnbd-clt.c` → `rnbd-clt-sysfs.c`).
// A directory of unrelated single-file drivers (drivers/block) therefore
// does not mix nbd.c into loop.c's analysis.
import { dirname, posix } from "node:path";
import type { SourceProvider } from "./source.js";

export const MAX_NEIGHBOURS = 40;
export const MAX_NEIGHBOUR_BYTES = 4 * 1024 * 1024;

function join(dir: string, name: string): string {
  return dir && dir !== "." ? posix.join(dir, name) : name;
}

/** Objects linked into the same composite module as `obj` (names without .o). */
export function moduleObjects(makefile: string, obj: string): string[] {
  const text = makefile.replace(/\\\n/g, " ");
  const groups = new Map<string, Set<string>>();
  const re = /^\s*([A-Za-z0-9_-]+)-(?:y|objs|\$\([A-Z0-9_]+\))\s*[:+]?=\s*(.*)$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // obj-y/obj-m list separate modules, not the parts of one.
    if (/^(obj|lib|always|extra|subdir|hostprogs|targets|ccflags|asflags|ldflags|header-test|userprogs)$/.test(m[1])) continue;
    const set = groups.get(m[1]) ?? new Set<string>();
    for (const o of m[2].split(/\s+/)) if (o.endsWith(".o")) set.add(o.replace(/\.o$/, ""));
    groups.set(m[1], set);
  }
  for (const set of groups.values()) if (set.has(obj)) return [...set];
  return [];
}

export function quotedIncludes(text: string): string[] {
  const out: string[] = [];
  const re = /^\s*#\s*include\s+"([^"]+)"/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]);
  return out;
}

/** Paths (repository-relative) of the driver files around `path`, excluding it. */
export async function neighbourFiles(provider: SourceProvider, path: string, text: string | null): Promise<string[]> {
  const dir = dirname(path) === "." ? "" : dirname(path);
  const base = posix.basename(path);
  const names = await provider.list(dir);
  const cfiles = names.filter((n) => /\.(c|h)$/.test(n));
  const picked = new Set<string>();

  const makefile = names.includes("Makefile") ? await provider.read(join(dir, "Makefile")) : names.includes("Kbuild") ? await provider.read(join(dir, "Kbuild")) : null;
  let fromMakefile = false;
  if (makefile && base.endsWith(".c")) {
    const objs = moduleObjects(makefile, base.replace(/\.c$/, ""));
    for (const o of objs) {
      if (cfiles.includes(`${o}.c`)) picked.add(`${o}.c`);
      fromMakefile = true;
    }
  }
  // Headers included with quotes, resolved in the same directory.
  const queue = text ? quotedIncludes(text) : [];
  for (const inc of queue) {
    const name = posix.normalize(inc);
    if (!name.includes("/") && cfiles.includes(name)) picked.add(name);
  }
  if (!fromMakefile) {
    const cs = cfiles.filter((n) => n.endsWith(".c"));
    if (!makefile && cs.length <= 15) for (const n of cfiles) picked.add(n);
    else {
      const prefix = base.replace(/\.(c|h)$/, "").split(/[_-]/)[0];
      if (prefix.length >= 3) for (const n of cfiles) if (n.startsWith(prefix)) picked.add(n);
    }
  }
  // Headers of the picked .c files that share the prefix (drbd_int.h for drbd_*.c).
  for (const n of cfiles) {
    if (!n.endsWith(".h")) continue;
    const stem = n.replace(/\.h$/, "").split(/[_-]/)[0];
    if ([...picked].some((p) => p.startsWith(stem) && stem.length >= 3)) picked.add(n);
  }
  picked.delete(base);
  return [...picked].sort().slice(0, MAX_NEIGHBOURS).map((n) => join(dir, n));
}
