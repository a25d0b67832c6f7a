// The dedupe state shared by every replica of the app through Redis
// (REDIS_URL, Probot's own convention: Probot then also shares its
// rate-limit throttling through the same server). A claim is one
// `SET key 1 NX PX ttl`: atomic in Redis, so of two replicas receiving
// deliveries for the same head at the same moment exactly one runs.
import { Redis, type Redis as RedisClient } from "ioredis";
import type { ClaimStore, DedupeState } from "./dedupe.js";

/** Keys are namespaced so one Redis can serve other apps (and Probot's Bottleneck keys). */
const PREFIX = "lockreview:v1:";

class RedisClaims implements ClaimStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly ns: string,
  ) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${PREFIX}${this.ns}:${key}`, "1", "PX", Math.max(1, Math.round(ttlMs)), "NX")) === "OK";
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.exists(`${PREFIX}${this.ns}:${key}`)) === 1;
  }

  async release(key: string): Promise<void> {
    await this.redis.del(`${PREFIX}${this.ns}:${key}`);
  }
}

/** Dedupe through the Redis at `url` (`redis://host:port`, `rediss://…`, or a bare host as Probot accepts it). */
export function redisDedupe(url: string): DedupeState {
  // Fail a command rather than queue it forever while Redis is away: the
  // handler then reviews anyway (the API state still guards duplicates).
  const redis = new Redis(/^rediss?:\/\//.test(url) ? url : `redis://${url}`, { maxRetriesPerRequest: 2, lazyConnect: false });
  redis.on("error", () => {}); // reported by the failing command, not as an unhandled event
  return {
    deliveries: new RedisClaims(redis, "delivery"),
    running: new RedisClaims(redis, "running"),
    reviewed: new RedisClaims(redis, "reviewed"),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
