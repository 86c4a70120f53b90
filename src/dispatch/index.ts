export * from './dispatcher.js';
export * from './node-client.js';
export * from './node-transport.js';
