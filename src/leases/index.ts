export * from './lease-manager.js';
export * from './lease-state.js';
export * from './node-view.js';
