/**
 * The per-workload task queue and the ordered, bounded `map` over it.
 */
export { Task } from './task.js';
export type { TaskState } from './task.js';
export { TaskQueue } from './task-queue.js';
export type { EnqueueOptions, TaskQueueOptions } from './task-queue.js';
export { mapOrdered } from './map.js';
export type { MapOptions } from './map.js';
