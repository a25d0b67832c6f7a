// The README and docs/ as a clone has them: every relative link resolves to a
// file (and a heading, when it names one) of this repository, and the README
// never points outside it (a clone has no ../shared).
import { describe, expect, test } from "@jest/globals";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ROOT } from "../ingest/helpers.js";

const pages = ["README.md", ...readdirSync(join(ROOT, "docs"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".md")).map((f) => join("docs", f))];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

function anchorsOf(text: string): Set<string> {
  const out = new Set<string>();
  let fence = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) fence = !fence;
    const m = !fence && /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    let a = anchor(m[1]!);
    for (let n = 1; out.has(a); n++) a = `${anchor(m[1]!)}-${n}`;
    out.add(a);
  }
  return out;
}

/** Markdown links outside code: [text](target). */
function linksOf(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

describe("README and docs/", () => {
  for (const page of pages) {
    test(`${page}: every relative link resolves inside the repository`, () => {
      const text = readFileSync(join(ROOT, page), "utf8");
      const broken: string[] = [];
      for (const link of linksOf(text)) {
        if (/^[a-z]+:/.test(link)) continue;
        const [file, hash] = link.split("#") as [string, string | undefined];
        const target = file === "" ? join(ROOT, page) : join(ROOT, dirname(page), file);
        if (relative(ROOT, target).startsWith("..") || !existsSync(target)) { broken.push(link); continue; }
        if (hash && target.endsWith(".md") && !anchorsOf(readFileSync(target, "utf8")).has(hash)) broken.push(link);
      }
      expect(broken).toEqual([]);
    });
  }

  test("the README stays a newcomer's page: short, no ../shared, the exit codes and the three ways in", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).not.toMatch(/\.\.\/shared/);
    expect(readme.split("\n").length).toBeLessThan(160);
    for (const heading of ["## Install", "## Three ways to use it", "## Exit status", "## Configuration", "## Benchmarks"]) expect(readme).toContain(`\n${heading}\n`);
    expect(readme).toMatch(/\| 0 \| clean/);
    expect(readme).toMatch(/\| 2 \| an input could not be read, or a patch could not be reviewed/);
  });
});
