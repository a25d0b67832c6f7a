// Secondary rate limits. Probot's default `throttle.onSecondaryRateLimit`
// only logs and gives up (probot/lib/octokit/get-octokit-throttle-options.js),
// so a burst of reviews would lose them. The app's installation client is
// the event's Octokit class with its own throttle handlers: secondary limits
// are retried after GitHub's retry-after (60 s when absent, as
// plugin-throttling does), with exponential backoff on repeated hits, up to
// a few times; primary limits are retried twice, as Probot does.
//
// `probot run` gives apps no way to pass an Octokit class, so the client is
// rebuilt per event from `context.octokit`'s constructor, whose defaults
// (app id, key, token cache, base URL, log) come from Probot; only the
// installation id and the throttle handlers are added here.
import type { Logger } from "probot";
import type { GitHubClient } from "./github.js";

export interface RateLimitPolicy {
  /** Retries of a request after secondary rate limits. */
  secondaryRetries: number;
  /** Retries after the primary rate limit. */
  primaryRetries: number;
  /** Milliseconds per "second" of retry-after (1000; smaller in tests). */
  secondUnitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RATE_LIMIT_POLICY: RateLimitPolicy = { secondaryRetries: 4, primaryRetries: 2, secondUnitMs: 1000 };

interface ThrottledRequest {
  method: string;
  url: string;
}

export function throttleHandlers(policy: RateLimitPolicy, log: Logger) {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.()));
  return {
    onSecondaryRateLimit: async (retryAfter: number, options: ThrottledRequest, _octokit: unknown, retryCount: number): Promise<boolean> => {
      if (retryCount >= policy.secondaryRetries) {
        log.warn(`secondary rate limit on ${options.method} ${options.url}: giving up after ${retryCount} retries`);
        return false;
      }
      // plugin-throttling waits `retryAfter` once this returns true; the extra
      // wait doubles on every repeated hit (GitHub: "wait exponentially longer").
      const extra = retryAfter * (2 ** retryCount - 1);
      log.warn(`secondary rate limit on ${options.method} ${options.url}: retry ${retryCount + 1} in ${retryAfter + extra} s`);
      if (extra > 0) await sleep(extra * policy.secondUnitMs);
      return true;
    },
    onRateLimit: (retryAfter: number, options: ThrottledRequest, _octokit: unknown, retryCount: number): boolean => {
      if (retryCount >= policy.primaryRetries) {
        log.warn(`rate limit on ${options.method} ${options.url}: giving up`);
        return false;
      }
      log.warn(`rate limit on ${options.method} ${options.url}: retry in ${retryAfter} s`);
      return true;
    },
    retryAfterBaseValue: policy.secondUnitMs,
  };
}

type OctokitCtor = new (options: Record<string, unknown>) => GitHubClient;

/**
 * The installation client of an event, with the app's throttle handlers.
 * Falls back to the event's own client when it cannot be rebuilt (a Probot
 * running with a plain token has no app credentials in its defaults).
 */
export function installationClient(eventOctokit: GitHubClient, installationId: number | undefined, policy: RateLimitPolicy, log: Logger): GitHubClient {
  if (!installationId) return eventOctokit;
  try {
    const Ctor = eventOctokit.constructor as OctokitCtor;
    return new Ctor({
      auth: { installationId },
      log: log.child({ name: "github" }),
      throttle: { id: String(installationId), ...throttleHandlers(policy, log) },
    });
  } catch (e) {
    log.warn(`could not set the rate-limit policy (${(e as Error).message}); using Probot's defaults`);
    return eventOctokit;
  }
}
