// The Probot app: wires pull_request events and "Re-run" of the check run
// to the handler, nothing else. Run with `probot run ./lib/src/app/index.js`
// (`npm run app`; `bin/lockreview-app.js` checks the environment first).
import type { ApplicationFunction, Context, Probot } from "probot";
import { CHECK_NAME } from "./checks.js";
import { CONFIG_FILE } from "./config.js";
import { createPullRequestHandler, PR_ACTIONS, type HandlerOptions, type PullRequestEvent, type PullRequestPayload } from "./handler.js";
import { DEFAULT_RATE_LIMIT_POLICY, installationClient, type RateLimitPolicy } from "./octokit.js";
import { redisDedupe } from "./redisDedupe.js";
import { rerunPayload, type CheckRunPayload } from "./rerun.js";

export const PR_EVENTS = PR_ACTIONS.map((a) => `pull_request.${a}` as const);

export interface AppOptions extends HandlerOptions {
  rateLimit?: RateLimitPolicy;
  /** Environment (REDIS_URL); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export function createApp(options: AppOptions = {}): ApplicationFunction {
  return (app: Probot) => {
    const env = options.env ?? process.env;
    // Several replicas share what they handled through Redis (Probot's REDIS_URL).
    const dedupe = options.dedupe ?? (env["REDIS_URL"] ? redisDedupe(env["REDIS_URL"]) : undefined);
    const handler = createPullRequestHandler({ ...options, ...(dedupe ? { dedupe } : {}) });
    const policy = options.rateLimit ?? DEFAULT_RATE_LIMIT_POLICY;
    const event = (context: Context, payload: PullRequestPayload, extra: Partial<PullRequestEvent> = {}): PullRequestEvent => ({
      id: context.id,
      payload,
      octokit: installationClient(context.octokit, payload.installation?.id, policy, context.log),
      log: context.log,
      loadConfig: () => context.config(CONFIG_FILE),
      ...extra,
    });
    app.on(PR_EVENTS, async (context: Context<"pull_request">) => {
      await handler.handle(event(context, context.payload as unknown as PullRequestPayload));
    });
    app.on("check_run.rerequested", async (context: Context<"check_run.rerequested">) => {
      const p = context.payload as unknown as CheckRunPayload;
      if (p.check_run.name !== CHECK_NAME) return;
      const log = context.log.child({ sha: p.check_run.head_sha.slice(0, 12) });
      try {
        const octokit = installationClient(context.octokit, p.installation?.id, policy, context.log);
        const payload = await rerunPayload(octokit, p);
        if (!payload) {
          log.info("lockreview: re-run: no open pull request has this head; nothing to review");
          return;
        }
        await handler.handle(event(context, payload, { octokit, rerun: true }));
      } catch (e) {
        // Nothing may escape into the webhook response (a failed delivery invites a redelivery loop).
        log.error(`lockreview: re-run failed: ${(e as Error)?.message ?? e}`);
      }
    });
  };
}

export default createApp();
