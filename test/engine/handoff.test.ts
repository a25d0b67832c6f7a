// A semaphore handed off to an I/O completion callback is not held by the
// code after down() (bcache's btree io_mutex, Linux 6.1): no lock-order
// edge from it. Written for this test in that shape.
import { describe, expect, test } from "@jest/globals";
import { analyseC, edges } from "../helpers/engine.js";

const SRC = (endio: string) => `
struct demo_node { struct semaphore io_mutex; struct mutex write_lock; struct bio *bio; };

static void demo_node_write_endio(struct bio *bio)
{
	struct demo_node *b = bio->bi_private;

	${endio}
}

static void demo_node_write(struct demo_node *b)
{
	down(&b->io_mutex);
	b->bio->bi_end_io = demo_node_write_endio;
	submit_bio(b->bio);
	mutex_lock(&b->write_lock);
	mutex_unlock(&b->write_lock);
}
`;

describe("semaphores released by a callback", () => {
  test("up() in the end_io callback: down() is a hand-off, nothing is ordered after it", async () => {
    const a = await analyseC({ "btree.c": SRC("up(&b->io_mutex);") });
    expect(edges(a)).not.toContain("demo_node.io_mutex -> demo_node.write_lock");
  });

  test("without the callback's up() the semaphore is held like a lock", async () => {
    const a = await analyseC({ "btree.c": SRC("bio_put(bio);") });
    expect(edges(a)).toContain("demo_node.io_mutex -> demo_node.write_lock");
  });
});
