// The Reviewer's differential: which images it analyses, and what `fixed:
// false` (the pre-send hook, --terse) leaves out. The driver is written for
// this test: zdev_remove() holds ctl_mutex across del_gendisk() while
// zdev_open() takes ctl_mutex under disk->open_mutex.
import { describe, expect, test } from "@jest/globals";
import { MapProvider } from "../../src/context/providers.js";
import { createReviewer, type ReviewOptions } from "../../src/review/pipeline.js";
import type { Rule } from "../../src/review/rule.js";
import { RULES_BY_ID } from "../../rules/index.js";
import { makePatch, patchFromDiff } from "../helpers/ruleTester.js";

const PATH = "drivers/block/zdev.c";
const zdev = (remove: string) => `// SPDX-License-Identifier: GPL-2.0
static DEFINE_MUTEX(ctl_mutex);

static int zdev_open(struct block_device *bdev, fmode_t mode)
{
	mutex_lock(&ctl_mutex);
	mutex_unlock(&ctl_mutex);
	return 0;
}

static const struct block_device_operations zdev_fops = {
	.open = zdev_open,
};

static void zdev_remove(struct zdev *z)
{
${remove}}
`;
const LOCKED = "\tmutex_lock(&ctl_mutex);\n\tdel_gendisk(z->disk);\n\tmutex_unlock(&ctl_mutex);\n";
const UNLOCKED = "\tdel_gendisk(z->disk);\n";

/** The real rule, recording which image each call analysed. */
function recording(): { rule: Rule; images: string[] } {
  const real = RULES_BY_ID.get("lock-across-del-gendisk")!;
  const images: string[] = [];
  return {
    images,
    rule: { meta: real.meta, check: (ctx) => (images.push(ctx.image), real.check(ctx)) },
  };
}

async function review(before: string, after: string, opts: Partial<ReviewOptions> = {}) {
  const r = recording();
  const provider = new MapProvider(new Map([[PATH, before]]), "test tree");
  const reviewer = await createReviewer({ rules: [r.rule], provider, ...opts });
  const { report } = await reviewer.review(patchFromDiff(makePatch(PATH, before, after)));
  return { images: r.images, found: report.findings.map((f) => `${f.status} ${f.function}`) };
}

describe("the Reviewer's images", () => {
  test("by default both images are analysed and a fix is reported as fixed", async () => {
    expect(await review(zdev(LOCKED), zdev(UNLOCKED))).toEqual({ images: ["post", "pre"], found: ["fixed zdev_remove"] });
  });

  test("fixed: false — a post-image with no finding ends the review: the pre-image is not analysed", async () => {
    expect(await review(zdev(LOCKED), zdev(UNLOCKED), { fixed: false })).toEqual({ images: ["post"], found: [] });
  });

  test("fixed: false — a finding in the post-image still needs the pre-image to tell introduced from existing", async () => {
    expect(await review(zdev(UNLOCKED), zdev(LOCKED), { fixed: false })).toEqual({ images: ["post", "pre"], found: ["introduced zdev_remove"] });
    const existing = await review(zdev(LOCKED), zdev(LOCKED).replace("return 0;", "return 0; /* touched */"), { fixed: false });
    expect(existing).toEqual({ images: ["post", "pre"], found: [] });
  });
});
