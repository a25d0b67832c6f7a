import { describe, expect, test } from "@jest/globals";
import { Progress } from "../../src/cli/progress.js";
import { fx } from "../ingest/helpers.js";
import { Capture, cli, fakeReviewer } from "./helpers.js";

describe("progress line", () => {
  test("throttled, one line rewritten in place, cleared at the end", () => {
    let now = 0;
    const err = new Capture(true);
    const p = new Progress(err, true, () => now, 200, 500);
    p.update({ messages: 10, patches: 1, errors: 0 });
    expect(err.text).toBe(""); // not before 500 ms: short inputs never flash it
    now = 600;
    p.update({ messages: 1200, patches: 300, errors: 0 });
    expect(err.text).toBe("\r\x1b[Klockreview: 1200 messages read, 300 patches, 2000 msg/s");
    now = 700;
    p.update({ messages: 1300, patches: 310, errors: 0 });
    expect(err.text.split("\r\x1b[K")).toHaveLength(2); // throttled
    now = 900;
    p.update({ messages: 1800, patches: 400, errors: 2 });
    expect(err.text.endsWith("\r\x1b[Klockreview: 1800 messages read, 400 patches, 2000 msg/s, 2 errors")).toBe(true);
    p.clear();
    expect(err.text.endsWith("\r\x1b[K")).toBe(true);
  });

  test("the CLI shows it on a terminal, and never with --no-progress or a non-terminal", async () => {
    let now = 0;
    const clock = () => (now += 100); // every call moves 100 ms: a "slow" run
    const tty = await cli(["review", fx("series.mboxrd")], { ttyErr: true, now: clock, createReviewer: fakeReviewer().create });
    expect(tty.err).toContain("\r\x1b[Klockreview: ");
    expect(tty.err.endsWith("\r\x1b[K")).toBe(true);
    now = 0;
    const off = await cli(["review", "--no-progress", fx("series.mboxrd")], { ttyErr: true, now: clock, createReviewer: fakeReviewer().create });
    expect(off.err).toBe("");
    now = 0;
    const pipe = await cli(["review", fx("series.mboxrd")], { ttyErr: false, now: clock, createReviewer: fakeReviewer().create });
    expect(pipe.err).toBe("");
  });
});
