// The Probot app: wires pull_request events to the handler, nothing else.
// Run with `probot run ./lib/src/app/index.js` (`npm run app`).
import type { ApplicationFunction, Context, Probot } from "probot";
import { CONFIG_FILE } from "./config.js";
import { createPullRequestHandler, PR_ACTIONS, type HandlerOptions, type PullRequestPayload } from "./handler.js";
import { DEFAULT_RATE_LIMIT_POLICY, installationClient, type RateLimitPolicy } from "./octokit.js";

export const PR_EVENTS = PR_ACTIONS.map((a) => `pull_request.${a}` as const);

export interface AppOptions extends HandlerOptions {
  rateLimit?: RateLimitPolicy;
}

export function createApp(options: AppOptions = {}): ApplicationFunction {
  return (app: Probot) => {
    const handler = createPullRequestHandler(options);
    const policy = options.rateLimit ?? DEFAULT_RATE_LIMIT_POLICY;
    app.on(PR_EVENTS, async (context: Context<"pull_request">) => {
      const payload = context.payload as unknown as PullRequestPayload;
      await handler.handle({
        id: context.id,
        payload,
        octokit: installationClient(context.octokit, payload.installation?.id, policy, context.log),
        log: context.log,
        loadConfig: () => context.config(CONFIG_FILE),
      });
    });
  };
}

export default createApp();
