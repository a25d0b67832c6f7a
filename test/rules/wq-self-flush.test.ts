// wq-self-flush: cases written for these tests, modelled on nbd 2019
// (destroy_workqueue(recv_workq) reached from recv_work) and nvmet
// (flush_work() of a work on the same workqueue from a work on it).
import { describe } from "@jest/globals";
import { ruleTester } from "../helpers/ruleTester.js";

const drv = (recv: string, teardown = "") => `
struct sdev { struct workqueue_struct *recv_wq; struct work_struct recv_work; struct work_struct reset_work; };

static void sdev_recv_work(struct work_struct *work)
{
	struct sdev *sd = container_of(work, struct sdev, recv_work);

${recv}
}

static void sdev_start(struct sdev *sd)
{
	sd->recv_wq = alloc_workqueue("sdev-recv", WQ_MEM_RECLAIM, 0);
	INIT_WORK(&sd->recv_work, sdev_recv_work);
	queue_work(sd->recv_wq, &sd->recv_work);
}
${teardown}
`;

describe("wq-self-flush", () => {
  ruleTester("wq-self-flush", {
    valid: [
      {
        name: "the workqueue is destroyed by the teardown path, not by its own work",
        files: { "drivers/block/s.c": drv("\tsdev_handle(sd);", "static void sdev_stop(struct sdev *sd)\n{\n\tdestroy_workqueue(sd->recv_wq);\n}") },
      },
      {
        name: "the work cancels another work without waiting (cancel_work, not _sync)",
        files: { "drivers/block/s.c": drv("\tcancel_work(&sd->reset_work);") },
      },
    ],
    invalid: [
      {
        name: "a work function destroys the workqueue it runs on (nbd 2019 shape, directly)",
        files: { "drivers/block/s.c": drv("\tsdev_handle(sd);\n\tdestroy_workqueue(sd->recv_wq);") },
        errors: [{ severity: "error", function: "sdev_recv_work", line: 9, message: /^sdev_recv_work\(\) runs as work queued on .*destroy_workqueue\(\) waits for the workqueue it runs on \(sd->recv_wq\): it waits for itself\.$/ }],
      },
      {
        name: "through the last put of the object that owns the workqueue: a note, said so",
        files: {
          "drivers/block/s.c": drv("\tsdev_put(sd);", `
static void sdev_put(struct sdev *sd)
{
	if (!refcount_dec_and_test(&sd->refs))
		return;
	destroy_workqueue(sd->recv_wq);
	kfree(sd);
}`),
        },
        showNotes: true,
        errors: [{ severity: "note", function: "sdev_recv_work", message: /\(via sdev_put\(\)\) .*\(when it drops the last reference\)\.$/ }],
      },
      {
        name: "a work function waits for itself with cancel_work_sync()",
        files: { "drivers/block/s.c": drv("\tcancel_work_sync(&sd->recv_work);") },
        errors: [{ severity: "error", function: "sdev_recv_work", message: /waits for itself \(sdev_recv_work\(\)\)/ }],
      },
    ],
  });
});
