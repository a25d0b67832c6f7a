// notifier-unregister-in-callback: cases written for these tests, modelled on
// the vfio/GVT notifier (seed 003): a final put from the notifier callback
// would unregister the notifier under the chain's rwsem.
import { describe } from "@jest/globals";
import { ruleTester } from "../helpers/ruleTester.js";

const group = (callback: string, extra = "") => `
struct vgroup { struct notifier_block nb; struct iommu_group *iommu_group; struct kref kref; struct work_struct put_work; };

static void vgroup_release(struct kref *kref)
{
	struct vgroup *group = container_of(kref, struct vgroup, kref);

	iommu_group_unregister_notifier(group->iommu_group, &group->nb);
	kfree(group);
}

static void vgroup_put(struct vgroup *group)
{
	kref_put(&group->kref, vgroup_release);
}

static int vgroup_notifier(struct notifier_block *nb, unsigned long action, void *data)
{
	struct vgroup *group = container_of(nb, struct vgroup, nb);

${callback}
	return NOTIFY_OK;
}

static int vgroup_create(struct vgroup *group, struct iommu_group *iommu_group)
{
	group->iommu_group = iommu_group;
	group->nb.notifier_call = vgroup_notifier;
	return iommu_group_register_notifier(iommu_group, &group->nb);
}
${extra}
`;

describe("notifier-unregister-in-callback", () => {
  ruleTester("notifier-unregister-in-callback", {
    valid: [
      {
        name: "the callback defers the put to a work item (kvmgt's fix)",
        files: { "drivers/vfio/g.c": group("\tschedule_work(&group->put_work);") },
      },
      {
        name: "the put happens outside the callback",
        files: { "drivers/vfio/g.c": group("\tgroup->events++;", "static void vgroup_detach(struct vgroup *group) { vgroup_put(group); }") },
      },
    ],
    invalid: [
      {
        // Seed 003's comment: "If we're the last reference to the group, the group will be
        // released, which includes unregistering the iommu group notifier."
        name: "the callback drops what may be the last reference; the release unregisters the notifier",
        files: { "drivers/vfio/g.c": group("\tvgroup_put(group);") },
        errors: [
          {
            severity: "warning", function: "vgroup_notifier", line: 21,
            message: /^vgroup_notifier\(\) is a notifier callback on the iommu_group chain .* \(via vgroup_put\(\) → vgroup_release\(\)\), when it drops the last reference: the unregister waits for the write side, deadlock\.$/,
          },
        ],
      },
      {
        name: "the callback unregisters directly",
        files: { "drivers/vfio/g.c": group("\tiommu_group_unregister_notifier(group->iommu_group, nb);") },
        errors: [{ severity: "warning", function: "vgroup_notifier", line: 21 }],
      },
    ],
  });
});
