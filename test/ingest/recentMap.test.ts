// Ingest's memory of earlier messages is a window of the most recent ones.
import { expect, test } from "@jest/globals";
import { RecentMap } from "../../src/ingest/recentMap.js";

test("keeps the most recently set entries, forgetting the oldest first; setting again makes an entry recent", () => {
  const m = new RecentMap<string, number>(3);
  m.set("a", 1).set("b", 2).set("c", 3);
  m.set("a", 10); // recent again
  m.set("d", 4); // forgets b, the oldest
  expect([...m.entries()]).toEqual([["c", 3], ["a", 10], ["d", 4]]);
  for (let i = 0; i < 100; i++) m.set(`k${i}`, i);
  expect(m.size).toBe(3);
  expect(m.get("k99")).toBe(99);
  expect(m.has("a")).toBe(false);
});
