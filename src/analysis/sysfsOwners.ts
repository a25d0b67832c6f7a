// Which object a sysfs attribute hangs on, and which object a removal
// removes: kernfs waits only for the show()/store() of the object it
// removes, so a removal and a callback pair only when their owners can be
// the same (or one of them is not known).
import { forEachStmt, type Arg, type CFileModel, type CFunction } from "../cmodel/ir.js";
import type { KernelModel } from "../kernel/model.js";
import { callsOf } from "./callGraph.js";
import type { TypeEnv } from "./classes.js";

const PLAIN = /^(device|kobject|void)$/;

/** `kernfs:device:nvme_subsystem`: a device's attributes, of one kind of object when known. */
export function kernfsClass(kind: string, owner: string | null): string {
  return owner ? `kernfs:${kind}:${owner}` : `kernfs:${kind}`;
}

/**
 * The object a device expression belongs to: the driver struct it is
 * embedded in or points to (`&dev_info->dev` → dcssblk_dev_info), or, for
 * a plain `struct device *` kept in a file global (a root device), that one
 * device (`device@dcssblk_root_dev`). A parameter or local plain device is
 * not known.
 */
export function deviceObjectOwner(arg: Arg, fn: CFunction, types: TypeEnv): string | null {
  const p = arg.path;
  if (!p) return null;
  const own = types.typeOfPath(p, fn);
  if (own && !PLAIN.test(own)) return own;
  if (p.fields.length) {
    const t = types.typeOfPath({ root: p.root, fields: p.fields.slice(0, -1) }, fn);
    return t && !PLAIN.test(t) ? t : null;
  }
  const global = !fn.params.some((x) => x.name === p.root) && !(p.root in fn.locals);
  return own === "device" && global ? `device@${p.root}` : null;
}

/**
 * The object a device attribute's show()/store() belongs to, when the
 * callback says: `container_of(dev, struct X, …)`, a kernel conversion of
 * the table (`dev_to_disk(dev)` → gendisk), or `dev_get_drvdata(dev)` into a
 * local of type X. Other conversions (a driver's own `to_foo()`, which may
 * go through the disk's private_data) leave it unknown.
 */
export function attributeOwner(fn: CFunction, kernel: KernelModel): string | null {
  const dev = fn.params.find((p) => p.type?.name === "device" && p.type.pointer === 1)?.name;
  if (!dev) return null;
  let owner: string | null = null;
  forEachStmt(fn.body, (s) => {
    if (owner || s.k !== "expr" || !s.assign) return;
    const c = s.assign.call;
    if (c.args[0]?.path?.root !== dev || c.args[0].path.fields.length) return;
    // container_of(dev, struct X, member): X is the receiving local's type (the parser splits `struct X`).
    const row: { owner?: string } | undefined = c.name === "container_of" ? {} : kernel.first("deviceOwner", c.name);
    if (!row) return;
    const t = fn.locals[s.assign.name];
    owner = row.owner ?? (t && t.pointer > 0 && !/^(void|char|device)$/.test(t.name) ? t.name : null);
  });
  return owner;
}

/**
 * `device_create_file(dcssblk_root_dev, &dev_attr_remove)`: the owner of
 * each attribute variable the analysed code registers on one known object.
 * Registered on objects of two kinds, it is not known.
 */
export function registeredAttributeOwners(files: CFileModel[], types: TypeEnv, kernel: KernelModel): Map<string, string> {
  const seen = new Map<string, string | null>();
  for (const f of files) {
    for (const fn of f.functions) {
      forEachStmt(fn.body, (s) => {
        for (const c of callsOf(s)) {
          for (const row of kernel.rows("attrCreate", c.name)) {
            const obj = c.args[row.objArg];
            const attr = c.args[row.attrArg];
            const name = attr?.addrOf && attr.path && !attr.path.fields.length ? attr.path.root : null;
            if (!obj || !name) continue;
            const owner = deviceObjectOwner(obj, fn, types);
            seen.set(name, seen.has(name) && seen.get(name) !== owner ? null : owner);
          }
        }
      });
    }
  }
  const out = new Map<string, string>();
  for (const [k, v] of seen) if (v) out.set(k, v);
  return out;
}
