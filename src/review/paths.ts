// Path include/exclude globs of the configuration (`drivers/block/**`).

/** Glob → RegExp: `**` any depth, `*` within a segment, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      re += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  // A bare directory matches everything below it.
  return new RegExp(`^${re}${glob.endsWith("/") ? ".*" : "(?:/.*)?"}$`);
}

export function pathMatcher(include: string[], exclude: string[]): (path: string) => boolean {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  return (path) => (!inc.length || inc.some((r) => r.test(path))) && !exc.some((r) => r.test(path));
}
