// A local reused for several objects names, in the statements that follow
// in its block, the object it was last set from (build.ts straightLineValues).
import { describe, expect, test } from "@jest/globals";
import { buildModel } from "../../src/cmodel/build.js";
import { forEachStmt, type Call } from "../../src/cmodel/ir.js";

const SRC = `
static void xhost_remove(struct xhost *h, struct xdump *d)
{
	struct workqueue_struct *work_q;
	struct xdump *dump;

	work_q = h->work_q;
	h->work_q = NULL;
	destroy_workqueue(work_q);
	work_q = h->devloss_work_q;
	destroy_workqueue(work_q);
	dump = h->dump;
	kref_get(&dump->kref);
	dump = d;
	kref_put(&dump->kref, xdump_free);
}
`;

async function calls(name: string): Promise<Call[]> {
  const m = await buildModel({ path: "drivers/scsi/x.c", text: SRC, context: "file" });
  const out: Call[] = [];
  forEachStmt(m.functions[0].body, (s) => {
    if (s.k === "expr") out.push(...s.calls.filter((c) => c.name === name));
  });
  return out;
}

describe("straight-line values of reused locals", () => {
  test("each use names the object the local was last set from", async () => {
    const d = await calls("destroy_workqueue");
    expect(d.map((c) => c.args[0].path)).toEqual([
      { root: "h", fields: ["work_q"] },
      { root: "h", fields: ["devloss_work_q"] },
    ]);
  });
  test("a member of the local keeps its own path (the field expression starts where the local does)", async () => {
    const [get] = await calls("kref_get");
    expect(get.args[0].path).toEqual({ root: "dump", fields: ["kref"] });
  });
  test("a local set from something other than a field path names itself", async () => {
    const [put] = await calls("kref_put");
    expect(put.args[0].path).toEqual({ root: "dump", fields: ["kref"] });
  });
});
