// Builds, at test time, a source tree that seed 000's patch applies to:
// the seed's pre-image lines (read from ../shared, never committed) laid out
// at their line numbers, and the gaps filled with our own code so the file
// is a small but complete nbd-like driver: nbd_dev_remove() deletes the disk,
// nbd_open() takes nbd_index_mutex under disk->open_mutex, nbd_genl_connect()
// drops a reference with nbd_put().
import { parseDiffText } from "../../src/ingest/diff.js";

const FILLER: Record<number, string> = {
  55: "\tint fd;",
  56: "};",
  110: "struct nbd_device {",
  111: "\tint index;",
  112: "\trefcount_t refs;",
  119: "\tunsigned long flags;",
  120: "\tstruct completion *destroy_complete;",
  121: "};",
  229: "static ssize_t backend_show(struct device *dev, struct device_attribute *attr, char *buf) { return 0; }",
  231: "static const struct device_attribute backend_attr = {",
  232: "\t.attr = { .name = \"backend\", .mode = 0444 },",
  240: "\tif (disk) {",
  241: "\t\tdel_gendisk(disk);",
  258: "static void nbd_put(struct nbd_device *nbd)",
  266: "}",
  268: "static int nbd_open(struct block_device *bdev, fmode_t mode)",
  269: "{",
  270: "\tstruct nbd_device *nbd;",
  272: "\tmutex_lock(&nbd_index_mutex);",
  273: "\tnbd = bdev->bd_disk->private_data;",
  274: "\tif (nbd && !refcount_inc_not_zero(&nbd->refs))",
  275: "\t\tnbd = NULL;",
  276: "\tmutex_unlock(&nbd_index_mutex);",
  277: "\treturn nbd ? 0 : -ENXIO;",
  278: "}",
  280: "static const struct block_device_operations nbd_fops = {",
  281: "\t.owner = THIS_MODULE,",
  282: "\t.open = nbd_open,",
  283: "};",
  285: "static int nbd_genl_connect(struct sk_buff *skb, struct genl_info *info)",
  286: "{",
  287: "\tstruct nbd_device *nbd = info->user_ptr[0];",
  289: "\tnbd_put(nbd);",
  290: "\treturn 0;",
  291: "}",
  1676: "static int nbd_dev_add(int index)",
  1677: "{",
  1678: "\tstruct nbd_device *nbd = kzalloc(sizeof(*nbd), GFP_KERNEL);",
  1680: "\tnbd->index = index;",
  1687: "\treturn 0;",
  1688: "}",
  2414: "static int __init nbd_init(void)",
  2415: "{",
  2425: "\treturn 0;",
  2426: "}",
  2433: "static int nbd_exit_cb(int id, void *ptr, void *data)",
  2434: "{",
  2450: "static void __exit nbd_cleanup(void)",
  2451: "{",
  2452: "\tstruct nbd_device *nbd;",
  2453: "\tLIST_HEAD(del_list);",
  2455: "\tidr_for_each(&nbd_index_idr, &nbd_exit_cb, &del_list);",
  2457: "\twhile (!list_empty(&del_list)) {",
  2458: "\t\tnbd = list_first_entry(&del_list, struct nbd_device, list);",
  2465: "}",
  2467: "module_init(nbd_init);",
  2468: "module_exit(nbd_cleanup);",
};

/** The pre-image drivers/block/nbd.c that seed 000's patch applies to. */
export function nbdTreeForSeed000(seedText: string): string {
  const { files } = parseDiffText(seedText);
  const fd = files.find((f) => f.oldPath === "drivers/block/nbd.c");
  if (!fd) throw new Error("seed 000 has no drivers/block/nbd.c diff");
  const lines: string[] = [];
  for (const [n, text] of Object.entries(FILLER)) lines[Number(n) - 1] = text;
  for (const h of fd.hunks) for (const c of h.changes) if (c.kind !== "add" && c.oldLine) lines[c.oldLine - 1] = c.content;
  const max = Math.max(lines.length, 2470);
  return Array.from({ length: max }, (_, i) => lines[i] ?? "").join("\n") + "\n";
}
