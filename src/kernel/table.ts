// The kernel model as data: one row per kernel API family. Adding an API is
// adding a row (here, or under `kernel:` in .lockreview.yml); no code
// elsewhere changes. Semantics follow the kernel (6.1 and later) and lockdep:
// a wait is modelled the way lockdep models it, as taking and releasing a
// pseudo-lock of what is waited for (KNOWN-INCIDENTS.md, "How lockdep models
// workqueue flushes").
import type { KernelModelInput } from "./schema.js";

export const KERNEL_TABLE: KernelModelInput = {
  locks: [
    { names: ["mutex_lock", "mutex_lock_nested", "mutex_lock_io", "mutex_lock_io_nested", "mutex_lock_nest_lock"], op: "acquire", arg: 0, kind: "mutex" },
    {
      names: ["mutex_lock_interruptible", "mutex_lock_killable", "mutex_lock_interruptible_nested", "mutex_lock_killable_nested"],
      op: "acquire", arg: 0, when: "zero", kind: "mutex", doc: "returns 0 when the lock was taken, -EINTR otherwise",
    },
    { names: ["mutex_trylock", "mutex_trylock_nested"], op: "acquire", arg: 0, when: "nonzero", kind: "mutex", nonblocking: true },
    { names: ["mutex_unlock"], op: "release", arg: 0, kind: "mutex" },
    {
      names: ["spin_lock", "spin_lock_irq", "spin_lock_bh", "spin_lock_irqsave", "spin_lock_nested", "spin_lock_irqsave_nested",
        "raw_spin_lock", "raw_spin_lock_irq", "raw_spin_lock_bh", "raw_spin_lock_irqsave", "raw_spin_lock_nested"],
      op: "acquire", arg: 0, kind: "spinlock",
    },
    { names: ["spin_trylock", "spin_trylock_irq", "spin_trylock_irqsave", "spin_trylock_bh", "raw_spin_trylock", "raw_spin_trylock_irqsave"], op: "acquire", arg: 0, when: "nonzero", kind: "spinlock", nonblocking: true },
    {
      names: ["spin_unlock", "spin_unlock_irq", "spin_unlock_bh", "spin_unlock_irqrestore",
        "raw_spin_unlock", "raw_spin_unlock_irq", "raw_spin_unlock_bh", "raw_spin_unlock_irqrestore"],
      op: "release", arg: 0, kind: "spinlock",
    },
    { names: ["read_lock", "read_lock_irq", "read_lock_irqsave", "read_lock_bh"], op: "acquire", arg: 0, mode: "read", kind: "rwlock" },
    { names: ["read_unlock", "read_unlock_irq", "read_unlock_irqrestore", "read_unlock_bh"], op: "release", arg: 0, mode: "read", kind: "rwlock" },
    { names: ["write_lock", "write_lock_irq", "write_lock_irqsave", "write_lock_bh"], op: "acquire", arg: 0, mode: "write", kind: "rwlock" },
    { names: ["write_unlock", "write_unlock_irq", "write_unlock_irqrestore", "write_unlock_bh"], op: "release", arg: 0, mode: "write", kind: "rwlock" },
    { names: ["down_read", "down_read_nested", "down_read_non_owner"], op: "acquire", arg: 0, mode: "read", kind: "rwsem" },
    { names: ["down_read_killable", "down_read_interruptible"], op: "acquire", arg: 0, mode: "read", when: "zero", kind: "rwsem" },
    { names: ["down_read_trylock"], op: "acquire", arg: 0, mode: "read", when: "nonzero", kind: "rwsem", nonblocking: true },
    { names: ["up_read", "up_read_non_owner"], op: "release", arg: 0, mode: "read", kind: "rwsem" },
    { names: ["down_write", "down_write_nested"], op: "acquire", arg: 0, mode: "write", kind: "rwsem" },
    { names: ["down_write_killable"], op: "acquire", arg: 0, mode: "write", when: "zero", kind: "rwsem" },
    { names: ["down_write_trylock"], op: "acquire", arg: 0, mode: "write", when: "nonzero", kind: "rwsem", nonblocking: true },
    { names: ["up_write"], op: "release", arg: 0, mode: "write", kind: "rwsem" },
    { names: ["down"], op: "acquire", arg: 0, kind: "semaphore" },
    { names: ["down_interruptible", "down_killable"], op: "acquire", arg: 0, when: "zero", kind: "semaphore" },
    { names: ["down_trylock"], op: "acquire", arg: 0, when: "zero", kind: "semaphore", nonblocking: true, doc: "returns 0 on success" },
    { names: ["up"], op: "release", arg: 0, kind: "semaphore" },
    { names: ["rtnl_lock"], op: "acquire", lock: "rtnl_mutex", kind: "mutex" },
    { names: ["rtnl_lock_killable"], op: "acquire", lock: "rtnl_mutex", when: "zero", kind: "mutex" },
    { names: ["rtnl_trylock"], op: "acquire", lock: "rtnl_mutex", when: "nonzero", kind: "mutex", nonblocking: true },
    { names: ["rtnl_unlock"], op: "release", lock: "rtnl_mutex", kind: "mutex" },
    { names: ["genl_lock"], op: "acquire", lock: "genl_mutex", kind: "mutex" },
    { names: ["genl_unlock"], op: "release", lock: "genl_mutex", kind: "mutex" },
    {
      names: ["refcount_dec_and_mutex_lock", "atomic_dec_and_mutex_lock"], op: "acquire", arg: 1, when: "nonzero", kind: "mutex",
      doc: "takes the mutex only when the count drops to zero, and returns true holding it",
    },
    { names: ["refcount_dec_and_lock", "refcount_dec_and_lock_irqsave", "atomic_dec_and_lock", "atomic_dec_and_lock_irqsave"], op: "acquire", arg: 1, when: "nonzero", kind: "spinlock" },
    {
      names: ["lockdep_assert_held", "lockdep_assert_held_once", "lockdep_assert_held_write", "lockdep_assert_held_read", "assert_spin_locked", "lockdep_assert_locked"],
      op: "assert-held", arg: 0,
    },
    { names: ["ASSERT_RTNL", "lockdep_assert_rtnl"], op: "assert-held", lock: "rtnl_mutex" },
    {
      names: ["sysfs_break_active_protection", "kernfs_break_active_protection"], op: "leave", lock: "kernfs:",
      doc: "a show()/store() that removes its own object first drops its kernfs active reference (scsi's sdev_store_delete)",
    },
  ],
  refDrop: [
    {
      names: ["refcount_dec_and_test", "atomic_dec_and_test", "refcount_dec_and_mutex_lock", "atomic_dec_and_mutex_lock", "refcount_dec_and_lock",
        "refcount_dec_and_lock_irqsave", "atomic_dec_and_lock", "kref_put", "kref_put_mutex", "kref_put_lock", "atomic_long_dec_and_test", "percpu_ref_put_and_test"],
      doc: "true when this put dropped the last reference",
    },
    { names: ["atomic_dec_return", "atomic_long_dec_return", "atomic_sub_return", "atomic64_dec_return", "refcount_dec_return"], last: "zero", doc: "0 when this put dropped the last reference" },
  ],
  callUnderLock: [
    { names: ["kref_put_mutex"], lockArg: 2, callbackArg: 1, doc: "release() runs with the mutex held and must unlock it" },
    { names: ["kref_put_lock"], lockArg: 2, callbackArg: 1, doc: "release() runs with the spinlock held and must unlock it" },
  ],
  callsCallback: [
    { names: ["kref_put"], callbackArg: 1, doc: "release() runs when the count drops to zero" },
  ],
  implicit: [
    {
      names: ["del_gendisk"],
      acquires: [{ lock: "gendisk.open_mutex" }],
      waits: [{ on: "kernfs", arg: 0, target: "device" }],
      note: "del_gendisk() takes disk->open_mutex (since c76f48eb5c08) and removes the disk's sysfs",
    },
    {
      names: ["add_disk", "device_add_disk", "add_disk_fwnode"],
      acquires: [{ lock: "gendisk.open_mutex" }],
      conditional: true,
      note: "add_disk() scans partitions under disk->open_mutex (unless the disk has GENHD_FL_NO_PART)",
    },
    { names: ["register_netdev", "unregister_netdev"], acquires: [{ lock: "rtnl_mutex" }], note: "takes rtnl_lock()" },
    { names: ["destroy_workqueue"], waits: [{ on: "workqueue", arg: 0 }], destroys: true, note: "destroy_workqueue() drains the workqueue: waits for every work queued on it" },
    { names: ["flush_workqueue", "drain_workqueue"], waits: [{ on: "workqueue", arg: 0 }], note: "waits for every work queued on the workqueue" },
    { names: ["flush_scheduled_work"], waits: [{ on: "workqueue", target: "system_wq" }], note: "waits for every work on the system workqueue" },
    { names: ["flush_work", "cancel_work_sync"], waits: [{ on: "work", arg: 0 }], note: "waits for the work function to finish" },
    { names: ["flush_delayed_work", "cancel_delayed_work_sync", "flush_rcu_work"], waits: [{ on: "work", arg: 0 }], note: "waits for the delayed work function to finish" },
    { names: ["kthread_stop", "kthread_stop_put"], waits: [{ on: "kthread", arg: 0 }], note: "waits for the thread function to return" },
    {
      names: ["del_timer_sync", "timer_delete_sync", "timer_shutdown_sync", "del_singleshot_timer_sync", "hrtimer_cancel"],
      waits: [{ on: "timer", arg: 0 }],
      note: "waits for a running timer callback to return",
    },
    {
      names: ["device_del", "device_unregister", "device_destroy", "device_remove_file", "device_remove_groups", "device_remove_group"],
      waits: [{ on: "kernfs", arg: 0, target: "device" }],
      note: "removing a device's sysfs files waits for its running show()/store() (kernfs active references)",
    },
    {
      names: ["sysfs_remove_group", "sysfs_remove_groups", "sysfs_remove_file", "sysfs_remove_files", "kobject_del", "kernfs_remove_by_name_ns"],
      waits: [{ on: "kernfs", arg: 0, target: "device" }, { on: "kernfs", arg: 0, target: "kobj" }],
      note: "kernfs removal waits for running show()/store() callbacks (active references)",
    },
    {
      names: ["class_destroy", "class_unregister", "class_remove_file", "class_remove_file_ns"],
      waits: [{ on: "kernfs", arg: 0, target: "class" }],
      note: "removing a class's sysfs files waits for its running show()/store()",
    },
    {
      names: ["driver_remove_file", "driver_unregister", "bus_remove_file"],
      waits: [{ on: "kernfs", arg: 0, target: "driver" }],
      note: "removing a driver's sysfs files waits for its running show()/store()",
    },
    {
      names: ["wait_for_completion", "wait_for_completion_io", "wait_for_completion_killable", "wait_for_completion_interruptible",
        "wait_for_completion_timeout", "wait_for_completion_io_timeout", "wait_for_completion_killable_timeout", "wait_for_completion_interruptible_timeout"],
      waits: [{ on: "completion", arg: 0 }],
      note: "waits until the work that completes it has run (a driver's own flush)",
    },
    {
      names: ["blocking_notifier_chain_unregister", "blocking_notifier_chain_register"],
      waits: [{ on: "notifier-chain", arg: 0, mode: "write" }],
      note: "takes the chain's rwsem for write; callbacks run with it held for read",
    },
  ],
  workInit: [
    { names: ["INIT_WORK", "INIT_WORK_ONSTACK", "__INIT_WORK", "DECLARE_WORK"], workArg: 0, fnArg: 1 },
    { names: ["INIT_DELAYED_WORK", "INIT_DEFERRABLE_WORK", "INIT_DELAYED_WORK_ONSTACK", "DECLARE_DELAYED_WORK", "DECLARE_DEFERRABLE_WORK"], workArg: 0, fnArg: 1, delayed: true },
    { names: ["INIT_RCU_WORK"], workArg: 0, fnArg: 1 },
    { names: ["devm_work_autocancel"], workArg: 1, fnArg: 2, autoCancel: true, doc: "cancelled by devres when the device is unbound" },
    { names: ["devm_delayed_work_autocancel"], workArg: 1, fnArg: 2, delayed: true, autoCancel: true, doc: "cancelled by devres when the device is unbound" },
  ],
  attrCreate: [
    { names: ["device_create_file", "device_create_bin_file"], objArg: 0, attrArg: 1 },
  ],
  deviceOwner: [
    { names: ["dev_to_disk"], owner: "gendisk" },
    { names: ["to_scsi_device"], owner: "scsi_device" },
    { names: ["class_to_shost", "dev_to_shost"], owner: "Scsi_Host" },
    { names: ["to_usb_interface"], owner: "usb_interface" },
    { names: ["to_usb_device"], owner: "usb_device" },
    { names: ["to_pci_dev"], owner: "pci_dev" },
    { names: ["to_platform_device"], owner: "platform_device" },
    { names: ["dev_get_drvdata", "pci_get_drvdata", "platform_get_drvdata"], doc: "the driver's object of this device: the receiving local's type" },
  ],
  refGet: [
    {
      names: ["kref_get", "kref_get_unless_zero", "refcount_inc", "refcount_inc_not_zero", "atomic_inc", "atomic_inc_not_zero", "closure_get",
        "get_device", "kobject_get", "percpu_ref_get", "percpu_ref_tryget", "scsi_host_get", "scsi_device_get", "blk_get_queue", "nvme_get_ctrl"],
      doc: "a reference the queued work drops when it is done: the object outlives the work",
    },
  ],
  teardownCallback: [
    { names: ["devm_add_action", "devm_add_action_or_reset"], callbackArg: 1, doc: "devres runs the action when the device is unbound, after ->remove()" },
  ],
  workQueue: [
    { names: ["queue_work", "queue_delayed_work", "mod_delayed_work", "queue_rcu_work"], wqArg: 0, workArg: 1 },
    { names: ["queue_work_on", "queue_delayed_work_on", "mod_delayed_work_on"], wqArg: 1, workArg: 2 },
    { names: ["schedule_work", "schedule_delayed_work"], wq: "system_wq", workArg: 0 },
    { names: ["schedule_work_on", "schedule_delayed_work_on"], wq: "system_wq", workArg: 1 },
  ],
  wqAlloc: [
    { names: ["alloc_workqueue", "alloc_ordered_workqueue", "create_workqueue", "create_singlethread_workqueue", "create_freezable_workqueue"], nameArg: 0 },
  ],
  kthreadCreate: [{ names: ["kthread_run", "kthread_create", "kthread_create_on_node", "kthread_run_on_cpu", "kthread_create_on_cpu"], fnArg: 0 }],
  callsSlot: [
    { names: ["ccwgroup_set_offline"], struct: "ccwgroup_driver", field: "set_offline", doc: "runs the driver's set_offline (qeth_core_set_offline takes discipline_mutex)" },
    { names: ["ccwgroup_set_online"], struct: "ccwgroup_driver", field: "set_online", doc: "runs the driver's set_online" },
  ],
  noReturn: [
    { names: ["panic", "BUG", "do_exit", "kthread_exit", "make_task_dead", "machine_halt", "machine_power_off", "emergency_restart", "__module_put_and_kthread_exit", "module_put_and_kthread_exit"], doc: "never returns: code after it on the same path does not run" },
  ],
  // hrtimer_init() takes no callback: `t.function = fn` binds it (a store, read in bindings.ts).
  timerSetup: [{ names: ["timer_setup", "timer_setup_on_stack", "setup_timer", "setup_deferrable_timer", "hrtimer_setup", "hrtimer_setup_on_stack"], timerArg: 0, fnArg: 1 }],
  free: [
    { names: ["kfree", "kvfree", "kfree_sensitive", "vfree", "kvfree_sensitive"], arg: 0 },
    { names: ["kmem_cache_free"], arg: 1 },
  ],
  completionSignal: [{ names: ["complete", "complete_all"], arg: 0 }],
  objectAlloc: [
    {
      names: ["kzalloc", "kmalloc", "kcalloc", "kvzalloc", "kvmalloc", "kvcalloc", "kzalloc_node", "kmalloc_node", "kmem_cache_alloc", "kmem_cache_zalloc", "kmemdup", "vzalloc", "vmalloc"],
    },
  ],
  notifiers: [
    { names: ["blocking_notifier_chain_register"], op: "register", chainArg: 0, nbArg: 1 },
    { names: ["blocking_notifier_chain_unregister"], op: "unregister", chainArg: 0, nbArg: 1 },
    { names: ["iommu_group_register_notifier"], op: "register", chainArg: 0, nbArg: 1 },
    { names: ["iommu_group_unregister_notifier"], op: "unregister", chainArg: 0, nbArg: 1 },
    { names: ["register_reboot_notifier"], op: "register", chain: "reboot_notifier_list", nbArg: 0 },
    { names: ["unregister_reboot_notifier"], op: "unregister", chain: "reboot_notifier_list", nbArg: 0 },
    { names: ["register_pm_notifier"], op: "register", chain: "pm_chain_head", nbArg: 0 },
    { names: ["unregister_pm_notifier"], op: "unregister", chain: "pm_chain_head", nbArg: 0 },
    { names: ["register_memory_notifier"], op: "register", chain: "memory_chain", nbArg: 0 },
    { names: ["unregister_memory_notifier"], op: "unregister", chain: "memory_chain", nbArg: 0 },
    { names: ["bus_register_notifier"], op: "register", chainArg: 0, nbArg: 1 },
    { names: ["bus_unregister_notifier"], op: "unregister", chainArg: 0, nbArg: 1 },
    { names: ["register_netdevice_notifier"], op: "register", chain: "netdev_chain", nbArg: 0, blocking: false },
    { names: ["unregister_netdevice_notifier"], op: "unregister", chain: "netdev_chain", nbArg: 0, blocking: false },
    { names: ["atomic_notifier_chain_register"], op: "register", chainArg: 0, nbArg: 1, blocking: false },
    { names: ["atomic_notifier_chain_unregister"], op: "unregister", chainArg: 0, nbArg: 1, blocking: false },
  ],
  callbacks: [
    {
      structs: ["block_device_operations"], fields: ["open"], context: "bdev-open",
      holds: [{ lock: "gendisk.open_mutex", expr: "disk->open_mutex" }],
      signatures: [{ name: "_open$", params: ["block_device", "*"] }, { name: "_open$", params: ["gendisk", "*"] }],
      note: "blkdev_get_whole() calls ->open() with disk->open_mutex held", caller: "blkdev_get_whole()",
    },
    {
      structs: ["block_device_operations"], fields: ["release"], context: "bdev-release",
      holds: [{ lock: "gendisk.open_mutex", expr: "disk->open_mutex" }],
      signatures: [{ name: "_release$", params: ["gendisk", "*"] }, { name: "_release$", params: ["gendisk"] }],
      note: "blkdev_put_whole() calls ->release() with disk->open_mutex held", caller: "blkdev_put_whole()",
    },
    { structs: ["block_device_operations"], fields: ["ioctl", "compat_ioctl"], context: "ioctl", note: "blkdev_ioctl() calls ->ioctl() without block layer locks" },
    {
      structs: ["genl_ops", "genl_small_ops", "genl_split_ops"], fields: ["doit", "dumpit", "start", "done"], context: "genl",
      holds: [{ lock: "genl_mutex", expr: "genl_mutex" }], unlessFamilyFlag: "parallel_ops",
      signatures: [{ params: ["sk_buff", "genl_info"] }],
      note: "genl_rcv_msg() calls the op with genl_mutex held (family without parallel_ops)", caller: "genl_rcv_msg()",
    },
    {
      structs: ["notifier_block"], fields: ["notifier_call"], context: "notifier",
      holds: [{ lock: "notifier:$chain", mode: "read" }],
      signatures: [{ params: ["notifier_block", "*", "*"] }],
      note: "blocking_notifier_call_chain() runs callbacks with the chain rwsem held for read", caller: "blocking_notifier_call_chain()",
    },
    // One kernfs pseudo-lock per kind of object the attributes hang on: a
    // class attribute is not removed by del_gendisk(), a device attribute is.
    {
      structs: ["class_attribute"], fields: ["show", "store"], context: "sysfs",
      holds: [{ lock: "kernfs:class", mode: "read" }],
      note: "kernfs runs show()/store() inside an active reference that removal waits for", caller: "kernfs_fop_read_iter()/kernfs_fop_write_iter()",
    },
    {
      structs: ["driver_attribute", "bus_attribute"], fields: ["show", "store"], context: "sysfs",
      holds: [{ lock: "kernfs:driver", mode: "read" }],
      note: "kernfs runs show()/store() inside an active reference that removal waits for", caller: "kernfs_fop_read_iter()/kernfs_fop_write_iter()",
    },
    {
      structs: ["kobj_attribute"], fields: ["show", "store"], context: "sysfs",
      holds: [{ lock: "kernfs:kobj", mode: "read" }],
      note: "kernfs runs show()/store() inside an active reference that removal waits for", caller: "kernfs_fop_read_iter()/kernfs_fop_write_iter()",
    },
    {
      structs: ["device_attribute", "disk_attribute", "queue_sysfs_entry"],
      fields: ["show", "store"], context: "sysfs",
      holds: [{ lock: "kernfs:device", mode: "read" }],
      signatures: [{ name: "_show$", params: ["device", "device_attribute", "*"] }, { name: "_store$", params: ["device", "device_attribute", "*", "*"] }],
      note: "kernfs runs show()/store() inside an active reference that removal waits for", caller: "kernfs_fop_read_iter()/kernfs_fop_write_iter()",
    },
    {
      structs: ["pci_driver", "platform_driver", "virtio_driver", "usb_driver", "i2c_driver", "spi_driver", "xenbus_driver", "device_driver", "mdio_driver", "amba_driver",
        "hid_driver", "serdev_device_driver", "auxiliary_driver", "typec_altmode_driver", "mei_cl_driver", "sdio_driver", "mmc_driver", "rpmsg_driver", "scsi_driver"],
      fields: ["remove", "remove_new", "shutdown", "disconnect"], context: "teardown", note: "the driver core calls ->remove() when the device goes away",
      // Hunks mode: a teardown callback whose driver struct is not in the patch.
      signatures: [
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["platform_device"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["pci_dev"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["usb_interface"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["i2c_client"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["spi_device"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["virtio_device"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["hid_device"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["serdev_device"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["auxiliary_device"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["typec_altmode"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["sdio_func"] },
        { name: "_(remove|disconnect|detach|shutdown)$", params: ["device"] },
      ],
    },
    {
      structs: ["pci_driver", "platform_driver", "virtio_driver", "usb_driver", "i2c_driver", "spi_driver", "xenbus_driver", "device_driver", "mdio_driver", "amba_driver",
        "hid_driver", "serdev_device_driver", "auxiliary_driver", "typec_altmode_driver", "mei_cl_driver", "sdio_driver", "mmc_driver", "rpmsg_driver", "scsi_driver", "driver_info"],
      fields: ["probe", "bind"], context: "probe", note: "the driver core calls ->probe() when a device is bound",
      signatures: [
        { name: "_(probe|bind)$", params: ["platform_device"] }, { name: "_(probe|bind)$", params: ["pci_dev", "..."] },
        { name: "_(probe|bind)$", params: ["usb_interface", "..."] }, { name: "_(probe|bind)$", params: ["i2c_client", "..."] },
        { name: "_(probe|bind)$", params: ["spi_device"] }, { name: "_(probe|bind)$", params: ["virtio_device"] },
        { name: "_(probe|bind)$", params: ["hid_device", "..."] }, { name: "_(probe|bind)$", params: ["usbnet", "usb_interface"] },
      ],
    },
    {
      // usbnet minidrivers, usb-serial drivers: torn down through their driver_info / usb_serial_driver.
      structs: ["driver_info", "usb_serial_driver"],
      fields: ["unbind", "close", "release", "port_remove", "disconnect"], context: "teardown", note: "the USB core calls it when the interface or port goes away",
      signatures: [{ name: "_(unbind|close|release|port_remove|disconnect)$", params: ["usbnet", "usb_interface"] }, { name: "_(close|port_remove|release)$", params: ["usb_serial_port"] }],
    },
    {
      // `dev->release = fn`, `ktype->release`: the last reference to the object is gone.
      structs: ["device", "kobj_type", "device_type", "class"], fields: ["release", "dev_release"], context: "teardown", note: "called when the last reference to the object is dropped",
    },
    {
      // Last resort: kernel naming of teardown helpers
      // (`cdns3_gadget_exit`, `usb_del_gadget`, `nvme_loop_remove_port`),
      // whatever their parameters, for functions entered no other known way;
      // said in findings as inferred.
      structs: ["(none)"], fields: ["(none)"], context: "teardown", note: "named like a teardown function", fallback: true,
      signatures: [{ name: "(^|_)(exit|remove|release|destroy|cleanup|free|teardown|deinit|uninit|fini|stop|disconnect|unbind|detach|shutdown|del|delete|unregister)(_|$)", params: ["..."] }],
    },
    {
      structs: ["(none)"], fields: ["(none)"], context: "probe", note: "named like an init or probe function", fallback: true,
      signatures: [{ name: "(^|_)(probe|init|bind|attach|add|create|setup|register)(_|$)", params: ["..."] }],
    },
    {
      // USB gadget functions and UDC drivers: torn down through their ops.
      structs: ["usb_function", "usb_gadget_driver", "usb_gadget_ops", "usb_composite_driver"],
      fields: ["unbind", "disable", "free_func", "udc_stop", "disconnect"], context: "teardown", note: "the gadget core calls it when the function or controller goes away",
      signatures: [
        { name: "_(unbind|disable|free_func|free)$", params: ["usb_configuration", "usb_function"] },
        { name: "_(unbind|disable|free_func|free)$", params: ["usb_function"] },
        { name: "_(udc_stop|stop)$", params: ["usb_gadget"] },
      ],
    },
    { structs: ["file_operations"], fields: ["release"], context: "other", note: "->release() runs on the last fput()" },
  ],
  guards: [
    { type: "mutex", kind: "mutex" },
    { type: "mutex_intr", kind: "mutex" },
    { type: "spinlock", kind: "spinlock" },
    { type: "spinlock_irq", kind: "spinlock" },
    { type: "spinlock_irqsave", kind: "spinlock" },
    { type: "spinlock_bh", kind: "spinlock" },
    { type: "raw_spinlock", kind: "spinlock" },
    { type: "raw_spinlock_irq", kind: "spinlock" },
    { type: "raw_spinlock_irqsave", kind: "spinlock" },
    { type: "rwsem_read", mode: "read", kind: "rwsem" },
    { type: "rwsem_write", mode: "write", kind: "rwsem" },
    { type: "read_lock", mode: "read", kind: "rwlock" },
    { type: "write_lock", mode: "write", kind: "rwlock" },
  ],
  moduleEntry: [
    { names: ["module_init", "late_initcall", "device_initcall", "subsys_initcall", "fs_initcall", "arch_initcall", "postcore_initcall", "core_initcall"], role: "init" },
    { names: ["module_exit"], role: "exit" },
    {
      names: ["module_platform_driver", "module_pci_driver", "module_virtio_driver", "module_usb_driver", "module_i2c_driver", "module_spi_driver",
        "module_xenbus_driver", "module_mdio_driver", "module_amba_driver", "module_driver"],
      role: "driver",
    },
  ],
  structFields: [
    { struct: "block_device", field: "bd_disk", type: "gendisk", pointer: 1 },
    { struct: "gendisk", field: "open_mutex", type: "mutex", pointer: 0 },
    { struct: "gendisk", field: "queue", type: "request_queue", pointer: 1 },
    { struct: "request_queue", field: "disk", type: "gendisk", pointer: 1 },
    { struct: "request_queue", field: "sysfs_lock", type: "mutex", pointer: 0 },
    { struct: "mddev", field: "open_mutex", type: "mutex", pointer: 0 },
    { struct: "notifier_block", field: "notifier_call", type: "notifier_fn_t", pointer: 1 },
  ],
  fieldHints: [
    { field: "bd_disk", type: "gendisk", doc: "struct block_device::bd_disk" },
    { field: "disk", type: "gendisk", doc: "most drivers name their struct gendisk * `disk`" },
    { field: "lo_disk", type: "gendisk", doc: "struct loop_device::lo_disk" },
    { field: "gd", type: "gendisk" },
    { field: "/^[a-z0-9]+_disk$/", type: "gendisk", doc: "driver fields like lo_disk, zram->disk: struct gendisk * by convention" },
  ],
};
