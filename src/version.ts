import { readFileSync } from "node:fs";

/** The package version, read once from package.json (works from src/ and lib/src/). */
export const VERSION: string = (() => {
  for (const rel of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8"));
      if (pkg.name === "lockreview") return String(pkg.version);
    } catch {
      /* try the next location */
    }
  }
  return "0.0.0";
})();
