// Hunks mode reads types the way a reviewer reading a diff does: a variable
// whose declaration is above the hunk's context takes the type the same name
// has in the driver's other visible functions, and a field only one struct
// of the driver has names that struct. Modelled on virtio_blk (vblk,
// vdev_mutex), written for this test.
import { describe, expect, test } from "@jest/globals";
import { analyseC } from "../helpers/engine.js";
import { findingsFor, makePatch } from "../helpers/ruleTester.js";

const PATH = "drivers/block/vdisk.c";

const filler = Array.from({ length: 12 }, (_, i) => `\tvdisk_step${i}(vblk);`).join("\n");

const before = `
struct vdisk {
	struct mutex vdev_mutex;
	struct gendisk *disk;
	struct virtio_device *vdev;
};

static int vdisk_open(struct gendisk *disk, blk_mode_t mode)
{
	struct vdisk *vblk = disk->private_data;
	int ret = 0;

	mutex_lock(&vblk->vdev_mutex);
	if (!vblk->vdev)
		ret = -ENXIO;
	mutex_unlock(&vblk->vdev_mutex);
	return ret;
}

static const struct block_device_operations vdisk_fops = {
	.owner	= THIS_MODULE,
	.open	= vdisk_open,
};

static void vdisk_remove(struct virtio_device *vdev)
{
	struct vdisk *vblk = vdev->priv;

${filler}
	mutex_lock(&vblk->vdev_mutex);
	vblk->vdev = NULL;
	mutex_unlock(&vblk->vdev_mutex);
	del_gendisk(vblk->disk);
}
`;

// The patch moves del_gendisk() under vdev_mutex: the hunk in vdisk_remove()
// starts far below `struct vdisk *vblk`, and vdisk_open() is not in the diff at all.
const after = before.replace("\tvblk->vdev = NULL;\n\tmutex_unlock(&vblk->vdev_mutex);\n\tdel_gendisk(vblk->disk);", "\tvblk->vdev = NULL;\n\tdel_gendisk(vblk->disk);\n\tmutex_unlock(&vblk->vdev_mutex);");

describe("types in hunks mode", () => {
  test("a variable declared outside the hunk takes its name's type from the driver's other functions", async () => {
    const a = await analyseC({
      [PATH]: `static void f(struct vdisk *vblk) { mutex_lock(&vblk->vdev_mutex); }\nstatic void g(void) { mutex_unlock(&vblk->vdev_mutex); }\n`,
    });
    const rel = a.functions.get("g")!.facts.releases[0];
    expect(rel.cls).toBe("vdisk.vdev_mutex");
  });

  test("a field that only one struct of the driver has names that struct", async () => {
    const a = await analyseC({ [PATH]: `struct vdisk { struct mutex vdev_mutex; };\nstatic void g(void) { mutex_lock(&x->vdev_mutex); }\n` });
    expect(a.functions.get("g")!.facts.acquires[0].cls).toBe("vdisk.vdev_mutex");
  });

  test("ambiguous names stay untyped", async () => {
    const a = await analyseC({
      [PATH]: `static void f(struct a *p) { }\nstatic void h(struct b *p) { }\nstatic void g(void) { mutex_lock(&p->m); }\n`,
    });
    expect(a.functions.get("g")!.facts.acquires[0].cls).toBe("p->m");
  });

  test("the whole patch with the open callback in the tree: AB-BA with open_mutex", async () => {
    const found = await findingsFor("lock-across-del-gendisk", { name: "vdisk", change: { path: PATH, before, after, inTree: true } });
    expect(found.map((f) => [f.status, f.severity, f.function])).toEqual([["introduced", "error", "vdisk_remove"]]);
  });

  test("from the hunks alone the lock class still matches the struct's field, so the finding asks about it", async () => {
    // The hunk shows only vdisk_remove(); vdisk_open() is not visible: a
    // warning that asks the reviewer's question, not silence.
    const patch = makePatch(PATH, before, after);
    const found = await findingsFor("lock-across-del-gendisk", { name: "vdisk hunks", patch });
    expect(found.map((f) => [f.status, f.severity, f.function])).toEqual([["introduced", "warning", "vdisk_remove"]]);
    expect(found[0].message).toMatch(/vblk->vdev_mutex/);
  });
});
