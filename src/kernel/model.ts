// Loads the kernel table (plus rows from configuration), validates it and
// indexes it by function name for the analysis.
import { z } from "zod";
import { KernelModelSchema, type KernelModelData, type KernelModelInput } from "./schema.js";
import { KERNEL_TABLE } from "./table.js";

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
      "locks", "refDrop", "callUnderLock", "callsCallback", "implicit", "workInit", "workQueue", "wqAlloc", "kthreadCreate", "free", "objectAlloc", "completionSignal", "notifiers", "moduleEntry",
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

  /** Is this name described by any row (so it is a kernel API, not a driver function)? */
  knows(name: string): boolean {
    return this.byName.has(name);
  }

  callbacksFor(structType: string, field: string): Row<"callbacks">[] {
    return (this.callbacksByStruct.get(structType) ?? []).filter((c) => c.fields.includes(field));
  }
}

/** Format zod issues as `path: message` lines naming the source. */
export function describeIssues(source: string, error: z.ZodError): string {
  return error.issues.map((i) => `${source}: ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
}

/** Validate table rows; throws with every problem named. */
export function parseKernelTable(input: unknown, source: string): KernelModelData {
  const r = KernelModelSchema.safeParse(input);
  if (!r.success) throw new Error(describeIssues(source, r.error));
  return r.data;
}

let builtin: KernelModelData | undefined;

/** The built-in table merged with extra rows (from configuration), validated. */
export function loadKernelModel(extra?: { rows: KernelModelInput; source: string }): KernelModel {
  builtin ??= parseKernelTable(KERNEL_TABLE, "src/kernel/table.ts");
  if (!extra) return (defaultModel ??= new KernelModel(builtin));
  const add = parseKernelTable(extra.rows, extra.source);
  const merged = { ...builtin } as Record<string, unknown[]>;
  for (const [k, v] of Object.entries(add)) {
    // Extra rows come first so a project can override a built-in entry.
    merged[k] = [...(v as unknown[]), ...((builtin as unknown as Record<string, unknown[]>)[k] ?? [])];
  }
  return new KernelModel(merged as unknown as KernelModelData);
}

let defaultModel: KernelModel | undefined;
