// tree-sitter-c through web-tree-sitter: the wasm shipped by the
// tree-sitter-c package, so no native build is needed (STACK.md P7).
import { createRequire } from "node:module";
import { Language, Parser, type Tree } from "web-tree-sitter";
import { applyWasmTier } from "./wasmTier.js";

let ready: Promise<Parser> | undefined;

/** The shared C parser (initialised once, ~20 ms). */
export function cParser(): Promise<Parser> {
  ready ??= (async () => {
    applyWasmTier();
    const require = createRequire(import.meta.url);
    // web-tree-sitter finds its own wasm next to its module by default; in
    // the bundled CLI (lib/bundle/) that module is the bundle, so say where
    // the package's file is.
    await Parser.init({ locateFile: (name: string) => require.resolve(`web-tree-sitter/${name}`) });
    const lang = await Language.load(require.resolve("tree-sitter-c/tree-sitter-c.wasm"));
    const p = new Parser();
    p.setLanguage(lang);
    return p;
  })();
  return ready;
}

/**
 * Parse C text; the caller must `tree.delete()` when done (wasm memory).
 * `oldTree`: an earlier tree of this text before an edit, already edited to
 * match (tree-sitter then re-parses only what the edit touched).
 */
export async function parseC(text: string, oldTree?: Tree): Promise<Tree> {
  const p = await cParser();
  const tree = p.parse(text, oldTree ?? null);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree;
}
