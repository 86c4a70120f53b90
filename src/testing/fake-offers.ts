/**
 * The offers a fake marketplace serves unless told otherwise: a small, realistic
 * spread of GPU types, one spot offer among them.
 */
import type { Offer } from '../market/protocol.js';

function offer(partial: Pick<Offer, 'id' | 'gpu' | 'pricePerHour'> & Partial<Offer>): Offer {
  return {
    currency: 'USD',
    billingIncrementSec: 1,
    minLeaseSec: 0,
    interruptible: false,
    region: 'local',
    reliability: 0.99,
    coldStartSec: 1,
    available: 8,
    ...partial,
  };
}

/** Default offers: A100 40GB on-demand $2/h, A100 40GB spot $0.9/h, H100 80GB $4/h, L4 24GB $0.6/h. */
export function defaultFakeOffers(): Offer[] {
  return [
    offer({ id: 'a100-40gb', gpu: { model: 'A100', count: 1, memoryGb: 40 }, pricePerHour: 2 }),
    offer({
      id: 'a100-40gb-spot',
      gpu: { model: 'A100', count: 1, memoryGb: 40 },
      pricePerHour: 0.9,
      interruptible: true,
      reliability: 0.9,
    }),
    offer({ id: 'h100-80gb', gpu: { model: 'H100', count: 1, memoryGb: 80 }, pricePerHour: 4 }),
    offer({ id: 'l4-24gb', gpu: { model: 'L4', count: 1, memoryGb: 24 }, pricePerHour: 0.6 }),
  ];
}
