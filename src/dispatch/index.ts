export * from './dispatcher.js';
export * from './node-client.js';
