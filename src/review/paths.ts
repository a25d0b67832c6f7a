// Path include/exclude globs of the configuration (`drivers/block/**`).
//
// Matched by a small automaton over the glob's tokens instead of a RegExp:
// `**` compiled to `.*` made V8 backtrack through every way of splitting a
// path between the stars (three `**` against a 3,200-character path: 7 s).
// The set of live glob positions is at most the glob's length, so a match is
// O(glob × path).

type Token =
  | { t: "lit"; c: string }
  /** `?`: one character other than "/". */
  | { t: "one" }
  /** `*`: any run of characters other than "/". */
  | { t: "star" }
  /** `**`: any run of characters. */
  | { t: "any" }
  /** `**​/`: nothing, or any run of characters that ends with "/". */
  | { t: "dirs" };

export interface Glob {
  tokens: Token[];
  /** A glob ending in "/" matches everything below; otherwise the path or what is below it. */
  below: "anything" | "subpath";
}

export function compileGlob(glob: string): Glob {
  const tokens: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      if (glob[i + 2] === "/") {
        tokens.push({ t: "dirs" });
        i += 2;
      } else {
        tokens.push({ t: "any" });
        i += 1;
      }
      // `***` and `**/**/` repeat what the first star already allows.
      while (glob[i + 1] === "*") i++;
    } else if (c === "*") tokens.push({ t: "star" });
    else if (c === "?") tokens.push({ t: "one" });
    else tokens.push({ t: "lit", c });
  }
  return { tokens, below: glob.endsWith("/") ? "anything" : "subpath" };
}

/** Positions reachable from `from` without reading a character (stars may match nothing). */
function close(tokens: Token[], live: Uint8Array): void {
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (live[k] && (t.t === "star" || t.t === "any" || t.t === "dirs")) live[k + 1] = 1;
  }
}

export function globMatches(g: Glob, path: string): boolean {
  const { tokens } = g;
  const n = tokens.length;
  let live = new Uint8Array(n + 1);
  live[0] = 1;
  close(tokens, live);
  for (let i = 0; i < path.length; i++) {
    // The glob matched the path up to here: a directory glob ("dir/") takes
    // anything below, any other glob what is below a "/".
    if (live[n] && (g.below === "anything" || path[i] === "/")) return true;
    const ch = path[i]!;
    const next = new Uint8Array(n + 1);
    let any = false;
    for (let k = 0; k < n; k++) {
      if (!live[k]) continue;
      const t = tokens[k]!;
      switch (t.t) {
        case "lit":
          if (t.c === ch) next[k + 1] = 1;
          break;
        case "one":
          if (ch !== "/") next[k + 1] = 1;
          break;
        case "star":
          if (ch !== "/") next[k] = 1;
          break;
        case "any":
          next[k] = 1;
          break;
        case "dirs":
          // Inside the run; a "/" may also end it.
          next[k] = 1;
          if (ch === "/") next[k + 1] = 1;
          break;
      }
    }
    for (let k = 0; k <= n; k++) if (next[k]) any = true;
    if (!any) return false;
    live = next;
    close(tokens, live);
  }
  return !!live[n];
}

export function pathMatcher(include: string[], exclude: string[]): (path: string) => boolean {
  const inc = include.map(compileGlob);
  const exc = exclude.map(compileGlob);
  return (path) => (!inc.length || inc.some((g) => globMatches(g, path))) && !exc.some((g) => globMatches(g, path));
}
