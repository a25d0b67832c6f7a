import { describe, expect, test } from "@jest/globals";
import { normalizeTitle, parseSubject } from "../../src/ingest/subject.js";

describe("parseSubject", () => {
  const cases: Array<[string, Partial<ReturnType<typeof parseSubject>["tags"]>, string, boolean?]> = [
    ["[PATCH v3 2/7] nbd: fix a deadlock", { isPatch: true, version: 3, number: 2, total: 7, prefixes: [] }, "nbd: fix a deadlock"],
    ["[RFC PATCH] md: try this", { isPatch: true, rfc: true, version: 1, prefixes: [] }, "md: try this"],
    ["[PATCH RFC v2 0/3] loop: cover", { rfc: true, version: 2, number: 0, total: 3 }, "loop: cover"],
    ["[PATCH net-next] net: x", { isPatch: true, prefixes: ["net-next"] }, "net: x"],
    ["[PATCH blktests] nvme: test", { prefixes: ["blktests"] }, "nvme: test"],
    ["[PATCH 5.10 1/2] md: backport", { prefixes: ["5.10"], number: 1, total: 2 }, "md: backport"],
    ["[RESEND PATCH] md: again", { resend: true, isPatch: true }, "md: again"],
    ["[PATCH V2] md: upper-case V", { version: 2 }, "md: upper-case V"],
    ["[PATCHv4 03/10] md: glued", { version: 4, number: 3, total: 10 }, "md: glued"],
    ["[PATCH] [v2] md: two groups", { version: 2, isPatch: true }, "md: two groups"],
    ["[dm-devel] [PATCH 1/2] dm: list tag", { prefixes: ["dm-devel"], number: 1 }, "dm: list tag"],
    ["[PATCH/RFC] md: slash", { rfc: true, isPatch: true }, "md: slash"],
    ["[PATCHSET 0/2] md: patchset", { isPatch: true, number: 0 }, "md: patchset"],
    ["[GIT PULL] md-fixes", { isPatch: false, prefixes: ["GIT", "PULL"] }, "md-fixes"],
  ];
  test.each(cases)("%s", (subject, tags, title) => {
    const p = parseSubject(subject);
    expect(p.tags).toMatchObject(tags);
    expect(p.title).toBe(title);
    expect(p.isReply).toBe(false);
  });

  test.each([
    ["Re: [PATCH v2 1/3] md: x", 2],
    ["RE: [PATCH] md: x", 1],
    ["Aw: Re: [PATCH] md: x", 1],
    ["Fwd: [PATCH v5 1/2] md: x", 5],
    ["re:[PATCH] md: x", 1],
    ["Sv: [PATCH] md: x", 1],
  ])("%s is a reply", (subject, version) => {
    const p = parseSubject(subject);
    expect(p.isReply).toBe(true);
    expect(p.tags.version).toBe(version);
    expect(p.title).toBe("md: x");
  });

  test("subsystem prefixes that look like reply markers are not replies", () => {
    expect(parseSubject("[PATCH] wg: fix a race").isReply).toBe(false);
    expect(parseSubject("[PATCH] re: something odd").isReply).toBe(false);
    expect(parseSubject("wg: fix a race").isReply).toBe(false);
  });

  test("raw keeps every bracket group", () => {
    expect(parseSubject("[RFC PATCH net-next v2 1/2] x").tags.raw).toEqual(["RFC PATCH net-next v2 1/2"]);
  });

  test("normalizeTitle ignores case, spacing and a trailing period", () => {
    expect(normalizeTitle("  MD:  Fix   it. ")).toBe(normalizeTitle("md: fix it"));
  });
});
