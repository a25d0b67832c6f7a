// A local stand-in for the GitHub REST and GraphQL endpoints the lockreview
// app uses, on 127.0.0.1 (node:http, no network), for the end-to-end test
// and the app benchmark. Written for lockreview; it models only what the app
// needs: installation tokens, config files, pull requests with their files,
// directory listings and blobs, reviews and review comments (with GitHub's
// rule that an inline comment's line must be in the diff: 422 otherwise),
// check runs, and review threads (resolve, minimise).
//
// Probot talks to it with GHE_HOST=127.0.0.1:<port> GHE_PROTOCOL=http, i.e.
// REST under /api/v3 and GraphQL at /api/graphql.
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { structuredPatch } from "diff";

/** git's blob id of a text. */
export function blobSha(text) {
  const buf = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${buf.length}\0`).update(buf).digest("hex");
}

/** A fake commit id from a label (stable across runs). */
export function commitSha(label) {
  return createHash("sha1").update(`commit ${label}`).digest("hex");
}

function range(start, lines) {
  const s = lines === 0 ? start - 1 : start;
  return lines === 1 ? `${s}` : `${s},${lines}`;
}

/** GitHub's `patch` field for a file: git-style hunks with 3 lines of context, no file header. */
export function hunkText(before, after) {
  const p = structuredPatch("a", "b", before ?? "", after ?? "", "", "", { context: 3 });
  const out = [];
  for (const h of p.hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
    out.push(...h.lines);
  }
  return out.join("\n");
}

/** `pulls.listFiles` entries for a change from `base` to `head` (objects path → text). */
export function prFiles(base, head) {
  const paths = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
  const files = [];
  for (const path of paths) {
    const a = base[path];
    const b = head[path];
    if (a === b) continue;
    const patch = hunkText(a ?? "", b ?? "");
    let additions = 0;
    let deletions = 0;
    for (const l of patch.split("\n")) {
      if (l.startsWith("+")) additions++;
      else if (l.startsWith("-")) deletions++;
    }
    files.push({
      sha: b === undefined ? blobSha(a) : blobSha(b),
      filename: path,
      status: a === undefined ? "added" : b === undefined ? "removed" : "modified",
      additions,
      deletions,
      changes: additions + deletions,
      patch,
    });
  }
  return files;
}

/** Lines a RIGHT-side comment may use, per GitHub: added and context lines of the hunks. */
export function rightLinesOf(patch) {
  const lines = new Set();
  let n = 0;
  for (const l of (patch ?? "").split("\n")) {
    const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(l);
    if (m) {
      n = Number(m[1]);
      continue;
    }
    if (l.startsWith("+") || l.startsWith(" ")) lines.add(n++);
    else if (l.startsWith("\\")) continue;
  }
  return lines;
}

function send(res, status, body, headers = {}) {
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(text);
}

/**
 * Start the stub. Returns { url, port, state, requests, close(), … }.
 * `options.token` is the installation token handed out; `options.delayMs`
 * delays every answer (simulating GitHub's latency).
 */
export async function startGitHubStub(options = {}) {
  const token = options.token ?? "ghs_stub_installation_token";
  const bot = { login: "lockreview[bot]", type: "Bot", id: 1 };
  const state = {
    /** "owner/repo" → { prs: Map<number, pr>, trees: Map<sha, {path: text}>, blobs: Map<sha, text>, config: { [path]: text }, checkRuns: [], reviews: [], comments: [], threads: Map } */
    repos: new Map(),
    nextId: 1000,
  };
  const requests = [];
  let busyMs = 0;
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));

  const repoOf = (full) => {
    let r = state.repos.get(full);
    if (!r) {
      r = { prs: new Map(), trees: new Map(), blobs: new Map(), config: {}, checkRuns: [], reviews: [], comments: [], threads: new Map() };
      state.repos.set(full, r);
    }
    return r;
  };

  /** Register a commit's tree (object path → text); returns its sha. */
  function addCommit(full, label, tree) {
    const r = repoOf(full);
    const sha = commitSha(`${full}:${label}`);
    r.trees.set(sha, tree);
    for (const text of Object.values(tree)) r.blobs.set(blobSha(text), text);
    return sha;
  }

  /** Create or update PR `number` from `base` to `head` trees; returns { baseSha, headSha }. */
  function setPullRequest(full, number, { base, head, label, title = "xdev: a change", files }) {
    const r = repoOf(full);
    const baseSha = addCommit(full, `base-${number}`, base);
    const headSha = addCommit(full, label ?? `head-${number}-${Date.now()}-${Math.random()}`, head);
    r.prs.set(number, { number, title, baseSha, headSha, files: files ?? prFiles(base, head) });
    return { baseSha, headSha };
  }

  function listDir(r, sha, dir) {
    const tree = r.trees.get(sha);
    if (!tree) return null;
    const prefix = dir ? `${dir.replace(/\/$/, "")}/` : "";
    const names = new Map();
    for (const [p, text] of Object.entries(tree)) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const name = rest.split("/")[0];
      if (rest.includes("/")) names.set(name, { name, path: prefix + name, sha: "0".repeat(40), size: 0, type: "dir" });
      else names.set(name, { name, path: p, sha: blobSha(text), size: Buffer.byteLength(text), type: "file" });
    }
    return names.size ? [...names.values()].sort((a, b) => a.name.localeCompare(b.name)) : null;
  }

  function paginate(req, res, url, items) {
    const per = Number(url.searchParams.get("per_page") ?? 30);
    const page = Number(url.searchParams.get("page") ?? 1);
    const slice = items.slice((page - 1) * per, page * per);
    const headers = {};
    if (page * per < items.length) {
      const next = new URL(url);
      next.searchParams.set("page", String(page + 1));
      headers.link = `<http://${req.headers.host}${next.pathname}${next.search}>; rel="next"`;
    }
    send(res, 200, slice, headers);
  }

  function threadFor(r, comment) {
    const root = comment.in_reply_to_id ?? comment.id;
    let t = r.threads.get(root);
    if (!t) {
      t = { id: `PRRT_${root}`, root, isResolved: false, minimized: false };
      r.threads.set(root, t);
    }
    return t;
  }

  async function route(req, res, body) {
    const url = new URL(req.url, `http://${req.headers.host}`);
    const p = url.pathname;
    let m;
    if (req.method === "POST" && (m = /^\/api\/v3\/app\/installations\/(\d+)\/access_tokens$/.exec(p))) {
      return send(res, 201, { token, expires_at: new Date(Date.now() + 3600e3).toISOString(), permissions: { metadata: "read", contents: "read", pull_requests: "write", checks: "write" }, repository_selection: "all" });
    }
    if (req.method === "POST" && p === "/api/graphql") return graphql(req, res, body);
    if (!(m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(p))) return send(res, 404, { message: "Not Found" });
    const full = `${m[1]}/${m[2]}`;
    const rest = m[3] ?? "";
    const r = state.repos.get(full);
    if (!r) return send(res, 404, { message: "Not Found" });
    if (req.method === "GET" && (m = /^\/contents\/(.*)$/.exec(rest))) {
      const path = decodeURIComponent(m[1]);
      const ref = url.searchParams.get("ref");
      if (!ref) {
        const text = r.config[path];
        if (text === undefined) return send(res, 404, { message: "Not Found" });
        return send(res, 200, { type: "file", encoding: "base64", content: Buffer.from(text).toString("base64"), path, name: path.split("/").pop(), sha: blobSha(text), size: text.length });
      }
      const list = listDir(r, ref, path);
      if (!list) return send(res, 404, { message: "Not Found" });
      return send(res, 200, list);
    }
    if (req.method === "GET" && (m = /^\/git\/blobs\/([0-9a-f]{40})$/.exec(rest))) {
      const text = r.blobs.get(m[1]);
      if (text === undefined) return send(res, 404, { message: "Not Found" });
      return send(res, 200, { sha: m[1], size: Buffer.byteLength(text), encoding: "base64", content: Buffer.from(text).toString("base64") });
    }
    if ((m = /^\/pulls\/(\d+)(\/.*)?$/.exec(rest))) {
      const pr = r.prs.get(Number(m[1]));
      if (!pr) return send(res, 404, { message: "Not Found" });
      const sub = m[2] ?? "";
      if (req.method === "GET" && sub === "") return send(res, 200, { number: pr.number, title: pr.title, head: { sha: pr.headSha }, base: { sha: pr.baseSha }, state: "open" });
      if (req.method === "GET" && sub === "/files") return paginate(req, res, url, pr.files);
      if (req.method === "GET" && sub === "/reviews") return paginate(req, res, url, r.reviews.filter((x) => x.pull === pr.number).map(({ pull, ...x }) => x));
      if (req.method === "GET" && sub === "/comments") return paginate(req, res, url, r.comments.filter((x) => x.pull === pr.number).map(({ pull, ...x }) => x));
      if (req.method === "POST" && sub === "/reviews") {
        const review = JSON.parse(body);
        const errors = [];
        for (const c of review.comments ?? []) {
          const f = pr.files.find((x) => x.filename === c.path);
          if (!f || c.side !== "RIGHT" || !rightLinesOf(f.patch).has(c.line)) errors.push(`Pull request review thread line must be part of the diff (${c.path}:${c.line})`);
        }
        if (errors.length) return send(res, 422, { message: "Unprocessable Entity", errors });
        const id = state.nextId++;
        const state_ = review.event === "REQUEST_CHANGES" ? "CHANGES_REQUESTED" : review.event === "APPROVE" ? "APPROVED" : review.event ? "COMMENTED" : "PENDING";
        r.reviews.push({ pull: pr.number, id, body: review.body ?? "", commit_id: review.commit_id ?? pr.headSha, state: state_, user: bot });
        for (const c of review.comments ?? []) {
          const cid = state.nextId++;
          const comment = { pull: pr.number, id: cid, node_id: `PRRC_${cid}`, pull_request_review_id: id, body: c.body, path: c.path, line: c.line, side: c.side, commit_id: review.commit_id, user: bot };
          r.comments.push(comment);
          threadFor(r, comment);
        }
        return send(res, 200, { id, state: state_, commit_id: review.commit_id });
      }
      if (req.method === "POST" && sub === "/comments") {
        const c = JSON.parse(body);
        const f = pr.files.find((x) => x.filename === c.path);
        if (!f) return send(res, 422, { message: "Unprocessable Entity", errors: ["path must be part of the diff"] });
        if (c.in_reply_to === undefined && c.subject_type !== "file" && !rightLinesOf(f.patch).has(c.line)) return send(res, 422, { message: "Unprocessable Entity", errors: ["line must be part of the diff"] });
        const cid = state.nextId++;
        const comment = { pull: pr.number, id: cid, node_id: `PRRC_${cid}`, body: c.body, path: c.path, subject_type: c.subject_type ?? "line", commit_id: c.commit_id, user: c.user ?? bot, ...(c.in_reply_to ? { in_reply_to_id: c.in_reply_to } : {}) };
        r.comments.push(comment);
        threadFor(r, comment);
        return send(res, 201, { id: cid });
      }
      if (req.method === "PUT" && (m = /^\/reviews\/(\d+)\/dismissals$/.exec(sub))) {
        const rv = r.reviews.find((x) => x.id === Number(m[1]));
        if (!rv) return send(res, 404, { message: "Not Found" });
        rv.state = "DISMISSED";
        return send(res, 200, { id: rv.id, state: rv.state });
      }
    }
    if (req.method === "GET" && (m = /^\/commits\/([0-9a-f]{40})\/check-runs$/.exec(rest))) {
      const name = url.searchParams.get("check_name");
      const runs = r.checkRuns.filter((c) => c.head_sha === m[1] && (!name || c.name === name)).reverse();
      return send(res, 200, { total_count: runs.length, check_runs: runs.map(({ annotations, outputs, ...c }) => c) });
    }
    if (req.method === "POST" && rest === "/check-runs") {
      const c = JSON.parse(body);
      const run = { id: state.nextId++, name: c.name, head_sha: c.head_sha, status: c.status ?? "queued", conclusion: c.conclusion ?? null, external_id: c.external_id ?? null, started_at: c.started_at ?? new Date().toISOString(), output: c.output ?? null, annotations: [...(c.output?.annotations ?? [])], outputs: c.output ? [c.output] : [] };
      r.checkRuns.push(run);
      return send(res, 201, { id: run.id });
    }
    if (req.method === "PATCH" && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      const run = r.checkRuns.find((c) => c.id === Number(m[1]));
      if (!run) return send(res, 404, { message: "Not Found" });
      const u = JSON.parse(body);
      if ((u.output?.annotations?.length ?? 0) > 50) return send(res, 422, { message: "Only 50 annotations are allowed per request" });
      for (const k of ["status", "conclusion", "external_id", "completed_at"]) if (u[k] !== undefined) run[k] = u[k];
      if (u.output) {
        run.output = u.output;
        run.outputs.push(u.output);
        run.annotations.push(...(u.output.annotations ?? []));
      }
      return send(res, 200, { id: run.id });
    }
    return send(res, 404, { message: `stub: no route for ${req.method} ${p}` });
  }

  function graphql(req, res, body) {
    const { query, variables = {} } = JSON.parse(body);
    if (/reviewThreads/.test(query)) {
      const r = state.repos.get(`${variables.owner}/${variables.name}`);
      const nodes = [];
      if (r) {
        for (const t of r.threads.values()) {
          const root = r.comments.find((c) => c.id === t.root);
          if (!root || root.pull !== variables.number) continue;
          nodes.push({ id: t.id, isResolved: t.isResolved, comments: { nodes: [{ databaseId: t.root, isMinimized: t.minimized }] } });
        }
      }
      return send(res, 200, { data: { repository: { pullRequest: { reviewThreads: { pageInfo: { hasNextPage: false, endCursor: null }, nodes } } } } });
    }
    if (/resolveReviewThread/.test(query)) {
      for (const r of state.repos.values()) {
        for (const t of r.threads.values()) {
          if (t.id === variables.threadId) {
            t.isResolved = true;
            return send(res, 200, { data: { resolveReviewThread: { thread: { id: t.id, isResolved: true } } } });
          }
        }
      }
      return send(res, 200, { data: null, errors: [{ type: "NOT_FOUND", message: `Could not resolve to a node with the global id of '${variables.threadId}'` }] });
    }
    if (/minimizeComment/.test(query)) {
      for (const r of state.repos.values()) {
        const c = r.comments.find((x) => x.node_id === variables.subjectId);
        if (c) {
          threadFor(r, c).minimized = true;
          return send(res, 200, { data: { minimizeComment: { minimizedComment: { isMinimized: true } } } });
        }
      }
      return send(res, 200, { data: null, errors: [{ type: "NOT_FOUND", message: "not found" }] });
    }
    return send(res, 200, { data: null, errors: [{ message: "stub: unknown query" }] });
  }

  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const auth = req.headers.authorization ?? "";
      const t0 = performance.now();
      const entry = { method: req.method, path: req.url, at: Date.now(), auth: auth.split(" ")[0] ?? "" };
      requests.push(entry);
      if (options.delayMs) await wait(options.delayMs);
      try {
        if (options.intercept && (await options.intercept(req, res, body))) return;
        await route(req, res, body);
      } catch (e) {
        send(res, 500, { message: `stub error: ${e.message}` });
      } finally {
        busyMs += performance.now() - t0 - (options.delayMs ?? 0);
      }
    });
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = server.address().port;
  return {
    port,
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    token,
    state,
    requests,
    /** Milliseconds the stub spent handling requests (excluding the simulated delay). */
    busyMs: () => busyMs,
    repo: repoOf,
    addCommit,
    setPullRequest,
    /** A human's reply in a thread. */
    reply(full, number, rootId, body, user = { login: "maintainer", type: "User", id: 2 }) {
      const r = repoOf(full);
      const cid = state.nextId++;
      const root = r.comments.find((c) => c.id === rootId);
      r.comments.push({ pull: number, id: cid, node_id: `PRRC_${cid}`, body, path: root?.path ?? "", in_reply_to_id: rootId, user });
      return cid;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
