import { compileGlob, globMatches } from "./lib/src/review/paths.js";
function globToRegExp(glob) {
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
  return new RegExp(`^${re}${glob.endsWith("/") ? ".*" : "(?:/.*)?"}$`);
}
const alpha = ["a","b","/","*","**","?","**/","."];
const palpha = ["a","b","/","."];
let seed = 1; const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
let bad = 0;
for (let t = 0; t < 200000; t++) {
  let g = ""; for (let k = rnd(6); k >= 0; k--) g += alpha[rnd(alpha.length)];
  let p = ""; for (let k = rnd(8); k >= 0; k--) p += palpha[rnd(palpha.length)];
  const a = globToRegExp(g).test(p), b = globMatches(compileGlob(g), p);
  if (a !== b && bad++ < 10) console.log(JSON.stringify(g), JSON.stringify(p), a, b);
}
console.log("mismatches", bad);
const path = "a/".repeat(1600);
let t0 = performance.now(); globMatches(compileGlob("**/b/**/c/**/d.c"), path); console.log("ms", performance.now()-t0);
