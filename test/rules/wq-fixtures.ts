// C shared by the two workqueue-flush rule tests (written for them).

// A flush under the driver's own lock that the work takes (no open_mutex).
export const W_UNDER_OWN_LOCK = `
static void w_fn(struct work_struct *work)
{
	struct wdev *d = container_of(work, struct wdev, work);

	mutex_lock(&d->lock);
	d->count++;
	mutex_unlock(&d->lock);
}
static void w_init(struct wdev *d) { INIT_WORK(&d->work, w_fn); }
static void w_stop(struct wdev *d)
{
	mutex_lock(&d->lock);
	cancel_work_sync(&d->work);
	mutex_unlock(&d->lock);
}`;
