// A Map that keeps only its most recently set entries. Ingest remembers
// things about earlier messages — Message-IDs and patch contents already
// seen (duplicates), series heads (threads), interned key strings — and
// without a bound that state grows with the archive: ~0.2 KB of live heap a
// message, +90 MB of RSS at 100,000 messages (docs/benchmarks.md). Duplicates
// and replies come close to what they repeat or answer (a cross-post within
// minutes, a thread within weeks), so a window of the last RECENT_ENTRIES
// keeps the answers and bounds the memory.
export const RECENT_ENTRIES = 32768;

export class RecentMap<K, V> extends Map<K, V> {
  constructor(private readonly capacity = RECENT_ENTRIES) {
    super();
  }

  override set(key: K, value: V): this {
    // Set again: it is recent again.
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    if (this.size > this.capacity) this.delete(this.keys().next().value as K);
    return this;
  }
}
