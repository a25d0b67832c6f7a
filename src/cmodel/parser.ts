// tree-sitter-c through web-tree-sitter: the wasm shipped by the
// tree-sitter-c package, so no native build is needed (STACK.md P7).
import { createRequire } from "node:module";
import { Language, Parser, type Tree } from "web-tree-sitter";

let ready: Promise<Parser> | undefined;

/** The shared C parser (initialised once, ~20 ms). */
export function cParser(): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init();
    const require = createRequire(import.meta.url);
    const lang = await Language.load(require.resolve("tree-sitter-c/tree-sitter-c.wasm"));
    const p = new Parser();
    p.setLanguage(lang);
    return p;
  })();
  return ready;
}

/** Parse C text; the caller must `tree.delete()` when done (wasm memory). */
export async function parseC(text: string): Promise<Tree> {
  const p = await cParser();
  const tree = p.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree;
}
