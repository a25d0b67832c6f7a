// The kernel model the analysis asks: the table's rows indexed by function
// name. Zod-free, so that a run with no configuration file never loads zod:
// the built-in table is validated when the bundle is built (and by the
// tests), rows from configuration by kernel/model.ts.
import type { KernelModelData } from "./schema.js";
import { BUILTIN_KERNEL } from "./builtin.js";

type Row<K extends keyof KernelModelData> = KernelModelData[K][number];

export class KernelModel {
  readonly data: KernelModelData;
  private readonly byName = new Map<string, Map<keyof KernelModelData, unknown[]>>();
  readonly callbacksByStruct = new Map<string, Row<"callbacks">[]>();
  readonly guards = new Map<string, Row<"guards">>();
  readonly structFields = new Map<string, { type: string; pointer: number }>();
  private readonly fieldHintMap = new Map<string, { type: string; pointer: number }>();
  private readonly fieldHintPatterns: { re: RegExp; type: string; pointer: number }[] = [];

  constructor(data: KernelModelData) {
    this.data = data;
    const nameKeyed: (keyof KernelModelData)[] = [
      "locks", "refDrop", "callUnderLock", "callsCallback", "implicit", "workInit", "teardownCallback", "deviceOwner", "attrCreate", "refGet", "workQueue", "wqAlloc", "kthreadCreate", "timerSetup", "noReturn", "callsSlot", "free", "objectAlloc", "completionSignal", "notifiers", "moduleEntry",
    ];
    for (const key of nameKeyed) {
      for (const row of data[key] as { names: string[] }[]) {
        for (const n of row.names) {
          let m = this.byName.get(n);
          if (!m) this.byName.set(n, (m = new Map()));
          const list = m.get(key) ?? [];
          list.push(row);
          m.set(key, list);
        }
      }
    }
    for (const cb of data.callbacks) {
      for (const s of cb.structs) {
        const list = this.callbacksByStruct.get(s) ?? [];
        list.push(cb);
        this.callbacksByStruct.set(s, list);
      }
    }
    for (const g of data.guards) this.guards.set(g.type, g);
    for (const f of data.structFields) this.structFields.set(`${f.struct}.${f.field}`, { type: f.type, pointer: f.pointer });
    for (const h of data.fieldHints) {
      const m = /^\/(.*)\/$/.exec(h.field);
      if (m) this.fieldHintPatterns.push({ re: new RegExp(m[1]), type: h.type, pointer: h.pointer });
      else this.fieldHintMap.set(h.field, { type: h.type, pointer: h.pointer });
    }
  }

  /** Type guessed from a field or variable name (`disk`, `/_disk$/`), when nothing declares it. */
  fieldHint(name: string): { type: string; pointer: number } | undefined {
    return this.fieldHintMap.get(name) ?? this.fieldHintPatterns.find((p) => p.re.test(name));
  }

  rows<K extends keyof KernelModelData>(key: K, name: string): Row<K>[] {
    return (this.byName.get(name)?.get(key) as Row<K>[] | undefined) ?? [];
  }

  first<K extends keyof KernelModelData>(key: K, name: string): Row<K> | undefined {
    return this.rows(key, name)[0];
  }

  /**
   * Does a text mention any API of the table? Without one, the analysis of
   * that text can have no acquisition, wait, work or free: no rule can fire
   * (used to skip hunks that cannot matter).
   */
  mentionsAny(text: string): boolean {
    const re = /[A-Za-z_]\w*/g;
    for (let m = re.exec(text); m; m = re.exec(text)) if (this.byName.has(m[0]) || this.guards.has(m[0])) return true;
    return false;
  }

  /** A call that never returns (panic(), BUG()). */
  noReturn(name: string): boolean {
    return this.rows("noReturn", name).length > 0;
  }

  /** Is this name described by any row (so it is a kernel API, not a driver function)? */
  knows(name: string): boolean {
    return this.byName.has(name);
  }

  callbacksFor(structType: string, field: string): Row<"callbacks">[] {
    return (this.callbacksByStruct.get(structType) ?? []).filter((c) => c.fields.includes(field));
  }
}

let builtinModel: KernelModel | undefined;

/** The model of the built-in table alone (shared: it is never modified). */
export function builtinKernelModel(): KernelModel {
  return (builtinModel ??= new KernelModel(BUILTIN_KERNEL));
}
