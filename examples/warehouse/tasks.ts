// A warehouse pipeline: each stage has its own queue and its own worker, so a slow stage
// (delivery booking, say) never holds up the others, and each can be scaled on its own.
import { createApp } from '../../src/index.ts';

const DB = 'sqlite://.celeriac/warehouse/celeriac.db';

export const app = createApp({ broker: DB, backend: DB });

/** An order as it moves through the warehouse. */
export interface Parcel {
  orderId: string;
  items: string[];
  picked?: boolean;
  box?: string;
  tracking?: string;
}

/** Stage 1, queue `picking`: collect the items from the shelves. */
export const pick = app.task(
  'warehouse.pick',
  { queue: 'picking' },
  (ctx, orderId: string, items: string[]) => {
    ctx.log.info({ orderId, items: items.length }, 'picked');
    return { orderId, items, picked: true } satisfies Parcel;
  },
);

/** Stage 2, queue `packing`: choose a box for what was picked. */
export const pack = app.task('warehouse.pack', { queue: 'packing' }, (ctx, parcel: Parcel) => {
  const box = parcel.items.length > 2 ? 'large' : 'small';
  ctx.log.info({ orderId: parcel.orderId, box }, 'packed');
  return { ...parcel, box };
});

/** Stage 3, queue `delivery`: book a courier and return the tracking number. */
export const ship = app.task('warehouse.ship', { queue: 'delivery' }, (ctx, parcel: Parcel) => {
  const tracking = `TRK-${parcel.orderId.toUpperCase()}`;
  ctx.log.info({ orderId: parcel.orderId, tracking }, 'shipped');
  return { ...parcel, tracking };
});
