/**
 * Vast.ai REST bodies we read, as zod schemas (vast-ai/docs api-reference/openapi).
 * Loose: Vast returns dozens of fields; only those decisions depend on are checked,
 * and unknown ones pass through untouched.
 */
import { z } from 'zod';

const num = z.number().finite();
const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

/** One offer of `POST /bundles/`. */
export const VastOfferSchema = z.looseObject({
  id,
  gpu_name: z.string(),
  num_gpus: num.nonnegative(),
  gpu_ram: num.nonnegative().nullish(),
  dph_total: num.nonnegative(),
  min_bid: num.nonnegative().nullish(),
  reliability2: num.nullish(),
  reliability: num.nullish(),
  geolocation: z.string().nullish(),
  rentable: z.boolean().nullish(),
});
/** A Vast offer. */
export type VastOffer = z.infer<typeof VastOfferSchema>;

/** `POST /bundles/` answer. */
export const VastOffersSchema = z.looseObject({ offers: z.array(z.unknown()) });

/** `PUT /asks/{id}/` answer. */
export const VastCreateSchema = z.looseObject({
  success: z.boolean().optional(),
  new_contract: id,
});

const PortMapSchema = z.record(z.string(), z.array(z.looseObject({ HostIp: z.string().nullish(), HostPort: z.union([z.string(), z.number()]).nullish() })).nullish());

/** An instance as `GET /instances/{id}/` and the v1 listing show it. */
export const VastInstanceSchema = z.looseObject({
  id,
  actual_status: z.string().nullish(),
  intended_status: z.string().nullish(),
  cur_state: z.string().nullish(),
  label: z.string().nullish(),
  public_ipaddr: z.string().nullish(),
  ports: PortMapSchema.nullish(),
  dph_total: num.nonnegative().nullish(),
  is_bid: z.boolean().nullish(),
  start_date: num.nullish(),
});
/** A Vast instance. */
export type VastInstance = z.infer<typeof VastInstanceSchema>;

/** `GET /instances/{id}/`: `{instances: null}` once the instance is gone. */
export const VastInstanceResponseSchema = z.looseObject({ instances: VastInstanceSchema.nullish() });

/** `GET /api/v1/instances/`: one page. */
export const VastInstancePageSchema = z.looseObject({
  instances: z.array(z.unknown()).nullish(),
  next_token: z.string().nullish(),
});

/** `DELETE /instances/{id}/` answer (read loosely: only the status matters). */
export const VastDeleteSchema = z.unknown();

/** Vast's error body `{success: false, error, msg}`. */
export const VastErrorSchema = z.looseObject({ error: z.string().nullish(), msg: z.string().nullish(), detail: z.string().nullish() });
