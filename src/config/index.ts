export * from './compute.js';
export * from './workload.js';
export * from './parse.js';
export * from './validator.js';
