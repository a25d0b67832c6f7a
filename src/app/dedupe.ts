// In-process memory of what was already handled: delivery ids (GitHub
// redelivers with the same X-GitHub-Delivery id) and head SHAs being or
// already reviewed. Across processes and restarts the API state decides
// (our check run and review for the head SHA); this only saves requests
// and closes the window while a run for the same head is still going.

/** A set that forgets its oldest entries beyond `max`. */
export class RecentSet {
  private readonly set = new Set<string>();

  constructor(private readonly max = 2000) {}

  has(key: string): boolean {
    return this.set.has(key);
  }

  /** Add; returns false when it was already there. */
  add(key: string): boolean {
    if (this.set.has(key)) return false;
    this.set.add(key);
    if (this.set.size > this.max) this.set.delete(this.set.values().next().value!);
    return true;
  }

  delete(key: string): void {
    this.set.delete(key);
  }
}

export interface DedupeState {
  deliveries: RecentSet;
  /** `repo-id/pr/head-sha` keys of runs in progress. */
  running: RecentSet;
  /** …and of runs that finished with a review. */
  reviewed: RecentSet;
}

export function dedupeState(): DedupeState {
  return { deliveries: new RecentSet(), running: new RecentSet(10000), reviewed: new RecentSet() };
}
