// `npm install` on the oldest Node the README and package.json promise must be
// clean: no installed package may want a newer Node (npm's EBADENGINE
// warning). content-type 3 wants Node >= 22 for no API reason (2.1.0 has the
// same parse()), so package.json overrides it under @octokit/request.
import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { ROOT } from "../ingest/helpers.js";

interface Lock { packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean }> }

describe("Node engines", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
  const oldest = semver.minVersion(pkg.engines.node)!.version;

  test("the README states the same minimum Node as package.json", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const stated = /Node ≥ (\d+\.\d+)/.exec(readme)?.[1];
    expect(stated).toBeDefined();
    expect(oldest.startsWith(`${stated}.`)).toBe(true);
  });

  test(`every package in package-lock.json runs on Node ${oldest}`, () => {
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as Lock;
    const wanting: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      const node = Array.isArray(p.engines) ? undefined : p.engines?.node;
      if (path && node && !semver.satisfies(oldest, node)) wanting.push(`${path}@${p.version}: node ${node}`);
    }
    expect(wanting).toEqual([]);
  });
});
