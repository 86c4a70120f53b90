/**
 * RunPod REST v2 bodies we read, as zod schemas (runpod/docs api-reference-v2/openapi.json).
 * Loose: only the fields decisions depend on are checked.
 */
import { z } from 'zod';

const num = z.number().finite();

/** One GPU type of `GET /v2/catalog/gpus`. */
export const GpuTypeSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  memory: num.nonnegative().nullish(),
  secure: z.boolean().nullish(),
  community: z.boolean().nullish(),
  price: z.looseObject({ secure: num.nonnegative().nullish(), community: num.nonnegative().nullish() }),
  maxCount: z.looseObject({ secure: num.nullish(), community: num.nullish() }).nullish(),
  availability: z.string().nullish(),
});
/** A GPU type. */
export type GpuType = z.infer<typeof GpuTypeSchema>;

/** `GET /v2/catalog/gpus` answer. */
export const GpuCatalogSchema = z.looseObject({ gpus: z.array(z.unknown()) });

/** A live port mapping of a running pod. */
export const PodPortSchema = z.looseObject({
  private: num.nullish(),
  public: num.nullish(),
  type: z.string().nullish(),
  ip: z.string().nullish(),
});

/** A pod as `GET /v2/pods/{id}`, `POST /v2/pods` and the list show it. */
export const PodSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  status: z.string(),
  cost: num.nonnegative().nullish(),
  createdAt: z.string().nullish(),
  runtime: z.looseObject({ ports: z.array(PodPortSchema).nullish() }).nullish(),
});
/** A RunPod pod. */
export type Pod = z.infer<typeof PodSchema>;

/** `GET /v2/pods` answer. */
export const PodListSchema = z.looseObject({ pods: z.array(z.unknown()) });

/** `DELETE /v2/pods/{id}`: 204 without a body. */
export const EmptySchema = z.unknown();

/** RFC 9457 problem details. */
export const ProblemSchema = z.looseObject({
  title: z.string().nullish(),
  status: num.nullish(),
  detail: z.string().nullish(),
  errors: z.unknown().optional(),
});
