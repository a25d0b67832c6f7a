// Lock classes as lockdep names them: a global (`nbd_index_mutex`), or a
// struct field (`loop_device.lo_mutex`, `gendisk.open_mutex`). The same
// resolution names workqueues (`nbd_device.recv_workq`) and work items
// (`nbd_device.remove_work`). When a type cannot be resolved the class falls
// back to the expression text and says so (`typed: false`).
import type { AccessPath, Arg, CFileModel, CFunction, CType } from "../cmodel/ir.js";
import type { KernelModel } from "../kernel/model.js";

export interface LockClass {
  cls: string;
  /** Normalised expression (`nbd->config_lock`) used to match lock/unlock pairs. */
  expr: string;
  /** False when part of the type chain was guessed from names or unknown. */
  typed: boolean;
  /** How the type was found when not from declarations ("hint: disk"). */
  via?: string;
}

export class TypeEnv {
  private readonly structs = new Map<string, Record<string, CType>>();
  private readonly globals = new Map<string, CType>();
  private readonly lockGlobals = new Set<string>();
  /**
   * Driver code names its objects consistently (`vblk` is a struct
   * virtio_blk * in every function of virtio_blk.c): a variable declared
   * nowhere visible — a hunk that starts below the declarations — takes the
   * type the same name has everywhere else in the analysed code. Null when
   * the name is declared with different struct types.
   */
  private readonly namedTypes = new Map<string, CType | null>();
  /** Field name → the one known struct that has it (null: several do). */
  private readonly fieldOwners = new Map<string, string | null>();

  constructor(files: CFileModel[], private readonly kernel: KernelModel) {
    for (const f of files) {
      for (const s of f.structs) {
        const have = this.structs.get(s.name);
        this.structs.set(s.name, { ...(have ?? {}), ...s.fields });
      }
      for (const [k, v] of Object.entries(f.globals)) this.globals.set(k, v);
      for (const k of Object.keys(f.lockGlobals)) this.lockGlobals.add(k);
      for (const fn of f.functions) {
        for (const p of fn.params) if (p.type) this.noteName(p.name, p.type);
        for (const [n, t] of Object.entries(fn.locals)) this.noteName(n, t);
      }
    }
    for (const [name, fields] of this.structs) {
      for (const field of Object.keys(fields)) this.fieldOwners.set(field, this.fieldOwners.has(field) && this.fieldOwners.get(field) !== name ? null : name);
    }
  }

  private noteName(name: string, t: CType): void {
    if (t.pointer === 0 || /^(void|char|int|long|short|unsigned|signed|bool|u8|u16|u32|u64|s8|s16|s32|s64|size_t|ssize_t|loff_t)$/.test(t.name)) return;
    const have = this.namedTypes.get(name);
    if (have === undefined) this.namedTypes.set(name, t);
    else if (have && (have.name !== t.name || have.pointer !== t.pointer)) this.namedTypes.set(name, null);
  }

  hasStruct(name: string): boolean {
    return this.structs.has(name);
  }

  fieldType(struct: string, field: string): { type: CType | null; via?: string } {
    const f = this.structs.get(struct)?.[field];
    if (f) return { type: f };
    const k = this.kernel.structFields.get(`${struct}.${field}`);
    if (k) return { type: { name: k.type, pointer: k.pointer } };
    const h = this.kernel.fieldHint(field);
    if (h) return { type: { name: h.type, pointer: h.pointer }, via: `hint: ${field}` };
    return { type: null };
  }

  /** Type of a variable in a function: parameter, local, then global. */
  varType(name: string, fn: CFunction | null): { type: CType | null; scope: "param" | "local" | "global" | "unknown"; via?: string } {
    if (fn) {
      const p = fn.params.find((x) => x.name === name);
      if (p) return { type: p.type, scope: "param" };
      const l = fn.locals[name];
      if (l) return { type: l, scope: "local" };
    }
    const g = this.globals.get(name);
    if (g) return { type: g, scope: "global" };
    if (this.lockGlobals.has(name)) return { type: null, scope: "global" };
    const named = fn ? this.namedTypes.get(name) : undefined;
    if (named) return { type: named, scope: "unknown", via: `name: ${name} is a struct ${named.name} * elsewhere in the driver` };
    const h = this.kernel.fieldHint(name);
    if (h) return { type: { name: h.type, pointer: h.pointer }, scope: "unknown", via: `hint: ${name}` };
    return { type: null, scope: "unknown" };
  }

  /** Class of the object an access path denotes. */
  classOfPath(path: AccessPath, fn: CFunction | null, exprText: string): LockClass {
    const expr = exprText.replace(/^&\s*/, "").replace(/\s+/g, "");
    // A local that copies a field (`wq = obj->wq`) names that field's object.
    const alias = path.fields.length === 0 ? fn?.aliases?.[path.root] : undefined;
    if (alias) return { ...this.classOfPath(alias, fn, [alias.root, ...alias.fields].join("->")), expr };
    const root = this.varType(path.root, fn);
    if (path.fields.length === 0) {
      // A bare name: a global lock/workqueue keeps its name as class. A
      // local or parameter lock object is keyed by its type when known.
      if (root.scope === "param" || root.scope === "local") {
        return { cls: root.type && root.type.pointer === 0 ? `${fn?.name}:${path.root}` : `${fn?.name ?? ""}:${path.root}`, expr, typed: false };
      }
      return { cls: path.root, expr, typed: true };
    }
    let t = root.type;
    let via = root.via;
    let typed = !!t && !root.via;
    const fields = [...path.fields];
    const last = fields.pop()!;
    for (const f of fields) {
      if (!t) break;
      const ft = this.fieldType(t.name, f);
      if (ft.via) {
        via = ft.via;
        typed = false;
      }
      t = ft.type;
    }
    if (t) return { cls: `${t.name}.${last}`, expr, typed, via };
    // Unknown type somewhere: the one struct of the driver that has this field …
    const owner = this.fieldOwners.get(last);
    if (owner) return { cls: `${owner}.${last}`, expr, typed: false, via: `field: only struct ${owner} has ${last}` };
    // … else a field-name hint on the last step's base.
    const baseField = path.fields.length >= 2 ? path.fields[path.fields.length - 2] : path.root;
    const hint = this.kernel.fieldHint(baseField);
    if (hint) return { cls: `${hint.type}.${last}`, expr, typed: false, via: `hint: ${baseField}` };
    if (root.scope === "global" && path.fields.length === 1) {
      return { cls: `${path.root}.${last}`, expr, typed: false };
    }
    return { cls: expr, expr, typed: false };
  }

  /** Class of a call argument (`&nbd->config_lock`). */
  classOfArg(arg: Arg, fn: CFunction | null): LockClass {
    if (arg.path) return this.classOfPath(arg.path, fn, arg.text);
    const expr = arg.text.replace(/^&\s*/, "").replace(/\s+/g, "");
    return { cls: expr, expr, typed: false };
  }

  /** Type (struct name) of the object an access path denotes, when known. */
  typeOfPath(path: AccessPath, fn: CFunction | null): string | null {
    let t = this.varType(path.root, fn).type;
    for (const f of path.fields) {
      if (!t) return null;
      t = this.fieldType(t.name, f).type;
    }
    return t?.name ?? null;
  }

  /**
   * Class of an object used as a whole (a notifier chain head, an iommu
   * group): its struct type when known, so `group->iommu_group` and a
   * parameter `struct iommu_group *g` name the same chain.
   */
  objectClass(arg: Arg, fn: CFunction | null): string {
    const t = arg.path ? this.typeOfPath(arg.path, fn) : null;
    if (t && !/^(int|long|unsigned|void|char|bool)$/.test(t)) return t;
    return this.classOfArg(arg, fn).cls;
  }

  /**
   * Class of a work item: `&dev->dwork.work` and `&dev->dwork` name the same
   * item (delayed_work embeds its work_struct), so a trailing `.work` after
   * another field is dropped.
   */
  classOfWork(arg: Arg, fn: CFunction | null): LockClass {
    if (arg.path && arg.path.fields.length >= 2 && arg.path.fields[arg.path.fields.length - 1] === "work") {
      const p = { root: arg.path.root, fields: arg.path.fields.slice(0, -1) };
      return this.classOfPath(p, fn, arg.text.replace(/\.work\s*$/, ""));
    }
    if (arg.path && arg.path.fields.length === 0) {
      const vt = this.varType(arg.path.root, fn);
      // `work` parameter of a work function or a local alias: unknown item.
      if (vt.scope === "param" || vt.scope === "local") return { cls: `${fn?.name ?? ""}:${arg.path.root}`, expr: arg.path.root, typed: false };
    }
    return this.classOfArg(arg, fn);
  }
}
