// What was already handled: delivery ids (GitHub redelivers with the same
// X-GitHub-Delivery id), heads being reviewed right now, and heads already
// reviewed. One process keeps them in memory; several replicas behind a
// load balancer share them through Redis (redisDedupe.ts, with REDIS_URL),
// so two replicas never post the same review twice. Across restarts the
// API state still decides (our check run and review marker for the head).

/** A set of keys with a time to live, claimed atomically. */
export interface ClaimStore {
  /** Claim `key` for `ttlMs`; false when it is already claimed (by this process or, for a shared store, any other). */
  claim(key: string, ttlMs: number): Promise<boolean>;
  has(key: string): Promise<boolean>;
  release(key: string): Promise<void>;
}

export interface DedupeState {
  deliveries: ClaimStore;
  /** `repo-id/pr/head-sha` keys of runs in progress. */
  running: ClaimStore;
  /** …and of runs that finished with a review. */
  reviewed: ClaimStore;
  /** Close connections (a shared store); the memory store has none. */
  close?(): Promise<void>;
}

/** How long each kind of key is kept. */
export const TTL = {
  /** GitHub lets a delivery be redelivered for three days. */
  deliveryMs: 3 * 24 * 3600_000,
  /** Heads reviewed: the API state decides after that. */
  reviewedMs: 24 * 3600_000,
} as const;

/** A set that forgets its oldest entries beyond `max`, and each entry after its time to live. */
export class RecentSet implements ClaimStore {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly max = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  private live(key: string): boolean {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t > this.now()) return true;
    this.until.delete(key);
    return false;
  }

  // Check and set in one synchronous step: concurrent events of this
  // process cannot both win a claim.
  async claim(key: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.until.delete(key);
    this.until.set(key, this.now() + ttlMs);
    if (this.until.size > this.max) this.until.delete(this.until.keys().next().value!);
    return true;
  }

  async has(key: string): Promise<boolean> {
    return this.live(key);
  }

  async release(key: string): Promise<void> {
    this.until.delete(key);
  }
}

export function dedupeState(): DedupeState {
  return { deliveries: new RecentSet(), running: new RecentSet(10000), reviewed: new RecentSet() };
}
