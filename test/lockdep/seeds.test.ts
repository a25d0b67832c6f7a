// The real inputs of ../shared/seeds: seed 002 (a syzbot bisection with the
// nbd lockdep splat) and seed 000 (the nbd fix). Read at test time only;
// skipped, with a message, when ../shared is absent. The tree seed 000
// applies to is built at test time (test/helpers/seedTree.ts).
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/main.js";
import { nbdTreeForSeed000 } from "../helpers/seedTree.js";

const SEEDS = "../shared/seeds";
const S000 = join(SEEDS, "000_7c0915d4ad7637e8.txt");
const S002 = join(SEEDS, "002_69ed49b612ddb972.txt");
const present = existsSync(S000) && existsSync(S002);
if (!present) console.warn(`[skip] lockdep seeds: ${SEEDS} is absent`);
const suite = present ? describe : describe.skip;

async function cli(args: string[]) {
  let out = "";
  const code = await run(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } });
  return { code, out };
}

suite("explain on the seeds", () => {
  let tree: string;
  beforeAll(() => {
    tree = mkdtempSync(join(tmpdir(), "lockreview-seed-tree-"));
    mkdirSync(join(tree, "drivers/block"), { recursive: true });
    writeFileSync(join(tree, "drivers/block/nbd.c"), nbdTreeForSeed000(readFileSync(S000, "utf8")));
  });
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  test("seed 002: the nbd chain, lock-across-del-gendisk, the nbd 2021 incident and the c76f48eb5c08 regression", async () => {
    const r = await cli(["explain", S002]);
    expect(r.out).toMatch(/chain: &bdev->bd_mutex --> nbd_index_mutex --> bdev_lookup_sem/);
    expect(r.out).toMatch(/edge: nbd_index_mutex --> bdev_lookup_sem \[taken inside del_gendisk\(\)\]: nbd_genl_connect\(\) → nbd_put\(\) → nbd_dev_remove\(\) → del_gendisk\(\)/);
    expect(r.out).toMatch(/rule: lock-across-del-gendisk/);
    expect(r.out).toMatch(/incident: nbd 2021: nbd_put\(\) held nbd_index_mutex across del_gendisk\(\)/);
    expect(r.out).toMatch(/bisected to: c76f48eb5c08 \("block: take bd_mutex around delete_partitions in del_gendisk"\)/);
    expect(r.out.match(/WARNING: possible circular locking dependency detected/g)).toHaveLength(1);
  });

  test("seed 000 against seed 002: the reported path is gone, but nbd_del_disk() keeps del_gendisk() under nbd_index_mutex when NBD_DESTROY_ON_DISCONNECT is clear", async () => {
    const r = await cli(["explain", "--patch", S000, "--tree", tree, S002]);
    expect(r.out).toMatch(/patch: This patch removes the reported path but does not break the cycle/);
    expect(r.out).toMatch(/the reported path \(nbd_put\(\) → nbd_dev_remove\(\) → del_gendisk\(\)\) is gone, but the edge remains: nbd_put\(\) → nbd_dev_remove\(\) → nbd_del_disk\(\) → del_gendisk\(\)/);
    expect(r.out).toMatch(/!\(test_bit\(NBD_DESTROY_ON_DISCONNECT, &nbd->flags\)\) \(in nbd_dev_remove\(\)\)/);
    expect(r.code).toBe(1);
  });
});
